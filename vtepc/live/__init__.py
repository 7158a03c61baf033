"""Live readers: what the BIG-IPs and the cluster really have, as the same state types the compiler builds.

Public API (stable; `vtepc diff`, `vtepc snapshot` and `vtepc discover` are built on it):

    from vtepc.live import read_observed_state, read_bigip, read_cluster, ObservedState

    observed = read_observed_state(topology)            # every BIG-IP and the cluster
    observed.bigips["bigip-1"]                          # BigipState, read from the device
    observed.cluster                                    # ClusterState (nodes: every cluster node)
    observed.unread_kinds                               # {kind: why}: pass to diff_states(unread_kinds=)

    read_observed_state(topology, *, desired=None, bigip_urls=None, kubeconfig=None, context=None,
                        bigip_tls=TlsOptions(), http=HttpOptions(), environ=None, strict=True, progress=None)
        Reads each BIG-IP (URL from `bigip_urls[name]`, else its managementURL) and the cluster
        (kubeconfig/context as kubectl picks them). Every target is attempted; with
        strict=True (the default) any failure raises a LiveError naming every target that
        failed, so a partial state is never mistaken for a complete one. strict=False returns
        what could be read, with one line per failure in `errors`. `progress(line, final)` hears
        about each target: "reading <target>" (final False) when its reading starts, then
        "<target>: N objects" or "<target>: failed" (final True).
    pinned_bigip_urls(topology, topology_file, ref, bigip_urls) -> {name: URL}
        Every BIG-IP's URL as the topology at git revision `ref` names it (--urls-from-ref):
        a BIG-IP whose managementURL the working copy changed or added is refused, so a pull
        request cannot send the credentials to a host its base branch did not name.
    read_bigip(name, url, desired: BigipState, *, tls, http, environ) -> BigipState
    read_cluster(kube: KubeOptions, desired: ClusterState, bigip_names=()) -> ClusterReading
        (.state: ClusterState, .nodes: LiveNode details for discover, .unread_kinds)

Read-only: GET requests only, plus the BIG-IP token login. Credentials: environment only
(VTEPC_BIGIP_[<NAME>_]USERNAME / PASSWORD / PASSWORD_FILE; the kubeconfig's token or client
certificate); never argv, never the topology, never in errors, logs or returned state.
Errors are LiveError subclasses (vtepc.live.http): CredentialsMissing, ConfigurationError,
ConnectionFailed, TlsVerifyFailed, RequestTimedOut, AuthFailed, Forbidden, HttpStatusError,
BadResponse; every message is one line naming the target.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from .http import HttpOptions, LiveError, TlsOptions, display_url

if TYPE_CHECKING:
    from ..model import ResolvedTopology, Topology
    from ..state import DesiredState
    from ..state.bigip import BigipState, Route
    from ..state.cluster import ClusterState
    from .kube import ClusterReading, KubeOptions

__all__ = [
    "HttpOptions",
    "LiveError",
    "ObservedState",
    "TlsOptions",
    "read_bigip",
    "read_cluster",
    "pinned_bigip_urls",
    "read_observed_state",
]

Progress = Callable[[str, bool], None]


class ProgressReporter:
    """Start and end lines of each target's reading for a Progress callback (or nothing without one)."""

    def __init__(self, progress: Progress | None):
        self._progress = progress

    def start(self, target: str) -> None:
        if self._progress:
            self._progress(f"reading {target}", False)

    def done(self, target: str, objects: int | None) -> None:
        if self._progress:
            self._progress(f"{target}: " + ("failed" if objects is None else f"{objects} objects"), True)


@dataclass(frozen=True)
class ObservedState:
    """What the readers (or a snapshot) saw: the observed side of `vtepc diff`."""

    bigips: dict[str, "BigipState"]  # by BIG-IP name, topology order
    cluster: "ClusterState | None"
    unread_kinds: dict[str, str] = field(default_factory=dict)  # {kind: why it could not be read}
    errors: tuple[str, ...] = ()  # one line per target that could not be read (strict=False only)

    @property
    def complete(self) -> bool:
        return not self.errors


