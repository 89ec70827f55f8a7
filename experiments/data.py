"""Datasets: super-resolution patches from scikit-image's bundled photographs, procedurally
generated
shapes with pixel labels, and horse silhouettes.

Every batch is a pure function of ``(seed, step)``: the data position saved in a checkpoint is the
step, and a resumed run sees exactly the batches an uninterrupted run would have seen.

Super-resolution protocol (as in SRCNN / ESPCN / FSRCNN evaluations):
  * images are converted to Y of BT.601 YCbCr, ``Y = 16 + (65.481 R + 128.553 G + 24.966 B)`` for
  RGB in
    [0, 1], and divided by 255 so Y lies in [16/255, 235/255];
  * HR is modcropped to a multiple of the scale;
  * LR is ``resample_jax.resize(hr, (H // s, W // s), "cubic", antialias=True)``: Keys cubic with
    a = -0.5 widened by the scale factor, half-pixel centres, as MATLAB's ``imresize`` does (borders
    renormalise instead of replicating). Resizing Y equals taking Y of the resized RGB because both
    are affine with weights summing to one; LR stays in float (no 8-bit rounding, no clipping);
  * the bicubic baseline is ``resample_jax.resize(lr, (H, W), "cubic", antialias=True)``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import numpy as np
import skimage.data

import resample_jax
from experiments.configs import SEG_DATASETS  # noqa: F401 - the names GENERATORS keys

# Loaders of photographs stored inside the scikit-image wheel (no pooch download).
PHOTOS: dict[str, Callable[[], np.ndarray]] = {
    "astronaut": skimage.data.astronaut,
    "chelsea": skimage.data.chelsea,
    "coffee": skimage.data.coffee,
    "rocket": skimage.data.rocket,
    "immunohistochemistry": skimage.data.immunohistochemistry,
    "hubble_deep_field": skimage.data.hubble_deep_field,
    "motorcycle": lambda: skimage.data.stereo_motorcycle()[0],
    "retina": skimage.data.retina,
    "colorwheel": skimage.data.colorwheel,
    # Greyscale photographs (Y is computed from grey replicated to RGB).
    "camera": skimage.data.camera,
    "brick": skimage.data.brick,
    "grass": skimage.data.grass,
    "gravel": skimage.data.gravel,
    "coins": skimage.data.coins,
    "moon": skimage.data.moon,
    "clock": skimage.data.clock,
}

SHAPE_CLASSES = ("background", "disk", "square", "triangle")
HORSE_CLASSES = ("background", "horse")
_EVAL_STREAM = 2**31 - 1  # seed-sequence tag for held-out data, disjoint from every (seed, step)


def rgb_to_y(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma of RGB in [0, 1], in [0, 1] units: ``(16 + 65.481 R + 128.553 G + 24.966 B) /
    255``."""
    rgb = np.asarray(rgb, np.float64)
    y = 16.0 + rgb @ np.array([65.481, 128.553, 24.966])
    return y / 255.0


def modcrop(image: np.ndarray, scale: int) -> np.ndarray:
    h, w = image.shape[0] - image.shape[0] % scale, image.shape[1] - image.shape[1] % scale
    return image[:h, :w]


# BT.601 YCbCr of RGB in [0, 1], in 8-bit units: rows Y, Cb, Cr (ITU-R BT.601; as
# ``skimage.color.rgb2ycbcr``).
_YCBCR = np.array([[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]])
_YCBCR_OFFSET = np.array([16.0, 128.0, 128.0])


def rgb_to_ycbcr(rgb: np.ndarray) -> np.ndarray:
    """BT.601 YCbCr of RGB in [0, 1], divided by 255 (Y in [16/255, 235/255])."""
    return (_YCBCR_OFFSET + np.asarray(rgb, np.float64) @ _YCBCR.T) / 255.0


def ycbcr_to_rgb(ycbcr: np.ndarray) -> np.ndarray:
    """The inverse of :func:`rgb_to_ycbcr`."""
    return (np.asarray(ycbcr, np.float64) * 255.0 - _YCBCR_OFFSET) @ np.linalg.inv(_YCBCR).T


def load_photo_rgb(name: str) -> np.ndarray:
    """A bundled photograph as uint8 ``[H, W, 3]`` (greyscale ones replicated to RGB)."""
    rgb = PHOTOS[name]()
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=-1)
    return rgb[..., :3]


