"""Method names to models: which resample_jax methods a config asks for, checked before training,
and the tiny SR and segmentation networks whose resampling stages they fill.

The networks themselves are ``resample_jax.models`` (SRNet, UNet, FCN, SegNet); the methods are the
table of ``resample_jax.methods``. This file only maps configuration onto them.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence

import jax
import jax.numpy as jnp
from flax import nnx

from experiments.configs import ConfigError
from resample_jax import methods as method_table
from resample_jax import models as rmodels

# Quick-default SR methods: the two fast learned upsamplers and a fixed one (bilinear) in the same
# net. resize_conv, CARAFE and DySample run at 2.5-3.5x the step time on CPU: `--methods all`.
DEFAULT_SR_METHODS = ("pixel_shuffle", "conv_transpose", "bilinear")
# Quick-default segmentation methods: max pooling against Zhang's MaxBlurPool (the default pair
# ``down``/``up`` of the config is always run first).
DEFAULT_SEG_METHODS = ("max_pool", "max_blur_pool")
# U-Net channels per level. (8, 16, 32) costs about 60% of the CPU time of (16, 32, 64) per run,
# which keeps the quick default near two minutes on two cores.
UNET_WIDTHS = (8, 16, 32)
SEG_ARCHS = ("unet", "fcn32s", "fcn16s", "fcn8s", "segnet")
SR_ARCHS = ("espcn", "fsrcnn", "srcnn", "edsr", "wdsr")
__all__ = ["ConfigError", "build_seg", "build_sr", "resolve_seg_methods", "resolve_sr_methods"]


def _suggest(name: str, valid: Sequence[str]) -> str:
    match = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.5)
    return f" Did you mean {match[0]!r}?" if match else ""


def _names(requested: Sequence[str], default: Sequence[str], every: Sequence[str]) -> list[str]:
    names: list[str] = []
    for n in requested:
        n = n.strip().lower()
        expanded = default if n == "default" else every if n == "all" else [n]
        names.extend(m for m in expanded if m not in names)
    return names


def resolve_sr_methods(config) -> list[str]:
    """The upsampler names to train, checked against the table and the scale.

    ``all`` means every upsampler that can do ``config.scale`` and works stand-alone (not
    ``max_unpool``, which needs pooling indices); ``default`` the quick set.
    """
    if config.arch not in SR_ARCHS:
        raise ConfigError(
            f"unknown --arch {config.arch!r}; valid: {list(SR_ARCHS)}."
            f"{_suggest(config.arch, SR_ARCHS)}"
        )
    if config.scale < 2:
        raise ConfigError(f"--scale must be an integer >= 2; got {config.scale}.")
    valid = method_table.upsampler_names()
    factor = (config.scale, config.scale)
    every = [n for n in valid if method_table.get_method(n, "up").supports(factor)]
    names = _names(config.methods, DEFAULT_SR_METHODS, every)
    for n in names:
        if n not in valid:
            raise ConfigError(
                f"unknown SR method {n!r}; valid upsamplers: {valid} (or 'all', 'default')."
                f"{_suggest(n, valid)}"
            )
        if not method_table.get_method(n, "up").supports(factor):
            raise ConfigError(
                f"method {n!r} cannot upsample by --scale {config.scale} (it supports "
                f"{method_table.get_method(n, 'up').factors} only); methods that can: {every}."
            )
    for n in names:
        _check_builds(
            lambda m=n: build_sr(config, m, nnx.Rngs(0)), (1, 8, 8, 1), f"SR method {n!r}"
        )
    return names


def build_sr(config, method: str, rngs: nnx.Rngs) -> nnx.Module:
    return rmodels.SRNet(
        config.arch,
        config.scale,
        upsampler=method,
        channels=1,
        residual=config.residual,
        residual_gain=config.residual_gain,
        rngs=rngs,
    )


def _seg_role(name: str, down_names: Sequence[str], up_names: Sequence[str]) -> tuple[str, str]:
    """``(role, method)`` of a seg method spec: ``down:NAME``, ``up:NAME``, ``DOWN+UP`` (role
    ``"pair"``, method ``"DOWN+UP"``) or an unambiguous name."""
    if "+" in name:
        down, _, up = name.partition("+")
        _seg_role(f"down:{down}", down_names, up_names)
        _seg_role(f"up:{up}", down_names, up_names)
        return "pair", name
    if ":" in name:
        role, _, method = name.partition(":")
        table = {"down": down_names, "up": up_names}.get(role)
        if table is None:
            raise ConfigError(f"seg method {name!r}: the prefix must be 'down:' or 'up:'.")
        if method not in table:
            raise ConfigError(
                f"unknown {role}sampling method {method!r}; valid: {list(table)}."
                f"{_suggest(method, table)}"
            )
        return role, method
    in_down, in_up = name in down_names, name in up_names
    if in_down and in_up:
        raise ConfigError(
            f"seg method {name!r} is both a down- and an upsampler; write "
            f"'down:{name}' or 'up:{name}'."
        )
    if not (in_down or in_up):
        valid = sorted(set(down_names) | set(up_names))
        raise ConfigError(
            f"unknown seg method {name!r}; valid downsamplers: {list(down_names)}, valid "
            f"upsamplers: {list(up_names)} (or 'all', 'default').{_suggest(name, valid)}"
        )
    return ("down" if in_down else "up"), name


def resolve_seg_methods(config) -> list[tuple[str, str, str, str]]:
    """``(arch, label, down, up)`` for every segmentation run, default pair first per arch.

    A method replaces the down path (a downsampler) or the up path (an upsampler) of the network,
    the other path staying at ``config.down`` / ``config.up``; ``DOWN+UP`` sets both. A paired
    upsampler (``max_unpool``, ``aps_upsample``, ``lpu``: ``Method.pair``) brings its own
    downsampler (``max_pool``, ``aps``, ``lps``), so ``aps_upsample`` selects the APS U-Net
    (label ``aps+aps_upsample``); it runs in the U-Net only. SegNet has its own fixed pair (max
    pooling with indices and ``max_unpool``) and runs once.
    """
    for arch in config.archs:
        if arch not in SEG_ARCHS:
            raise ConfigError(
                f"unknown --archs entry {arch!r}; valid: {list(SEG_ARCHS)}."
                f"{_suggest(arch, SEG_ARCHS)}"
            )
    downs = method_table.downsampler_names()
    ups = method_table.upsampler_names(include_paired=True)
    for role, name, table in (("down", config.down, downs), ("up", config.up, ups)):
        if name not in table:
            raise ConfigError(
                f"unknown --{role} {name!r}; valid: {list(table)}.{_suggest(name, table)}"
            )
    if config.padding not in rmodels.PADDINGS:
        raise ConfigError(
            f"--padding {config.padding}: valid: {list(rmodels.PADDINGS)}."
            f"{_suggest(config.padding, rmodels.PADDINGS)}"
        )
    _check_pair(config.down, config.up)
    every = [f"down:{n}" for n in downs] + [f"up:{n}" for n in ups]
    specs = _names(config.methods, DEFAULT_SEG_METHODS, every)
    # Names the user typed must run in some architecture; the default set names only what runs
    # (max_blur_pool is not tried in FCN-32s at 32 px, whose deepest map is 1x1).
    typed = set(_names([m for m in config.methods if m.strip().lower() != "default"], [], every))
    pairs: list[tuple[str, str, str]] = [(f"{config.down}+{config.up}", config.down, config.up)]
    for spec in specs:
        role, method = _seg_role(spec, downs, ups)
        if role == "pair":
            down, _, up = method.partition("+")
            _check_pair(down, up)
        elif role == "down":
            down, up = method, config.up
        elif (pair := method_table.get_method(method, "up").pair) is not None:
            down, up = pair.down, method
        else:
            down, up = config.down, method
        if role != "pair" and method_table.get_method(up, "up").pair is not None:
            label = f"{down}+{up}"
            if spec in typed:
                typed.add(label)
            spec = label
        if all((d, u) != (down, up) for _, d, u in pairs):
            pairs.append((spec, down, up))
    runs = []
    for arch in config.archs:
        if arch == "segnet":
            runs.append((arch, "max_pool+max_unpool", "max_pool", "max_unpool"))
            continue
        runs.extend((arch, label, d, u) for label, d, u in pairs)
    # A method that cannot run in one architecture at this image size (e.g. blur pooling's reflect
    # padding on FCN's 1x1 stride-32 map of a 32-pixel image) is skipped there with a note; it is an
    # error when it runs nowhere, or when an architecture's default pair cannot run.
    size, kept, failures = config.image_size, [], {}
    for arch, label, d, u in runs:
        try:
            _check_builds(
                lambda a=arch, dn=d, up=u: build_seg(a, 4, dn, up, nnx.Rngs(0), config.padding),
                (1, size, size, 3),
                f"seg {arch} with down={d!r}, up={u!r} at --image-size {size}",
            )
        except ConfigError as e:
            if (d, u) == (config.down, config.up) or arch == "segnet":
                raise
            if label in typed:
                failures.setdefault(label, []).append(str(e))
            continue
        kept.append((arch, label, d, u))
    for label, errors in failures.items():
        if not any(k[1] == label for k in kept):
            raise ConfigError(errors[0])
        print(
            f"note: skipped {len(errors)} combination(s) that cannot run: {errors[0]}",
            file=sys.stderr,
        )
    return kept


def _check_pair(down: str, up: str) -> None:
    try:
        method_table.check_pair(down, up, fn="seg")
    except ValueError as e:
        raise ConfigError(str(e)) from None


def build_seg(
    arch: str, num_classes: int, down: str, up: str, rngs: nnx.Rngs, padding: str = "zeros"
) -> nnx.Module:
    """The segmentation net ``arch``; ``padding`` is the U-Net's (FCN and SegNet pad with
    zeros)."""
    if arch == "unet":
        return rmodels.UNet(
            3, num_classes, depth=3, widths=UNET_WIDTHS, down=down, up=up, padding=padding,
            rngs=rngs,
        )
    if arch == "segnet":
        return rmodels.SegNet(3, num_classes, rngs=rngs)
    return rmodels.FCN(3, num_classes, variant=arch[3:], down=down, up=up, rngs=rngs)


def _check_builds(build, input_shape: tuple[int, ...], what: str) -> None:
    """Builds the model and runs it abstractly (no compute) so shape errors surface now."""
    try:
        jax.eval_shape(lambda: build()(jnp.zeros(input_shape, jnp.float32)))
    except (ValueError, TypeError) as e:
        raise ConfigError(f"{what} cannot be built for this configuration: {e}") from None
