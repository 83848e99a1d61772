"""Report files beyond one machine: with `STORAGE_BACKEND=s3` the worker's file goes to the
bucket (moto's S3 server, through the production boto3 path), nothing lands on the local
disk, and the API streams it back."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import boto3
from reporting.config import Settings
from reporting.reports.files import reports_storage
from reporting.reports.generate import generate
from shared.db import Database

from .conftest import Apply
from .test_reports import _report, _row, _seed


async def test_a_report_file_goes_to_the_bucket_and_back(
    apply: Apply, db: Database, settings: Settings, client, tokens, s3_env, monkeypatch
) -> None:
    for name, value in s3_env.items():
        monkeypatch.setenv(name, value)
    reports_storage.cache_clear()
    try:
        c = await _seed(apply, n=3)
        rid = await _report(db, "csv", c)
        assert await generate(db, settings, rid) == "termine"
        row = await _row(db, rid)
        assert not (Path(settings.reports_dir) / row.chemin_fichier).exists()
        bucket = boto3.client(
            "s3",
            endpoint_url=s3_env["STORAGE_S3_ENDPOINT_URL"],
            aws_access_key_id=s3_env.get("STORAGE_S3_ACCESS_KEY_ID", "test"),
            aws_secret_access_key=s3_env.get("STORAGE_S3_SECRET_ACCESS_KEY", "test"),
            region_name=s3_env.get("STORAGE_S3_REGION", "us-east-1"),
        )
        keys = [
            o["Key"]
            for o in bucket.list_objects_v2(Bucket=s3_env["STORAGE_S3_BUCKET"]).get("Contents", [])
        ]
        assert any(k.endswith(row.chemin_fichier) and "reports/" in k for k in keys), keys

        r = await client.get(
            f"/api/v1/reports/{rid}/fichier", headers=tokens.headers("admin", user_id=1)
        )
        assert r.status_code == 200, r.text
        lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert lines[0][:3] == ["N°", "Titre", "Type"]
        assert len(lines) == 4
        assert int(r.headers["content-length"]) == len(r.content)
    finally:
        reports_storage.cache_clear()
