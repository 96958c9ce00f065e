"""Secrets never leave in a tool's output: the settings' `Secret()` values, in every form, redacted.

An upstream that echoes what it was sent is the attacker here: its answers (text, structured
content, error messages, a URL it redirects to) carry the operator's token back, raw, percent-encoded
or as the Basic credentials a proxy received, and the model must see `[redacted]` instead.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Annotated, Any
from urllib.parse import quote

import httpx
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel, ConfigDict, Field

from moorings_core.config import Secret, ServerSettings
from moorings_core.errors import OperationFailed
from moorings_core.outbound import OutboundSettings
from moorings_core.redaction import REDACTED, Redactor, secret_values
from moorings_core.server import MooringsServer, ToolContext
from moorings_core.testing import ERAS, Era, connect, text_of
from tests.core.web_world import Site, serve

pytestmark = pytest.mark.anyio

TOKEN = "tok-3f9a8b7c6d5e"
API_KEY = "k3y/with+special&chars"
PROXY_PASSWORD = "pr0xy@pass"
PROXY_URL = f"http://harbour:{quote(PROXY_PASSWORD, safe='')}@proxy.example:3128"
BASIC_PAIR = "ops:basic-s3cret"


def outbound_settings() -> OutboundSettings:
    return OutboundSettings(
        header=[
            f"Authorization: Bearer {TOKEN}",
            f"X-Api-Key: {API_KEY}",
            f"Authorization-Upstream: Basic {base64.b64encode(BASIC_PAIR.encode()).decode()}",
            "X-Team: blue",  # a secret too short to redact: "blue" stays readable
        ],
        proxy_url=PROXY_URL,
    )


# -- gathering the secrets of a settings model --------------------------------------------------


class Credential(BaseModel):
    model_config = ConfigDict(frozen=True)
    url: str
    api_key: Annotated[str | None, Secret()] = None


class TableSettings(ServerSettings):
    credentials: dict[str, Credential] = Field(default_factory=dict)
    token: Annotated[str | None, Secret()] = None
    keys: Annotated[list[str], Secret()] = Field(default_factory=list)


def test_secrets_are_gathered_from_fields_nested_models_and_tables() -> None:
    settings = TableSettings(
        credentials={
            "pets": Credential(url="https://pets.example", api_key="pets-key-123456"),
            "open": Credential(url="https://open.example"),
        },
        token="top-level-token",
        keys=["first-key-0001", "second-key-0002"],
    )
    assert secret_values(settings) == [
        "pets-key-123456",
        "top-level-token",
        "first-key-0001",
        "second-key-0002",
    ]
    assert secret_values(ServerSettings()) == []
    assert not Redactor.of_settings(ServerSettings())


# -- the forms a secret travels in -------------------------------------------------------------------


@pytest.mark.parametrize(
    "leak",
    [
        pytest.param(TOKEN, id="raw"),
        pytest.param(f"Bearer {TOKEN}", id="header-value"),
        pytest.param(quote(API_KEY, safe=""), id="percent-encoded"),
        pytest.param(API_KEY.replace("/", "%2F").replace("+", "%2B").replace("&", "%26"), id="query-value"),
        pytest.param(PROXY_PASSWORD, id="proxy-password-decoded"),
        pytest.param(quote(PROXY_PASSWORD, safe=""), id="proxy-password-as-written"),
        pytest.param(base64.b64encode(f"harbour:{PROXY_PASSWORD}".encode()).decode(), id="proxy-basic-auth"),
        pytest.param(BASIC_PAIR, id="basic-credentials-decoded"),
        pytest.param("basic-s3cret", id="basic-password"),
    ],
)
def test_every_form_of_a_secret_is_redacted(leak: str) -> None:
    text = f"upstream said: ?q=1&key={leak}&x=2 (end)"
    scrubbed = Redactor.of_settings(outbound_settings()).text(text)
    assert scrubbed == f"upstream said: ?q=1&key={REDACTED}&x=2 (end)"


def test_a_secret_inside_a_longer_one_is_redacted_whole_and_short_values_are_left() -> None:
    redactor = Redactor(["abcdef-secret", "abcdef-secret-and-more"])
    assert redactor.text("x abcdef-secret-and-more y abcdef-secret") == f"x {REDACTED} y {REDACTED}"
    assert Redactor(["12345"]).text("12345 admin") == "12345 admin"
    assert "blue" in Redactor.of_settings(outbound_settings()).text("team blue")


def test_a_url_without_a_password_is_an_address_not_a_secret() -> None:
    redactor = Redactor(["postgresql://me@localhost:5432/shop", "postgresql://me:hunter22@db.example/shop"])
    text = (
        "Health of postgresql://me@localhost:5432/shop; the other is postgresql://me:hunter22@db.example/shop"
    )
    assert redactor.text(text) == f"Health of postgresql://me@localhost:5432/shop; the other is {REDACTED}"
    assert redactor.text("password hunter22 again") == f"password {REDACTED} again"


def test_clean_values_come_back_as_the_same_objects() -> None:
    redactor = Redactor([TOKEN])
    clean: dict[str, Any] = {"rows": [{"name": "a", "n": 1}], "next": None}
    assert redactor.value(clean) is clean
    dirty = {"rows": [{"name": TOKEN, "n": 1}], "next": None, TOKEN: True}
    assert redactor.value(dirty) == {"rows": [{"name": REDACTED, "n": 1}], "next": None, REDACTED: True}


# -- through the CallGuard, in both eras ------------------------------------------------------------


def echoing_server(settings: ServerSettings) -> MooringsServer:
    """Tools that echo what an upstream sent back: everything the operator's secrets were in."""
    server = MooringsServer("probe", settings=settings, instructions="", distribution="moorings-core")
    echoed = {
        "headers": {"Authorization": f"Bearer {TOKEN}", "X-Team": "blue"},
        "url": f"https://api.example/pets?api_key={quote(API_KEY, safe='')}&limit=5",
        "proxy": base64.b64encode(f"harbour:{PROXY_PASSWORD}".encode()).decode(),
        "nested": [{"note": f"token was {TOKEN}"}, 7, True],
    }

    async def echo(arguments: dict[str, Any], ctx: ToolContext) -> types.CallToolResult:
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=json.dumps(echoed))], structured_content=echoed
        )

    server.schema_tool(
        name="echo",
        title="Echo",
        description="What the upstream echoed.",
        input_schema={"type": "object"},
        output_schema={"type": "object"},
        read_only=True,
        handler=echo,
    )

    @server.tool(title="Fail", read_only=True)
    async def fail() -> str:
        """Fail with the upstream's error, which quotes the token."""
        raise OperationFailed(f"upstream refused Authorization: Bearer {TOKEN}")

    @server.tool(title="Refuse", read_only=True)
    async def refuse() -> str:
        """A protocol error that quotes the proxy password."""
        raise MCPError(types.INVALID_PARAMS, f"proxy said {PROXY_PASSWORD}", {"seen": PROXY_URL})

    @server.tool(title="Plain", read_only=True)
    async def plain(words: str) -> str:
        """Give the words back."""
        return words

    return server


