"""Follow-up actions a diff implies, in the order to do them.

The order is the one that never leaves traffic pointing at something that does not exist
yet: each BIG-IP first (tunnel profile and tunnel before the self IP, routes and FDB records
that use it) and its configuration saved, then the cluster side (the cilium-config VTEP keys
name the BIG-IP's tunnel endpoint and MAC), then the restarts that make Cilium read it.
"""
from __future__ import annotations

import dataclasses

from .records import BIGIP_TARGET, CLUSTER_TARGET, Action, Change, FollowUp, TargetDiff

# The cilium-config ConfigMap, named as the cluster state names it; agents read it only at start.
CILIUM_CONFIG_KIND = "ConfigMap"
CILIUM_CONFIG_NAME = "cilium-config"
CILIUM_NAMESPACE = "kube-system"
# The cluster's own Nodes, as the topology lists them (cluster.nodes) and the live reader sees them.
CLUSTER_NODE_KIND = "ClusterNode"


def _short_name(name: str) -> tuple[str, str]:
    """'kube-system/cilium-config' -> ('kube-system', 'cilium-config'); no namespace -> ('', name)."""
    namespace, _, short = name.rpartition("/")
    return namespace, short


def _is_cilium_config(change: Change) -> bool:
    return change.kind == CILIUM_CONFIG_KIND and _short_name(change.name)[1] == CILIUM_CONFIG_NAME


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
        steps.append(FollowUp(0, target, f"add node(s) {_names(by_action[Action.REMOVE])} to cluster.nodes in the topology",
                              "they joined the cluster but not the topology, so no BIG-IP has an FDB record or route for them",
                              "vtepc discover TOPOLOGY"))
    if by_action[Action.ADD]:
        steps.append(FollowUp(0, target, f"remove node(s) {_names(by_action[Action.ADD])} from cluster.nodes, or join them to the cluster",
                              "the topology lists nodes the cluster does not have"))
    if changed:
        steps.append(FollowUp(0, target, f"update node(s) {_names(changed)} in cluster.nodes to match the cluster",
                              "their addresses differ between the topology and the cluster", "vtepc discover TOPOLOGY"))
    return steps


def derive_follow_ups(targets: list[TargetDiff]) -> list[FollowUp]:
    steps: list[FollowUp] = []
    for target in targets:
        if target.target.startswith(BIGIP_TARGET + "/") and target.changes:
            steps.append(FollowUp(0, target.target, "apply the BIG-IP changes in order: tunnel profile, tunnel, self IPs, routes, FDB records",
                                  "the self IPs, routes and FDB records use the tunnel, which must exist first"))
            steps.append(FollowUp(0, target.target, "save the running configuration",
                                  "so the change survives a reload", "tmsh save sys config"))
    for target in targets:
        if not target.target.startswith(CLUSTER_TARGET + "/"):
            continue
        applied = [c for c in target.changes if c.kind != CLUSTER_NODE_KIND]
        if applied:
            steps.append(FollowUp(0, target.target, "apply the Kubernetes changes (the kubernetes/ directory `vtepc build` writes)",
                                  "after the BIG-IPs, so Cilium and CIS never point at a tunnel that is not configured yet"))
        cilium_config = next((c for c in applied if _is_cilium_config(c)), None)
        if cilium_config is not None:
            namespace = _short_name(cilium_config.name)[0] or CILIUM_NAMESPACE
            steps.append(FollowUp(0, target.target, "restart the Cilium agents", "they read cilium-config only when they start",
                                  f"kubectl -n {namespace} rollout restart ds/cilium"))
        steps.extend(_node_follow_ups(target.target, [c for c in target.changes if c.kind == CLUSTER_NODE_KIND]))
    return [dataclasses.replace(step, step=index) for index, step in enumerate(steps, start=1)]
