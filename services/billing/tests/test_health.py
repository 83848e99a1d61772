"""The billing service answers its operations endpoints."""

from billing.main import create_app
from shared.testing.plugin import asgi_client


async def test_healthz_and_readyz(migrate) -> None:
    migrate("billing")
    app = create_app()
    async with asgi_client(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
        metrics = await client.get("/metrics")
        assert "http_requests_total" in metrics.text
