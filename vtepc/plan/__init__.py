"""Plan and apply: the BIG-IP changes from the live state to the desired state, and carrying them out.

    from vtepc import api
    plan = api.plan("topology.yaml")              # vtepc.plan.Plan, per device; reads only
    print(format_text(plan))                      # what `vtepc plan` shows
    api.apply("topology.yaml", saved=plan)        # one transaction per device, save, sync, verify

- `model`: the pure plan computation (states and what was read in, a Plan out), its JSON form,
  ownership and fingerprints;
- `rest`: each step as iControl REST calls (the REST target's table keyed by kind);
- `formats`: the plan as text and as tmsh commands (`vtepc diff --format tmsh`);
- `apply`: the only writer to a BIG-IP: re-read, refuse a changed device, transaction, save,
  config sync, verify.
"""

from __future__ import annotations

from .formats import format_text, format_tmsh
from .model import Action, DevicePlan, HaRole, Plan, PlanError, Step, compute_plan, ownership_marker

__all__ = [
    "Action",
    "DevicePlan",
    "HaRole",
    "Plan",
    "PlanError",
    "Step",
    "compute_plan",
    "format_text",
    "format_tmsh",
    "ownership_marker",
]