@pytest.mark.parametrize("era", ERAS)
async def test_a_secret_echoed_by_the_upstream_never_reaches_the_client(era: Era) -> None:
    async with connect(echoing_server(outbound_settings()), era=era) as client:
        echoed = await client.call_tool("echo", {})
        failed = await client.call_tool("fail", {})
        with pytest.raises(MCPError) as refused:
            await client.call_tool("refuse", {})

    expected = {
        "headers": {"Authorization": REDACTED, "X-Team": "blue"},  # the header's value is the secret
        "url": f"https://api.example/pets?api_key={REDACTED}&limit=5",
        "proxy": REDACTED,
        "nested": [{"note": f"token was {REDACTED}"}, 7, True],
    }
    assert echoed.structured_content == expected
    assert json.loads(text_of(echoed)) == expected
    assert failed.is_error
    assert text_of(failed).endswith(f"upstream refused {REDACTED}")  # the whole --header line
    assert refused.value.error.code == types.INVALID_PARAMS
    assert refused.value.error.message == f"proxy said {REDACTED}"
    assert refused.value.error.data == {"seen": REDACTED}


@pytest.mark.parametrize("era", ERAS)
async def test_a_result_without_secrets_is_unchanged(era: Era) -> None:
    words = "tide at noon; team blue; Bearer; 12345"
    async with connect(echoing_server(outbound_settings()), era=era) as with_secrets:
        scrubbed = await with_secrets.call_tool("plain", {"words": words})
    async with connect(echoing_server(ServerSettings()), era=era) as without:
        untouched = await without.call_tool("plain", {"words": words})
    assert scrubbed.model_dump() == untouched.model_dump()
    assert scrubbed.structured_content == {"result": words}


