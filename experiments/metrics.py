"""Evaluation metrics: PSNR and SSIM on Y, mean IoU and pixel accuracy, shift consistency, and a
checkerboard statistic for upsamplers at initialisation.

SSIM follows Wang et al. (2004) as scikit-image implements it with
``structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=1.0)``: an 11-tap Gaussian window (sigma 1.5, truncated at 3.5 sigma), population
covariances, K1 = 0.01, K2 = 0.03, and the mean over the pixels whose window lies inside the image.
Images are Y in [0, 1] units, so ``data_range=1`` is the SR literature's 255 on 8-bit Y.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np


def shave(x: jax.Array, border: int) -> jax.Array:
    """Crops ``border`` pixels from each side of the two spatial axes of ``[..., H, W, C]``."""
    if border == 0:
        return x
    return x[..., border:-border, border:-border, :]


@functools.partial(jax.jit, static_argnames=("data_range",))
def psnr(x: jax.Array, y: jax.Array, *, data_range: float = 1.0) -> jax.Array:
    """Peak signal-to-noise ratio in dB, ``10 log10(data_range^2 / MSE)`` over all elements."""
    mse = jnp.mean(jnp.square(x - y))
    return 10.0 * jnp.log10(data_range**2 / mse)


def _gaussian_taps(sigma: float, truncate: float = 3.5) -> np.ndarray:
    radius = int(truncate * sigma + 0.5)
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    w = np.exp(-0.5 * (t / sigma) ** 2)
    return w / w.sum()


def _valid_filter(x: jax.Array, taps: np.ndarray) -> jax.Array:
    """Separable 'valid' correlation of ``[H, W]`` with symmetric 1-D taps along both axes."""
    k = len(taps)
    w = jnp.asarray(taps, x.dtype)
    rows = sum(w[i] * x[i : x.shape[0] - k + 1 + i, :] for i in range(k))
    return sum(w[i] * rows[:, i : x.shape[1] - k + 1 + i] for i in range(k))


@functools.partial(jax.jit, static_argnames=("data_range", "sigma"))
def ssim(x: jax.Array, y: jax.Array, *, data_range: float = 1.0, sigma: float = 1.5) -> jax.Array:
    """Mean SSIM of two single-channel images ``[H, W]`` or ``[H, W, 1]`` (scikit-image settings
    above).

    Only windows that lie fully inside the image are averaged, which is what scikit-image's crop of
    the filter radius computes (its reflect padding never reaches the kept pixels).
    """
    x = x.reshape(x.shape[0], x.shape[1])
    y = y.reshape(y.shape[0], y.shape[1])
    taps = _gaussian_taps(sigma)
    ux, uy = _valid_filter(x, taps), _valid_filter(y, taps)
    vx = _valid_filter(x * x, taps) - ux * ux
    vy = _valid_filter(y * y, taps) - uy * uy
    vxy = _valid_filter(x * y, taps) - ux * uy
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return jnp.mean(s)


def sr_metrics(sr: jax.Array, hr: jax.Array, scale: int) -> dict[str, float]:
    """PSNR-Y and SSIM-Y of ``[H, W, 1]`` Y images with ``scale`` pixels shaved at each border."""
    a, b = shave(jnp.asarray(sr), scale), shave(jnp.asarray(hr), scale)
    return {"psnr_y": float(psnr(a, b)), "ssim_y": float(ssim(a, b))}


@functools.partial(jax.jit, static_argnames=("num_classes",))
def confusion_matrix(pred: jax.Array, labels: jax.Array, num_classes: int) -> jax.Array:
    """``[K, K]`` counts, rows true class and columns predicted, via one-hot products (no
    scatter)."""
    t = jax.nn.one_hot(labels.reshape(-1), num_classes, dtype=jnp.float32)
    p = jax.nn.one_hot(pred.reshape(-1), num_classes, dtype=jnp.float32)
    return t.T @ p


def segmentation_scores(conf: np.ndarray) -> dict[str, float]:
    """Mean IoU over the classes that occur (in labels or predictions) and pixel accuracy."""
    conf = np.asarray(conf, np.float64)
    tp = np.diag(conf)
    union = conf.sum(0) + conf.sum(1) - tp
    present = union > 0
    return {
        "miou": float(np.mean(tp[present] / union[present])),
        "pixel_acc": float(tp.sum() / conf.sum()),
    }


def shift_consistency(pred_a: np.ndarray, pred_b: np.ndarray, offsets: np.ndarray) -> float:
    """Agreement of label maps predicted on two shifted crops of the same images, on their overlap.

    ``pred_a[n]`` is the prediction for the crop at ``offsets[n, 0]`` and ``pred_b[n]`` for the crop
    at ``offsets[n, 1]`` (``(dy, dx)`` in the full image). A shift-equivariant model predicts the
    same
    label for the same image pixel in both: the score is the fraction of overlapping pixels that
    agree (Zhang 2019, "Making convolutional networks shift-invariant again", consistency).
    """
    size_h, size_w = pred_a.shape[1:3]
    agree, total = 0, 0
    for pa, pb, ((ay, ax), (by, bx)) in zip(pred_a, pred_b, offsets, strict=True):
        y0, x0 = max(ay, by), max(ax, bx)
        h, w = min(ay, by) + size_h - y0, min(ax, bx) + size_w - x0
        a = pa[y0 - ay : y0 - ay + h, x0 - ax : x0 - ax + w]
        b = pb[y0 - by : y0 - by + h, x0 - bx : x0 - bx + w]
        agree += int(np.sum(a == b))
        total += a.size
    return agree / total


def checkerboard_score(y: np.ndarray, factor: int, margin: int = 0) -> float:
    """Strength of the period-``factor`` pattern in an upsampler's output ``[H, W, C]``.

    The interior (``margin`` pixels cropped, trimmed to whole periods) is split into its
    ``factor**2`` phases ``y[i::f, j::f]``; the score is the RMS over channels of the spread of the
    phase means, divided by the RMS of the output. For a constant input, an upsampler with no
    checkerboard (e.g. nearest, or ICNR sub-pixel conv) gives 0; uneven overlap gives a positive
    score
    (Odena et al. 2016, "Deconvolution and checkerboard artifacts").
    """
    y = np.asarray(y, np.float64)
    if margin:
        y = y[margin:-margin, margin:-margin]
    h, w = (y.shape[0] // factor) * factor, (y.shape[1] // factor) * factor
    y = y[:h, :w]
    phases = y.reshape(h // factor, factor, w // factor, factor, -1).mean(axis=(0, 2))
    spread = phases.reshape(factor * factor, -1).std(axis=0)
    rms = np.sqrt(np.mean(y**2))
    return float(np.sqrt(np.mean(spread**2)) / max(rms, 1e-12))
