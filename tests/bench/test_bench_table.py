"""`make bench` at a tiny scale, so that the suite cannot rot: every scenario runs (the whole
system included), none fails, and the one table prints every section. No figure is checked:
speed is `make bench`'s business, at full size (see tests.bench)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.bench.harness import ROOT

# Minutes, not seconds (it starts every scenario and `make run`): `make bench-check` runs
# it; `make test` stays within its time budget.
pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(
        not os.environ.get("MIF_BENCH_TABLE"), reason="`make bench-check` runs the bench table"
    ),
]

TINY = (
    "--scale", "0.002", "--duration", "1", "--warmup", "0", "--connections", "8",
    "--rates", "20", "--mixed-duration", "1", "--idle-wait", "0",
    "--reports", "interventions:csv",
)  # fmt: skip
# every scenario but the console's: it drives a browser for a minute and the console has
# its own journeys in tests/console
SCENARIOS = {
    "gateway", "proxy", "interventions", "interventions-direct", "notifications",
    "reporting", "system",
}  # fmt: skip
SECTIONS = (
    "mixed workload through the gateway (open loop, fixed arrival rate):",
    "event lag, transition -> effect",
    "report times (POST /reports -> termine, through the gateway):",
    "make run: start to ready",
    "make run: idle memory",
    "data generators, scale 0.002",
    "gateway/direct (stub)",
    "scenario times:",
)


@pytest.mark.timeout(1500)  # two to five minutes on the shared 2-vCPU machine
def test_every_scenario_runs_and_the_table_prints() -> None:
    # a folder of our own: concurrent pytest sessions on the machine prune tmp_path trees
    folder = Path(tempfile.mkdtemp(prefix="mif-bench-tiny-"))
    output = folder / "tiny.json"
    chosen = [arg for name in sorted(SCENARIOS) for arg in ("--scenario", name)]
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench", *TINY, *chosen, "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    log = f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    assert done.returncode == 0, log
    assert "FAILED" not in done.stdout, log
    for section in SECTIONS:
        assert section in done.stdout, f"no {section!r} in the table:\n{log}"
    document = json.loads(output.read_text())
    assert set(document["timings"]) == SCENARIOS
    # every rate offered got its row, every consumer its lag, the report its time
    assert set(document["mixed"]) == {"20"}
    assert set(document["event_lag"]) == {"20 req/s"}
    lags = document["event_lag"]["20 req/s"]
    assert set(lags) == {"billing", "reporting", "notifications"}
    assert all(v["emitted"] > 0 for v in lags.values()), log
    assert isinstance(document["report_times"]["interventions csv"], float), log
    assert document["world"]["rows"]["interventions.interventions"] == 2000
    shutil.rmtree(folder, ignore_errors=True)
