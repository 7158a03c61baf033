"""vtepc manifests: the Kubernetes side of a build as one YAML stream (the Argo CD plugin's generate)."""
from __future__ import annotations

from pathlib import Path

import typer

from ._app import app

KUSTOMIZATION = "kubernetes/kustomization.yaml"


def manifest_stream(artifacts: dict[str, str]) -> str:
    """The resources kubernetes/kustomization.yaml lists, in its order, as one multi-document stream.

    The kustomization is the one list of what is applied, so Argo CD (this stream), Flux and
    `kubectl apply -k` (the rendered directory) deploy the same objects; files beside it
    that are not Kubernetes objects (Helm values) stay out.
    """
    from ruamel.yaml import YAML

    from ..diagnostics import VtepcError

    if KUSTOMIZATION not in artifacts:
        raise VtepcError(f"the build produced no {KUSTOMIZATION}: this topology has no Kubernetes manifests")
    kustomization = YAML(typ="safe", pure=True).load(artifacts[KUSTOMIZATION]) or {}
    documents = []
    for resource in kustomization.get("resources") or []:
        path = f"kubernetes/{resource}"
        if path not in artifacts:
            raise VtepcError(f"{KUSTOMIZATION} lists {resource}, which the build did not produce")
        text = artifacts[path]
        text = text[4:] if text.startswith("---\n") else text
        documents.append(text if text.endswith("\n") else text + "\n")
    return "---\n".join(documents)


@app.command()
def manifests(topology: Path = typer.Argument(..., help="The topology YAML file.")) -> None:
    """Print only the Kubernetes manifests of a build, as one multi-document YAML stream.

    Stdout carries nothing but YAML (for the Argo CD plugin or `kubectl apply -f -`); warnings
    and errors go to stderr. Exit 0 ok, 1 invalid topology or no Kubernetes manifests.
    """
    from .. import api
    from .output import echo_warnings, exit_on_failure

    with exit_on_failure(topology, "no manifests printed"):
        artifacts, report = api.build(topology)
        stream = manifest_stream(artifacts)
    echo_warnings(report.warnings)
    typer.echo(stream, nl=False)
