"""FastMCP's OpenAPI server, as its documentation shows it: ``python fastmcp_openapi.py SPEC.json BASE_URL``.

The peer of the openapi benchmarks (``fastmcp-openapi``). It runs in a venv of its own, which
``benchmarks/install_peers.sh`` makes at ``.bench/py-fastmcp``: FastMCP is never a project
dependency. One tool per operation, named by its operationId, calling the API at BASE_URL with
the client FastMCP asks for (httpx2, its fork of httpx).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx2
from fastmcp import FastMCP


def main() -> None:
    spec, base_url = sys.argv[1:3]
    document = json.loads(Path(spec).read_text())
    server = FastMCP.from_openapi(openapi_spec=document, client=httpx2.AsyncClient(base_url=base_url))
    server.run(show_banner=False)


if __name__ == "__main__":
    main()
