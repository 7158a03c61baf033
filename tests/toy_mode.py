"""A third integration mode that lives only in the test tree (tests/test_integrations.py).

It goes through vtepc.integrations.register alone: no file under vtepc/ knows it. Its cluster
section has one field of its own (`toyLabel`); its tunnels default to VNI 4242 with multipoint
flooding; it compiles one cluster object of its own kind (declared with how the live reader
treats it: not readable), has one check and one renderer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from pydantic import Field

from vtepc.checks import Context, Finding, check
from vtepc.diagnostics import INVALID_VALUE
from vtepc.integrations import ClusterContribution, ClusterKind, Integration, TunnelDefaults, cluster_as
from vtepc.model import ClusterBase, Node, Topology
from vtepc.render import renderer
from vtepc.state import DesiredState
from vtepc.state.bigip import BigipState

NAME = "toy"
TOY_VNI = 4242


class ToyCluster(ClusterBase):
    cni: Literal["toy"]
    toy_label: str = Field("plain", alias="toyLabel")
    nodes: list[Node] = Field(default_factory=list)


@dataclass(frozen=True)
class ToyConfig:
    kind: ClassVar[str] = "toy/config"
    name: str
    label: str
    endpoints: tuple[str, ...]
    origin: str = field(default="", compare=False)


def compile_cluster(topology: Topology, bigips: Mapping[str, BigipState]) -> ClusterContribution:
    endpoints = tuple(state.vtep.endpoint for state in bigips.values() if state.vtep is not None)
    return ClusterContribution(
        (ToyConfig(f"kube-system/{topology.cluster.name}", cluster_as(topology.cluster, ToyCluster).toy_label, endpoints, "cluster"),)
    )


@check(INVALID_VALUE, mode=NAME)
def toy_label_lower_case(ctx: Context) -> Iterator[Finding]:
    label = ctx.cluster_as(ToyCluster).toy_label
    if label != label.lower():
        yield Finding(INVALID_VALUE, ("cluster", "toyLabel"), f"toyLabel {label!r} must be lower case")


@renderer("toy-config")
def render_toy(state: DesiredState) -> dict[str, str]:
    return {
        f"toy/{config.name.replace('/', '-')}.txt": f"label {config.label}\nendpoints {' '.join(config.endpoints)}\n"
        for config in state.cluster.of_kind(ToyConfig)
    }


TOY = Integration(
    name=NAME,
    cluster_model=ToyCluster,
    tunnel_defaults=lambda cluster: TunnelDefaults(vni=TOY_VNI, flooding_type="multipoint"),
    node_vni=lambda cluster: TOY_VNI,
    compile_cluster=compile_cluster,
    tunnel_mac_consumer="toy agent's VTEP table",
    check_modules=(__name__,),
    renderer_modules=(__name__,),
    cluster_kinds=(ClusterKind(ToyConfig, unread="the toy agent keeps its VTEP table outside the Kubernetes API"),),
)
