"""`make run`, docker-compose.yml and deploy/k8s/ describe the same processes: same names,
same commands (up to host, port binding and file locations), same configuration variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.system.supervised import ROOT, load_run_module

run = load_run_module()
INFRA = {"postgres", "redis", "migrate"}
# The only parts of a command that may differ between machines: where to listen and where
# beat keeps its schedule file.
PLACEHOLDERS = {"--host": "<host>", "--schedule": "<schedule>"}


def normalized(argv: list[str] | tuple[str, ...]) -> list[str]:
    words = [Path(argv[0]).name, *argv[1:]]
    for i, word in enumerate(words[:-1]):
        if word in PLACEHOLDERS:
            words[i + 1] = PLACEHOLDERS[word]
    return words


@pytest.fixture(scope="module")
def table() -> dict[str, Any]:
    config = run.Config("postgresql://db/x", "redis://r/0", Path("/data"), port_base=8000)
    # an empty user environment: only what the supervisor itself sets
    return {p.name: p for p in run.processes(config, environ={})}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


@pytest.fixture(scope="module")
def k8s() -> list[dict[str, Any]]:
    docs = []
    for path in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_table_matches_the_architecture(table: dict[str, Any]) -> None:
    services = ["auth", "interventions", "inventory", "billing", "reporting", "notifications"]
    assert list(table) == [
        "gateway",
        *services,
        *(f"worker-{s}" for s in services),
        "beat",
        "relay",
    ]
    ports = {
        name: p.argv[p.argv.index("--port") + 1] for name, p in table.items() if "--port" in p.argv
    }
    assert ports == {name: str(8000 + i) for i, name in enumerate(["gateway", *services])}
    assert table["worker-reporting"].argv[table["worker-reporting"].argv.index("-Q") + 1] == (
        "reporting,reporting.heavy"
    )


def test_make_run_folds_the_workers_into_one_process_consuming_every_queue() -> None:
    config = run.Config("postgresql://db/x", "redis://r/0", Path("/data"), port_base=8000)
    table = {p.name: p for p in run.processes(config, environ={})}
    local = {p.name: p for p in run.local_processes(config, environ={})}
    services = ["auth", "interventions", "inventory", "billing", "reporting", "notifications"]
    assert list(local) == ["gateway", *services, "worker", "beat", "relay"]
    worker = local["worker"].argv
    assert worker[worker.index("-A") + 1] == "shared.all_workers"
    every_queue = set().union(*(_queues(table[f"worker-{s}"].argv) for s in services))
    assert _queues(worker) == every_queue
    assert "reporting.heavy" in every_queue
    assert local["worker"].env == table["worker-auth"].env
    for name in local.keys() - {"worker"}:
        assert local[name] == table[name], name


def test_ports_and_data_dir_are_configurable() -> None:
    config = run.Config("postgresql://db/x", "redis://r/0", Path("/elsewhere"), port_base=28000)
    table = {p.name: p for p in run.processes(config, environ={})}
    assert "28006" in table["notifications"].argv
    assert "/elsewhere/celerybeat-schedule" in table["beat"].argv
    env = table["gateway"].env
    assert env["GATEWAY_AUTH_URL"] == "http://127.0.0.1:28001"
    assert env["JWKS_URL"] == "http://127.0.0.1:28001/api/v1/auth/jwks.json"


def test_user_settings_pass_through_but_not_over_the_database() -> None:
    config = run.Config("postgresql://db/x", "redis://r/0", Path("/d"))
    user = {"ENVIRONMENT": "production", "DATABASE_URL": "postgresql://other/y"}
    env = run.processes(config, environ=user)[0].env
    assert env["ENVIRONMENT"] == "production"
    assert env["DATABASE_URL"] == "postgresql://db/x"


def test_compose_runs_the_same_processes(table: dict[str, Any], compose: dict[str, Any]) -> None:
    assert set(compose) - INFRA == set(table)
    for name, process in table.items():
        assert normalized(compose[name]["command"]) == normalized(process.argv), name


def test_compose_sets_the_same_variables(table: dict[str, Any], compose: dict[str, Any]) -> None:
    for name, process in table.items():
        names = set(compose[name]["environment"])
        assert set(process.env) <= names, name
        service = name.removeprefix("worker-")
        # beyond the shared variables, only that service's own prefixed settings
        extra = {v for v in names - set(process.env) if not v.startswith(f"{service.upper()}_")}
        assert not extra, (name, extra)


def test_compose_infrastructure(compose: dict[str, Any]) -> None:
    assert compose["postgres"]["image"] == "postgres:16"
    assert compose["redis"]["image"] == "redis:7"
    assert compose["migrate"]["command"] == ["python", "deploy/local/run.py", "migrate"]
    for name, service in compose.items():
        if name == "migrate":
            continue
        assert service.get("restart") == "unless-stopped", name
        if name not in {"beat", "relay"}:
            assert "healthcheck" in service, name
        if name not in INFRA:
            depends = service["depends_on"]
            assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
    assert compose["gateway"]["ports"] == ["${MIF_HTTP_PORT:-8000}:8000"]


def _deployments(k8s: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in k8s if d["kind"] == "Deployment"}


def _queues(argv: list[str] | tuple[str, ...]) -> set[str]:
    return set(argv[list(argv).index("-Q") + 1].split(",")) if "-Q" in argv else set()


def test_every_k8s_deployment_is_a_process(
    table: dict[str, Any], k8s: list[dict[str, Any]]
) -> None:
    deployments = _deployments(k8s)
    covered: dict[str, set[str]] = {}
    for name, deployment in deployments.items():
        process_name = deployment["metadata"]["labels"]["mif/process"]
        assert process_name in table, name
        process = table[process_name]
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        command = container["command"]
        if "-Q" in command:
            # a worker Deployment takes one or more of its process's queues, nothing else
            queues = _queues(command)
            assert queues <= _queues(process.argv), name
            covered.setdefault(process_name, set()).update(queues)
            strip = {i for i, w in enumerate(command) if w == "-Q" or w == "-n"}
            strip |= {i + 1 for i in strip}
            pstrip = {i for i, w in enumerate(process.argv) if w in ("-Q", "-n")}
            pstrip |= {i + 1 for i in pstrip}
            ours = [w for i, w in enumerate(normalized(command)) if i not in strip]
            theirs = [w for i, w in enumerate(normalized(process.argv)) if i not in pstrip]
            assert ours == theirs, name
        else:
            assert normalized(command) == normalized(process.argv), name
            covered[process_name] = _queues(process.argv)
    # and every process runs somewhere, every queue has a consumer
    assert set(covered) == set(table)
    for name, queues in covered.items():
        assert queues == _queues(table[name].argv), name
    assert deployments["beat"]["spec"]["replicas"] == 1
    assert deployments["beat"]["spec"]["strategy"] == {"type": "Recreate"}


def test_k8s_configuration(table: dict[str, Any], k8s: list[dict[str, Any]]) -> None:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in k8s:
        by_kind.setdefault(doc["kind"], []).append(doc)
    [config] = by_kind["ConfigMap"]
    [secret] = by_kind["Secret"]
    variables = set(config["data"]) | set(secret["stringData"])
    assert set(table["gateway"].env) <= variables
    assert config["data"]["ENVIRONMENT"] == "production"
    for deployment in _deployments(k8s).values():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        refs = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
        assert refs == {"mif-config", "mif-secrets"}
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    apis = [name for name, p in table.items() if "--port" in p.argv]
    assert sorted(s["metadata"]["name"] for s in by_kind["Service"]) == sorted(apis)
    scaled = [h["spec"]["scaleTargetRef"]["name"] for h in by_kind["HorizontalPodAutoscaler"]]
    assert sorted(scaled) == sorted(apis)
    [job] = by_kind["Job"]
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "deploy/local/run.py", "migrate"]
    kustomization = yaml.safe_load((ROOT / "deploy" / "k8s" / "kustomization.yaml").read_text())
    manifests = {p.name for p in (ROOT / "deploy" / "k8s").glob("*.yaml")}
    assert set(kustomization["resources"]) == manifests - {"kustomization.yaml"}


def test_dockerfile_builds_from_the_lock_as_non_root() -> None:
    dockerfile = (ROOT / "deploy" / "docker" / "Dockerfile").read_text()
    assert "uv sync --locked --no-dev --all-packages" in dockerfile
    assert "\nUSER mif" in dockerfile
    # every workspace member's pyproject is copied before the dependency layer is built
    members = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))
    for member in members:
        assert f"COPY services/{member}/pyproject.toml" in dockerfile, member
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".data" in ignored and ".git" in ignored
