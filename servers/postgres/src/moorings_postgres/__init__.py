"""moorings-postgres: an MCP server for PostgreSQL databases."""
