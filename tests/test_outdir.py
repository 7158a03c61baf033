"""Output directories (vtepc.outdir): what build and snapshot may replace, and the swap that
replaces it, killed at every step, on Linux's atomic exchange and on the two-rename fallback.

The fault injection patches the os module and open() in a forked child, not vtepc internals,
and forces the fallback by hiding renameat2 from ctypes, so these tests also run against
vtepc versions without vtepc.outdir.
"""

from __future__ import annotations

import builtins
import ctypes
import errno
import itertools
import json
import os
import re
import signal
import time
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vtepc.build import MANIFEST, OutputDirError, with_manifest, write_tree
from vtepc.cli import app
from vtepc.live import ObservedState
from vtepc.snapshot import INDEX, write_snapshot

from .conftest import EXAMPLES

runner = CliRunner()
SEED_000 = EXAMPLES / "cilium-vxlan.yaml"
OLD = with_manifest({"a.txt": "old a\n", "sub/b.txt": "old b\n", "sub/deeper/c.txt": "old c\n"}, b"old")
NEW = with_manifest({"a.txt": "new a\n", "d/e.txt": "new e\n"}, b"new")
KILLED = 70  # exit code of a child killed by the fault injection


def _tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _bytes(files: dict[str, str]) -> dict[str, bytes]:
    return {path: text.encode() for path, text in files.items()}


def _build(out: Path, *extra: str):
    return runner.invoke(app, ["build", str(SEED_000), "-o", str(out), *extra])


def _hidden(parent: Path) -> list[Path]:
    return sorted(p for p in parent.iterdir() if p.name.startswith("."))


# --- the contract -------------------------------------------------------------------------


def test_build_refuses_a_directory_with_a_git_dir_and_a_readme_and_leaves_both(tmp_path):
    out = tmp_path / "out"
    assert _build(out).exit_code == 0  # a manifest from an earlier build
    (out / ".git" / "objects").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (out / "README.md").write_text("keep me\n")
    before = _tree(out)
    result = _build(out)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1, result.output  # one line
    assert "refusing to replace" in result.output and ".git/" in result.output and "README.md" in result.output
    assert not re.search(r"wrote \d+ files", result.output)
    assert _tree(out) == before
    assert _hidden(tmp_path) == []


def test_unknown_entries_listed_up_to_ten_on_one_line(tmp_path):
    out = tmp_path / "out"
    write_tree(out, OLD)
    for i in range(15):
        (out / f"extra-{i:02}.txt").write_text("x")
    (out / "sub" / "line\nbreak").write_text("x")
    with pytest.raises(OutputDirError) as refused:
        write_tree(out, NEW)
    message = str(refused.value)
    assert "\n" not in message and "16 entries" in message and "and 6 more" in message
    assert "extra-00.txt" in message and "extra-09.txt" in message and "extra-10.txt" not in message
    assert len(_tree(out)) == len(OLD) + 16


def test_symlinks_and_unlisted_directories_inside_are_unknown(tmp_path):
    out = tmp_path / "out"
    write_tree(out, OLD)
    (out / "sub" / "b.txt").unlink()
    (out / "sub" / "b.txt").symlink_to(tmp_path)
    (out / "empty").mkdir()
    with pytest.raises(OutputDirError, match=r"2 entries vtepc did not write \(empty/, sub/b\.txt\)"):
        write_tree(out, NEW)
    assert (out / "sub" / "b.txt").is_symlink() and (out / "empty").is_dir()