def load_photo_y(name: str) -> np.ndarray:
    """Y channel of a bundled photograph as float32 ``[H, W, 1]``."""
    return rgb_to_y(load_photo_rgb(name) / 255.0).astype(np.float32)[..., None]


def downscale(hr: np.ndarray, scale: int) -> np.ndarray:
    """LR image of the protocol: antialiased bicubic downscale by ``scale`` (HR already
    modcropped)."""
    h, w = hr.shape[0] // scale, hr.shape[1] // scale
    return np.asarray(resample_jax.resize(hr, (h, w), "cubic", antialias=True))


def bicubic_upscale(lr: np.ndarray, scale: int) -> np.ndarray:
    """The bicubic baseline: cubic (a = -0.5) upscale of LR by ``scale``."""
    h, w = lr.shape[-3] * scale, lr.shape[-2] * scale
    return np.asarray(resample_jax.resize(lr, (h, w), "cubic", antialias=True))


@dataclasses.dataclass(frozen=True)
class SRData:
    """Modcropped HR Y images and their LR counterparts, for training and held-out evaluation."""

    scale: int
    train_hr: tuple[np.ndarray, ...]
    train_lr: tuple[np.ndarray, ...]
    test_names: tuple[str, ...]
    test_hr: tuple[np.ndarray, ...]
    test_lr: tuple[np.ndarray, ...]


def rescale_photo(hr: np.ndarray, factor: float) -> np.ndarray:
    """A photograph ``[H, W, C]`` downscaled by ``factor`` in (0, 1] (antialiased cubic, each side
    rounded); ``factor == 1`` returns it unchanged."""
    if factor == 1:
        return hr
    size = tuple(max(1, round(n * factor)) for n in hr.shape[:2])
    return np.asarray(resample_jax.resize(hr, size, "cubic", antialias=True))


