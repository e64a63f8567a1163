"""Benchmarks of the bridge: signed-request latency and throughput, relay speed and cost."""
