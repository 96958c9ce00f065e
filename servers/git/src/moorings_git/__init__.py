"""moorings-git: an MCP server for git repositories."""
