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
