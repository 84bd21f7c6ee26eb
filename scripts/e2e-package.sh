#!/usr/bin/env bash
# End-to-end test of the package as the SDK's users get it: packs this repository (`npm pack`,
# which compiles dist/), installs the tarball into a fresh project (its dependencies from the
# npm registry; no Hardhat, no tsx), then
#   - runs scripts/e2e-package-sdk.mjs there with plain `node` under `timeout`: it imports
#     `hardhat-parallel/sdk`, mines a block of transfers on the lanes (Block-STM worker threads)
#     and must exit by itself;
#   - imports `hardhat-parallel/chai` with plain node, runs the installed bin;
#   - type-checks a TypeScript file against the package's .d.ts files (tsc, skipLibCheck off).
# The Hardhat plugin entry is checked from dist/ by scripts/e2e-create.sh (projects with Hardhat).
#
# Usage: bash scripts/e2e-package.sh [--keep]
#   --keep     keep the work directory even when everything passed
# Environment:
#   E2E_DIR    work directory to use (default: a fresh mktemp -d); kept on failure
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Node >= 22.13 first on PATH (bootstrapped into .tools/node22 when the machine's is older) —
# and nothing else: unlike scripts/with-node22.sh this does not put the repository's
# node_modules/.bin on PATH, so the project below runs with its own dependencies only.
source "$ROOT/scripts/node22.sh"
set -euo pipefail
log() { printf '\n==> %s\n' "$*" >&2; }
fail() { printf '\ne2e-package: FAILED: %s\n' "$*" >&2; exit 1; }

KEEP=0
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "e2e-package: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

WORK="${E2E_DIR:-$(mktemp -d -t hp-e2e-package.XXXXXX)}"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
finish() {
  local code=$?
  if [ $code -ne 0 ] || [ $KEEP -eq 1 ]; then echo "e2e-package: work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap finish EXIT

VERSION="$(node -p 'require(process.argv[1]).version' "$ROOT/package.json")"
log "hardhat-parallel $VERSION; node $(node --version); work directory: $WORK"

log "npm pack (prepack compiles dist/)"
TARBALL_NAME="$(cd "$ROOT" && npm pack --json --pack-destination "$WORK" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[0].filename));')"
TARBALL="$WORK/$TARBALL_NAME"
[ -f "$TARBALL" ] || fail "npm pack did not produce $TARBALL"

APP="$WORK/sdk-app"
mkdir -p "$APP"
cat >"$APP/package.json" <<'JSON'
{ "name": "sdk-app", "version": "0.0.0", "private": true, "type": "module" }
JSON
cat >"$APP/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "module": "node20",
    "target": "es2023",
    "lib": ["es2023"],
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false,
    "types": ["node"]
  },
  "include": ["consumer.ts"]
}
JSON
# Types only: if the package's .d.ts did not resolve, the imports would be errors (or `any`, and
# then the @ts-expect-error lines would fail).
cat >"$APP/consumer.ts" <<'TS'
import { createParallelProvider, type ParallelProvider } from "hardhat-parallel/sdk";

export async function start(): Promise<ParallelProvider> {
  const provider: ParallelProvider = await createParallelProvider({ lanes: 2, executor: "block-stm" });
  // @ts-expect-error lanes is a number
  await createParallelProvider({ lanes: "2" });
  // @ts-expect-error there is no such executor
  await createParallelProvider({ executor: "turbo" });
  return provider;
}
TS
cp "$ROOT/scripts/e2e-package-sdk.mjs" "$APP/sdk-smoke.mjs"

log "npm install $TARBALL_NAME (its dependencies from the registry), typescript and @types/node for the type check"
(cd "$APP" && npm install --no-audit --no-fund "$TARBALL" typescript@5.9.3 @types/node@22.20.5) || fail "npm install failed"
for absent in hardhat tsx; do
  [ ! -e "$APP/node_modules/$absent" ] || fail "$absent was installed with the package; the SDK must not need it"
done
[ -f "$APP/node_modules/hardhat-parallel/dist/sdk/index.js" ] || fail "the installed package has no dist/sdk/index.js"
if find "$APP/node_modules/hardhat-parallel" -name '*.ts' ! -name '*.d.ts' ! -path '*/templates/*' | grep -q .; then
  fail "the installed package holds TypeScript sources outside templates/"
fi

log "plain node: the SDK mines a block on the lanes and exits by itself"
OUT="$(cd "$APP" && timeout 60 node sdk-smoke.mjs)" || fail "node sdk-smoke.mjs failed or did not exit within 60 s (exit $?)"
printf '%s\n' "$OUT"
grep -q '^sdk-smoke: block 1: 12 transfers on 2 lanes (block-stm)' <<<"$OUT" || fail "unexpected output of sdk-smoke.mjs"

log "plain node: hardhat-parallel/chai"
(cd "$APP" && timeout 60 node --input-type=module -e '
  const url = import.meta.resolve("hardhat-parallel/chai");
  if (!url.endsWith("/node_modules/hardhat-parallel/dist/sdk/chai/index.js")) throw new Error(`resolved to ${url}`);
  const { parallelChai } = await import("hardhat-parallel/chai");
  if (typeof parallelChai !== "function") throw new Error("no parallelChai export");
  console.log("hardhat-parallel/chai: imported from dist");') || fail "hardhat-parallel/chai does not import under plain node"

log "installed bin"
GOT="$(cd "$APP" && timeout 60 npx --no-install hardhat-parallel --version)" || fail "npx hardhat-parallel --version failed"
[ "$GOT" = "$VERSION" ] || fail "npx hardhat-parallel --version printed '$GOT', expected '$VERSION'"
(cd "$APP" && timeout 60 npx --no-install hardhat-parallel create --list | grep -q '^  minimal ') || fail "the installed CLI lists no templates"

# skipLibCheck is off so that errors inside the package's own .d.ts files show; some of its
# dependencies' declarations (viem's ox, @ethereumjs's) do not check without DOM or @types/debug,
# so only errors outside node_modules/ or in hardhat-parallel's own files count.
log "tsc --noEmit against the package's declarations"
TSC_OUT="$(cd "$APP" && npx --no-install tsc --noEmit -p . 2>&1)" || true
OURS="$(awk '/error TS/ && !(/^node_modules\// && !/^node_modules\/hardhat-parallel\//)' <<<"$TSC_OUT")"
[ -z "$OURS" ] || { printf '%s\n' "$OURS" >&2; fail "the package's types do not check"; }
grep -qE 'error TS' <<<"$TSC_OUT" && echo "(errors in other packages' declarations ignored: $(grep -cE 'error TS' <<<"$TSC_OUT"))" >&2

log "e2e-package: all passed"
