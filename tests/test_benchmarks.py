"""The benchmark suite's machinery: ratio and PASS/FAIL arithmetic, apples-to-apples peers, files.

Timing is never asserted here (the CI machine is shared and noisy). What is proven: the target
verdicts and ratios follow from the timing records; every peer the suite times computes the same
values as resample_jax on the benchmark's own inputs (at tiny shapes), so a speed comparison is a
comparison of the same computation; the copy floor moves exactly the bytes it claims; and one run of
``python -m benchmarks`` writes a JSON, a markdown table and a PNG.
"""

from __future__ import annotations

import json
import pathlib
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

# ``benchmarks`` is a top-level folder of the repository, not part of the installed package.
ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import cases, hardware, suite, targets, timing, train_steps  # noqa: E402
from benchmarks.__main__ import main  # noqa: E402

FAST = suite.Settings(repeats=1, warmup=0, budget_s=0.0)


def _record(op="max_pool", mode="fwd+bwd", size="small", ours=(1.0, 0.5), peers=(), floor=None):
    """A synthetic timing record: ours = (median s, compile s), peers = {name: median s}."""
    contenders = [
        {"name": "resample_jax", "role": "ours", "median_s": ours[0], "compile_s": ours[1]}
    ]
    contenders += [
        {"name": n, "role": "peer", "median_s": t, "compile_s": None}
        for n, t in dict(peers).items()
    ]
    if floor is not None:
        contenders.append({"name": "copy floor", "role": "floor", "median_s": floor})
    return {
        "key": f"{op}/{mode}/{size}/float32",
        "op": op,
        "mode": mode,
        "size": size,
        "dtype": "float32",
        "contenders": contenders,
        "skipped": None,
    }


def _verdicts(record, **where):
    return {
        v["target"]: v
        for v in targets.evaluate([record])
        if all(v[k] == w for k, w in where.items())
    }


# --- target arithmetic on synthetic records -------------------------------------------------------


def test_faster_target_passes_at_exact_speedup_and_fails_just_below():
    # max pool fwd+bwd: >= 5x faster than lax.reduce_window. 1.0 s vs 5.0 s is exactly 5x.
    v = _verdicts(_record(peers={"lax.reduce_window": 5.0, "torch": 2.0}))
    assert v[">= 5x faster than lax.reduce_window"]["value"] == pytest.approx(0.2)
    assert v[">= 5x faster than lax.reduce_window"]["status"] == "PASS"
    v = _verdicts(_record(peers={"lax.reduce_window": 4.9, "torch": 2.0}))
    assert v[">= 5x faster than lax.reduce_window"]["status"] == "FAIL"
    assert v["no slower than torch"]["status"] == "PASS"


def test_within_target_and_compile_target():
    v = _verdicts(_record(ours=(1.2, 2.5), peers={"lax.reduce_window": 10.0, "torch": 1.0}))
    assert v["no slower than torch"]["value"] == pytest.approx(1.2)
    assert v["no slower than torch"]["status"] == "FAIL"
    assert v["compile < 1 s"]["value"] == 2.5
    assert v["compile < 1 s"]["status"] == "FAIL"


def test_missing_reference_is_not_applicable_and_size_filters_targets():
    # Lanczos has no torch peer: n/a, not a failure. The 3x target is for "small" only.
    UP_PEERS = {"jax.image.resize": 4.0, "torch": 1.0}
    small = _verdicts(_record(op="lanczos3_aa_down", mode="fwd", peers={"jax.image.resize": 2.0}))
    assert small["within 1.5x of torch"]["status"] == "n/a"
    assert small[">= 1.5x faster than jax.image.resize"]["status"] == "PASS"
    up_small = _verdicts(_record(op="bilinear_up", mode="fwd", peers=UP_PEERS))
    up_large = _verdicts(_record(op="bilinear_up", mode="fwd", size="large", peers=UP_PEERS))
    assert up_small[">= 3x faster than jax.image.resize"]["status"] == "PASS"
    assert ">= 6x faster than jax.image.resize" not in up_small
    assert up_large[">= 6x faster than jax.image.resize"]["status"] == "FAIL"


def test_floor_target_uses_the_copy_floor_contender():
    v = _verdicts(_record(op="bed_of_nails", mode="fwd", ours=(1.15, 0.1), floor=1.0))
    assert v["within 1.15x of copy floor"]["value"] == pytest.approx(1.15)
    assert v["within 1.15x of copy floor"]["status"] == "PASS"


