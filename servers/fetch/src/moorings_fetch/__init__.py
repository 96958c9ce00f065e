"""moorings-fetch: an MCP server that fetches web pages for a model."""
