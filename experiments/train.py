"""Training and evaluation: ``train_step``, ``eval_step`` and ``train_and_evaluate``.

Every run trains data-parallel over all devices JAX finds: a 1-D ``Mesh`` over the batch axis, the
batch placed with ``NamedSharding(mesh, P("data"))`` and the parameters and optimiser state
replicated
(``P()``); XLA inserts the gradient all-reduce. With ``--distributed`` the process first calls
``jax.distributed.initialize()`` (coordinator, process count and id from the environment, as on
Cloud
TPU, SLURM or with ``JAX_COORDINATOR_ADDRESS`` / ``JAX_NUM_PROCESSES`` / ``JAX_PROCESS_ID``); each
process then builds the same global batch and contributes its slice, and only process 0 writes
files.

Each run checkpoints with Orbax every ``checkpoint_every`` steps and at the end; rerunning with the
same workdir skips finished runs (``results.json``) and resumes unfinished ones from their last
checkpoint, with parameters bitwise equal to an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P
from tqdm.auto import tqdm

from experiments import configs, files, report, tasks
from experiments.checkpoint import Checkpointer
from experiments.models import BASELINE, ConfigError

RESULTS = "results.json"


class TrainingDiverged(RuntimeError):
    """A non-finite loss, gradient or parameter: the run stops and its last good checkpoint
    stays."""


class Interrupted(RuntimeError):
    """Raised by the ``interrupt_at`` testing hook to simulate a process killed mid-run."""


# ---------------------------------------------------------------------------------------------
# Devices


def make_mesh() -> Mesh:
    """A 1-D mesh named ``data`` over every device of every process."""
    return Mesh(np.asarray(jax.devices()), ("data",))


def device_description() -> str:
    d = jax.devices()[0]
    return (
        f"{jax.device_count()} x {d.device_kind} ({d.platform}, {jax.process_count()} process(es))"
    )


def versions() -> dict[str, str]:
    import flax
    import orbax.checkpoint
    import skimage

    import resample_jax

    return {
        "python": platform.python_version(),
        "jax": jax.__version__,
        "jaxlib": jax.lib.__version__ if hasattr(jax.lib, "__version__") else jax.__version__,
        "flax": flax.__version__,
        "optax": optax.__version__,
        "orbax": getattr(orbax.checkpoint, "__version__", "?"),
        "numpy": np.__version__,
        "scikit-image": skimage.__version__,
        "resample_jax": resample_jax.__version__,
    }


def shard_batch(mesh: Mesh, array: np.ndarray) -> jax.Array:
    """Places a global batch sharded over ``data``; each process contributes its own slice."""
    sharding = NamedSharding(mesh, P("data"))
    n, pid = jax.process_count(), jax.process_index()
    per = array.shape[0] // n
    local = array[pid * per : (pid + 1) * per]
    return jax.make_array_from_process_local_data(sharding, local, array.shape)


def replicate(mesh: Mesh, tree: Any) -> Any:
    return jax.device_put(tree, NamedSharding(mesh, P()))


# ---------------------------------------------------------------------------------------------
# Steps


def make_optimizer(config: configs.Config) -> optax.GradientTransformation:
    warmup = min(config.warmup_steps, max(config.steps - 1, 0))
    schedule = optax.warmup_cosine_decay_schedule(
        0.0, config.learning_rate, warmup, max(config.steps, warmup + 1), end_value=0.0
    )
    return optax.adam(schedule)


def train_step(
    graphdef: nnx.GraphDef,
    tx: optax.GradientTransformation,
    loss_fn: Callable[[nnx.Module, jax.Array, jax.Array], jax.Array],
    state: dict[str, Any],
    x: jax.Array,
    y: jax.Array,
) -> tuple[dict[str, Any], dict[str, jax.Array]]:
    """One optimiser step on a (global) batch; returns the new state and ``{loss, finite}``.

    ``finite`` is false when the loss, the gradient or the updated parameters are not finite, so the
    loop can stop before a bad state is checkpointed.
    """

    def objective(params):
        model = nnx.merge(graphdef, params, state["rest"])
        loss = loss_fn(model, x, y)
        return loss, nnx.state(model, nnx.Not(nnx.Param))

    (loss, rest), grads = jax.value_and_grad(objective, has_aux=True)(state["params"])
    # optax's Adam bias correction raises a float to an int32 count; allow that promotion even when
    # the caller runs with jax_numpy_dtype_promotion="strict" (as the test suite does).
    with jax.numpy_dtype_promotion("standard"):
        updates, opt = tx.update(grads, state["opt"], state["params"])
    params = optax.apply_updates(state["params"], updates)
    key, _ = jax.random.split(jax.random.wrap_key_data(state["key"]))
    finite = (
        jnp.isfinite(loss)
        & jnp.isfinite(optax.tree.norm(grads))
        & jnp.isfinite(optax.tree.norm(params))
    )
    new = {
        "params": params,
        "rest": rest,
        "opt": opt,
        "step": state["step"] + 1,
        "key": jax.random.key_data(key),
    }
    return new, {"loss": loss, "finite": finite}


def eval_step(graphdef: nnx.GraphDef, state: dict[str, Any], x: jax.Array) -> jax.Array:
    """The model in evaluation mode (running averages, no dropout) applied to ``x``."""
    return nnx.merge(graphdef, state["params"], state["rest"])(x)


# ---------------------------------------------------------------------------------------------
# One run


@dataclasses.dataclass
class Fit:
    state: dict[str, Any]
    graphdef: nnx.GraphDef
    eval_graphdef: nnx.GraphDef
    num_params: int
    train_seconds: float
    steps_per_second: float


def _initial_state(spec: tasks.RunSpec, tx: optax.GradientTransformation):
    model = spec.build(nnx.Rngs(spec.seed))
    graphdef, params, rest = nnx.split(model, nnx.Param, ...)
    model.eval()
    eval_graphdef = nnx.graphdef(model)
    state = {
        "params": params,
        "rest": rest,
        "opt": tx.init(params),
        "step": jnp.zeros((), jnp.int32),
        "key": jax.random.key_data(jax.random.key(spec.seed)),
    }
    num_params = sum(int(np.prod(p.shape)) for p in jax.tree.leaves(params))
    return graphdef, eval_graphdef, state, num_params


def fit(
    spec: tasks.RunSpec,
    config: configs.Config,
    mesh: Mesh,
    run_dir: Path,
    *,
    interrupt_at: int | None = None,
) -> Fit:
    """Trains one run, resuming from its newest readable checkpoint in ``run_dir``."""
    tx = make_optimizer(config)
    graphdef, eval_graphdef, state, num_params = _initial_state(spec, tx)
    state = replicate(mesh, state)
    ckpt = Checkpointer(run_dir / "checkpoints")
    curve = run_dir / "metrics.jsonl"
    writer = jax.process_index() == 0
    start, prior_seconds = 0, 0.0
    restored = ckpt.restore_latest(state)
    if restored is not None:
        state, meta = restored
        start, prior_seconds = int(meta["step"]), float(meta["train_seconds"])
        if int(meta["data_position"]) != start:
            raise RuntimeError(f"checkpoint in {ckpt.directory} is inconsistent: {meta}")
        if writer:
            files.truncate_jsonl(curve, start)
    elif writer and curve.exists():
        curve.unlink()

    repl, batch_sh = NamedSharding(mesh, P()), NamedSharding(mesh, P("data"))
    step_fn = jax.jit(
        lambda s, x, y: train_step(graphdef, tx, spec.loss, s, x, y),
        in_shardings=(repl, batch_sh, batch_sh),
        out_shardings=(repl, repl),
        donate_argnums=(0,),
    )
    last_good = start if restored is not None else None
    pending: list[dict[str, jax.Array]] = []
    bar = tqdm(
        total=config.steps,
        initial=start,
        desc=f"{spec.task} {spec.method} seed {spec.seed}",
        unit="step",
        dynamic_ncols=True,
        leave=False,
        disable=not writer,
    )
    t0, t_log, steps_done = time.perf_counter(), time.perf_counter(), 0
    try:
        for step in range(start, config.steps):
            x, y = spec.batch(step)
            state, out = step_fn(state, shard_batch(mesh, x), shard_batch(mesh, y))
            pending.append(out)
            steps_done += 1
            done = step + 1
            save = done % config.checkpoint_every == 0 or done == config.steps
            if save or done % config.log_every == 0:
                values = jax.device_get(pending)
                pending = []
                first = done - len(values)
                for i, v in enumerate(values):
                    if not bool(v["finite"]):
                        where = (
                            f"step {last_good} is kept in {ckpt.directory}"
                            if last_good is not None
                            else "none was written yet"
                        )
                        raise TrainingDiverged(
                            f"{spec.task}: method {spec.method!r} (seed {spec.seed}) diverged at "
                            f"step {first + i + 1}: loss = {float(v['loss'])} (or a non-finite "
                            f"gradient / parameter). Training stopped; the last good checkpoint "
                            f"{where}. Lower --learning-rate or check the method."
                        )
                now = time.perf_counter()
                rate = len(values) / max(now - t_log, 1e-9)
                t_log = now
                loss = float(np.mean([float(v["loss"]) for v in values]))
                if writer:
                    files.append_jsonl(
                        curve, {"step": done, "loss": loss, "steps_per_second": rate}
                    )
                bar.set_postfix(loss=f"{loss:.4g}", steps_s=f"{rate:.1f}")
            if save:
                seconds = prior_seconds + time.perf_counter() - t0
                meta = {
                    "step": done,
                    "data_position": done,
                    "train_seconds": seconds,
                    "task": spec.task,
                    "method": spec.method,
                    "seed": spec.seed,
                }
                ckpt.save(done, state, meta)
                last_good = done
            bar.update(1)
            if interrupt_at is not None and done == interrupt_at:
                raise Interrupted(f"interrupted after step {done}")
    finally:
        bar.close()
        ckpt.close()
    session = time.perf_counter() - t0
    return Fit(
        state=state,
        graphdef=graphdef,
        eval_graphdef=eval_graphdef,
        num_params=num_params,
        train_seconds=prior_seconds + session,
        steps_per_second=steps_done / session if steps_done else float("nan"),
    )


def save_params(path: Path, params: Any) -> None:
    """The trained parameters as ``.npz`` (keys are the module paths), written atomically."""
    flat = {
        "/".join(str(getattr(k, "key", getattr(k, "name", k))) for k in path_): np.asarray(v)
        for path_, v in jax.tree_util.tree_flatten_with_path(params)[0]
    }
    buf = io.BytesIO()
    np.savez(buf, **flat)
    files.write_bytes(path, buf.getvalue())


def save_artefacts(path: Path, arrays: dict[str, np.ndarray]) -> None:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    files.write_bytes(path, buf.getvalue())


# ---------------------------------------------------------------------------------------------
# Whole experiment


def _check_workdir(workdir: Path) -> None:
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=workdir, prefix=".write-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise ConfigError(f"workdir {str(workdir)!r} is not writable: {e}") from None


def plan(config: configs.Config, workdir: str | os.PathLike) -> list[tasks.RunSpec]:
    """Validates everything that can be checked before training and returns the runs.

    Raises:
      ConfigError: unknown method (with the valid names), a method that cannot do the requested
        scale or image size, a batch size that does not divide over the devices, a non-positive
        step count, no seeds, or an unwritable workdir.
    """
    if config.steps < 1:
        raise ConfigError(f"--steps must be >= 1; got {config.steps}.")
    if not config.seeds:
        raise ConfigError("--seeds must list at least one seed, e.g. --seeds 0,1,2.")
    for name in ("batch_size", "log_every", "checkpoint_every"):
        if getattr(config, name) < 1:
            raise ConfigError(
                f"--{name.replace('_', '-')} must be >= 1; got {getattr(config, name)}."
            )
    n = jax.device_count()
    if config.batch_size % n:
        raise ConfigError(
            f"--batch-size {config.batch_size} does not divide over the {n} devices; use a "
            f"multiple of {n} (e.g. {n * max(1, round(config.batch_size / n))})."
        )
    runs = tasks.sr_runs(config) if config.task == "sr" else tasks.seg_runs(config)
    _check_workdir(Path(workdir))
    return runs


def _record(spec, metrics_, baseline, fit_: Fit | None, config, steps) -> dict[str, Any]:
    return {
        "task": spec.task if spec is not None else "sr",
        "method": spec.method if spec is not None else BASELINE,
        "seed": spec.seed if spec is not None else None,
        "metrics": metrics_,
        "baseline": baseline,
        "params": fit_.num_params if fit_ else 0,
        "steps": steps,
        "train_seconds": fit_.train_seconds if fit_ else 0.0,
        "steps_per_second": fit_.steps_per_second if fit_ else None,
        "device": device_description(),
        "versions": versions(),
    }


def train_and_evaluate(
    config: configs.Config,
    workdir: str | os.PathLike,
    *,
    interrupt_at: int | None = None,
) -> list[dict[str, Any]]:
    """Runs every (method, seed) of ``config`` in ``workdir`` and writes results and the report.

    Args:
      config: an ``SRConfig`` or ``SegConfig``.
      workdir: output directory; rerunning with the same one resumes.
      interrupt_at: testing hook that simulates a kill right after that step of the first unfinished
        run (checkpoints written up to then stay, nothing else is written).

    Returns:
      The records of ``results.json``.

    Raises:
      ConfigError: invalid configuration, before anything is trained.
      TrainingDiverged: a non-finite loss; the message names the task, method, seed and step.
    """
    if config.distributed:
        jax.distributed.initialize()
    workdir = Path(workdir)
    runs = plan(config, workdir)
    writer = jax.process_index() == 0
    saved = files.read_json(workdir / "config.json")
    if saved is not None and saved != configs.to_dict(config) and writer:
        print(
            f"note: {workdir}/config.json differs from this config; it is overwritten and "
            "finished runs in results.json are kept",
            file=sys.stderr,
        )
    if writer:
        files.write_json(workdir / "config.json", configs.to_dict(config))
    mesh = make_mesh()
    results_path = workdir / RESULTS
    done = {(r["task"], r["method"], r["seed"]) for r in files.read_json(results_path, [])}

    baseline, baselines = None, {}
    if config.task == "sr":
        baseline, per = tasks.sr_bicubic(config)
        for seed in config.seeds:
            if ("sr", BASELINE, seed) not in done and writer:
                rec = _record(None, {**baseline, "per_image": per}, baseline, None, config, 0)
                rec["seed"] = seed
                rec.update({"arch": None, "scale": config.scale})
                files.append_record(results_path, rec)
        if writer:
            save_artefacts(workdir / "runs" / "sr" / "reference.npz", tasks.sr_figure_crops(config))

    for spec in runs:
        if spec.key in done:
            continue
        run_dir = workdir / "runs" / spec.dirname
        f = fit(spec, config, mesh, run_dir, interrupt_at=interrupt_at)
        predict_fn = jax.jit(lambda s, x, g=f.eval_graphdef: eval_step(g, s, x))
        repl = NamedSharding(mesh, P())

        def predict(x, f=f, predict_fn=predict_fn, repl=repl):
            return np.asarray(predict_fn(f.state, jax.device_put(jnp.asarray(x), repl)))

        scores, artefacts = spec.evaluate(predict)
        if config.task == "seg":
            base = baselines.get((spec.task, spec.info["arch"], spec.seed))
            if spec.info["down"] == config.down and spec.info["up"] == config.up:
                baselines[(spec.task, spec.info["arch"], spec.seed)] = scores
                base = scores
        else:
            base = baseline
        rec = _record(spec, scores, base, f, config, config.steps)
        rec.update(spec.info)
        if writer:
            save_params(run_dir / "params.npz", f.state["params"])
            save_artefacts(run_dir / "artefacts.npz", artefacts)
            files.append_record(results_path, rec)
        _print_run(rec)

    records = files.read_json(results_path, [])
    if writer:
        report.write_report(config, workdir, records)
        print(report.summary(config, records, workdir))
    return records


def _print_run(rec: dict[str, Any]) -> None:
    m = rec["metrics"]
    main = (
        ("psnr_y", "ssim_y") if rec["task"] == "sr" else ("miou", "pixel_acc", "shift_consistency")
    )
    shown = ", ".join(f"{k} {m[k]:.4f}" for k in main if k in m and math.isfinite(m[k]))
    tqdm.write(
        f"{rec['task']} {rec['method']} seed {rec['seed']}: {shown} ({rec['train_seconds']:.1f} s)"
    )
