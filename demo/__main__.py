"""Run the demo: for each server, the handshake, its tools, and a few real calls with their results.

Each server is started as its installed console script and spoken to with the
SDK's stdio client, the way Claude Desktop or VS Code would. Nothing is mocked;
what you see is what a host sees.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Awaitable, Callable
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp import Client

from moorings_core.testing import LEGACY, MODERN, connect_stdio, installed_script

SAMPLE = Path(__file__).parent / "sample"
WIDTH = 100
BOLD, DIM, RED, GREEN, RESET = ("\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[0m")
if not sys.stdout.isatty():
    BOLD = DIM = RED = GREEN = RESET = ""


def heading(text: str) -> None:
    print(f"\n{BOLD}{'━' * 3} {text} {'━' * max(3, WIDTH - len(text) - 5)}{RESET}")


def shown(value: Any, limit: int = 900) -> str:
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    if len(text) > limit:
        text = text[:limit] + f"\n… ({len(text) - limit:,} more characters)"
    return textwrap.indent(text, "    ")


async def show_handshake(client: Client) -> None:
    info = client.server_info
    capabilities = client.server_capabilities.model_dump(by_alias=True, exclude_none=True)
    print(f"  server     {info.name if info else '?'} {info.version if info else ''}")
    print(f"  protocol   {client.protocol_version}")
    print(f"  abilities  {json.dumps(capabilities)}")


async def show_tools(client: Client) -> None:
    tools = (await client.list_tools()).tools
    print(f"  {len(tools)} tools:")
    for tool in tools:
        hints = tool.annotations
        flags = []
        if hints is not None:
            flags.append("read-only" if hints.read_only_hint else "writes")
            if hints.destructive_hint:
                flags.append("destructive")
            if hints.open_world_hint:
                flags.append("open-world")
        summary = (tool.description or "").strip().splitlines()[0]
        print(f"    {BOLD}{tool.name:<26}{RESET} {DIM}[{', '.join(flags)}]{RESET} {summary}")


async def call(client: Client, tool: str, arguments: dict[str, Any], why: str) -> types.CallToolResult:
    """One tool call: the text the model reads, and the keys of the object a program gets."""
    print(f"\n  {BOLD}→ {tool}{RESET}({json.dumps(arguments)})  {DIM}# {why}{RESET}")
    result = await client.call_tool(tool, arguments)
    text = "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))
    print(f"  {RED}✗ error result{RESET}" if result.is_error else f"  {GREEN}✓{RESET}")
    print(shown(text.rstrip("\n")))
    if result.structured_content:
        print(f"    {DIM}structured: {{{', '.join(result.structured_content)}}}{RESET}")
    return result


async def filesystem_demo(workdir: Path) -> None:
    sample = workdir / "sample"
    shutil.copytree(SAMPLE, sample)
    print(f"  $ moorings-filesystem {sample} --read-only")
    async with connect_stdio("moorings-filesystem", str(sample), "--read-only", era=LEGACY) as client:
        await show_handshake(client)
        await show_tools(client)
        await call(client, "list_allowed_directories", {}, "where may I work?")
        await call(client, "list_directory", {"path": "."}, "relative paths start at the first directory")
        await call(client, "read_text_file", {"path": "notes/moorings.txt", "head": 2}, "first lines only")
        await call(client, "read_text_file", {"path": "tides.csv", "tail": 1}, "last line, read from the end")
        await call(client, "read_text_file", {"path": "../../etc/passwd"}, "traversal: refused")
        await call(client, "read_text_file", {"path": "tides.csv", "head": "2"}, "a string is not an integer")
    print(f"\n  $ moorings-filesystem {sample}   {DIM}# writable this time{RESET}")
    async with connect_stdio("moorings-filesystem", str(sample), era=LEGACY) as client:
        edit = {"oldText": "Berth 3: empty", "newText": "Berth 3: Puffin, 8.4 m, arriving Sunday"}
        await call(client, "edit_file", {"path": "notes/moorings.txt", "edits": [edit], "dryRun": True},
                   "see the diff before writing")  # fmt: skip
        await call(client, "edit_file", {"path": "notes/moorings.txt", "edits": [edit]}, "atomic write")
        await call(client, "search_file_contents", {"path": ".", "pattern": "arriving", "literal": True},
                   "grep, .gitignore-aware")  # fmt: skip
        await call(client, "directory_tree", {"path": ".", "maxDepth": 2}, "bounded JSON tree")
        await call(client, "delete_directory", {"path": "notes"}, "not empty: refused unless recursive")
    print(f"\n  {DIM}…and the same server in the 2026-07-28 era (no handshake, server/discover):{RESET}")
    async with connect_stdio("moorings-filesystem", str(sample), era=MODERN) as client:
        await show_handshake(client)


HARBOUR_SQL = """
CREATE TABLE boats (id INTEGER PRIMARY KEY, name TEXT NOT NULL, length_m REAL, home_port TEXT);
CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    boat_id INTEGER NOT NULL REFERENCES boats(id),
    berth INTEGER NOT NULL,
    arrived TEXT NOT NULL,
    nights INTEGER NOT NULL
);
CREATE INDEX visits_by_boat ON visits(boat_id);
INSERT INTO boats (name, length_m, home_port) VALUES
    ('Puffin', 8.4, 'Oban'), ('Kittiwake', 11.2, 'Mallaig'),
    ('Guillemot', 6.9, NULL), ('Shearwater', 14.0, 'Tobermory');
