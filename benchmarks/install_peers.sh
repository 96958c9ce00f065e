#!/usr/bin/env bash
# Install the reference MCP servers the benchmarks compare against into .bench/ (git-ignored).
#
# They are never project dependencies: Node peers go under .bench/node, Python peers into their
# own venv at .bench/py (same interpreter version as the project venv, bytecode compiled, like
# ours, so start-up is compared fairly). The archived mcp-server-sqlite fails on the MCP SDK 2.x
# (its low-level `Server` decorators are gone), so it gets a venv of its own, .bench/py-sqlite, on
# the last SDK 1.x. Versions are pinned so numbers stay comparable over time; bump them here on
# purpose. Idempotent: a peer already at its pinned version is skipped, so a second run takes
# well under a second.
set -euo pipefail

NPM_FILESYSTEM="@modelcontextprotocol/server-filesystem@2026.8.31"
PY_PEERS=("mcp-server-git==2026.10.19" "mcp-server-fetch==2026.10.24")
# Archived: 2025.4.25 is its last release.
PY_SQLITE_PEER=("mcp-server-sqlite==2025.4.25" "mcp==1.30.0")

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/.bench"
mkdir -p "$bench"

# uv from PATH, else the copy `make` installed into .tools/ (see the Makefile).
command -v uv >/dev/null || PATH="$root/.tools/bin:$PATH"

install_node_peers() {
    local prefix="$bench/node"
    local name="${NPM_FILESYSTEM%@*}" version="${NPM_FILESYSTEM##*@}"
    local manifest="$prefix/node_modules/$name/package.json"
    if [[ -f "$manifest" ]] && grep -q "\"version\": \"$version\"" "$manifest"; then
        echo "install_peers: $NPM_FILESYSTEM already installed"
        return
    fi
    if ! command -v npm >/dev/null; then
        echo "install_peers: npm not found, skipping $NPM_FILESYSTEM" >&2
        return
    fi
    echo "install_peers: installing $NPM_FILESYSTEM"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "$NPM_FILESYSTEM"
}

# install_python_venv NAME REQUIREMENT...: a venv at .bench/NAME holding the pinned requirements.
install_python_venv() {
    local venv="$bench/$1"
    shift
    local python_version
    python_version="$("$root/.venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    if [[ ! -x "$venv/bin/python" ]]; then
        uv venv --quiet --python "$python_version" "$venv"
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

install_node_peers
install_python_venv py "${PY_PEERS[@]}"
install_python_venv py-sqlite "${PY_SQLITE_PEER[@]}"
