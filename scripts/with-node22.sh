#!/usr/bin/env bash
# Runs a command with Node >= 22.13 first on PATH. Usage: bash scripts/with-node22.sh CMD [ARGS...]
source "$(dirname "$0")/node22.sh"
export PATH="$HP_ROOT/node_modules/.bin:$PATH"
exec "$@"
