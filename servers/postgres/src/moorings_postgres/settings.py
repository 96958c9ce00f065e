"""The postgres server's settings: which databases, what a statement may do, and the budgets."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from moorings_core import EnvAliases, Positional, Secret, ServerSettings
from moorings_postgres.dsn import Dsn, check_dsn, parse_dsn

__all__ = ["DEFAULT_CONNECTION", "AccessMode", "NamedConnection", "PostgresSettings"]

AccessMode = Literal["restricted", "unrestricted"]

DEFAULT_CONNECTION = "default"
"""The name of the connection the DSN argument gives."""


class NamedConnection(BaseModel):
    """A `[connections.NAME]` table of the config file: another database a call can choose."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dsn: Annotated[str, AfterValidator(check_dsn)] = Field(description="The database's postgresql:// URI.")


class PostgresSettings(ServerSettings):
    dsn: Annotated[
        str | None,
        Positional("DSN"),
        EnvAliases("DATABASE_URI", "DATABASE_URL"),
        Secret(),
        AfterValidator(check_dsn),
    ] = Field(
        default=None,
        description="The database to serve, as a postgresql://user:password@host:port/dbname URI. "
        "Never shown: messages, logs and resource URIs leave the password out.",
    )
    access_mode: AccessMode = Field(
        default="restricted",
        description="restricted: read statements only, each checked by PostgreSQL's grammar and run in a "
        "read-only transaction that is rolled back. unrestricted: any single statement, committed.",
    )
    allow_server_programs: bool = Field(
        default=False,
        description="Let COPY ... TO/FROM PROGRAM run programs on the database server "
        "(unrestricted mode only; refused otherwise).",
    )
    max_rows: int = Field(default=1_000, ge=1, le=100_000, description="Most rows one page of results holds.")
    max_result_chars: int = Field(
        default=50_000,
        ge=1_000,
        description="Largest page of query results, in characters of text; "
        "a longer result comes in pages with a cursor.",
    )
    statement_timeout: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Seconds one statement may run on the server (its statement_timeout), "
        "within the tool call's own time limit.",
    )
    pool_size: int = Field(default=5, ge=1, le=100, description="Most connections open to each database.")
    connections: dict[str, NamedConnection] = Field(
        default_factory=dict,
        description="Other databases a call may choose by name ([connections.NAME] tables with a dsn).",
    )

    @model_validator(mode="after")
    def _some_database(self) -> PostgresSettings:
        if self.dsn is None and not self.connections:
            raise ValueError(
                "no database given: pass a DSN (postgresql://user@host:5432/dbname), set DATABASE_URI, "
                "DATABASE_URL or MOORINGS_POSTGRES_DSN, or add [connections.NAME] tables to the config file"
            )
        if self.allow_server_programs and self.access_mode != "unrestricted":
            raise ValueError("--allow-server-programs needs --access-mode unrestricted")
        if self.dsn is not None and DEFAULT_CONNECTION in self.connections:
            raise ValueError(
                f"[connections.{DEFAULT_CONNECTION}] clashes with the DSN argument, which is the "
                f"connection named {DEFAULT_CONNECTION!r}; rename the table"
            )
        return self

    @property
    def restricted(self) -> bool:
        return self.access_mode == "restricted"

    @property
    def databases(self) -> dict[str, Dsn]:
        """Every database by connection name, the default first."""
        named = {name: parse_dsn(entry.dsn) for name, entry in self.connections.items()}
        if self.dsn is None:
            return named
        return {DEFAULT_CONNECTION: parse_dsn(self.dsn), **named}
