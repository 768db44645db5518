"""Benchmarks: `make bench` (python -m benchmarks). See docs/benchmarks.md."""
