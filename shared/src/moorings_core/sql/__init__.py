"""What every SQL server shares, whatever its engine: the shape of its results.

- `values`: database values as JSON, each cell bounded (bytes, text that is not UTF-8, infinities,
  decimals, dates, arrays and objects included);
- `binding`: statement parameters from JSON arguments, checked;
- `formats`: rows as JSON, Markdown or CSV text, cut at a row boundary;
- `rows`: a page of a statement's rows with typed columns, filled from any driver's fetch;
- `results`: the read and write tool results, with the continuation note and scoped cursors.

What is particular to an engine stays with it: SQLite's guard is `moorings_core.sandbox.sqlite`,
PostgreSQL's statement rules are `moorings_core.sandbox.postgres`, and opening, error translation
and introspection live in each server.
"""
