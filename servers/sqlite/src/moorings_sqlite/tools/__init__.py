"""The sqlite tools, one module per family: `querying` (SQL), `schema` (tables), `insights` (the memo)."""
