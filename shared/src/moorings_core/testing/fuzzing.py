"""The tool fuzzer every Moorings server runs: each advertised tool called with generated arguments.

A server's test module gets it by one line, given an async context manager that builds the server
over a `Sandbox` (the fixture part):

    test_tools_survive_fuzzing = fuzz_test(serving)

For every tool the server lists, in both protocol eras, hypothesis draws arguments from the tool's
input schema (`schema_strategies`): valid ones, whose strings are often hostile (`..`, the outside
directory, the sentinel, symlinks out of the root, NUL, very long text, plus what `strings` adds),
and invalid ones, wrong in one argument. Each goes through the in-process client, and after each
call:

- the server answered within `HANG_LIMIT` seconds (timed from the test's own thread, so a blocked
  event loop counts too), with a tool result, not a JSON-RPC error;
- nothing crashed: no bare `Error executing tool <name>`, no traceback, nothing logged at ERROR;
- invalid arguments got an `isError` refusal naming the offending argument; valid ones were not
  refused as invalid;
- nothing from outside the root reached the client (the sentinel holds `LEAK_MARKER`);
- the tree outside the root (the sandbox's directory, root excepted) has the same entries, modes,
  bytes and modification times as before the first call;
- the server still serves (`tools/list` answers).

And an unknown tool name gets JSON-RPC -32602 (Invalid params), as the specification asks. A hang,
a server that stopped serving or a changed canary ends the run at once, naming the call; other
failures are shrunk by hypothesis to the simplest arguments that still fail.

The sandbox: `root/` holds seed entries laid anew before every call (files, a directory, symlinks out
of the root: to the outside directory, to the sentinel and dangling; a FIFO), so every call can meet
them; what tools create beside them stays. `outside/` (the sentinel, a private directory) and
`root-evil/` (a sibling whose name starts like the root's) are the canary. The server is built by
`serve` after they are laid, so it may add its own files, outside ones included, to the canary.

The machine's own files are never at stake, even were a tool to escape: the hostile strings name
nothing beyond the sandbox's directory, and random text that could (absolute, `~`, `..`) is not drawn.

Reproducible and quick: a fixed seed, no example database, `DEFAULT_EXAMPLES` valid calls per tool
and era (and a third as many invalid ones). `MOORINGS_FUZZ_EXAMPLES=N` makes N per tool,
`MOORINGS_FUZZ_SEED=S` draws other ones. Hypothesis also draws, now and then, on constants it finds
in the project's loaded modules, so one seed's calls can differ with the tests run before: a failure
names its call, arguments included, to repeat by hand.
"""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import json
import logging
import os
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import mcp_types as types
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from mcp import Client, MCPError

from moorings_core.platform.files import make_fifo
from moorings_core.server.app import MooringsServer
from moorings_core.testing import ERAS, HANG_LIMIT, Era, Sandbox, connect, sandbox, text_of
from moorings_core.testing.schema_strategies import invalid_arguments, valid_arguments

__all__ = ["DEFAULT_EXAMPLES", "LEAK_MARKER", "Case", "Serve", "Strings", "fuzz_test", "fuzz_tools"]

Serve = Callable[[Sandbox], AbstractAsyncContextManager[MooringsServer]]
"""Builds the server under test over a sandbox (and closes what it opened on exit)."""
Strings = Callable[[Sandbox], Iterable[str]]
"""A server's own candidate strings (SQL, URLs, ...), made from the sandbox's paths."""

DEFAULT_EXAMPLES = 25
"""Calls per tool and protocol era in a default run."""
LEAK_MARKER = "moorings-canary-5c1f0e"
"""The sentinel's content: seen in any result, something outside the root was read."""
_UNKNOWN_TOOL = "no_such_tool"
_T = TypeVar("_T")
_SEED_FILES = {"notes.txt": b"hello\nworld\n", "data.bin": bytes(range(256))}
_SEEDS = (*_SEED_FILES, "docs", "link-out", "link-secret", "dangling", "pipe")


