"""Orbax checkpoints of the whole training state: model parameters and other model state, optimiser
state, step, RNG key and data position.

The state is saved as the flat list of its leaves (the tree structure comes from rebuilding the same
model and optimiser, which is deterministic), plus a small JSON record. Orbax writes each step into
a
temporary directory and renames it when complete, so a checkpoint cut short by a kill is never
listed;
a finalised checkpoint that still fails to read (a damaged disk, a truncated copy) is skipped with a
warning, moved aside to ``<directory>_unreadable/`` (so the step can be written again) and the next
older one is used.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from typing import Any

import jax
import orbax.checkpoint as ocp

log = logging.getLogger(__name__)


class Checkpointer:
    """Synchronous Orbax checkpoint manager for one training run."""

    def __init__(self, directory: str | os.PathLike, *, max_to_keep: int = 2):
        self.directory = os.path.abspath(directory)
        options = ocp.CheckpointManagerOptions(
            max_to_keep=max_to_keep,
            # Synchronous saves: when save() returns the checkpoint is complete, so the "last good
            # checkpoint" promised after a divergence is on disk.
            enable_async_checkpointing=False,
            create=True,
        )
        self._manager = ocp.CheckpointManager(self.directory, options=options)

    def steps(self) -> list[int]:
        return sorted(self._manager.all_steps())

    def save(self, step: int, state: Any, meta: dict) -> None:
        leaves = jax.tree.leaves(state)
        self._manager.save(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(leaves), meta=ocp.args.JsonSave(meta)
            ),
            force=True,
        )
        self._manager.wait_until_finished()

    def restore_latest(self, like: Any) -> tuple[Any, dict] | None:
        """The newest readable checkpoint as ``(state, meta)`` shaped and sharded like ``like``."""
        leaves, treedef = jax.tree.flatten(like)
        abstract = [ocp.utils.to_shape_dtype_struct(x) for x in leaves]
        for step in reversed(self.steps()):
            try:
                restored = self._manager.restore(
                    step,
                    args=ocp.args.Composite(
                        state=ocp.args.StandardRestore(abstract), meta=ocp.args.JsonRestore()
                    ),
                )
            except Exception as e:  # any unreadable checkpoint is skipped the same way
                log.warning(
                    "checkpoint %s/%d is unreadable (%s); moved aside, trying an older one",
                    self.directory,
                    step,
                    e,
                )
                self._move_aside(step)
                continue
            return jax.tree.unflatten(treedef, list(restored["state"])), dict(restored["meta"])
        return None

    def _move_aside(self, step: int) -> None:
        aside = f"{self.directory}_unreadable"
        os.makedirs(aside, exist_ok=True)
        shutil.move(
            os.path.join(self.directory, str(step)), os.path.join(aside, f"{step}-{time.time_ns()}")
        )
        self._manager.reload()

    def close(self) -> None:
        self._manager.close()
