"""One Celery worker process for every installed service (`make run`, to stay light).

    celery -A shared.all_workers worker -Q auth,interventions,...,reporting.heavy

Each service's worker module is imported as it is in production (its settings, its event
queue and handlers, its tasks), and this app serves them all: every service's tasks, one
event consumer per service queue, each on that service's own database URL and schema.
docker-compose and Kubernetes keep one worker per queue (`<service>.worker`).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from shared.settings import ServiceSettings
from shared.worker import ServiceWorker, make_celery, serve


class AllWorkersSettings(ServiceSettings):
    service_name = "worker"


def service_workers() -> list[ServiceWorker]:
    names = sorted(ep.name for ep in entry_points(group="mif.services") if ep.name != "gateway")
    specs: list[ServiceWorker] = []
    for name in names:
        module = importlib.import_module(f"{name}.worker")
        specs.append(module.app.mif_service)
    return specs


SERVICES = service_workers()
app = make_celery("worker", AllWorkersSettings())
app.conf.task_routes = {f"{spec.service}.*": {"queue": spec.service} for spec in SERVICES}
app.conf.include = [module for spec in SERVICES for module in spec.include]
for spec in SERVICES:
    # the upkeep task is already shared: Celery registers a task declared on any app on
    # every app finalized later, this one included
    serve(app, spec, upkeep=False)
# so do the services' tasks modules: import them before this app is finalized
for module in app.conf.include:
    importlib.import_module(module)
QUEUES = [queue for spec in SERVICES for queue in spec.queues]
