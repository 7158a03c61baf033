"""What a BIG-IP does with the tmsh commands vtepc writes: they set up a BigipEmulator.

`tmsh_argv` splits network.tmsh into the argv of each `tmsh` call as bash would (shlex, with
the script's backslash continuations and comments); `apply_tmsh` stores each command's object
in the emulator the way iControl REST then lists it (tmsh attribute names become REST's
camelCase, names get their /Common/ partition, a profile not given `defaults-from` inherits
from the built-in of its kind). Only the commands vtepc writes are understood; anything else
fails the test, so a new command cannot slip past unmodelled.
"""

from __future__ import annotations

import shlex

from .bigip import TUNNELS, BigipEmulator


def tmsh_argv(script: str) -> list[list[str]]:
    """The argv (without `tmsh`) of every tmsh call in a network.tmsh script."""
    calls = []
    for argv in (shlex.split(line, comments=True) for line in script.replace("\\\n", " ").splitlines()):
        if argv:
            assert argv[0] == "tmsh", argv
            calls.append(argv[1:])
    return calls


def _block(words: list[str], start: int) -> tuple[list, int]:
    """The `{ ... }` starting at words[start] as a nested list, and the index after it."""
    assert words[start] == "{", words[start:]
    items: list = []
    i = start + 1
    while words[i] != "}":
        if words[i] == "{":
            inner, i = _block(words, i)
            items.append(inner)
        else:
            items.append(words[i])
            i += 1
    return items, i + 1


def _attributes(words: list[str]) -> dict[str, object]:
    """`key value key { ... }` pairs; a value that is a `{ }` block becomes a list."""
    out: dict[str, object] = {}
    i = 0
    while i < len(words):
        key = words[i]
        if words[i + 1] == "{":
            out[key], i = _block(words, i + 1)
        elif words[i + 1] in ("add", "replace-all-with") and words[i + 2] == "{":
            block, after = _block(words, i + 2)
            out[key], i = [words[i + 1], block], after
        else:
            out[key], i = words[i + 1], i + 2
    return out


def _common(name: str) -> str:
    return name if name.startswith("/") else f"/Common/{name}"


def apply_tmsh(device: BigipEmulator, argv: list[str]) -> None:
    verb, rest = argv[0], argv[1:]
    if argv == ["save", "sys", "config"]:
        return
    if verb == "modify" and rest[:2] == ["sys", "db"]:
        device.put("sys/db", rest[2], partition=None, value=_attributes(rest[3:])["value"])
    elif verb == "create" and rest[:2] == ["net", "self"]:
        a = _attributes(rest[3:])
        allow = a["allow-service"]
        fields = dict(
            address=a["address"], vlan=_common(a["vlan"]), trafficGroup=_common(a.get("traffic-group", "traffic-group-local-only"))
        )
        if allow == "all":
            fields["allowService"] = "all"
        elif allow != "none":  # REST leaves allowService out for none
            fields["allowService"] = allow[1] if isinstance(allow, list) else [allow]
        device.put("net/self", rest[2], **fields)
    elif verb == "create" and rest[:3] == ["net", "tunnels", "vxlan"]:
        a = _attributes(rest[4:])
        device.put(
            "net/tunnels/vxlan",
            rest[3],
            port=int(a["port"]),
            floodingType=a["flooding-type"],
            defaultsFrom=_common(a.get("defaults-from", "vxlan")),
            encapsulationType="vxlan",
        )
    elif verb == "create" and rest[:3] == ["net", "tunnels", "geneve"]:
        a = _attributes(rest[4:])
        device.put("net/tunnels/geneve", rest[3], port=int(a["port"]), defaultsFrom=_common(a.get("defaults-from", "geneve")))
    elif verb == "create" and rest[:3] == ["net", "tunnels", "tunnel"]:
        a = _attributes(rest[4:])
        fields = dict(
            profile=_common(a["profile"]),
            key=int(a["key"]),
            localAddress=a["local-address"],
            remoteAddress=a.get("remote-address", "any6"),
            secondaryAddress=a.get("secondary-address", "any6"),
        )
        if "traffic-group" in a:
            fields["trafficGroup"] = _common(a["traffic-group"])
        device.put(TUNNELS, rest[3], **fields)
    elif verb == "modify" and rest[:2] == ["net", "route-domain"]:
        a = _attributes(rest[3:])
        domain = next(d for d in device.collections["net/route-domain"].values() if str(d["id"]) == rest[2])
        assert list(a) == ["vlans"] and a["vlans"][0] == "add", a
        domain["vlans"].extend(_common(v) for v in a["vlans"][1])
    elif verb == "create" and rest[:2] == ["net", "route"]:
        a = _attributes(rest[3:])
        fields = {"network": a["network"]}
        if "interface" in a:
            fields["tmInterface"] = _common(a["interface"])
        else:
            fields["gw"] = a["gw"]
        device.put("net/route", rest[2], **fields)
    elif verb == "modify" and rest[:3] == ["net", "fdb", "tunnel"]:
        a = _attributes(rest[4:])
        assert a["records"][0] == "add", a
        records = a["records"][1]
        for mac, record in zip(records[::2], records[1::2]):
            device.add_fdb_record(rest[3], mac, _attributes(record)["endpoint"])
    else:
        raise AssertionError(f"tmsh command not modelled: {argv}")