def test_missing_or_empty_directory_is_fine_and_stale_files_go(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    write_tree(empty, OLD)
    write_tree(tmp_path / "missing" / "deeper", OLD)
    assert _tree(empty) == _tree(tmp_path / "missing" / "deeper") == _bytes(OLD)
    (empty / "a.txt").unlink()  # a generated file deleted by hand: nothing to lose
    write_tree(empty, NEW)
    assert _tree(empty) == _bytes(NEW)  # sub/ (no longer produced) went with the old tree


def test_a_hand_edited_generated_file_is_refused_unless_forced(tmp_path):
    out = tmp_path / "out"
    assert _build(out).exit_code == 0
    tmsh = out / "bigip/bigip-1/network.tmsh"
    tmsh.write_text(tmsh.read_text() + "# my change\n")
    refused = _build(out)
    assert refused.exit_code == 1 and not re.search(r"wrote \d+ files", refused.output)
    assert "bigip/bigip-1/network.tmsh changed since vtepc wrote it; --force overwrites" in refused.output
    assert tmsh.read_text().endswith("# my change\n")
    forced = _build(out, "--force")
    assert forced.exit_code == 0, forced.output
    assert "# my change" not in tmsh.read_text()


@pytest.mark.parametrize(
    "manifest",
    [
        {"format_version": 1, "artifacts": [{"path": "../victim.txt", "sha256": "0" * 64}]},
        {"format_version": 1, "artifacts": [{"path": "/etc/passwd", "sha256": "0" * 64}]},
        {"format_version": 1, "artifacts": "everything"},
        {"format_version": 1, "artifacts": [{"path": "a.txt", "sha256": 5}]},
        {"format_version": 99, "artifacts": []},
        "not json",
    ],
)
def test_a_tampered_or_foreign_manifest_is_refused(tmp_path, manifest):
    out = tmp_path / "out"
    write_tree(out, OLD)
    (out / MANIFEST).write_text(manifest if isinstance(manifest, str) else json.dumps(manifest))
    before = _tree(out)
    with pytest.raises(OutputDirError, match=f"refusing to replace .*: its {MANIFEST} (lists|is not one)"):
        write_tree(out, NEW)
    assert _tree(out) == before


def test_dir_that_is_a_file_is_refused(tmp_path):
    out = tmp_path / "out"
    out.write_text("a file\n")
    result = _build(out)
    assert result.exit_code == 1 and "exists and is not a directory" in result.output
    assert out.read_text() == "a file\n" and _hidden(tmp_path) == []


# --- symlinked DIR ------------------------------------------------------------------------


def test_symlinked_dir_is_followed_and_the_link_stays(tmp_path):
    real = tmp_path / "elsewhere" / "tree"
    real.mkdir(parents=True)
    link = tmp_path / "out"
    link.symlink_to(real)
    write_tree(link, OLD)
    write_tree(link, NEW)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert _tree(real) == _bytes(NEW)
    assert _hidden(tmp_path / "elsewhere") == [] and sorted(tmp_path.iterdir()) == [tmp_path / "elsewhere", link]


def test_symlink_to_a_missing_target_is_refused(tmp_path):
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "nowhere" / "tree")
    result = _build(link)
    assert result.exit_code == 1 and "is a symlink to" in result.output and "which does not exist" in result.output
    assert link.is_symlink() and not (tmp_path / "nowhere").exists()
    assert sorted(tmp_path.iterdir()) == [link]


# --- snapshot uses the same contract ------------------------------------------------------


def test_snapshot_refuses_a_directory_of_other_files(tmp_path):
    snap = tmp_path / "snap"
    write_snapshot(ObservedState({}, None), snap, "first")
    (snap / "README.md").write_text("state of prod, do not delete\n")
    before = _tree(snap)
    with pytest.raises(OutputDirError, match=r"1 entry vtepc did not write \(README\.md\)"):
        write_snapshot(ObservedState({}, None), snap, "second")
    assert _tree(snap) == before


