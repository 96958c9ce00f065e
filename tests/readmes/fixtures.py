"""The servers the READMEs' examples run on, over the data the examples describe.

Each server's README shows calls on data of its own (the sqlite README's `users` and `orders`
tables, the filesystem README's `logs/app.log` and `src/app.py`, the postgres README's shop
database, the git README's project and its history, the fetch README's harbour web site, the openapi
README's harbour API); `SERVERS`
lays out that data and starts the server over it as its console script would, from a command line
(the server's default one, or with a README example's flags added), in process. Files live in a
temporary home directory that the READMEs call `/home/me` (`HOME_SHOWN`): `shown` rewrites real
output to that spelling before it is compared. The postgres data is a database of the home's own
on the tests' PostgreSQL (tests/postgres/conftest.py: skipped with the reason when it is
unreachable, a failure in CI), dropped when the example is done with it; the READMEs call it
`postgresql://me@localhost:5432/shop` (`DATABASE_SHOWN`), and `shown` does too. The harbour site
(and the harbour API) is served on 127.0.0.1 at a port of its own for as long as the server runs,
which the fetch (and openapi) README calls `127.0.0.1:8000` (`SITE_SHOWN`): `unshown` rewrites a
call's arguments from that spelling to the real one, and `shown` the output back.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, asynccontextmanager, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
import asyncpg
import pytest
import yaml
from mcp import Client

from moorings_core.config import ServerSettings, load_settings
from moorings_core.program import ServerProgram
from moorings_core.server import MooringsServer
from moorings_core.testing import connect
from moorings_fetch.server import PROGRAM as FETCH
from moorings_filesystem.server import PROGRAM as FILESYSTEM
from moorings_git.server import PROGRAM as GIT
from moorings_openapi.server import PROGRAM as OPENAPI
from moorings_postgres.dsn import parse_dsn
from moorings_postgres.server import PROGRAM as POSTGRES
from moorings_sqlite.server import PROGRAM as SQLITE
from tests.fetch.pdf_files import text_pdf
from tests.fetch.site import serve_site
from tests.openapi.harbour_api import harbour_document, serve_harbour_api
from tests.postgres.conftest import ADMIN_DSN, dsn_for, unreachable

__all__ = [
    "DATABASE_SHOWN",
    "HOME_SHOWN",
    "SERVERS",
    "SITE_SHOWN",
    "ReadmeServer",
    "serving",
    "shown",
    "unshown",
]

HOME_SHOWN = "/home/me"
"""The home directory as the READMEs write it; the fixtures' data lives in a temporary one."""

DATABASE_SHOWN = "postgresql://me@localhost:5432/shop"
"""The PostgreSQL database as the READMEs write it; the fixtures' is one of the home's own."""

SITE_SHOWN = "127.0.0.1:8000"
"""The harbour web site's (or API's) address as the fetch (or openapi) README writes it; the fixtures'
has a port of its own."""

# What servers/sqlite/README.md queries: `orders` exactly as its describe_table example shows it,
# more than two users who joined in 2024 (a page of two has more after it), an order 7 to update.
_SHOP_SQL = """
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, joined TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), total REAL);
CREATE INDEX orders_by_user ON orders(user_id);
INSERT INTO users VALUES
    (1, 'Ada', '2024-02-11'), (2, 'Grace', '2024-05-03'), (3, 'Edsger', '2024-09-27'),
    (4, 'Alan', '2023-06-23');
INSERT INTO orders VALUES
    (1, 1, 30.0), (2, 2, 7.25), (3, 1, 12.5), (4, 3, 99.9), (5, 2, 18.0), (6, 4, 5.5), (7, 1, 10.0),
    (8, 3, 42.0);
"""


@contextmanager
def _shop(home: Path) -> Iterator[list[str]]:
    database = home / "shop.db"
    home.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(database)) as connection:
        connection.executescript(_SHOP_SQL)
    yield ["--db-path", str(database)]


# What servers/filesystem/README.md reads, searches and edits, relative to its first DIR.
_PROJECT = {
    "logs/app.log": "".join(f"2026-11-02 09:{minute:02}:00 INFO request served\n" for minute in range(30)),
    "src/app.py": "import os\n\nDEBUG = True\n# TODO: read the port from the environment\nPORT = 8000\n",
}


