"""A server started as Claude Desktop starts a bundle: what the install dialog left unset is dropped."""

from __future__ import annotations

import os
import subprocess
import sys

LAUNCH = "from moorings_core.bundled import run_bundled; run_bundled({reference!r}, list_flag={flag!r})"


def bundled(reference: str, flag: str | None, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    code = LAUNCH.format(reference=reference, flag=flag)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_unset_options_are_dropped_so_the_defaults_apply() -> None:
    done = bundled(
        "moorings_fetch.server:PROGRAM",
        None,
        MOORINGS_FETCH_USER_AGENT="",  # left empty by the dialog: the server would refuse it
        MOORINGS_FETCH_PROXY_URL="${user_config.proxy}",  # no default: the placeholder stays unfilled
    )
    # The server started, served until its input ended, and stopped without a word.
    assert (done.returncode, done.stderr) == (0, "")


def test_a_value_that_was_given_still_reaches_the_server() -> None:
    done = bundled("moorings_fetch.server:PROGRAM", None, MOORINGS_FETCH_TIMEOUT="-1")
    assert done.returncode == 2
    assert done.stderr.startswith("moorings-fetch: error: --timeout (from MOORINGS_FETCH_TIMEOUT): must be")


def test_a_list_goes_one_item_per_flag_without_the_unfilled_ones() -> None:
    done = bundled("moorings_git.server:PROGRAM", "--repository", "/no/such/a", "${user_config.more}")
    assert (done.returncode, done.stderr) == (
        2,
        "moorings-git: error: --repository: /no/such/a is not a directory\n",
    )
