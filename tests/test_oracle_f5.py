"""Oracle: every DO and AS3 artifact of every example validates against F5's official schemas.

The schemas (../shared/oracles/f5, see SOURCES.md there) are draft-07 and use F5's custom
formats and keywords, defined in F5's JavaScript (not copied). The stand-ins below check the
syntax those formats are documented to accept, so a malformed address still fails; the
custom keywords drive F5's post-processing and validate nothing, so they are no-ops here.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
import re
from functools import lru_cache

import pytest
from jsonschema import Draft7Validator, FormatChecker, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from vtepc import api

from .conftest import EXAMPLE_FILES, ORACLES, require_oracle

pytestmark = pytest.mark.oracle

DO_DIR = ORACLES / "f5" / "do"
AS3_SCHEMA = ORACLES / "f5" / "as3" / "as3-schema.json"
DO_FILES = ("analytics", "auth", "base", "definitions", "do", "dsc", "gslb", "network", "remote", "security", "system")

_ADDRESS = re.compile(r"^(?P<ip>[0-9A-Fa-f:.]+)(%(?P<rd>\d+))?(/(?P<prefix>\d+))?$")


def _f5ip(value: object, prefix: str = "optional") -> bool:
    """IPv4/IPv6 with optional %route-domain and /prefix (AS3/DO f5ip and ipWith*Prefix)."""
    if not isinstance(value, str):
        return True
    match = _ADDRESS.match(value)
    if not match:
        return False
    try:
        ip = ipaddress.ip_address(match["ip"])
    except ValueError:
        return False
    if match["prefix"] is None:
        return prefix != "required"
    return int(match["prefix"]) <= ip.max_prefixlen


def _base64(value: object) -> bool:
    try:
        base64.b64decode(value, validate=True) if isinstance(value, str) else None
    except ValueError:
        return False
    return True


def _printable(max_len: int):
    pattern = re.compile(r"^[^\x00-\x1f\x7f]{0,%d}$" % max_len)
    return lambda value: not isinstance(value, str) or bool(pattern.match(value))


def _format_checker(formats: dict) -> FormatChecker:
    checker = FormatChecker()
    for name, fn in formats.items():
        checker.checks(name)(fn)
    return checker


def _validator_class(keywords: tuple[str, ...]):
    return validators.extend(Draft7Validator, {k: (lambda validator, value, instance, schema: None) for k in keywords})


@lru_cache(maxsize=None)
def do_validator():
    schemas = {name: json.loads((require_oracle(DO_DIR / f"{name}.schema.json")).read_text()) for name in DO_FILES}
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7)) for schema in schemas.values()
    )
    formats = {
        "f5ip": _f5ip,
        "ipWithOptionalPrefix": _f5ip,
        "ipWithRequiredPrefix": lambda v: _f5ip(v, "required"),
        "f5base64": _base64,
        "f5label": _printable(64),
        "f5remark": _printable(64),
    }
    cls = _validator_class(("f5fetch", "f5modules"))
    return cls(schemas["do"], registry=registry, format_checker=_format_checker(formats))


@lru_cache(maxsize=None)
def as3_validator():
    schema = json.loads(require_oracle(AS3_SCHEMA).read_text())
    formats = {
        "f5ip": _f5ip,
        "f5bigip": lambda v: not isinstance(v, str) or v.startswith("/"),
        "f5pointer": lambda v: not isinstance(v, str) or bool(v),
    }
    return _validator_class(("f5PostProcess",))(schema, format_checker=_format_checker(formats))


def _errors(validator, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(instance)]


def _artifacts(suffix: str):
    out = []
    for example in EXAMPLE_FILES:
        artifacts, _ = api.build(example)
        out.extend((f"{example.stem}/{path}", json.loads(text)) for path, text in artifacts.items() if path.endswith(suffix))
    return out


DO_ARTIFACTS = _artifacts("/declarative-onboarding.json")
AS3_ARTIFACTS = _artifacts("/as3.json")


def test_every_bigip_has_a_do_declaration_and_services_an_as3_one():
    assert len(DO_ARTIFACTS) == sum(len(api.build(e)[1].topology.bigips) for e in EXAMPLE_FILES)
    assert AS3_ARTIFACTS, "no example with services produced as3.json"


@pytest.mark.parametrize("name,declaration", DO_ARTIFACTS, ids=[n for n, _ in DO_ARTIFACTS])
def test_do_declaration_validates_against_official_schema(name, declaration):
    assert _errors(do_validator(), declaration) == []


@pytest.mark.parametrize("name,declaration", AS3_ARTIFACTS, ids=[n for n, _ in AS3_ARTIFACTS])
def test_as3_declaration_validates_against_official_schema(name, declaration):
    assert _errors(as3_validator(), declaration) == []


def _first_of_class(tenant: dict, cls: str) -> dict:
    return next(v for v in tenant.values() if isinstance(v, dict) and v.get("class") == cls)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda common: _first_of_class(common, "Tunnel").update(tunnelType="ipip"),
        lambda common: _first_of_class(common, "SelfIp").update(address="10.1.6.300/24"),
        lambda common: _first_of_class(common, "SelfIp").pop("vlan"),
        lambda common: _first_of_class(common, "Route").update(gw="not-an-ip", target=None),
    ],
    ids=["unknown-tunnel-type", "bad-address", "self-ip-without-vlan", "bad-route"],
)
def test_broken_do_declaration_fails(breakage):
    declaration = copy.deepcopy(next(d for n, d in DO_ARTIFACTS if n.startswith("cilium-vxlan/")))
    breakage(declaration["Common"])
    assert _errors(do_validator(), declaration)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda app: _first_of_class(app, "Pool").update(loadBalancingMode="fastest-guess"),
        lambda app: _first_of_class(app, "Service_HTTP").update(virtualAddresses=["10.1.10.999"]),
        lambda app: _first_of_class(app, "Monitor").update(monitorType="telepathy"),
    ],
    ids=["bad-balance", "bad-virtual-address", "bad-monitor-type"],
)
def test_broken_as3_declaration_fails(breakage):
    declaration = copy.deepcopy(AS3_ARTIFACTS[0][1])
    adc = declaration["declaration"]
    tenant = next(v for v in adc.values() if isinstance(v, dict) and v.get("class") == "Tenant")
    breakage(next(v for v in tenant.values() if isinstance(v, dict) and v.get("class") == "Application"))
    assert _errors(as3_validator(), declaration)


def test_tcp_service_with_route_domain_validates():
    from vtepc.model import Service
    from vtepc.state.as3 import as3_declaration
    from vtepc.validate import load_topology

    from .conftest import EXAMPLES

    service = Service.model_validate(
        {
            "name": "7web",
            "service": "websvc",
            "servicePort": 8080,
            "virtualAddress": "10.169.72.100",
            "virtualPort": 80,
            "mode": "tcp",
            "monitor": {"type": "tcp", "interval": 5, "timeout": 16},
        }
    )
    topology = load_topology(EXAMPLES / "cilium-native-bgp.yaml")
    declaration = as3_declaration(topology, [service], route_domain=3)
    app = declaration["declaration"]["vtepc_cilium-native-bgp_app_7web"]["app_7web"]
    assert app["serviceMain"]["virtualAddresses"] == ["10.169.72.100%3"]
    assert _errors(as3_validator(), declaration) == []
