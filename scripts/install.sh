#!/usr/bin/env bash
# Installs the project's dependencies under Node >= 22.13 (bootstrapping Node 22 from the npm
# registry when the machine's Node is older). Usage: bash scripts/install.sh
source "$(dirname "$0")/node22.sh"
cd "$HP_ROOT"
echo "hardhat-parallel: installing with node $(node --version), npm $(npm --version)" >&2
# `npm install`, not `npm ci`: the lockfile pins every version, but npm records the native
# packages of the platform it ran on only (e.g. EDR's linux-x64 binary), and `npm ci` then
# refuses the lockfile on any machine; `npm install` keeps the pinned versions.
npm install --no-audit --no-fund
# The HTML report's browser tests (test/report/html.test.ts, merge.e2e.test.ts) drive Debian's
# Chromium; playwright-core downloads no browser. As root: install it; otherwise say how.
if [ "${HP_SKIP_BROWSER:-}" = "1" ]; then
  echo "hardhat-parallel: HP_SKIP_BROWSER=1, not installing Chromium (the browser tests are skipped)" >&2
elif [ -x "${HP_CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "hardhat-parallel: Chromium for the browser tests: ${HP_CHROMIUM:-/usr/bin/chromium}" >&2
elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "hardhat-parallel: installing Chromium for the browser tests (apt-get install -y chromium)" >&2
  # Not fatal: without it only the browser tests fail, saying how to install it.
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
    echo "hardhat-parallel: apt-get install -y chromium failed; the HTML report's browser tests will fail" >&2
else
  echo "hardhat-parallel: Chromium is missing at ${HP_CHROMIUM:-/usr/bin/chromium}; the HTML report's browser tests will fail." >&2
  echo "  Install it (as root: apt-get install -y chromium), point HP_CHROMIUM at a Chromium binary," >&2
  echo "  or set HP_SKIP_BROWSER=1 to skip those tests." >&2
fi
