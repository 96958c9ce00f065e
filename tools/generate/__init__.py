"""Files generated from the servers' own models: one source, many readers (see `__main__`)."""
