"""Benchmarks run by ``make bench`` (see bench/README.md)."""
