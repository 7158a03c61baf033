"""Output directories: what vtepc may replace, and the one swap that replaces them.

`vtepc build` and `vtepc snapshot` write a whole tree ({relative path: text}) into DIR with
`replace_tree`. The contract (README, "Output directories"):

* DIR may be missing or empty. Otherwise it must hold the index vtepc wrote there last time
  (build: vtepc-manifest.json, snapshot: vtepc-snapshot.json) and nothing but the files that
  index lists and the directories they sit in. Anything else (a .git/, a README, a symlink, a
  file the index does not list) is an unknown entry: vtepc refuses, names them, and leaves DIR
  as it was. An index that cannot be read, has another shape, or lists a path outside DIR is
  refused the same way.
* Where the index records each file's sha256 (build), a listed file whose content differs
  was edited by hand: refused unless `force`.
* A symlinked DIR is followed: the tree replaces the link's target and the link stays. A link
  to a missing target is refused.

The swap. The new tree is written into a workspace beside DIR, `.NAME.vtepc-XXXXXXXX/`,
holding `vtepc-workspace.json` (the marker: which DIR it is for), locked with flock(2) by
the run that owns it for as long as it runs, and `tree/`. Then:

* Linux: renameat2(RENAME_EXCHANGE) swaps tree/ and DIR in one step; macOS: renamex_np with
  RENAME_SWAP. A reader sees the old tree or the new one, never a mix or nothing.
* Where neither exists or the file system refuses the exchange (some NFS and FUSE mounts):
  DIR is renamed to `old/` in the workspace and `tree/` to DIR, back to back with SIGINT,
  SIGTERM and SIGHUP held, so Ctrl-C or a cancelled CI job lands before or after the pair.
  Only SIGKILL or a crash can fall between the two renames. The workspace is then the
  journal: the next run finds it unlocked (its owner is gone), DIR missing and `old/`
  complete, and renames `old/` back before anything else.

Every file and directory of the new tree is synced to disk before the swap and DIR's parent
after it, so a power cut leaves the old tree or the whole new one, never empty files. A DIR
that is a mount point cannot be renamed: refused with a hint to write inside it.

The workspace (by then holding the previous tree) is removed at the end. Each run also
removes the workspaces of earlier runs for the same DIR, recognised by name and marker, and
only when it can take the marker's lock: a live run holds it (the kernel drops it when the
process dies, however it dies), so another running build's workspace is never touched.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .diagnostics import VtepcError

MARKER = "vtepc-workspace.json"
_MARKER_NEW = MARKER + ".new"
_NAMES_SHOWN = 10
_AT_FDCWD = -100  # Linux include/uapi/linux/fcntl.h
_RENAME_EXCHANGE = 1 << 1  # Linux include/uapi/linux/fs.h; renameat2(2)
_RENAME_SWAP = 0x00000002  # Apple XNU bsd/sys/stdio.h; renamex_np(2), macOS 10.12+
_EXCHANGE_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


class OutputDirError(VtepcError):
    """The output directory cannot be replaced (not a tree vtepc wrote, unknown entries, not a directory, ...)."""


@dataclass(frozen=True)
class TreeIndex:
    """How a tree vtepc wrote says what is in it.

    `name` is the index file at the top of the tree; `listing` turns its parsed JSON into
    {relative path: sha256 hex, or None when the index records no digest}, raising KeyError,
    TypeError or ValueError when the document does not have the shape vtepc writes.
    """

    name: str
    listing: Callable[[Any], Mapping[str, str | None]]


def _safe_relative(path: str) -> str:
    """`path` as a normalised relative POSIX path inside the tree, or OutputDirError."""
    if not isinstance(path, str):
        raise OutputDirError(f"not a path: {path!r}")
    rel = PurePosixPath(path)
    if not path or rel.is_absolute() or ".." in rel.parts or not rel.parts or "\0" in path:
        raise OutputDirError(f"refusing to write outside the output directory: {path!r}")
    return rel.as_posix()


def _shown(names: list[str]) -> str:
    """Names on one line: control characters quoted, at most _NAMES_SHOWN of them."""
    shown = [name if name.isprintable() else repr(name) for name in names[:_NAMES_SHOWN]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _check_target(directory: Path, real: Path) -> None:
    """Refuse a DIR that cannot hold a tree: a dangling symlink, a file, the root."""
    if os.path.lexists(directory) and not real.exists():
        raise OutputDirError(f"{directory} is a symlink to {real}, which does not exist: create it or choose another directory")
    if real.exists() and not real.is_dir():
        raise OutputDirError(f"{directory} exists and is not a directory")
    if real.parent == real:
        raise OutputDirError(f"refusing to replace {real}")


def _listing(index_path: Path, index: TreeIndex) -> dict[str, str | None]:
    refusal = f"refusing to replace {index_path.parent}: its {index.name}"
    try:
        listed = index.listing(json.loads(index_path.read_bytes()))
        if not isinstance(listed, Mapping):
            raise TypeError("not a mapping")
    except OSError as exc:
        raise OutputDirError(f"{refusal} cannot be read ({exc.strerror or exc})") from None
    except (KeyError, TypeError, ValueError, AttributeError):
        raise OutputDirError(f"{refusal} is not one this vtepc writes") from None
    checked: dict[str, str | None] = {}
    for path, digest in listed.items():
        if not isinstance(digest, (str, type(None))):
            raise OutputDirError(f"{refusal} is not one this vtepc writes")
        try:
            checked[_safe_relative(path)] = digest
        except OutputDirError:
            raise OutputDirError(f"{refusal} lists {path!r}, a path outside it: was it edited?") from None
    return checked


def _survey(root: Path, listed: Mapping[str, str | None], index_name: str) -> tuple[list[str], list[str]]:
    """(unknown entries, listed files whose sha256 differs from the index's) under root."""
    folders = {parent.as_posix() for path in listed for parent in PurePosixPath(path).parents if parent.parts}
    unknown: list[str] = []
    edited: list[str] = []

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if rel in folders:
                        walk(entry.path, rel + "/")
                    else:
                        unknown.append(rel + "/")
                elif entry.is_file(follow_symlinks=False) and (rel in listed or rel == index_name):
                    digest = listed.get(rel)
                    if digest is not None:
                        with open(entry.path, "rb") as fh:
                            if hashlib.sha256(fh.read()).hexdigest() != digest:
                                edited.append(rel)
                else:
                    unknown.append(rel)

    walk(str(root), "")
    return unknown, edited


def _check_replaceable(directory: Path, index: TreeIndex, force: bool = False) -> None:
    """Raise OutputDirError unless the existing `directory` may be replaced as a whole."""
    entries = sorted(os.listdir(directory))
    if not entries:
        return
    index_path = directory / index.name
    if not index_path.is_file() or index_path.is_symlink():
        raise OutputDirError(
            f"refusing to replace {directory}: it is not empty and holds no {index.name}, "
            f"so vtepc did not write it (it holds {_shown([e + '/' if (directory / e).is_dir() else e for e in entries])})"
        )
    unknown, edited = _survey(directory, _listing(index_path, index), index.name)
    if unknown:
        raise OutputDirError(
            f"refusing to replace {directory}: it holds {len(unknown)} entr{'y' if len(unknown) == 1 else 'ies'} "
            f"vtepc did not write ({_shown(unknown)}); move them elsewhere or choose another directory"
        )
    if edited and not force:
        raise OutputDirError(
            f"refusing to replace {directory}: {_shown(edited)} changed since vtepc wrote "
            f"{'it' if len(edited) == 1 else 'them'}; --force overwrites"
        )


@contextmanager
def _parent_lock(parent: Path, operation: int) -> Iterator[bool]:
    """flock(2) on DIR's parent: shared while a run sets its workspace up, exclusive to remove
    unmarked ones. Yields False when the lock cannot be had (held, or a file system without it)."""
    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, operation)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _remove_workspace(path: Path) -> None:
    """Everything but the marker first, so a workspace stays recognisable until it is empty."""
    for name in sorted(os.listdir(path)):
        if name != MARKER:
            child = path / name
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    (path / MARKER).unlink(missing_ok=True)
    path.rmdir()


