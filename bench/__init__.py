"""CryptoDesk benchmarks: `uv run python -m bench` (`make bench`).

They print timings next to their targets and never assert them; tests live in `tests/`.
"""
