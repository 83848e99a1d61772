"""Benchmarks (`make bench` = `python -m tests.bench`): real server processes loaded with wrk.

Figures drift between runs on shared machines: compare ratios measured in one run."""
