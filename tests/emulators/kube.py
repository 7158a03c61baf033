"""A Kubernetes API server emulator: the read paths vtepc uses, with bearer-token auth.

Shapes follow the Kubernetes API reference (kubernetes.io/docs/reference/kubernetes-api/):
  * objects carry apiVersion, kind, metadata{name, namespace, uid, resourceVersion,
    creationTimestamp}; lists are {"apiVersion", "kind": "<Kind>List", "metadata":
    {"resourceVersion", "continue", "remainingItemCount"}, "items"}, and items inside a list omit
    apiVersion/kind as the real server does;
  * chunked lists: `limit` and the opaque `continue` token (common-definitions/list-meta);
  * `labelSelector` with equality terms (k=v,k2=v2), enough for Helm's release Secrets;
  * errors are Status objects {"kind": "Status", "status": "Failure", "reason", "code", "message"}.
Cilium's BGP control plane resources are cluster-scoped custom resources: served only at the
group versions their CRDs install (`serve_crd_version`; Cilium 1.18 serves cilium.io/v2 and still
v2alpha1), stored with the defaults the API server fills in from the CRD's structural schema
(OpenAPI `default`, the CRD schemas in tests/data/cilium-bgp-crds), and a version nobody
installed answers 404 as an API server does for an unknown resource.
Helm release Secrets follow helm's storage driver (pkg/storage/driver/secrets.go, util.go):
type helm.sh/release.v1, labels name/owner=helm/status/version, and data.release =
base64(gzip(release JSON)) -- which the API then base64-encodes again as Secret data.
"""

from __future__ import annotations

import base64
import copy
import gzip
import itertools
import json
from pathlib import Path
from typing import Any

from vtepc.integrations.cilium.bgp import CiliumBgpResource
from vtepc.integrations.cilium.live import BGP_PLURALS
from vtepc.integrations.cilium.state import CiliumConfig, CiliumHelmValues
from vtepc.integrations.flannel.state import BigipNode
from vtepc.state.cluster import CIS_BINARY, CIS_PASSWORD_ENV, CIS_USERNAME_ENV, As3ConfigMap, CisController, ClusterState
from vtepc.state.static_routes import NODE_SPEC_POD_CIDR, CisRoute

from .server import EmulatorServer, Reply, Request, page_bounds

CRD_SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "cilium-bgp-crds"
CLUSTER_SCOPED = {"Node", "Namespace", "ClusterRole", "ClusterRoleBinding", *BGP_PLURALS}
PLURALS = {
    **BGP_PLURALS,
    "Node": "nodes",
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "ServiceAccount": "serviceaccounts",
    "Deployment": "deployments",
    "ClusterRole": "clusterroles",
    "ClusterRoleBinding": "clusterrolebindings",
    "Namespace": "namespaces",
    "Service": "services",
}
KINDS = {plural: kind for kind, plural in PLURALS.items()}


def collection_path(api_version: str, kind: str, namespace: str | None) -> str:
    group = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    scope = "" if kind in CLUSTER_SCOPED else f"/namespaces/{namespace or 'default'}"
    return f"{group}{scope}/{PLURALS[kind]}"


def with_crd_defaults(schema: dict, value: Any) -> Any:
    """`value` with the defaults an API server fills in from a CRD's structural schema, list items included."""
    if isinstance(value, dict) and schema.get("type") == "object":
        out = dict(value)
        for key, prop in (schema.get("properties") or {}).items():
            if key not in out and "default" in prop:
                out[key] = copy.deepcopy(prop["default"])
            if key in out:
                out[key] = with_crd_defaults(prop, out[key])
        return out
    if isinstance(value, list) and "items" in schema:
        return [with_crd_defaults(schema["items"], item) for item in value]
    return value


def _status(code: int, reason: str, message: str) -> Reply:
    return Reply(
        code,
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code},
    )


