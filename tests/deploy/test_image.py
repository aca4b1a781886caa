"""The image cannot be built here (no container engine), so check what it depends on:
the non-editable install it makes carries every non-Python file the processes read, and
the Dockerfile, .dockerignore and manifests agree on user and contents."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from tests.deploy.render import ROOT, render

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def build_context(dest: Path) -> Path:
    """Copy what .dockerignore lets into the image build: the Dockerfile's view of the repo."""
    dest.mkdir(parents=True)
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        if line.startswith("!"):
            name = line[1:].strip("/")
            source = ROOT / name
            if source.is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
                shutil.copytree(source, dest / name, ignore=ignore)
            else:
                shutil.copy2(source, dest / name)
    return dest


def test_a_non_editable_install_carries_migrations_policies_and_templates(tmp_path: Path):
    # The same install as the Dockerfile's (`pip install .`, from the build context only).
    context = build_context(tmp_path / "context")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(context),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("ecohost-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for service in ("engagement", "evaluation", "archive", "compliance"):
        migrations = f"services/{service}/migrations/"
        assert migrations + "env.py" in names
        assert migrations + "script.py.mako" in names
        assert any(n.startswith(migrations + "versions/0001_") for n in names), service
    assert {"gateway/authz/model.conf", "gateway/authz/policy.csv"} <= names
    assert any(n.startswith("services/evaluation/templates/") for n in names)


def test_the_image_user_is_the_one_the_pods_require():
    (user,) = re.findall(r"^USER (\d+):(\d+)$", DOCKERFILE, re.MULTILINE)
    for obj in render("prod"):
        if obj["kind"] in ("Deployment", "Job") and obj["metadata"]["name"] != "nats":
            context = obj["spec"]["template"]["spec"]["securityContext"]
            assert (str(context["runAsUser"]), str(context["runAsGroup"])) == user


def test_the_build_context_holds_every_package_the_install_needs():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    allowed = {
        line[1:].strip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    assert packages | {"pyproject.toml", "README.md"} <= allowed
    for package in packages:
        assert f"COPY {package} {package}" in DOCKERFILE
