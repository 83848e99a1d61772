"""`make bench`: every scenario, one printed table (bench-results/latest.json).

    make bench                                   # the whole suite at realistic size
    make bench BENCH_ARGS="--scale 0.01"         # the same, small and quick
    make bench BENCH_ARGS="--scenario system --rates 100,200"

--scale multiplies the data sizes (1: a million interventions and movements) of every
scenario; below 0.1 the load runs get short too (--duration, --warmup, --mixed-duration
still override). A scenario that fails is reported in the table's notes and the others run."""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--scenario", action="append", help="default: all")
    parser.add_argument("--scale", type=float, default=1.0, help="data size, 1 = realistic")
    parser.add_argument(
        "--duration", type=float, help="seconds per run (default 10; wrk needs >= 1)"
    )
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--warmup", type=float, help="seconds before each target (default 2)")
    parser.add_argument("--runs", type=int, default=1, help="runs per target, median kept")
    parser.add_argument(
        "--rates", default="100,200,400", help="mixed workload arrival rates, req/s"
    )
    parser.add_argument("--mixed-duration", type=float, help="seconds per rate (default 20)")
    parser.add_argument(
        "--idle-wait", type=float, help="seconds after the last process started before "
        "idle memory is read (default 30)"
    )  # fmt: skip
    parser.add_argument(
        "--reports", help="system scenario's reports as type:format,... (default: all)"
    )
    parser.add_argument(
        "--python-load", action="store_true", help="use the Python load generator, not wrk"
    )
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    tiny = args.scale < 0.1
    # the scenarios read their sizes from the environment when imported
    os.environ.setdefault("BENCH_INTERVENTIONS", str(max(2_000, round(1_000_000 * args.scale))))
    os.environ.setdefault("BENCH_REPORTING_ROWS", str(max(2_000, round(1_000_000 * args.scale))))
    if tiny:
        os.environ.setdefault("BENCH_SSE_STREAMS", "20")
        os.environ.setdefault("BENCH_SSE_SECONDS", "2")
        os.environ.setdefault("BENCH_REPORTING_EXCEL", "0")

    from tests.bench.harness import ROOT, Bench
    from tests.bench.scenarios import SCENARIOS

    unknown = set(args.scenario or ()) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario {sorted(unknown)}; one of {sorted(SCENARIOS)}")
    output = args.output or ROOT / "bench-results" / ("latest.json" if not tiny else "tiny.json")
    with Bench(
        connections=args.connections,
        duration=args.duration if args.duration is not None else (1.0 if tiny else 10.0),
        warmup=args.warmup if args.warmup is not None else (0.0 if tiny else 2.0),
        runs=args.runs,
        force_python=args.python_load,
    ) as bench:
        bench.options = {
            "scale": args.scale,
            "rates": [int(r) for r in args.rates.split(",") if r.strip()],
            "mixed_duration": args.mixed_duration or (2.0 if tiny else 20.0),
            "reports": [tuple(r.split(":", 1)) for r in args.reports.split(",")]
            if args.reports
            else None,
            "idle_wait": args.idle_wait if args.idle_wait is not None else (1.0 if tiny else 30.0),
        }
        print(f"load: {bench.load.describe()}; scale {args.scale:g}", flush=True)
        failed = []
        for name in args.scenario or list(SCENARIOS):
            print(f"scenario {name}", flush=True)
            began = time.monotonic()
            try:
                SCENARIOS[name](bench)
            except Exception as exc:  # one scenario's failure must not hide the others'
                traceback.print_exc()
                failed.append(name)
                bench.notes.append(f"scenario {name} FAILED: {type(exc).__name__}: {exc}"[:500])
            finally:
                bench.stop_servers()
                bench.timings[name] = round(time.monotonic() - began, 1)
        report = bench.report()
        bench.save(output)
    print()
    print(report)
    print(f"\nsaved to {output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
