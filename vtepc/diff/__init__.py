"""`vtepc diff` as a library: compare two states, get typed changes and follow-up actions.

    from vtepc.diff import diff_states, format_text
    result = diff_states(desired, observed)   # change.before: observed, change.after: desired
    print(format_text(result))

Pieces: engine (states -> DiffResult), records (Change, TargetDiff, FollowUp, DiffResult),
ignore (user ignore rules), secrets (masking), followups (what to do after applying),
formats (text, markdown, json), sources (the topology at another git revision).
"""

from .engine import SERVER_MANAGED_FIELDS, diff_states
from .formats import format_json, format_json_error, format_markdown, format_text
from .ignore import IgnoreFileInvalid, IgnoreRule, load_ignore_rules
from .records import ABSENT, DRIFT_ORIGIN, Action, Change, DiffResult, FollowUp, TargetDiff

__all__ = [
    "ABSENT",
    "DRIFT_ORIGIN",
    "SERVER_MANAGED_FIELDS",
    "Action",
    "Change",
    "DiffResult",
    "FollowUp",
    "IgnoreFileInvalid",
    "IgnoreRule",
    "TargetDiff",
    "diff_states",
    "format_json",
    "format_json_error",
    "format_markdown",
    "format_text",
    "load_ignore_rules",
]