def test_cli_snapshot_refusal_is_one_line_and_records_nothing(tmp_path, monkeypatch):
    snap = tmp_path / "snap"
    snap.mkdir()
    (snap / "notes.txt").write_text("mine\n")
    monkeypatch.setattr("vtepc.live.read_observed_state", lambda *args, **kwargs: ObservedState({}, None))
    result = runner.invoke(app, ["snapshot", str(SEED_000), "-o", str(snap)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "notes.txt" in result.output and "nothing recorded" in result.output
    assert _tree(snap) == {"notes.txt": b"mine\n"}


# --- the swap, killed at every step -------------------------------------------------------


def _arm(kill_at: int | None, after_aside: signal.Signals | None = None) -> None:
    """In a forked child: die (os._exit) at the kill_at-th file-system operation; or send itself
    `after_aside` right after the rename that moves DIR aside (the first of the fallback's two)."""
    counter = itertools.count(1)

    def counted(function):
        def call(*args, **kwargs):
            if next(counter) == kill_at:
                os._exit(KILLED)
            result = function(*args, **kwargs)
            if after_aside and function is rename and Path(args[0]).name in ("out", "tree"):
                os.kill(os.getpid(), after_aside)
            return result

        return call

    rename = os.rename
    for name in ("mkdir", "open", "write", "rename", "unlink", "rmdir", "chmod"):
        setattr(os, name, counted(getattr(os, name)))
    builtins.open = counted(builtins.open)


def _in_child(action, kill_at: int | None = None, after_aside: signal.Signals | None = None, atomic: bool = True) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        code = 0
        try:
            # A shell that starts the test run in the background (`cmd &`) makes it ignore SIGINT, and
            # the child would inherit that: restore Python's own handler so Ctrl-C really arrives.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            if not atomic:  # a platform without renameat2/renamex_np: the two-rename fallback
                ctypes.CDLL = lambda *args, **kwargs: types.SimpleNamespace()
            _arm(kill_at, after_aside)
            action()
        except KeyboardInterrupt:
            code = 2
        except BaseException:
            code = 1
        os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


WRITERS = {
    "build": (lambda out: write_tree(out, OLD), lambda out: write_tree(out, NEW), _bytes(OLD), _bytes(NEW)),
    "snapshot": (
        lambda out: write_snapshot(ObservedState({}, None), out, "old"),
        lambda out: write_snapshot(ObservedState({}, None), out, "new"),
        {INDEX: json.dumps({"format_version": 1, "targets": [], "topology": "old", "unread_kinds": {}}, indent=2).encode() + b"\n"},
        {INDEX: json.dumps({"format_version": 1, "targets": [], "topology": "new", "unread_kinds": {}}, indent=2).encode() + b"\n"},
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("linked", [False, True], ids=["dir", "symlinked-dir"])
@pytest.mark.parametrize("atomic", [True, False], ids=["exchange", "two-renames"])
@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_swap_killed_at_every_step_leaves_a_complete_tree_and_the_next_run_recovers(tmp_path, monkeypatch, kind, atomic, linked):
    write_old, write_new, old, new = WRITERS[kind]
    states = []
    for step in itertools.count(1):
        case = tmp_path / str(step)
        real = case / "real" / "out"
        out = case / "out" if linked else real
        real.parent.mkdir(parents=True)
        if linked:
            real.mkdir()
            out.symlink_to(real)
        write_old(out)
        assert _tree(real) == old
        code = _in_child(lambda out=out: write_new(out), kill_at=step, atomic=atomic)
        if code == 0:
            assert _tree(real) == new and sorted(real.parent.iterdir()) == [real]
            break
        assert code == KILLED
        if real.is_dir():
            states.append("old" if _tree(real) == old else "new")
            assert _tree(real) in (old, new), f"killed at step {step}: a mixed tree"
        else:  # only between the fallback's two renames, and the old tree waits in the workspace
            states.append("moved aside")
            assert not atomic, f"killed at step {step}: DIR missing after an atomic exchange"
            aside = [w / "old" for w in _hidden(real.parent) if (w / "vtepc-workspace.json").is_file()]
            assert len(aside) == 1 and _tree(aside[0]) == old, f"killed at step {step}: no recoverable tree"
        # The next run recovers first, even when it then fails itself: DIR is whole, nothing left beside it.
        with monkeypatch.context() as patched:
            patched.setattr(builtins, "open", lambda *a, **k: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
            with pytest.raises(OutputDirError, match="full"):
                write_new(out)
        assert _tree(real) in (old, new) and sorted(real.parent.iterdir()) == [real], f"killed at step {step}"
        if states[-1] == "moved aside":
            assert _tree(real) == old
        write_new(out)
        assert _tree(real) == new and sorted(real.parent.iterdir()) == [real]
        assert not linked or out.is_symlink()
    assert step > 10 and states.count("old") > 3 and "new" in states  # the faults really hit every phase
    assert ("moved aside" in states) is not atomic


@pytest.mark.slow
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 2), (signal.SIGTERM, -signal.SIGTERM)])
def test_ctrl_c_or_sigterm_between_the_two_renames_waits_for_the_second(tmp_path, sig, code):
    out = tmp_path / "out"
    write_tree(out, OLD)
    assert _in_child(lambda: write_tree(out, NEW), after_aside=sig, atomic=False) == code
    assert _tree(out) == _bytes(NEW)
    write_tree(out, NEW)
    assert sorted(tmp_path.iterdir()) == [out]


class _FakeLibc:
    def __init__(self, name: str, result: int = 0, err: int = 0):
        self.calls: list[tuple] = []
        real = ctypes.CDLL(None, use_errno=True)

        def call(*args):
            self.calls.append(args)
            if result:
                ctypes.set_errno(err)
                return result
            *_, a, b, _flags = (None, *args) if name == "renamex_np" else args
            return real.renameat2(-100, a, -100, b, 2)

        setattr(self, name, call)


def test_macos_swaps_with_renamex_np_rename_swap(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_tree(out, OLD)
    libc = _FakeLibc("renamex_np")
    monkeypatch.setattr("vtepc.outdir._libc", lambda: libc)
    write_tree(out, NEW)
    assert _tree(out) == _bytes(NEW)
    [(staged, target, flags)] = libc.calls
    assert target == os.fsencode(out) and staged.endswith(b"/tree") and flags == 2  # RENAME_SWAP, <stdio.h>


def test_exchange_refused_by_the_file_system_falls_back_other_errors_do_not(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_tree(out, OLD)
    monkeypatch.setattr("vtepc.outdir._libc", lambda: _FakeLibc("renameat2", -1, errno.EINVAL))
    write_tree(out, NEW)  # an NFS/FUSE mount without RENAME_EXCHANGE
    assert _tree(out) == _bytes(NEW) and sorted(tmp_path.iterdir()) == [out]
    monkeypatch.setattr("vtepc.outdir._libc", lambda: _FakeLibc("renameat2", -1, errno.EACCES))
    with pytest.raises(OutputDirError, match="Permission denied"):
        write_tree(out, OLD)
    assert _tree(out) == _bytes(NEW) and sorted(tmp_path.iterdir()) == [out]


# --- leftovers of killed runs -------------------------------------------------------------


@pytest.mark.slow
def test_a_killed_build_leaves_a_workspace_the_next_build_removes(tmp_path):
    out = tmp_path / "out"
    assert _in_child(lambda: write_tree(out, NEW), kill_at=8) == KILLED
    assert len(_hidden(tmp_path)) == 1
    write_tree(out, OLD)
    assert sorted(tmp_path.iterdir()) == [out] and _tree(out) == _bytes(OLD)


@pytest.mark.slow
def test_a_running_build_keeps_its_workspace_and_finishes(tmp_path):
    out = tmp_path / "out"
    write_tree(out, OLD)
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child): pauses before writing its second file
        real_open = builtins.open

        def paused_open(file, *args, **kwargs):
            if str(file).endswith("/tree/d/e.txt"):
                os.read(go_read, 1)
            return real_open(file, *args, **kwargs)

        builtins.open = paused_open
        try:
            write_tree(out, NEW)
        except BaseException:
            os._exit(1)
        os._exit(0)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until it made d/ (a.txt is closed) and waits to open d/e.txt
            running = [w for w in _hidden(tmp_path) if (w / "tree" / "d").is_dir()]
            if running:
                break
            time.sleep(0.01)
        [workspace] = running
        before = _tree(workspace)
        write_tree(out, with_manifest({"other.txt": "x\n"}, b"other"))  # another run meanwhile
        assert _hidden(tmp_path) == [workspace] and _tree(workspace) == before
    finally:
        os.write(go_write, b"g")
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert _tree(out) == _bytes(NEW) and sorted(tmp_path.iterdir()) == [out]


def test_hidden_directories_vtepc_did_not_mark_are_left_alone(tmp_path):
    out = tmp_path / "out"
    foreign = {
        ".out.vtepc-partial": {"a.txt": "a staging directory of an older vtepc\n"},
        ".out.vtepc-other": {"vtepc-workspace.json": json.dumps({"target": "out.vtepc-other"})},
        ".out.keep": {"x": "y"},
    }
    for name, files in foreign.items():
        for path, text in files.items():
            (tmp_path / name).mkdir()
            (tmp_path / name / path).write_text(text)
    write_tree(out, OLD)
    write_tree(out, NEW)
    assert [p.name for p in _hidden(tmp_path)] == sorted(foreign)
    assert all(_tree(tmp_path / name) == _bytes(files) for name, files in foreign.items())


# --- durability and mount points ----------------------------------------------------------


def test_every_file_and_directory_is_synced_before_the_swap_and_the_parent_after(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_tree(out, OLD)
    from vtepc import outdir

    events: list[str] = []
    real_fsync, real_swap = os.fsync, outdir._swap

    def fsync(fd):
        events.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    def swap(new, target, aside):
        events.append("swap")
        real_swap(new, target, aside)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr("vtepc.outdir._swap", swap)
    write_tree(out, NEW)
    assert _tree(out) == _bytes(NEW)
    swapped = events.index("swap")
    workspaces = {Path(path).relative_to(tmp_path).parts[0] for path in events[:swapped]}
    assert len(workspaces) == 1 and workspaces.pop().startswith(".out.vtepc-")
    before = {Path(*Path(path).relative_to(tmp_path).parts[1:]).as_posix() for path in events[:swapped]}
    assert before == {"tree", "tree/a.txt", "tree/d", "tree/d/e.txt", "tree/vtepc-manifest.json"}, before
    assert events[swapped + 1 :] == [str(tmp_path)]


def test_a_mount_point_is_refused_with_a_hint_and_left_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_tree(out, OLD)

    def busy(new, target, aside):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(target))

    monkeypatch.setattr("vtepc.outdir._swap", busy)
    monkeypatch.setattr(os.path, "ismount", lambda path: Path(path) == out)
    with pytest.raises(OutputDirError, match=r"out is a mount point: .* write to a directory inside it \(e\.g\. .*out/vtepc\)"):
        write_tree(out, NEW)
    assert _tree(out) == _bytes(OLD) and sorted(tmp_path.iterdir()) == [out]
    monkeypatch.setattr(os.path, "ismount", lambda path: False)  # EBUSY for another reason: the plain message
    with pytest.raises(OutputDirError, match=r"cannot write .*Device or resource busy"):
        write_tree(out, NEW)
