#!/usr/bin/env bash
# Compiles the package to dist/ (JavaScript, .d.ts, source maps with their sources) with
# tsconfig.build.json: what `exports` and `bin` point at, built by `npm pack` / `npm publish`
# (`prepack`) and by `npm run build`. The repository's own tests run the .ts sources and do not
# need it. Usage: bash scripts/build.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TSC="$ROOT/node_modules/.bin/tsc"
[ -x "$TSC" ] || { echo "build: $TSC not found; install the dependencies first (bash scripts/install.sh)" >&2; exit 1; }
rm -rf dist
"$TSC" -p tsconfig.build.json
# What the package needs at run time: the entry points of `exports` and `bin`, and the lanes'
# worker module that sdk/engine/executors/lanes/pool.js starts by file name.
for f in dist/plugins/index.js dist/plugins/index.d.ts dist/sdk/index.js dist/sdk/index.d.ts dist/sdk/chai/index.js \
  dist/sdk/chai/index.d.ts dist/plugins/cli/bin.js dist/sdk/engine/executors/lanes/worker.js dist/plugins/report/mocha-hooks.js; do
  [ -f "$f" ] || { echo "build: $f was not emitted (check tsconfig.build.json)" >&2; exit 1; }
done
chmod +x dist/plugins/cli/bin.js
echo "build: dist/ written ($(find dist -name '*.js' | wc -l | tr -d ' ') modules)" >&2
