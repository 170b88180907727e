#!/usr/bin/env bash
# The local demo: installs what is missing, builds, then runs demo/demo.ts (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node dist/demo/demo.js "$@"
