"""Training: the seeds of one (task, method) as one vectorised ensemble, and the whole experiment.

The model state of every seed (parameters, other model state, optimiser state, step, RNG key) is
stacked on a leading seed axis and one compiled step trains all seeds. Each seed is initialised
from ``nnx.Rngs(seed)`` and trains on the batches ``spec.batch(seed, step)``, so seed ``i`` of
every method sees the same data and an ensemble equals its seeds trained one by one. Each step
splits the seed's key: one half is carried to the next step, the other is the loss's noise key
(the Gumbel noise of LPS layers), so the noise too is a function of seed and step only and a
resumed run (the key is checkpointed with the state) draws what an uninterrupted one draws.

Devices: a 2-D ``Mesh`` named ``("seed", "data")`` over every device of every process. The seed axis
takes ``gcd(devices, seeds)`` devices and the rest split the batch: the stacked state is placed with
``P("seed")`` and the batches ``[seeds, batch, ...]`` with ``P("seed", "data")``. Each device runs
the single-seed ``train_step`` over its block of seeds (``on_seed_shards``): ``jax.vmap`` (Flax
NNX's split / merge ensembling pattern) on accelerators, one copy per seed on a CPU, where vmapped
convolutions run slowly (``over_seeds``); XLA inserts the gradient all-reduce over ``data``. The
command line asks XLA for one host device per core (``xla_flags_for_seeds``). With
``--distributed`` the process first calls ``jax.distributed.initialize()``; every process builds
the same global batch and only process 0 writes files.

Each ensemble checkpoints with Orbax every ``checkpoint_every`` steps and at the end; rerunning with
the same workdir skips finished runs (``results.json``) and resumes unfinished ones from their last
checkpoint, with parameters bitwise equal to an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import math
import os
import platform
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
from experiments.models import ConfigError

RESULTS = "results.json"


class TrainingDiverged(RuntimeError):
    """A non-finite loss, gradient or parameter in some seed: the ensemble stops and its last good
    checkpoint stays."""


class Interrupted(RuntimeError):
    """Training stopped before the end (Ctrl-C, or the ``interrupt_at`` testing hook).

    Attributes:
      step: the last step completed.
      checkpoint: the step of the newest checkpoint on disk (None if none was written).
    """

    def __init__(self, step: int, checkpoint: int | None):
        super().__init__(f"interrupted at step {step}; rerun the same command to resume")
        self.step, self.checkpoint = step, checkpoint


# ---------------------------------------------------------------------------------------------
# Devices


def host_device_count(num_seeds: int, cores: int) -> int:
    """How many CPU devices the runner asks XLA for: the largest divisor of ``num_seeds`` that is at
    most ``cores``, so the seed axis of ``make_mesh`` takes every device and each device (one
    core's worth of work) trains the same number of seeds; the batch is never split."""
    return max(d for d in range(1, max(min(cores, num_seeds), 1) + 1) if num_seeds % d == 0)


def available_cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


FORCE_DEVICES = "--xla_force_host_platform_device_count"


def xla_flags_for_seeds(flags: str, num_seeds: int, cores: int) -> str:
    """``XLA_FLAGS`` with the host device count of ``host_device_count`` added.

    Each device then compiles a program holding only its share of the unrolled seeds (measured,
    quick ESPCN step, 4 seeds on 2 devices: 4.1 s against 7.2 s on one) and the devices may run
    their shards concurrently. A count the user already set in ``flags`` is kept. Must be applied
    before JAX creates its CPU client.
    """
    n = host_device_count(num_seeds, cores)
    if FORCE_DEVICES in flags or n == 1:
        return flags
    return f"{flags} {FORCE_DEVICES}={n}".strip()


def make_mesh(num_seeds: int) -> Mesh:
    """A ``("seed", "data")`` mesh over every device: ``gcd(devices, num_seeds)`` along ``seed``."""
    devices = np.asarray(jax.devices())
    seed_axis = math.gcd(devices.size, num_seeds)
    return Mesh(devices.reshape(seed_axis, devices.size // seed_axis), ("seed", "data"))


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
        "flax": flax.__version__,
        "optax": optax.__version__,
        "orbax": getattr(orbax.checkpoint, "__version__", "?"),
        "numpy": np.__version__,
        "scikit-image": skimage.__version__,
        "resample_jax": resample_jax.__version__,
    }


def place(mesh: Mesh, spec: P, array: Any) -> jax.Array:
    """Places a global array (the same on every process) with ``NamedSharding(mesh, spec)``."""
    array = np.asarray(array)
    sharding = NamedSharding(mesh, spec)
    return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])