WITH RECURSIVE day(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM day WHERE n < 59)
INSERT INTO visits (boat_id, berth, arrived, nights)
    SELECT 1 + n % 7 % 4, 1 + n % 7, date('2026-06-01', '+' || n || ' days'), 1 + n * 7 % 5 FROM day;
"""


def harbour_database(path: Path) -> Path:
    """A small sample database, built fresh for each demo run (no binary file in the repository)."""
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(HARBOUR_SQL)
    return path


async def sqlite_demo(workdir: Path) -> None:
    database = harbour_database(workdir / "harbour.db")
    print(f"  $ moorings-sqlite --db-path {database}   {DIM}# read-only by default{RESET}")
    async with connect_stdio("moorings-sqlite", "--db-path", str(database), era=LEGACY) as client:
        await show_handshake(client)
        await show_tools(client)
        await call(client, "list_tables", {}, "what is there?")
        await call(client, "describe_table", {"table_name": "visits"}, "columns, keys, indexes, row count")
        query = (
            "SELECT name, count(*) AS visits, sum(nights) AS nights FROM visits "
            "JOIN boats ON boats.id = boat_id GROUP BY name ORDER BY nights DESC, name"
        )
        first = await call(
            client, "read_query", {"query": query, "maxRows": 2}, "a page, and how to get the next"
        )
        cursor = (first.structured_content or {}).get("nextCursor")
        await call(client, "read_query", {"query": query, "cursor": cursor, "format": "markdown"},
                   "the next page, as a Markdown table")  # fmt: skip
        await call(client, "read_query", {"query": "WITH old AS (SELECT 1) DELETE FROM visits"},
                   "a write dressed as a read: refused")  # fmt: skip
        await call(client, "write_query", {"query": "DELETE FROM visits"},
                   "a write tool on a read-only server: says how the operator enables it")  # fmt: skip
        plan = {"query": "SELECT * FROM visits WHERE boat_id = ?", "params": [1]}
        await call(client, "explain_query", plan, "does it use the index?")


# The PostgreSQL the demo uses: the machine's own, as the tests use it; a database of its own,
# made for the run and dropped after.
POSTGRES = os.environ.get("MOORINGS_DEMO_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")

HARBOUR_POSTGRES_SQL = """
CREATE TABLE boats (id serial PRIMARY KEY, name text NOT NULL, length_m numeric(4, 1), home_port text);
CREATE TABLE visits (
    id serial PRIMARY KEY,
    boat_id integer NOT NULL REFERENCES boats(id),
    berth integer NOT NULL,
    arrived date NOT NULL,
    nights integer NOT NULL CHECK (nights > 0)
);
CREATE INDEX visits_by_boat ON visits(boat_id);
INSERT INTO boats (name, length_m, home_port) VALUES
    ('Puffin', 8.4, 'Oban'), ('Kittiwake', 11.2, 'Mallaig'),
    ('Guillemot', 6.9, NULL), ('Shearwater', 14.0, 'Tobermory');
