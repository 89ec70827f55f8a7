"""The experiment runner (``experiments/``): end-to-end runs of tiny configurations of both tasks,
resume after a kill with bitwise-equal parameters, data-parallel training on 4 host devices equal to
one device, a divergence stop, metric parity with scikit-image, rejection of bad input before
training, and deterministic datasets."""

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
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from experiments import __main__ as cli
from experiments import configs, data, metrics, report, tasks, train
from experiments.models import BASELINE, ConfigError

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


def _params(workdir: Path, task: str, method: str, seed: int = 0) -> dict[str, np.ndarray]:
    with np.load(workdir / "runs" / task / method / f"seed{seed}" / "params.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(scope="module")
def sr_run(tmp_path_factory):
    """The uninterrupted reference run of TINY_SR."""
    workdir = tmp_path_factory.mktemp("sr_full")
    train.train_and_evaluate(TINY_SR, workdir)
    return workdir


def test_sr_run_writes_results_report_figures_and_curves(sr_run):
    records = json.loads((sr_run / "results.json").read_text())
    assert [r["method"] for r in records] == [BASELINE, "pixel_shuffle"]
    for r in records:
        assert RECORD_KEYS <= set(r), RECORD_KEYS - set(r)
        assert r["task"] == "sr" and r["seed"] == 0
        assert set(r["baseline"]) == {"psnr_y", "ssim_y"}
        assert np.isfinite(r["metrics"]["psnr_y"]) and 0 < r["metrics"]["ssim_y"] <= 1
    assert records[1]["steps"] == 6 and records[1]["params"] > 0
    assert records[0]["metrics"]["psnr_y"] == records[1]["baseline"]["psnr_y"]
    assert configs.from_dict(json.loads((sr_run / "config.json").read_text())) == TINY_SR
    for name in ("report.md", "sr_crops.png", "curves_sr.png"):
        assert (sr_run / name).stat().st_size > 0, name
    curve = [
        json.loads(line)
        for line in (sr_run / "runs/sr/pixel_shuffle/seed0/metrics.jsonl").read_text().splitlines()
    ]
    assert [row["step"] for row in curve] == [2, 4, 6]
    report = (sr_run / "report.md").read_text()
    assert "pixel_shuffle" in report and "Δ PSNR-Y vs bicubic" in report


def test_seg_run_writes_results_with_seg_metrics(tmp_path):
    train.train_and_evaluate(TINY_SEG, tmp_path)
    (record,) = json.loads((tmp_path / "results.json").read_text())
    assert RECORD_KEYS <= set(record)
    assert record["task"] == "seg-shapes" and record["method"] == "unet:max_pool+bilinear"
    assert set(record["metrics"]) == {
        "miou",
        "pixel_acc",
        "shift_consistency",
        "miou_all_background",
    }
    assert all(0 <= v <= 1 for v in record["metrics"].values())
    # Predicting background everywhere: IoU of background is its pixel fraction, 0 for every other
    # class that occurs; classes absent from the labels are not averaged.
    ev = data.seg_eval("shapes", TINY_SEG.num_eval, TINY_SEG.image_size, TINY_SEG.max_shift)
    labels = ev.labels[:, : TINY_SEG.image_size, : TINY_SEG.image_size]
    want = np.mean(labels == 0) / len(np.unique(labels))
    np.testing.assert_allclose(record["metrics"]["miou_all_background"], want, rtol=1e-6)
    for name in ("report.md", "masks_seg-shapes.png", "curves_seg-shapes.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "Skip connections" in (tmp_path / "report.md").read_text()


def test_resume_after_kill_is_bitwise_equal_and_ignores_partial_checkpoints(sr_run, tmp_path):
    with pytest.raises(train.Interrupted):
        train.train_and_evaluate(TINY_SR, tmp_path, interrupt_at=5)
    ckpt = tmp_path / "runs/sr/pixel_shuffle/seed0/checkpoints"
    assert sorted(p.name for p in ckpt.iterdir() if p.name.isdigit()) == ["2", "4"]
    # A kill during a save leaves Orbax's temporary directory; a damaged finalised step must not
    # be trusted either. Both are skipped and the run resumes from step 4.
    (ckpt / "5.orbax-checkpoint-tmp-1700000000").mkdir()
    (ckpt / "5.orbax-checkpoint-tmp-1700000000" / "junk").write_bytes(b"\0" * 10)
    shutil.rmtree(ckpt / "4" / "state")
    (ckpt / "4" / "state").mkdir()
    train.train_and_evaluate(TINY_SR, tmp_path)
    full, resumed = _params(sr_run, "sr", "pixel_shuffle"), _params(tmp_path, "sr", "pixel_shuffle")
    assert full.keys() == resumed.keys()
    for k in full:
        np.testing.assert_array_equal(full[k], resumed[k], err_msg=k)
    a = json.loads((sr_run / "results.json").read_text())
    b = json.loads((tmp_path / "results.json").read_text())
    assert [r["metrics"] for r in a] == [r["metrics"] for r in b]  # same seed, same metrics


def test_four_host_devices_match_one_device(sr_run, tmp_path):
    env = dict(
        os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu"
    )
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    code = (
        "import jax, sys; from experiments import configs, train; assert jax.device_count() == 4;"
        f"cfg = configs.from_dict({configs.to_dict(TINY_SR)!r});"
        "train.train_and_evaluate(cfg, sys.argv[1])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (record,) = [
        r
        for r in json.loads((tmp_path / "results.json").read_text())
        if r["method"] == "pixel_shuffle"
    ]
    assert record["device"].startswith("4 x")
    one, four = _params(sr_run, "sr", "pixel_shuffle"), _params(tmp_path, "sr", "pixel_shuffle")
    for k in one:
        # The gradient all-reduce sums in another order: float32 rounding only.
        np.testing.assert_allclose(four[k], one[k], rtol=1e-4, atol=1e-5, err_msg=k)


def test_non_finite_loss_stops_naming_method_and_step_and_keeps_last_checkpoint(tmp_path):
    # Warmup from 0: step 1 trains at lr 0 (checkpointed), step 2 at 5e29 overflows.
    cfg = configs.from_dict(
        {
            **configs.to_dict(TINY_SR),
            "learning_rate": 1e30,
            "warmup_steps": 2,
            "checkpoint_every": 1,
            "log_every": 1,
        }
    )
    with pytest.raises(train.TrainingDiverged, match=r"'pixel_shuffle'.*step 2") as err:
        train.train_and_evaluate(cfg, tmp_path)
    assert "step 1 is kept" in str(err.value)
    ckpt = tmp_path / "runs/sr/pixel_shuffle/seed0/checkpoints"
    assert [p.name for p in ckpt.iterdir() if p.name.isdigit()] == ["1"]
    records = json.loads((tmp_path / "results.json").read_text())
    assert [r["method"] for r in records] == [BASELINE]  # no record for the diverged run


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


def test_seg_claims_are_judged_seed_by_seed():
    def rec(seed, value):
        return {"seed": seed, "metrics": {"m": value}}

    a = [rec(0, 0.5), rec(1, 0.7), rec(2, 0.9)]
    b = [rec(2, 0.8), rec(0, 0.6), rec(3, 0.0)]  # seed 3 has no partner; order does not matter
    np.testing.assert_allclose(report.paired_differences(a, b, "m"), [-0.1, 0.1])
    assert report.sign_verdict([0.1, 0.2, 0.01]) == "reproduced on all 3 seeds"
    assert report.sign_verdict([-0.1, 0.05]).startswith("NOT reproduced (1 of 2")
    assert report.sign_verdict([0.3, -0.1]).startswith("inconclusive (1 of 2")
    assert report.sign_verdict([0.002]).startswith("reproduced on the one seed run (no spread")
    assert report.sign_verdict([]) == "not measured"


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
        ({"loss": "l2"}, r"unknown --loss 'l2'; valid: \['mse', 'l1'\]"),
        ({"steps": 0}, r"--steps must be >= 1"),
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
    cfg = configs.from_dict({**configs.to_dict(TINY_SR), "batch_size": 6})
    with pytest.raises(ConfigError, match=r"--batch-size 6 does not divide over the 4 devices"):
        train.train_and_evaluate(cfg, tmp_path / "w")


def test_cli_reports_bad_seg_method_without_traceback(tmp_path, capsys):
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
    cfg = dataclasses.replace(TINY_SR, self_ensemble=True)
    scores, _ = tasks.sr_runs(cfg)[0].evaluate(lambda b: data.bicubic_upscale(b, 3))
    base, _ = tasks.sr_bicubic(cfg)
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


def test_sr_report_states_self_ensemble_and_single_pass_margins():
    def rec(method, psnr, single=None):
        m = {"psnr_y": psnr, "ssim_y": 0.9}
        if single is not None:
            m["psnr_y_single"] = single
        return {
            "task": "sr",
            "method": method,
            "seed": 0,
            "metrics": m,
            "baseline": {"psnr_y": 30.0, "ssim_y": 0.8},
            "params": 10,
            "steps": 100,
            "steps_per_second": 5.0,
        }

    cfg = dataclasses.replace(TINY_SR, steps=100)
    lines = report._sr_checks([rec(BASELINE, 30.0), rec("a", 31.05, 30.95)], cfg)
    assert "**a**, +1.050 dB" in lines[0] and "a single pass scores +0.950 dB" in lines[0]
    assert lines[2] == "- Margin >= 1.0 dB with self-ensemble: **yes** (+1.050 dB)."
    # A workdir that mixes runs with and without the ensemble: the best (plain) one is not
    # labelled as ensembled.
    lines = report._sr_checks([rec("a", 31.05, 30.95), rec("b", 31.2)], cfg)
    assert "**b**, +1.200 dB" in lines[0] and "self-ensemble" not in "".join(lines)
    table = report._table("sr", report.group([rec(BASELINE, 30.0), rec("a", 31.05, 30.95)]))
    assert table[0].endswith(
        "| Δ PSNR-Y vs bicubic (dB) | Δ single pass (dB) | seeds | params | steps | steps/s |"
    )
    assert "| 1.050 | 0.950 |" in table[2]
    lines = report._sr_checks([rec(BASELINE, 30.0), rec("a", 30.95)], cfg)
    assert "self-ensemble" not in lines[0]
    assert lines[2] == "- Margin >= 1.0 dB: **no** (+0.950 dB)."


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


def test_bundled_photographs_load_without_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name in (*configs.TRAIN_PHOTOS, *configs.TEST_PHOTOS, *configs.VALIDATION_PHOTOS):
        y = data.load_photo_y(name)
        assert y.ndim == 3 and y.shape[-1] == 1
        assert 16 / 255 - 1e-6 <= y.min() and y.max() <= 235 / 255 + 1e-6
    # A grey photo has R = G = B = g, so Y = (16 + 219 g) / 255 (the BT.601 weights sum to 219).
    grey = skimage.data.camera() / 255.0
    np.testing.assert_allclose(data.load_photo_y("camera")[..., 0], (16 + 219 * grey) / 255, 1e-6)
    assert not set(configs.TRAIN_PHOTOS) & {*configs.TEST_PHOTOS, *configs.VALIDATION_PHOTOS}
    assert data._horse_mask().any()
