"""Benchmarks (not tests): ``python -m bench.NAME`` prints figures and ratios against a baseline
measured in the same run, because the machines here are noisy."""
