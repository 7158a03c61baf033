"""Every registered code has a test that makes the validator report it."""

from vtepc.checks import CHECKS, all_codes
from vtepc.fleet.checks import FLEET_CHECKS

from . import (
    test_checks_addressing,
    test_checks_bigip,
    test_checks_cilium,
    test_checks_cis,
    test_checks_flannel,
    test_checks_reachability,
    test_checks_ha,
    test_checks_routing,
    test_checks_services,
    test_checks_static,
    test_checks_syntax,
    test_checks_versions,
    test_fleet,
)
from .test_loader import LOADER_CASES
from .test_validate_all_at_once import SCHEMA_CASES

CASE_MODULES = [
    test_checks_syntax,
    test_checks_addressing,
    test_checks_cilium,
    test_checks_flannel,
    test_checks_routing,
    test_checks_versions,
    test_checks_ha,
    test_checks_services,
    test_checks_cis,
    test_checks_reachability,
    test_checks_bigip,
    test_checks_static,
]


def codes_with_cases() -> set[str]:
    codes = {case.code for module in CASE_MODULES for case in module.CASES}
    codes |= {case[0] for case in LOADER_CASES}
    codes |= {case[0] for case in SCHEMA_CASES}
    codes |= test_fleet.COVERED
    return codes


def test_every_code_is_exercised():
    missing = sorted(set(all_codes()) - codes_with_cases())
    assert not missing, f"codes without a test case: {missing}"


# The check module each test module covers, where it is not vtepc.checks.<area>: a mode's own checks.
CHECK_MODULE = {
    "cilium": "vtepc.integrations.cilium.checks",
    "versions": "vtepc.integrations.cilium.version_checks",
    "flannel": "vtepc.integrations.flannel.checks",
    "static": "vtepc.checks.static_routing",
}


def test_each_check_module_tests_its_own_codes():
    for module in CASE_MODULES:
        area = module.__name__.rsplit("_", 1)[-1]
        check_module = CHECK_MODULE.get(area, f"vtepc.checks.{area}")
        declared = {code for c in CHECKS if c.run.__module__ == check_module for code in c.codes}
        assert declared, check_module
        assert declared <= {case.code for case in module.CASES}, area


def test_every_code_is_declared_by_a_check_or_the_loader():
    declared = {code for c in [*CHECKS, *FLEET_CHECKS] for code in c.codes}
    assert {c for c in all_codes() if c >= "VTEP100"} == declared
