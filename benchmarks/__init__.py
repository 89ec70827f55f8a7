"""Benchmark suite of resample_jax: each op timed beside its peers on the same inputs.

Run it with ``python -m benchmarks`` (see ``benchmarks/__main__.py`` for the options and for how to
read the table). The pieces: ``cases`` (the ops, their peers and the inputs), ``timing`` (how a
function is timed), ``targets`` (the speed targets as one data table and the PASS/FAIL logic),
``hardware`` (thread counts, device kind, peak memory bandwidth) and ``report`` (terminal table,
JSON, markdown and the PNG chart).
"""
