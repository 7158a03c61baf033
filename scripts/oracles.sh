#!/usr/bin/env bash
# Installs a node-based oracle from ../shared/oracles into a writable cache, once per machine,
# and prints the directory it can be run from.
#
#   bash scripts/oracles.sh ORACLE_DIR        e.g. ../shared/oracles/f5/do-1.45.0
#
# ../shared is read-only in CI, so the oracle directory is copied to
# $VTEPC_ORACLE_CACHE (default ~/.cache/vtepc-oracles)/<name>-<hash of its files> and
# `npm ci --ignore-scripts --omit=dev` runs in a temporary copy that is renamed into place
# only when the install succeeded: a cut or failed install never leaves a half-installed
# oracle behind, and concurrent runs each finish with the same complete directory.
# Exit status non-zero (with the reason on stderr) when node/npm is missing or npm fails.
set -euo pipefail

source_dir=${1:?usage: oracles.sh ORACLE_DIR}
source_dir=$(cd "$source_dir" && pwd)
cache=${VTEPC_ORACLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vtepc-oracles}

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "oracles.sh: '$tool' is not installed (Debian: nodejs npm)" >&2; exit 1; }
done

# The cache key covers every file of the oracle (sources, lock file, runner), so a changed
# oracle gets a fresh install instead of a stale one.
key=$(cd "$source_dir" && find . -type f -not -path './node_modules/*' -print0 | LC_ALL=C sort -z \
  | xargs -0 sha256sum | sha256sum | cut -c1-16)
target="$cache/$(basename "$source_dir")-$key"
if [ -f "$target/.installed" ]; then
  echo "$target"
  exit 0
fi

mkdir -p "$cache"
staging=$(mktemp -d "$cache/.staging-$(basename "$source_dir")-XXXXXX")
trap 'rm -rf "$staging"' EXIT
cp -R "$source_dir/." "$staging/"
chmod -R u+w "$staging"
if ! (cd "$staging" && npm ci --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=error >"$staging/.npm.log" 2>&1); then
  echo "oracles.sh: npm ci failed for $source_dir:" >&2
  tail -n 20 "$staging/.npm.log" >&2
  exit 1
fi
touch "$staging/.installed"
# mv -T refuses to replace a directory another run has completed meanwhile: that one is as good.
mv -T "$staging" "$target" 2>/dev/null || [ -f "$target/.installed" ]
echo "$target"
