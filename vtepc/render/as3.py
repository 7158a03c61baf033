"""bigip/<bigip>/as3.json: the AS3 request for the services that target this BIG-IP.

The declaration itself is built in state/as3.py (shared with the CIS ConfigMap); this module
only serializes it, and writes nothing for a BIG-IP without services.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from . import renderer

if TYPE_CHECKING:
    from ..state import DesiredState


@renderer("bigip-as3")
def render(state: "DesiredState") -> dict[str, str]:
    return {
        f"bigip/{name}/as3.json": json.dumps(s.as3, indent=2, sort_keys=True) + "\n"
        for name, s in state.bigips.items()
        if s.as3 is not None
    }
