"""Fixtures the front-door tests share with the servers' own tests."""

from __future__ import annotations

# The admin DSN once PostgreSQL answers; skipped with the reason when it does not (failed in CI).
from tests.postgres.conftest import postgres_server  # noqa: F401
