"""Typed experiment configurations with command-line overrides.

Each task has one frozen dataclass whose defaults are the *quick* configuration (about two minutes
on a 2-core CPU). Every field can be overridden from the command line as ``--field-name value``;
tuples take comma-separated values and booleans take ``--flag`` / ``--no-flag``. The resolved
config is saved as ``config.json`` in the workdir next to the results.

Longer configurations are listed in ``LONG_RUNS``; their measured numbers live in the
documentation (README), not in code.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import math
import typing
from typing import Any


class ConfigError(ValueError):
    """A configuration the runner rejects before training anything."""


# Photographs shipped inside scikit-image's wheel (``skimage.data``; none of these downloads).
# Training: five colour photographs and six greyscale ones (textures, coins, moon, clock).
TRAIN_PHOTOS = (
    "astronaut",
    "rocket",
    "immunohistochemistry",
    "hubble_deep_field",
    "motorcycle",
    "brick",
    "grass",
    "gravel",
    "coins",
    "moon",
    "clock",
)
# Held out: the report's numbers. ``camera`` (the cameraman) is held out too, as the validation
# photo on which settings are chosen (score it with ``--test-images camera``); the test photographs
# are scored for the final numbers only.
TEST_PHOTOS = ("chelsea", "coffee")
VALIDATION_PHOTOS = ("camera",)
# Every bundled photograph ``data.PHOTOS`` can load (listed here so --help needs no scikit-image).
PHOTO_NAMES = (
    *TRAIN_PHOTOS,
    *TEST_PHOTOS,
    *VALIDATION_PHOTOS,
    "retina",
    "colorwheel",
)
SEG_DATASETS = ("shapes", "horse")


def _f(default: Any, help: str) -> Any:
    """A config field with its command-line help."""
    return dataclasses.field(default=default, metadata={"help": help})


_SEEDS = "training seeds; all seeds of a method train together as one vectorised ensemble"


@dataclasses.dataclass(frozen=True)
class SRConfig:
    """Single-image super-resolution on the Y channel (see data.py for the protocol)."""

    task: str = "sr"
    methods: tuple[str, ...] = _f(("default",), "upsamplers to compare")
    seeds: tuple[int, ...] = _f((0, 1, 2, 3), _SEEDS)
    steps: int = _f(1000, "training steps")
    scale: int = _f(3, "upscaling factor, an integer >= 2")
    arch: str = _f("espcn", "SR network")
    residual: bool = _f(True, "predict a residual over bicubic upsampling")
    residual_gain: float = _f(
        0.0,
        "initial value of the learned gain on the residual branch (0: the untrained net is "
        "exactly bicubic, as ReZero; 1: the branch's random initial output is added in full, as in "
        "runs before this option, which had no gain)",
    )
    batch_size: int = _f(16, "patches per step and seed")
    patch_size: int = _f(16, "LR patch side in pixels")
    learning_rate: float = _f(1e-2, "peak Adam learning rate (warmup, then cosine decay to 0)")
    warmup_steps: int = _f(20, "linear warmup steps")
    loss: str = _f("mse", "training loss (Zhao et al. 2017 / EDSR train with l1)")
    self_ensemble: bool = _f(
        False, "also score with the x8 geometric self-ensemble (EDSR+); single pass kept"
    )
    train_images: tuple[str, ...] = _f(TRAIN_PHOTOS, "bundled photographs to train on")
    train_scales: tuple[float, ...] = _f(
        (1.0,),
        "factors in (0, 1] each training photograph is also downscaled by before its LR / HR "
        "pairs are made (FSRCNN's data augmentation uses 1,0.9,0.8,0.7,0.6; Dong et al. 2016, "
        "sec. 4.1)",
    )
    test_images: tuple[str, ...] = _f(TEST_PHOTOS, "bundled photographs to score")
    log_every: int = _f(20, "steps between loss-curve points")
    checkpoint_every: int = _f(100, "steps between checkpoints")
    distributed: bool = _f(False, "call jax.distributed.initialize() first (multi-host)")


@dataclasses.dataclass(frozen=True)
class SegConfig:
    """Semantic segmentation of procedural shapes and horse silhouettes.

    Quick default: U-Net (widths 8, 16, 32) with max pooling and with MaxBlurPool, and FCN-32s with
    the default pair, 300 steps of 16 crops of 32 pixels on the shapes dataset, 4 seeds. At 32
    pixels FCN-32s's coarsest map is 1x1, so it can only predict one label per image.
    """

    task: str = "seg"
    methods: tuple[str, ...] = _f(("default",), "down- or upsamplers to compare")
    seeds: tuple[int, ...] = _f((0, 1, 2, 3), _SEEDS)
    steps: int = _f(300, "training steps")
    datasets: tuple[str, ...] = _f(("shapes",), "datasets")
    archs: tuple[str, ...] = _f(("unet", "fcn32s"), "segmentation networks")
    down: str = _f("max_pool", "default downsampler of every network")
    up: str = _f("bilinear", "default upsampler of every network")
    padding: str = _f(
        "zeros",
        "padding of the U-Net's 3x3 convolutions, zeros or circular (the exact circular-shift "
        "claim of the APS / LPS U-Nets needs circular)",
    )
    image_size: int = _f(32, "crop side in pixels")
    max_shift: int = _f(8, "largest shift between the two crops of the shift-consistency test")
    num_eval: int = _f(64, "held-out images")
    batch_size: int = _f(16, "crops per step and seed")
    learning_rate: float = _f(3e-3, "peak Adam learning rate (warmup, then cosine decay to 0)")
    warmup_steps: int = _f(20, "linear warmup steps")
    log_every: int = _f(20, "steps between loss-curve points")
    checkpoint_every: int = _f(100, "steps between checkpoints")
    distributed: bool = _f(False, "call jax.distributed.initialize() first (multi-host)")


Config = SRConfig | SegConfig
CONFIGS: dict[str, type] = {"sr": SRConfig, "seg": SegConfig}
# Fields that choose which runs to make, not how each is trained: a workdir may add runs.
SELECTION_FIELDS = frozenset(
    {"methods", "seeds", "archs", "datasets", "log_every", "checkpoint_every", "distributed"}
)

# Longer configurations; what they measured is in the documentation (README), not here.
LONG_RUNS = {
    "sr": "python -m experiments sr --arch edsr --methods pixel_shuffle --seeds 0,1,2,3 "
    "--steps 6000 --batch-size 32 --learning-rate 2e-3 --self-ensemble --log-every 100 "
    "--checkpoint-every 500 --workdir runs/sr_long",
    # Three commands into one workdir, in the order the documented numbers were measured: the
    # U-Net pair on seeds 0-4; FCN-32s, only needed with the default pair (claim 1); then seeds
    # 5-9 of the U-Net pair (a run trains only the seeds its workdir lacks), which blur pooling's
    # claim at equal mIoU needed to conclude.
    "seg": "python -m experiments seg --archs unet --methods max_pool,max_blur_pool --steps 1000 "
    "--seeds 0,1,2,3,4 --image-size 64 --workdir runs/seg_long && python -m experiments seg "
    "--archs unet,fcn32s --methods max_pool --steps 1000 --seeds 0,1,2,3,4 --image-size 64 "
    "--workdir runs/seg_long && python -m experiments seg --archs unet --methods "
    "max_pool,max_blur_pool --steps 1000 --seeds 0,1,2,3,4,5,6,7,8,9 --image-size 64 "
    "--workdir runs/seg_long",
}


def show(value: Any) -> str:
    """A config value as it is typed on the command line."""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _error(flag: str, value: Any, valid: str) -> ConfigError:
    return ConfigError(f"--{flag.replace('_', '-')} {show(value)!s}: {valid}")


def validate(config: Config) -> None:
    """Checks every option that needs no model: numbers in range, known names.

    Raises:
      ConfigError: naming the flag, its value and what is valid.
    """
    for name in ("steps", "batch_size", "log_every", "checkpoint_every"):
        if getattr(config, name) < 1:
            raise _error(name, getattr(config, name), "must be an integer >= 1.")
    if config.warmup_steps < 0:
        raise _error("warmup_steps", config.warmup_steps, "must be >= 0.")
    if not (config.learning_rate > 0 and math.isfinite(config.learning_rate)):
        raise _error("learning_rate", config.learning_rate, "must be a finite number > 0.")
    if not config.seeds:
        raise _error("seeds", "", "list at least one seed, e.g. --seeds 0,1,2,3.")
    if len(set(config.seeds)) != len(config.seeds) or min(config.seeds) < 0:
        raise _error("seeds", config.seeds, "seeds must be distinct integers >= 0.")
    if isinstance(config, SRConfig):
        if config.scale < 2:
            raise _error("scale", config.scale, "must be an integer >= 2.")
        if config.patch_size < 1:
            raise _error("patch_size", config.patch_size, "must be an integer >= 1.")
        if not math.isfinite(config.residual_gain):
            raise _error("residual_gain", config.residual_gain, "must be a finite number.")
        if config.residual_gain != 0 and not config.residual:
            raise _error(
                "residual_gain",
                config.residual_gain,
                "the gain scales the residual branch; with --no-residual there is none "
                "(leave --residual-gain at 0, or drop --no-residual).",
            )
        _check_names("train_images", config.train_images, PHOTO_NAMES)
        scales = config.train_scales
        if not scales or len(set(scales)) != len(scales) or not all(0 < f <= 1 for f in scales):
            raise _error(
                "train_scales", scales, "list distinct factors in (0, 1], e.g. 1,0.9,0.8,0.7,0.6."
            )
        _check_names("test_images", config.test_images, PHOTO_NAMES)
        for n in config.train_images:
            if n in config.test_images or n in VALIDATION_PHOTOS:
                role = (
                    f"a held-out test photograph (--test-images {show(config.test_images)})"
                    if n in config.test_images
                    else "the validation photograph (its patches give the validation loss)"
                )
                raise _error(
                    "train_images", config.train_images, f"{n!r} is {role}; train on others."
                )
    else:
        _check_names("datasets", config.datasets, SEG_DATASETS)
        if config.image_size < 1 or config.max_shift < 0 or config.num_eval < 1:
            raise ConfigError(
                "--image-size and --num-eval must be >= 1 and --max-shift >= 0; got "
                f"{config.image_size}, {config.num_eval}, {config.max_shift}."
            )
        if config.max_shift >= config.image_size:
            raise _error(
                "max_shift",
                config.max_shift,
                f"must be less than --image-size ({config.image_size}), so that the two shifted "
                "crops of the consistency test always overlap.",
            )


def _check_names(flag: str, names: tuple[str, ...], valid: tuple[str, ...]) -> None:
    if not names:
        raise _error(flag, "", f"list at least one of {list(valid)}.")
    for n in names:
        if n not in valid:
            match = difflib.get_close_matches(n, valid, n=1, cutoff=0.5)
            hint = f" Did you mean {match[0]!r}?" if match else ""
            raise ConfigError(
                f"--{flag.replace('_', '-')}: unknown name {n!r}; valid: {list(valid)}.{hint}"
            )


def _parse_tuple(item_type: type):
    def parse(text: str) -> tuple:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        try:
            return tuple(item_type(p) for p in parts)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated {item_type.__name__} values; got {text!r}"
            ) from None

    return parse


def add_arguments(
    parser: argparse.ArgumentParser, cls: type, choices: dict[str, list[str]] | None = None
) -> None:
    """One ``--field-name`` option per config field (``task`` excepted), defaulting to the
    config's; ``choices`` lists the valid values of some fields for the help text."""
    hints = typing.get_type_hints(cls)
    choices = choices or {}
    for field in dataclasses.fields(cls):
        if field.name == "task":
            continue
        flag = "--" + field.name.replace("_", "-")
        hint = hints[field.name]
        text = field.metadata.get("help", "")
        if field.name in choices:
            text += f"; valid: {', '.join(choices[field.name])}"
        if hint is bool:
            parser.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=field.default, help=text
            )
            continue
        kind = {}
        if typing.get_origin(hint) is tuple:
            kind["type"] = _parse_tuple(typing.get_args(hint)[0])
            text = f"comma-separated {text}"
        else:
            kind["type"] = hint
        parser.add_argument(
            flag, default=field.default, help=f"{text} (default: {show(field.default)})", **kind
        )


def from_namespace(cls: type, ns: argparse.Namespace) -> Config:
    values = {f.name: getattr(ns, f.name) for f in dataclasses.fields(cls) if f.name != "task"}
    return cls(**values)


def to_dict(config: Config) -> dict[str, Any]:
    return {
        k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()
    }


def from_dict(data: dict[str, Any]) -> Config:
    cls = CONFIGS[data["task"]]
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            v = data[f.name]
            values[f.name] = tuple(v) if typing.get_origin(hints[f.name]) is tuple else v
    return cls(**values)
