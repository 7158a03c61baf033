"""User ignore rules (`vtepc diff --ignore-file FILE`): changes a team has decided not to see.

The file is a YAML list of rules; a change is dropped when every key a rule gives matches it:

    # ignore-rules.yaml
    - target: "bigip/*"          # glob on the target: bigip/<name> or cluster/<name>
      kind: net/route            # the object kind as the diff prints it (or a glob)
      name: "vtepc-*"            # glob on the object name
    - kind: Deployment
      name: kube-system/k8s-bigip-ctlr-*
      field: image               # glob on the field path; also drops everything below it

Keys left out match anything; a rule must give at least one key. A rule with `field` only
drops field-level changes, never a whole object being added or removed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from ..diagnostics import VtepcError
from .records import Change, TargetDiff

RULE_KEYS = ("target", "kind", "name", "field")


class IgnoreFileInvalid(VtepcError):
    """The ignore file cannot be read or is not a list of rules."""


@dataclass(frozen=True)
class IgnoreRule:
    target: str | None = None
    kind: str | None = None
    name: str | None = None
    field: str | None = None

    def matches(self, change: Change) -> bool:
        if self.target is not None and not fnmatchcase(change.target, self.target):
            return False
        if self.kind is not None and not fnmatchcase(change.kind, self.kind):
            return False
        if self.name is not None and not fnmatchcase(change.name, self.name):
            return False
        if self.field is not None:
            return bool(change.field) and _field_matches(change.field, self.field)
        return True


def _field_matches(path: str, pattern: str) -> bool:
    """The field itself, or anything below it (data matches data.vtep-mac and data["a/b"])."""
    if fnmatchcase(path, pattern):
        return True
    return any(path.startswith(prefix) and fnmatchcase(path[: len(prefix) - 1], pattern) for prefix in _parent_prefixes(path))


def _parent_prefixes(path: str) -> list[str]:
    """'a.b["c"]' -> ['a.', 'a.b[']: each parent path followed by its separator."""
    return [path[: i + 1] for i, char in enumerate(path) if char in ".["]


def parse_ignore_rules(data: object, file: str) -> list[IgnoreRule]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise IgnoreFileInvalid(f"{file}: expected a YAML list of rules, got {type(data).__name__}")
    rules = []
    for index, item in enumerate(data):
        where = f"{file}: rule {index + 1}"
        if not isinstance(item, dict):
            raise IgnoreFileInvalid(f"{where}: expected a mapping with some of {', '.join(RULE_KEYS)}")
        unknown = sorted(str(k) for k in item if k not in RULE_KEYS)
        if unknown:
            raise IgnoreFileInvalid(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(RULE_KEYS)}")
        if not item:
            raise IgnoreFileInvalid(f"{where}: empty rule would ignore every change; give at least one of {', '.join(RULE_KEYS)}")
        bad = [k for k, v in item.items() if not isinstance(v, str) or not v]
        if bad:
            raise IgnoreFileInvalid(f"{where}: {', '.join(bad)} must be a non-empty string")
        rules.append(IgnoreRule(**item))
    return rules


def load_ignore_rules(path: str | Path) -> list[IgnoreRule]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IgnoreFileInvalid(f"{path}: cannot read ignore file: {exc}") from None
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise IgnoreFileInvalid(f"{where}: YAML syntax error in ignore file: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:
        raise IgnoreFileInvalid(f"{path}: the ignore file is nested too deeply") from None
    return parse_ignore_rules(data, str(path))


def apply_ignore_rules(targets: list[TargetDiff], rules: list[IgnoreRule]) -> tuple[list[TargetDiff], int]:
    """The targets without the ignored changes, and how many were dropped."""
    if not rules:
        return targets, 0
    kept_targets, ignored = [], 0
    for target in targets:
        kept = tuple(c for c in target.changes if not any(rule.matches(c) for rule in rules))
        ignored += len(target.changes) - len(kept)
        kept_targets.append(dataclasses.replace(target, changes=kept))
    return kept_targets, ignored
