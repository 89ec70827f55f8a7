"""A task object per task: it owns its data, its runs, its reference rows (a baseline that needs no
network), its metric columns, its figures and its report sections. ``train.py`` and ``report.py``
only call these methods; nothing outside a task branches on which task it is.

The tasks are ``sr.SRTask`` (super-resolution) and ``seg.SegTask`` (segmentation); ``make`` picks
one for a config.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from experiments import configs

Predict = Callable[[np.ndarray], np.ndarray]


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """The seeds of one (task, method): trained together as one ensemble.

    Attributes:
      task: the results' task name (``"sr"``, ``"seg-shapes"``, ...).
      method: the row label.
      seeds: the training seeds; seed ``s`` initialises from ``nnx.Rngs(s)``.
      info: extra fields of each record (architecture, resampling pair, ...).
      build: the model for one seed's ``nnx.Rngs``.
      batch: ``batch(seed, step) -> (x, y)``, a pure function of its arguments.
      loss: ``loss(model, x, y, key)``, a scalar. ``key`` is the step's PRNG key in training
        (``train.train_step``), for the stages that draw noise (LPS's Gumbel noise), and None
        for the validation loss (evaluation mode); SR losses ignore it.
      evaluate: ``evaluate(predict) -> (scores, artefacts)`` for one seed's trained model.
      dirname: folder of the run under the workdir.
      validation: a fixed ``(x, y)`` batch from data no training seed sees, whose loss is logged
        beside the training loss (None: no validation curve).
    """

    task: str
    method: str
    seeds: tuple[int, ...]
    info: dict[str, Any]
    build: Callable[[nnx.Rngs], nnx.Module]
    batch: Callable[[int, int], tuple[np.ndarray, np.ndarray]]
    loss: Callable[[nnx.Module, jax.Array, jax.Array, jax.Array | None], jax.Array]
    evaluate: Callable[[Predict], tuple[dict[str, Any], dict[str, np.ndarray]]]
    dirname: str
    validation: tuple[np.ndarray, np.ndarray] | None = None


def mse(model: nnx.Module, x: jax.Array, y: jax.Array, key: jax.Array | None) -> jax.Array:
    """Mean squared error; ``key`` is ignored (the SR nets draw no noise)."""
    return jnp.mean(jnp.square(model(x) - y))


def l1(model: nnx.Module, x: jax.Array, y: jax.Array, key: jax.Array | None) -> jax.Array:
    """Mean absolute error; ``key`` is ignored (the SR nets draw no noise)."""
    return jnp.mean(jnp.abs(model(x) - y))


def slug(method: str) -> str:
    """A method label as a folder name."""
    return method.replace(":", "-")


class Task(abc.ABC):
    """What the runner asks of a task."""

    #: The metric that ranks the rows, and the metric columns of the tables.
    primary: str
    columns: tuple[str, ...]

    def __init__(self, config: configs.Config):
        self.config = config

    @staticmethod
    @abc.abstractmethod
    def choices() -> dict[str, list[str]]:
        """The valid values of the config fields that take names, for ``--help``."""

    @abc.abstractmethod
    def runs(self) -> list[RunSpec]:
        """The ensembles to train (validated: raises ``ConfigError`` before any training)."""

    @abc.abstractmethod
    def reference_records(self, done: set[tuple[str, str, int | None]]) -> list[dict[str, Any]]:
        """Rows that need no network (bicubic, all-background), one per seed, not yet ``done``."""

    @abc.abstractmethod
    def write_references(self, workdir: Path) -> None:
        """Measurements and arrays the report shows besides the runs (figure crops, ...)."""

    @abc.abstractmethod
    def baseline_for(self, record: dict[str, Any], records: list[dict]) -> dict[str, float] | None:
        """The scores ``record`` is compared against in its ``baseline`` field."""

    @abc.abstractmethod
    def describe(self, method: str, records: list[dict]) -> str:
        """What a row of the table is, in one sentence."""

    @abc.abstractmethod
    def protocol(self) -> list[str]:
        """Report lines on how the numbers are measured."""

    @abc.abstractmethod
    def figures(self, workdir: Path, records: list[dict]) -> list[str]:
        """Writes the task's figures into ``workdir``; returns their file names."""

    @abc.abstractmethod
    def sections(self, workdir: Path, records: list[dict]) -> list[str]:
        """The report's checks and claims (markdown lines), computed from the records."""

    def run_line(self, record: dict[str, Any]) -> str:
        """One line printed when a seed finishes."""
        m = record["metrics"]
        shown = ", ".join(f"{k} {m[k]:.4f}" for k in self.columns if k in m)
        return f"{record['task']} {record['method']} seed {record['seed']}: {shown}"


def task_class(name: str) -> type[Task]:
    """The task class of a config's ``task`` name."""
    from experiments import seg, sr

    return {"sr": sr.SRTask, "seg": seg.SegTask}[name]


def make(config: configs.Config) -> Task:
    """The task object of ``config``."""
    return task_class(config.task)(config)