@contextmanager
def _project(home: Path) -> Iterator[list[str]]:
    root = home / "project"
    for name, content in _PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content, encoding="utf-8")
    yield [str(root)]


# What servers/postgres/README.md queries, explains, describes and checks: the sqlite README's shop
# in PostgreSQL's types (money as numeric, whose values come back as exact strings), with a comment
# to show, and what analyze_db_health warns of: an index that another one makes redundant, and a
# constraint added NOT VALID.
_SHOP_POSTGRES_SQL = """
CREATE TABLE users (
    id integer PRIMARY KEY,
    name text NOT NULL,
    email text UNIQUE,
    joined date NOT NULL
);
CREATE TABLE orders (
    id integer PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id),
    total numeric(10, 2) NOT NULL,
    placed_at timestamptz NOT NULL
);
CREATE INDEX orders_by_user ON orders (user_id);
INSERT INTO users VALUES
    (1, 'Ada', 'ada@example.com', '2024-02-11'), (2, 'Grace', 'grace@example.com', '2024-05-03'),
    (3, 'Edsger', 'edsger@example.com', '2024-09-27'), (4, 'Alan', NULL, '2023-06-23');
INSERT INTO orders VALUES
    (1, 1, 30.00, '2024-02-12 09:30+00'), (2, 2, 7.25, '2024-05-03 14:00+00'),
    (3, 1, 12.50, '2024-06-01 08:15+00'), (4, 3, 99.90, '2024-10-02 17:45+00'),
    (5, 2, 18.00, '2024-11-20 11:00+00'), (6, 4, 5.50, '2024-01-05 10:00+00'),
    (7, 1, 10.00, '2024-12-24 16:20+00'), (8, 3, 42.00, '2025-01-10 12:00+00');
COMMENT ON TABLE users IS 'People who have an account with the shop.';
CREATE INDEX orders_by_user_and_time ON orders (user_id, placed_at);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;
"""


@contextmanager
def _shop_database(home: Path) -> Iterator[list[str]]:
    """The home's database, made anew with the shop in it, for as long as the `with` lasts; dropped
    after, even with the server's sessions still in it."""
    name = _database_of(home)
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'  # also what a killed run left behind
    try:
        _run_sql(ADMIN_DSN, drop, f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unreachable(str(exc) or type(exc).__name__)
    try:
        _run_sql(dsn_for(name), _SHOP_POSTGRES_SQL)
        yield [dsn_for(name)]
    finally:
        _run_sql(ADMIN_DSN, drop)


def _database_of(home: Path) -> str:
    """The name of the database that goes with a home directory: each test has its own, and
    `shown` can tell which to rewrite from the home alone."""
    return "moorings_readme_" + hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:16]


def _run_sql(dsn: str, *statements: str) -> None:
    """Run `statements` on `dsn` from a connection of their own, in a thread of their own: the
    caller may be inside an event loop already (starting a server for a test), which a second
    loop cannot run in."""

    async def execute() -> None:
        connection = await asyncpg.connect(dsn, timeout=5)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(anyio.run, execute).result()


