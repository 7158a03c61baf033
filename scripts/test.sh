#!/usr/bin/env bash
# Installs everything the tests need (Python deps, Debian bird2, kubectl) and runs every test.
# README's test command and .ci/run both run exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e '.[test]'

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 \
    || { as_root apt-get update -qq >/dev/null 2>&1 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}
# bird2: `bird -p -c FILE` is the oracle for generated BIRD configuration.
command -v bird >/dev/null 2>&1 || apt_install bird2 || echo "warning: could not install bird2" >&2
# kubectl: preinstalled as Debian's `kubectl` package here; `kubernetes-client` is the fallback (they conflict).
command -v kubectl >/dev/null 2>&1 || apt_install kubectl || apt_install kubernetes-client || echo "warning: could not install kubectl" >&2
# graphviz (dot), librsvg2-bin (rsvg-convert): oracles that `vtepc graph` DOT and SVG output really render (tests/test_graph.py).
{ command -v dot && command -v rsvg-convert; } >/dev/null 2>&1 || apt_install graphviz librsvg2-bin || echo "warning: could not install graphviz/librsvg2-bin" >&2

set +e
python3 -m pytest -q "$@"
status=$?
set -e
# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
exit $status
