#!/usr/bin/env bash
# Installs the interop tests' npm packages into DEST/node_modules exactly as package-lock.json pins them
# (npm ci: the lock file is the only input). Fails loudly when npm or the registry is unreachable: the
# cross-implementation tests must never pass by being skipped.
set -euo pipefail
src=$1
dest=$2
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "tests/interop: node and npm are required (scripts/deps installs them)" >&2
  exit 1
fi
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
cd "$dest"
if ! npm ci --no-audit --no-fund --prefer-offline --loglevel=error; then
  echo "tests/interop: FAILED to install the pinned packages from the npm registry (npm ci in $dest)." >&2
  echo "tests/interop: the cross-implementation tests need the registry (or a warm npm cache); they do not skip." >&2
  exit 1
fi
node -e "for (const n of ['wechatpay-axios-plugin', 'standardwebhooks']) { const p = require(n + '/package.json'); console.log('tests/interop: ' + p.name + ' ' + p.version + ' on node ' + process.version); }"
