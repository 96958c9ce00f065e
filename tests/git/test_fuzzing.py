"""Every read tool of the git server fuzzed from its input schema (see moorings_core.testing.fuzzing).

The server is read-only, so the fuzzer reaches every read tool and none that changes the
repository; the sandbox's root is a repository with a few commits, so revisions, paths and
patterns meet real objects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from moorings_core.server import MooringsServer
from moorings_core.testing import Sandbox, fuzz_test
from moorings_git.server import build_server
from moorings_git.settings import GitSettings
from tests.git.helpers import make_repo


@asynccontextmanager
async def git_server(box: Sandbox) -> AsyncIterator[MooringsServer]:
    make_repo(box.root, commits=2)
    yield build_server(GitSettings(repository=[box.root], read_only=True, call_timeout=10))


test_read_tools_survive_fuzzing = fuzz_test(git_server)
