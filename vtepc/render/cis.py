"""kubernetes/cis-<bigip>.yaml: F5 Container Ingress Services (k8s-bigip-ctlr) for one BIG-IP.

ServiceAccount, ClusterRole and binding, and a single-replica Deployment (CIS is not built to
run twice against one BIG-IP; the upstream example says "DO NOT INCREASE REPLICA COUNT").
Credentials come from the named Secret through env vars; TLS to the BIG-IP is verified against
the system CAs plus the BIG-IP CA in cis.trustedCertsConfigMap (--trusted-certs-cfgmap), unless
the topology sets cis.insecure (validation warns, VTEP901).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..state.cluster import CIS_BINARY, CIS_PASSWORD_ENV, CIS_USERNAME_ENV, CisController
from . import renderer
from ._kubernetes import dump_yaml, header, object_meta

if TYPE_CHECKING:
    from ..state import DesiredState

READ = ["get", "list", "watch"]
# Trimmed from k8s-bigip-ctlr v2.20.2 docs/config_examples/rbac/clusterrole.yaml to what the
# ConfigMap (AS3) mode reads and writes: it watches Secrets, Ingresses and IngressClasses
# unconditionally (pkg/appmanager/appManager.go newAppInformer); the custom-resource, IPAM
# and OpenShift rules are left out.
RBAC_RULES = [
    {"apiGroups": [""], "resources": ["endpoints", "namespaces", "nodes", "pods", "secrets", "services"], "verbs": READ},
    {"apiGroups": [""], "resources": ["configmaps", "events", "services/status"], "verbs": READ + ["update", "create", "patch"]},
    {"apiGroups": ["networking.k8s.io"], "resources": ["ingressclasses", "ingresses"], "verbs": READ},
    {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses/status"], "verbs": READ + ["update", "patch"]},
]


def _secret_env(name: str, secret: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def _manifests(controller: CisController) -> list[dict[str, Any]]:
    namespace, name = controller.namespace, controller.short_name
    labels = {"app": name}
    service_account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": object_meta(f"{namespace}/{controller.service_account}")}
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": object_meta(name), "rules": RBAC_RULES}
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": object_meta(name),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": controller.service_account, "namespace": namespace}],
    }
    container = {
        "name": "k8s-bigip-ctlr",
        "image": controller.image,
        "command": [CIS_BINARY],
        "args": list(controller.args),
        "env": [
            _secret_env(CIS_USERNAME_ENV, controller.credentials_secret, "username"),
            _secret_env(CIS_PASSWORD_ENV, controller.credentials_secret, "password"),
        ],
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": object_meta(controller.name, labels=labels),
        "spec": {
            "replicas": controller.replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"serviceAccountName": controller.service_account, "containers": [container]},
            },
        },
    }
    return [service_account, role, binding, deployment]


@renderer("cis")
def render_cis(state: "DesiredState") -> dict[str, str]:
    out = {}
    for controller in state.cluster.of_kind(CisController):
        bigip = controller.bigip
        notes = [
            f"F5 CIS for BIG-IP {bigip}. It needs the Secret {controller.namespace}/{controller.credentials_secret}",
            "with keys username and password (never in this repository).",
        ]
        trusted = controller.trusted_certs_config_map
        if trusted is not None:
            notes.append(f"It verifies the BIG-IP's certificate with the CA (PEM) in the ConfigMap {trusted}.")
        head = header(state, *notes)
        out[f"kubernetes/cis-{bigip}.yaml"] = dump_yaml(_manifests(controller), head)
    return out