def test_ratios_pick_the_fastest_timed_peer_and_ignore_floor_and_errors():
    record = _record(peers={"lax.reduce_window": 3.0, "torch": 2.0}, floor=0.25)
    record["contenders"].append({"name": "broken", "role": "peer", "median_s": None})
    record["bytes_min"] = 4_000_000_000
    suite._add_ratios(record, peak_bandwidth=8e9)
    assert record["fastest_peer"] == "torch"
    assert record["vs_fastest_peer"] == pytest.approx(0.5)
    assert record["vs_floor"] == pytest.approx(4.0)
    ours = record["contenders"][0]
    assert ours["bandwidth_GBps"] == pytest.approx(4.0)
    assert ours["fraction_of_peak"] == pytest.approx(0.5)


def test_every_target_names_a_known_op_and_reference():
    for t in targets.TARGETS:
        assert set(t.ops) <= {*cases.OPS, "*"}, t
        if t.reference not in (targets.FLOOR_REF, targets.COMPILE_REF):
            named = {
                c.name
                for op in t.ops
                for c in cases.OPS[op]
                .build(
                    lambda *a, **k: None, cases.SIZES["tiny"], np.float32, np.random.default_rng(0)
                )
                .contenders
            }
            assert t.reference in named, t


def test_measure_takes_repeats_samples_after_warmup_and_stops_on_budget():
    calls = []
    samples, out = timing.measure(
        lambda: calls.append(1) or len(calls), repeats=5, warmup=2, budget_s=60
    )
    assert len(calls) == 7 and len(samples) == 5 and out == 7
    # A first call slower than the whole budget is the only sample (the slow-VJP rule).
    calls.clear()
    slow = lambda: calls.append(time.sleep(0.02))
    samples, _ = timing.measure(slow, repeats=5, warmup=2, budget_s=0.01)
    assert len(calls) == 1 and len(samples) == 1 and samples[0] >= 0.02


def test_peak_bandwidth_table_prefers_specific_names():
    assert hardware.peak_bandwidth("NVIDIA H100 80GB HBM3") == 3.35e12
    assert hardware.peak_bandwidth("NVIDIA H100 PCIe") == 2.0e12
    assert hardware.peak_bandwidth("NVIDIA H200") == 4.8e12
    assert hardware.peak_bandwidth("NVIDIA GH200 480GB") == 4.0e12
    assert hardware.peak_bandwidth("NVIDIA A100-SXM4-80GB") == 2.039e12
    assert hardware.peak_bandwidth("cpu") is None


# --- the floor and the byte count -----------------------------------------------------------------


@pytest.mark.parametrize("out_shape", [(2, 16, 16, 4), (2, 8, 8, 4), (2, 4, 4, 4)])
def test_copy_floor_reads_every_input_and_writes_the_output_shape(out_shape):
    x = jnp.arange(2 * 8 * 8 * 4, dtype=jnp.float32).reshape(2, 8, 8, 4)
    y = np.asarray(jax.jit(cases.copy_floor, static_argnums=1)(x, out_shape))
    assert y.shape == out_shape
    flat = -np.asarray(x).reshape(-1)
    if y.size >= x.size:  # every input value appears, in order, repeated
        np.testing.assert_array_equal(y.reshape(-1)[: x.size], flat)
    else:  # each output is the max over its own group of inputs: all inputs are read
        np.testing.assert_array_equal(y.reshape(-1), (-flat).reshape(y.size, -1).max(1) * -1)


def test_min_bytes_counts_inputs_outputs_cotangent_and_gradients():
    spec = cases.CaseSpec(cases.OPS["conv_transpose"], "tiny", "float32", "fwd+bwd")
    problem = cases.Problem(
        (np.zeros((2, 8, 8, 8), np.float32), np.zeros((4, 4, 8, 8), np.float32)),
        ("image", "kernel"),
        (0, 1),
        (2, 16, 16, 8),
        [],
    )
    x, k, y = 2 * 8 * 8 * 8 * 4, 4 * 4 * 8 * 8 * 4, 2 * 16 * 16 * 8 * 4
    assert suite.min_bytes(problem, spec.mode) == (x + k + y) + (y + x + k)
    assert suite.min_bytes(problem, "fwd") == x + k + y


# --- every peer computes what resample_jax computes, on the benchmark inputs ----------------------


