"""PostgreSQL's failures as messages a model can act on.

Connecting can fail because the server is down, the DSN names a database or role that does not
exist, or the password is wrong: each says which database (by its DSN without the password) and
that the next call tries again. A statement's failure keeps PostgreSQL's own message, detail and
hint, and where in the SQL it happened; its SQLSTATE class decides the kind of error: a timeout
is a spent budget, a write in a read-only transaction a refusal, a syntax or name error bad input.
"""

from __future__ import annotations

import asyncpg

from moorings_core import AccessDenied, InvalidInput, LimitExceeded, MooringsError, OperationFailed
from moorings_postgres.dsn import Dsn

__all__ = ["connection_error", "statement_error"]

_RETRY = "The server tries again on every call; check that PostgreSQL is running and the DSN is right."


def connection_error(exc: BaseException, dsn: Dsn) -> MooringsError:
    """Why `dsn` could not be connected to, without its password."""
    where = dsn.shown
    if isinstance(exc, asyncpg.InvalidPasswordError):
        return OperationFailed(f"PostgreSQL refused the password for {where}: {exc}.", hint=_RETRY)
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return OperationFailed(f"The database of {where} does not exist: {exc}.", hint=_RETRY)
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return OperationFailed(f"PostgreSQL refused the connection to {where}: {exc}.", hint=_RETRY)
    if isinstance(exc, asyncpg.TooManyConnectionsError):
        return OperationFailed(f"PostgreSQL at {where} has no free connection slot: {exc}.", hint=_RETRY)
    if isinstance(exc, TimeoutError):
        return OperationFailed(f"Connecting to {where} timed out.", hint=_RETRY)
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
    return OperationFailed(f"Cannot connect to {where}: {reason}.", hint=_RETRY)


def statement_error(exc: BaseException, sql: str, *, timeout: float) -> MooringsError:
    """A statement's failure as the kind of error its SQLSTATE says, with PostgreSQL's own words."""
    if isinstance(exc, asyncpg.InterfaceError) and isinstance(exc, ValueError):
        # asyncpg's client-side DataError: a parameter it cannot encode as the placeholder's type.
        return InvalidInput(
            f"A parameter does not fit its placeholder: {exc}.",
            hint="Pass text and cast in the SQL, e.g. $1::text::inet.",
        )
    if isinstance(exc, (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)):
        return OperationFailed(
            "The connection to the database was lost while the statement ran; nothing was committed.",
            hint="The next call uses a new connection; run the statement again.",
        )
    if not isinstance(exc, asyncpg.PostgresError):
        return OperationFailed(f"The statement failed: {exc}.")
    state = exc.sqlstate or ""
    text = _described(exc, sql)
    if state == "57014":  # query_canceled: our statement_timeout
        return LimitExceeded(
            f"The statement ran longer than its time limit ({timeout:g} s) and was cancelled.",
            hint="Narrow it (WHERE, LIMIT, an index) or ask the operator for a longer --statement-timeout.",
        )
    if state == "25006":  # read_only_sql_transaction
        return AccessDenied(
            f"{text} This server runs in restricted mode: every statement runs in a read-only transaction."
        )
    if state == "42501" or state.startswith("28"):  # insufficient privilege, invalid authorization
        return AccessDenied(text)
    if state.startswith(("42", "22", "23", "2F", "3F", "34", "0A", "21", "44")):
        return InvalidInput(text)
    if state.startswith(("53", "54")):  # insufficient resources, program limit exceeded
        return LimitExceeded(text)
    if state.startswith("40"):  # serialization failure, deadlock
        return OperationFailed(text, hint="The transaction was rolled back; it can be run again.")
    return OperationFailed(text)


def _described(exc: asyncpg.PostgresError, sql: str) -> str:
    """PostgreSQL's message, where in the SQL it happened, and its detail and hint."""
    message = str(getattr(exc, "message", "") or exc).rstrip(".")
    parts = [f"PostgreSQL: {message}{_near(exc, sql)}."]
    detail = getattr(exc, "detail", None)
    hint = getattr(exc, "hint", None)
    if detail:
        parts.append(f"Detail: {detail}")
    if hint:
        parts.append(f"Hint: {hint}")
    return " ".join(parts)


def _near(exc: asyncpg.PostgresError, sql: str) -> str:
    position = getattr(exc, "position", None)
    if not position or not str(position).isdigit():
        return ""
    at = int(position) - 1  # PostgreSQL counts characters from 1
    snippet = " ".join(sql[at : at + 30].split())
    return f" (at character {at + 1}, near {snippet!r})" if snippet else f" (at character {at + 1})"
