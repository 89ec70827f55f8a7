"""The experiment runner (``experiments/``): end-to-end runs of tiny configurations of both tasks;
the seed ensemble equals its seeds trained one by one, each on the stream its seed names; resume
after a kill with bitwise-equal parameters; seeds and batch split over 4 host devices equal to one
device; a divergence stop naming the seed; metric parity with scikit-image; rejection of bad input
before training; and deterministic datasets. Statistics: tests/test_experiment_stats.py."""

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import skimage.color
import skimage.data
from flax import nnx
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from experiments import __main__ as cli
from experiments import configs, data, metrics, seg, sr, stats, train
from experiments.configs import ConfigError

REPO = Path(__file__).resolve().parents[1]
RECORD_KEYS = {
    "task",
    "method",
    "seed",
    "metrics",
    "baseline",
    "params",
    "steps",
    "train_seconds",
    "steps_per_second",
    "device",
    "versions",
}

# A few-second SR configuration: one small training photo, one held-out photo, 4-patch batches.
TINY_SR = configs.SRConfig(
    methods=("pixel_shuffle",),
    seeds=(0, 1),
    steps=6,
    batch_size=4,
    patch_size=8,
    warmup_steps=2,
    train_images=("astronaut",),
    test_images=("chelsea",),
    log_every=2,
    checkpoint_every=2,
)
TINY_SEG = configs.SegConfig(
    methods=("max_pool",),
    seeds=(0,),
    steps=2,
    datasets=("shapes",),
    archs=("unet",),
    image_size=16,
    max_shift=4,
    num_eval=8,
    batch_size=4,
    warmup_steps=1,
    log_every=1,
    checkpoint_every=1,
)


