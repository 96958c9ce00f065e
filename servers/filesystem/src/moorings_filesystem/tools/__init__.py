"""The filesystem tools, one module per family: `listing` (directories), `reading` (file contents)."""
