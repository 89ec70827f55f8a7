"""Picture gallery: ``python -m experiments gallery --workdir DIR [--size N]``.

Writes four PNG figures and ``gallery.json`` (what each figure shows, panel by panel) into ``DIR``:

- ``zone_plate.png``: a zone plate (a radial chirp whose local frequency rises from 0 at the centre
  to Nyquist at the edge of each axis) downsampled by 2 by every downsampler of the method table.
  Whatever lies beyond half the radius has no place below the new Nyquist frequency: a method that
  filters well shows flat grey there, one that aliases shows phantom rings. Interpolation methods
  with a kernel appear twice, antialiased (as the table builds them) and with ``antialias=False``.
- ``upsamplers.png``: every upsampler of the table on one crop of scikit-image's astronaut photo,
  downsampled by 2 (antialiased bicubic) and upsampled by 2.
- ``kernels.png``: the interpolation kernels of ``resize`` and their frequency responses, measured
  by upsampling a unit impulse (so the figure shows what ``resize`` computes, not a formula).
- ``checkerboard.png``: transposed convolution against ICNR sub-pixel convolution at
  initialisation (Odena et al. 2016; Aitken et al. 2017).

Methods come from :mod:`resample_jax.methods`, so a method added to the table appears here without
editing this file. Learned methods are shown as initialised (seed 0); their panels are contrast
stretched, and so labelled. Every file is written atomically.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
from collections.abc import Callable

import numpy as np

from experiments import files

HELP = "draw the gallery figures (aliasing, upsamplers, kernels, checkerboard)"
FACTOR = 2
LABEL_PX = 14  # height of the label strip above each panel
GAP_PX = 4
COLUMNS = 5
BACKGROUND = 255


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the gallery's options to ``parser``."""
    parser.add_argument("--workdir", required=True, help="output directory for the PNGs")
    parser.add_argument(
        "--size",
        type=int,
        default=192,
        help="panel side in pixels and zone plate side (an even number >= 16; default 192)",
    )


def run(args: argparse.Namespace) -> int:
    """Runs the command: checks ``--size``, draws every figure, returns the exit code."""
    import sys

    if args.size < 16 or args.size % 4:
        print(
            f"error: --size must be a multiple of 4 and at least 16; got {args.size}",
            file=sys.stderr,
        )
        return 2
    paths = make_gallery(args.workdir, args.size)
    print("\n".join(paths))
    return 0


# ---------------------------------------------------------------------------------------------
# Inputs


def zone_plate(n: int) -> np.ndarray:
    """A ``[n, n]`` zone plate in [0, 1]: cos of a phase whose local frequency is r / n cycles/px.

    The phase ``pi * r^2 / n`` (``r`` in pixels from the centre) has radial derivative
    ``2 pi r / n``, i.e. ``r / n`` cycles per pixel: 0 at the centre, 0.5 (Nyquist) at ``r = n/2``.
    """
    c = (np.arange(n) - (n - 1) / 2.0)[:, None]
    r2 = c**2 + c.T**2
    return (0.5 + 0.5 * np.cos(np.pi * r2 / n)).astype(np.float32)


def photo_crop(n: int) -> np.ndarray:
    """The astronaut's face from scikit-image (ships in the wheel), ``[n, n, 3]`` in [0, 1]."""
    import jax.numpy as jnp
    import skimage.data

    import resample_jax as rj

    face = skimage.data.astronaut()[40:200, 170:330].astype(np.float32) / 255.0
    return np.clip(np.asarray(rj.resize(jnp.asarray(face), (n, n), "cubic")), 0.0, 1.0)


# ---------------------------------------------------------------------------------------------
# Panels: (label, image [h, w] or [h, w, 3] in [0, 1])

Panel = tuple[str, np.ndarray]


def _has_params(module) -> bool:
    import jax
    from flax import nnx

    return len(jax.tree_util.tree_leaves(nnx.state(module, nnx.Param))) > 0


def _stretch(y: np.ndarray, margin: int = 0) -> np.ndarray:
    """Percentiles 1 and 99 to 0 and 1; a constant image (up to rounding) shows as mid-grey.

    The percentiles are taken ``margin`` pixels away from the border, so that a padding effect at
    the border does not set the grey levels of the interior.
    """
    inner = y[margin : y.shape[0] - margin, margin : y.shape[1] - margin]
    lo, hi = np.percentile(inner, [1, 99])
    if hi - lo <= 1e-4 * max(float(np.max(np.abs(inner))), 1e-6):
        return np.full_like(y, 0.5)
    return np.clip((y - lo) / (hi - lo), 0.0, 1.0)


