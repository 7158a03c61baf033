"""Reachability: a packet-level model of the BIG-IP <-> pod datapaths, computed from state.

`trace(...)` walks one flow (BIG-IP -> pod) and its reply hop by hop; `unreachable(...)` checks
every BIG-IP unit (each unit of an HA pair as the active one) against every node's pod CIDR,
grouping nodes whose decisions are the same so the check stays cheap at thousands of nodes.
The model reads BigipState and ClusterState (vtepc.state), so desired and observed state are
walked the same way; docs/trace.md lists its sources and what it does not model.
"""

from .model import Fabric, Hop, Scenario, Trace, unreachable

__all__ = ["Fabric", "Hop", "Scenario", "Trace", "unreachable"]
