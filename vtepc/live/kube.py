"""Read the cluster side over the Kubernetes API into a ClusterState, read-only (GET only).

Kubeconfig and context are picked as kubectl picks them: `--kubeconfig FILE` alone, else every
file in $KUBECONFIG (merged: the first file to define a name or current-context wins), else
~/.kube/config; the context is `--context` or current-context. Supported credentials: bearer
token (token / tokenFile), client certificate and key (data or file), CA (data or file),
insecure-skip-tls-verify, tls-server-name, and exec credential plugins
(client.authentication.k8s.io/v1 and v1beta1, as EKS, GKE and AKS kubeconfigs use: `aws eks
get-token`, `gke-gcloud-auth-plugin`, `kubelogin`). An exec plugin is a local command the
kubeconfig names, run as kubectl runs it (its env, KUBERNETES_EXEC_INFO, never interactively);
its ExecCredential gives a token or a client certificate. The legacy auth-provider section
(removed from kubectl in 1.26) is refused with a clear error.

What is read, each projected onto what vtepc manages so other settings never show as drift:
  * CIS Deployments and AS3 ConfigMaps, by the desired names;
  * each mode's own kinds, as its package says (Integration.cluster_kinds: the Cilium Helm
    values and cilium-config in integrations/cilium/live.py, the BIG-IP's flannel Node in
    integrations/flannel/live.py), with the helpers below (`project`, `helm_release_values`);
  * with routing: static, what CIS makes of every Node (CisRoute: its route, or why none);
  * every Node, as LiveNode (name, InternalIP, pod CIDR from spec.podCIDR or Cilium's
    annotations, flannel VtepMAC and public-ip) and as ExpectedNode for drift.
A kind nobody can read through the API (BIRD, BGP sessions, announcements) is reported as
unread, with why.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, ParamSpec, Sequence, TypeVar

from ..state.bgp import BgpSession
from ..state.cluster import CIS_PASSWORD_ENV, CIS_USERNAME_ENV, As3ConfigMap, CisController, ClusterState, ExpectedNode
from ..state.speaker import BgpAnnouncement, BirdConfig
from ..state.static_routes import NODE_SPEC_POD_CIDR, CisRoute, observed_cis_route
from .http import BadResponse, ConfigurationError, HttpOptions, JsonClient, TlsOptions, expect_integer, expect_text

if TYPE_CHECKING:
    from ..integrations import ClusterKind

PAGE_SIZE = 500
CILIUM_POD_CIDR_ANNOTATIONS = ("network.cilium.io/ipv4-pod-cidr", "io.cilium.network.ipv4-pod-cidr")
# What discover's LiveNode takes from flannel's annotations (integrations/flannel/model.py names them;
# this module cannot import the registry's packages, which import it; tests/test_live_kube.py keeps them equal).
FLANNEL_BACKEND_DATA = "flannel.alpha.coreos.com/backend-data"
FLANNEL_PUBLIC_IP = "flannel.alpha.coreos.com/public-ip"
HELM_RELEASE_TYPE = "helm.sh/release.v1"
GZIP_MAGIC = b"\x1f\x8b\x08"

_P = ParamSpec("_P")
_T = TypeVar("_T")
_D = TypeVar("_D")


@dataclass(frozen=True)
class KubeOptions:
    kubeconfig: Path | None = None  # --kubeconfig: this file only
    context: str | None = None  # --context: instead of current-context
    http: HttpOptions = HttpOptions()


@dataclass(frozen=True)
class KubeConnection:
    """Where and how to reach the API server, resolved from a kubeconfig."""

    context: str
    server: str
    tls: TlsOptions = field(repr=False)
    token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class LiveNode:
    """A cluster Node as discover needs it."""

    name: str
    ip: str | None  # InternalIP
    pod_cidr: str | None
    vtep_mac: str | None = None  # flannel backend-data VtepMAC, lower case
    public_ip: str | None = None  # flannel public-ip annotation


# --- kubeconfig ---------------------------------------------------------------------------------


def _kubeconfig_files(options: KubeOptions, environ: Mapping[str, str]) -> list[Path]:
    if options.kubeconfig is not None:
        return [Path(options.kubeconfig)]
    listed = environ.get("KUBECONFIG", "")
    if listed:
        return [Path(p) for p in listed.split(os.pathsep) if p]
    home = environ.get("HOME") or str(Path.home())
    return [Path(home) / ".kube" / "config"]


def _load_yaml(path: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"kubeconfig {path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"kubeconfig {path}: not UTF-8 text") from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigurationError(f"kubeconfig {path}: not valid YAML{where}") from None
    except RecursionError:
        raise ConfigurationError(f"kubeconfig {path}: nested too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigurationError(f"kubeconfig {path}: not a mapping")
    return data


def _merged_kubeconfig(files: list[Path], explicit: bool) -> tuple[dict[str, Any], dict[str, Path]]:
    """kubectl's merge: per section, the first file that names an entry wins; returns each entry's file."""
    merged: dict[str, Any] = {"clusters": {}, "users": {}, "contexts": {}, "current-context": None}
    origin: dict[str, Path] = {}
    readable = 0
    for path in files:
        if not path.exists() and not explicit:
            continue  # kubectl skips missing files in $KUBECONFIG
        data = _load_yaml(path)
        readable += 1
        for section, inner in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
            entries = data.get(section) or []
            if not isinstance(entries, list):
                raise ConfigurationError(f"kubeconfig {path}: {section} is not a list")
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
                    raise ConfigurationError(f"kubeconfig {path}: an entry of {section} without a name")
                if not isinstance(entry.get(inner) or {}, dict):
                    raise ConfigurationError(f"kubeconfig {path}: {section} {entry['name']!r}: {inner} is not a mapping")
                if entry["name"] not in merged[section]:
                    merged[section][entry["name"]] = entry.get(inner) or {}
                    origin[f"{section}/{entry['name']}"] = path
        current = data.get("current-context")
        if current is not None and not isinstance(current, str):
            raise ConfigurationError(f"kubeconfig {path}: current-context is not a string")
        if merged["current-context"] is None and current:
            merged["current-context"] = current
    if not readable:
        raise ConfigurationError(f"no kubeconfig found (looked at {', '.join(map(str, files))}); pass --kubeconfig")
    return merged, origin


def _relative(base: Path, value: str) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else base.parent / path


def _decode_data(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"kubeconfig: {what} is not valid base64") from None


def resolve_kubeconfig(options: KubeOptions = KubeOptions(), environ: Mapping[str, str] | None = None) -> KubeConnection:
    env = os.environ if environ is None else environ
    files = _kubeconfig_files(options, env)
    merged, origin = _merged_kubeconfig(files, explicit=options.kubeconfig is not None)
    name = options.context or merged["current-context"]
    if not name:
        raise ConfigurationError("kubeconfig has no current-context; pass --context")
    try:
        return _connection(name, merged, origin, env)
    except (TypeError, AttributeError, ValueError):
        # A value of the wrong type (a number for a file name, a list for a flag): one line, no value quoted.
        raise ConfigurationError(f"kubeconfig: context {name!r}: a cluster or user field has the wrong type") from None


def _connection(name: str, merged: dict[str, Any], origin: dict[str, Path], env: Mapping[str, str]) -> KubeConnection:
    context = merged["contexts"].get(name)
    if context is None:
        raise ConfigurationError(f"kubeconfig has no context {name!r}")
    cluster = merged["clusters"].get(context.get("cluster", ""))
    if cluster is None or not cluster.get("server"):
        raise ConfigurationError(f"context {name!r}: cluster {context.get('cluster')!r} is missing or has no server")
    user = merged["users"].get(context.get("user", ""), {}) if context.get("user") else {}
    if "auth-provider" in user:
        raise ConfigurationError(
            f"context {name!r}: auth-provider credentials are not supported (kubectl dropped them in 1.26); "
            "use the provider's exec plugin, a token or a client certificate"
        )
    cluster_file = origin[f"clusters/{context['cluster']}"]
    user_file = origin.get(f"users/{context.get('user')}", cluster_file)
    if "exec" in user:
        user = {**user, **exec_credential(user["exec"], cluster, name, user_file, env)}
    tls = TlsOptions(
        ca_file=_relative(cluster_file, cluster["certificate-authority"]) if cluster.get("certificate-authority") else None,
        ca_data=_decode_data(cluster["certificate-authority-data"], "certificate-authority-data")
        if cluster.get("certificate-authority-data")
        else None,
        insecure=bool(cluster.get("insecure-skip-tls-verify", False)),
        server_name=cluster.get("tls-server-name"),
        client_cert_file=_relative(user_file, user["client-certificate"]) if user.get("client-certificate") else None,
        client_key_file=_relative(user_file, user["client-key"]) if user.get("client-key") else None,
        client_cert_data=_decode_data(user["client-certificate-data"], "client-certificate-data")
        if user.get("client-certificate-data")
        else None,
        client_key_data=_decode_data(user["client-key-data"], "client-key-data") if user.get("client-key-data") else None,
    )
    token = user.get("token")
    if not token and user.get("tokenFile"):
        try:
            token = _relative(user_file, user["tokenFile"]).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"context {name!r}: tokenFile cannot be read ({exc.strerror})") from None
    if token is not None and not isinstance(token, str):
        raise TypeError("token")
    return KubeConnection(name, str(cluster["server"]), tls, token or None)


EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
EXEC_TIMEOUT = 60.0  # seconds; a plugin that opens a browser login never finishes here


def exec_credential(
    config: Mapping[str, Any], cluster: Mapping[str, Any], context: str, kubeconfig: Path, environ: Mapping[str, str]
) -> dict[str, Any]:
    """Run the kubeconfig's exec plugin as kubectl does; its credential as kubeconfig user fields.

    As client-go's exec authenticator (k8s.io/client-go/plugin/pkg/client/auth/exec/exec.go):
    the command is looked up on PATH, or relative to the kubeconfig when it names a path; the
    plugin's env entries are added to ours; KUBERNETES_EXEC_INFO carries an ExecCredential with
    spec.interactive (false: vtepc has no terminal to lend) and, with provideClusterInfo,
    spec.cluster; stdout must be an ExecCredential of the same apiVersion with status.token or
    status.clientCertificateData and clientKeyData.
    """
    import shutil
    import subprocess

    where = f"context {context!r}: exec plugin"
    api_version = config.get("apiVersion")
    if api_version not in EXEC_API_VERSIONS:
        raise ConfigurationError(f"{where}: apiVersion {api_version!r} is not one of {', '.join(EXEC_API_VERSIONS)}")
    command = str(config.get("command") or "")
    if not command:
        raise ConfigurationError(f"{where}: no command")
    if config.get("interactiveMode") == "Always":
        raise ConfigurationError(f"{where}: interactiveMode Always needs a terminal; log in with the plugin first")
    if os.sep in command:
        command = str(_relative(kubeconfig, command))
    elif shutil.which(command, path=environ.get("PATH")) is None:
        hint = f" ({config['installHint']})" if config.get("installHint") else ""
        raise ConfigurationError(f"{where}: {command} is not on PATH{hint}")
    spec: dict[str, Any] = {"interactive": False}
    if config.get("provideClusterInfo"):
        spec["cluster"] = {
            key: value
            for key, value in (
                ("server", cluster.get("server")),
                ("tls-server-name", cluster.get("tls-server-name")),
                ("insecure-skip-tls-verify", cluster.get("insecure-skip-tls-verify")),
                ("certificate-authority-data", cluster.get("certificate-authority-data")),
                (
                    "config",
                    (cluster.get("extensions") or {}).get("client.authentication.k8s.io/exec")
                    if isinstance(cluster.get("extensions"), dict)
                    else None,
                ),
            )
            if value is not None
        }
    env = {**environ, "KUBERNETES_EXEC_INFO": json.dumps({"apiVersion": api_version, "kind": "ExecCredential", "spec": spec})}
    for entry in config.get("env") or []:
        if isinstance(entry, dict) and entry.get("name"):
            env[str(entry["name"])] = str(entry.get("value", ""))
    args = [command, *(str(arg) for arg in config.get("args") or [])]
    try:
        done = subprocess.run(args, env=env, capture_output=True, stdin=subprocess.DEVNULL, timeout=EXEC_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise ConfigurationError(f"{where}: {command} did not answer within {EXEC_TIMEOUT:.0f} s") from None
    except OSError as exc:
        raise ConfigurationError(f"{where}: {command} cannot be run ({exc.strerror})") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConfigurationError(f"{where}: {command} exited {done.returncode}" + (f": {detail[-1]}" if detail else ""))
    try:
        credential = json.loads(done.stdout)
    except ValueError:
        raise ConfigurationError(f"{where}: {command} printed no JSON ExecCredential") from None
    if not isinstance(credential, dict) or credential.get("kind") != "ExecCredential" or credential.get("apiVersion") != api_version:
        raise ConfigurationError(f"{where}: {command} printed no ExecCredential of apiVersion {api_version}")
    status = credential.get("status") or {}
    if status.get("token"):
        return {"token": str(status["token"])}
    if status.get("clientCertificateData") and status.get("clientKeyData"):
        # PEM text here, base64 in a kubeconfig: hand it over the way the kubeconfig fields are read.
        return {
            "client-certificate-data": base64.b64encode(str(status["clientCertificateData"]).encode()).decode(),
            "client-key-data": base64.b64encode(str(status["clientKeyData"]).encode()).decode(),
        }
    raise ConfigurationError(f"{where}: {command}'s ExecCredential has neither status.token nor a client certificate and key")


# --- API session ---------------------------------------------------------------------------------


class KubeSession:
    def __init__(
        self,
        connection: KubeConnection,
        options: HttpOptions = HttpOptions(),
        *,
        page_size: int = PAGE_SIZE,
        sleep: Callable[[float], None] = time.sleep,
    ):
        target = f"cluster (context {connection.context})"
        self.client = JsonClient(target, connection.server, connection.tls, options, secrets=[connection.token or ""], sleep=sleep)
        if connection.token:
            self.client.set_header("Authorization", f"Bearer {connection.token}", ConfigurationError, "the kubeconfig's token")
        self.page_size = page_size

    def get(self, path: str, params: dict[str, Any] | None = None, *, missing_ok: bool = False) -> Any:
        return self.client.get(path, params, missing_ok=missing_ok)

    def list(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list, page by page, following `continue` tokens (limit per page).

        A generator: the caller keeps what it needs of a page before the next is fetched. A
        404 is an error, as is a continue token seen before or more than max_pages pages.
        """
        query = {**(params or {}), "limit": self.page_size}
        seen: set[str] = set()
        for _ in range(self.client.options.max_pages):
            document = self.get(path, query)
            page = document.get("items")
            if page is None:
                page = []  # an empty list may leave items out (omitempty clients, proxies)
            if not isinstance(page, list):
                raise self.client.error(BadResponse, f"GET {path}: a list whose items are not a list")
            for item in page:
                if not isinstance(item, dict) or not isinstance(item.get("metadata"), dict):
                    raise self.client.error(BadResponse, f"GET {path}: an item without metadata")
                yield item
            metadata = document.get("metadata") or {}
            token = metadata.get("continue") if isinstance(metadata, dict) else None
            if not token:
                return
            if not isinstance(token, str) or token in seen:
                raise self.client.error(BadResponse, f"GET {path}: the continue token repeats an earlier page (a paging loop)")
            seen.add(token)
            query = {**query, "continue": token}
        raise self.client.error(BadResponse, f"GET {path}: more than {self.client.options.max_pages} pages (--max-pages raises the bound)")

    def get_object(self, path: str, convert: Callable[[dict[str, Any], _D], _T], desired: _D) -> _T | None:
        """The object at `path`, converted with `desired` for its shape; None when it is absent (404)."""
        document = self.get(path, missing_ok=True)
        if document is None:
            return None
        return self.convert(f"GET {path}", convert, document, desired)

    def convert(self, what: str, convert: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """convert(*args, **kwargs), with a document of the wrong shape reported as BadResponse naming `what`."""
        try:
            return convert(*args, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self.client.shape_error(what, exc) from None


# --- API objects -> state -------------------------------------------------------------------------


class KindUnread(Exception):
    """A reader of a cluster object kind cannot read it with these credentials; the kind is reported unread."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def split_name(namespaced: str) -> tuple[str, str]:
    namespace, _, name = namespaced.partition("/")
    return namespace, name


def project(live: Any, desired: Any) -> Any:
    """The part of `live` at the paths `desired` has (nested dicts); other live keys are not vtepc's.

    In a list of objects each live item is projected onto the desired item at its index (an
    extra live item onto the last desired one): an API server fills defaults into list items
    as well, and an item added or removed still shows."""
    if isinstance(desired, list) and isinstance(live, list) and desired and all(isinstance(d, dict) for d in desired):
        return [project(item, desired[min(index, len(desired) - 1)]) for index, item in enumerate(live)]
    if not isinstance(desired, dict) or not isinstance(live, dict):
        return live
    return {key: project(live[key], value) for key, value in desired.items() if key in live}


def live_node(document: dict[str, Any]) -> LiveNode:
    """A Node object as discover needs it; KeyError/TypeError/AttributeError when it lacks the shape (KubeSession.convert)."""
    metadata = document["metadata"]
    annotations = metadata.get("annotations") or {}
    addresses = (document.get("status") or {}).get("addresses") or []
    ip = next((a.get("address") for a in addresses if a.get("type") == "InternalIP"), None)
    pod_cidr = (document.get("spec") or {}).get("podCIDR")
    for key in CILIUM_POD_CIDR_ANNOTATIONS:
        pod_cidr = pod_cidr or annotations.get(key)
    vtep_mac = None
    if annotations.get(FLANNEL_BACKEND_DATA):
        try:
            backend = json.loads(annotations[FLANNEL_BACKEND_DATA])
            vtep_mac = str(backend["VtepMAC"]).lower() if isinstance(backend, dict) and backend.get("VtepMAC") else None
        except ValueError:
            vtep_mac = None  # a malformed annotation is flannel's problem; the node still counts
    return LiveNode(_name(document), ip, pod_cidr, vtep_mac, annotations.get(FLANNEL_PUBLIC_IP))


def _name(document: dict[str, Any]) -> str:
    name = document["metadata"].get("name")
    if not isinstance(name, str) or not name:
        raise KeyError("metadata.name")
    return name


def read_nodes(session: KubeSession) -> list[LiveNode]:
    path = "/api/v1/nodes"
    return sorted((session.convert(f"GET {path}: a node", live_node, doc) for doc in session.list(path)), key=lambda n: n.name)


def helm_release_values(session: KubeSession, namespace: str, release: str) -> dict[str, Any] | None:
    """The user-supplied values (`helm get values`) of the newest deployed revision; None if no release.

    Only `config` is kept from the decoded release: the chart, manifest and hooks may hold secrets.
    """
    path = f"/api/v1/namespaces/{namespace}/secrets"
    secrets = [
        s for s in session.list(path, {"labelSelector": f"owner=helm,name={release},status=deployed"}) if s.get("type") == HELM_RELEASE_TYPE
    ]
    if not secrets:
        return None
    newest = max(secrets, key=lambda s: session.convert(f"GET {path}: a release Secret's version label", _revision, s))
    where = f"Secret {namespace}/{session.convert(f'GET {path}: a release Secret', _name, newest)}"
    try:
        # Secret data is base64 (the API's); inside it helm stores base64 of the gzipped JSON,
        # and reads plain JSON when the gzip magic is absent (pkg/storage/driver/util.go).
        blob = base64.b64decode(base64.b64decode((newest.get("data") or {})["release"]))
        if blob[:3] == GZIP_MAGIC:
            blob = gzip.decompress(blob)
        values = json.loads(blob).get("config") or {}
    except (KeyError, ValueError, binascii.Error, OSError, EOFError, AttributeError, TypeError, RecursionError):
        raise session.client.error(BadResponse, f"{where}: not a readable Helm release") from None
    return values if isinstance(values, dict) else {}


def _revision(secret: dict[str, Any]) -> int:
    return int((secret["metadata"].get("labels") or {}).get("version", "0"))


def _secret_of(container: dict[str, Any], variable: str) -> str | None:
    for env in container.get("env") or []:
        if env.get("name") == variable:
            return ((env.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name")
    return None


def _cis_controller(session: KubeSession, desired: CisController) -> CisController | None:
    namespace, name = split_name(desired.name)
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}"
    return session.get_object(path, _cis_from_deployment, desired)


def _cis_from_deployment(document: dict[str, Any], desired: CisController) -> CisController:
    spec = document.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    containers = pod.get("containers") or [{}]
    container = next((c for c in containers if c.get("name") == "k8s-bigip-ctlr"), containers[0])
    return CisController(
        desired.name,
        image=container.get("image", ""),
        args=tuple(expect_text(a) for a in container.get("args") or ()),
        credentials_secret=_secret_of(container, CIS_USERNAME_ENV) or _secret_of(container, CIS_PASSWORD_ENV) or "",
        service_account=pod.get("serviceAccountName", ""),
        replicas=expect_integer(spec.get("replicas", 1), "replicas"),
    )


def _as3_configmap(session: KubeSession, desired: As3ConfigMap) -> As3ConfigMap | None:
    namespace, name = split_name(desired.name)
    path = f"/api/v1/namespaces/{namespace}/configmaps/{name}"
    return session.get_object(path, _as3_from_configmap, desired)


def _as3_from_configmap(document: dict[str, Any], desired: As3ConfigMap) -> As3ConfigMap:
    labels = (document.get("metadata") or {}).get("labels") or {}
    template = expect_text((document.get("data") or {}).get("template", ""))
    try:
        declaration = json.loads(template) if template else {}
    except (ValueError, RecursionError):
        declaration = {"unparsable template": template}  # shown as a change, which it is
    return As3ConfigMap(desired.name, {k: labels[k] for k in desired.labels if k in labels}, declaration, desired.service)


def _cis_routes_of(document: dict[str, Any], wanted: Sequence[CisRoute]) -> list[CisRoute]:
    """routing: static: what CIS makes of this node on each BIG-IP the desired routes name
    (k8s-bigip-ctlr v2.20.2 pkg/appmanager/appManager.go processStaticRouteUpdate): nothing for
    a node whose Ready condition is not True or that has no InternalIP, else a route to the pod
    CIDR it reads (the annotation this cluster's release writes, or node.spec.podCIDR) via the
    InternalIP. A node the topology routes also comes back when CIS makes no route for it, with the reason."""
    name = _name(document)
    annotations = document["metadata"].get("annotations") or {}
    status = document.get("status") or {}
    ip = next((a.get("address") for a in status.get("addresses") or [] if a.get("type") == "InternalIP"), None)
    if not isinstance(ip, str):
        return []
    ready = not any(c.get("type") == "Ready" and c.get("status") != "True" for c in status.get("conditions") or [])
    source = wanted[0].pod_cidr_from
    found = (document.get("spec") or {}).get("podCIDR") if source == NODE_SPEC_POD_CIDR else annotations.get(source)
    names = {route.name for route in wanted}
    out = []
    for bigip in sorted({route.bigip for route in wanted}):
        route = observed_cis_route(bigip, name, ip, source, expect_text(found) if found else None, ready)
        if route.network or route.name in names:
            out.append(route)
    return out


def _read_cis_routes(session: KubeSession, wanted: Sequence[CisRoute]) -> list[CisRoute]:
    """routing: static: what CIS makes of every Node (vtepc.live.read_observed_state then sets
    network and gateway to what the BIG-IP holds)."""
    path = "/api/v1/nodes"
    return [route for document in session.list(path) for route in session.convert(f"GET {path}: a node", _cis_routes_of, document, wanted)]


@dataclass(frozen=True)
class ClusterReading:
    state: ClusterState
    nodes: tuple[LiveNode, ...]  # every cluster node but the BIG-IPs' own Node objects
    unread_kinds: dict[str, str]  # {kind: why} for kinds that could not be read


def read_each(read_one: Callable[[KubeSession, _T], _T | None]) -> Callable[[KubeSession, Sequence[_T]], list[_T]]:
    """A kind's reader (ClusterKind.read) from a reader of one desired object (None: absent)."""

    def read(session: KubeSession, desired: Sequence[_T]) -> list[_T]:
        return [found for wanted in desired if (found := read_one(session, wanted)) is not None]

    return read


def cluster_kinds() -> tuple[ClusterKind, ...]:
    """How each cluster object kind is read: those of every mode, then each registered mode's own."""
    from ..integrations import ClusterKind, integrations  # (the registry's mode packages import this module)

    generic = (
        ClusterKind(CisController, read=read_each(_cis_controller)),
        ClusterKind(As3ConfigMap, read=read_each(_as3_configmap)),
        ClusterKind(BirdConfig, unread="BIRD configuration lives on each node; it is not readable through the Kubernetes API"),
        ClusterKind(BgpAnnouncement, unread="what each node announces lives in its BGP speaker; the Kubernetes API does not hold it"),
        ClusterKind(
            BgpSession, unread="BGP sessions are configured on the peers (switches, BIG-IP imish); the Kubernetes API does not hold them"
        ),
        ClusterKind(CisRoute, read=_read_cis_routes),
    )
    return generic + tuple(kind for i in integrations() for kind in i.cluster_kinds)


def read_cluster_state(session: KubeSession, desired: ClusterState, bigip_names: tuple[str, ...] = ()) -> ClusterReading:
    """The live counterpart of `desired`; `bigip_names` are Node objects that stand for BIG-IPs, not nodes."""
    items: list[object] = []  # ClusterState.items: objects of the kinds in state.cluster.object_kinds()
    unread: dict[str, str] = {}
    from_nodes: dict[str, tuple[ClusterKind, object]] = {}  # node name -> (kind, desired object) of kinds that are Nodes
    for kind in cluster_kinds():
        wanted = desired.of_kind(kind.cls)
        if not wanted:
            continue
        if kind.read is not None:
            try:
                items += kind.read(session, wanted)
            except KindUnread as exc:  # e.g. RBAC denies reading Secrets: say so, do not fail the whole diff
                unread[kind.cls.kind] = exc.why
        elif kind.read_node is not None:
            from_nodes.update({obj.name: (kind, obj) for obj in wanted})
        else:
            unread[kind.cls.kind] = kind.unread
    path = "/api/v1/nodes"
    standing_for_bigips = set(bigip_names) | set(from_nodes)
    nodes = []
    for document in session.list(path):
        name = session.convert(f"GET {path}: a node", _name, document)
        if name in from_nodes:
            kind, wanted_object = from_nodes[name]
            assert kind.read_node is not None
            items.append(session.convert(f"GET {path}: node {name}", kind.read_node, document, wanted_object))
        if name not in standing_for_bigips:
            nodes.append(session.convert(f"GET {path}: node {name}", live_node, document))
    nodes.sort(key=lambda n: n.name)
    expected = tuple(ExpectedNode(n.name, n.ip or "", n.pod_cidr) for n in nodes)
    return ClusterReading(ClusterState(desired.name, tuple(items), expected), tuple(nodes), unread)