@pytest.mark.parametrize(
    "op,dtype",
    [(name, "float32") for name in cases.OPS] + [("max_pool", "bfloat16")],
)
def test_peers_compute_the_same_values_as_resample_jax(op, dtype):
    for mode in cases.OPS[op].modes:
        spec = cases.CaseSpec(cases.OPS[op], "tiny", dtype, mode)
        record = suite.run_case(spec, FAST)
        assert record["skipped"] is None, record["skipped"]
        errors = {c["name"]: c["error"] for c in record["contenders"] if c["error"]}
        assert not errors, f"{spec.key}: {errors}"
        checked = 0
        for c in record["contenders"]:
            if c["role"] != "peer" or c["differs"]:
                continue
            assert c["check"]["ok"], f"{spec.key}: {c['name']} differs: {c['check']}"
            checked += 1
        assert checked >= 1, f"{spec.key}: no peer was compared"


def test_fwd_bwd_returns_output_and_every_gradient():
    spec = cases.CaseSpec(cases.OPS["conv_transpose"], "tiny", "float32", "fwd+bwd")
    problem, _ = cases.build(spec)
    ours = next(c for c in problem.contenders if c.role == "ours")
    fn = suite.jax_callable(ours, problem, spec.mode)
    ct = suite._cotangent(problem)
    y, (dx, dk) = fn(*problem.args, ct)
    assert y.shape == problem.out_shape
    assert dx.shape == problem.args[0].shape and dk.shape == problem.args[1].shape


# --- one run of the command writes every output ---------------------------------------------------


