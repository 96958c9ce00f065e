"""The sqlite server's settings: which database files, whether they may change, and the budgets.

Paths are made absolute and canonical here, once: the guard compares ATTACH targets with them and
the file watcher matches change events against them, so both must see the same spelling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from moorings_core import ServerSettings
from moorings_core.config import PATH_AFTER_EQUALS

__all__ = ["RESERVED_SCHEMAS", "SqliteSettings", "parse_attachment"]

RESERVED_SCHEMAS = frozenset({"main", "temp"})
"""Schema names SQLite gives the main database and the temporary one: never attachment names."""


def parse_attachment(item: str) -> tuple[str, Path]:
    """`NAME=PATH` as a schema name and a canonical path; a ValueError says what is wrong."""
    name, equals, path = item.partition("=")
    name = name.strip()
    if not equals or not path:
        raise ValueError("must be NAME=PATH, e.g. archive=/data/archive.db")
    if not name.isidentifier() or not name.isascii():
        raise ValueError(
            f"the name {name!r} must be a plain identifier (ASCII letters, digits and _, not starting "
            "with a digit): SQL names it in front of a table, as name.table"
        )
    if name.lower() in RESERVED_SCHEMAS:
        raise ValueError(f"the name {name!r} is SQLite's own; choose another NAME")
    return name, Path(path).resolve()


def _well_formed_attachment(item: str) -> str:
    parse_attachment(item)
    return item


_Attachment = Annotated[str, PATH_AFTER_EQUALS, AfterValidator(_well_formed_attachment)]


class SqliteSettings(ServerSettings):
    db_path: Path = Field(
        description="The SQLite database file to serve. It must exist unless --allow-writes --create."
    )
    allow_writes: bool = Field(
        default=False,
        description="Allow changes (write_query, create_table are listed only then). "
        "Without it every database is opened read-only and nothing is ever written.",
    )
    create: bool = Field(
        default=False,
        description="Create the database file (and missing --attach files) if absent; needs --allow-writes.",
    )
    max_rows: int = Field(default=1_000, ge=1, description="Most rows one read_query page returns.")
    max_result_chars: int = Field(
        default=50_000,
        ge=1_000,
        description="Largest page of query results, in characters of text; "
        "a longer result comes in pages with a cursor.",
    )
    timeout: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Seconds one SQL statement may run (fetching its rows included) before SQLite "
        "interrupts it.",
    )
    attach: list[_Attachment] = Field(
        default_factory=list,
        description="Another database to serve beside the main one, as NAME=PATH (repeatable); "
        "read-only unless --allow-writes.",
    )

    @field_validator("db_path")
    @classmethod
    def _canonical_db_path(cls, path: Path) -> Path:
        return path.resolve()

    @field_validator("attach")
    @classmethod
    def _distinct_attachment_names(cls, items: list[str]) -> list[str]:
        seen: set[str] = set()
        for item in items:
            name, _ = parse_attachment(item)
            if name.lower() in seen:  # SQLite's schema names ignore case
                raise ValueError(f"the name {name!r} is given twice; each attached database needs its own")
            seen.add(name.lower())
        return items

    @model_validator(mode="after")
    def _files_exist_unless_created(self) -> SqliteSettings:
        if self.create and not self.allow_writes:
            raise ValueError("--create needs --allow-writes: a read-only server never creates a file")
        _check_file("--db-path", self.db_path, may_create=self.create)
        for name, path in self.attachments.items():
            if path == self.db_path:
                raise ValueError(f"--attach {name}={path} is the --db-path file itself; attach other files")
            _check_file(f"--attach {name}=", path, may_create=self.create)
        return self

    @property
    def attachments(self) -> dict[str, Path]:
        """The attached databases, by schema name, with canonical paths, in the order given."""
        return dict(parse_attachment(item) for item in self.attach)


def _check_file(flag: str, path: Path, *, may_create: bool) -> None:
    shown = f"{flag}{path}" if flag.endswith("=") else f"{flag} {path}"
    if path.is_dir():
        raise ValueError(f"{shown} is a directory; name a SQLite database file")
    if path.exists():
        return
    if not may_create:
        raise ValueError(
            f"{shown} does not exist; name an existing SQLite file, or pass --allow-writes --create "
            "to create an empty one"
        )
    if not path.parent.is_dir():
        raise ValueError(
            f"{shown}: the directory {path.parent} does not exist, so the file cannot be created"
        )
