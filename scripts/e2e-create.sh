#!/usr/bin/env bash
# End-to-end test of `hardhat-parallel create`, as a user would meet it — the README's
# "Quick start: a new project" commands: packs this repository with `npm pack` (which compiles
# dist/), creates a project from each template with the compiled CLI, installs the tarball into
# it (everything else from the npm registry), checks that the plugin and chai entries load from
# dist/, then runs `hardhat build`, `tsc --noEmit` and `hardhat test` in it. Expensive (one full install per template); meant for CI and releases, not for the
# unit-test run.
#
# Usage: bash scripts/e2e-create.sh [--keep] [TEMPLATE...]
#   TEMPLATE   minimal, vault, lending, amm (default: every complete template in templates/)
#   --keep     keep the work directory even when everything passed
# Environment:
#   E2E_DIR    work directory to use (default: a fresh mktemp -d); kept on failure
#   E2E_TESTS  full (default): each project's whole `hardhat test`; contention: only the
#              template's contention tests (the ones that print the report) — CI uses it, since
#              `npm test` already runs every template's full suite from the same files
#
# Every node/npm command runs under Node >= 22.13 through scripts/with-node22.sh; npm must, or
# it silently skips the native binary of Hardhat's EDR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n22() { bash "$ROOT/scripts/with-node22.sh" "$@"; }
log() { printf '\n==> %s\n' "$*" >&2; }
fail() { printf '\ne2e-create: FAILED: %s\n' "$*" >&2; exit 1; }

KEEP=0
TEMPLATES=()
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    minimal|vault|lending|amm) TEMPLATES+=("$arg") ;;
    *) echo "e2e-create: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
