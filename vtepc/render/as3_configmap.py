"""kubernetes/as3-<service>.yaml: a service's AS3 declaration as the ConfigMap CIS consumes.

CIS picks up ConfigMaps labelled f5type=virtual-server and as3="true" and reads the AS3
request from data.template (k8s-bigip-ctlr pkg/agent/as3/as3ConfigMap.go). It fills each
pool with the endpoints of the Services in the ConfigMap's own namespace that carry the
cis.f5.com/as3-tenant/-app/-pool labels (README, "Service labels for CIS discovery").
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..state.cluster import As3ConfigMap
from . import renderer
from ._kubernetes import dump_yaml, header, object_meta

if TYPE_CHECKING:
    from ..state import DesiredState


@renderer("as3-configmap")
def render_as3_configmaps(state: "DesiredState") -> dict[str, str]:
    out = {}
    for configmap in state.cluster.of_kind(As3ConfigMap):
        manifest = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": object_meta(configmap.name, labels=dict(sorted(configmap.labels.items()))),
            "data": {"template": json.dumps(configmap.declaration, indent=2, sort_keys=True) + "\n"},
        }
        head = header(state, f"AS3 for service {configmap.service}, applied to the BIG-IP by CIS.")
        out[f"kubernetes/as3-{configmap.service}.yaml"] = dump_yaml([manifest], head)
    return out