class KubeEmulator(EmulatorServer):
    def __init__(self, token: str = "emulator-kube-token", certificate: tuple[Path, Path] | None = None):
        super().__init__(certificate)
        self.token = token
        self.max_page_size: int | None = None
        self.forbidden: set[str] = set()  # collection paths answering 403 (RBAC denies)
        self.paging_loop: str | None = None  # "same": one continue token forever; "endless": a new one every page
        self.objects: dict[str, dict[str, dict]] = {}
        self.crd_versions: set[str] = set()  # custom resource group versions served ("cilium.io/v2alpha1")
        self._versions = itertools.count(1000)

    # --- content --------------------------------------------------------------------------

    def put(self, document: dict) -> dict:
        """Store an object as the API server would return it (server-managed metadata added)."""
        document = copy.deepcopy(document)
        metadata = document.setdefault("metadata", {})
        version = next(self._versions)
        metadata.setdefault("uid", f"00000000-0000-4000-8000-{version:012d}")
        metadata["resourceVersion"] = str(version)
        metadata.setdefault("creationTimestamp", "2024-01-01T00:00:00Z")
        if document["kind"] in CLUSTER_SCOPED:
            metadata.pop("namespace", None)
        else:
            metadata.setdefault("namespace", "default")
        path = collection_path(document["apiVersion"], document["kind"], metadata.get("namespace"))
        self.objects.setdefault(path, {})[metadata["name"]] = document
        return document

    def serve_crd_version(self, api_version: str) -> None:
        """Serve a custom resource group version, as installing its CRDs does (cilium.io/v2 brings v2alpha1 along: Cilium 1.18)."""
        self.crd_versions |= {api_version, "cilium.io/v2alpha1"} if api_version == "cilium.io/v2" else {api_version}

    def put_bgp_resource(self, resource: CiliumBgpResource) -> dict:
        """A Cilium BGP resource as the API server keeps it: the CRD's defaults filled in, an extra label of its own."""
        self.serve_crd_version(resource.api_version)
        version = resource.api_version.split("/")[1]
        schema = json.loads((CRD_SCHEMAS / f"{resource.resource_kind.lower()}_{version}.json").read_text())
        document = {
            "apiVersion": resource.api_version,
            "kind": resource.resource_kind,
            "metadata": {"name": resource.resource_name, "labels": {**resource.labels, "app.kubernetes.io/managed-by": "argocd"}},
            "spec": with_crd_defaults(schema["properties"]["spec"], resource.spec),
        }
        # Served at every installed version (the fields vtepc writes are named alike in both).
        for other in sorted(self.crd_versions - {resource.api_version}):
            self.put({**document, "apiVersion": other})
        return self.put(document)

    def get_object(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict:
        return self.objects[collection_path(api_version, kind, namespace)][name]

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> None:
        del self.objects[collection_path(api_version, kind, namespace)][name]

    def add_node(self, name: str, ip: str, pod_cidr: str | None = None, annotations: dict[str, str] | None = None) -> dict:
        spec = {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr]} if pod_cidr else {}
        return self.put(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}, "annotations": dict(annotations or {})},
                "spec": spec,
                "status": {"addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}]},
            }
        )

    def add_helm_release(
        self, release: str, namespace: str, revision: int, values: dict, chart_version: str, status: str = "deployed"
    ) -> dict:
        body = {
            "name": release,
            "namespace": namespace,
            "version": revision,
            "info": {"status": status, "description": "Install complete"},
            "chart": {"metadata": {"name": release, "version": chart_version}, "values": {"debug": {"enabled": False}}},
            "config": values,
            "manifest": "---\n# rendered manifests, including Secrets the reader must never keep\n",
        }
        encoded = base64.b64encode(gzip.compress(json.dumps(body).encode()))
        return self.put(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "helm.sh/release.v1",
                "metadata": {
                    "name": f"sh.helm.release.v1.{release}.v{revision}",
                    "namespace": namespace,
                    "labels": {"name": release, "owner": "helm", "status": status, "version": str(revision)},
                },
                "data": {"release": base64.b64encode(encoded).decode()},
            }
        )

    def load_state(self, state: ClusterState, chart_version: str = "1.16.19") -> None:
        """Make the cluster what `state` says, among the settings a real cluster also has.

        Extra ConfigMap keys, Helm values, annotations and labels are added on purpose: readers
        must project them away, or they would show as drift.
        """
        for obj in state.objects():
            self._load_object(obj, chart_version)
        # routing: static: the annotation CIS reads the pod CIDR from (Cilium's, with annotateK8sNode).
        annotated = {r.node: {r.pod_cidr_from: r.network} for r in state.of_kind(CisRoute) if r.pod_cidr_from != NODE_SPEC_POD_CIDR}
        for node in state.nodes:
            self.add_node(node.name, node.ip, node.pod_cidr, {"node.alpha.kubernetes.io/ttl": "0", **annotated.get(node.name, {})})

    def _load_object(self, obj, chart_version: str) -> None:
        namespace, _, name = obj.name.partition("/")
        if isinstance(obj, CiliumConfig):
            data = {"cluster-name": "default", "ipam": "cluster-pool", "debug": "false", **obj.data}
            self.put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": data})
        elif isinstance(obj, CiliumHelmValues):
            values = {"operator": {"replicas": 1}, **copy.deepcopy(obj.values)}
            self.add_helm_release(name, namespace, 1, {"debug": {"enabled": True}}, chart_version, status="superseded")
            self.add_helm_release(name, namespace, 2, values, chart_version)
        elif isinstance(obj, BigipNode):
            self.put(
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {"name": obj.name, "annotations": {"node.alpha.kubernetes.io/ttl": "0", **obj.annotations}},
                    "spec": {"podCIDR": obj.pod_cidr, "podCIDRs": [obj.pod_cidr]},
                }
            )
        elif isinstance(obj, CisController):
            env = [
                {"name": var, "valueFrom": {"secretKeyRef": {"name": obj.credentials_secret, "key": key}}}
                for var, key in ((CIS_USERNAME_ENV, "username"), (CIS_PASSWORD_ENV, "password"))
            ]
            container = {"name": "k8s-bigip-ctlr", "image": obj.image, "command": [CIS_BINARY], "args": list(obj.args), "env": env}
            self.put(
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": {
                        "name": name,
                        "namespace": namespace,
                        "generation": 3,
                        "annotations": {"deployment.kubernetes.io/revision": "3"},
                    },
                    "spec": {
                        "replicas": obj.replicas,
                        "selector": {"matchLabels": {"app": name}},
                        "template": {
                            "metadata": {"labels": {"app": name}},
                            "spec": {"serviceAccountName": obj.service_account, "containers": [container]},
                        },
                    },
                    "status": {"observedGeneration": 3, "replicas": obj.replicas},
                }
            )
        elif isinstance(obj, As3ConfigMap):
            self.put(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": name, "namespace": namespace, "labels": {**obj.labels, "app.kubernetes.io/managed-by": "argocd"}},
                    "data": {"template": json.dumps(obj.declaration)},
                }
            )
        elif isinstance(obj, CiliumBgpResource):
            self.put_bgp_resource(obj)
        # BirdConfig lives on the nodes, outside the API: nothing to load.

    # --- HTTP -----------------------------------------------------------------------------

    def route(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _status(401, "Unauthorized", "Unauthorized")
        if request.method != "GET":
            return _status(405, "MethodNotAllowed", f"{request.method} is not emulated (vtepc only reads)")
        path = request.path.rstrip("/")
        parent, _, last = path.rpartition("/")
        if last in BGP_PLURALS.values() or parent.rpartition("/")[2] in BGP_PLURALS.values():
            group_version = "/".join(path.split("/")[2:4])
            if group_version not in self.crd_versions:
                return _status(404, "NotFound", "the server could not find the requested resource")
        if path in self.forbidden or parent in self.forbidden:
            return _status(403, "Forbidden", f"access to {path} is forbidden")
        if last in KINDS:
            return self._list(request, path, KINDS[last])
        if parent.rpartition("/")[2] in KINDS:
            document = self.objects.get(parent, {}).get(last)
            if document is None:
                kind = parent.rpartition("/")[2]
                return _status(404, "NotFound", f'{kind} "{last}" not found')
            return Reply(200, document)
        return _status(404, "NotFound", "the server could not find the requested resource")

    def _list(self, request: Request, path: str, kind: str) -> Reply:
        items = list(self.objects.get(path, {}).values())
        selector = request.query.get("labelSelector")
        if selector:
            terms = dict(term.split("=", 1) for term in selector.split(","))
            items = [i for i in items if all(i["metadata"].get("labels", {}).get(k) == v for k, v in terms.items())]
        token = request.query.get("continue")
        try:
            skip = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
        except ValueError:
            return _status(410, "Expired", "the provided continue parameter is too old")
        limit = int(request.query["limit"]) if request.query.get("limit") else None
        start, end = page_bounds(len(items), skip, limit, self.max_page_size)
        metadata: dict[str, Any] = {"resourceVersion": str(next(self._versions))}
        if end < len(items):
            metadata["continue"] = base64.urlsafe_b64encode(str(end).encode()).decode()
            metadata["remainingItemCount"] = len(items) - end
        if self.paging_loop == "same":
            metadata["continue"] = base64.urlsafe_b64encode(b"0").decode()
        elif self.paging_loop == "endless":
            metadata["continue"] = base64.urlsafe_b64encode(str(skip + max(end - start, 1)).encode()).decode()
        listed = [{k: v for k, v in item.items() if k not in ("apiVersion", "kind")} for item in items[start:end]]
        api_version = "v1" if path.startswith("/api/v1") else path.split("/")[2] + "/" + path.split("/")[3]
        return Reply(200, {"apiVersion": api_version, "kind": f"{kind}List", "metadata": metadata, "items": listed})


def write_kubeconfig(
    path: Path,
    server: str,
    token: str,
    *,
    ca_file: Path | None = None,
    insecure: bool = False,
    context: str = "emulator",
) -> Path:
    """A kubeconfig with one cluster/user/context for the emulator (JSON is valid YAML)."""
    cluster: dict[str, Any] = {"server": server}
    if ca_file:
        cluster["certificate-authority-data"] = base64.b64encode(Path(ca_file).read_bytes()).decode()
    if insecure:
        cluster["insecure-skip-tls-verify"] = True
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": cluster}],
        "users": [{"name": context, "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
        "current-context": context,
    }
    path.write_text(json.dumps(config, indent=2))
    return path