INSERT INTO visits (boat_id, berth, arrived, nights)
    SELECT 1 + n % 7 % 4, 1 + n % 7, date '2026-06-01' + n, 1 + n * 7 % 5 FROM generate_series(0, 59) AS n;
"""


async def postgres_demo(workdir: Path) -> None:
    import asyncpg

    name = f"moorings_demo_{os.getpid()}"
    base = POSTGRES.rsplit("/", 1)[0]
    try:
        admin = await asyncpg.connect(POSTGRES, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"  (no PostgreSQL at {POSTGRES}: {exc}; set MOORINGS_DEMO_POSTGRES to show this server)")
        return
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        harbour = await asyncpg.connect(f"{base}/{name}")
        await harbour.execute(HARBOUR_POSTGRES_SQL)
        await harbour.close()
        await postgres_calls(f"{base}/{name}")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def postgres_calls(dsn: str) -> None:
    print(f"  $ moorings-postgres {dsn}   {DIM}# restricted (read-only) by default{RESET}")
    async with connect_stdio("moorings-postgres", dsn, era=LEGACY) as client:
        await show_handshake(client)
        await show_tools(client)
        await call(client, "list_objects", {"schema_name": "public"}, "what is there?")
        await call(client, "get_object_details", {"schema_name": "public", "object_name": "visits"},
                   "columns, constraints, indexes, size")  # fmt: skip
        query = (
            "SELECT name, count(*) AS visits, sum(nights) AS nights FROM visits "
            "JOIN boats ON boats.id = boat_id GROUP BY name ORDER BY nights DESC, name"
        )
        first = await call(client, "query", {"sql": query, "maxRows": 2}, "a page, and how to get the next")
        cursor = (first.structured_content or {}).get("nextCursor")
        await call(client, "query", {"sql": query, "cursor": cursor, "format": "markdown"},
                   "the next page, as a Markdown table")  # fmt: skip
        await call(client, "execute_sql", {"sql": "COMMIT; DELETE FROM visits"},
                   "the archived reference server's escape: refused")  # fmt: skip
        await call(client, "query", {"sql": "SELECT * FROM pg_read_file('/etc/hostname') AS f"},
                   "reading the server's files from FROM: refused")  # fmt: skip
        plan = {"sql": "SELECT * FROM visits WHERE boat_id = $1", "params": [1], "analyze": True}
        await call(client, "explain_query", plan, "the plan, run and rolled back")
        await call(client, "analyze_db_health", {"health_type": "index"}, "anything wrong with the indexes?")


# The demo repository's history, oldest first: (file, text, message). Its own config names an
# fsmonitor and its hooks include a pre-commit, both writing a marker file, as a repository someone
# else made could: the server runs neither.
HARBOUR_HISTORY = (
    ("berths.md", "# Berths\n\n1. Puffin\n2. Kittiwake\n3. empty\n", "Start the berth list"),
    ("tides.csv", "date,high_water\n2026-06-01,06:12\n", "Record the first tide"),
    ("berths.md", "# Berths\n\n1. Puffin\n2. Kittiwake\n3. Guillemot\n", "Guillemot takes berth 3"),
)


def harbour_repository(path: Path) -> tuple[Path, Path]:
    """A small repository with a history, a change not yet staged, and a hostile config."""
    path.mkdir()
    marker = path.parent / "ran-a-repository-program"

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)

    git("init", "--quiet", "--initial-branch=main")
    git("config", "user.name", "Harbour Master")  # the demo machine may have no identity of its own
    git("config", "user.email", "master@harbour.example")
    for name, text, message in HARBOUR_HISTORY:
        (path / name).write_text(text)
        git("add", name)
        git("commit", "--quiet", "-m", message)
    (path / "berths.md").write_text("# Berths\n\n1. Puffin\n2. Shearwater\n3. Guillemot\n")
    (path / "notes.txt").write_text("Kittiwake left for Mallaig.\n")
    git("config", "core.fsmonitor", f"touch {marker}")
    hook = path / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    return path, marker


async def git_demo(workdir: Path) -> None:
    repo, marker = harbour_repository(workdir / "harbour")
    print(f"  $ moorings-git --repository {repo}")
    async with connect_stdio("moorings-git", "--repository", str(repo), era=LEGACY) as client:
        await show_handshake(client)
        await show_tools(client)
        at = {"repo_path": str(repo)}
        await call(client, "git_status", at, "what changed? (the repository's fsmonitor does not run)")
        await call(client, "git_log", {**at, "max_count": 2}, "the reference's tool, same parameters")
        await call(client, "git_diff_unstaged", {**at, "context_lines": 1}, "the change, not yet staged")
        await call(
            client, "git_diff", {**at, "target": "--output=/tmp/pwned"}, "an option as a target: refused"
        )
        await call(client, "git_add", {**at, "files": ["berths.md", "notes.txt"]}, "stage both")
        await call(client, "git_commit", {**at, "message": "Shearwater takes berth 2"},
                   "commit (the repository's pre-commit hook does not run)")  # fmt: skip
        await call(client, "git_show", {**at, "revision": "HEAD", "stat": True}, "what that commit holds")
        await call(client, "git_reset", {**at, "mode": "hard", "target": "HEAD~1"},
                   "destructive: says what it would do, does nothing without confirm")  # fmt: skip
        await call(client, "git_status", {"repo_path": "/etc"}, "outside the jail: refused")
    ran = "ran" if marker.exists() else "did not run"
    print(
        f"\n  {DIM}The repository's own fsmonitor and pre-commit hook {ran} (no {marker.name} file).{RESET}"
    )


HARBOUR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Leith Harbour: tide notice</title>
<style>body { font-family: serif }</style><script>var tracking = true;</script></head>
<body><nav><a href="/">Home</a> · <a href="/berths">Berths</a> · <a href="/contact">Contact</a></nav>
<main><article><h1>Spring tides this week</h1>
<p>The <strong>spring tides</strong> reach 5.9 m on Thursday. Vessels over 4 m draught should use
the <a href="/locks">outer lock</a> two hours either side of high water.</p>
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


def harbour_site() -> tuple[ThreadingHTTPServer, list[str]]:
    """A small web site on 127.0.0.1: a page, JSON, and a robots.txt that keeps robots out of /office/."""
    pages = {
        "/": ("text/html; charset=utf-8", HARBOUR_PAGE),
        "/tides.json": ("application/json", '{"port":"Leith","high_water":["11:42","12:25","13:08"]}'),
        "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /office/\n"),
        "/office/ledger": ("text/plain", "harbour dues owed"),
    }
    served: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(self.path)
            content_type, text = pages.get(self.path, ("text/plain", "not found"))
            body = text.encode()
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    return site, served


async def fetch_demo(workdir: Path) -> None:
    site, served = harbour_site()
    host = f"127.0.0.1:{site.server_address[1]}"
    home = f"http://{host}/"
    print(f"  $ moorings-fetch --allow-host {host}   {DIM}# a local site stands in for the web{RESET}")
    try:
        async with connect_stdio("moorings-fetch", "--allow-host", host, era=MODERN) as client:
            await show_handshake(client)
            await show_tools(client)
            await call(client, "fetch", {"url": home, "max_length": 400}, "the main content, as markdown")
            await call(client, "fetch", {"url": home, "max_length": 400, "start_index": 400},
                       "the next part: from the cache, not downloaded again")  # fmt: skip
            await call(client, "fetch", {"url": f"http://{host}/tides.json"}, "JSON comes pretty-printed")
            await call(client, "fetch", {"url": f"http://{host}/office/ledger"}, "robots.txt forbids it")
            await call(client, "fetch", {"url": "http://169.254.169.254/latest/meta-data/"},
                       "the cloud metadata address: refused before anything is sent")  # fmt: skip
            await call(client, "fetch", {"url": f"http://localhost:{site.server_address[1]}/"},
                       "localhost by name: refused, only 127.0.0.1 on that port was allowed")  # fmt: skip
    finally:
        site.shutdown()
        site.server_close()
    print(f"\n  {DIM}The site was asked for: {', '.join(served)} (the page once, robots.txt once).{RESET}")


# The openapi demo's API: a harbour's boats, described by a small OpenAPI 3.1 document and served on
# 127.0.0.1. Its write needs a bearer token, which the server holds and the model never sees.
HARBOUR_TOKEN = "demo-harbour-token-4e1d"  # noqa: S105 (the demo API's, made up)
HARBOUR_OPENAPI = """\
openapi: 3.1.0
info: {title: Harbour API, version: 1.0.0, description: The boats moored in a harbour.}
servers: [{url: "http://HOST/v1"}]
paths:
  /boats:
    get:
      operationId: listBoats
      summary: List the boats
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, default: 10}}
      responses:
        "200":
          description: The boats.
          content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Boat"}}}}
    post:
      operationId: createBoat
      summary: Register a boat
      security: [{token: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties: {name: {type: string}, length_m: {type: number}}
      responses:
        "201":
          description: The boat, registered.
          content: {application/json: {schema: {$ref: "#/components/schemas/Boat"}}}
  /boats/{boatId}:
    get:
      operationId: getBoat
      summary: Get a boat
      parameters:
        - {name: boatId, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: The boat.
          content: {application/json: {schema: {$ref: "#/components/schemas/Boat"}}}
        "404": {description: No such boat.}
components:
  schemas:
    Boat:
      type: object
      properties: {id: {type: integer}, name: {type: string}, length_m: {type: number}}
  securitySchemes:
    token: {type: http, scheme: bearer}
"""


def harbour_api() -> tuple[ThreadingHTTPServer, list[str]]:
    """The harbour API on 127.0.0.1: boats to list, get and (with the token) register."""
    boats = [
        {"id": 1, "name": "Puffin", "length_m": 8.4},
        {"id": 2, "name": "Kittiwake", "length_m": 11.2},
        {"id": 3, "name": "Guillemot", "length_m": 6.9},
    ]
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def answer(self, status: int, value: Any) -> None:
            body = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            received.append(f"GET {self.path}")
            path, _, query = self.path.partition("?")
            if path == "/v1/boats":
                limit = int(query.removeprefix("limit=") or 10) if query.startswith("limit=") else 10
                self.answer(200, boats[:limit])
                return
            found = [boat for boat in boats if path == f"/v1/boats/{boat['id']}"]
            if found:
                self.answer(200, found[0])
            else:
                self.answer(404, {"error": "not_found", "message": f"There is no boat at {path}."})

        def do_POST(self) -> None:
            signed = self.headers.get("Authorization") == f"Bearer {HARBOUR_TOKEN}"
            received.append(f"POST {self.path} ({'signed with the token' if signed else 'unsigned'})")
            fields = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if not signed:
                self.answer(401, {"error": "unauthorised", "message": "Registering a boat needs a token."})
                return
            boats.append({"id": len(boats) + 1, **fields})
            self.answer(201, boats[-1])

        def log_message(self, format: str, *args: object) -> None:
            pass

    api = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    return api, received


async def openapi_demo(workdir: Path) -> None:
    api, received = harbour_api()
    host = f"127.0.0.1:{api.server_address[1]}"
    spec = workdir / "harbour.yaml"
    spec.write_text(HARBOUR_OPENAPI.replace("HOST", host))
    token = {"MOORINGS_OPENAPI_BEARER_TOKEN": HARBOUR_TOKEN}
    print(f"  $ MOORINGS_OPENAPI_BEARER_TOKEN=… moorings-openapi --spec {spec.name} --allow-host {host}")
    print(f"  {DIM}# a local API stands in for the web; the token is the server's, not the model's{RESET}")
    try:
        served: tuple[str, ...] = ("--spec", str(spec), "--allow-host", host)
        async with connect_stdio("moorings-openapi", *served, env=token, era=MODERN) as client:
            await show_handshake(client)
            await show_tools(client)
            await call(
                client, "listBoats", {"limit": 2}, "one tool per operation, its parameters as arguments"
            )
            await call(client, "getBoat", {"boatId": 3}, "a path parameter")
            await call(client, "getBoat", {"boatId": 9}, "an error status: the API's own message")
            await call(client, "getBoat", {"boatId": "three"}, "checked against the schema, never sent")
            await call(client, "createBoat", {"name": "Shearwater", "length_m": 14.0},
                       "the body's fields are arguments too; the server signs the request")  # fmt: skip
            page = await client.read_resource("openapi://spec/operations/createBoat")
            text = "".join(getattr(content, "text", "") for content in page.contents)
            print(f"\n  {BOLD}→ resources/read{RESET} openapi://spec/operations/createBoat")
            print(shown(text.rstrip("\n"), limit=500))
        print(f"\n  $ moorings-openapi --spec {spec.name} --allow-host {host} --tool-mode compact")
        compact = (*served, "--tool-mode", "compact")
        async with connect_stdio("moorings-openapi", *compact, env=token, era=LEGACY) as client:
            await show_tools(client)
            await call(client, "list_operations", {"query": "boat"}, "find an operation")
            await call(client, "call_operation", {"operation": "getBoat", "arguments": {"boatId": 4}},
                       "call it by name: the boat registered above")  # fmt: skip
        async with connect_stdio("moorings-openapi", *served, "--read-only", era=LEGACY) as client:
            tools = [tool.name for tool in (await client.list_tools()).tools]
            print(f"\n  {DIM}With --read-only the tools are {', '.join(tools)}: no createBoat at all.{RESET}")
    finally:
        api.shutdown()
        api.server_close()
    print(f"\n  {DIM}The API received: {'; '.join(received)}.{RESET}")


async def frontdoor_demo(workdir: Path) -> None:
    """`moorings` lists the servers and writes host entries, here into an empty home of its own."""
    home = workdir / "home"
    home.mkdir()
    uvx = shutil.which("uvx") or "uvx"
    env = {**os.environ, "HOME": str(home), "USERPROFILE": str(home)}
    env.pop("XDG_CONFIG_HOME", None)

    def moorings(*args: str) -> None:
        print(f"\n  {DIM}$ moorings {' '.join(args)}{RESET}")
        done = subprocess.run(
            [installed_script("moorings"), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=workdir,
            check=False,
        )
        print(textwrap.indent((done.stdout + done.stderr).rstrip(), "    "))

    moorings("list")
    moorings("config", "claude-desktop", "sqlite", "--uvx", uvx, "--", "--db-path", "harbour.db")
    moorings("install", "vscode", "postgres", "--uvx", uvx, "--no-warm", "--no-host-cli", "--",
             "postgresql://harbour:tide@localhost/harbour")  # fmt: skip
    written = home / ".config" / "Code" / "User" / "mcp.json"
    print(f"\n  {DIM}{written} now holds (VS Code asks for the DSN once and keeps it):{RESET}")
    print(textwrap.indent(written.read_text().rstrip(), "    "))


DEMOS: dict[str, Callable[[Path], Awaitable[None]]] = {
    "moorings-filesystem": filesystem_demo,
    "moorings-sqlite": sqlite_demo,
    "moorings-postgres": postgres_demo,
    "moorings-git": git_demo,
    "moorings-fetch": fetch_demo,
    "moorings-openapi": openapi_demo,
    "moorings": frontdoor_demo,
}


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="moorings-demo-") as temporary:
        for script, demo in DEMOS.items():
            heading(script)
            try:
                installed_script(script)
            except FileNotFoundError:
                print("  (not installed; run `make install`)")
                continue
            workdir = Path(temporary) / script
            workdir.mkdir()
            await demo(workdir)
    print()


if __name__ == "__main__":
    anyio.run(main)