@contextmanager
def _workspace(target: Path) -> Iterator[Path]:
    """A marked workspace beside `target`, locked while this run lives; removed on the way out."""
    with _parent_lock(target.parent, fcntl.LOCK_SH):
        path = Path(tempfile.mkdtemp(prefix=f".{target.name}.vtepc-", dir=target.parent))
        fd = -1
        try:
            # The marker is locked before it gets its name: never seen unlocked while its owner lives.
            fd = os.open(path / _MARKER_NEW, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, json.dumps({"target": target.name}).encode())
            os.rename(path / _MARKER_NEW, path / MARKER)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            if fd >= 0:
                os.close(fd)
            raise
    try:
        yield path
    finally:
        try:
            _remove_workspace(path)
        except OSError:
            pass  # what is left is marked: the next run removes it
        os.close(fd)


def _recover_marked(candidate: Path, target: Path) -> None:
    try:
        fd = os.open(candidate / MARKER, os.O_RDWR | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            marker = json.loads(os.read(fd, 4096))
        except (OSError, ValueError):
            return  # its owner is running (or the marker is not ours)
        if not isinstance(marker, dict) or marker.get("target") != target.name:
            return
        old = candidate / "old"
        if not os.path.lexists(target) and old.is_dir() and not old.is_symlink():
            os.rename(old, target)  # a swap cut between its two renames: the previous tree goes back
        _remove_workspace(candidate)
    except OSError:
        pass  # left for a later run
    finally:
        os.close(fd)


def _recover(target: Path) -> None:
    """Undo a half-done swap and remove the workspaces earlier runs for `target` left behind.

    Marked workspaces go when their marker's lock can be taken (the owner is gone). A run
    killed while setting its workspace up or removing it leaves one without a marker, empty
    but for the unnamed marker: removed while holding the parent lock exclusively, so no run
    is setting one up.
    """
    prefix = f".{target.name}.vtepc-"
    with os.scandir(target.parent) as entries:
        candidates = sorted(Path(e.path) for e in entries if e.name.startswith(prefix) and e.is_dir(follow_symlinks=False))
    unmarked = []
    for candidate in candidates:
        if os.path.lexists(candidate / MARKER):
            _recover_marked(candidate, target)
        else:
            unmarked.append(candidate)
    if not unmarked:
        return
    with _parent_lock(target.parent, fcntl.LOCK_EX | fcntl.LOCK_NB) as locked:
        for candidate in unmarked if locked else []:
            try:
                if set(os.listdir(candidate)) <= {_MARKER_NEW}:
                    (candidate / _MARKER_NEW).unlink(missing_ok=True)
                    candidate.rmdir()
            except OSError:
                pass  # not ours after all, or gone


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step; False when this platform or file system cannot."""
    libc = _libc()
    if hasattr(libc, "renameat2"):  # Linux >= 3.15, glibc >= 2.28
        result = libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    elif hasattr(libc, "renamex_np"):  # macOS >= 10.12
        result = libc.renamex_np(os.fsencode(a), os.fsencode(b), _RENAME_SWAP)
    else:
        return False
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in _EXCHANGE_UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block ends (delivered right after it)."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _swap(new: Path, target: Path, aside: Path) -> None:
    """Put `new` at `target`; the previous `target`, if any, ends up at `new` or `aside`."""
    if not os.path.lexists(target):
        os.rename(new, target)
    elif not _exchange(new, target):
        with _signals_held():
            os.rename(target, aside)
            try:
                os.rename(new, target)
            except OSError:
                os.rename(aside, target)
                raise


def replace_tree(directory: Path, files: Mapping[str, str], index: TreeIndex, force: bool = False) -> None:
    """Make `files` (which include the index) the complete content of `directory`, in one swap.

    Raises OutputDirError, with nothing on disk changed, when the directory is not one vtepc may
    replace (see the module docstring) or cannot be written.
    """
    relative = {path: _safe_relative(path) for path in files}
    directory = Path(directory)
    target = Path(os.path.realpath(directory))  # a symlinked DIR: its target is replaced, the link stays
    try:
        if target.parent.is_dir():
            _recover(target)  # first: a swap cut short may have moved the target aside
        _check_target(directory, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            _check_replaceable(target, index, force)
        with _workspace(target) as workspace:
            tree = workspace / "tree"
            tree.mkdir()
            folders = {tree}
            for path, text in files.items():
                file = tree / relative[path]
                file.parent.mkdir(parents=True, exist_ok=True)
                folders.add(file.parent)
                with open(file, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(text)
                    fh.flush()
                    os.fsync(fh.fileno())
            for folder in folders:
                _fsync_directory(folder)
            if target.exists():
                tree.chmod(target.stat().st_mode & 0o7777)
            _swap(tree, target, workspace / "old")
            _fsync_directory(target.parent)
    except OSError as exc:
        if exc.errno == errno.EBUSY and os.path.ismount(target):
            raise OutputDirError(
                f"{directory} is a mount point: vtepc replaces the whole directory in one rename, which the kernel refuses "
                f"for a mount point; write to a directory inside it (e.g. {directory / 'vtepc'})"
            ) from None
        where = f" {exc.filename}" if exc.filename else ""
        raise OutputDirError(f"{directory}: cannot write{where} ({exc.strerror or exc})") from None


def _fsync_directory(path: Path) -> None:
    """Make the entries of `path` durable. The files are synced before the swap and the swap's parent
    after it: without that, a power cut soon after a build can leave the new tree with empty
    files (ext4's delayed allocation: data reaches the disk after the rename that published it)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as exc:
        # Some file systems (FUSE, some NFS) cannot sync a directory: nothing more can be done there.
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
    finally:
        os.close(fd)