# ---------------------------------------------------------------------------------------------
# Steps (single seed; the ensemble runs them over its seed axis)


def make_optimizer(config: configs.Config) -> optax.GradientTransformation:
    warmup = min(config.warmup_steps, max(config.steps - 1, 0))
    schedule = optax.warmup_cosine_decay_schedule(
        0.0, config.learning_rate, warmup, max(config.steps, warmup + 1), end_value=0.0
    )
    # Adam on one flat vector of all parameters: per-parameter updates would be ~5 XLA fusions per
    # leaf, each compiled separately; flat, the update compiles once whatever the network's depth
    # (quick SR step build 3.9 -> 2.5 s of CPU time, and a faster step), with the same arithmetic.
    return optax.flatten(optax.adam(schedule))


def train_step(
    graphdef: nnx.GraphDef,
    tx: optax.GradientTransformation,
    loss_fn: Callable[[nnx.Module, jax.Array, jax.Array, jax.Array | None], jax.Array],
    state: dict[str, Any],
    x: jax.Array,
    y: jax.Array,
) -> tuple[dict[str, Any], dict[str, jax.Array]]:
    """One optimiser step of one seed; returns the new state and ``{loss, finite}``.

    The seed's key ``state["key"]`` is split in two, ``carried, step_key =
    jax.random.split(key)``: ``carried`` is the next step's ``state["key"]`` and ``step_key`` is
    the loss's ``key`` argument (the noise of this step: LPS's Gumbel noise). A loss that ignores
    its key computes exactly what it computed before the key was passed.

    ``finite`` is false when the loss, the gradient or the updated parameters are not finite, so the
    loop can stop before a bad state is checkpointed.
    """
    key, step_key = jax.random.split(jax.random.wrap_key_data(state["key"]))

    def objective(params):
        model = nnx.merge(graphdef, params, state["rest"])
        loss = loss_fn(model, x, y, step_key)
        return loss, nnx.state(model, nnx.Not(nnx.Param))

    (loss, rest), grads = jax.value_and_grad(objective, has_aux=True)(state["params"])
    # optax's Adam bias correction raises a float to an int32 count; allow that promotion even when
    # the caller runs with jax_numpy_dtype_promotion="strict" (as the test suite does).
    with jax.numpy_dtype_promotion("standard"):
        updates, opt = tx.update(grads, state["opt"], state["params"])
    params = optax.apply_updates(state["params"], updates)
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
    """The model of one seed in evaluation mode (running averages, no dropout) applied to ``x``."""
    return nnx.merge(graphdef, state["params"], state["rest"])(x)


# ---------------------------------------------------------------------------------------------
# One ensemble


@dataclasses.dataclass
class Ensemble:
    """The stacked state of the seeds ``spec.seeds`` and how to run one of them."""

    spec: tasks.RunSpec
    state: dict[str, Any]
    graphdef: nnx.GraphDef
    eval_graphdef: nnx.GraphDef
    num_params: int

    def seed_state(self, i: int) -> dict[str, Any]:
        """Seed ``i``'s state as host arrays (uncommitted: usable on any device)."""
        return jax.tree.map(lambda a: np.asarray(a)[i], self.state)


def init_ensemble(spec: tasks.RunSpec, tx: optax.GradientTransformation) -> Ensemble:
    """Builds every seed's model from ``nnx.Rngs(seed)`` and stacks the states on axis 0."""
    states = []
    for seed in spec.seeds:
        model = spec.build(nnx.Rngs(seed))
        graphdef, params, rest = nnx.split(model, nnx.Param, ...)
        model.eval()
        eval_graphdef = nnx.graphdef(model)
        states.append(
            {
                "params": params,
                "rest": rest,
                "opt": tx.init(params),
                "step": jnp.zeros((), jnp.int32),
                "key": jax.random.key_data(jax.random.key(seed)),
            }
        )
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *states)
    num_params = sum(int(np.prod(p.shape)) for p in jax.tree.leaves(states[0]["params"]))
    return Ensemble(spec, stacked, graphdef, eval_graphdef, num_params)


