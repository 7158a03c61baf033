"""Carrying a plan out: re-read, refuse a changed device, one transaction per device, save, sync, verify.

The only code in vtepc that writes to a BIG-IP. Per device, in the plan's order (an HA pair's
sync source before its peers):

1. Before anything is written anywhere, every device is read again and compared with the
   fingerprints the plan recorded; one changed object on one device refuses the whole apply.
2. All of a device's steps go into one iControl REST transaction: POST /mgmt/tm/transaction
   answers a `transId`; every command is sent as usual with the header
   `X-F5-REST-Coordination-Id: <transId>`, which queues it instead of running it; the commit
   is PATCH /mgmt/tm/transaction/<transId> {"state": "VALIDATING"} sent WITHOUT that header
   (with it the device answers 400 "... is not allowed to be added to transaction"), and the
   device runs every command or, when one fails, none (F5 iControl REST user guide,
   "Transactions"; f5-automation-labs docs/class1/module1/lab7.rst; f5-common-python
   f5/bigip/contexts.py TransactionContextManager). A commit the device answers with a state
   still VALIDATING/EXECUTING is polled on GET /mgmt/tm/transaction/<transId> until COMPLETED.
   Requests go over one kept-alive connection per device (vtepc.live.http). A command is never
   sent twice (queued twice it would run twice): when queueing fails in a way that may pass (a
   lost connection, a 5xx) the transaction, never committed, is discarded and all of it is
   queued again in a new one, a bounded number of times. The commit is never sent twice: when
   its answer is lost, the transaction's state (GET) says whether it was applied, and when
   that cannot be read either the error says the outcome is unknown.
3. The configuration is saved: POST /mgmt/tm/sys/config {"command": "save"}.
4. An HA pair's sync source is then synced to its device group: POST /mgmt/tm/cm
   {"command": "run", "utilCmdArgs": "config-sync to-group <group>"} (tmsh `run cm
   config-sync to-group`); its peers then get their own self IPs.
5. Every device is read again and diffed against the desired state: any difference is an
   error (VerifyFailed), so a pair left with units in different states is always reported.

Errors say what was and was not applied: a failed transaction leaves its device unchanged,
and devices applied before it are named.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..diff.engine import diff_target
from ..diff.records import BIGIP_TARGET, TargetDiff, target_label
from ..emitters import entry
from ..live.bigip import (
    BigipSession,
    bigip_credentials,
    read_bigip_objects,
    read_marked,
    read_route_domains,
    state_of,
    sync_failover_groups,
)
from ..live.http import BadResponse, ConnectionFailed, HttpOptions, HttpStatusError, LiveError, TlsOptions, TlsVerifyFailed
from .model import (
    DeviceInput,
    DevicePlan,
    Found,
    HaRole,
    Observed,
    Plan,
    PlanError,
    compute_plan,
    ha_roles,
    left_to_others,
    ownership_marker,
    selected_units,
    stale_objects,
)
from .rest import WRITERS, RestCall

if TYPE_CHECKING:
    from ..model import Topology
    from ..state import DesiredState
    from ..state.bigip import BigipState

COORDINATION_HEADER = "X-F5-REST-Coordination-Id"
TRANSACTIONS = "/mgmt/tm/transaction"
COMMIT_POLLS = 30  # GETs of a commit the device is still running, one per second at most

log = logging.getLogger("vtepc.apply")


class ApplyFailed(PlanError):
    """A device refused the changes; it is unchanged (the message says what others got)."""


class VerifyFailed(PlanError):
    """The changes were applied, but the device does not equal the desired state afterwards."""


def read_observed(session: BigipSession, desired: "BigipState", marked: Callable[[object], bool]) -> tuple[Observed, "BigipState"]:
    """The device as the planner needs it (with the tunnels vtepc made that the topology no longer
    names, `marked` telling vtepc's descriptions), and as the diff needs it (so verification sees
    such a tunnel left behind too)."""
    found = read_bigip_objects(session, desired) + read_marked(session, desired, marked)
    observed = Observed(tuple(Found(f.obj, f.description) for f in found), read_route_domains(session))
    return observed, state_of(session, desired, found)


class CommitUnknown(LiveError):
    """The commit was sent, its answer lost, and the transaction's state cannot be read: the
    device may or may not have the changes (they are not saved either way)."""


def _transient(exc: LiveError) -> bool:
    """A failure that may pass when the same thing is tried again (a lost connection, a timeout, a 5xx)."""
    if isinstance(exc, HttpStatusError):
        return exc.status >= 500
    return isinstance(exc, ConnectionFailed) and not isinstance(exc, TlsVerifyFailed)


@dataclass
class DeviceWriter:
    """Writes for one device: a transaction of REST calls, save, config sync. Counts its requests."""

    session: BigipSession
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0

    def _send(
        self, method: str, path: str, body: Any = None, transaction: int | None = None, *, replayable: bool = False
    ) -> dict[str, Any]:
        self.requests += 1
        result: dict[str, Any] = self.session.write(
            method, path, body, headers={COORDINATION_HEADER: str(transaction)} if transaction else None, replayable=replayable
        )
        return result

    def transaction(self, calls: list[RestCall]) -> None:
        """All of `calls` in one transaction: every one applied, or (on any failure) none.

        A transaction whose queueing failed in a way that may pass is discarded (never committed,
        it can never run) and queued again whole in a new one, as many times as the client's
        attempts allow: a command is never sent twice into one transaction.
        """
        attempts = max(1, self.session.client.options.attempts)
        for attempt in range(1, attempts + 1):
            # Replayable: a transaction created twice leaves an empty one the device drops at its timeout.
            document = self._send("POST", TRANSACTIONS, {}, replayable=True)
            trans_id = document.get("transId")
            if not isinstance(trans_id, int):
                raise self.session.client.error(BadResponse, f"POST {TRANSACTIONS}: no transId in the answer")
            try:
                for call in calls:
                    self._send(call.method, call.path, call.body, transaction=trans_id)
            except LiveError as exc:
                self._discard(trans_id)
                if attempt == attempts or not _transient(exc):
                    raise
                log.debug("%s: transaction %d discarded after %s; queued again whole", self.session.name, trans_id, exc)
                continue
            self._commit(trans_id)
            return

    def _commit(self, trans_id: int) -> None:
        path = f"{TRANSACTIONS}/{trans_id}"
        try:
            state = self._send("PATCH", path, {"state": "VALIDATING"}).get("state")
        except ConnectionFailed as lost:
            # The commit may have reached the device: it is never sent again. Its state says what became of it.
            try:
                state = self._send("GET", path, replayable=True).get("state")
            except LiveError as exc:
                raise self.session.client.error(
                    CommitUnknown,
                    f"{lost}; reading transaction {trans_id}'s state failed too ({exc}): whether {self.session.name} has "
                    "the changes is unknown (they are not saved); `vtepc diff` shows it",
                ) from None
            if state == "STARTED":
                # Not committed: discarded now, it never can be.
                self._discard(trans_id)
                raise lost from None
        for _ in range(COMMIT_POLLS):
            if state == "COMPLETED":
                return
            if state not in ("VALIDATING", "EXECUTING", "STARTED"):
                break
            self.sleep(1.0)
            state = self._send("GET", path, replayable=True).get("state")
        raise self.session.client.error(BadResponse, f"transaction {trans_id} ended {state!r}, not COMPLETED")

    def _discard(self, trans_id: int) -> None:
        try:
            self._send("DELETE", f"{TRANSACTIONS}/{trans_id}", replayable=True)
        except LiveError:
            pass  # never committed: the device drops it at its timeout anyway

    def save(self) -> None:
        # Replayable: saving the running configuration twice saves the same configuration.
        self._send("POST", "/mgmt/tm/sys/config", {"command": "save"}, replayable=True)

    def config_sync(self, group: str) -> None:
        # Replayable: a second sync to the group copies the same configuration again.
        self._send("POST", "/mgmt/tm/cm", {"command": "run", "utilCmdArgs": f"config-sync to-group {group}"}, replayable=True)


def device_calls(device: DevicePlan, marker: str) -> list[RestCall]:
    return [call for step in device.steps for call in entry(WRITERS, type(step.obj), "the REST writer").calls(step, step.marker(marker))]


@dataclass(frozen=True)
class DeviceReport:
    bigip: str
    steps: int
    requests: int  # write requests (transaction, commands, commit, save, sync); reads not counted
    synced_to: str | None = None


@dataclass(frozen=True)
class ApplyReport:
    devices: tuple[DeviceReport, ...]
    verified: tuple[TargetDiff, ...]  # each device's diff after applying: empty

    @property
    def applied(self) -> bool:
        return any(d.steps for d in self.devices)


Reader = Callable[[str], tuple[Observed, "BigipState"]]
# (device, FDB record) -> True where CIS keeps that record (staticFDB: false): left out of plan and verification.
CisKeeps = Callable[[str, Any], bool]


def cis_keeps_nothing(device: str, record: Any) -> bool:
    return False


def check_fresh(plan: Plan, read: Reader) -> None:
    """Re-read every planned device; PlanError naming what changed if any did (nothing written yet)."""
    stale = []
    for name, device in plan.devices.items():
        changed = stale_objects(device, read(name)[0])
        if changed:
            shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
            stale.append(f"{name}: {shown}")
    if stale:
        raise PlanError("the device changed since the plan was made (" + "; ".join(stale) + "); nothing was applied: plan again")


def verify(plan: Plan, desired: Mapping[str, "BigipState"], read: Reader, cis_keeps: CisKeeps) -> tuple[TargetDiff, ...]:
    """Each device's diff against its desired state, read afresh (FDB records left out where CIS
    keeps them, and what other topologies own left out unless the desired state names it)."""
    from ..state.bigip import FdbRecord

    def compared(name: str, objects: tuple[Any, ...], skipped: frozenset[str] = frozenset()) -> tuple[Any, ...]:
        return tuple(o for o in objects if not (isinstance(o, FdbRecord) and cis_keeps(name, o)) and f"{o.kind} {o.name}" not in skipped)

    diffs = []
    for name in plan.devices:
        found, state = read(name)
        wanted = compared(name, desired[name].objects())
        others = frozenset(left_to_others(found, plan.ours) - {f"{o.kind} {o.name}" for o in wanted})
        observed = compared(name, state.objects(), others)
        diffs.append(diff_target(target_label(BIGIP_TARGET, name), observed, wanted))
    return tuple(diffs)


def apply_plan(
    plan: Plan,
    desired: Mapping[str, "BigipState"],
    read: Reader,
    writer: Callable[[str], DeviceWriter],
    *,
    cis_keeps: CisKeeps = cis_keeps_nothing,
) -> ApplyReport:
    """Apply `plan` (computed for `desired`, each device's state by name), device by device; verify every device afterwards."""
    if plan.refused:
        raise PlanError("the plan changes objects vtepc does not own: " + "; ".join(plan.refused))
    check_fresh(plan, read)
    marker = ownership_marker(plan.topology)
    reports: list[DeviceReport] = []
    for name, device in plan.devices.items():
        out = writer(name)
        done = [r.bigip for r in reports if r.steps]
        before = f" ({', '.join(done)} already applied and saved)" if done else ""
        if device.steps:
            try:
                out.transaction(device_calls(device, marker))
            except CommitUnknown as exc:
                raise ApplyFailed(f"{exc}{before}") from None
            except LiveError as exc:
                raise ApplyFailed(f"{exc}; {name} is unchanged{before}") from None
            try:
                out.save()
            except LiveError as exc:
                raise ApplyFailed(f"{exc}; {name} has the changes but they are not saved{before}") from None
        group = device.sync_group if device.ha is HaRole.SYNC_SOURCE and device.steps else None
        if group is not None:
            try:
                out.config_sync(group)
            except LiveError as exc:
                raise ApplyFailed(
                    f"{exc}; {name} is applied and saved, but its peers ({', '.join(device.peers)}) differ from it until "
                    f"the device group is synced: tmsh run cm config-sync to-group {group}"
                ) from None
        reports.append(DeviceReport(name, len(device.steps), out.requests, group))
    diffs = verify(plan, desired, read, cis_keeps)
    left = [c for d in diffs for c in d.changes]
    if left:
        shown = "; ".join(f"{c.target} {c.action.value} {c.kind} {c.name}" + (f" {c.field}" if c.field else "") for c in left[:5])
        raise VerifyFailed(f"applied, but {len(left)} difference(s) remain afterwards: {shown}")
    return ApplyReport(tuple(reports), diffs)


# --- against live devices -----------------------------------------------------------------------


class LiveDevices:
    """Sessions to BIG-IPs (credentials from the environment only), each on one kept-alive
    connection: reads with the reader's retries, writes sent again only when they cannot have
    reached the device (a retried write could be carried out twice). `desired` and `urls` by
    device name; `marked` tells the descriptions of vtepc's objects this plan may delete."""

    def __init__(
        self,
        desired: Mapping[str, "BigipState"],
        urls: Mapping[str, str],
        marked: Callable[[object], bool],
        tls: TlsOptions,
        http: HttpOptions,
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._desired, self._urls, self._marked = desired, urls, marked
        self._tls, self._http, self._environ, self._sleep = tls, http, environ, sleep
        self._sessions: dict[str, BigipSession] = {}
        self._writers: dict[str, DeviceWriter] = {}

    def _session(self, name: str) -> BigipSession:
        """One session per device for reads and writes: one login, one kept-alive connection."""
        if name not in self._sessions:
            self._sessions[name] = BigipSession(
                name, self._urls[name], bigip_credentials(name, self._environ), self._tls, self._http, sleep=self._sleep
            )
        return self._sessions[name]

    def read(self, name: str) -> tuple[Observed, "BigipState"]:
        return read_observed(self._session(name), self._desired[name], self._marked)

    def groups(self, name: str) -> list[str]:
        return sync_failover_groups(self._session(name))

    def writer(self, name: str) -> DeviceWriter:
        if name not in self._writers:
            self._writers[name] = DeviceWriter(self._session(name), self._sleep)
        return self._writers[name]


def topology_devices(
    topology: "Topology", desired: "DesiredState", urls: Mapping[str, str], tls: TlsOptions, http: HttpOptions
) -> LiveDevices:
    """The live devices of one topology (--bigip URLs first, else each managementURL)."""
    from ..live import bigip_url, check_bigip_names

    check_bigip_names(topology, urls)
    marker = ownership_marker(topology.metadata.name)
    resolved = {b.name: bigip_url(topology, b.name, urls) for b in topology.bigips}
    return LiveDevices(desired.bigips, resolved, lambda description: description == marker, tls, http)


def plan_devices(
    topology: "Topology",
    desired: "DesiredState",
    read: Reader,
    groups: Callable[[str], list[str]],
    *,
    bigips: tuple[str, ...] = (),
    adopt: bool = False,
) -> Plan:
    """The plan for the named BIG-IPs (all by default; a unit of an HA pair brings its pair along)."""
    from ..facts import ha_pairs

    names = [b.name for b in topology.bigips]
    pairs = [[names[i] for i in members] for members in ha_pairs(topology).values()]
    selected = selected_units(bigips, names, pairs, "topology")
    roles = ha_roles(pairs)
    inputs = {}
    for bigip in topology.bigips:
        if bigip.name not in selected:
            continue
        role, peers = roles.get(bigip.name, (HaRole.SINGLE, ()))
        group = None
        if role is HaRole.SYNC_SOURCE:
            found = groups(bigip.name)
            if len(found) != 1:
                raise PlanError(
                    f"{bigip.name}: config sync needs exactly one sync-failover device group, the device has "
                    f"{len(found)} ({', '.join(found) or 'none'})"
                )
            group = found[0]
        inputs[bigip.name] = DeviceInput(
            desired.bigips[bigip.name],
            read(bigip.name)[0],
            role,
            peers,
            group,
            cis_owns_fdb=topology.cis is not None and not bigip.static_fdb,
        )
    return compute_plan(topology.metadata.name, inputs, adopt=adopt)


def cis_keeps_fdb(topology: "Topology") -> CisKeeps:
    """Where CIS keeps the FDB (a cis section and staticFDB false): every record of that BIG-IP."""
    devices = frozenset(b.name for b in topology.bigips if topology.cis is not None and not b.static_fdb)
    return lambda device, record: device in devices
