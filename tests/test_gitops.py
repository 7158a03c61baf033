"""Argo CD plugin, Flux, pre-commit: each config run or checked the way its tool would use it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import EXAMPLE_FILES, EXAMPLES, ROOT
from tests.test_manifests import kubernetes_objects

ARGOCD = ROOT / "deploy" / "argocd"
FLUX = ROOT / "deploy" / "flux"


def _load(path: Path):
    return YAML(typ="safe").load(path.read_text())


def _env_with_vtepc() -> dict[str, str]:
    """PATH as a container would have it: the vtepc console script next to this Python."""
    bin_dir = str(Path(sys.executable).parent)
    assert shutil.which("vtepc", path=bin_dir + os.pathsep + os.environ["PATH"]), "vtepc is not installed"
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]}


PLUGIN = _load(ARGOCD / "plugin.yaml")


def test_plugin_is_a_config_management_plugin_that_discovers_topology_files():
    assert PLUGIN["apiVersion"] == "argoproj.io/v1alpha1" and PLUGIN["kind"] == "ConfigManagementPlugin"
    pattern = PLUGIN["spec"]["discover"]["fileName"]
    assert fnmatch("./vtepc-topology.yaml", pattern) and fnmatch("./prod.vtepc.yaml", pattern)
    assert not fnmatch("./values.yaml", pattern)


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_plugin_generate_prints_only_kubernetes_objects(example, tmp_path):
    # Argo CD runs generate in the Application's directory, user env prefixed with ARGOCD_ENV_.
    shutil.copy(example, tmp_path / "vtepc-topology.yaml")
    generate = PLUGIN["spec"]["generate"]
    done = subprocess.run([*generate["command"], *generate["args"]], cwd=tmp_path, env=_env_with_vtepc(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert kubernetes_objects(done.stdout)


@pytest.mark.slow
def test_plugin_generate_takes_the_file_from_the_application_env(tmp_path):
    shutil.copy(EXAMPLES / "flannel.yaml", tmp_path / "prod.vtepc.yaml")
    generate = PLUGIN["spec"]["generate"]
    env = {**_env_with_vtepc(), "ARGOCD_ENV_TOPOLOGY": "prod.vtepc.yaml"}
    done = subprocess.run([*generate["command"], *generate["args"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert [o["kind"] for o in kubernetes_objects(done.stdout)] == [
        "Node",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
    ]


def _generate(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    generate = PLUGIN["spec"]["generate"]
    return subprocess.run(
        [*generate["command"], *generate["args"]], cwd=cwd, env={**_env_with_vtepc(), **(env or {})}, capture_output=True, text=True
    )


@pytest.mark.slow
def test_plugin_generate_renders_the_one_file_discovery_matched(tmp_path):
    """Discovery matches `*vtepc*.yaml`; generate must render that file, not insist on vtepc-topology.yaml."""
    shutil.copy(EXAMPLES / "flannel.yaml", tmp_path / "prod.vtepc.yaml")
    assert fnmatch("./prod.vtepc.yaml", PLUGIN["spec"]["discover"]["fileName"])
    done = _generate(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Node" in [o["kind"] for o in kubernetes_objects(done.stdout)]


@pytest.mark.slow
def test_plugin_generate_with_two_topologies_asks_for_the_env(tmp_path):
    shutil.copy(EXAMPLES / "flannel.yaml", tmp_path / "prod.vtepc.yaml")
    shutil.copy(EXAMPLES / "cilium-vxlan.yaml", tmp_path / "lab.vtepc.yaml")
    done = _generate(tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert "set the plugin env TOPOLOGY" in done.stderr and "lab.vtepc.yaml" in done.stderr
    assert _generate(tmp_path, {"ARGOCD_ENV_TOPOLOGY": "lab.vtepc.yaml"}).returncode == 0


def test_plugin_image_is_pinned_and_holds_only_the_wheel():
    dockerfile = (ARGOCD / "Dockerfile").read_text()
    images = re.findall(r"^ARG PYTHON_IMAGE=(\S+)", dockerfile, re.M)
    assert len(images) == 1 and re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+@sha256:[0-9a-f]{64}", images[0])
    assert re.findall(r"^FROM (\S+)", dockerfile, re.M) == ["${PYTHON_IMAGE}", "${PYTHON_IMAGE}"]
    copies = re.findall(r"^COPY (.+)$", dockerfile, re.M)
    assert not [c for c in copies if c.split()[0] == "."], "the whole work tree would land in a layer"
    assert "--mount=type=bind,from=wheel" in dockerfile


def test_no_deploy_file_is_named_like_kustomizes_own():
    """kustomize (and Flux's kustomize-controller) takes any kustomization.yaml for a kustomize Kustomization."""
    for path in (ROOT / "deploy").rglob("*"):
        if path.name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
            assert _load(path)["apiVersion"].startswith("kustomize.config.k8s.io/"), path


def test_plugin_configmap_carries_plugin_yaml_verbatim():
    configmap = _load(ARGOCD / "plugin-configmap.yaml")
    assert configmap["data"]["plugin.yaml"] == (ARGOCD / "plugin.yaml").read_text()


def test_sidecar_patch_follows_argo_cd_requirements():
    patch = _load(ARGOCD / "sidecar-patch.yaml")
    assert (patch["kind"], patch["metadata"]["name"]) == ("Deployment", "argocd-repo-server")
    pod = patch["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["/var/run/argocd/argocd-cmp-server"]
    assert container["securityContext"]["runAsUser"] == 999
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert {"/var/run/argocd", "/home/argocd/cmp-server/plugins", "/tmp"} <= set(mounts)
    assert mounts["/home/argocd/cmp-server/config/plugin.yaml"]["subPath"] == "plugin.yaml"
    configmap = _load(ARGOCD / "plugin-configmap.yaml")
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes[mounts["/home/argocd/cmp-server/config/plugin.yaml"]["name"]]["configMap"]["name"] == configmap["metadata"]["name"]
    # var-files and plugins are the repo-server's own volumes; the rest must be declared here.
    assert {m["name"] for m in mounts.values()} - {"var-files", "plugins"} <= set(volumes)
    dockerfile = (ARGOCD / "Dockerfile").read_text()
    assert "/home/argocd/cmp-server/config/plugin.yaml" in dockerfile and "USER 999" in dockerfile


def test_applications_use_the_plugin_name_or_the_rendered_path():
    plugin_app = _load(ARGOCD / "application-plugin.yaml")
    assert plugin_app["spec"]["source"]["plugin"]["name"] == f"{PLUGIN['metadata']['name']}-{PLUGIN['spec']['version']}"
    rendered_app = _load(ARGOCD / "application-rendered.yaml")
    assert rendered_app["spec"]["source"]["path"].endswith("/kubernetes")
    for app in (plugin_app, rendered_app):
        assert "ServerSideApply=true" in app["spec"]["syncPolicy"]["syncOptions"]


def test_flux_kustomization_applies_the_rendered_kubernetes_directory():
    source, kustomization = YAML(typ="safe").load_all((FLUX / "vtepc-flux.yaml").read_text())
    assert kustomization["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1"
    assert kustomization["spec"]["sourceRef"] == {"kind": source["kind"], "name": source["metadata"]["name"]}
    assert source["apiVersion"] == "source.toolkit.fluxcd.io/v1"
    assert kustomization["spec"]["path"].endswith("/kubernetes")
    assert kustomization["spec"]["prune"] is False


HOOKS = {hook["id"]: hook for hook in _load(ROOT / ".pre-commit-hooks.yaml")}


def _run_hook(hook_id: str, args: list[str], filenames: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """What pre-commit runs: entry, then args, then the staged files that match (unless pass_filenames: false)."""
    hook = HOOKS[hook_id]
    for key in ("id", "name", "entry", "language"):
        assert key in hook
    if hook.get("pass_filenames", True) is False:
        filenames = []
    for name in filenames:
        assert re.search(hook["files"], name), f"{name} does not match {hook['files']}"
    command = shlex.split(hook["entry"]) + args + filenames
    return subprocess.run(command, cwd=cwd, env=_env_with_vtepc(), capture_output=True, text=True)


@pytest.mark.slow
def test_validate_hook_checks_every_staged_topology(tmp_path):
    shutil.copy(EXAMPLES / "cilium-vxlan.yaml", tmp_path / "a.vtepc.yaml")
    (tmp_path / "b.vtepc.yaml").write_text((EXAMPLES / "flannel.yaml").read_text().replace("172.16.2.10", "172.16.2.999"))
    assert _run_hook("vtepc-validate", [], ["a.vtepc.yaml"], tmp_path).returncode == 0
    both = _run_hook("vtepc-validate", [], ["b.vtepc.yaml", "a.vtepc.yaml"], tmp_path)
    assert both.returncode == 1
    assert "b.vtepc.yaml:15:" in both.stderr and "a.vtepc.yaml: ok" in both.stderr and both.stdout == ""
    assert not re.search(HOOKS["vtepc-validate"]["files"], "values.yaml")


@pytest.mark.slow
def test_build_check_hook_fails_on_a_stale_directory(tmp_path):
    shutil.copy(EXAMPLES / "cilium-vxlan.yaml", tmp_path / "prod.vtepc.yaml")
    args = ["prod.vtepc.yaml", "-o", "rendered/prod"]
    subprocess.run([sys.executable, "-m", "vtepc", "build", *args], cwd=tmp_path, check=True, capture_output=True)
    assert _run_hook("vtepc-build-check", args, ["prod.vtepc.yaml"], tmp_path).returncode == 0
    topology = tmp_path / "prod.vtepc.yaml"
    topology.write_text(topology.read_text().replace("10.169.72.233", "10.169.72.234"))
    stale = _run_hook("vtepc-build-check", args, ["prod.vtepc.yaml"], tmp_path)
    assert stale.returncode == 1 and "stale" in stale.stderr
