"""`make bench` (BENCH_ARGS="--runs 3 --scenario gateway" for more)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.bench.harness import ROOT, Bench
from tests.bench.scenarios import SCENARIOS


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument(
        "--scenario", action="append", choices=sorted(SCENARIOS), help="default: all"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each target")
    parser.add_argument("--runs", type=int, default=1, help="runs per target, median kept")
    parser.add_argument(
        "--python-load", action="store_true", help="use the Python load generator, not wrk"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results" / "latest.json")
    args = parser.parse_args()

    with Bench(
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
        runs=args.runs,
        force_python=args.python_load,
    ) as bench:
        print(f"load: {bench.load.describe()}", flush=True)
        for name in args.scenario or list(SCENARIOS):
            print(f"scenario {name}", flush=True)
            SCENARIOS[name](bench)
        report = bench.report()
        bench.save(args.output)
    print()
    print(report)
    print(f"\nsaved to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
