"""moorings-openapi: an MCP server that calls a web API as its OpenAPI document describes it."""
