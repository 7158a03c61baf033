import pytest

from vtepc.integrations.cilium.versions import CiliumVersion, match_cilium_version

from .checks_support import Case, assert_case, case_id, example, validate

VERSION = '  ciliumVersion: "1.16.19"\n'


def version_case(code: str, version: str, **kw) -> Case:
    return Case(code, "cilium-vxlan", ((VERSION, f'  ciliumVersion: "{version}"\n'),), at="ciliumVersion", **kw)


CASES = [
    version_case("VTEP601", "latest"),
    version_case("VTEP602", "1.11.20"),
    version_case("VTEP603", "1.21.0"),
    version_case("VTEP604", "1.15.1"),
    version_case("VTEP605", "1.18.7"),
    version_case("VTEP605", "1.19.0", id="VTEP605-1.19.0"),
    version_case("VTEP605", "1.19.1", id="VTEP605-1.19.1"),
    Case("VTEP514", "cilium-bgp-control-plane-1-17", (('ciliumVersion: "1.17.18"', 'ciliumVersion: "1.15.19"'),), at="speaker:"),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_code(case):
    assert_case(case)


def with_version(version: str) -> set[str]:
    return {d.code for d in validate(example("cilium-vxlan").replace(VERSION, f'  ciliumVersion: "{version}"\n')).diagnostics}


@pytest.mark.parametrize(
    "version", ["1.12.0", "1.15.2", "1.16.19", "1.17.18", "1.18.6", "1.18.8", "1.18.12", "1.19.2", "1.19.6", "1.20.0", "v1.14.3", "1.13"]
)
def test_good_releases_are_clean(version):
    assert not {c for c in with_version(version) if c.startswith("VTEP6")}


def test_unsupported_release_explains_the_old_policy_requirement():
    report = validate(example("cilium-vxlan").replace(VERSION, '  ciliumVersion: "1.10.5"\n'))
    (diag,) = [d for d in report.diagnostics if d.code == "VTEP602"]
    assert "policyEnforcementMode: never" in diag.message and "17694" in diag.message


def test_broken_release_warnings_cite_the_upstream_issue():
    report = validate(example("cilium-vxlan").replace(VERSION, '  ciliumVersion: "1.15.0"\n'))
    (diag,) = [d for d in report.diagnostics if d.code == "VTEP604"]
    assert "31023" in diag.message and not diag.is_error


def test_vtep_release_lints_skip_native_routing():
    text = example("cilium-native-bgp").replace('ciliumVersion: "1.16.19"', 'ciliumVersion: "1.15.1"')
    assert "VTEP604" not in {d.code for d in validate(text).diagnostics}


def test_parse_version():
    assert match_cilium_version("1.16.19") == CiliumVersion(1, 16, 19)
    assert match_cilium_version("v1.19.0-rc.1") == CiliumVersion(1, 19, 0)
    assert match_cilium_version("1.16") == CiliumVersion(1, 16, 0)
    assert match_cilium_version("1.x") is None
