"""Benchmarks: each script prints its measurement against the anchor its issue names."""
