"""The two tasks as lists of runs: what to build, which batches to train on, the loss, and how to
evaluate. ``train.py`` trains any run the same way."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from experiments import data, metrics, models
from experiments.configs import SegConfig, SRConfig

Predict = Callable[[np.ndarray], np.ndarray]

# Region of the first held-out photograph shown in the SR figure: (top, left, size) in HR pixels.
SR_FIGURE_CROP = (90, 180, 96)
SEG_FIGURE_IMAGES = 4


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One (task, method, seed) training run."""

    task: str
    method: str
    seed: int
    info: dict[str, Any]
    build: Callable[[nnx.Rngs], nnx.Module]
    batch: Callable[[int], tuple[np.ndarray, np.ndarray]]
    loss: Callable[[nnx.Module, jax.Array, jax.Array], jax.Array]
    evaluate: Callable[[Predict], tuple[dict[str, Any], dict[str, np.ndarray]]]

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.task, self.method, self.seed)

    @property
    def dirname(self) -> str:
        return f"{self.task}/{self.method.replace(':', '-')}/seed{self.seed}"


def _mse(model: nnx.Module, x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean(jnp.square(model(x) - y))


def _l1(model: nnx.Module, x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean(jnp.abs(model(x) - y))


SR_LOSSES = {"mse": _mse, "l1": _l1}


def _cross_entropy(model: nnx.Module, x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(model(x), y))


# ---------------------------------------------------------------------------------------------
# Super-resolution


def sr_bicubic(config: SRConfig) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Mean and per-image PSNR-Y / SSIM-Y of the bicubic baseline on the held-out photographs."""
    d = data.load_sr(config.train_images, config.test_images, config.scale)
    per = {
        name: metrics.sr_metrics(data.bicubic_upscale(lr, d.scale), hr, d.scale)
        for name, lr, hr in zip(d.test_names, d.test_lr, d.test_hr, strict=True)
    }
    return _mean_metrics(per), per


def _mean_metrics(per: dict[str, dict[str, float]]) -> dict[str, float]:
    keys = next(iter(per.values())).keys()
    return {k: float(np.mean([m[k] for m in per.values()])) for k in keys}


def sr_figure_crops(config: SRConfig) -> dict[str, np.ndarray]:
    """Ground-truth and bicubic crops of the first held-out photograph for the SR figure."""
    d = data.load_sr(config.train_images, config.test_images, config.scale)
    t, left, n = SR_FIGURE_CROP
    bic = data.bicubic_upscale(d.test_lr[0], d.scale)
    return {
        "hr": d.test_hr[0][t : t + n, left : left + n],
        "bicubic": bic[t : t + n, left : left + n],
    }


def sr_runs(config: SRConfig) -> list[RunSpec]:
    d = data.load_sr(config.train_images, config.test_images, config.scale)

    def evaluate(predict: Predict) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        per, outputs = {}, []
        for name, lr, hr in zip(d.test_names, d.test_lr, d.test_hr, strict=True):
            sr = predict(lr[None])[0]
            per[name] = metrics.sr_metrics(sr, hr, d.scale)
            if config.self_ensemble:
                single = {f"{k}_single": v for k, v in per[name].items()}
                sr = data.self_ensemble(predict, lr)
                per[name] = {**metrics.sr_metrics(sr, hr, d.scale), **single}
            outputs.append(sr)
        t, left, n = SR_FIGURE_CROP
        return (
            {**_mean_metrics(per), "per_image": per},
            {"sr_crop": np.asarray(outputs[0][t : t + n, left : left + n])},
        )

    if config.loss not in SR_LOSSES:
        raise models.ConfigError(
            f"unknown --loss {config.loss!r}; valid: {list(SR_LOSSES)}."
            f"{models._suggest(config.loss, list(SR_LOSSES))}"
        )
    runs = []
    for method in models.resolve_sr_methods(config):
        for seed in config.seeds:
            runs.append(
                RunSpec(
                    task="sr",
                    method=method,
                    seed=seed,
                    info={"arch": config.arch, "scale": config.scale, "residual": config.residual},
                    build=lambda rngs, m=method: models.build_sr(config, m, rngs),
                    batch=lambda step, s=seed: data.sr_batch(
                        d, s, step, config.batch_size, config.patch_size
                    ),
                    loss=SR_LOSSES[config.loss],
                    evaluate=evaluate,
                )
            )
    return runs


# ---------------------------------------------------------------------------------------------
# Segmentation


def seg_runs(config: SegConfig) -> list[RunSpec]:
    runs = []
    for dataset in config.datasets:
        num_classes = data.NUM_CLASSES[dataset]
        ev = data.seg_eval(dataset, config.num_eval, config.image_size, config.max_shift)
        evaluate = _seg_evaluator(ev, config.image_size, num_classes)
        for arch, method, down, up in models.resolve_seg_methods(config):
            for seed in config.seeds:
                runs.append(
                    RunSpec(
                        task=f"seg-{dataset}",
                        method=f"{arch}:{method}",
                        seed=seed,
                        info={"arch": arch, "down": down, "up": up, "dataset": dataset},
                        build=lambda rngs, a=arch, dn=down, u=up, k=num_classes: models.build_seg(
                            a, k, dn, u, rngs
                        ),
                        batch=lambda step, s=seed, ds=dataset: data.seg_batch(
                            ds, s, step, config.batch_size, config.image_size, config.max_shift
                        ),
                        loss=_cross_entropy,
                        evaluate=evaluate,
                    )
                )
    return runs


def _crops(images: np.ndarray, offsets: np.ndarray, size: int) -> np.ndarray:
    return np.stack(
        [im[a : a + size, b : b + size] for im, (a, b) in zip(images, offsets, strict=True)]
    )


def _seg_evaluator(ev: data.SegEval, size: int, num_classes: int):
    origin = np.zeros((len(ev.images), 2), int)
    x0, y0 = _crops(ev.images, origin, size), _crops(ev.labels, origin, size)
    xa, xb = _crops(ev.images, ev.offsets[:, 0], size), _crops(ev.images, ev.offsets[:, 1], size)

    # mIoU of predicting background everywhere: a net at this level has learnt nothing.
    all_background = metrics.segmentation_scores(
        metrics.confusion_matrix(np.zeros_like(y0), y0, num_classes)
    )["miou"]

    def evaluate(predict: Predict) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        p0 = np.argmax(predict(x0), axis=-1)
        scores = metrics.segmentation_scores(metrics.confusion_matrix(p0, y0, num_classes))
        scores["miou_all_background"] = all_background
        pa, pb = np.argmax(predict(xa), axis=-1), np.argmax(predict(xb), axis=-1)
        scores["shift_consistency"] = metrics.shift_consistency(pa, pb, ev.offsets)
        k = SEG_FIGURE_IMAGES
        return scores, {"images": x0[:k], "labels": y0[:k], "pred": p0[:k].astype(np.int32)}

    return evaluate
