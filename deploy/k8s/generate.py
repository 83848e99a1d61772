"""Writes deploy/k8s/base/ from `make run`'s process table (deploy/local/run.py), so the
cluster runs exactly the processes, commands and variables `make run` does.

    python deploy/k8s/generate.py          # rewrite base/*.yaml
    python deploy/k8s/generate.py --check  # exit 1 if base/ is not what this writes

tests/deploy/test_k8s.py checks the committed files are current, renders the base and the
production overlay (kustomize semantics, deploy/k8s/render.py) and validates them.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
BASE = HERE / "base"
ROOT = HERE.parents[1]
IMAGE = "mif-erp"
NAMESPACE = "mif-erp"
APP = "mif-erp"
LIVENESS_FILE = "/tmp/liveness/alive"  # noqa: S108 (an emptyDir mounted at /tmp)
BEAT_SCHEDULE_DIR = Path("/data")

# Secrets: never in git. Each workload gets only the keys it needs, one `env` entry each.
# optional: the workload starts without it (a feature stays off or a default is generated).
SECRETS: dict[str, dict[str, Any]] = {
    "mif-database": {"keys": ["DATABASE_URL"]},
    "mif-redis": {"keys": ["REDIS_URL", "REDIS_PASSWORD"]},  # the password: KEDA's scaler
    "mif-service-token": {"keys": ["SERVICE_TOKEN_SECRET"]},
    "mif-auth-keys": {"keys": ["AUTH_KEY_ENCRYPTION_KEY"]},
    "mif-storage": {"keys": ["STORAGE_S3_ACCESS_KEY_ID", "STORAGE_S3_SECRET_ACCESS_KEY"]},
    "mif-smtp": {"keys": ["NOTIFICATIONS_SMTP_PASSWORD"], "optional": True},
    "mif-admin": {"keys": ["MIF_ADMIN_PASSWORD"], "optional": True},
}
SECRET_OF = {key: name for name, spec in SECRETS.items() for key in spec["keys"]}
# What each service's processes need beyond the database, Redis and the service token.
SERVICE_SECRETS = {
    "auth": ["AUTH_KEY_ENCRYPTION_KEY"],
    "interventions": ["STORAGE_S3_ACCESS_KEY_ID", "STORAGE_S3_SECRET_ACCESS_KEY"],
    "reporting": ["STORAGE_S3_ACCESS_KEY_ID", "STORAGE_S3_SECRET_ACCESS_KEY"],
}
WORKER_SECRETS = {"notifications": ["NOTIFICATIONS_SMTP_PASSWORD"]}
SERVICE_BASE = ["DATABASE_URL", "REDIS_URL", "SERVICE_TOKEN_SECRET"]
# The gateway holds no database credential and no service token: only Redis (revocations).
PROCESS_SECRETS = {
    "gateway": ["REDIS_URL"],
    "beat": ["REDIS_URL"],
    "relay": ["DATABASE_URL", "REDIS_URL"],
    "migrate": ["DATABASE_URL", "AUTH_KEY_ENCRYPTION_KEY", "MIF_ADMIN_PASSWORD"],
}
# Files are in an S3-compatible bucket (shared.storage) beyond one machine.
CONFIG_EXTRA = {
    "LOG_LEVEL": "INFO",
    "MIF_ADMIN_USERNAME": "admin",
    "STORAGE_BACKEND": "s3",
    "STORAGE_S3_BUCKET": "mif-erp-files",
    "STORAGE_S3_REGION": "eu-west-3",
}
# Worker Deployments: the reporting worker's two queues get one Deployment each.
WORKER_SPLIT = {"reporting": [("worker-reporting", "reporting"),
                              ("worker-reporting-heavy", "reporting.heavy")]}  # fmt: skip
API_RESOURCES = {"requests": {"cpu": "250m", "memory": "160Mi"}, "limits": {"memory": "384Mi"}}
WORKER_RESOURCES = {"requests": {"cpu": "100m", "memory": "192Mi"}, "limits": {"memory": "512Mi"}}
HEAVY_RESOURCES = {"requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}}
SMALL_RESOURCES = {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
HPA = {"gateway": (2, 20)}  # (min, max); the others (2, 10)
KEDA_MAX = {"worker-reporting-heavy": 4}  # others 10
QUEUE_LENGTH_TARGET = "20"  # messages waiting per replica before KEDA adds one
INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"


def load_run() -> Any:
    spec = importlib.util.spec_from_file_location("mif_run", ROOT / "deploy" / "local" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["mif_run"] = module
    spec.loader.exec_module(module)
    return module


def table() -> tuple[Any, dict[str, Any]]:
    run = load_run()
    # host 0.0.0.0 (the pod's address), ports as in make run, beat's schedule in /data
    config = run.Config("<secret>", "<secret>", BEAT_SCHEDULE_DIR, 8000, host="0.0.0.0")
    return run, {p.name: p for p in run.processes(config, environ={})}


def cluster_value(run: Any, key: str) -> str:
    """The cluster's value of a variable of make run's table: services by their DNS name."""
    ports = {name: 8000 + i for i, name in enumerate(run.APIS)}
    if key == "ENVIRONMENT":
        return "production"
    if key == "JWKS_URL":
        return "http://auth:8001/api/v1/auth/jwks.json"
    for service in run.SERVICES:
        if key in (f"GATEWAY_{service.upper()}_URL", f"{service.upper()}_INTERNAL_URL"):
            return f"http://{service}:{ports[service]}"
    raise KeyError(f"{key}: new in deploy/local/run.py, give it a cluster value here")


def service_of(process: str) -> str:
    return process.removeprefix("worker-")


def secrets_for(process: str) -> list[str]:
    if process in PROCESS_SECRETS:
        return PROCESS_SECRETS[process]
    service = service_of(process)
    keys = SERVICE_BASE + SERVICE_SECRETS.get(service, [])
    if process.startswith("worker-"):
        keys = keys + WORKER_SECRETS.get(service, [])
    return keys


def secret_env(keys: list[str]) -> list[dict[str, Any]]:
    env = []
    for key in keys:
        name = SECRET_OF[key]
        ref: dict[str, Any] = {"name": name, "key": key}
        if SECRETS[name].get("optional"):
            ref["optional"] = True
        env.append({"name": key, "valueFrom": {"secretKeyRef": ref}})
    return env


def labels(component: str, process: str | None = None) -> dict[str, str]:
    out = {"app.kubernetes.io/name": APP, "app.kubernetes.io/component": component}
    if process:
        out["mif/process"] = process
    return out


def pod_labels(component: str, process: str, keys: list[str]) -> dict[str, str]:
    out = labels(component, process)
    # NetworkPolicies open PostgreSQL, Redis, S3 and SMTP to these labels only
    if "DATABASE_URL" in keys:
        out["mif/postgresql-client"] = "true"
    if "REDIS_URL" in keys:
        out["mif/redis-client"] = "true"
    if "STORAGE_S3_ACCESS_KEY_ID" in keys:
        out["mif/storage-client"] = "true"
    if "NOTIFICATIONS_SMTP_PASSWORD" in keys:
        out["mif/smtp-client"] = "true"
    return out


def command(argv: tuple[str, ...]) -> list[str]:
    words = list(argv)
    words[0] = Path(words[0]).name
    if words[0].startswith("python"):
        words[0] = "python"
    return words


POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "fsGroup": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}


def container(
    name: str,
    argv: list[str],
    keys: list[str],
    resources: dict[str, Any],
    extra_env: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "image": IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": argv,
        "envFrom": [{"configMapRef": {"name": "mif-config"}}],
        "env": [*(extra_env or []), *secret_env(keys)],
        "resources": resources,
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108
    }


def pod_spec(containers: list[dict[str, Any]], grace: int) -> dict[str, Any]:
    return {
        "automountServiceAccountToken": False,
        "securityContext": POD_SECURITY,
        "terminationGracePeriodSeconds": grace,
        "containers": containers,
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}],
    }


def deployment(
    name: str,
    process: str,
    spec_container: dict[str, Any],
    keys: list[str],
    grace: int,
    *,
    singleton: bool = False,
) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if singleton:
        # no autoscaler owns these: exactly one (beat: two would send each task twice)
        spec["replicas"] = 1
        spec["strategy"] = {"type": "Recreate"}
    else:
        spec["strategy"] = {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
        }
    spec["revisionHistoryLimit"] = 5
    spec["selector"] = {"matchLabels": labels(name)}
    spec["template"] = {
        "metadata": {"labels": pod_labels(name, process, keys)},
        "spec": pod_spec([spec_container], grace),
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels(name, process)},
        "spec": spec,
    }


def http_probes(port: str) -> dict[str, Any]:
    return {
        "startupProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 2,
            "failureThreshold": 30,
        },
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 10,
            "timeoutSeconds": 3,
            "failureThreshold": 3,
        },
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": "http"},
            "periodSeconds": 5,
            "timeoutSeconds": 3,
            "failureThreshold": 2,
        },
    }


def file_probes(max_age: int) -> dict[str, Any]:
    check = ["python", "-m", "shared.liveness", LIVENESS_FILE, "--max-age", str(max_age)]
    return {
        "startupProbe": {
            "exec": {"command": check},
            "periodSeconds": 5,
            "timeoutSeconds": 5,
            "failureThreshold": 36,  # three minutes to connect and start consuming
        },
        "livenessProbe": {
            "exec": {"command": check},
            "periodSeconds": 30,
            "timeoutSeconds": 5,
            "failureThreshold": 2,
        },
    }


LIVENESS_ENV = [{"name": "MIF_LIVENESS_FILE", "value": LIVENESS_FILE}]


def pdb(name: str, **budget: Any) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "labels": labels(name)},
        "spec": {**budget, "selector": {"matchLabels": labels(name)}},
    }


def build() -> dict[str, list[dict[str, Any]]]:
    run, processes = table()
    files: dict[str, list[dict[str, Any]]] = {}

    files["namespace.yaml"] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": NAMESPACE, "labels": {"app.kubernetes.io/name": APP}},
        }
    ]

    # -- configuration (no secret in it) -------------------------------------------------
    shared_env = processes["gateway"].env
    data = {k: cluster_value(run, k) for k in shared_env if k not in SECRET_OF}
    data.update(CONFIG_EXTRA)
    files["config.yaml"] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "mif-config",
                # applied with the migration Job, before everything else (README)
                "labels": {**labels("config"), "mif/stage": "migrate"},
            },
            "data": data,
        }
    ]

    # -- HTTP processes ------------------------------------------------------------------
    apis: list[dict[str, Any]] = []
    hpas: list[dict[str, Any]] = []
    for name in run.APIS:
        process = processes[name]
        argv = command(process.argv)
        port = argv[argv.index("--port") + 1]
        keys = secrets_for(name)
        spec_container = container(name, argv, keys, API_RESOURCES)
        spec_container["ports"] = [{"name": "http", "containerPort": int(port)}]
        spec_container.update(http_probes(port))
        apis.append(deployment(name, name, spec_container, keys, 30))
        apis.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "labels": labels(name)},
                "spec": {
                    "selector": labels(name),
                    "ports": [{"name": "http", "port": int(port), "targetPort": "http"}],
                },
            }
        )
        apis.append(pdb(name, minAvailable=1))
        low, high = HPA.get(name, (2, 10))
        hpas.append(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": name, "labels": labels(name)},
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                    "minReplicas": low,
                    "maxReplicas": high,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {
                                "name": "cpu",
                                "target": {"type": "Utilization", "averageUtilization": 70},
                            },
                        }
                    ],
                },
            }
        )
    files["apis.yaml"] = apis

    # -- workers, beat, relay ------------------------------------------------------------
    workers: list[dict[str, Any]] = []
    scaled: list[dict[str, Any]] = []
    for service in run.SERVICES:
        process = processes[f"worker-{service}"]
        split = WORKER_SPLIT.get(service, [(f"worker-{service}", None)])
        for name, queue in split:
            argv = command(process.argv)
            if queue is not None:
                argv[argv.index("-Q") + 1] = queue
                argv[argv.index("-n") + 1] = f"{queue}@%h"
            keys = secrets_for(process.name)
            resources = HEAVY_RESOURCES if name.endswith("-heavy") else WORKER_RESOURCES
            spec_container = container(name, argv, keys, resources, LIVENESS_ENV)
            spec_container.update(file_probes(120))
            # a task runs up to 10 min (shared.worker.TASK_TIME_LIMIT); acks are late, so
            # a pod stopped sooner loses nothing, its task goes back to the queue
            workers.append(deployment(name, process.name, spec_container, keys, 120))
            workers.append(pdb(name, maxUnavailable=1))
            queues = argv[argv.index("-Q") + 1].split(",")
            if queue in (None, service):  # its worker also consumes the event queue
                queues.append(f"{service}.events")
            scaled.append(scaled_object(name, queues))
    for name, grace in (("beat", 30), ("relay", 30)):
        process = processes[name]
        argv = command(process.argv)
        keys = secrets_for(name)
        spec_container = container(name, argv, keys, SMALL_RESOURCES, LIVENESS_ENV)
        spec_container.update(file_probes(120))
        if name == "beat":
            spec_container["volumeMounts"].append({"name": "data", "mountPath": "/data"})
        dep = deployment(name, name, spec_container, keys, grace, singleton=True)
        if name == "beat":
            dep["spec"]["template"]["spec"]["volumes"].append({"name": "data", "emptyDir": {}})
        workers.append(dep)
    files["workers.yaml"] = workers
    files["autoscaling.yaml"] = [*hpas, trigger_auth(), *scaled]

    # -- migrations ----------------------------------------------------------------------
    keys = secrets_for("migrate")
    migrate = container(
        "migrate", ["python", "deploy/local/run.py", "migrate"], keys, SMALL_RESOURCES
    )
    files["migrate-job.yaml"] = [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                # RELEASE is replaced by the image tag (kustomization `replacements`): each
                # release has its own Job, and applying the same release again is a no-op
                "name": "migrate-RELEASE",
                "labels": {**labels("migrate"), "mif/stage": "migrate"},
            },
            "spec": {
                "backoffLimit": 3,
                "ttlSecondsAfterFinished": 7 * 86400,
                "template": {
                    "metadata": {"labels": pod_labels("migrate", "migrate", keys)},
                    "spec": {**pod_spec([migrate], 30), "restartPolicy": "OnFailure"},
                },
            },
        }
    ]

    files["ingress.yaml"] = [ingress()]
    files["network-policies.yaml"] = network_policies(run)
    return files


def scaled_object(name: str, queues: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": name, "labels": labels(name)},
        "spec": {
            "scaleTargetRef": {"name": name},
            "minReplicaCount": 1,
            "maxReplicaCount": KEDA_MAX.get(name, 10),
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "triggers": [
                {
                    "type": "redis",
                    "authenticationRef": {"name": "mif-redis"},
                    "metadata": {
                        "address": "redis:6379",
                        "listName": queue,
                        "listLength": QUEUE_LENGTH_TARGET,
                        "databaseIndex": "0",
                    },
                }
                for queue in queues
            ],
        },
    }


def trigger_auth() -> dict[str, Any]:
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "TriggerAuthentication",
        "metadata": {"name": "mif-redis", "labels": labels("autoscaling")},
        "spec": {
            "secretTargetRef": [
                {"parameter": "password", "name": "mif-redis", "key": "REDIS_PASSWORD"}
            ]
        },
    }


def ingress() -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "gateway",
            "labels": labels("gateway"),
            "annotations": {
                # uploads up to 25 MiB (+ multipart) and the notification stream (SSE)
                "nginx.ingress.kubernetes.io/proxy-body-size": "26m",
                "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
                "nginx.ingress.kubernetes.io/proxy-buffering": "off",
                "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
            },
        },
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["erp.example.invalid"], "secretName": "mif-erp-tls"}],
            "rules": [
                {
                    "host": "erp.example.invalid",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {"name": "gateway", "port": {"name": "http"}}
                                },
                            }
                        ]
                    },
                }
            ],
        },
    }


def _policy(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": labels("network")},
        "spec": spec,
    }


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def network_policies(run: Any) -> list[dict[str, Any]]:
    mif = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": APP}}}
    services = list(run.SERVICES)
    service_ports = [{"protocol": "TCP", "port": 8001 + i} for i in range(len(services))]
    return [
        # nothing in or out unless a policy below allows it
        _policy("default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _policy(
            "allow-dns",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [_namespace("kube-system")],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                    }
                ],
            },
        ),
        # the only way in from outside: the ingress controller to the gateway
        _policy(
            "gateway-from-ingress",
            {
                "podSelector": {"matchLabels": labels("gateway")},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {"from": [_namespace(INGRESS_NAMESPACE)], "ports": [{"port": 8000}]},
                    {"from": [_namespace(MONITORING_NAMESPACE)], "ports": [{"port": 8000}]},
                ],
            },
        ),
        # the services: from the gateway and each other (internal calls), and Prometheus
        _policy(
            "services-from-mif",
            {
                "podSelector": {
                    "matchExpressions": [
                        {
                            "key": "app.kubernetes.io/component",
                            "operator": "In",
                            "values": services,
                        }
                    ]
                },
                "policyTypes": ["Ingress"],
                "ingress": [
                    {"from": [mif], "ports": service_ports},
                    {"from": [_namespace(MONITORING_NAMESPACE)], "ports": service_ports},
                ],
            },
        ),
        _policy(
            "mif-to-services",
            {
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": APP}},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [mif],
                        "ports": [{"protocol": "TCP", "port": 8000}, *service_ports],
                    }
                ],
            },
        ),
        # PostgreSQL and Redis: only the pods labelled as their clients (the gateway is not
        # a PostgreSQL client). In the cluster (pods labelled as below) or outside it.
        *_client_policies("postgresql", 5432),
        *_client_policies("redis", 6379),
        _policy(
            "storage-egress",
            {
                "podSelector": {"matchLabels": {"mif/storage-client": "true"}},
                "policyTypes": ["Egress"],
                "egress": [{"ports": [{"protocol": "TCP", "port": 443}]}],
            },
        ),
        _policy(
            "smtp-egress",
            {
                "podSelector": {"matchLabels": {"mif/smtp-client": "true"}},
                "policyTypes": ["Egress"],
                "egress": [{"ports": [{"protocol": "TCP", "port": p} for p in (25, 465, 587)]}],
            },
        ),
    ]


def _client_policies(server: str, port: int) -> list[dict[str, Any]]:
    clients = {"podSelector": {"matchLabels": {f"mif/{server}-client": "true"}}}
    return [
        _policy(
            f"{server}-from-clients",
            {
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": server}},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [clients], "ports": [{"protocol": "TCP", "port": port}]}],
            },
        ),
        _policy(
            f"{server}-clients-egress",
            {
                "podSelector": {"matchLabels": {f"mif/{server}-client": "true"}},
                "policyTypes": ["Egress"],
                "egress": [{"ports": [{"protocol": "TCP", "port": port}]}],
            },
        ),
    ]


KUSTOMIZATION_HEAD = """\
# Generated by deploy/k8s/generate.py from deploy/local/run.py: edit the generator, not
# these files. `kubectl apply -k deploy/k8s/overlays/production` (see deploy/README.md).
"""

REPLACEMENTS = [
    {
        "source": {
            "kind": "Job",
            "fieldPath": "spec.template.spec.containers.[name=migrate].image",
            "options": {"delimiter": ":", "index": 1},
        },
        "targets": [
            {
                "select": {"kind": "Job"},
                "fieldPaths": ["metadata.name"],
                "options": {"delimiter": "-", "index": 1},
            }
        ],
    }
]


def kustomization(files: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": NAMESPACE,
        "resources": files,
        "images": [{"name": IMAGE, "newName": IMAGE, "newTag": "latest"}],
        # the migration Job is named after the image tag: migrate-<tag>
        "replacements": REPLACEMENTS,
    }


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(docs: list[dict[str, Any]]) -> str:
    return "".join(
        "---\n"
        + yaml.dump(doc, Dumper=_NoAliases, sort_keys=False, default_flow_style=False, width=100)
        for doc in docs
    )


def rendered_files() -> dict[str, str]:
    files = build()
    order = [
        "namespace.yaml", "config.yaml", "migrate-job.yaml", "apis.yaml", "workers.yaml",
        "autoscaling.yaml", "ingress.yaml", "network-policies.yaml",
    ]  # fmt: skip
    assert sorted(order) == sorted(files)
    out = {name: KUSTOMIZATION_HEAD + dump(files[name]) for name in order}
    out["kustomization.yaml"] = KUSTOMIZATION_HEAD + yaml.safe_dump(
        kustomization(order), sort_keys=False, width=100
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    expected = rendered_files()
    if args.check:
        stale = [n for n, text in expected.items() if _read(BASE / n) != text]
        extra = {p.name for p in BASE.glob("*.yaml")} - set(expected)
        for name in [*stale, *sorted(extra)]:
            print(f"deploy/k8s/base/{name} is not current: run python deploy/k8s/generate.py")
        return 1 if stale or extra else 0
    BASE.mkdir(exist_ok=True)
    for name, text in expected.items():
        (BASE / name).write_text(text)
    for path in BASE.glob("*.yaml"):
        if path.name not in expected:
            path.unlink()
    return 0


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
