"""Benchmark stages: one module per area, each with NAME, ORDER and run(ctx) -> list[bench.Row]."""