def _per_channel(module, x: np.ndarray, *extra) -> np.ndarray:
    """Applies a one-channel module to each channel of ``x [h, w, c]`` (channels as a batch)."""
    import jax.numpy as jnp

    xb = jnp.asarray(np.moveaxis(x, -1, 0)[..., None])
    y = module(xb, *extra)
    if isinstance(y, tuple):  # a downsampler that also returns what its paired upsampler needs
        y = y[0]
    y = np.asarray(y)[..., 0]
    return np.moveaxis(y, 0, -1)


def _show(y: np.ndarray, learned: bool) -> tuple[np.ndarray, str]:
    """The panel image and a label suffix saying how its values were mapped to grey levels.

    Learned methods (random at initialisation) are contrast stretched; fixed ones are shown as
    they are, unless their output leaves [0, 1] by more than ringing does (``lp_pool``'s L2 norm
    of a window reaches 2), when they are scaled by their range.
    """
    y = y[..., 0] if y.shape[-1] == 1 else y
    if learned:
        return _stretch(y), " (init, stretched)"
    lo, hi = float(y.min()), float(y.max())
    if lo < -0.1 or hi > 1.1:
        return (y - lo) / max(hi - lo, 1e-6), " (scaled)"
    return np.clip(y, 0.0, 1.0), ""


def interpolation_method(name: str) -> str | None:
    """The ``resize`` method behind a table name when it is a kernel interpolation (None if not).

    Only kernels with a support radius (linear, cubic, Lanczos, ...) have an antialias switch:
    nearest and area give the same result either way.
    """
    import resample_jax as rj

    for info in rj.RESIZE_METHODS.values():
        if name in (info.name, *info.aliases):
            return info.name if info.radius is not None else None
    return None