def test_command_writes_json_markdown_and_chart(tmp_path, capsys):
    result = main(
        [
            "--tiny",
            "--ops",
            "pixel_shuffle,max_unpool",
            "--repeats",
            "2",
            "--warmup",
            "0",
            "--out",
            str(tmp_path),
            "--no-progress",
        ]
    )
    printed = capsys.readouterr().out
    assert "targets:" in printed and "pixel shuffle 2x" in printed
    data = json.loads((tmp_path / "results.json").read_text())
    assert [r["key"] for r in data["records"]] == [
        "pixel_shuffle/fwd/tiny/float32",
        "max_unpool/fwd/tiny/float32",
        "max_unpool/fwd+bwd/tiny/float32",
    ]
    assert (
        data["machine"]["threads"]["torch_threads"] == data["machine"]["threads"]["xla_cpu_threads"]
    )
    assert {v["status"] for v in data["targets"]} <= {"PASS", "FAIL", "n/a"}
    assert len(data["targets"]) == len(result["targets"]) > 0
    md = (tmp_path / "results.md").read_text()
    assert "| op | mode |" in md and "### Targets" in md and "| max unpool 2x2 | fwd+bwd |" in md
    assert (tmp_path / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_command_rejects_unknown_op():
    with pytest.raises(SystemExit, match="unknown op"):
        main(["--tiny", "--ops", "max_pooll", "--no-progress"])


# --- the runner's train steps ---------------------------------------------------------------------


def _train_record(key, build_s, jax_s, torch_s):
    return {
        "key": key,
        "build_s": build_s,
        "build_cpu_s": build_s,
        "jax": {"median_s": jax_s},
        "torch": {"median_s": torch_s},
        "step_vs_torch": jax_s / torch_s,
    }


def test_train_step_verdicts_use_each_case_build_limit_and_the_torch_step_ratio():
    records = [
        _train_record("train_sr_espcn", 2.9, 0.010, 0.010),
        _train_record("train_seg_unet", 5.1, 0.011, 0.010),
    ]
    got = {(v["case"], v["target"]): v for v in train_steps.verdicts(records)}
    assert got[("train_sr_espcn", "build < 3 s")]["status"] == "PASS"
    assert got[("train_sr_espcn", "step no slower than torch eager")]["status"] == "PASS"
    assert got[("train_seg_unet", "build < 5 s")]["status"] == "FAIL"
    step = got[("train_seg_unet", "step no slower than torch eager")]
    assert step["value"] == pytest.approx(1.1) and step["status"] == "FAIL"


@pytest.mark.parametrize("name", sorted(train_steps.CASES))
def test_train_step_torch_net_has_the_runner_nets_weights(name):
    """The PyTorch contender is the same network: the same number of weights, layer by layer
    summed (biases and kernels), as the runner's JAX model."""
    import torch

    case = train_steps.CASES[name]
    step, state, _ = case.jax_step()
    jax_weights = sum(int(np.prod(p.shape)) for p in jax.tree.leaves(state["params"]))
    torch_step = case.torch_step()
    net_params = [
        c.cell_contents
        for c in torch_step.__closure__
        if isinstance(c.cell_contents, torch.nn.Module)
    ]
    assert len(net_params) == 1
    assert sum(p.numel() for p in net_params[0].parameters()) == jax_weights


# --- the GPU command ------------------------------------------------------------------------------


def test_gpu_check_without_a_gpu_skips_both_stages_and_writes_its_files(tmp_path, monkeypatch):
    from benchmarks import gpu_check

    monkeypatch.setenv(gpu_check.OUT_ENV, str(tmp_path))
    monkeypatch.setattr(gpu_check, "gpu_present", lambda: (False, "1 x cpu (cpu)"))
    assert gpu_check.main([]) == 0
    summary = json.loads((tmp_path / "gpu_check.json").read_text())
    assert [s["stage"] for s in summary["stages"]] == ["tests", "benchmarks"]
    assert all(s["skipped"] == "no NVIDIA GPU" for s in summary["stages"])
    assert "-m accelerator" in summary["stages"][0]["command"]
    assert "| tests | skipped |" in (tmp_path / "gpu_check.md").read_text()


def test_gpu_check_stage_reports_exit_code_timeout_and_junit_counts(tmp_path):
    from benchmarks import gpu_check

    ok = gpu_check.run_stage("x", [sys.executable, "-c", "print('hi')"], 60)
    assert ok["exit_code"] == 0 and "hi" in ok["output_tail"]
    bad = gpu_check.run_stage("x", [sys.executable, "-c", "raise SystemExit(3)"], 60)
    assert bad["exit_code"] == 3
    slow = gpu_check.run_stage("x", [sys.executable, "-c", "import time; time.sleep(5)"], 0.5)
    assert slow["exit_code"] is None and "stage limit" in slow["output_tail"]
    xml = '<testsuites><testsuite tests="5" failures="1" errors="0" skipped="2"/></testsuites>'
    (tmp_path / "junit.xml").write_text(xml)
    assert gpu_check._junit_counts(tmp_path / "junit.xml") == {
        "tests": 5,
        "failures": 1,
        "errors": 0,
        "skipped": 2,
    }


def test_gpu_check_without_pytest_or_xdist_says_so_and_fails(tmp_path, monkeypatch):
    """A preinstalled GPU stack may lack pytest-xdist (then "-n 0" must not be passed) or pytest
    itself (then the test stage is reported as not run and the command exits non-zero)."""
    import importlib.util

    from benchmarks import gpu_check

    real = importlib.util.find_spec
    assert "-n" in gpu_check.stage_commands(tmp_path, True)["tests"]  # xdist is a test extra
    missing: set[str] = {"xdist"}
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n in missing else real(n, *a)
    )
    assert "-n" not in gpu_check.stage_commands(tmp_path, True)["tests"]
    missing.add("pytest")
    monkeypatch.setattr(gpu_check, "gpu_present", lambda: (True, "1 x fake GPU (gpu)"))
    monkeypatch.setattr(
        gpu_check,
        "run_stage",
        lambda name, *a: (
            pytest.fail(f"ran stage {name}")
            if name == "tests"
            else {"stage": name, "command": "", "exit_code": 0, "seconds": 1.0, "output_tail": ""}
        ),
    )
    assert gpu_check.main(["--out", str(tmp_path)]) == 1
    tests = json.loads((tmp_path / "gpu_check.json").read_text())["stages"][0]
    assert tests["exit_code"] is None and "pytest is not installed" in tests["output_tail"]
    assert (
        "| tests | NOT RUN | - | pytest is not installed"
        in (tmp_path / "gpu_check.md").read_text()
    )


def test_a_missing_peer_module_is_recorded_not_fatal(monkeypatch):
    """The GPU image has no dm-pix and no PyWavelets: every case still builds, and the missing
    peer is one contender's error while ours and the other peers are timed."""
    for name in ("dm_pix", "pywt"):
        monkeypatch.setitem(sys.modules, name, None)  # `import` now raises ImportError
    for op in cases.OPS.values():
        problem, why = cases.build(cases.CaseSpec(op, "tiny", "float32", op.modes[0]))
        assert problem is not None, why
    record = suite.run_case(
        cases.CaseSpec(cases.OPS["pixel_shuffle"], "tiny", "float32", "fwd"), FAST, check=False
    )
    errors = {c["name"]: c["error"] for c in record["contenders"]}
    missing = errors.pop("dm-pix")
    assert missing is not None and "ModuleNotFoundError" in missing, missing
    assert not any(errors.values()), errors
