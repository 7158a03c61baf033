"""Golden files: every example x every artifact, byte for byte.

Goldens change only through `pytest tests/test_golden.py --update-goldens`; review the git diff.
"""

import shutil

import pytest

from vtepc import api

from .conftest import EXAMPLE_FILES, GOLDEN


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_artifacts_match_goldens(example, update_goldens):
    artifacts, _ = api.build(example)
    golden_dir = GOLDEN / example.stem
    if update_goldens:
        shutil.rmtree(golden_dir, ignore_errors=True)
        for path, text in artifacts.items():
            target = golden_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return
    expected = {p.relative_to(golden_dir).as_posix(): p.read_text(encoding="utf-8") for p in golden_dir.rglob("*") if p.is_file()}
    assert sorted(artifacts) == sorted(expected), "artifact set differs from goldens (run with --update-goldens and review)"
    for path, text in artifacts.items():
        assert text == expected[path], f"{example.stem}/{path} differs from its golden file"