def downsampler_panels(n: int, tick: Callable[[], object] = lambda: None) -> list[Panel]:
    """The zone plate, then each downsampler of the table (twice for kernel interpolations)."""
    import jax.numpy as jnp
    from flax import nnx

    import resample_jax as rj
    from resample_jax import methods

    x = zone_plate(n)[..., None]
    panels = [(f"zone plate {n}x{n}", x[..., 0])]
    for name in methods.DOWNSAMPLERS:
        module = methods.make_downsampler(name, 1, 1, FACTOR, rngs=nnx.Rngs(0))
        kernel = interpolation_method(name)
        img, how = _show(_per_channel(module, x), _has_params(module))
        panels.append((name + (", antialiased" if kernel else "") + how, img))
        tick()
        if kernel:
            y = rj.resize(jnp.asarray(x), (n // FACTOR, n // FACTOR), kernel, antialias=False)
            img, how = _show(np.asarray(y), False)
            panels.append((f"{name}, antialias off{how}", img))
            tick()
    return panels


def upsampler_panels(n: int, tick: Callable[[], object] = lambda: None) -> list[Panel]:
    """Ground truth, its downsampled input, then each upsampler of the table (x2)."""
    import jax.numpy as jnp
    from flax import nnx

    import resample_jax as rj
    from resample_jax import methods

    hr = photo_crop(n)
    low = (n // FACTOR, n // FACTOR)
    lr = np.asarray(rj.resize(jnp.asarray(hr), low, "cubic", antialias=True))
    panels = [("ground truth", hr), ("input (bicubic down x2)", np.clip(lr, 0.0, 1.0))]
    for name, record in methods.UPSAMPLERS.items():
        module = methods.make_upsampler(name, 1, 1, FACTOR, rngs=nnx.Rngs(0))
        if record.pair is not None:
            # After its own downsampler (evaluation mode), as in an encoder-decoder: the values
            # and the side information (indices, phase, weights) of the ground truth.
            down = methods.make_downsampler(record.pair.down, 1, 1, FACTOR, paired=True,
                                            rngs=nnx.Rngs(0))
            down.eval()
            v, side = down(jnp.asarray(np.moveaxis(hr, -1, 0)[..., None]))
            args = (side, (n, n)) if record.pair.output_size else (side,)
            y = np.moveaxis(np.asarray(module(v, *args))[..., 0], 0, -1)
            label = f"{name} (of {record.pair.down})"
        else:
            y = _per_channel(module, lr)
            label = name
        img, how = _show(y, _has_params(module))
        panels.append((label + how, img))
        tick()
    return panels


def checkerboard_panels(
    n: int, tick: Callable[[], object] = lambda: None
) -> tuple[list[Panel], list[dict]]:
    """Transposed conv (3x3 and 4x4, stride 2) beside ICNR sub-pixel conv, at initialisation.

    Rows: a constant input (a random value per channel) and the photo (grey, a random gain per
    channel), 8 channels; each panel shows output channel 0, contrast stretched, and its
    checkerboard score (``metrics.checkerboard_score``, all channels, 2 pixels of border ignored).
    """
    import jax.numpy as jnp
    from flax import nnx

    from experiments import metrics
    from resample_jax import methods

    channels, size = 8, n // FACTOR
    rng = np.random.default_rng(0)
    grey = photo_crop(size).mean(axis=-1, keepdims=True)
    inputs = (
        ("constant", np.broadcast_to(rng.normal(size=channels), (size, size, channels))),
        ("photo", grey * rng.uniform(0.5, 1.5, channels)),
    )
    ups = (
        ("conv_transpose 3x3", "conv_transpose", {"kernel_size": 3}),
        ("conv_transpose 4x4", "conv_transpose", {"kernel_size": 4}),
        ("pixel_shuffle (ICNR)", "pixel_shuffle", {}),
        ("resize_conv", "resize_conv", {}),
    )
    panels, scores = [], []
    for kind, x in inputs:
        for label, name, kw in ups:
            up = methods.make_upsampler(name, channels, channels, FACTOR, rngs=nnx.Rngs(0), **kw)
            y = np.asarray(up(jnp.asarray(x, jnp.float32)))
            score = metrics.checkerboard_score(y, FACTOR, margin=2)
            panels.append((f"{label}, {kind}: {score:.2f}", _stretch(y[..., 0], margin=2)))
            tick()
            scores.append({"method": label, "input": kind, "checkerboard_score": score})
    return panels, scores


# ---------------------------------------------------------------------------------------------
# Drawing


def grid_shape(count: int, columns: int = COLUMNS) -> tuple[int, int]:
    """(rows, columns) of a grid of ``count`` panels."""
    cols = min(columns, count)
    return math.ceil(count / cols), cols


def panel_origin(index: int, panel: int, columns: int) -> tuple[int, int]:
    """Top-left pixel (x, y) of the image area of panel ``index`` in a grid of ``columns``."""
    row, col = divmod(index, columns)
    return GAP_PX + col * (panel + GAP_PX), GAP_PX + row * (panel + LABEL_PX + GAP_PX) + LABEL_PX


def compose(panels: list[Panel], panel: int, columns: int = COLUMNS):
    """Lays ``panels`` out on a white grid, each enlarged (nearest) to ``panel`` pixels, labelled.

    Returns a ``PIL.Image`` (RGB).
    """
    from PIL import Image, ImageDraw, ImageFont

    rows, cols = grid_shape(len(panels), columns)
    width = GAP_PX + cols * (panel + GAP_PX)
    height = GAP_PX + rows * (panel + LABEL_PX + GAP_PX)
    canvas = Image.new("RGB", (width, height), (BACKGROUND,) * 3)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=LABEL_PX - 3)
    for i, (label, img) in enumerate(panels):
        x0, y0 = panel_origin(i, panel, cols)
        rgb = np.round(np.clip(img, 0.0, 1.0) * 255).astype(np.uint8)
        tile = Image.fromarray(rgb if rgb.ndim == 3 else np.stack([rgb] * 3, -1))
        canvas.paste(tile.resize((panel, panel), Image.Resampling.NEAREST), (x0, y0))
        text = label
        while draw.textlength(text, font=font) > panel and len(text) > 4:
            text = text[:-2] + "…"
        draw.text((x0, y0 - LABEL_PX + 1), text, fill=(0, 0, 0), font=font)
    return canvas


def _png(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def kernel_curves(oversample: int = 32, taps: int = 16) -> list[dict]:
    """Each ``resize`` kernel sampled by upsampling a unit impulse, and its frequency response.

    A 1-D impulse at the centre of ``taps`` samples, upsampled ``oversample`` times without
    antialiasing, gives ``k((j + 0.5) / oversample - 0.5 - centre)`` at output ``j``: the kernel
    on a grid of 1/``oversample`` input pixels. Its DFT, scaled by 1/``oversample``, is the
    frequency response (1 at frequency 0 for a kernel that reproduces constants).
    """
    import jax.numpy as jnp

    import resample_jax as rj

    centre = taps // 2
    impulse = np.zeros((taps, 1), np.float32)
    impulse[centre] = 1.0
    curves = []
    for name, info in rj.RESIZE_METHODS.items():
        if "jax" not in info.conventions:
            continue  # OpenCV's linear-exact: linear's kernel, in OpenCV's uint8 arithmetic
        k = np.asarray(rj.resize(jnp.asarray(impulse), (taps * oversample,), name, antialias=False))
        k = k[:, 0].astype(np.float64)
        t = (np.arange(taps * oversample) + 0.5) / oversample - 0.5 - centre
        spectrum = np.abs(np.fft.rfft(k, 8 * k.size)) / oversample
        freq = np.fft.rfftfreq(8 * k.size, 1.0 / oversample)
        curves.append({"name": name, "t": t, "k": k, "freq": freq, "response": spectrum})
    return curves


def kernel_figure(curves: list[dict], width_px: int) -> bytes:
    """Kernels (left) and frequency responses (right) as PNG bytes."""
    from matplotlib.figure import Figure

    dpi = 100
    fig = Figure(figsize=(max(width_px, 400) / dpi, max(width_px, 400) / dpi * 0.42), dpi=dpi)
    left, right = fig.subplots(1, 2)
    # Ten colours, then dashed: more than ten methods would otherwise share a colour and a style.
    colours = [f"C{i}" for i in range(10)]
    for i, c in enumerate(curves):
        style = {"color": colours[i % 10], "ls": ("-", "--", ":")[i // 10 % 3], "lw": 1}
        keep = np.abs(c["t"]) <= 5.5
        left.plot(c["t"][keep], c["k"][keep], label=c["name"], **style)
        keep = c["freq"] <= 1.5
        right.plot(c["freq"][keep], c["response"][keep], label=c["name"], **style)
    left.set(title="kernel k(t)", xlabel="t (input pixels)")
    right.axvline(0.5, color="k", ls=":", lw=0.8)
    right.set(title="|frequency response|", xlabel="cycles per input pixel (Nyquist 0.5 dotted)")
    right.legend(fontsize=6, ncol=2)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def make_gallery(workdir: str, size: int = 192) -> list[str]:
    """Draws every figure into ``workdir``; returns the written paths (``gallery.json`` last).

    ``size`` is the zone plate's side and each panel's side in pixels (a multiple of 4).
    """
    from tqdm import tqdm

    manifest: dict[str, dict] = {}
    paths = []
    with tqdm(desc="gallery", unit="panel") as bar:
        builders = (
            ("zone_plate", lambda: (downsampler_panels(size, bar.update), None)),
            ("upsamplers", lambda: (upsampler_panels(size, bar.update), None)),
            ("checkerboard", lambda: checkerboard_panels(size, bar.update)),
        )
        for figure, build in builders:
            bar.set_postfix_str(figure)
            panels, extra = build()
            rows, cols = grid_shape(len(panels), 4 if figure == "checkerboard" else COLUMNS)
            path = os.path.join(workdir, f"{figure}.png")
            files.write_bytes(path, _png(compose(panels, size, cols)))
            manifest[figure] = {
                "panels": [label for label, _ in panels],
                "rows": rows,
                "columns": cols,
                "panel_px": size,
                "label_px": LABEL_PX,
                "gap_px": GAP_PX,
            }
            if extra is not None:
                manifest[figure]["scores"] = extra
            paths.append(path)
        bar.set_postfix_str("kernels")
        curves = kernel_curves()
        bar.update(len(curves))
        path = os.path.join(workdir, "kernels.png")
        files.write_bytes(path, kernel_figure(curves, COLUMNS * size))
        manifest["kernels"] = {"axes": 2, "curves": [c["name"] for c in curves]}
        paths.append(path)
    path = os.path.join(workdir, "gallery.json")
    files.write_text(path, json.dumps(manifest, indent=2) + "\n")
    return [*paths, path]