# What servers/git/README.md reads and changes: a project whose history is made with fixed names and
# dates, so every sha is the same on every machine and with every git; each commit is (date, author,
# message, files written). The tag `v1.0` marks the second commit, where `origin/main` (a remote
# that is never contacted) also stands, and a change to README.md is stashed there, which the third
# commit's change to the same line makes conflict; `feature/login` branches off after it. Then the
# working tree gets one change of each kind for the status and the diffs to show.
_AUTHORS = {"Ada": "Ada Lovelace <ada@example.com>", "Grace": "Grace Hopper <grace@example.com>"}
_APP = "import os\n\nDEBUG = True\nPORT = {port}\n"
_MAIN = (
    (
        "2026-11-02T09:00:00+00:00",
        "Ada",
        "Start the project",
        {"README.md": "# project\n\nA small web app.\n", "src/app.py": _APP.format(port="8000")},
    ),
    (
        "2026-11-02T14:30:00+00:00",
        "Grace",
        "Read the port from the environment\n\nPORT still defaults to 8000.",
        {"src/app.py": _APP.format(port='int(os.environ.get("PORT", "8000"))')},
    ),
    (
        "2026-11-03T10:15:00+00:00",
        "Ada",
        "Add a changelog",
        {
            "CHANGELOG.md": "## 1.0\n\n- The port comes from PORT.\n",
            "README.md": "# project\n\nA small web app; CHANGELOG.md says what changed.\n",
        },
    ),
)
_FEATURE = (
    "2026-11-04T16:45:00+00:00",
    "Grace",
    "Add a login page",
    {"src/login.py": 'def login(user):\n    return f"Welcome, {user}"\n'},
)
_WORKING_TREE = {
    "staged": {"docs/usage.md": "Run `python -m app`.\n"},
    "unstaged": {
        "src/app.py": _APP.format(port='int(os.environ.get("PORT", "8000"))').replace("True", "False")
    },
    "untracked": {"notes.txt": "ask about the logo\n"},
}
_STASHED = (
    "2026-11-02T17:00:00+00:00",
    "Describe the port in the README",
    {"README.md": "# project\n\nA small web app, served on $PORT (8000 by default).\n"},
)
_TODAY = "2026-11-05T09:00:00+00:00"  # when whatever is not a commit of the history is done
_USER_CONFIG = "[user]\n\tname = Me\n\temail = me@example.com\n[init]\n\tdefaultBranch = main\n"
_REMOTE = "https://me:s3cret@git.example.com/me/project.git"


@contextmanager
def _git_project(home: Path) -> Iterator[list[str]]:
    """The project, under a global git configuration of the home's own (the user's identity), which
    the server, in process or started by a console example with HOME set, reads instead of the
    machine's."""
    root = home / "project"
    root.mkdir(parents=True, exist_ok=True)
    user_config = home / ".gitconfig"
    user_config.write_text(_USER_CONFIG, encoding="utf-8")
    git = _Git(root, user_config)
    git("init", "--quiet")
    for commit in _MAIN[:2]:
        git.commit(*commit)
    git("tag", "--annotate", "--message=First release", "v1.0", date=_MAIN[1][0], author=_AUTHORS["Grace"])
    git("remote", "add", "origin", _REMOTE)
    git("update-ref", "refs/remotes/origin/main", "HEAD")
    git("branch", "--set-upstream-to=origin/main")
    date, message, files = _STASHED
    _write(root, files)
    git("stash", "push", "--quiet", f"--message={message}", date=date, author=_AUTHORS["Ada"])
    git.commit(*_MAIN[2])
    git("switch", "--quiet", "--create", "feature/login")
    git.commit(*_FEATURE)
    git("switch", "--quiet", "main")
    for kind, files in _WORKING_TREE.items():
        _write(root, files)
        if kind == "staged":
            git("add", "--", *files)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(user_config))
        yield ["--repository", str(root)]


@dataclass(frozen=True)
class _Git:
    """Plain git in `root`, as the user of `config`, every commit at the time it is given."""

    root: Path
    config: Path

    def __call__(self, *args: str, date: str = _TODAY, author: str = "Me <me@example.com>") -> None:
        name, _, email = author.removesuffix(">").partition(" <")
        who = {"NAME": name, "EMAIL": email, "DATE": date}
        environment = {
            **{key: value for key, value in os.environ.items() if not key.startswith("GIT_")},
            "GIT_CONFIG_GLOBAL": str(self.config),
            "GIT_CONFIG_NOSYSTEM": "1",
            **{
                f"GIT_{role}_{part}": value for role in ("AUTHOR", "COMMITTER") for part, value in who.items()
            },
        }
        subprocess.run(["git", *args], cwd=self.root, env=environment, check=True, capture_output=True)

    def commit(self, date: str, author: str, message: str, files: dict[str, str]) -> None:
        _write(self.root, files)
        self("add", "--", *files)
        self("commit", "--quiet", f"--message={message}", date=date, author=_AUTHORS[author])


