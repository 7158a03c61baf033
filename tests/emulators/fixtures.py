"""Shared helpers and fixtures for the live-reader, snapshot and discover tests.

Test modules import the fixtures they use by name (pytest finds fixtures imported into a module).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import EXAMPLES
from vtepc.live.http import HttpOptions
from vtepc.model import Topology
from vtepc.state import DesiredState, compile_desired_state
from vtepc.state.static_routes import CisRoute
from vtepc.validate import load_topology

from .bigip import BigipEmulator
from .kube import KubeEmulator, write_kubeconfig
from .tls import Certificates, make_certificates

USERNAME = "vtepc-reader"
# Distinctive, so a leak test can grep for it anywhere; also contains characters that need escaping.
PASSWORD = 'Zq7-LEAKCHECK-p@ss/w0rd%"x'
KUBE_TOKEN = "kube-LEAKCHECK-token-8f3c1e"
# No waiting between retries in tests; attempts stay bounded at 3. The emulators serve plain
# http unless a test gives them a certificate: the explicit opt-in a user would have to give.
FAST = HttpOptions(timeout=5.0, attempts=3, backoff=0.0, allow_insecure_http=True)


def no_sleep(seconds: float) -> None:
    """Stands in for time.sleep: the retry path runs without waiting."""


def example_topology(name: str) -> Topology:
    return load_topology(EXAMPLES / f"{name}.yaml")


def write_cis_routes(bigips: dict[str, BigipEmulator], desired: DesiredState) -> None:
    """routing: static: the routes CIS has written on the BIG-IPs (in its partition, no vtepc marker)."""
    for route in desired.cluster.of_kind(CisRoute):
        bigips[route.bigip].put("net/route", route.name.split("/", 1)[1], route.partition, network=route.network, gw=route.gw)


def desired_example(name: str) -> DesiredState:
    return compile_desired_state(example_topology(name))


@dataclass
class Emulated:
    """Every target of one topology, running."""

    desired: DesiredState
    bigips: dict[str, BigipEmulator]
    kube: KubeEmulator
    kubeconfig: Path

    @property
    def bigip_urls(self) -> dict[str, str]:
        return {name: emulator.url for name, emulator in self.bigips.items()}

    def bigip_args(self) -> list[str]:
        """--bigip NAME=URL for each emulator, and the opt-in their plain http (no certificate) needs."""
        args = [arg for name, url in self.bigip_urls.items() for arg in ("--bigip", f"{name}={url}")]
        return args + (["--allow-insecure-http"] if self.kube.url.startswith("http://") else [])


@contextlib.contextmanager
def emulate(desired: DesiredState, directory: Path, certificates: Certificates | None = None) -> Iterator[Emulated]:
    """BIG-IP emulators and a Kubernetes emulator loaded with exactly `desired`."""
    pair = (certificates.certificate, certificates.key) if certificates else None
    with contextlib.ExitStack() as stack:
        bigips = {}
        for name, state in desired.bigips.items():
            emulator = stack.enter_context(BigipEmulator(USERNAME, PASSWORD, certificate=pair))
            emulator.load_state(state)
            bigips[name] = emulator
        write_cis_routes(bigips, desired)
        kube = stack.enter_context(KubeEmulator(KUBE_TOKEN, certificate=pair))
        kube.load_state(desired.cluster)
        kubeconfig = write_kubeconfig(directory / "kubeconfig", kube.url, KUBE_TOKEN, ca_file=certificates.ca if certificates else None)
        yield Emulated(desired, bigips, kube, kubeconfig)


@pytest.fixture
def bigip_env(monkeypatch) -> dict[str, str]:
    """Credentials in the environment, the only place vtepc takes them from."""
    for key in ("KUBECONFIG",):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("VTEPC_BIGIP_USERNAME", USERNAME)
    monkeypatch.setenv("VTEPC_BIGIP_PASSWORD", PASSWORD)
    return {"VTEPC_BIGIP_USERNAME": USERNAME, "VTEPC_BIGIP_PASSWORD": PASSWORD}


@pytest.fixture(scope="session")
def certificates(tmp_path_factory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))
