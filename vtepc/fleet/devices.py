"""Which BIG-IP entries of the fleet's topologies are one device.

Two entries are the same device when they carry the same name or the same managementURL after
normalisation (scheme and host lower case, the scheme's default port and a trailing slash
dropped): `https://BIGIP-1.example.com:443/` and `https://bigip-1.example.com` are one device.
The relation is transitive (a union-find over names and URLs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ..model import Bigip
    from ..state.bigip import BigipState
    from .model import Member

_DEFAULT_PORTS = {"https": 443, "http": 80}


def normalize_management_url(url: str) -> str:
    """The form two managementURLs of one device share; the text itself when it does not parse."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url.strip()
    if not scheme or not host:
        return url.strip()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


@dataclass(frozen=True)
class Attachment:
    """One topology's entry for a device: member.topology.bigips[index]."""

    member: "Member"
    index: int

    @property
    def bigip(self) -> "Bigip":
        assert self.member.topology is not None
        return self.member.topology.bigips[self.index]

    @property
    def state(self) -> "BigipState":
        assert self.member.state is not None
        return self.member.state.bigips[self.bigip.name]

    def path(self, *rest: str | int) -> tuple[str | int, ...]:
        return ("bigips", self.index, *rest)


@dataclass(frozen=True)
class Device:
    name: str  # the entries' name (the first in sort order when they differ)
    attachments: tuple[Attachment, ...]  # sorted by member name, then entry index

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.member.name for a in self.attachments))


def group_devices(members: Sequence["Member"]) -> list[Device]:
    """Every device the valid members name, sorted by name."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(key: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    entries: list[tuple[tuple[str, str], Attachment]] = []
    for member in members:
        if member.topology is None:
            continue
        for index, bigip in enumerate(member.topology.bigips):
            name_key = ("name", bigip.name)
            root = find(name_key)
            if bigip.management_url is not None:
                url_root = find(("url", normalize_management_url(bigip.management_url)))
                if url_root != root:
                    parent[url_root] = root
            entries.append((name_key, Attachment(member, index)))
    groups: dict[tuple[str, str], list[Attachment]] = {}
    for key, attachment in entries:
        groups.setdefault(find(key), []).append(attachment)
    devices = []
    for attachments in groups.values():
        attachments.sort(key=lambda a: (a.member.name, a.member.file, a.index))
        devices.append(Device(min(a.bigip.name for a in attachments), tuple(attachments)))
    return sorted(devices, key=lambda d: d.name)
