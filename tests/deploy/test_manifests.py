"""Both overlays render with kustomize and validate strictly against the Kubernetes
schemas, offline; and they keep the promises of docs/operations.md: hardened pods, no
secret values, one image, migrations as Jobs, only the gateway reachable from outside,
services limited to NATS, PostgreSQL and S3, NATS fsyncing every write."""

from __future__ import annotations

import copy
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from gateway.persisted import load_registry
from tests.deploy.render import OVERLAYS, render, validation_errors

PROCESSES = {
    "gateway": ["python", "-m", "gateway"],
    "engagement": ["python", "-m", "services.engagement"],
    "evaluation": ["python", "-m", "services.evaluation"],
    "archive": ["python", "-m", "services.archive"],
    "compliance": ["python", "-m", "services.compliance"],
}
SERVICES = ("engagement", "evaluation", "archive", "compliance")
# Env names whose value would be a credential: they must come from a Secret.
SECRET_WORDS = ("SECRET", "PASSWORD", "DATABASE_URL", "SIGNING_KEY", "ACCESS_KEY")


@pytest.fixture(scope="module", params=OVERLAYS)
def objects(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


def of_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def pod_specs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    kinds = ("Deployment", "StatefulSet", "Job")
    return {
        f"{o['kind']}/{o['metadata']['name']}": o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] in kinds
    }


def test_every_object_validates_strictly(objects: list[dict[str, Any]]) -> None:
    errors = [e for e in map(validation_errors, objects) if e]
    assert errors == []


