"""The product contract's own annotated topology (../shared/spec/topology-v1.yaml) validates and builds."""

from vtepc import api

from .conftest import SHARED, require_oracle


def test_spec_topology_builds_with_cis_only_where_a_management_url_exists():
    spec = require_oracle(SHARED / "spec" / "topology-v1.yaml")
    artifacts, report = api.build(spec)
    assert report.ok
    assert {d.code for d in report.warnings} >= {"VTEP804"}  # bigip-2 has no managementURL
    assert "kubernetes/cis-bigip-1.yaml" in artifacts
    assert "kubernetes/cis-bigip-2.yaml" not in artifacts
    kustomization = artifacts["kubernetes/kustomization.yaml"]
    assert "Left out: CIS for bigip-2" in kustomization
    assert "CIS for bigip-2" not in artifacts["kubernetes/cilium-values.yaml"]
    # The HA unit's VTEP endpoint is its floating underlay address, the second BIG-IP's its own.
    assert 'endpoint: "10.169.72.40 10.169.72.36"' in artifacts["kubernetes/cilium-values.yaml"]
