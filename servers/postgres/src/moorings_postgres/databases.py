"""Every database the server was given, by connection name: the DSN's is `default`, the config
file's `[connections.NAME]` tables the others. A tool call picks one with its `connection`
argument, or gets the default (the first, when no DSN was given)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import anyio

from moorings_core import InvalidInput
from moorings_postgres.database import Database
from moorings_postgres.settings import PostgresSettings

__all__ = ["Databases"]

logger = logging.getLogger("moorings.postgres")


class Databases:
    def __init__(self, settings: PostgresSettings) -> None:
        self._by_name = {
            name: Database(
                name, dsn, pool_size=settings.pool_size, statement_timeout=settings.statement_timeout
            )
            for name, dsn in settings.databases.items()
        }
        self.default = next(iter(self._by_name.values()))

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    def __iter__(self) -> Iterator[Database]:
        return iter(self._by_name.values())

    def get(self, name: str | None) -> Database:
        """The database a call names, or the default; an unknown name says which names exist."""
        if name is None:
            return self.default
        found = self._by_name.get(name)
        if found is None:
            raise InvalidInput(
                f"There is no connection named {name!r}; the connections are: {', '.join(self.names)}.",
                hint="Omit `connection` for the default one.",
            )
        return found

    @asynccontextmanager
    async def giving_back_later(self) -> AsyncIterator[None]:
        """While the server serves: connections go back to their pools after each call has its
        answer (see `Database.serving_in`); at the end, every one of them is back."""
        async with anyio.create_task_group() as give_backs:
            for database in self._by_name.values():
                database.serving_in(give_backs)
            try:
                yield
            finally:
                for database in self._by_name.values():
                    database.serving_in(None)

    async def open(self) -> None:
        """Connect to every database at once; warn about a superuser (restricted mode or not)."""
        async with anyio.create_task_group() as group:
            for database in self._by_name.values():
                group.start_soon(database.open)
        for database in self._by_name.values():
            if database.superuser:
                logger.warning(
                    "connected to %s as a superuser: a least-privilege role is safer (see the README, "
                    "'A least-privilege role')",
                    database.dsn.shown,
                )

    async def close(self) -> None:
        with anyio.CancelScope(shield=True):
            for database in self._by_name.values():
                await database.close()
