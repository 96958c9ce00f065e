"""The server's tools: one per operation (`per_operation`), or three over them all (`compact`)."""
