#!/usr/bin/env bash
# Install the reference MCP servers the benchmarks compare against into .bench/ (git-ignored).
#
# They are never project dependencies: Node peers go under .bench/node, Python peers into their
# own venv at .bench/py (same interpreter version as the project venv, bytecode compiled, like
# ours, so start-up is compared fairly). The archived mcp-server-sqlite fails on the MCP SDK 2.x
# (its low-level `Server` decorators are gone), so it gets a venv of its own, .bench/py-sqlite, on
# the last SDK 1.x. Postgres MCP Pro (postgres-mcp) needs Python >= 3.12, newer than the project's,
# so it gets .bench/py-postgres on the interpreter `find_python312` finds, and is skipped with a
# note when there is none. Versions are pinned so numbers stay comparable over time; bump them here
# on purpose. Idempotent: a peer already at its pinned version is skipped, so a second run takes
# well under a second.
set -euo pipefail

NPM_PEERS=(
    "@modelcontextprotocol/server-filesystem@2026.8.31"
    # Archived: 0.6.2 is its last release.
    "@modelcontextprotocol/server-postgres@0.6.2"
)
PY_PEERS=("mcp-server-git==2026.10.19" "mcp-server-fetch==2026.10.24")
# Archived: 2025.4.25 is its last release.
PY_SQLITE_PEER=("mcp-server-sqlite==2025.4.25" "mcp==1.30.0")
# Postgres MCP Pro's FastMCP is gone from the SDK 2.x, like the sqlite reference's decorators.
PY_POSTGRES_PEER=("postgres-mcp==0.3.0" "mcp==1.30.0")
# FastMCP's OpenAPI server (FastMCP.from_openapi), the openapi benchmarks' peer, launched by
# benchmarks/peers/fastmcp_openapi.py: a venv of its own, as it brings its own MCP SDK and httpx2.
PY_FASTMCP_PEER=("fastmcp==4.1.6")
# mcp-server-fetch simplifies pages with readabilipy, which runs Readability.js under Node when Node is
# installed, and otherwise falls back to a pure-Python extractor. Its JavaScript dependencies are not in
# its wheel: readabilipy runs `npm install` (unpinned) in its own package folder on its first call,
# which would land in the middle of a benchmark. So they are installed here, pinned, up front; the
# reference then runs as it does for a user with Node.
READABILIPY_JS=("@mozilla/readability@0.6.0" "jsdom@29.1.1" "minimist@1.2.8")
# postgres-mcp 0.3.0 pins pglast==7.2.0, which the package index we reach does not serve; every
# pglast 7.x wraps the same parser (libpg_query for PostgreSQL 17), so a later 7.x stands in.
PY_POSTGRES_OVERRIDES=("pglast==7.22")

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/.bench"
mkdir -p "$bench"

# uv from PATH, else the copy `make` installed into .tools/ (see the Makefile).
command -v uv >/dev/null || PATH="$root/.tools/bin:$PATH"

install_node_peers() {
    local prefix="$bench/node" missing=()
    for package in "${NPM_PEERS[@]}"; do
        local name="${package%@*}" version="${package##*@}"
        local manifest="$prefix/node_modules/$name/package.json"
        if [[ -f "$manifest" ]] && grep -q "\"version\": \"$version\"" "$manifest"; then
            echo "install_peers: $package already installed"
        else
            missing+=("$package")
        fi
    done
    ((${#missing[@]})) || return 0
    if ! command -v npm >/dev/null; then
        echo "install_peers: npm not found, skipping ${missing[*]}" >&2
        return
    fi
    echo "install_peers: installing ${missing[*]}"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "${missing[@]}"
}

# find_python312: print an interpreter of Python >= 3.12, or nothing. $PY312 first, then pyenv's
# versions (uv cannot use pyenv's shims for a version that is not pyenv's global), then what uv
# finds, last because it inspects every interpreter on PATH (seconds, with pyenv's shims).
find_python312() {
    local python
    for python in "${PY312:-}" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python; do
        if [[ -x "$python" ]] && "$python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            echo "$python"
            return
        fi
    done
    uv python find --quiet '>=3.12' 2>/dev/null || true
}

# install_python_venv NAME PYTHON REQUIREMENT...: a venv at .bench/NAME on PYTHON (a version or an
# interpreter's path) holding the pinned requirements.
install_python_venv() {
    local venv="$bench/$1" python="$2"
    shift 2
    if [[ ! -x "$venv/bin/python" ]]; then
        uv venv --quiet --python "$python" "$venv"
    fi
    local missing=()
    for requirement in "$@"; do
        local name="${requirement%%==*}" version="${requirement##*==}"
        if [[ -z "$(compgen -G "$venv/lib/python*/site-packages/${name//-/_}-$version.dist-info")" ]]; then
            missing+=("$requirement")
        else
            echo "install_peers: $requirement already installed"
        fi
    done
    if ((${#missing[@]})); then
        echo "install_peers: installing ${missing[*]}"
        uv pip install --quiet --compile-bytecode --python "$venv/bin/python" "${missing[@]}"
    fi
}

# install_readabilipy_js: readabilipy's JavaScript dependencies, into the folder it looks in (node_modules
# beside its ExtractArticle.js in the .bench/py venv), when Node and npm are there.
install_readabilipy_js() {
    local jsdir
    jsdir="$(compgen -G "$bench/py/lib/python*/site-packages/readabilipy/javascript" | head -n 1)"
    [[ -n "$jsdir" ]] || return 0
    local missing=()
    for package in "${READABILIPY_JS[@]}"; do
        local name="${package%@*}" version="${package##*@}"
        local manifest="$jsdir/node_modules/$name/package.json"
        if [[ -f "$manifest" ]] && grep -q "\"version\": \"$version\"" "$manifest"; then
            echo "install_peers: readabilipy's $package already installed"
        else
            missing+=("$package")
        fi
    done
    ((${#missing[@]})) || return 0
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "install_peers: node or npm not found: mcp-server-fetch will use its pure-Python extractor" >&2
        return
    fi
    echo "install_peers: installing readabilipy's ${missing[*]}"
    # --no-save: its package.json stays as shipped; the pins are here.
    npm install --prefix "$jsdir" --no-save --no-audit --no-fund --loglevel=error "${READABILIPY_JS[@]}"
}

project_python="$("$root/.venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
install_node_peers
install_python_venv py "$project_python" "${PY_PEERS[@]}"
install_readabilipy_js
install_python_venv py-sqlite "$project_python" "${PY_SQLITE_PEER[@]}"
install_python_venv py-fastmcp "$project_python" "${PY_FASTMCP_PEER[@]}"
python312="$(find_python312)"
if [[ -n "$python312" ]]; then
    UV_OVERRIDE=<(printf '%s\n' "${PY_POSTGRES_OVERRIDES[@]}") \
        install_python_venv py-postgres "$python312" "${PY_POSTGRES_PEER[@]}"
else
    echo "install_peers: no Python >= 3.12 found (set PY312=/path/to/python3.12), skipping ${PY_POSTGRES_PEER[*]}" >&2
fi
