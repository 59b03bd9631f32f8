#!/usr/bin/env bash
# Builds the extension as a .vsix (not committed): compiles the client with tsc into out/ (via
# the `vscode:prepublish` script) and packs it with @vscode/vsce. Needs only the npm registry
# (for `npm ci` on a fresh clone); vsce itself works offline.
#   scripts/package.sh            -> editors/vscode/portoser-pbk-<version>.vsix
#   scripts/package.sh OUT.vsix   -> OUT.vsix
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

version=$(node -p 'require("./package.json").version')
out=${1:-portoser-pbk-$version.vsix}
# --skip-license: the project's license (MIT OR Apache-2.0) is declared in package.json; the
# repository has no LICENSE file for vsce to copy.
npx --no-install vsce package --skip-license --out "$out"
echo "built $out; install it with: code --install-extension $out"
