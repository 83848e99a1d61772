"""deploy/k8s: the manifests are current with `make run`'s process table, render (kustomize
semantics, deploy/k8s/render.py), validate against the Kubernetes schemas shipped in
kubernetes-validate, and keep the deployment's rules: one image tag everywhere including
the migration Job, no Secret in git, each workload only the secrets it needs, probes on
every process, no `replicas:` under an autoscaler, PodDisruptionBudgets, TLS in front of the
gateway only, NetworkPolicies that let nothing else in."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30"
OVERLAY_IMAGE = "registry.example.invalid/mif/mif-erp:1.0.0"


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


render = _load("mif_k8s_render", K8S / "render.py")
generate = _load("mif_k8s_generate", K8S / "generate.py")
run = generate.load_run()

SERVICES = ["auth", "interventions", "inventory", "billing", "reporting", "notifications"]
APIS = ["gateway", *SERVICES]
WORKERS = [
    "worker-auth", "worker-interventions", "worker-inventory", "worker-billing",
    "worker-reporting", "worker-reporting-heavy", "worker-notifications",
]  # fmt: skip
SINGLETONS = ["beat", "relay"]
# Which secret variables each workload reads, written out: the gateway and beat hold no
# database credential and no service token; the auth key, the storage and SMTP credentials
# only where they are used.
SERVICE_BASE = {"DATABASE_URL", "REDIS_URL", "SERVICE_TOKEN_SECRET"}
STORAGE = {"STORAGE_S3_ACCESS_KEY_ID", "STORAGE_S3_SECRET_ACCESS_KEY"}
EXPECTED_SECRETS = {
    "gateway": {"REDIS_URL"},
    "auth": SERVICE_BASE | {"AUTH_KEY_ENCRYPTION_KEY"},
    "worker-auth": SERVICE_BASE | {"AUTH_KEY_ENCRYPTION_KEY"},
    "interventions": SERVICE_BASE | STORAGE,
    "worker-interventions": SERVICE_BASE | STORAGE,
    "inventory": SERVICE_BASE,
    "worker-inventory": SERVICE_BASE,
    "billing": SERVICE_BASE,
    "worker-billing": SERVICE_BASE,
    "reporting": SERVICE_BASE | STORAGE,
    "worker-reporting": SERVICE_BASE | STORAGE,
    "worker-reporting-heavy": SERVICE_BASE | STORAGE,
    "notifications": SERVICE_BASE,
    "worker-notifications": SERVICE_BASE | {"NOTIFICATIONS_SMTP_PASSWORD"},
    "beat": {"REDIS_URL"},
    "relay": {"DATABASE_URL", "REDIS_URL"},
    "migrate": {"DATABASE_URL", "AUTH_KEY_ENCRYPTION_KEY", "MIF_ADMIN_PASSWORD"},
}
SECRET_VARIABLES = set().union(*EXPECTED_SECRETS.values())
# Kinds of the operators the manifests use (KEDA, External Secrets): not in the Kubernetes
# schemas, checked for their required fields below.
CUSTOM_KINDS = {"ScaledObject", "TriggerAuthentication", "ExternalSecret"}
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$")


@pytest.fixture(scope="module", params=["base", "production"])
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    folder = K8S / "base" if request.param == "base" else K8S / "overlays" / "production"
    return render.build(folder)


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return render.build(K8S / "overlays" / "production")


@pytest.fixture(scope="module")
def table() -> dict[str, Any]:
    config = run.Config("postgresql://db/x", "redis://r/0", Path("/data"), port_base=8000)
    return {p.name: p for p in run.processes(config, environ={})}


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _all(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return list(of_kind(docs, kind).values())


def pod(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]


def only_container(doc: dict[str, Any]) -> dict[str, Any]:
    [container] = pod(doc)["containers"]
    return container


def secret_refs(container: dict[str, Any]) -> set[str]:
    return {e["name"] for e in container.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}


def workloads(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    [job] = [d for d in docs if d["kind"] == "Job"]
    return of_kind(docs, "Deployment") | {"migrate": job}


def test_base_is_generated_from_the_process_table() -> None:
    expected = generate.rendered_files()
    actual = {p.name: p.read_text() for p in (K8S / "base").glob("*.yaml")}
    assert actual == expected, "run: python deploy/k8s/generate.py"


def test_every_document_validates_against_the_kubernetes_schemas(
    rendered: list[dict[str, Any]],
) -> None:
    kinds = set()
    for doc in rendered:
        kinds.add(doc["kind"])
        if doc["kind"] in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    assert {"Deployment", "Service", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget",
            "Ingress", "NetworkPolicy", "ConfigMap", "Namespace"} <= kinds  # fmt: skip


def test_the_schema_check_catches_mistakes() -> None:
    docs = render.build(K8S / "base")
    broken = of_kind(docs, "Deployment")["gateway"]
    only_container(broken)["livenessProbe"]["periodSecond"] = 10  # misspelt field
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_custom_resources_have_their_required_fields(rendered: list[dict[str, Any]]) -> None:
    deployments = of_kind(rendered, "Deployment")
    for scaled in of_kind(rendered, "ScaledObject").values():
        assert scaled["apiVersion"] == "keda.sh/v1alpha1"
        assert scaled["spec"]["scaleTargetRef"]["name"] in deployments
        for trigger in scaled["spec"]["triggers"]:
            assert trigger["type"] == "redis"
            assert trigger["authenticationRef"]["name"] in of_kind(
                rendered, "TriggerAuthentication"
            )
            assert set(trigger["metadata"]) >= {"address", "listName", "listLength"}
    for external in of_kind(rendered, "ExternalSecret").values():
        assert external["apiVersion"] == "external-secrets.io/v1"
        spec = external["spec"]
        assert spec["secretStoreRef"]["name"] and spec["target"]["name"]
        assert all(d["secretKey"] and d["remoteRef"]["key"] for d in spec["data"])


def test_one_image_tag_everywhere_including_the_migration_job(
    production: list[dict[str, Any]],
) -> None:
    images = {
        name: c["image"]
        for name, doc in workloads(production).items()
        for c in pod(doc)["containers"]
    }
    assert set(images) == {*APIS, *WORKERS, *SINGLETONS, "migrate"}
    assert set(images.values()) == {OVERLAY_IMAGE}
    [job] = of_kind(production, "Job").values()
    # named after the release: a new tag is a new Job, the same tag again changes nothing
    assert job["metadata"]["name"] == "migrate-1.0.0"
    assert DNS_SUBDOMAIN.match(job["metadata"]["name"])
    assert only_container(job)["command"] == ["python", "deploy/local/run.py", "migrate"]
    assert pod(job)["restartPolicy"] == "OnFailure"
    base_job = next(d for d in render.build(K8S / "base") if d["kind"] == "Job")
    assert base_job["metadata"]["name"] == "migrate-latest"
    assert only_container(base_job)["image"] == "mif-erp:latest"


def test_a_new_release_is_a_new_migration_job(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    source = yaml.safe_load((K8S / "overlays" / "production" / "kustomization.yaml").read_text())
    source["resources"] = [str(K8S / "base")]
    source["images"][0]["newTag"] = "2.3.1"
    source.pop("patches")
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump(source))
    docs = render.build(overlay)
    [job] = of_kind(docs, "Job").values()
    assert job["metadata"]["name"] == "migrate-2.3.1"
    assert only_container(job)["image"] == "registry.example.invalid/mif/mif-erp:2.3.1"


def test_applying_the_migrate_stage_first_brings_what_the_job_needs(
    production: list[dict[str, Any]],
) -> None:
    stage = {
        (d["kind"], d["metadata"]["name"])
        for d in production
        if d["metadata"].get("labels", {}).get("mif/stage") == "migrate"
    }
    assert stage == {
        ("ConfigMap", "mif-config"),
        ("Job", "migrate-1.0.0"),
        ("ExternalSecret", "mif-database"),
        ("ExternalSecret", "mif-auth-keys"),
        ("ExternalSecret", "mif-admin"),
    }


def test_no_secret_in_git() -> None:
    for path in K8S.rglob("*.yaml"):
        for doc in render.load_docs(path):
            assert doc.get("kind") != "Secret", path
            text = yaml.safe_dump(doc)
            assert "CHANGE-ME" not in text, path
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "CHANGE-ME" not in compose


def test_secrets_only_by_reference_and_only_where_needed(
    rendered: list[dict[str, Any]],
) -> None:
    [config] = of_kind(rendered, "ConfigMap").values()
    assert not SECRET_VARIABLES & set(config["data"])
    for name, doc in workloads(rendered).items():
        container = only_container(doc)
        assert secret_refs(container) == EXPECTED_SECRETS[name], name
        plain = {e["name"] for e in container.get("env", []) if "value" in e}
        assert not plain & SECRET_VARIABLES, name
        assert [next(iter(ref)) for ref in container["envFrom"]] == ["configMapRef"], name
        # no Kubernetes API credential in pods that never call the API
        assert pod(doc)["automountServiceAccountToken"] is False, name


def test_every_make_run_process_is_deployed_with_the_same_variables(
    table: dict[str, Any], rendered: list[dict[str, Any]]
) -> None:
    [config] = of_kind(rendered, "ConfigMap").values()
    deployments = of_kind(rendered, "Deployment")
    deployed: dict[str, list[str]] = {}
    for name, doc in deployments.items():
        deployed.setdefault(doc["metadata"]["labels"]["mif/process"], []).append(name)
    assert set(deployed) == set(table)
    for process_name, process in table.items():
        for name in deployed[process_name]:
            container = only_container(deployments[name])
            variables = set(config["data"]) | secret_refs(container)
            withheld = set(process.env) - variables
            # what a workload does not get is a secret it does not need, nothing else
            assert withheld <= SECRET_VARIABLES - EXPECTED_SECRETS[name], (name, withheld)
            assert container["command"][0] == Path(process.argv[0]).name.replace(
                Path(sys.executable).name, "python"
            )
            assert _normalized(container["command"]) == _normalized(process.argv), name
    # the workers' queues: every queue of make run's process has a Deployment consuming it
    queues = {
        name: set(_arg(only_container(deployments[name])["command"], "-Q").split(","))
        for name in WORKERS
    }
    assert queues["worker-reporting"] | queues["worker-reporting-heavy"] == {
        "reporting",
        "reporting.heavy",
    }
    assert queues["worker-reporting"].isdisjoint(queues["worker-reporting-heavy"])
    # the cluster's addresses of the services
    assert config["data"]["GATEWAY_BILLING_URL"] == "http://billing:8004"
    assert config["data"]["AUTH_INTERNAL_URL"] == "http://auth:8001"
    assert config["data"]["JWKS_URL"] == "http://auth:8001/api/v1/auth/jwks.json"
    assert config["data"]["ENVIRONMENT"] == "production"
    assert config["data"]["STORAGE_BACKEND"] == "s3"


def _arg(argv: list[str] | tuple[str, ...], flag: str) -> str:
    return list(argv)[list(argv).index(flag) + 1]


def _normalized(argv: list[str] | tuple[str, ...]) -> list[str]:
    """The command up to the executable's location, where beat keeps its schedule, and
    which of its process's queues a worker Deployment takes."""
    words = [Path(argv[0]).name, *argv[1:]]
    words[0] = "python" if words[0].startswith("python") else words[0]
    for flag in ("--schedule", "-Q", "-n", "--host"):
        if flag in words:
            words[words.index(flag) + 1] = "<" + flag + ">"
    return words