@functools.lru_cache(maxsize=4)
def load_sr(
    train: tuple[str, ...],
    test: tuple[str, ...],
    scale: int,
    train_scales: tuple[float, ...] = (1.0,),
) -> SRData:
    """The SR pairs: each training photograph at each of ``train_scales`` (see
    :func:`rescale_photo`), each test photograph at full size; HR modcropped, LR its
    :func:`downscale`."""

    def pair(name: str, factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        hr = modcrop(rescale_photo(load_photo_y(name), factor), scale)
        return hr, downscale(hr, scale).astype(np.float32)

    tr = [pair(n, f) for n in train for f in train_scales]
    te = [pair(n) for n in test]
    return SRData(
        scale,
        tuple(p[0] for p in tr),
        tuple(p[1] for p in tr),
        tuple(test),
        tuple(p[0] for p in te),
        tuple(p[1] for p in te),
    )


def dihedral(x: np.ndarray, k: int) -> np.ndarray:
    """One of the 8 rotations / reflections of a ``[h, w, C]`` array: ``k % 4`` quarter turns, then
    a left-right flip when ``k >= 4`` (``k`` in 0..7)."""
    x = np.rot90(x, k % 4, axes=(0, 1))
    return x[:, ::-1] if k >= 4 else x


def undo_dihedral(x: np.ndarray, k: int) -> np.ndarray:
    """The inverse of :func:`dihedral`: ``undo_dihedral(dihedral(x, k), k) == x``."""
    x = x[:, ::-1] if k >= 4 else x
    return np.rot90(x, -(k % 4), axes=(0, 1))


def self_ensemble(predict: Callable[[np.ndarray], np.ndarray], lr: np.ndarray) -> np.ndarray:
    """The x8 geometric self-ensemble of an SR net on one ``[h, w, C]`` image: the mean of
    ``undo(net(transform(lr)))`` over the 8 rotations / reflections.

    Timofte, Rothe & Van Gool, "Seven ways to improve example-based single image super
    resolution", CVPR 2016 (sec. 3.1); EDSR+ in Lim et al., "Enhanced Deep Residual Networks for
    Single Image Super-Resolution", CVPRW 2017. An equivariant upsampler (bicubic with half-pixel
    centres) is unchanged by it.
    """
    outs = [
        undo_dihedral(np.asarray(predict(np.ascontiguousarray(dihedral(lr, k))[None]))[0], k)
        for k in range(8)
    ]
    return np.mean(outs, axis=0)


def sr_batch(
    data: SRData, seed: int, step: int, batch_size: int, patch_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Training batch ``(lr [B, p, p, 1], hr [B, p*s, p*s, 1])`` for ``(seed, step)``.

    LR patches are cut from the globally downscaled image at LR position ``(i, j)`` and HR patches
    at
    ``(i*s, j*s)``, so each pair is exactly aligned; a random dihedral transform is applied to both.
    """
    rng = np.random.default_rng((seed, step))
    s = data.scale
    lrs, hrs = [], []
    for _ in range(batch_size):
        k = int(rng.integers(len(data.train_lr)))
        lr_img, hr_img = data.train_lr[k], data.train_hr[k]
        i = int(rng.integers(lr_img.shape[0] - patch_size + 1))
        j = int(rng.integers(lr_img.shape[1] - patch_size + 1))
        t = int(rng.integers(8))
        lrs.append(dihedral(lr_img[i : i + patch_size, j : j + patch_size], t))
        hrs.append(dihedral(hr_img[i * s : (i + patch_size) * s, j * s : (j + patch_size) * s], t))
    return np.stack(lrs).astype(np.float32), np.stack(hrs).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Segmentation


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A random colour gradient with a per-pixel texture, ``[size, size, 3]``.

    The texture (uniform, half-width 0.3 to 0.5 per channel) is what tells background from the
    flat-coloured objects locally. Without it an object and the background are both a noisy flat
    colour, figure and ground can only be told apart by reasoning over the whole image, and the
    quick configurations' nets predicted background everywhere (mIoU of the all-background map).
    """
    yy, xx = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    theta = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(theta) * yy + np.sin(theta) * xx
    base, slope = rng.uniform(0, 1, 3), rng.uniform(-0.3, 0.3, 3)
    texture = rng.uniform(-1, 1, (size, size, 3)) * rng.uniform(0.3, 0.5)
    return np.clip(base + ramp[..., None] * slope + texture, 0, 1)


def _distinct_colour(rng: np.random.Generator, avoid: np.ndarray) -> np.ndarray:
    """A random RGB colour at least 0.35 (max-norm) from ``avoid`` so every object is visible."""
    while True:
        c = rng.uniform(0, 1, 3)
        if np.max(np.abs(c - avoid)) > 0.35:
            return c


def _shape_mask(rng: np.random.Generator, cls: int, size: int) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    r = rng.uniform(0.1, 0.3) * size
    cy, cx = rng.uniform(0, size, 2)
    theta = rng.uniform(0, 2 * np.pi)
    dy, dx = yy - cy, xx - cx
    u = np.cos(theta) * dx + np.sin(theta) * dy
    v = -np.sin(theta) * dx + np.cos(theta) * dy
    if cls == 1:  # disk
        return dx**2 + dy**2 <= r**2
    if cls == 2:  # rotated square of half-side 0.8 r
        return (np.abs(u) <= 0.8 * r) & (np.abs(v) <= 0.8 * r)
    # equilateral triangle inscribed in the circle of radius r: inside all three edge half-planes
    inside = np.ones_like(u, bool)
    for k in range(3):
        a = theta + 2 * np.pi * k / 3
        inside &= np.cos(a) * dx + np.sin(a) * dy <= 0.5 * r
    return inside


def make_shapes(seed: int | tuple[int, ...], num: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Procedural shapes: ``(images [num, size, size, 3] float32, labels [num, size, size] int32)``.

    Each image has 1 to 4 disks, rotated squares and triangles (classes 1, 2, 3; background 0) of
    radius 10% to 30% of the image, each a flat random colour, later shapes occluding earlier ones,
    over a textured random colour gradient (``_background``), plus Gaussian noise of standard
    deviation 0.01 to 0.04. The class is given by the geometry only (colours are independent of
    the class). Deterministic in ``seed``.
    """
    rng = np.random.default_rng(seed)
    images = np.empty((num, size, size, 3), np.float32)
    labels = np.zeros((num, size, size), np.int32)
    for n in range(num):
        img = _background(rng, size)
        mean_bg = img.reshape(-1, 3).mean(0)
        for _ in range(int(rng.integers(1, 5))):
            cls = int(rng.integers(1, len(SHAPE_CLASSES)))
            mask = _shape_mask(rng, cls, size)
            img[mask] = _distinct_colour(rng, mean_bg)
            labels[n][mask] = cls
        img = img + rng.normal(0, rng.uniform(0.01, 0.04), img.shape)
        images[n] = img
    return images, labels


@functools.lru_cache(maxsize=1)
def _horse_mask() -> np.ndarray:
    """The silhouette of ``skimage.data.horse()`` (True on the horse), cropped to its bounding
    box."""
    fg = ~skimage.data.horse()
    rows, cols = np.nonzero(fg.any(1))[0], np.nonzero(fg.any(0))[0]
    return fg[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def make_horses(seed: int | tuple[int, ...], num: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Horse silhouettes: ``(images [num, size, size, 3] float32, labels [num, size, size] int32)``.

    The single silhouette in ``skimage.data.horse()`` is placed at a random width (45% to 95% of the
    image), rotation (+-20 degrees), mirror and position (it may leave the frame), painted in a
    random flat colour distinct from a textured random gradient background (``_background``), with
    Gaussian noise. Labels: 1 horse, 0 background. Held-out data differs in pose and colours only
    (there is one silhouette).
    """
    rng = np.random.default_rng(seed)
    mask = _horse_mask()
    mh, mw = mask.shape
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    images = np.empty((num, size, size, 3), np.float32)
    labels = np.zeros((num, size, size), np.int32)
    for n in range(num):
        zoom = rng.uniform(0.45, 0.95) * size / mw  # output pixels per silhouette pixel
        theta = np.deg2rad(rng.uniform(-20, 20))
        cy, cx = rng.uniform(0.3, 0.7, 2) * size
        dy, dx = (yy - cy) / zoom, (xx - cx) / zoom
        sy = np.cos(theta) * dy - np.sin(theta) * dx + mh / 2
        sx = np.sin(theta) * dy + np.cos(theta) * dx + mw / 2
        if rng.uniform() < 0.5:
            sx = mw - sx
        iy, ix = np.floor(sy).astype(int), np.floor(sx).astype(int)
        valid = (iy >= 0) & (iy < mh) & (ix >= 0) & (ix < mw)
        fg = np.zeros((size, size), bool)
        fg[valid] = mask[iy[valid], ix[valid]]
        img = _background(rng, size)
        img[fg] = _distinct_colour(rng, img.reshape(-1, 3).mean(0))
        img = img + rng.normal(0, rng.uniform(0.01, 0.04), img.shape)
        images[n] = img
        labels[n] = fg
    return images, labels


GENERATORS = {"shapes": make_shapes, "horse": make_horses}
NUM_CLASSES = {"shapes": len(SHAPE_CLASSES), "horse": len(HORSE_CLASSES)}


def seg_batch(
    dataset: str, seed: int, step: int, batch_size: int, size: int, max_shift: int
) -> tuple[np.ndarray, np.ndarray]:
    """Training batch for ``(seed, step)``: random ``size`` crops of ``size + max_shift`` images."""
    images, labels = GENERATORS[dataset]((seed, step), batch_size, size + max_shift)
    rng = np.random.default_rng((seed, step, 1))
    oy, ox = rng.integers(0, max_shift + 1, (2, batch_size))
    xs = np.stack([im[a : a + size, b : b + size] for im, a, b in zip(images, oy, ox, strict=True)])
    ys = np.stack([lb[a : a + size, b : b + size] for lb, a, b in zip(labels, oy, ox, strict=True)])
    return xs, ys


@dataclasses.dataclass(frozen=True)
class SegEval:
    """Held-out images of ``size + max_shift`` pixels; metrics use the crop at the origin and
    shift consistency compares the crops at ``offsets[:, 0]`` and ``offsets[:, 1]``."""

    images: np.ndarray
    labels: np.ndarray
    offsets: np.ndarray  # [num, 2 (first / second crop), 2 (dy, dx)]


@functools.lru_cache(maxsize=4)
def seg_eval(dataset: str, num: int, size: int, max_shift: int) -> SegEval:
    images, labels = GENERATORS[dataset]((_EVAL_STREAM, 0), num, size + max_shift)
    rng = np.random.default_rng((_EVAL_STREAM, 1))
    offsets = rng.integers(0, max_shift + 1, (num, 2, 2))
    return SegEval(images, labels, offsets)
