"""moorings-sqlite: an MCP server for SQLite databases, read-only by default."""