def _params(workdir: Path, method: str, seed: int = 0) -> dict[str, np.ndarray]:
    with np.load(workdir / method / f"seed{seed}" / "params.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(scope="module")
def sr_run(tmp_path_factory):
    """The uninterrupted reference run of TINY_SR: seeds 0 and 1 as one ensemble."""
    workdir = tmp_path_factory.mktemp("sr_full")
    train.train_and_evaluate(TINY_SR, workdir)
    return workdir


def test_sr_run_writes_results_report_figures_and_curves(sr_run):
    records = json.loads((sr_run / "results.json").read_text())
    assert [(r["method"], r["seed"]) for r in records] == [
        (sr.BASELINE, 0),
        (sr.BASELINE, 1),
        ("pixel_shuffle", 0),
        ("pixel_shuffle", 1),
    ]
    for r in records:
        assert RECORD_KEYS <= set(r), RECORD_KEYS - set(r)
        assert r["task"] == "sr"
        assert set(r["baseline"]) == {"psnr_y", "ssim_y"}
        assert np.isfinite(r["metrics"]["psnr_y"]) and 0 < r["metrics"]["ssim_y"] <= 1
    trained = records[2:]
    assert all(r["steps"] == 6 and r["params"] > 0 for r in trained)
    assert all(r["ensemble_seeds"] == [0, 1] for r in trained)
    assert records[0]["metrics"]["psnr_y"] == records[2]["baseline"]["psnr_y"]
    assert trained[0]["metrics"] != trained[1]["metrics"]  # two inits, two data streams
    assert configs.from_dict(json.loads((sr_run / "config.json").read_text())) == TINY_SR
    mode = 0o666 & ~_umask()  # files are written as open() would, not 0600
    for name in ("report.md", "sr_crops.png", "curves_sr.png", "results.json"):
        assert (sr_run / name).stat().st_size > 0, name
        assert (sr_run / name).stat().st_mode & 0o777 == mode, name
    # Run folders sit directly under the workdir (not runs/sr/runs/sr/...).
    assert (sr_run / "pixel_shuffle" / "seed1" / "params.npz").exists()
    curve = [json.loads(x) for x in (sr_run / trained[0]["curve"]).read_text().splitlines()]
    assert [row["step"] for row in curve] == [2, 4, 6]
    assert all(len(row["loss"]) == 2 for row in curve)  # one loss per seed
    text = (sr_run / "report.md").read_text()
    assert "methods = pixel_shuffle\n" in text  # resolved names, not 'default'
    assert "95% Student-t interval" in text and "Per image" in text


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_ensemble_equals_its_seeds_trained_one_by_one(sr_run, tmp_path):
    train.train_and_evaluate(dataclasses.replace(TINY_SR, seeds=(1,)), tmp_path)
    alone, together = _params(tmp_path, "pixel_shuffle", 1), _params(sr_run, "pixel_shuffle", 1)
    assert alone.keys() == together.keys()
    for k in alone:
        # vmap batches the convolutions of both seeds: float32 rounding only.
        np.testing.assert_allclose(together[k], alone[k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_ensemble_of_a_net_with_custom_derivatives_equals_its_seeds(tmp_path):
    """``bilinear`` runs ``resample_jax.resize``, whose derivative is a custom JVP built with
    ``jax.linear_transpose``; its ensemble step traces inside the seed ``shard_map`` and equals
    the seeds trained one by one."""
    cfg = dataclasses.replace(TINY_SR, methods=("bilinear",), steps=2, log_every=1)
    (spec,) = sr.SRTask(cfg).runs()
    together = train.fit(spec, cfg, tmp_path / "together").ensemble.seed_state(1)["params"]
    alone = train.fit(dataclasses.replace(spec, seeds=(1,)), cfg, tmp_path / "alone")
    want = train.flat_params(alone.ensemble.seed_state(0)["params"])
    got = train.flat_params(together)
    assert got.keys() == want.keys()
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_each_seed_trains_on_the_stream_its_seed_names():
    (spec,) = sr.SRTask(dataclasses.replace(TINY_SR, seeds=(3, 0, 7))).runs()
    d = data.load_sr(TINY_SR.train_images, TINY_SR.test_images, TINY_SR.scale)
    for step in (0, 5):
        x, y = train.ensemble_batch(spec, step)
        assert x.shape == (3, 4, 8, 8, 1) and y.shape == (3, 4, 24, 24, 1)
        for i, seed in enumerate((3, 0, 7)):
            want = data.sr_batch(d, seed, step, TINY_SR.batch_size, TINY_SR.patch_size)
            np.testing.assert_array_equal(x[i], want[0])
            np.testing.assert_array_equal(y[i], want[1])
    assert not np.array_equal(x[0], x[1])


def test_resume_after_kill_is_bitwise_equal_and_ignores_partial_checkpoints(sr_run, tmp_path):
    with pytest.raises(train.Interrupted, match="interrupted at step 5"):
        train.train_and_evaluate(TINY_SR, tmp_path, interrupt_at=5)
    ckpt = tmp_path / "pixel_shuffle/seeds-0-1/checkpoints"
    assert sorted(p.name for p in ckpt.iterdir() if p.name.isdigit()) == ["2", "4"]
    # A kill during a save leaves Orbax's temporary directory; a damaged finalised step must not
    # be trusted either. Both are skipped and the run resumes from step 2.
    (ckpt / "5.orbax-checkpoint-tmp-1700000000").mkdir()
    (ckpt / "5.orbax-checkpoint-tmp-1700000000" / "junk").write_bytes(b"\0" * 10)
    shutil.rmtree(ckpt / "4" / "state")
    (ckpt / "4" / "state").mkdir()
    train.train_and_evaluate(TINY_SR, tmp_path)
    for seed in (0, 1):
        full, resumed = (
            _params(sr_run, "pixel_shuffle", seed),
            _params(tmp_path, "pixel_shuffle", seed),
        )
        assert full.keys() == resumed.keys()
        for k in full:
            np.testing.assert_array_equal(full[k], resumed[k], err_msg=k)
    a = json.loads((sr_run / "results.json").read_text())
    b = json.loads((tmp_path / "results.json").read_text())
    assert [r["metrics"] for r in a] == [r["metrics"] for r in b]


def _python(code: str, *args: str, xla_flags: str | None) -> None:
    """Runs ``python -c code args`` on the CPU from the repository, with ``XLA_FLAGS`` set to
    ``xla_flags`` (None: unset), and checks that it succeeds."""
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env.update(
        JAX_PLATFORMS="cpu", PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    )
    if xla_flags is not None:
        env["XLA_FLAGS"] = xla_flags
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_four_host_devices_split_seeds_and_batch_and_match_one_device(sr_run, tmp_path):
    code = (
        "import jax, sys; from experiments import configs, train; assert jax.device_count() == 4;"
        "mesh = train.make_mesh(2); assert dict(mesh.shape) == {'seed': 2, 'data': 2}, mesh;"
        f"cfg = configs.from_dict({configs.to_dict(TINY_SR)!r});"
        "train.train_and_evaluate(cfg, sys.argv[1])"
    )
    _python(code, str(tmp_path), xla_flags="--xla_force_host_platform_device_count=4")
    records = json.loads((tmp_path / "results.json").read_text())
    assert all(r["device"].startswith("4 x") for r in records)
    for seed in (0, 1):
        one, four = _params(sr_run, "pixel_shuffle", seed), _params(tmp_path, "pixel_shuffle", seed)
        for k in one:
            # The gradient all-reduce over the data axis sums in another order: rounding only.
            np.testing.assert_allclose(four[k], one[k], rtol=1e-4, atol=1e-5, err_msg=k)


@pytest.mark.parametrize(
    ("seeds", "cores", "want"),
    [(4, 2, 2), (1, 2, 1), (3, 2, 1), (5, 2, 1), (6, 4, 3), (5, 16, 5), (4, 1, 1), (8, 6, 4)],
)
def test_host_device_count_is_the_largest_divisor_of_the_seeds_within_the_cores(seeds, cores, want):
    assert train.host_device_count(seeds, cores) == want


def test_xla_flags_add_the_host_device_count_and_keep_the_users():
    force = "--xla_force_host_platform_device_count"
    assert train.xla_flags_for_seeds("", 4, 2) == f"{force}=2"
    assert train.xla_flags_for_seeds("--xla_cpu_foo=1", 4, 2) == f"--xla_cpu_foo=1 {force}=2"
    assert train.xla_flags_for_seeds("", 3, 2) == ""  # one device: nothing to force
    assert train.xla_flags_for_seeds(f"{force}=8", 4, 2) == f"{force}=8"  # the user's choice


def test_cli_trains_seeds_on_one_host_device_per_core_equal_to_one_device_and_resumes(
    sr_run, tmp_path
):
    """The entry point picks the host devices (2 on a 2-core machine for 2 seeds), each device
    trains its seed, the result equals the 1-device ensemble, and a resumed run on those devices
    is bitwise equal to an uninterrupted one."""
    flags = []
    for field in dataclasses.fields(TINY_SR):
        value = getattr(TINY_SR, field.name)
        if field.name in ("task", "distributed", "residual", "self_ensemble"):
            continue
        shown = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
        flags += [f"--{field.name.replace('_', '-')}", shown]
    code = "\n".join(
        [
            "import sys",
            "from experiments import __main__ as cli, configs, train",
            "assert cli.main(['sr', '--workdir', sys.argv[1], *sys.argv[3:]]) == 0",
            f"cfg = configs.from_dict({configs.to_dict(TINY_SR)!r})",
            "try:",
            "    train.train_and_evaluate(cfg, sys.argv[2], interrupt_at=3)",
            "except train.Interrupted:",
            "    pass",
            "train.train_and_evaluate(cfg, sys.argv[2])",
        ]
    )
    full, resumed = tmp_path / "full", tmp_path / "resumed"
    _python(code, str(full), str(resumed), *flags, xla_flags=None)
    devices = train.host_device_count(len(TINY_SR.seeds), train.available_cores())
    for workdir in (full, resumed):
        assert configs.from_dict(json.loads((workdir / "config.json").read_text())) == TINY_SR
        records = json.loads((workdir / "results.json").read_text())
        assert all(r["device"].startswith(f"{devices} x") for r in records), records[0]["device"]
    for seed in TINY_SR.seeds:
        one = _params(sr_run, "pixel_shuffle", seed)
        a, b = _params(full, "pixel_shuffle", seed), _params(resumed, "pixel_shuffle", seed)
        for k in one:
            np.testing.assert_allclose(a[k], one[k], rtol=1e-5, atol=1e-6, err_msg=k)
            np.testing.assert_array_equal(b[k], a[k], err_msg=k)


def test_non_finite_loss_in_one_seed_stops_naming_that_seed_and_keeps_last_checkpoint(
    tmp_path, monkeypatch
):
    real = data.sr_batch

    def poisoned(d, seed, step, *args):
        x, y = real(d, seed, step, *args)
        return (x * np.float32(np.inf), y) if seed == 1 and step >= 1 else (x, y)

    monkeypatch.setattr(data, "sr_batch", poisoned)
    cfg = dataclasses.replace(TINY_SR, checkpoint_every=1, log_every=1)
    with pytest.raises(
        train.TrainingDiverged, match=r"'pixel_shuffle' diverged in seed\(s\) 1 at step 2"
    ) as err:
        train.train_and_evaluate(cfg, tmp_path)
    assert "step 1 is kept" in str(err.value)
    ckpt = tmp_path / "pixel_shuffle/seeds-0-1/checkpoints"
    assert [p.name for p in ckpt.iterdir() if p.name.isdigit()] == ["1"]
    records = json.loads((tmp_path / "results.json").read_text())
    assert {r["method"] for r in records} == {sr.BASELINE}  # no record for the diverged ensemble


def test_seg_run_writes_results_with_seg_metrics_and_reference_rows(tmp_path):
    train.train_and_evaluate(TINY_SEG, tmp_path)
    background, record = json.loads((tmp_path / "results.json").read_text())
    assert RECORD_KEYS <= set(record)
    assert record["task"] == "seg-shapes" and record["method"] == "unet:max_pool+bilinear"
    assert set(record["metrics"]) == {"miou", "pixel_acc", "shift_consistency",
                                      "circular_equal", "circular_logit_diff"}
    assert all(0 <= v <= 1 for k, v in record["metrics"].items() if k != "circular_logit_diff")
    assert background["method"] == seg.BACKGROUND and background["reference"]
    # Predicting background everywhere: IoU of background is its pixel fraction, 0 for every other
    # class that occurs; classes absent from the labels are not averaged. A constant map agrees
    # with itself under any shift.
    ev = data.seg_eval("shapes", TINY_SEG.num_eval, TINY_SEG.image_size, TINY_SEG.max_shift)
    labels = ev.labels[:, : TINY_SEG.image_size, : TINY_SEG.image_size]
    want = np.mean(labels == 0) / len(np.unique(labels))
    np.testing.assert_allclose(background["metrics"]["miou"], want, rtol=1e-6)
    assert background["metrics"]["shift_consistency"] == 1.0
    for name in ("report.md", "masks_seg-shapes.png", "curves_seg-shapes.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert (tmp_path / "shapes" / "unet-max_pool+bilinear" / "seed0" / "params.npz").exists()
    text = (tmp_path / "report.md").read_text()
    assert "Skip connections" in text and seg.BACKGROUND in text
    cb = json.loads((tmp_path / seg.CHECKERBOARD).read_text())
    assert len(cb["pixel_shuffle"]) == 5 and max(cb["pixel_shuffle"]) < 1e-5  # ICNR
    assert min(cb["conv_transpose"]) > 1e-2  # uneven overlap


def test_seg_report_checks_the_circular_shift_claim_at_init_and_after_training(tmp_path):
    config = dataclasses.replace(TINY_SEG, methods=("aps_upsample",), padding="circular")
    records = train.train_and_evaluate(config, tmp_path)
    methods = {r["method"] for r in records if not r.get("reference")}
    assert methods == {"unet:max_pool+bilinear", "unet:aps+aps_upsample"}
    at_init = json.loads((tmp_path / seg.CIRCULAR_AT_INIT).read_text())
    assert set(at_init) == {seg.circular_key("seg-shapes", m, 0) for m in methods}
    aps = next(r for r in records if r["method"] == "unet:aps+aps_upsample")["metrics"]
    assert aps["circular_equal"] == 1.0 and aps["circular_logit_diff"] <= seg.EXACT_TOL
    aps_init = at_init[seg.circular_key("seg-shapes", "unet:aps+aps_upsample", 0)]
    assert aps_init["circular_equal"] == 1.0 and aps_init["circular_logit_diff"] <= seg.EXACT_TOL
    max_pool = at_init[seg.circular_key("seg-shapes", "unet:max_pool+bilinear", 0)]
    assert max_pool["circular_logit_diff"] > seg.EXACT_TOL
    text = (tmp_path / "report.md").read_text()
    assert "exactly consistent under circular shifts, a max-pool U-Net is not" in text
    for when in ("at init", "trained"):
        assert (f"seg-shapes unet:aps+aps_upsample {when}: " in text)
    claims = [line for line in text.splitlines() if line.startswith("- seg-shapes unet:aps")]
    assert len(claims) == 2 and all("**reproduced (exact on every seed)**" in c for c in claims)
    pool = [line for line in text.splitlines() if line.startswith("- seg-shapes unet:max_pool")]
    assert any("at init" in c and "exact on 0 of 1 seeds: **reproduced" in c for c in pool)


def _seg_record(down, seed, miou, consistency):
    return {"task": "seg-shapes", "arch": "unet", "down": down, "up": "bilinear", "seed": seed,
            "method": f"unet:{down}+bilinear", "dataset": "shapes",
            "metrics": {"miou": miou, "shift_consistency": consistency}}


def test_seg_report_judges_blur_pooling_also_at_equal_miou(tmp_path):
    """Hand-made seeds where the blur-pool net's consistency gain is 0.05 per unit of mIoU it
    lost plus noise of 1e-3, no gain at an equal mIoU: the plain paired difference reproduces
    the claim, the difference at equal mIoU does not (and says within how much)."""
    base_miou = [0.62, 0.60, 0.65, 0.70, 0.55]
    base_cons = [0.950, 0.955, 0.960, 0.958, 0.950]
    dmiou = [-0.30, -0.25, -0.20, -0.22, 0.01]
    noise = [1e-3, -1e-3, 5e-4, 0.0, -5e-4]
    records = [{"task": "seg-shapes", "method": seg.BACKGROUND, "seed": k, "reference": True,
                "metrics": {"miou": 0.19, "shift_consistency": 1.0}} for k in range(5)]
    for k in range(5):
        records.append(_seg_record("max_pool", k, base_miou[k], base_cons[k]))
        records.append(_seg_record("max_blur_pool", k, base_miou[k] + dmiou[k],
                                   base_cons[k] - 0.05 * dmiou[k] + noise[k]))
    config = dataclasses.replace(TINY_SEG, methods=("max_pool", "max_blur_pool"))
    lines = seg._claims(tmp_path, records, config)
    plain = next(x for x in lines if x.startswith("- seg-shapes unet: max_blur_pool − max_pool"))
    assert plain.endswith("**reproduced**.")
    adj = stats.adjusted_difference(
        [-0.05 * d + e for d, e in zip(dmiou, noise, strict=True)], dmiou)
    assert adj.low < 0 < adj.high  # the hand-made data hold no gain at equal mIoU
    at_equal = lines[lines.index(plain) + 1]
    assert at_equal == f"  - at equal mIoU: {adj.text(4)}: **{stats.claim(adj)}**."
    assert stats.claim(adj).startswith("no effect within ±")
    assert any("analysis of covariance on the paired design" in x for x in lines)
    files = seg.SegTask(config).figures(tmp_path, records)
    assert files == ["consistency_vs_miou_seg-shapes.png"]
    assert (tmp_path / files[0]).stat().st_size > 0


# The LPS U-Net alone (its pair is the default one, so it is the only run).
TINY_LPS = dataclasses.replace(TINY_SEG, methods=("lpu",), down="lps", up="lpu", steps=3)


@pytest.mark.parametrize("cfg", [TINY_LPS, TINY_SEG], ids=["lps+lpu", "max_pool+bilinear"])
def test_train_step_gives_the_loss_the_second_half_of_the_seed_key_split(cfg):
    """The loss gets ``split(key)[1]`` and the carried key is ``split(key)[0]`` (what the runner
    carried before the loss took a key). It is the LPS U-Net's Gumbel noise; a net without noisy
    stages computes bitwise what it computes with no key."""
    (spec,) = seg.SegTask(cfg).runs()
    tx = train.make_optimizer(cfg)
    ens = train.init_ensemble(spec, tx)
    state = jax.tree.map(jnp.asarray, ens.seed_state(0))
    x, y = (jnp.asarray(a) for a in spec.batch(0, 0))

    def step(loss):
        return jax.jit(lambda s, x, y: train.train_step(ens.graphdef, tx, loss, s, x, y))

    new, out = step(spec.loss)(state, x, y)
    carried, step_key = jax.random.split(jax.random.wrap_key_data(state["key"]))
    np.testing.assert_array_equal(new["key"], jax.random.key_data(carried))
    model = nnx.merge(ens.graphdef, state["params"], state["rest"])  # training mode
    want = seg.cross_entropy(model, x, y, step_key)
    np.testing.assert_allclose(out["loss"], want, rtol=1e-5)
    if cfg.down == "lps":  # the noise moves the loss: no other key (or none) gives it
        for other in (None, carried):
            assert abs(float(seg.cross_entropy(model, x, y, other)) - float(want)) > 1e-5, other
    else:  # the whole new state (parameters, Adam's moments, key) equals the key-less step's
        keyless, _ = step(lambda m, x, y, key: spec.loss(m, x, y, None))(state, x, y)
        for a, b in zip(jax.tree.leaves(new), jax.tree.leaves(keyless), strict=True):
            np.testing.assert_array_equal(a, b)


def test_lps_run_resumes_bitwise_drawing_the_noise_of_its_checkpointed_key(tmp_path):
    (spec,) = seg.SegTask(TINY_LPS).runs()
    spec = dataclasses.replace(spec, validation=None)  # no validation curve: faster
    full = train.fit(spec, TINY_LPS, tmp_path / "full").ensemble.seed_state(0)
    with pytest.raises(train.Interrupted, match="interrupted at step 2"):
        train.fit(spec, TINY_LPS, tmp_path / "resumed", interrupt_at=2)
    # Resume from step 1, so two steps draw their noise from the restored key.
    shutil.rmtree(tmp_path / "resumed" / "checkpoints" / "2")
    resumed = train.fit(spec, TINY_LPS, tmp_path / "resumed").ensemble.seed_state(0)
    np.testing.assert_array_equal(resumed["key"], full["key"])
    want, got = train.flat_params(full["params"]), train.flat_params(resumed["params"])
    assert got.keys() == want.keys()
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)


def test_seg_report_protocol_says_lps_trains_with_gumbel_noise_only_when_a_run_has_lps():
    assert "LPS layers train with Gumbel-softmax" in seg.SegTask(TINY_LPS).protocol()[0]
    assert "Gumbel" not in seg.SegTask(TINY_SEG).protocol()[0]


def test_seg_shifts_cover_every_phase_of_the_total_stride():
    ev = seg._Evaluator("shapes", dataclasses.replace(TINY_SEG, num_eval=64))
    shifts = ev.circular_shifts
    assert shifts.min() >= 0 and shifts.max() < TINY_SEG.image_size and shifts.any(axis=1).all()
    assert len({(a % 4, b % 4) for a, b in shifts}) > 8  # not only multiples of the stride 4
    np.testing.assert_array_equal(ev.x_rolled[3], np.roll(ev.x0[3], tuple(shifts[3]), (0, 1)))


def test_psnr_ssim_match_scikit_image():
    rng = np.random.default_rng(0)
    a = rng.uniform(size=(37, 45))
    b = np.clip(a + 0.05 * rng.normal(size=a.shape), 0, 1)
    with jax.enable_x64(True):
        got_ssim = float(metrics.ssim(jnp.asarray(a), jnp.asarray(b)))
        got_psnr = float(metrics.psnr(jnp.asarray(a), jnp.asarray(b)))
    want = structural_similarity(
        a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0
    )
    np.testing.assert_allclose(got_ssim, want, rtol=1e-12)
    np.testing.assert_allclose(got_psnr, peak_signal_noise_ratio(a, b, data_range=1.0), rtol=1e-12)
    # The SR entry point shaves `scale` pixels per border before both metrics (float32 path).
    got = metrics.sr_metrics(a[..., None].astype(np.float32), b[..., None].astype(np.float32), 3)
    inner_a, inner_b = a[3:-3, 3:-3], b[3:-3, 3:-3]
    np.testing.assert_allclose(
        got["psnr_y"], peak_signal_noise_ratio(inner_a, inner_b, data_range=1.0), rtol=1e-5
    )
    np.testing.assert_allclose(
        got["ssim_y"],
        structural_similarity(
            inner_a,
            inner_b,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            data_range=1.0,
        ),
        rtol=1e-5,
    )


def test_luma_matches_scikit_image_bt601():
    rgb = np.random.default_rng(1).uniform(size=(5, 6, 3))
    np.testing.assert_allclose(
        data.rgb_to_y(rgb), skimage.color.rgb2ycbcr(rgb)[..., 0] / 255, rtol=1e-12
    )


def test_segmentation_metrics_hand_computed():
    labels = np.array([[0, 0, 1, 1]])
    pred = np.array([[0, 1, 1, 1]])
    conf = np.asarray(metrics.confusion_matrix(jnp.asarray(pred), jnp.asarray(labels), 3))
    np.testing.assert_array_equal(conf, [[1, 1, 0], [0, 2, 0], [0, 0, 0]])
    s = metrics.segmentation_scores(conf)
    np.testing.assert_allclose(s["miou"], (1 / 2 + 2 / 3) / 2)  # class 2 absent: not averaged
    np.testing.assert_allclose(s["pixel_acc"], 3 / 4)
    # Crops of one image at (0, 0) and (0, 1): overlap is columns 1..3 of the image.
    pa = np.array([[[5, 6, 7, 8]]])
    pb = np.array([[[6, 7, 0, 9]]])
    got = metrics.shift_consistency(pa, pb, np.array([[[0, 0], [0, 1]]]))
    np.testing.assert_allclose(got, 2 / 3)


def test_checkerboard_score_zero_for_constant_and_positive_for_period_two():
    np.testing.assert_allclose(metrics.checkerboard_score(np.full((8, 8, 2), 3.0), 2), 0.0)
    pattern = np.tile(np.array([[1.0, 0.0], [0.0, 0.0]]), (4, 4))[..., None]
    # phase means 1, 0, 0, 0: std 0.433; RMS of the output sqrt(1/4) = 0.5.
    np.testing.assert_allclose(metrics.checkerboard_score(pattern, 2), np.sqrt(3) / 4 / 0.5)


@pytest.mark.parametrize(
    "overrides, match",
    [
        (
            {"methods": ("pixel_shufle",)},
            r"unknown SR method 'pixel_shufle'.*valid upsamplers.*"
            r"Did you mean 'pixel_shuffle'",
        ),
        ({"methods": ("haar",)}, r"'haar' cannot upsample by --scale 3"),
        ({"arch": "vdsr"}, r"unknown --arch 'vdsr'"),
        ({"loss": "l2"}, r"--loss 'l2': unknown; valid: \['mse', 'l1'\]"),
        ({"steps": 0}, r"--steps 0: must be an integer >= 1"),
    ],
)
def test_rejects_bad_sr_config_before_training(tmp_path, monkeypatch, overrides, match):
    monkeypatch.setattr(train, "fit", lambda *a, **k: pytest.fail("trained despite bad input"))
    cfg = configs.from_dict({**configs.to_dict(TINY_SR), **overrides})
    with pytest.raises(ConfigError, match=match):
        train.train_and_evaluate(cfg, tmp_path)


def test_rejects_unwritable_workdir_and_indivisible_batch(tmp_path, monkeypatch):
    monkeypatch.setattr(train, "fit", lambda *a, **k: pytest.fail("trained despite bad input"))
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="not writable"):
        train.train_and_evaluate(TINY_SR, blocker / "sub")
    monkeypatch.setattr(train.jax, "device_count", lambda: 4)
    cfg = configs.from_dict({**configs.to_dict(TINY_SR), "batch_size": 6, "seeds": [0]})
    with pytest.raises(ConfigError, match=r"--batch-size 6 does not divide over the 4 devices"):
        train.train_and_evaluate(cfg, tmp_path / "w")


def test_resume_checks_the_batch_split_of_the_seeds_still_to_train(tmp_path, monkeypatch):
    # 4 seeds on 4 devices: one seed per device, the batch of 3 is not split. With seeds 0 and 1
    # done, the resumed ensemble of seeds 2 and 3 has a 2-way data axis, which 3 does not divide:
    # refused before anything is trained or written.
    monkeypatch.setattr(train, "fit", lambda *a, **k: pytest.fail("trained despite bad input"))
    monkeypatch.setattr(train.jax, "device_count", lambda: 4)
    cfg = dataclasses.replace(TINY_SR, seeds=(0, 1, 2, 3), batch_size=3)
    train.plan(cfg, tmp_path)  # the full seed list splits fine
    done = [{"task": "sr", "method": "pixel_shuffle", "seed": s} for s in (0, 1)]
    (tmp_path / "results.json").write_text(json.dumps(done))
    with pytest.raises(ConfigError, match=r"--batch-size 3 does not divide over the 2 devices"):
        train.train_and_evaluate(cfg, tmp_path)
    assert json.loads((tmp_path / "results.json").read_text()) == done


def test_cli_reports_bad_seg_method_without_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", os.environ.get("XLA_FLAGS", ""))  # the CLI sets it
    code = cli.main(["seg", "--methods", "blurpool", "--workdir", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown seg method 'blurpool'" in err and "Did you mean 'blur_pool'" in err
    assert not (tmp_path / "results.json").exists()


def test_cli_overrides_fill_the_config():
    import argparse

    parser = argparse.ArgumentParser()
    configs.add_arguments(parser, configs.SRConfig)
    ns = parser.parse_args(
        ["--methods", "a,b", "--seeds", "0,1,2", "--steps", "7", "--scale", "4", "--no-residual"]
    )
    cfg = configs.from_namespace(configs.SRConfig, ns)
    assert (cfg.methods, cfg.seeds, cfg.steps, cfg.scale, cfg.residual) == (
        ("a", "b"),
        (0, 1, 2),
        7,
        4,
        False,
    )


def test_datasets_are_deterministic_per_seed():
    for make in (data.make_shapes, data.make_horses):
        x1, y1 = make(3, 4, 24)
        x2, y2 = make(3, 4, 24)
        x3, _ = make(4, 4, 24)
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
        assert not np.array_equal(x1, x3)
        assert x1.shape == (4, 24, 24, 3) and y1.dtype == np.int32
    _, labels = data.make_shapes(0, 32, 32)
    assert set(np.unique(labels)) == {0, 1, 2, 3}
    _, horses = data.make_horses(0, 8, 32)
    assert set(np.unique(horses)) == {0, 1}
    a = data.seg_batch("shapes", 1, 5, 4, 16, 4)
    b = data.seg_batch("shapes", 1, 5, 4, 16, 4)
    np.testing.assert_array_equal(a[0], b[0])


def test_dihedral_transforms_are_the_eight_distinct_ones_and_undo_inverts_them():
    x = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)  # non-square, two channels
    seen = set()
    for k in range(8):
        y = data.dihedral(x, k)
        np.testing.assert_array_equal(data.undo_dihedral(y, k), x)
        seen.add((y.shape, y.tobytes()))
    assert len(seen) == 8
    # k = 1 is one counter-clockwise quarter turn, k = 4 a left-right flip.
    np.testing.assert_array_equal(data.dihedral(x, 1)[..., 0], [[4, 10], [2, 8], [0, 6]])
    np.testing.assert_array_equal(data.dihedral(x, 4)[..., 0], [[4, 2, 0], [10, 8, 6]])


def test_self_ensemble_keeps_an_equivariant_upsampler_and_makes_any_net_equivariant():
    lr = np.random.default_rng(0).uniform(size=(6, 9, 1)).astype(np.float32)
    # Bicubic with half-pixel centres commutes with rotations and flips: the ensemble is a no-op.
    bicubic = lambda b: data.bicubic_upscale(b, 3)  # noqa: E731
    np.testing.assert_allclose(
        data.self_ensemble(bicubic, lr), bicubic(lr[None])[0], rtol=0, atol=1e-6
    )

    # A net that is not equivariant (it weights HR columns by position): its ensemble is.
    def skewed(b):
        up = np.repeat(np.repeat(b, 3, axis=1), 3, axis=2)
        return up * (1.0 + np.arange(up.shape[2]))[None, None, :, None]

    # Through the runner's evaluation: bicubic "net" scores the bicubic baseline either way.
    task = sr.SRTask(dataclasses.replace(TINY_SR, self_ensemble=True))
    scores, _ = task.runs()[0].evaluate(lambda b: data.bicubic_upscale(b, 3))
    base, _ = task.bicubic()
    for key in ("psnr_y", "ssim_y"):
        np.testing.assert_allclose(scores[key], base[key], rtol=1e-5)
        np.testing.assert_allclose(scores[f"{key}_single"], base[key], rtol=1e-6)

    ens = data.self_ensemble(skewed, lr)
    for k in range(8):
        np.testing.assert_allclose(
            data.self_ensemble(skewed, data.dihedral(lr, k)),
            data.dihedral(ens, k),
            rtol=1e-6,
        )
    assert not np.allclose(ens, skewed(lr[None])[0])


def _sr_record(method, seed, psnr, single=None):
    m = {"psnr_y": psnr, "ssim_y": 0.9}
    if single is not None:
        m["psnr_y_single"] = single
    return {
        "task": "sr",
        "method": method,
        "seed": seed,
        "metrics": m,
        "baseline": {"psnr_y": 30.0, "ssim_y": 0.8},
        "steps": 100,
    }


def test_sr_targets_are_judged_on_single_pass_margins_with_their_interval():
    # Single-pass margins +1.3, +1.4, +1.5 dB: mean 1.4, sd 0.1, t(0.975, 2) = 4.303 so the
    # interval is 1.4 +- 0.248: its low end 1.152 clears 1.0 and the worst seed clears 0.5.
    recs = [_sr_record("a", s, 31.6 + s / 10, 31.3 + s / 10) for s in range(3)]
    recs.append(_sr_record("b", 0, 31.0))
    lines = sr._checks(recs, TINY_SR)
    assert "**a**, single pass +1.400 dB (95% CI [+1.152, +1.648], sd 0.100, 3 seeds)" in lines[0]
    assert "worst seed +1.300 dB" in lines[0]
    assert "self-ensemble" in lines[1] and "+1.700 dB" in lines[1]
    assert "**met** (worst seed +1.300 dB)" in lines[3]
    assert "**met** (mean +1.400 dB, low end +1.152 dB, 3 seed(s))" in lines[4]
    # Two seeds +0.4 and +1.0 (no self-ensemble): the quick target fails on the worst seed and
    # the long one on the seed count and the interval.
    lines = sr._checks([_sr_record("a", 0, 30.4), _sr_record("a", 1, 31.0)], TINY_SR)
    assert "self-ensemble" not in "".join(lines)
    assert "**NOT met** (worst seed +0.400 dB)" in lines[2]
    assert "**NOT met** (mean +0.700 dB" in lines[3]
    assert not any("did not learn" in x for x in lines)
    # A seed 0.001 dB from bicubic (where the residual nets start) is named as not having learnt;
    # one 0.01 dB away is not.
    recs = [_sr_record("a", 0, 30.8), _sr_record("b", 0, 31.0), _sr_record("b", 3, 30.001),
            _sr_record("b", 1, 30.01)]
    flagged = [x for x in sr._checks(recs, TINY_SR) if "did not learn" in x]
    assert flagged == [
        "- **b: seed(s) 3 of 3 did not learn** (within 0.005 dB of bicubic, where the net "
        "starts); the row's mean and interval include them, so they measure training failures "
        "as well as the method."
    ]


def test_sr_rows_say_what_they_are_and_fixed_upsamplers_are_not_called_learned():
    task = sr.SRTask(TINY_SR)
    rs = [{"arch": "espcn", "residual": True}]
    fixed = task.describe("bilinear", rs)
    assert "ESPCN" in fixed and "fixed (parameter-free) `bilinear`" in fixed
    assert "learned" not in fixed
    assert "the learned `pixel_shuffle`" in task.describe("pixel_shuffle", rs)
    assert "no network" in task.describe(sr.BASELINE, rs)


def test_ycbcr_matches_scikit_image_and_inverts():
    rgb = np.random.default_rng(2).uniform(size=(4, 5, 3))
    ycc = data.rgb_to_ycbcr(rgb)
    np.testing.assert_allclose(ycc * 255, skimage.color.rgb2ycbcr(rgb), rtol=1e-12)
    np.testing.assert_allclose(data.ycbcr_to_rgb(ycc), rgb, atol=1e-12)


def test_sr_patches_are_aligned_and_deterministic():
    d = data.load_sr(("astronaut",), ("chelsea",), 3)
    lr1, hr1 = data.sr_batch(d, 0, 7, 4, 8)
    lr2, hr2 = data.sr_batch(d, 0, 7, 4, 8)
    np.testing.assert_array_equal(lr1, lr2)
    np.testing.assert_array_equal(hr1, hr2)
    assert lr1.shape == (4, 8, 8, 1) and hr1.shape == (4, 24, 24, 1)
    # LR is the antialiased bicubic downscale of the (modcropped) HR photograph.
    assert d.train_hr[0].shape[0] % 3 == 0
    assert d.train_lr[0].shape[0] * 3 == d.train_hr[0].shape[0]


def test_train_scales_add_downscaled_copies_of_each_training_photograph():
    # FSRCNN's augmentation (Dong et al. 2016, sec. 4.1): each training photograph also enters at
    # smaller sizes; factor 1 is the photograph itself, and every pair keeps the protocol's
    # alignment (LR = the antialiased downscale of the modcropped HR). Test photographs never scale.
    plain = data.load_sr(("astronaut",), ("chelsea",), 3)
    d = data.load_sr(("astronaut",), ("chelsea",), 3, (1.0, 0.5))
    assert len(d.train_hr) == 2 and len(d.test_hr) == 1
    np.testing.assert_array_equal(d.train_hr[0], plain.train_hr[0])
    np.testing.assert_array_equal(d.test_hr[0], plain.test_hr[0])
    assert d.train_hr[1].shape == (255, 255, 1)  # astronaut 512 -> 256 -> modcrop 3
    assert d.train_lr[1].shape == (85, 85, 1)
    np.testing.assert_array_equal(d.train_lr[1], data.downscale(d.train_hr[1], 3))
    # A downscale keeps the mean grey level (antialiased cubic weights sum to one).
    assert abs(float(d.train_hr[1].mean()) - float(plain.train_hr[0].mean())) < 0.01


def test_bundled_photographs_load_without_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert set(configs.PHOTO_NAMES) == set(data.PHOTOS)  # --help's list is the loader's
    for name in (*configs.TRAIN_PHOTOS, *configs.TEST_PHOTOS, *configs.VALIDATION_PHOTOS):
        y = data.load_photo_y(name)
        assert y.ndim == 3 and y.shape[-1] == 1
        assert 16 / 255 - 1e-6 <= y.min() and y.max() <= 235 / 255 + 1e-6
    # A grey photo has R = G = B = g, so Y = (16 + 219 g) / 255 (the BT.601 weights sum to 219).
    grey = skimage.data.camera() / 255.0
    np.testing.assert_allclose(data.load_photo_y("camera")[..., 0], (16 + 219 * grey) / 255, 1e-6)
    assert not set(configs.TRAIN_PHOTOS) & {*configs.TEST_PHOTOS, *configs.VALIDATION_PHOTOS}
    assert data._horse_mask().any()


def test_unrolled_and_vmapped_seeds_compute_the_same_as_a_loop():
    rng = np.random.default_rng(3)
    w = jnp.asarray(rng.normal(size=(3, 4, 5)), jnp.float32)
    x = jnp.asarray(rng.normal(size=(3, 2, 4)), jnp.float32)

    def one(w, x):
        return {"y": jnp.tanh(x @ w), "n": jnp.sum(w)}

    loop = [one(w[i], x[i]) for i in range(3)]
    for unroll in (True, False):
        got = train.over_seeds(one, 3, unroll=unroll)(w, x)
        for i in range(3):
            np.testing.assert_allclose(got["y"][i], loop[i]["y"], rtol=1e-6)
            np.testing.assert_allclose(got["n"][i], loop[i]["n"], rtol=1e-6)
