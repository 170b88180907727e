#!/usr/bin/env bash
# All the tests: unit, integration (real snmpd, real MariaDB Galera nodes), end to end (galera-init
# on a real 3-node cluster).
# The last line is the totals: "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }
mkdir -p .tmp
npx mocha --config .mocharc.json 'dist/test/unit/**/*.test.js' 'dist/test/integration/**/*.test.js' 'dist/test/e2e/**/*.test.js' "$@"
