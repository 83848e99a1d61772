"""`make run` and docker-compose.yml describe the same processes (deploy/k8s/ is checked by
tests/deploy/test_k8s.py): same names, same commands (up to host, port binding and file
locations), same configuration variables."""

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
        # beyond the shared variables, only that service's own prefixed settings (and the
        # liveness file of the processes without an HTTP port)
        own = f"{service.upper()}_"
        extra = {
            v for v in names - set(process.env) - {"MIF_LIVENESS_FILE"} if not v.startswith(own)
        }
        assert not extra, (name, extra)


def test_compose_infrastructure(compose: dict[str, Any]) -> None:
    assert compose["postgres"]["image"] == "postgres:16"
    assert compose["redis"]["image"] == "redis:7"
    assert compose["migrate"]["command"] == ["python", "deploy/local/run.py", "migrate"]
    for name, service in compose.items():
        if name == "migrate":
            continue
        assert service.get("restart") == "unless-stopped", name
        assert "healthcheck" in service, name
        if name not in INFRA:
            depends = service["depends_on"]
            assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
    assert compose["gateway"]["ports"] == ["${MIF_HTTP_PORT:-8000}:8000"]


def _queues(argv: list[str] | tuple[str, ...]) -> set[str]:
    return set(argv[list(argv).index("-Q") + 1].split(",")) if "-Q" in argv else set()
