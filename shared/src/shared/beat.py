"""The single beat process: sends every service's periodic tasks to that service's queue.

Run with `celery -A shared.beat beat`. Entries come from the `mif.beat` entry points; each
names its task and queue, so beat never imports task code, and each entry expires so that
a backlog of missed runs is dropped rather than replayed.
"""

from typing import Any

from celery.beat import PersistentScheduler

from shared.liveness import touch
from shared.logging import configure_celery_logging, configure_logging
from shared.settings import ServiceSettings
from shared.worker import beat_schedule, make_celery


class BeatSettings(ServiceSettings):
    service_name = "beat"


settings = BeatSettings()
configure_logging(settings.log_level, json=settings.json_logs)
configure_celery_logging(settings.log_level, json=settings.json_logs)
app = make_celery("beat", settings)
app.conf.beat_schedule = beat_schedule()


class LivenessScheduler(PersistentScheduler):
    """The default scheduler, refreshing MIF_LIVENESS_FILE at every tick (at least every
    `beat_max_loop_interval` seconds)."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        touch()
        return float(super().tick(*args, **kwargs))


app.conf.beat_scheduler = LivenessScheduler
app.conf.beat_max_loop_interval = 30
