"""The postgres server's tools, by family: querying, objects (introspection) and health."""
