"""The emulators serve the documented shapes (so reader tests exercise what a real device or API server sends)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.emulators.bigip import BigipEmulator
from tests.emulators.kube import KubeEmulator

pytestmark = pytest.mark.slow  # every test here serves an emulated API on a local socket


def fetch(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_icontrol_login_collection_object_and_paging_shapes():
    with BigipEmulator("admin", "pw") as emulator:
        emulator.add_device_defaults()
        status, denied = fetch(emulator.url + "/mgmt/tm/net/self")
        assert status == 401 and denied["code"] == 401
        status, login = fetch(
            emulator.url + "/mgmt/shared/authn/login", "POST", {"username": "admin", "password": "pw", "loginProviderName": "tmos"}
        )
        token = {"X-F5-Auth-Token": login["token"]["token"]}
        status, collection = fetch(emulator.url + "/mgmt/tm/net/tunnels/tunnel?$top=1", headers=token)
        assert collection["kind"] == "tm:net:tunnels:tunnel:tunnelcollectionstate"
        assert collection["nextLink"].startswith("https://localhost/mgmt/tm/net/tunnels/tunnel?$top=1&$skip=1")
        assert (collection["currentItemCount"], collection["totalItems"], collection["totalPages"]) == (1, 2, 2)
        item = collection["items"][0]
        assert item["kind"] == "tm:net:tunnels:tunnel:tunnelstate"
        assert item["fullPath"] == "/Common/http-tunnel" and item["partition"] == "Common"
        assert item["selfLink"].startswith("https://localhost/mgmt/tm/net/tunnels/tunnel/~Common~http-tunnel?ver=")
        assert isinstance(item["generation"], int)
        status, db = fetch(emulator.url + "/mgmt/tm/sys/db/iptunnel.configsync", headers=token)
        assert (db["kind"], db["value"], "partition" in db) == ("tm:sys:db:dbstate", "enable", False)
        status, missing = fetch(emulator.url + "/mgmt/tm/net/self/~Common~nope", headers=token)
        assert status == 404 and "was not found" in missing["message"]
        # Writes as the REST API does them (vtepc apply): create by POST, 409 for a name that exists.
        status, created = fetch(emulator.url + "/mgmt/tm/net/self", "POST", {"name": "x", "address": "192.0.2.9/24"}, headers=token)
        assert status == 200 and created["fullPath"] == "/Common/x" and isinstance(created["generation"], int)
        status, conflict = fetch(emulator.url + "/mgmt/tm/net/self", "POST", {"name": "x"}, headers=token)
        assert status == 409 and "already exists" in conflict["message"]


def test_fdb_records_inline_and_as_subcollection():
    with BigipEmulator("admin", "pw") as emulator:
        emulator.add_fdb_record("flannel_vxlan", "0a:0a:0a:a9:48:ef", "10.169.72.239")
        status, login = fetch(emulator.url + "/mgmt/shared/authn/login", "POST", {"username": "admin", "password": "pw"})
        token = {"X-F5-Auth-Token": login["token"]["token"]}
        base = emulator.url + "/mgmt/tm/net/fdb/tunnel/~Common~flannel_vxlan"
        _, fdb = fetch(base, headers=token)
        assert fdb["kind"] == "tm:net:fdb:tunnel:tunnelstate"
        assert fdb["records"] == [{"name": "0a:0a:0a:a9:48:ef", "endpoint": "10.169.72.239"}]
        assert fdb["recordsReference"]["isSubcollection"] is True
        _, records = fetch(base + "/records", headers=token)
        assert records["items"][0]["name"] == "0a:0a:0a:a9:48:ef"


def test_kubernetes_list_continue_status_and_auth_shapes():
    with KubeEmulator("tok") as emulator:
        for i in range(3):
            emulator.add_node(f"n{i}", f"10.0.0.{i}")
        auth = {"Authorization": "Bearer tok"}
        status, unauthorized = fetch(emulator.url + "/api/v1/nodes")
        assert status == 401 and (unauthorized["kind"], unauthorized["reason"]) == ("Status", "Unauthorized")
        _, page = fetch(emulator.url + "/api/v1/nodes?limit=2", headers=auth)
        assert (page["kind"], page["apiVersion"]) == ("NodeList", "v1")
        assert page["metadata"]["remainingItemCount"] == 1 and page["metadata"]["continue"]
        assert "kind" not in page["items"][0] and page["items"][0]["metadata"]["resourceVersion"]
        _, rest = fetch(emulator.url + f"/api/v1/nodes?limit=2&continue={page['metadata']['continue']}", headers=auth)
        assert [n["metadata"]["name"] for n in rest["items"]] == ["n2"] and "continue" not in rest["metadata"]
        status, missing = fetch(emulator.url + "/api/v1/namespaces/kube-system/configmaps/nope", headers=auth)
        assert status == 404 and missing["reason"] == "NotFound"
