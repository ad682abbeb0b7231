"""Benchmarks run by `make bench`; each prints its figures and ratios side by side."""