def ensemble_batch(spec: tasks.RunSpec, step: int) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of shape ``[seeds, batch, ...]``; row ``i`` is
    ``spec.batch(spec.seeds[i], step)``."""
    pairs = [spec.batch(seed, step) for seed in spec.seeds]
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def over_seeds(fn: Callable, num_seeds: int, *, unroll: bool) -> Callable:
    """``fn`` of one seed applied to every row of its (stacked) arguments.

    ``jax.vmap`` batches the seeds into each operation; a convolution whose kernel differs per seed
    then becomes a grouped convolution, which XLA's CPU backend runs several times slower than the
    plain ones (measured: 9x the CPU time of one seed for 4 seeds of the quick SR step). With
    ``unroll`` the program holds one copy of the step per seed instead (still one compiled
    program, whose compile time grows with the copies). A ``lax.map`` over the seeds compiles one
    copy but ran the quick SR step 25x slower on the CPU (measured), so it is not used.
    """
    if not unroll:
        return jax.vmap(fn)

    def each(*args):
        outs = [fn(*jax.tree.map(lambda a, i=i: a[i], args)) for i in range(num_seeds)]
        return jax.tree.map(lambda *xs: jnp.stack(xs), *outs)

    return each


def unrolls(mesh: Mesh) -> bool:
    """Seeds are unrolled on CPUs (see ``over_seeds``) and vmapped on accelerators."""
    return mesh.devices.flat[0].platform == "cpu"


def on_seed_shards(fn: Callable, mesh: Mesh, num_seeds: int, num_args: int) -> Callable:
    """``fn`` of one seed over a seed-stacked ensemble whose seed axis is sharded over ``mesh``.

    Each device of the ``seed`` axis runs ``over_seeds`` on its own block of seeds
    (``jax.shard_map``, manual over ``seed`` only): with several host devices the unrolled seeds of
    one device are not copied onto the others, and the program each device compiles holds only its
    share of the copies. The ``data`` axis stays automatic, so XLA still splits the batch and
    inserts the gradient all-reduce. Every argument and output is stacked on the seed axis.

    ``check_vma=False``: the body uses no collectives over ``seed``, so the varying-axes type
    check buys nothing here, while any custom derivative that builds its own primal type (as
    ``resample_jax.resize``'s once did, fixed and tested in ``test_resize_properties.py``) would
    fail to trace with the check on ("cotangent type does not match").
    """
    local = num_seeds // mesh.shape["seed"]
    body = over_seeds(fn, local, unroll=unrolls(mesh))
    return jax.shard_map(
        body,
        mesh=mesh,
        in_specs=(P("seed"),) * num_args,
        out_specs=P("seed"),
        axis_names=frozenset({"seed"}),
        check_vma=False,
    )


def compile_step(ens: Ensemble, tx, mesh: Mesh) -> tuple[Callable, float]:
    """The ensemble's train step compiled ahead of time for ``ens`` on ``mesh``; returns it and the
    compile time in seconds (one compile per ensemble)."""
    state_sh = NamedSharding(mesh, P("seed"))
    batch_sh = NamedSharding(mesh, P("seed", "data"))
    step = on_seed_shards(
        lambda s, x, y: train_step(ens.graphdef, tx, ens.spec.loss, s, x, y),
        mesh,
        len(ens.spec.seeds),
        3,
    )
    jitted = jax.jit(
        step,
        in_shardings=(state_sh, batch_sh, batch_sh),
        out_shardings=(state_sh, state_sh),
        donate_argnums=(0,),
    )
    x, y = ensemble_batch(ens.spec, 0)
    t0 = time.perf_counter()
    compiled = jitted.lower(
        ens.state,
        jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=batch_sh),
        jax.ShapeDtypeStruct(y.shape, y.dtype, sharding=batch_sh),
    ).compile()
    return compiled, time.perf_counter() - t0


@dataclasses.dataclass
class Fit:
    ensemble: Ensemble
    train_seconds: float
    compile_seconds: float
    steps_per_second: float


class _Log:
    """Loss curve (``metrics.jsonl``: one row per ``log_every`` steps, a loss per seed), the
    progress bar, and the finiteness check of the steps since the last flush."""

    def __init__(self, spec, path: Path, start: int, total: int, writer: bool):
        self.spec, self.path, self.writer = spec, path, writer
        self.pending: list[dict[str, jax.Array]] = []
        self.t_last = time.perf_counter()
        self.bar = tqdm(
            total=total,
            initial=start,
            desc=f"{spec.task} {spec.method} seeds {','.join(map(str, spec.seeds))}",
            unit="step",
            dynamic_ncols=True,
            leave=False,
            disable=not writer,
        )

    def flush(self, done: int, last_good: int | None, ckpt_dir: str, val: Any = None) -> None:
        values = jax.device_get(self.pending)
        self.pending = []
        first = done - len(values)
        for i, v in enumerate(values):
            finite = np.asarray(v["finite"])
            bad = [s for s, ok in zip(self.spec.seeds, finite, strict=True) if not ok]
            if bad:
                where = (
                    f"step {last_good} is kept in {ckpt_dir}" if last_good else "none was written"
                )
                raise TrainingDiverged(
                    f"{self.spec.task}: method {self.spec.method!r} diverged in seed(s) "
                    f"{', '.join(map(str, bad))} at step {first + i + 1}: loss = "
                    f"{np.asarray(v['loss']).tolist()} per seed (or a non-finite gradient / "
                    f"parameter). Training stopped; the last good checkpoint {where}. Lower "
                    "--learning-rate or check the method."
                )
        now = time.perf_counter()
        rate = len(values) / max(now - self.t_last, 1e-9)
        self.t_last = now
        loss = np.mean([np.asarray(v["loss"], np.float64) for v in values], axis=0)
        if self.writer:
            row = {"step": done, "loss": loss.tolist(), "steps_per_second": rate}
            if val is not None:
                row["val_loss"] = np.asarray(val, np.float64).tolist()
            files.append_jsonl(self.path, row)
        self.bar.set_postfix(loss=f"{float(loss.mean()):.4g}", steps_s=f"{rate:.1f}")


def _restore(ckpt: Checkpointer, ens: Ensemble, curve: Path, writer: bool) -> tuple[int, float]:
    """Loads the newest readable checkpoint into ``ens``; returns ``(step, train_seconds)``."""
    restored = ckpt.restore_latest(ens.state)
    if restored is None:
        if writer and curve.exists():
            curve.unlink()
        return 0, 0.0
    ens.state, meta = restored
    if int(meta["data_position"]) != int(meta["step"]) or meta["seeds"] != list(ens.spec.seeds):
        raise RuntimeError(f"checkpoint in {ckpt.directory} is inconsistent: {meta}")
    if writer:
        files.truncate_jsonl(curve, int(meta["step"]))
    return int(meta["step"]), float(meta["train_seconds"])


def _validation(ens: Ensemble, mesh: Mesh) -> Callable[[Any], Any]:
    """The loss of every seed's model (evaluation mode) on ``spec.validation``, or None."""
    if ens.spec.validation is None:
        return lambda state: None
    n = len(ens.spec.seeds)
    # The batch is tiled over the seed axis (a few hundred KB) so it shards like the state.
    x, y = (place(mesh, P("seed"), np.stack([a] * n)) for a in ens.spec.validation)

    def loss(state, x, y):
        model = nnx.merge(ens.eval_graphdef, state["params"], state["rest"])
        return ens.spec.loss(model, x, y, None)

    fn = jax.jit(on_seed_shards(loss, mesh, n, 3))
    return lambda state: fn(state, x, y)


def fit(
    spec: tasks.RunSpec,
    config: configs.Config,
    run_dir: Path,
    *,
    interrupt_at: int | None = None,
) -> Fit:
    """Trains the seeds of ``spec`` together, resuming from the newest checkpoint in ``run_dir``.

    Raises:
      TrainingDiverged: a non-finite loss, gradient or parameter in any seed (named).
      Interrupted: Ctrl-C, or ``interrupt_at`` reached (testing hook).
    """
    tx = make_optimizer(config)
    mesh = make_mesh(len(spec.seeds))
    ens = init_ensemble(spec, tx)
    ens.state = jax.device_put(ens.state, NamedSharding(mesh, P("seed")))
    ckpt = Checkpointer(run_dir / "checkpoints")
    writer = jax.process_index() == 0
    curve = run_dir / "metrics.jsonl"
    start, prior_seconds = _restore(ckpt, ens, curve, writer)
    step_fn, compile_seconds = compile_step(ens, tx, mesh)
    validate = _validation(ens, mesh)
    last_good = start or None
    log = _Log(spec, curve, start, config.steps, writer)
    t0, done = time.perf_counter(), start
    try:
        for step in range(start, config.steps):
            x, y = ensemble_batch(spec, step)
            ens.state, out = step_fn(
                ens.state, place(mesh, P("seed", "data"), x), place(mesh, P("seed", "data"), y)
            )
            log.pending.append(out)
            done = step + 1
            save = done % config.checkpoint_every == 0 or done == config.steps
            if save or done % config.log_every == 0:
                log.flush(done, last_good, ckpt.directory, validate(ens.state))
            if save:
                meta = {
                    "step": done,
                    "data_position": done,
                    "train_seconds": prior_seconds + time.perf_counter() - t0,
                    "task": spec.task,
                    "method": spec.method,
                    "seeds": list(spec.seeds),
                }
                ckpt.save(done, ens.state, meta)
                last_good = done
            log.bar.update(1)
            if interrupt_at is not None and done == interrupt_at:
                raise Interrupted(done, last_good)
    except KeyboardInterrupt:
        raise Interrupted(done, last_good) from None
    finally:
        log.bar.close()
        ckpt.close()
    session = time.perf_counter() - t0
    trained = config.steps - start
    return Fit(
        ensemble=ens,
        train_seconds=prior_seconds + session,
        compile_seconds=compile_seconds,
        steps_per_second=trained / session if trained else float("nan"),
    )


def flat_params(params: Any) -> dict[str, np.ndarray]:
    """The parameters as ``{module path: array}`` (keys joined with ``/``)."""
    return {
        "/".join(str(getattr(k, "key", getattr(k, "name", k))) for k in path_): np.asarray(v)
        for path_, v in jax.tree_util.tree_flatten_with_path(params)[0]
    }


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


def _check_same_config(workdir: Path, config: configs.Config) -> None:
    """Refuses a workdir whose runs were trained with other settings (selection flags such as
    ``--methods`` and ``--seeds`` may differ: they add runs)."""
    saved = files.read_json(workdir / "config.json")
    if saved is None:
        return
    now = configs.to_dict(config)
    differ = [
        k for k in now if k not in configs.SELECTION_FIELDS and k in saved and saved[k] != now[k]
    ]
    if saved.get("task") != now["task"]:
        differ = ["task"]
    elif missing := [k for k in now if k not in configs.SELECTION_FIELDS and k not in saved]:
        flags = ", ".join(f"--{k.replace('_', '-')}" for k in missing)
        raise ConfigError(
            f"workdir {str(workdir)!r} was written by an older runner that had no {flags} (now "
            f"{', '.join(configs.show(now[k]) for k in missing)}); its runs cannot be resumed or "
            "reported with this one. Use another --workdir."
        )
    if differ:
        flags = ", ".join(
            f"--{k.replace('_', '-')} {configs.show(saved[k])} (now {configs.show(now[k])})"
            for k in differ
        )
        raise ConfigError(
            f"workdir {str(workdir)!r} holds runs trained with {flags}; a report must not mix "
            "configurations. Use another --workdir, or rerun with the same flags to resume."
        )


def _check_batch(config: configs.Config, num_seeds: int) -> None:
    """The batch must split evenly over the ``data`` axis of ``make_mesh(num_seeds)``."""
    data_devices = jax.device_count() // math.gcd(jax.device_count(), num_seeds)
    if config.batch_size % data_devices:
        raise ConfigError(
            f"--batch-size {config.batch_size} does not divide over the {data_devices} devices of "
            f"the data axis ({num_seeds} seed(s) to train on {jax.device_count()} devices); use "
            f"a multiple of {data_devices}."
        )


def plan(config: configs.Config, workdir: str | os.PathLike) -> tasks.Task:
    """Validates everything that can be checked before training and returns the task.

    Raises:
      ConfigError: any invalid option (named, with its value and what is valid), a workdir holding
        runs of another configuration, or an unwritable workdir.
    """
    configs.validate(config)
    task = tasks.make(config)
    _check_batch(config, len(config.seeds))
    workdir = Path(workdir)
    _check_workdir(workdir)
    _check_same_config(workdir, config)
    return task


def train_and_evaluate(
    config: configs.Config,
    workdir: str | os.PathLike,
    *,
    interrupt_at: int | None = None,
) -> list[dict[str, Any]]:
    """Runs every (method, seeds) ensemble of ``config`` in ``workdir``; writes results and report.

    Args:
      config: an ``SRConfig`` or ``SegConfig``.
      workdir: output directory; rerunning with the same one resumes.
      interrupt_at: testing hook that simulates a kill right after that step of the first unfinished
        ensemble (checkpoints written up to then stay, nothing else is written).

    Returns:
      The records of ``results.json`` (one per method and seed).

    Raises:
      ConfigError: invalid configuration, before anything is trained.
      TrainingDiverged: a non-finite loss; the message names the task, method, seed and step.
      Interrupted: Ctrl-C (or ``interrupt_at``); rerunning resumes.
    """
    if config.distributed:
        jax.distributed.initialize()
    workdir = Path(workdir)
    task = plan(config, workdir)
    writer = jax.process_index() == 0
    results_path = workdir / RESULTS
    if writer:
        files.write_json(workdir / "config.json", configs.to_dict(config))
    done = {(r["task"], r["method"], r["seed"]) for r in files.read_json(results_path, [])}
    common = {"device": device_description(), "versions": versions(), "steps": config.steps}

    # On resume an ensemble trains only its seeds still to do, on a mesh of its own: check each
    # one's batch split before anything is trained.
    runs = [
        dataclasses.replace(spec, seeds=todo)
        for spec in task.runs()
        if (todo := tuple(s for s in spec.seeds if (spec.task, spec.method, s) not in done))
    ]
    for spec in runs:
        _check_batch(config, len(spec.seeds))

    if writer:
        for rec in task.reference_records(done):
            no_training = {"train_seconds": 0.0, "steps_per_second": None}
            files.append_record(results_path, {**common, **no_training, **rec})
        task.write_references(workdir)

    for spec in runs:
        run_dir = workdir / spec.dirname
        ens_dir = run_dir / ("seeds-" + "-".join(map(str, spec.seeds)))
        f = fit(spec, config, ens_dir, interrupt_at=interrupt_at)
        ens = f.ensemble
        predict_fn = jax.jit(lambda s, x, g=ens.eval_graphdef: eval_step(g, s, x))
        for i, seed in enumerate(spec.seeds):
            state_i = ens.seed_state(i)

            def predict(x, state_i=state_i, predict_fn=predict_fn):
                return np.asarray(predict_fn(state_i, jnp.asarray(x)))

            scores, artefacts = spec.evaluate(predict)
            rec = {
                **common,
                "task": spec.task,
                "method": spec.method,
                "seed": seed,
                "metrics": scores,
                "params": ens.num_params,
                "ensemble_seeds": list(spec.seeds),
                "train_seconds": f.train_seconds,
                "compile_seconds": f.compile_seconds,
                "steps_per_second": f.steps_per_second,
                "curve": str((ens_dir / "metrics.jsonl").relative_to(workdir)),
                "curve_column": i,
                **spec.info,
            }
            rec["baseline"] = task.baseline_for(rec, files.read_json(results_path, []))
            if writer:
                seed_dir = run_dir / f"seed{seed}"
                files.write_npz(seed_dir / "params.npz", flat_params(state_i["params"]))
                files.write_npz(seed_dir / "artefacts.npz", artefacts, compress=True)
                files.append_record(results_path, rec)
            tqdm.write(task.run_line(rec))

    records = files.read_json(results_path, [])
    if writer:
        report.write_report(task, workdir, records)
        print(report.summary(task, records, workdir))
    return records