async def test_a_secret_the_server_registers_is_redacted_in_its_own_form() -> None:
    server = echoing_server(ServerSettings())
    derived = "ZGVyaXZlZC1zZWNyZXQ="  # what the upstream receives: a form the settings cannot know
    server.also_secret(derived)
    async with connect(server) as client:
        result = await client.call_tool("plain", {"words": f"sent {derived} and {quote(derived)}"})
    assert text_of(result) == f"sent {REDACTED} and {REDACTED}"


async def test_a_cut_result_never_keeps_half_a_secret() -> None:
    settings = OutboundSettings(header=[f"Authorization: Bearer {TOKEN}"], max_output_chars=1000)
    async with connect(echoing_server(settings)) as client:
        # The budget ends inside the token: redaction comes first, so no prefix of it is left.
        result = await client.call_tool("plain", {"words": "x" * 995 + TOKEN})
    assert TOKEN[:5] not in text_of(result)
    assert "truncated by the server" in text_of(result)


# -- what is logged ---------------------------------------------------------------------------------


def test_the_http_libraries_never_log_a_request_url(caplog: pytest.LogCaptureFixture) -> None:
    MooringsServer(
        "probe", settings=ServerSettings(log_level="DEBUG"), instructions="", distribution="moorings-core"
    )
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING
    for site in serve(Site()):
        with caplog.at_level(logging.DEBUG), httpx.Client() as client:
            answer = client.get(site.url(f"/page?api_key={quote(API_KEY)}"))
    assert answer.status_code == 200
    assert [record for record in caplog.records if record.name.startswith(("httpx", "httpcore"))] == []


def test_a_servers_own_log_lines_on_stderr_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # as in a served process: nobody configured logging
    monkeypatch.setattr(root, "level", root.level)
    server = MooringsServer(
        "probe", settings=outbound_settings(), instructions="", distribution="moorings-core"
    )
    server.also_secret("registered-later-secret")
    (handler,) = root.handlers
    try:
        raise OperationFailed(f"upstream quoted {TOKEN}")
    except OperationFailed as failure:
        # What the SDK logs for a failed tool, at INFO, with a traceback for an unexpected one.
        record = logging.LogRecord(
            "mcp.server", logging.ERROR, __file__, 1, "Tool %r failed: %r", ("fail", str(failure)), None
        )
        record.exc_info = (type(failure), failure, failure.__traceback__)
    record.msg += " (registered-later-secret)"
    line = handler.format(record)
    assert TOKEN not in line
    assert "registered-later-secret" not in line
    assert f"Tool 'fail' failed: 'upstream quoted {REDACTED}' ({REDACTED})" in line
    assert f"OperationFailed: upstream quoted {REDACTED}" in line  # the traceback's last line
