#!/usr/bin/env bash
# From a fresh clone to the whole test suite in one command: the real programs the tests start
# (scripts/install-test-tools.sh: Debian packages, as root, only those missing), the npm packages
# exactly as the lock file pins them, then the README's test command. Where the tools cannot be
# installed (no root, no apt-get), the suites that need them are skipped with a warning
# (docs/tests.md); under CI=true that is a failure, here and in each of those suites.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! bash scripts/install-test-tools.sh; then
  if [ "${CI:-}" = true ]; then
    echo "test-all: under CI=true every suite must run, so every tool must be installed" >&2
    exit 1
  fi
  echo "test-all: going on without them: the suites that need them are skipped" >&2
fi
# npm ci deletes node_modules and installs it again: skipped when it already matches the lock.
if node scripts/node-modules-current.js; then
  echo "test-all: node_modules already matches package-lock.json; not reinstalling it" >&2
else
  npm ci --no-audit --no-fund
fi
npm test