def _write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content, encoding="utf-8")


# What servers/fetch/README.md fetches: a harbour's web site, served on 127.0.0.1 for as long as the
# server runs, which the server is allowed to reach (--allow-host with its address and port). Each
# path answers (content type, body, headers); any other path is a 404. The tide notice is long enough
# to come in parts; robots.txt keeps robots out of /office/.
_TIDES_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Spring tides this week</title>
<style>body { font-family: serif }</style><script>var tracking = true;</script></head>
<body><nav><a href="/">Home</a> · <a href="/berths">Berths</a> · <a href="/contact">Contact</a></nav>
<main><article><h1>Spring tides this week</h1>
<p>The <strong>spring tides</strong> reach 5.9 m on Thursday. Vessels drawing more than 4 m use the \
outer lock within two hours of high water.</p>
<h2>High water</h2>
<table><tr><th>Day</th><th>Time</th><th>Height</th></tr>
<tr><td>Wednesday</td><td>11:42</td><td>5.7 m</td></tr>
<tr><td>Thursday</td><td>12:25</td><td>5.9 m</td></tr>
<tr><td>Friday</td><td>13:08</td><td>5.8 m</td></tr></table>
<h2>Berthing</h2>
<ul><li>Puffin moves to berth 1.</li><li>Shearwater waits at the pier head.</li>
<li>Guillemot leaves for Mallaig on the morning tide.</li></ul>
<p>Questions go to the harbour office on channel 12.</p></article></main>
<footer>© Leith Harbour Office · <a href="/privacy">Privacy</a></footer></body></html>
"""
_TIDES_JSON = (
    '{"port":"Leith","high_water":[{"day":"Wednesday","time":"11:42","metres":5.7},'
    '{"day":"Thursday","time":"12:25","metres":5.9}]}'
)
_HARBOUR: dict[str, tuple[str, str | bytes, dict[str, str]]] = {
    "/tides": ("text/html; charset=utf-8", _TIDES_HTML, {}),
    "/tides.json": ("application/json", _TIDES_JSON, {}),
    "/berths.csv": ("text/csv", "berth,vessel\n1,Puffin\n2,Shearwater\n", {}),
    "/notices/lock.pdf": (
        "application/pdf",
        text_pdf(
            [["The outer lock is closed for repairs", "from 3 to 5 November."], ["Use the inner lock."]],
            title="Notice 14: the outer lock",
        ),
        {},
    ),
    "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /office/\n", {}),
    "/office/ledger": ("text/plain", "harbour dues owed\n", {}),
}
_SITE_ADDRESS = "site-address"  # the file in the home that says where the site is served


@contextmanager
def _harbour_site(home: Path) -> Iterator[list[str]]:
    home.mkdir(parents=True, exist_ok=True)
    with serve_site() as site:
        for path, (content_type, body, headers) in _HARBOUR.items():
            site.page(path, body, content_type, headers=headers)
        (home / _SITE_ADDRESS).write_text(site.host, encoding="utf-8")
        yield ["--allow-host", site.host]


# What servers/openapi/README.md calls: the openapi tests' harbour API (tests/openapi/harbour_api.py),
# served on 127.0.0.1 for as long as the server runs, which the server is allowed to reach, described
# by its own document cut down to the boats and berths (the rest is there to misbehave for tests).
_README_PATHS = ("/boats", "/boats/{boatId}", "/berths/{berthId}/bookings")
_README_INFO = {
    "title": "Harbour API",
    "version": "1.0.0",
    "description": "The boats moored in a small harbour, and the bookings of its berths.",
}


@contextmanager
def _harbour_api(home: Path) -> Iterator[list[str]]:
    home.mkdir(parents=True, exist_ok=True)
    document = harbour_document()
    with serve_harbour_api() as api:
        spec = home / "harbour.yaml"
        cut = {
            **document,
            "info": _README_INFO,
            "servers": [{"url": api.base_url}],
            "tags": [tag for tag in document["tags"] if tag["name"] in ("boats", "berths")],
            "paths": {path: document["paths"][path] for path in _README_PATHS},
        }
        spec.write_text(yaml.safe_dump(cut, sort_keys=False), encoding="utf-8")
        (home / _SITE_ADDRESS).write_text(api.host, encoding="utf-8")
        yield ["--spec", str(spec), "--allow-host", api.host]


@dataclass(frozen=True)
class ReadmeServer:
    """A server as the READMEs run it: its program, the data its examples describe, and the flags
    that change which tools it lists (each a configuration whose tool count the READMEs state)."""

    program: ServerProgram[Any]
    # Lays out the data (files under a home directory, or a database) for the `with` block; the
    # arguments naming it.
    lay_out: Callable[[Path], AbstractContextManager[list[str]]]
    tool_flags: tuple[str, ...]  # each a flag, with its value when it takes one: "--tool-mode compact"


SERVERS = {
    # No flag changes what the fetch server lists.
    "fetch": ReadmeServer(FETCH, _harbour_site, tool_flags=()),
    "filesystem": ReadmeServer(FILESYSTEM, _project, tool_flags=("--read-only",)),
    # --allow-network adds the tools that talk to remotes; --read-only takes away every tool that
    # changes anything (those tools too).
    "git": ReadmeServer(GIT, _git_project, tool_flags=("--read-only", "--allow-network")),
    # --read-only leaves out the operations that write; compact mode lists its three tools instead.
    "openapi": ReadmeServer(OPENAPI, _harbour_api, tool_flags=("--read-only", "--tool-mode compact")),
    # Unrestricted mode lists the same tools (execute_sql's description and annotations change).
    "postgres": ReadmeServer(POSTGRES, _shop_database, tool_flags=()),
    "sqlite": ReadmeServer(SQLITE, _shop, tool_flags=("--allow-writes",)),
}


@asynccontextmanager
async def serving(name: str, home: Path, flags: Sequence[str] = ()) -> AsyncIterator[Client]:
    """A client of server `name` started over its README data in `home` (laid out afresh), with `flags`."""
    readme_server = SERVERS[name]
    program = readme_server.program
    with readme_server.lay_out(home) as data:
        settings: ServerSettings = load_settings(
            program.settings, server=program.name, version="0", argv=[*data, *flags], environ={}
        )
        built = program.build(settings)
        if isinstance(built, MooringsServer):
            async with connect(built) as client:
                yield client
            return
        async with built as server, connect(server) as client:
            yield client


def shown(value: Any, home: Path) -> Any:
    """`value` (text, or JSON) with the temporary home, and its database, written as the READMEs
    write them."""
    if isinstance(value, str):
        for real, written in _spellings(home):
            value = value.replace(real, written)
        return value
    if isinstance(value, list):
        return [shown(item, home) for item in value]
    if isinstance(value, dict):
        return {key: shown(item, home) for key, item in value.items()}
    return value


def unshown(value: Any, home: Path) -> Any:
    """`value` (a call's arguments) with the web site's address, as the README writes it, made real."""
    site = _site_address(home)
    if site is None:
        return value
    if isinstance(value, str):
        return value.replace(SITE_SHOWN, site)
    if isinstance(value, list):
        return [unshown(item, home) for item in value]
    if isinstance(value, dict):
        return {key: unshown(item, home) for key, item in value.items()}
    return value


def _spellings(home: Path) -> list[tuple[str, str]]:
    """What `shown` replaces, in order: whole URIs before the database's bare name. The home is
    also written percent-encoded whole, as a `git://` URI names a repository."""
    real, written = parse_dsn(dsn_for(_database_of(home))), parse_dsn(DATABASE_SHOWN)
    site = _site_address(home)
    return [
        (str(home.resolve()), HOME_SHOWN),
        (quote(str(home.resolve()), safe=""), quote(HOME_SHOWN, safe="")),
        (real.shown, written.shown),
        (real.resource_base, written.resource_base),
        (str(real.database), str(written.database)),
        *([(site, SITE_SHOWN)] if site is not None else []),
    ]


def _site_address(home: Path) -> str | None:
    """Where the harbour site of `home` was served (`127.0.0.1:PORT`), if it was."""
    try:
        return (home / _SITE_ADDRESS).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
