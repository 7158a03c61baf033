"""The data types vtepc.api's commands take and return: what a diff compares against (LiveSource,
SnapshotSource, GitRefSource: Source) and the results of build --check, snapshot, discover and
apply. vtepc.api names them all (`api.LiveSource`); they live here so that a command that uses
none of them (`vtepc validate`, `vtepc build`) does not create them (a dataclass costs about a
millisecond of CPU to create) and vtepc.api imports this module when one is first asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from .build import TreeDifference
    from .discover import DiscoveredFacts, Edit
    from .live import HttpOptions, ObservedState, Progress, TlsOptions
    from .model import Topology
    from .plan import Plan
    from .plan.apply import ApplyReport


@dataclass(frozen=True)
class LiveSource:
    """The BIG-IPs (iControl REST) and the cluster (kubeconfig) as they are now."""

    bigip_urls: Mapping[str, str] = field(default_factory=dict)  # BIG-IP name -> URL; default its managementURL
    kubeconfig: Path | None = None
    context: str | None = None
    tls: "TlsOptions | None" = None  # BIG-IP TLS verification; None: the system's CAs
    http: "HttpOptions | None" = None  # timeouts, bounds, plain-http opt-in; None: the readers' defaults
    urls_from_ref: str | None = None  # take BIG-IP URLs from the topology at this git revision, refusing changed ones
    progress: "Progress | None" = None  # hears one line per target as it is read

    def bigip_urls_for(self, topology: Topology, topology_file: str | Path) -> Mapping[str, str]:
        """--bigip first, then (with urls_from_ref) the URLs the base revision names, else managementURL."""
        if self.urls_from_ref is None:
            return self.bigip_urls
        from .live import pinned_bigip_urls

        return pinned_bigip_urls(topology, Path(topology_file), self.urls_from_ref, self.bigip_urls)

    def reader_options(self, topology: Topology, topology_file: str | Path) -> dict[str, Any]:
        """The keyword arguments every live reader takes (read_observed_state, discover_facts)."""
        return {
            "bigip_urls": self.bigip_urls_for(topology, topology_file),
            "kubeconfig": self.kubeconfig,
            "context": self.context,
            "bigip_tls": self.tls_options(),
            "http": self.http_options(),
            "progress": self.progress,
        }

    def tls_options(self) -> "TlsOptions":
        from .live import TlsOptions

        return self.tls if self.tls is not None else TlsOptions()

    def http_options(self) -> "HttpOptions":
        from .live import HttpOptions

        return self.http if self.http is not None else HttpOptions()


@dataclass(frozen=True)
class SnapshotSource:
    """State recorded earlier by `snapshot` (no device access)."""

    directory: Path


@dataclass(frozen=True)
class GitRefSource:
    """The same topology file at another git revision, compiled (no device access)."""

    ref: str


Source = Union[LiveSource, SnapshotSource, GitRefSource]


@dataclass(frozen=True)
class OutputCheck:
    """`build --check`: how a committed output directory differs from a fresh build."""

    topology: str  # what was built, for the hint
    output: Path
    artifacts: Mapping[str, str]
    difference: "TreeDifference"

    @property
    def stale(self) -> bool:
        return self.difference.stale

    @property
    def message(self) -> str:
        if not self.stale:
            return f"{self.output} is up to date ({len(self.artifacts)} files)"
        d = self.difference
        return (
            f"{self.output} is stale: {len(d.changed)} changed, {len(d.added)} missing, {len(d.removed)} extra; "
            f"run: vtepc build {self.topology} -o {self.output}"
        )


@dataclass(frozen=True)
class SnapshotResult:
    observed: "ObservedState"
    written: list[str]  # files written, the index included

    @property
    def targets(self) -> int:
        return len(self.written) - 1


@dataclass(frozen=True)
class DiscoverResult:
    facts: "DiscoveredFacts"
    before: str  # the topology text as read
    edit: "Edit"  # the text with the discovered values, and one line per changed value
    written: bool  # the file was replaced

    def unified_diff(self, file: str) -> str:
        from .discover import unified_diff

        return unified_diff(self.before, self.edit.text, file)


@dataclass(frozen=True)
class ApplyResult:
    plan: "Plan"
    report: "ApplyReport | None"  # None: nothing to do, or declined
    declined: bool = False
