"""The git tools, one module per family; each module's `register(server, toolbox)` adds its tools."""