def test_strict_validation_rejects_an_unknown_field(objects: list[dict[str, Any]]) -> None:
    # Proves the check above has teeth: a misspelt field would otherwise pass silently.
    deployment = copy.deepcopy(of_kind(objects, "Deployment")["gateway"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    assert validation_errors(deployment) is not None


def test_every_pod_is_hardened_and_bounded(objects: list[dict[str, Any]]) -> None:
    for name, spec in pod_specs(objects).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["readOnlyRootFilesystem"] is True, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            assert {"cpu", "memory"} <= c["resources"]["requests"].keys(), name
            assert {"cpu", "memory"} <= c["resources"]["limits"].keys(), name


def test_no_secret_value_is_in_the_manifests(objects: list[dict[str, Any]]) -> None:
    assert of_kind(objects, "Secret") == {}
    for name, config in of_kind(objects, "ConfigMap").items():
        for key in config.get("data", {}):
            assert not any(word in key for word in SECRET_WORDS), (name, key)
    for name, spec in pod_specs(objects).items():
        for c in spec["containers"]:
            for env in c.get("env", []):
                if any(word in env["name"] for word in SECRET_WORDS):
                    assert "secretKeyRef" in env.get("valueFrom", {}), (name, env)


def test_one_image_runs_every_process_with_its_command(objects: list[dict[str, Any]]) -> None:
    deployments = of_kind(objects, "Deployment")
    assert deployments.keys() == PROCESSES.keys()
    images = set()
    for name, command in PROCESSES.items():
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == command
        images.add(container["image"])
    jobs = of_kind(objects, "Job")
    for job in jobs.values():
        images.add(job["spec"]["template"]["spec"]["containers"][0]["image"])
    assert len(images) == 1, images


def test_each_service_has_a_migration_job(objects: list[dict[str, Any]]) -> None:
    jobs = of_kind(objects, "Job")
    commands = {
        j["spec"]["template"]["spec"]["containers"][0]["command"][-1] for j in jobs.values()
    }
    assert commands == set(SERVICES)
    for job in jobs.values():
        assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"
        assert job["spec"]["template"]["spec"]["containers"][0]["command"][:2] == [
            "ecohost",
            "migrate",
        ]
    # rollout.sh applies everything but the servers first, runs the Jobs, then the servers.
    for name in PROCESSES:
        deployment = of_kind(objects, "Deployment")[name]
        assert deployment["metadata"]["labels"]["app.kubernetes.io/component"] == "server"


def test_probes_split_liveness_from_readiness(objects: list[dict[str, Any]]) -> None:
    for name, deployment in of_kind(objects, "Deployment").items():
        spec = deployment["spec"]["template"]["spec"]
        c = spec["containers"][0]
        assert c["livenessProbe"]["httpGet"]["path"] == "/health/live", name
        assert c["readinessProbe"]["httpGet"]["path"] == "/health/ready", name
        assert c["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep", name
        assert spec["terminationGracePeriodSeconds"] >= 30, name


def test_every_server_has_a_disruption_budget_and_an_autoscaler(
    objects: list[dict[str, Any]],
) -> None:
    pdbs = {
        p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for p in of_kind(objects, "PodDisruptionBudget").values()
    }
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]
        for h in of_kind(objects, "HorizontalPodAutoscaler").values()
    }
    assert set(PROCESSES) <= pdbs
    assert set(PROCESSES) == hpas


def test_only_the_gateway_is_reachable_from_outside(objects: list[dict[str, Any]]) -> None:
    ingresses = of_kind(objects, "Ingress")
    backends = {
        path["backend"]["service"]["name"]
        for ingress in ingresses.values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"gateway"}
    for service in of_kind(objects, "Service").values():
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    policies = of_kind(objects, "NetworkPolicy")
    assert policies["default-deny"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
    }
    # Services accept nothing but metrics scrapes; their egress is NATS, PostgreSQL, S3.
    services = policies["services"]["spec"]
    assert [p["port"] for rule in services["ingress"] for p in rule["ports"]] == [9090]
    egress_ports = {p["port"] for rule in services["egress"] for p in rule["ports"]}
    assert egress_ports == {4222, 5432, 443, 9000}


def test_nats_is_a_three_node_cluster_that_fsyncs_every_write(
    objects: list[dict[str, Any]],
) -> None:
    nats = of_kind(objects, "StatefulSet")["nats"]
    assert nats["spec"]["replicas"] == 3
    config = next(
        c for name, c in of_kind(objects, "ConfigMap").items() if name.startswith("nats-config")
    )
    conf = config["data"]["nats.conf"]
    assert "sync_interval: always" in conf
    assert conf.count("nats://nats-") == 3
    settings = next(
        c for name, c in of_kind(objects, "ConfigMap").items() if name.startswith("ecohost-config")
    )["data"]
    for service in SERVICES:
        assert settings[f"ECOHOST_{service.upper()}_STREAM_REPLICAS"] == "3"
        assert settings[f"ECOHOST_{service.upper()}_HEALTH_PORT"] == "9090"


def test_one_environment_for_all_and_production_secrets_come_from_secrets(
    objects: list[dict[str, Any]],
) -> None:
    # Production refuses development secrets at startup (kit/settings.py): an overlay in
    # production must hand every process its Secret, and never a secret as a literal.
    settings = next(
        c for name, c in of_kind(objects, "ConfigMap").items() if name.startswith("ecohost-config")
    )["data"]
    assert settings["ECOHOST_ENVIRONMENT"] in ("development", "production")
    # Per-process spellings are refused at startup: none may linger in a ConfigMap.
    assert not [k for k in settings if k.endswith("_ENVIRONMENT") and k != "ECOHOST_ENVIRONMENT"]
    if settings["ECOHOST_ENVIRONMENT"] != "production":
        return
    for name, deployment in of_kind(objects, "Deployment").items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        secrets = [s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s]
        assert secrets == [f"ecohost-{name}"], name


def test_the_prod_overlay_runs_in_production() -> None:
    settings = next(
        c for c in render("prod") if c["metadata"]["name"].startswith("ecohost-config")
    )["data"]
    assert settings["ECOHOST_ENVIRONMENT"] == "production"


def test_the_prod_overlay_runs_only_registered_operations(tmp_path: Path) -> None:
    # docs/api.md: production runs with the persisted-query allow-list. The registry is
    # mounted from a ConfigMap at the path the setting names, and loads as the gateway
    # loads it at start (a key that is not its query's sha256 would stop it).
    objects = render("prod")
    settings = next(c for c in objects if c["metadata"]["name"].startswith("ecohost-config"))[
        "data"
    ]
    assert settings["ECOHOST_GATEWAY_PERSISTED_QUERIES"] == "allow_list"
    path = PurePosixPath(settings["ECOHOST_GATEWAY_PERSISTED_QUERIES_PATH"])
    spec = of_kind(objects, "Deployment")["gateway"]["spec"]["template"]["spec"]
    [mount] = [
        m for m in spec["containers"][0]["volumeMounts"] if path.is_relative_to(m["mountPath"])
    ]
    assert mount["readOnly"] is True
    [volume] = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    registry = of_kind(objects, "ConfigMap")[volume["configMap"]["name"]]["data"]
    (tmp_path / path.name).write_text(registry[path.name])
    assert load_registry(tmp_path / path.name)
