# shellcheck shell=bash
# Sourced by the other scripts: puts a Node >= 22.13 first on PATH.
# Hardhat 3 needs Node >= 22.13, and `npm install` must itself run under it or npm silently
# skips EDR's native binary (it declares engines: node >= 22). When the machine's Node is older,
# Node 22 is installed from the npm registry (package `node`, which ships the binary) into
# .tools/node22 — no other download is needed.
set -euo pipefail
HP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HP_NODE_VERSION="22.23.3"
hp_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=13)?0:1)'
}
if ! hp_node_ok; then
  HP_NODE_BIN="$HP_ROOT/.tools/node22/node_modules/node/bin"
  if [ ! -x "$HP_NODE_BIN/node" ]; then
    echo "hardhat-parallel: Node $(node --version 2>/dev/null || echo none) is older than 22.13; installing node@$HP_NODE_VERSION from the npm registry into .tools/node22" >&2
    mkdir -p "$HP_ROOT/.tools/node22"
    npm install --no-save --no-package-lock --prefix "$HP_ROOT/.tools/node22" "node@$HP_NODE_VERSION" >&2
  fi
  export PATH="$HP_NODE_BIN:$PATH"
  hp_node_ok || { echo "hardhat-parallel: could not get Node >= 22.13 (see .tools/node22)" >&2; exit 1; }
fi
