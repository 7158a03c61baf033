"""Follow-up actions a diff implies, in the order to do them.

The order is the one that never leaves traffic pointing at something that does not exist
yet: each BIG-IP first (tunnel profile and tunnel before the self IP, routes and FDB records
that use it) and its configuration saved, then the cluster side (the cilium-config VTEP keys
name the BIG-IP's tunnel endpoint and MAC), then the restarts that make Cilium read it.
"""

from __future__ import annotations

import dataclasses

from ..integrations import integrations
from ..state.cluster import ClusterState, ExpectedNode
from .records import BIGIP_TARGET, CLUSTER_TARGET, TUNNEL_MAC_KIND, Action, Change, FollowUp, TargetDiff

# Changes fixed in the topology, not applied to a device or the cluster.
TOPOLOGY_SIDE_KINDS = frozenset({ExpectedNode.kind, TUNNEL_MAC_KIND})


# Node names listed in one follow-up before "and N more".
NAMES_LISTED = 10


def _names(changes: list[Change]) -> str:
    names = [c.name for c in changes]
    listed = ", ".join(names[:NAMES_LISTED])
    return listed + (f" and {len(names) - NAMES_LISTED} more" if len(names) > NAMES_LISTED else "")


def _node_follow_ups(target: str, changes: list[Change]) -> list[FollowUp]:
    """One follow-up per kind of node mismatch, however many nodes: drift is fixed in the topology."""
    by_action = {action: [c for c in changes if c.action is action] for action in Action}
    changed = list({c.name: c for c in by_action[Action.CHANGE]}.values())  # one per node, not per field
    steps = []
    if by_action[Action.REMOVE]:
        steps.append(
            FollowUp(
                0,
                target,
                f"add node(s) {_names(by_action[Action.REMOVE])} to cluster.nodes in the topology",
                "they joined the cluster but not the topology, so no BIG-IP has an FDB record or route for them",
                "vtepc discover TOPOLOGY",
            )
        )
    if by_action[Action.ADD]:
        steps.append(
            FollowUp(
                0,
                target,
                f"remove node(s) {_names(by_action[Action.ADD])} from cluster.nodes, or join them to the cluster",
                "the topology lists nodes the cluster does not have",
            )
        )
    if changed:
        steps.append(
            FollowUp(
                0,
                target,
                f"update node(s) {_names(changed)} in cluster.nodes to match the cluster",
                "their addresses differ between the topology and the cluster",
                "vtepc discover TOPOLOGY",
            )
        )
    return steps


def _tunnel_mac_follow_ups(target: str, changes: list[Change]) -> list[FollowUp]:
    return [
        FollowUp(
            0,
            target,
            f"set {c.origin} to the device's tunnel MAC {c.before}",
            "the topology states a MAC the tunnel does not have, so Cilium or flannel would send to the wrong MAC",
            "vtepc discover TOPOLOGY",
        )
        for c in changes
        if c.kind == TUNNEL_MAC_KIND
    ]


def derive_follow_ups(
    targets: list[TargetDiff], *, against_device: bool = True, desired_cluster: ClusterState | None = None
) -> list[FollowUp]:
    """`against_device` False (the topology at another revision): node and MAC differences are
    edits someone made on purpose, not drift to fix in the topology. `desired_cluster` (the desired
    cluster state) gives the modes' own steps (e.g. Cilium's helm upgrade, pinned to the chart the values are for)."""
    steps: list[FollowUp] = []
    for target in targets:
        if not target.target.startswith(BIGIP_TARGET + "/"):
            continue
        if against_device:
            steps.extend(_tunnel_mac_follow_ups(target.target, list(target.changes)))
        if any(c.kind not in TOPOLOGY_SIDE_KINDS for c in target.changes):
            steps.append(
                FollowUp(
                    0,
                    target.target,
                    "apply the BIG-IP changes in order: tunnel profile, tunnel, self IPs, routes, FDB records",
                    "the self IPs, routes and FDB records use the tunnel, which must exist first",
                )
            )
            steps.append(
                FollowUp(0, target.target, "save the running configuration", "so the change survives a reload", "tmsh save sys config")
            )
    for target in targets:
        if not target.target.startswith(CLUSTER_TARGET + "/"):
            continue
        applied = [c for c in target.changes if c.kind not in TOPOLOGY_SIDE_KINDS]
        if applied:
            steps.append(
                FollowUp(
                    0,
                    target.target,
                    "apply the Kubernetes changes (the kubernetes/ directory `vtepc build` writes)",
                    "after the BIG-IPs, so Cilium and CIS never point at a tunnel that is not configured yet",
                )
            )
        for mode in integrations():  # each mode's steps for its own object kinds
            steps.extend(mode.follow_ups(target.target, applied, desired_cluster))
        if against_device:
            steps.extend(_node_follow_ups(target.target, [c for c in target.changes if c.kind == ExpectedNode.kind]))
    return [dataclasses.replace(step, step=index) for index, step in enumerate(steps, start=1)]
