"""Benchmarks for Moorings servers and their peers, over the real stdio protocol.

Run ``python -m benchmarks --list`` to see scenarios and servers; `harness` spawns servers and
runs scenarios, `rpc` is the line-based JSON-RPC client, `servers` names what can be launched,
`report` renders the tables, and `scenarios/` holds one module per scenario.
"""
