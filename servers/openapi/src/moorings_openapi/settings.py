"""The openapi server's settings: which APIs it serves, which of their operations, with what credentials.

One API comes from the command line or the environment (`--spec`, `--base-url`, `--bearer-token`,
...); more come from `[apis.NAME]` tables of the config file, each with the same keys, whose tools
are named `NAME_<operation>`. The network options (--allow-host, --allow-private-network, --header,
--timeout, --rate-limit, ...) are the core's `OutboundSettings` and apply to every API.

Credentials are `Secret`s: no error line, `--help` or tool result shows them (the core scrubs them
from results). The environment (`MOORINGS_OPENAPI_BEARER_TOKEN`, ...) or the config file is the
place for them; a flag would show them to every user of the machine in its process list.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from moorings_core import OutboundSettings, Secret
from moorings_core.config import PATH_UNLESS_URL
from moorings_core.outbound import HeaderLine, header_pairs

__all__ = ["ApiSettings", "OpenApiSettings", "Source"]

_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,23}")


def _spec(text: str | None) -> str | None:
    if text is not None and not text.strip():
        raise ValueError("must be a file path or an http(s):// URL of an OpenAPI document")
    return text


def _base_url(url: str | None) -> str | None:
    if url is None:
        return None
    if not re.match(r"https?://[^/?#]+", url, re.IGNORECASE):
        raise ValueError("must be an absolute http:// or https:// URL, such as https://api.example.com/v1")
    if "?" in url or "#" in url:
        raise ValueError("must not have a query or a fragment; give the URL the operations' paths follow")
    return url.rstrip("/")


_Spec = Annotated[str, PATH_UNLESS_URL, AfterValidator(_spec)]
_BaseUrl = Annotated[str | None, AfterValidator(_base_url)]
_Globs = list[Annotated[str, Field(min_length=1)]]


class Source(BaseModel):
    """What one API needs: its document, where to call it, what to expose, how to sign in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spec: _Spec
    base_url: _BaseUrl = None
    include_tag: _Globs = []
    exclude_tag: _Globs = []
    include_operation: _Globs = []
    exclude_operation: _Globs = []
    read_only: bool = False
    bearer_token: Annotated[str | None, Secret()] = None
    api_key: Annotated[str | None, Secret()] = None
    username: str | None = None
    password: Annotated[str | None, Secret()] = None
    headers: Annotated[list[HeaderLine], Secret()] = []

    @model_validator(mode="after")
    def _basic_auth_whole(self) -> Source:
        if (self.username is None) != (self.password is None):
            raise ValueError("basic auth needs both a username and a password")
        return self

    @property
    def extra_headers(self) -> tuple[tuple[str, str], ...]:
        return header_pairs(self.headers)


class ApiSettings(Source):
    """An `[apis.NAME]` table of the config file: one more API, its tools named `NAME_<operation>`."""


class OpenApiSettings(OutboundSettings):
    """`--allow-host`, `--header`, `--timeout`, `--rate-limit` and the other network options are the
    core's (`OutboundSettings`); the rest is this server's."""

    spec: Annotated[str | None, PATH_UNLESS_URL, AfterValidator(_spec)] = Field(
        default=None,
        description="The OpenAPI document (3.0 or 3.1, JSON or YAML): a file path or an http(s):// URL.",
    )
    base_url: _BaseUrl = Field(
        default=None,
        description="Where the API is, such as https://api.example.com/v1 (default: the document's "
        "first server).",
    )
    include_tag: _Globs = Field(
        default_factory=list,
        description="Serve only operations with a tag matching this glob (repeatable).",
    )
    exclude_tag: _Globs = Field(
        default_factory=list, description="Leave out operations with a tag matching this glob (repeatable)."
    )
    include_operation: _Globs = Field(
        default_factory=list,
        description="Serve only operations whose operationId matches this glob, such as 'list*' "
        "(repeatable).",
    )
    exclude_operation: _Globs = Field(
        default_factory=list,
        description="Leave out operations whose operationId matches this glob (repeatable).",
    )
    read_only: bool = Field(
        default=False, description="Serve only the operations that read: GET and HEAD (and OPTIONS)."
    )
    bearer_token: Annotated[str | None, Secret()] = Field(
        default=None,
        description="A token sent as 'Authorization: Bearer ...' where the document's security asks for "
        "one (http bearer, OAuth 2, OpenID Connect), or on every request if it declares no security.",
    )
    api_key: Annotated[str | None, Secret()] = Field(
        default=None,
        description="The key for the document's apiKey security scheme, sent in the header, query "
        "parameter or cookie the scheme names.",
    )
    username: str | None = Field(default=None, description="The user name for HTTP basic auth.")
    password: Annotated[str | None, Secret()] = Field(
        default=None, description="The password for HTTP basic auth."
    )
    max_result_chars: int = Field(
        default=20_000,
        ge=1_000,
        le=1_000_000,
        description="Most characters of an API response a result shows; a longer one is cut with a note "
        "saying how to ask for less.",
    )
    tool_mode: Literal["per-operation", "compact"] = Field(
        default="per-operation",
        description="'per-operation': one tool per operation. 'compact': three tools (list_operations, "
        "describe_operation, call_operation), for APIs with more operations than a model should see.",
    )
    apis: dict[str, ApiSettings] = Field(
        default_factory=dict,
        description="More APIs, as [apis.NAME] tables with the keys above (spec, base_url, bearer_token, "
        "..., and headers); their tools are named NAME_<operation>.",
    )

    @model_validator(mode="after")
    def _some_api(self) -> OpenApiSettings:
        if self.spec is None and not self.apis:
            raise ValueError(
                "no OpenAPI document given: pass --spec PATH_OR_URL (or set MOORINGS_OPENAPI_SPEC), "
                "or add [apis.NAME] tables with a spec to the config file"
            )
        if self.spec is None and self._own_api_options():
            raise ValueError(
                f"--{self._own_api_options()[0].replace('_', '-')} applies to the --spec API, and no "
                "--spec is given; put it in the [apis.NAME] table it is for"
            )
        if (self.username is None) != (self.password is None):
            raise ValueError("basic auth needs both --username and --password")
        for name in self.apis:
            if not _API_NAME.fullmatch(name):
                raise ValueError(
                    f"[apis.{name}]: an API name is a letter then up to 23 letters, digits or '-', "
                    "as it starts its tools' names"
                )
        return self

    def _own_api_options(self) -> list[str]:
        fields = ("base_url", "bearer_token", "api_key", "username", "include_tag", "exclude_tag",
                  "include_operation", "exclude_operation")  # fmt: skip
        return [name for name in fields if getattr(self, name)]

    @property
    def sources(self) -> dict[str, Source]:
        """Every API by the prefix of its tools' names: "" for --spec's, `NAME_` for `[apis.NAME]`."""
        # --read-only holds for every API: a table cannot make the server write.
        named: dict[str, Source] = {
            f"{name}_": api.model_copy(update={"read_only": api.read_only or self.read_only})
            for name, api in self.apis.items()
        }
        if self.spec is None:
            return named
        own = Source(
            spec=self.spec,
            base_url=self.base_url,
            include_tag=self.include_tag,
            exclude_tag=self.exclude_tag,
            include_operation=self.include_operation,
            exclude_operation=self.exclude_operation,
            read_only=self.read_only,
            bearer_token=self.bearer_token,
            api_key=self.api_key,
            username=self.username,
            password=self.password,
        )
        return {"": own, **named}
