"""`build` compiles the desired state once: the reachability check in validation compiles it to
walk it, and the renderers get that same object (ValidationReport.desired_state)."""

from __future__ import annotations

import pytest

import vtepc.state
from vtepc import api
from vtepc.render import render_all

from .conftest import EXAMPLES


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_build_compiles_the_desired_state_once(monkeypatch, example):
    compiled = []
    compile_desired_state = vtepc.state.compile_desired_state

    def counting(topology):
        compiled.append(compile_desired_state(topology))
        return compiled[-1]

    monkeypatch.setattr(vtepc.state, "compile_desired_state", counting)
    artifacts, report = api.build(EXAMPLES / example)
    assert len(compiled) == 1
    assert report.desired_state is compiled[0]
    monkeypatch.undo()
    fresh = render_all(vtepc.state.compile_desired_state(report.topology))
    assert {path: artifacts[path] for path in fresh} == fresh  # the shared state renders as a fresh compile does
