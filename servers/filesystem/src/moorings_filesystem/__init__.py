"""moorings-filesystem: an MCP server for the files in the directories you name.

`settings` declares the flags, `server` assembles the tools, one module per tool
family under `tools/`. Every path goes through the core `PathJail`.
"""
