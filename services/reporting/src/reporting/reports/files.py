"""Where report files live: `shared.storage`, configured by `STORAGE_BACKEND` (the local
`REPORTING_REPORTS_DIR` for `make run`, the `reports/` prefix of a bucket beyond one
machine). One storage per process: an S3 client is costly to build."""

from __future__ import annotations

import functools

from shared.storage import Storage, open_storage


@functools.cache
def reports_storage(reports_dir: str) -> Storage:
    return open_storage(reports_dir, "reports")