if [ ${#TEMPLATES[@]} -eq 0 ]; then
  for t in minimal vault lending amm; do
    d="$ROOT/templates/$t"
    if [ -d "$d/contracts" ] && [ -d "$d/test" ] && [ -f "$d/README.md" ]; then TEMPLATES+=("$t"); fi
  done
fi
[ ${#TEMPLATES[@]} -gt 0 ] || fail "no complete template in $ROOT/templates"

WORK="${E2E_DIR:-$(mktemp -d -t hp-e2e-create.XXXXXX)}"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
finish() {
  local code=$?
  if [ $code -ne 0 ] || [ $KEEP -eq 1 ]; then
    echo "e2e-create: work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap finish EXIT

VERSION="$(n22 node -p 'require(process.argv[1]).version' "$ROOT/package.json")"
log "hardhat-parallel $VERSION; templates: ${TEMPLATES[*]}; work directory: $WORK"

# 1. Pack, exactly as `npm publish` would (prepack compiles dist/ in the repository).
log "npm pack"
TARBALL_NAME="$(cd "$ROOT" && n22 npm pack --json --pack-destination "$WORK" | n22 node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[0].filename));')"
TARBALL="$WORK/$TARBALL_NAME"
[ -f "$TARBALL" ] || fail "npm pack did not produce $TARBALL"

# 2. The tarball must hold the CLI and the templates `create` copies.
log "checking the tarball's contents"
LISTING="$(tar -tzf "$TARBALL")"
for required in package/dist/plugins/cli/bin.js package/dist/plugins/cli/create.js package/dist/plugins/index.js \
  package/dist/sdk/index.js package/dist/sdk/chai/index.js package/templates/shared/package.template.json \
  package/templates/shared/hardhat.config.ts package/templates/shared/tsconfig.json package/templates/shared/gitignore; do
  grep -qxF "$required" <<<"$LISTING" || fail "the tarball lacks $required (check package.json \"files\")"
done
for t in "${TEMPLATES[@]}"; do
  grep -q "^package/templates/$t/contracts/" <<<"$LISTING" || fail "the tarball lacks templates/$t/contracts"
  grep -q "^package/templates/$t/test/" <<<"$LISTING" || fail "the tarball lacks templates/$t/test"
  grep -qxF "package/templates/$t/README.md" <<<"$LISTING" || fail "the tarball lacks templates/$t/README.md"
done
if grep -qE '^package/(node_modules|artifacts|cache|\.tools|test|sdk|plugins)/' <<<"$LISTING"; then
  fail "the tarball holds sources, tests, build outputs or dependencies (check package.json \"files\")"
fi
n22 node -e '
  const bin = require(process.argv[1]).bin ?? {};
  if (bin["hardhat-parallel"] !== "./dist/plugins/cli/bin.js" && bin["hardhat-parallel"] !== "dist/plugins/cli/bin.js") {
    console.error("e2e-create: warning: package.json has no bin hardhat-parallel -> ./dist/plugins/cli/bin.js; npx hardhat-parallel will not work");
    process.exit(1);
  }' "$ROOT/package.json" || BIN_MISSING=1

# 3. Unpack it and run its CLI. Its dependencies come from the repository's node_modules here;
#    step 5 checks the CLI again as installed in the project.
log "unpacking"
mkdir -p "$WORK/unpacked"
tar -xzf "$TARBALL" -C "$WORK/unpacked"
ln -s "$ROOT/node_modules" "$WORK/unpacked/package/node_modules"
PACKED_BIN="$WORK/unpacked/package/dist/plugins/cli/bin.js"
n22 node "$PACKED_BIN" create --list >&2

for t in "${TEMPLATES[@]}"; do
  APP="$WORK/app-$t"
  # README: `node dist/plugins/cli/bin.js create ../my-app --template vault --no-install`, in the
  # clone after `npm pack` (the compiled CLI, the same files as in the tarball).
  log "[$t] create"
  (cd "$ROOT" && env -u npm_config_user_agent CI=true bash "$ROOT/scripts/with-node22.sh" node dist/plugins/cli/bin.js create "$APP" --template "$t" --no-install) \
    || fail "[$t] create failed"
  [ -f "$APP/.gitignore" ] || fail "[$t] no .gitignore in the project"

  # 4. Install: hardhat-parallel from the tarball (it is not on the registry at this version
  #    yet), everything else from the registry at the pinned versions. README:
  #    `npm install --save-dev ../hardhat-parallel/hardhat-parallel-<version>.tgz`.
  log "[$t] npm install --save-dev $TARBALL_NAME"
  (cd "$APP" && n22 npm install --no-audit --no-fund --save-dev "$TARBALL") || fail "[$t] npm install failed"
  [ -d "$APP/node_modules/@nomicfoundation/edr" ] || fail "[$t] EDR is not installed"

  # The plugin and chai entries load from the package's compiled dist/ under plain node.
  log "[$t] hardhat-parallel and hardhat-parallel/chai from dist/"
  (cd "$APP" && n22 node --input-type=module -e '
    for (const [name, file] of [["hardhat-parallel", "dist/plugins/index.js"], ["hardhat-parallel/chai", "dist/sdk/chai/index.js"]]) {
      const url = import.meta.resolve(name);
      if (!url.endsWith(`/node_modules/hardhat-parallel/${file}`)) throw new Error(`${name} resolved to ${url}, not ${file}`);
    }
    const plugin = (await import("hardhat-parallel")).default;
    if (plugin?.id !== "hardhat-parallel") throw new Error("hardhat-parallel has no default export plugin");
    const { parallelChai } = await import("hardhat-parallel/chai");
    if (typeof parallelChai !== "function") throw new Error("hardhat-parallel/chai has no parallelChai");') \
    || fail "[$t] the plugin or chai entry does not load from dist/"

  # 5. The installed bin.
  if [ "${BIN_MISSING:-0}" = 0 ]; then
    log "[$t] installed bin"
    GOT="$(cd "$APP" && n22 npx --no-install hardhat-parallel --version)" || fail "[$t] npx hardhat-parallel --version failed"
    [ "$GOT" = "$VERSION" ] || fail "[$t] npx hardhat-parallel --version printed '$GOT', expected '$VERSION'"
    (cd "$APP" && n22 npx --no-install hardhat-parallel create --list | grep -q "^  $t ") \
      || fail "[$t] the installed CLI does not list the $t template"
  fi

  # 6. Build, type-check, test — with the project's own binaries (npm run puts them first).
  log "[$t] hardhat build"
  (cd "$APP" && n22 npm run --silent build) || fail "[$t] hardhat build failed"
  log "[$t] tsc --noEmit"
  (cd "$APP" && n22 npx --no-install tsc --noEmit -p .) || fail "[$t] the project does not type-check"
  # README: `npx hardhat test`.
  if [ "${E2E_TESTS:-full}" = contention ] && ls "$APP"/test/*contention.test.ts >/dev/null 2>&1; then
    log "[$t] hardhat test mocha (the contention tests only: E2E_TESTS=contention)"
    (cd "$APP" && n22 npx hardhat test mocha test/*contention.test.ts) || fail "[$t] hardhat test failed"
  else
    log "[$t] hardhat test"
    (cd "$APP" && n22 npx hardhat test) || fail "[$t] hardhat test failed"
  fi
  log "[$t] passed"
done

if [ "${BIN_MISSING:-0}" = 1 ]; then
  fail "everything else passed, but package.json lacks the bin entry (see the warning above)"
fi
log "e2e-create: all passed (${TEMPLATES[*]})"
