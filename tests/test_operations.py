"""Every service (each `mif.services` entry point but the gateway, which has its own tests)
migrates its schema and answers its operations endpoints."""

from importlib.metadata import entry_points

import pytest
from shared.testing.plugin import asgi_client

SERVICES = sorted(
    (ep.name, ep) for ep in entry_points(group="mif.services") if ep.name != "gateway"
)


@pytest.mark.parametrize(("name", "entry_point"), SERVICES, ids=[name for name, _ in SERVICES])
async def test_healthz_readyz_metrics(name, entry_point, migrate) -> None:
    migrate(name)
    app = entry_point.load()()
    try:
        async with asgi_client(app) as client:
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
            metrics = await client.get("/metrics")
            assert "http_requests_total" in metrics.text
            assert f'mif_event_dead_letters{{service="{name}"}} 0.0' in metrics.text
    finally:
        await app.state.db.dispose()


def test_every_service_is_registered() -> None:
    assert [name for name, _ in SERVICES] == [
        "auth",
        "billing",
        "interventions",
        "inventory",
        "notifications",
        "reporting",
    ]