def read_bigip(
    name: str,
    url: str,
    desired: "BigipState",
    *,
    tls: TlsOptions = TlsOptions(),
    http: HttpOptions = HttpOptions(),
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> "BigipState":
    from .bigip import BigipSession, bigip_credentials, read_bigip_state

    session = BigipSession(name, url, bigip_credentials(name, environ), tls, http, sleep=sleep)
    return read_bigip_state(session, desired)


def read_cis_routes(
    name: str,
    url: str,
    partition: str,
    *,
    tls: TlsOptions = TlsOptions(),
    http: HttpOptions = HttpOptions(),
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> "list[Route]":
    """routing: static: the routes CIS keeps on this BIG-IP in `partition` (vtepc.state.static_routes)."""
    from .bigip import BigipSession, bigip_credentials
    from .bigip import read_cis_routes as read_routes

    session = BigipSession(name, url, bigip_credentials(name, environ), tls, http, sleep=sleep)
    return read_routes(session, partition)


def read_cluster(
    kube: "KubeOptions",
    desired: "ClusterState",
    bigip_names: tuple[str, ...] = (),
    *,
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> "ClusterReading":
    from .kube import KubeSession, read_cluster_state, resolve_kubeconfig

    session = KubeSession(resolve_kubeconfig(kube, environ), kube.http, sleep=sleep)
    return read_cluster_state(session, desired, bigip_names)


def bigip_url(topology: "Topology", name: str, bigip_urls: Mapping[str, str] | None) -> str:
    """--bigip NAME=URL, else the topology's managementURL; ConfigurationError when neither is there."""
    from .http import ConfigurationError

    index = next(i for i, b in enumerate(topology.bigips) if b.name == name)
    url = (bigip_urls or {}).get(name) or topology.bigips[index].management_url
    if not url:
        raise ConfigurationError(f"{name}: no URL; set bigips[{index}].managementURL or pass --bigip {name}=URL")
    return url


def pinned_bigip_urls(topology: "Topology", topology_file: Path, ref: str, bigip_urls: Mapping[str, str] | None = None) -> dict[str, str]:
    """{name: URL} for every BIG-IP: --bigip first, else the managementURL the topology at `ref` gives it.

    The working copy's managementURL must be the one at `ref`: a pull request that points a
    BIG-IP somewhere else (or adds one) is refused before anything is sent. The file at `ref`
    is only parsed, not validated: a base that no longer validates still names its hosts.
    """
    from ..diagnostics import TopologyInvalid
    from ..diff.sources import topology_at_ref
    from ..loader import load_text
    from .http import ConfigurationError

    source, label = topology_at_ref(topology_file, ref)
    try:
        data = load_text(source, label).data
    except TopologyInvalid:
        raise ConfigurationError(f"--urls-from-ref {ref}: {label} is not readable YAML; cannot tell which hosts it names") from None
    listed = data.get("bigips") if isinstance(data, dict) else None
    base = {b.get("name"): b.get("managementURL") for b in listed or [] if isinstance(b, dict)}
    urls = dict(bigip_urls or {})
    for index, bigip in enumerate(topology.bigips):
        if bigip.name in urls:
            continue  # given on the command line: the pipeline's choice, not the pull request's
        pinned = base.get(bigip.name)
        if not isinstance(pinned, str) or not pinned:
            raise ConfigurationError(
                f"{bigip.name}: {label} names no managementURL for it; refusing to send credentials to a host "
                f"the base revision did not name (pass --bigip {bigip.name}=URL to choose one)"
            )
        if bigip.management_url and bigip.management_url != pinned:
            raise ConfigurationError(
                f"{bigip.name}: bigips[{index}].managementURL differs from {label} ({display_url(pinned)}); "
                "refusing to send credentials to a host the base revision did not name"
            )
        urls[bigip.name] = pinned
    return urls


def check_bigip_names(topology: "Topology", bigip_urls: Mapping[str, str] | None) -> None:
    from .http import ConfigurationError

    known = {b.name for b in topology.bigips}
    unknown = sorted(set(bigip_urls or {}) - known)
    if unknown:
        raise ConfigurationError(f"--bigip {unknown[0]}: no such BIG-IP in the topology (it has {', '.join(sorted(known))})")


def read_observed_state(
    topology: "ResolvedTopology",
    *,
    desired: "DesiredState | None" = None,
    bigip_urls: Mapping[str, str] | None = None,
    kubeconfig: Path | None = None,
    context: str | None = None,
    bigip_tls: TlsOptions = TlsOptions(),
    http: HttpOptions = HttpOptions(),
    environ: Mapping[str, str] | None = None,
    strict: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress | None = None,
) -> ObservedState:
    from ..state import compile_desired_state
    from ..state.static_routes import CisRoute, with_device_routes
    from .kube import KubeOptions

    check_bigip_names(topology, bigip_urls)
    desired = desired if desired is not None else compile_desired_state(topology)
    errors: list[LiveError] = []
    bigips = {}
    # routing: static: the partition each BIG-IP's CIS keeps its routes in, read with the BIG-IP.
    cis_partitions = {r.bigip: r.partition for r in desired.cluster.of_kind(CisRoute)}
    cis_routes: dict[str, list[Route]] = {}
    report = ProgressReporter(progress)
    for name, desired_bigip in desired.bigips.items():
        target = f"bigip/{name}"
        try:
            url = bigip_url(topology, name, bigip_urls)
            target += f" ({display_url(url)})"
            report.start(target)
            bigips[name] = read_bigip(name, url, desired_bigip, tls=bigip_tls, http=http, environ=environ, sleep=sleep)
            if name in cis_partitions:
                routes = read_cis_routes(name, url, cis_partitions[name], tls=bigip_tls, http=http, environ=environ, sleep=sleep)
                cis_routes[name] = routes
            report.done(target, len(bigips[name].items) + len(cis_routes.get(name, ())))
        except LiveError as exc:
            report.done(target, None)
            errors.append(exc)
    cluster, unread = None, {}
    target = f"cluster/{desired.cluster.name}"
    try:
        report.start(target)
        reading = read_cluster(KubeOptions(kubeconfig, context, http), desired.cluster, tuple(desired.bigips), environ=environ, sleep=sleep)
        cluster, unread = reading.state, reading.unread_kinds
        report.done(target, len(reading.state.items) + len(reading.nodes))
    except LiveError as exc:
        report.done(target, None)
        errors.append(exc)
    if cluster is not None:
        cluster = with_device_routes(cluster, cis_routes)
    if errors and strict:
        if len(errors) == 1:
            raise errors[0]
        raise LiveError(f"{len(errors)} targets could not be read: " + "; ".join(str(e) for e in errors))
    return ObservedState(bigips, cluster, unread, tuple(str(e) for e in errors))
