#!/usr/bin/env bash
# Installs the project's dependencies under Node >= 22.13 (bootstrapping Node 22 from the npm
# registry when the machine's Node is older). Usage: bash scripts/install.sh
source "$(dirname "$0")/node22.sh"
cd "$HP_ROOT"
echo "hardhat-parallel: installing with node $(node --version), npm $(npm --version)" >&2
if [ -f package-lock.json ]; then npm ci; else npm install; fi