@dataclass(frozen=True)
class Case:
    """One call: a tool, its arguments and, when they are wrong, the argument at fault and how."""

    tool: str
    arguments: dict[str, Any]
    wrong: str | None = None
    problem: str | None = None


def fuzz_test(serve: Serve, *, strings: Strings | None = None) -> Callable[[Path, Era], None]:
    """A pytest test that fuzzes every tool `serve`'s server lists, once per protocol era.

    `strings` adds the server's own candidates to the hostile paths every string is drawn from.
    """
    examples = int(os.environ.get("MOORINGS_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
    # Each call is bounded by the hang limit; the whole run grows with the examples asked for.
    longer = max(1, examples // DEFAULT_EXAMPLES)

    @pytest.mark.timeout(120 * longer)
    @pytest.mark.parametrize("era", ERAS)
    def test(tmp_path: Path, era: Era) -> None:
        fuzz_tools(serve, tmp_path, era=era, strings=strings, examples=examples)

    return test


def fuzz_tools(
    serve: Serve,
    directory: Path,
    *,
    era: Era,
    strings: Strings | None = None,
    examples: int = DEFAULT_EXAMPLES,
    seed_value: int | None = None,
    hang_limit: float = HANG_LIMIT,
) -> None:
    """Fuzz every tool of the server `serve` builds over a sandbox laid in `directory`.

    `seed_value` defaults to `MOORINGS_FUZZ_SEED` (else 0); `hang_limit` is in seconds.
    """
    box = _lay_sandbox(directory)
    pools = [_hostile_strings(box), *([list(strings(box))] if strings else [])]
    chosen_seed = int(os.environ.get("MOORINGS_FUZZ_SEED", 0)) if seed_value is None else seed_value
    with (
        _errors_logged() as logged,
        start_blocking_portal(backend="asyncio") as portal,
        portal.wrap_async_context_manager(_serving(serve, box, era, hang_limit)) as client,
    ):
        session = _Session(portal, client, box, logged, hang_limit)
        try:
            for tool in session.tools():
                _fuzz_one(session, tool, pools, examples, chosen_seed)
            session.unknown_tool_is_invalid_params()
        except Exception as error:  # hypothesis raises a group when it found more than one bug
            failure: Exception | None = error
        except _Stop as stopped:
            failure = AssertionError(str(stopped))
        else:
            failure = None
    if failure is not None:
        raise failure  # once the server is closed, so that no task group wraps it


def _fuzz_one(
    session: _Session, tool: types.Tool, pools: list[list[str]], examples: int, seed_value: int
) -> None:
    valid = valid_arguments(tool.input_schema, pools, text_fits=_stays_near)
    invalid = invalid_arguments(tool.input_schema, pools, text_fits=_stays_near)
    # Valid calls reach the tool's own code, where escapes and crashes hide; invalid ones stop at the
    # core's argument guard, the same code for every tool, so fewer of them do.
    _explore(session, valid.map(lambda arguments: Case(tool.name, arguments)), examples, seed_value)
    wrong = invalid.map(lambda wrong: Case(tool.name, wrong.arguments, wrong.argument, wrong.problem))
    _explore(session, wrong, max(1, examples // 3), seed_value)


def _explore(session: _Session, cases: st.SearchStrategy[Case], examples: int, seed_value: int) -> None:
    @seed(seed_value)
    @settings(
        max_examples=examples,
        database=None,
        derandomize=False,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=cases)
    def call(case: Case) -> None:
        session.check(case)

    call()


@asynccontextmanager
async def _serving(serve: Serve, box: Sandbox, era: Era, hang_limit: float) -> AsyncIterator[Client]:
    async with serve(box) as server:
        if server.settings.call_timeout >= hang_limit:
            raise ValueError(
                f"build the server with call_timeout below {hang_limit:g} s (it has "
                f"{server.settings.call_timeout:g}): its own deadline must answer before a call is hung"
            )
        async with connect(server, era=era) as client:
            yield client


class _Session:
    """One client connection under fuzzing, and what every call must leave as it was."""

    def __init__(
        self, portal: BlockingPortal, client: Client, box: Sandbox, logged: list[str], hang_limit: float
    ) -> None:
        self.portal = portal
        self.client = client
        self.box = box
        self.logged = logged
        self.hang_limit = hang_limit
        self.canary = _snapshot(box)

    def tools(self) -> list[types.Tool]:
        return self._in_time(_list_tools, self.client)

    def check(self, case: Case) -> None:
        _restore_seeds(self.box)
        self.logged.clear()
        result = self._call(case)
        _did_not_crash(case, result, self.logged)
        if case.wrong is None:
            _not_refused_as_invalid(case, result)
        else:
            _refused_naming(case, result)
        self._still_serving(case)
        _unchanged(case, self.canary, _snapshot(self.box))

    def _call(self, case: Case) -> types.CallToolResult:
        try:
            return self._in_time(_call_tool, self.client, case.tool, case.arguments)
        except _Hung:
            hung = f"{case} did not answer within {self.hang_limit:g} s"
            # Said at once: if the server's thread is stuck for good, closing it hangs the test too.
            print(f"moorings fuzzer: {hung}", file=sys.stderr)
            raise _Stop(hung) from None
        except MCPError as error:
            raise AssertionError(
                f"{case.tool} answered with JSON-RPC error {error.code} ({error.message}); "
                "a tool call gets a result, isError for a refusal"
            ) from error
        except Exception:
            self._still_serving(case)
            raise

    def _still_serving(self, case: Case) -> None:
        try:
            self._in_time(_list_tools, self.client)
        except (Exception, _Hung) as error:
            raise _Stop(f"the server stopped serving after {case}: {error!r}") from error

    def unknown_tool_is_invalid_params(self) -> None:
        try:
            result = self._in_time(_call_tool, self.client, _UNKNOWN_TOOL, {})
        except MCPError as error:
            code = error.code
        else:
            raise AssertionError(f"an unknown tool got a result, not JSON-RPC -32602: {text_of(result)!r}")
        if code != types.INVALID_PARAMS:
            raise AssertionError(f"an unknown tool got JSON-RPC error {code}, not -32602 (Invalid params)")

    def _in_time(self, function: Callable[..., Awaitable[_T]], *args: Any) -> _T:
        """`function(*args)` run on the server's event loop, waited for from this thread."""
        future = self.portal.start_task_soon(function, *args)
        try:
            return future.result(timeout=self.hang_limit)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise _Hung(f"no answer within {self.hang_limit:g} s") from None


class _Hung(Exception):
    """A call did not answer within the hang limit."""


class _Stop(BaseException):
    """A failure after which no call can be judged: a hang, a server that stopped, an escape.

    The run ends at once, on the call that did it. Not an `Exception`, so that hypothesis lets it
    through: it would shrink and replay, calling a server that no longer answers, or comparing
    with a canary tree that is already changed, and blame whatever call came next.
    """


async def _call_tool(client: Client, tool: str, arguments: dict[str, Any]) -> types.CallToolResult:
    return await client.call_tool(tool, arguments)


async def _list_tools(client: Client) -> list[types.Tool]:
    return (await client.list_tools()).tools


# -- what every call must satisfy ------------------------------------------------------------------


def _did_not_crash(case: Case, result: types.CallToolResult, logged: list[str]) -> None:
    text = text_of(result)
    if logged:
        raise AssertionError(f"{case.tool} logged an error:\n" + "\n".join(logged))
    if text.strip() == f"Error executing tool {case.tool}":
        raise AssertionError(f"{case.tool} crashed: the SDK's bare crash message reached the client")
    if "Traceback (most recent call last)" in text:
        raise AssertionError(f"{case.tool} sent a traceback to the client:\n{text}")
    if LEAK_MARKER in _everything_shown(result):
        raise AssertionError(f"{case.tool} sent content from outside the root:\n{text[:2000]}")


def _not_refused_as_invalid(case: Case, result: types.CallToolResult) -> None:
    text = text_of(result)
    if not result.is_error:
        return
    if not text.strip():
        raise AssertionError(f"{case.tool} refused without a word")
    # pydantic's words, unless the message only quotes an argument that holds them (hypothesis draws
    # strings from the constants of loaded modules, this very one among them).
    echoed = any("validation error for" in json.dumps(value) for value in case.arguments.values())
    if text.startswith("Invalid arguments for tool") or ("validation error for" in text and not echoed):
        raise AssertionError(f"{case.tool} refused arguments its own input schema accepts:\n{text}")


def _refused_naming(case: Case, result: types.CallToolResult) -> None:
    text = text_of(result)
    if not result.is_error:
        raise AssertionError(f"{case.tool} accepted {case.wrong!r} ({case.problem}):\n{text[:2000]}")
    if result.structured_content is not None:
        raise AssertionError(f"{case.tool}'s refusal carries structured content")
    if f"'{case.wrong}'" not in text and f"'{case.wrong}." not in text:
        raise AssertionError(f"{case.tool}'s refusal does not name the argument {case.wrong!r}:\n{text}")


def _everything_shown(result: types.CallToolResult) -> str:
    """All a client could read in `result`: text, decoded binary blocks, structured content."""
    shown = [json.dumps(result.structured_content, default=str)]
    for block in result.content:
        if isinstance(block, types.TextContent):
            shown.append(block.text)
        elif isinstance(block, (types.ImageContent, types.AudioContent)):
            shown.append(base64.b64decode(block.data).decode("latin-1"))
        elif isinstance(block, types.EmbeddedResource):
            resource = block.resource
            if isinstance(resource, types.TextResourceContents):
                shown.append(resource.text)
            else:
                shown.append(base64.b64decode(resource.blob).decode("latin-1"))
    return "\n".join(shown)


def _unchanged(case: Case, before: dict[str, _Entry], after: dict[str, _Entry]) -> None:
    if after == before:
        return
    changes = [
        f"{name}: {_change(before.get(name), after.get(name))}"
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]
    raise _Stop(f"{case} changed the tree outside the root:\n" + "\n".join(changes))


def _change(before: _Entry | None, after: _Entry | None) -> str:
    if before is None:
        return "appeared"
    if after is None:
        return "disappeared"
    changed = [
        f"mode {before.mode:o} -> {after.mode:o}" if before.mode != after.mode else "",
        "modified" if before.modified != after.modified else "",
        "content changed" if before.content != after.content else "",
    ]
    return ", ".join(change for change in changed if change)


@contextmanager
def _errors_logged() -> Iterator[list[str]]:
    """What is logged at ERROR or above meanwhile (the SDK logs a tool's crash with its traceback)."""
    logged: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.append(self.format(record))

    handler = Collect(logging.ERROR)
    logging.getLogger().addHandler(handler)
    try:
        yield logged
    finally:
        logging.getLogger().removeHandler(handler)


# -- the sandbox -----------------------------------------------------------------------------------


def _lay_sandbox(directory: Path) -> Sandbox:
    box = sandbox(directory)
    box.sentinel.write_text(LEAK_MARKER)
    private = box.outside / "private"
    private.mkdir(mode=0o700)
    (private / "key.txt").write_text(LEAK_MARKER)
    (private / "key.txt").chmod(0o600)
    evil = box.root.parent / f"{box.root.name}-evil"  # a sibling whose name starts like the root's
    evil.mkdir()
    (evil / "file.txt").write_text(LEAK_MARKER)
    _restore_seeds(box)
    return box


def _restore_seeds(box: Sandbox) -> None:
    """Lay the root's seed entries anew, whatever the last call did to them."""
    root = box.root
    for name in _SEEDS:
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.is_symlink() or path.exists():
            path.unlink()
    for name, content in _SEED_FILES.items():
        (root / name).write_bytes(content)
    (root / "docs" / "empty").mkdir(parents=True)
    (root / "docs" / "readme.md").write_text("# Docs\n")
    (root / "link-out").symlink_to(box.outside, target_is_directory=True)
    (root / "link-secret").symlink_to(box.sentinel)
    (root / "dangling").symlink_to(box.outside / "missing.txt")
    make_fifo(root / "pipe")  # opening it for reading blocks until a writer comes: a hang, unless refused


class _Entry(NamedTuple):
    mode: int
    modified: int  # st_mtime_ns
    content: str  # a file's SHA-256, a symlink's target; nothing for a directory


def _snapshot(box: Sandbox) -> dict[str, _Entry]:
    """Every entry of the sandbox's directory outside the root: its mode, mtime and content."""
    top = box.root.parent
    found = {".": _entry(top)}
    for directory, subdirectories, files in os.walk(top):
        here = Path(directory)
        subdirectories[:] = [name for name in subdirectories if here / name != box.root]
        for name in [*subdirectories, *files]:
            found[str((here / name).relative_to(top))] = _entry(here / name)
    return found


def _entry(path: Path) -> _Entry:
    info = path.lstat()
    if path.is_symlink():
        content = f"-> {path.readlink()}"
    elif path.is_file():
        content = hashlib.sha256(path.read_bytes()).hexdigest()
    else:
        content = ""
    return _Entry(info.st_mode, info.st_mtime_ns, content)


# -- the strings --------------------------------------------------------------------------------


def _hostile_strings(box: Sandbox) -> list[str]:
    """Strings worth trying wherever a schema takes text: paths in and out of the root, and worse."""
    root, outside, sentinel, top = box.root, box.outside, box.sentinel, box.root.parent
    inside = [".", "notes.txt", "./notes.txt", "docs", "docs/readme.md", "docs/empty", "docs/../notes.txt",
              "data.bin", "pipe", f"{root}/notes.txt", str(root), "new.txt", "docs/new/deeper.txt",
              "*.txt", "**/*"]  # fmt: skip
    escapes = ["..", "../", "../outside", "../outside/secret.txt", "docs/../../outside/secret.txt",
               str(outside), str(sentinel), f"{outside}/new.txt", f"{outside}/private/key.txt",
               f"{root}/../outside/secret.txt", f"{root}-evil/file.txt", f"../{root.name}-evil/file.txt",
               f"{top}/beside.txt", "link-out", "link-out/secret.txt", "link-out/new.txt", "link-secret",
               "dangling", f"file://{sentinel}", "../outside/secret.txt\x00",
               "notes.txt\x00../outside/secret.txt"]  # fmt: skip
    # Too long a name, too long a path, deep (not so deep that Python's recursive rmtree fails on it).
    malformed = ["", " ", "\x00", "\n", "notes.txt/", "..\\outside\\secret.txt", "%2e%2e/outside/secret.txt",
                 "a" * 5000, ("a" * 200 + "/") * 25, "a/" * 100, "é/ñ.txt", "[", "(", "\\"]  # fmt: skip
    contents = ["hello", "hello\nworld\n", "aGVsbG8="]
    # Text that is also JSON: a string argument must reach the tool as the string it is.
    json_texts = ["null", "[]", "{}", '{"a": 1}', "true"]
    return [*inside, *escapes, *malformed, *contents, *json_texts]


def _stays_near(text: str) -> bool:
    """Random text that, read as a path, names nothing beyond the sandbox."""
    return not text.startswith(("/", "~")) and ".." not in text
