"""Where tests get PostgreSQL and Redis: the TEST_* URLs, else testcontainers when a Docker
engine answers, else the embedded servers."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

from shared.db import async_url, libpq_url
from shared.logging import get_logger

log = get_logger(__name__)


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server URL (the server's maintenance database)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield async_url(url)
        return
    if docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="psycopg") as pg:
            yield async_url(pg.get_connection_url())
        return
    from shared.embedded import start_postgres

    with tempfile.TemporaryDirectory(prefix="mif-pg-") as tmp:
        server = start_postgres(Path(tmp))
        try:
            yield server.url
        finally:
            server.stop()


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    if docker_available():
        from testcontainers.redis import RedisContainer

        with RedisContainer("redis:7-alpine") as container:
            host = container.get_container_host_ip()
            port = container.get_exposed_port(6379)
            yield f"redis://{host}:{port}/0"
        return
    from shared.embedded import start_redis

    with tempfile.TemporaryDirectory(prefix="mif-redis-") as tmp:
        server = start_redis(Path(tmp))
        try:
            yield server.url
        finally:
            server.stop()


@contextlib.contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new empty database on `server_url` for one test run, dropped afterwards, so runs
    sharing a server never see each other's data."""
    name = f"mif_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    head, _, tail = async_url(server_url).partition("?")
    base = head.rsplit("/", 1)[0]
    url = f"{base}/{name}" + (f"?{tail}" if tail else "")
    try:
        yield url
    finally:
        with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


S3_TEST_CREDENTIALS = {"access_key_id": "test-key", "secret_access_key": "test-secret"}


@contextlib.contextmanager
def s3_server(bucket: str = "mif-files") -> Iterator[dict[str, str]]:
    """An S3-compatible server (moto's server mode) on a free loopback port with one empty
    bucket; yields the `STORAGE_*` variables that point `shared.storage` at it."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=S3_TEST_CREDENTIALS["access_key_id"],
            aws_secret_access_key=S3_TEST_CREDENTIALS["secret_access_key"],
        ).create_bucket(Bucket=bucket)
        yield {
            "STORAGE_BACKEND": "s3",
            "STORAGE_S3_BUCKET": bucket,
            "STORAGE_S3_ENDPOINT_URL": endpoint,
            "STORAGE_S3_REGION": "us-east-1",
            "STORAGE_S3_ACCESS_KEY_ID": S3_TEST_CREDENTIALS["access_key_id"],
            "STORAGE_S3_SECRET_ACCESS_KEY": S3_TEST_CREDENTIALS["secret_access_key"],
        }
    finally:
        server.stop()
