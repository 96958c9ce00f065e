"""The fetch tool; its module's `register(server, reader)` adds it."""