def test_probes_on_every_process(rendered: list[dict[str, Any]]) -> None:
    deployments = of_kind(rendered, "Deployment")
    assert set(deployments) == {*APIS, *WORKERS, *SINGLETONS}
    for name, doc in deployments.items():
        container = only_container(doc)
        assert "livenessProbe" in container and "startupProbe" in container, name
        if name in APIS:
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        else:
            env = {e["name"]: e.get("value") for e in container["env"]}
            command = container["livenessProbe"]["exec"]["command"]
            assert command[:3] == ["python", "-m", "shared.liveness"], name
            assert command[3] == env["MIF_LIVENESS_FILE"] == "/tmp/liveness/alive", name  # noqa: S108
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert "/tmp" in mounts, name  # noqa: S108 writable under a read-only root


def test_no_replicas_where_an_autoscaler_owns_the_count(rendered: list[dict[str, Any]]) -> None:
    deployments = of_kind(rendered, "Deployment")
    hpa = {
        h["spec"]["scaleTargetRef"]["name"]
        for h in of_kind(rendered, "HorizontalPodAutoscaler").values()
    }
    keda = {s["spec"]["scaleTargetRef"]["name"] for s in of_kind(rendered, "ScaledObject").values()}
    assert hpa == set(APIS)
    assert keda == set(WORKERS)
    for name, doc in deployments.items():
        if name in hpa | keda:
            assert "replicas" not in doc["spec"], name
        else:
            assert doc["spec"]["replicas"] == 1, name
            assert doc["spec"]["strategy"] == {"type": "Recreate"}, name
    for name, hpa_doc in of_kind(rendered, "HorizontalPodAutoscaler").items():
        assert hpa_doc["spec"]["minReplicas"] >= 2, name
        [metric] = hpa_doc["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"


def test_workers_scale_on_the_length_of_their_redis_lists(rendered: list[dict[str, Any]]) -> None:
    deployments = of_kind(rendered, "Deployment")
    for name, scaled in of_kind(rendered, "ScaledObject").items():
        lists = {t["metadata"]["listName"] for t in scaled["spec"]["triggers"]}
        queues = set(_arg(only_container(deployments[name])["command"], "-Q").split(","))
        service = name.removeprefix("worker-").removesuffix("-heavy")
        expected = queues if name.endswith("-heavy") else queues | {f"{service}.events"}
        assert lists == expected, name
        assert scaled["spec"]["minReplicaCount"] >= 1


def test_disruption_budgets(rendered: list[dict[str, Any]]) -> None:
    budgets = of_kind(rendered, "PodDisruptionBudget")
    assert set(budgets) == {*APIS, *WORKERS}
    for name in APIS:
        assert budgets[name]["spec"]["minAvailable"] == 1
    for name in WORKERS:
        assert budgets[name]["spec"]["maxUnavailable"] == 1  # never blocks a node drain
    deployments = of_kind(rendered, "Deployment")
    for name, budget in budgets.items():
        labels = (
            pod(deployments[name]).get("labels")
            or deployments[name]["spec"]["template"]["metadata"]["labels"]
        )
        assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items(), name


def test_tls_ingress_in_front_of_the_gateway_only(rendered: list[dict[str, Any]]) -> None:
    [ingress] = of_kind(rendered, "Ingress").values()
    spec = ingress["spec"]
    backends = {
        p["backend"]["service"]["name"] for rule in spec["rules"] for p in rule["http"]["paths"]
    }
    assert backends == {"gateway"}
    tls_hosts = {h for entry in spec["tls"] for h in entry["hosts"]}
    assert {rule["host"] for rule in spec["rules"]} <= tls_hosts
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"]
    for service in of_kind(rendered, "Service").values():
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP"


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if not selector:
        return True
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _pod_labels(rendered: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        name: doc["spec"]["template"]["metadata"]["labels"]
        for name, doc in workloads(rendered).items()
    }


def _ingress_sources(policies: list[dict[str, Any]], labels: dict[str, str]) -> list[Any]:
    sources = []
    for policy in policies:
        spec = policy["spec"]
        if "Ingress" in spec["policyTypes"] and _selects(spec["podSelector"], labels):
            for rule in spec.get("ingress", []):
                sources += rule.get("from", [None])  # a rule without `from`: anyone
    return sources


def test_network_policies(rendered: list[dict[str, Any]]) -> None:
    policies = list(of_kind(rendered, "NetworkPolicy").values())
    deny = of_kind(rendered, "NetworkPolicy")["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    pods = _pod_labels(rendered)
    outside = {"ingress-nginx", "monitoring"}
    for name, labels in pods.items():
        sources = _ingress_sources(policies, labels)
        assert None not in sources, name  # no rule open to every source
        namespaces = {
            s["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for s in sources
            if "namespaceSelector" in s
        }
        if name == "gateway":
            assert namespaces == outside  # the ingress controller (and Prometheus)
        elif name in SERVICES:
            assert namespaces == {"monitoring"}, name  # scraped, never reached from outside
        else:
            assert sources == [], name  # workers, beat, relay, migrate: nothing comes in
    # PostgreSQL and Redis (pods labelled as such): only their clients, and the gateway is
    # not a PostgreSQL client
    for server, variable in (("postgresql", "DATABASE_URL"), ("redis", "REDIS_URL")):
        sources = _ingress_sources(policies, {"app.kubernetes.io/name": server})
        assert sources == [{"podSelector": {"matchLabels": {f"mif/{server}-client": "true"}}}]
        clients = {n for n, labels in pods.items() if labels.get(f"mif/{server}-client")}
        assert clients == {n for n, s in EXPECTED_SECRETS.items() if variable in s}, server
    assert "mif/postgresql-client" not in pods["gateway"]


def test_containers_are_hardened(rendered: list[dict[str, Any]]) -> None:
    for name, doc in workloads(rendered).items():
        assert pod(doc)["securityContext"]["runAsNonRoot"] is True
        security = only_container(doc)["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"] == {"drop": ["ALL"]}, name
        assert "memory" in only_container(doc)["resources"]["limits"], name


def test_production_overlay_settings_are_refused_until_the_site_fills_them(
    production: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from billing.config import Settings as BillingSettings
    from pydantic import ValidationError

    [config] = of_kind(production, "ConfigMap").values()
    for key, value in config["data"].items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DATABASE_URL", "postgresql://mif:s3cr3t-from-the-store@db:5432/mif")
    with pytest.raises(ValidationError, match="BILLING_SOCIETE"):
        BillingSettings()


def test_renderer_refuses_what_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\ncommonLabels: {a: b}\n")
    with pytest.raises(render.RenderError, match="commonLabels"):
        render.build(tmp_path)
