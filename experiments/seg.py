"""The segmentation task: U-Net / FCN / SegNet with a chosen down- and upsampler on procedural
shapes and horse silhouettes; mIoU, pixel accuracy, shift consistency and circular-shift
equivariance on held-out images; and four claims judged by paired intervals over seeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax
from flax import nnx
from matplotlib.patches import Patch

from experiments import data, files, metrics, models, report, stats, tasks
from experiments.configs import SegConfig
from resample_jax import methods as method_table

BACKGROUND = "all background (no network)"
FIGURE_IMAGES = 4
# Seed of the validation batch: no training seed (those are small) and not the evaluation stream.
VALIDATION_STREAM = 2**31 - 2
CHECKERBOARD = "checkerboard_at_init.json"
CIRCULAR_AT_INIT = "circular_shift_at_init.json"
# Seed of the circular shifts of the equivariance check (one shift per held-out image).
CIRCULAR_STREAM = 2**31 - 3
# Largest |logit difference| that still counts as exact: float32 convolutions need not round a
# shifted input exactly as the unshifted one, so an exact identity may show a few ulps.
EXACT_TOL = 1e-4
CLASSES = {"shapes": data.SHAPE_CLASSES, "horse": data.HORSE_CLASSES}
ARCHS = {
    "unet": "U-Net (3 levels, widths 8/16/32, skip connections at every level)",
    "fcn32s": "FCN-32s (one x32 upsampling of the stride-32 map, no skips)",
    "fcn16s": "FCN-16s (skip from stride 16)",
    "fcn8s": "FCN-8s (skips from strides 16 and 8)",
    "segnet": "SegNet (max pooling with indices, max unpooling)",
}


def cross_entropy(model: nnx.Module, x, y, key):
    """Mean cross-entropy of the logits ``model(x, rngs=key)``: in training the net's noisy
    stages (LPS) draw Gumbel noise from ``key`` (``resample_jax.models.UNet``); ``key`` None
    (the validation loss) draws none."""
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(model(x, rngs=key), y))


def _crops(images: np.ndarray, offsets: np.ndarray, size: int) -> np.ndarray:
    return np.stack(
        [im[a : a + size, b : b + size] for im, (a, b) in zip(images, offsets, strict=True)]
    )


def _roll(images: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Each ``[H, W, C]`` image circularly shifted by its own ``(dy, dx)``."""
    return np.stack([np.roll(im, tuple(s), axis=(0, 1)) for im, s in zip(images, shifts,
                                                                          strict=True)])


class _Evaluator:
    """Held-out scores of one dataset: mIoU and pixel accuracy on the crops at the origin, shift
    consistency between the crops at two random offsets of the same image, and circular-shift
    equivariance: the prediction on a circularly shifted crop against the shifted prediction."""

    def __init__(self, dataset: str, config: SegConfig):
        ev = data.seg_eval(dataset, config.num_eval, config.image_size, config.max_shift)
        size, self.num_classes = config.image_size, data.NUM_CLASSES[dataset]
        origin = np.zeros((len(ev.images), 2), int)
        self.x0, self.y0 = _crops(ev.images, origin, size), _crops(ev.labels, origin, size)
        self.xa = _crops(ev.images, ev.offsets[:, 0], size)
        self.xb = _crops(ev.images, ev.offsets[:, 1], size)
        self.offsets = ev.offsets
        # One shift per image, uniform over every non-zero integer shift of the crop: APS claims
        # equivariance for all of them, while shifts by multiples of the net's total stride would
        # be matched by plain strided sampling as well.
        flat = np.random.default_rng(CIRCULAR_STREAM).integers(1, size * size, len(self.x0))
        self.circular_shifts = np.stack(np.unravel_index(flat, (size, size)), axis=-1)
        self.x_rolled = _roll(self.x0, self.circular_shifts)

    def circular(self, predict: tasks.Predict, logits0: np.ndarray | None = None) -> dict:
        """``circular_equal``: the fraction of pixels whose label on the shifted crop equals the
        shifted label; ``circular_logit_diff``: the largest |logit difference| there."""
        logits0 = predict(self.x0) if logits0 is None else logits0
        shifted, moved = predict(self.x_rolled), _roll(logits0, self.circular_shifts)
        return {
            "circular_equal": float(np.mean(shifted.argmax(-1) == moved.argmax(-1))),
            "circular_logit_diff": float(np.abs(shifted - moved).max()),
        }

    def scores(self, p0: np.ndarray, pa: np.ndarray, pb: np.ndarray) -> dict[str, float]:
        conf = metrics.confusion_matrix(p0, self.y0, self.num_classes)
        s = metrics.segmentation_scores(conf)
        s["shift_consistency"] = metrics.shift_consistency(pa, pb, self.offsets)
        return s

    def __call__(self, predict: tasks.Predict) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        logits0 = predict(self.x0)
        p0, pa, pb = (np.argmax(v, axis=-1) for v in (logits0, predict(self.xa), predict(self.xb)))
        k = FIGURE_IMAGES
        return {**self.scores(p0, pa, pb), **self.circular(predict, logits0)}, {
            "images": self.x0[:k],
            "labels": self.y0[:k],
            "pred": p0[:k].astype(np.int32),
        }


def checkerboard_at_init(seeds: int = 5, size: int = 16, channels: int = 8) -> dict[str, list]:
    """Checkerboard score (``metrics.checkerboard_score``) of freshly initialised x2 upsamplers,
    one value per initialisation seed, on a constant input (a random value per channel).

    ``conv_transpose`` is built with a 3x3 window and stride 2 (uneven overlap, Odena et al. 2016);
    ``pixel_shuffle`` with its default ICNR initialisation (Aitken et al. 2017); ``resize_conv`` and
    ``nearest`` for reference. 2 pixels of border are ignored.
    """
    from resample_jax import methods

    out: dict[str, list] = {}
    for name, kw in (
        ("pixel_shuffle", {}),
        ("conv_transpose", {"kernel_size": 3}),
        ("resize_conv", {}),
        ("nearest", {}),
    ):
        out[name] = []
        for seed in range(seeds):
            up = methods.make_upsampler(name, channels, channels, 2, rngs=nnx.Rngs(seed), **kw)
            value = np.random.default_rng(seed).normal(size=channels)
            x = np.broadcast_to(value, (size, size, channels))
            y = np.asarray(up(jnp.asarray(x, jnp.float32)))
            out[name].append(metrics.checkerboard_score(y, 2, margin=2))
    return out


class SegTask(tasks.Task):
    primary = "miou"
    columns = ("miou", "pixel_acc", "shift_consistency")

    def __init__(self, config: SegConfig):
        super().__init__(config)
        self.combos = models.resolve_seg_methods(config)

    @staticmethod
    def choices() -> dict[str, list[str]]:
        downs = method_table.downsampler_names()
        ups = method_table.upsampler_names(include_paired=True)
        return {
            "methods": [*(f"down:{n}" for n in downs), *(f"up:{n}" for n in ups), "DOWN+UP",
                        "all", "default"],
            "archs": list(models.SEG_ARCHS),
            "datasets": list(data.GENERATORS),
            "down": downs,
            "up": ups,
            "padding": list(models.rmodels.PADDINGS),
        }

    def runs(self) -> list[tasks.RunSpec]:
        c, out = self.config, []
        for ds in c.datasets:
            k, evaluate = data.NUM_CLASSES[ds], _Evaluator(ds, c)
            for arch, label, down, up in self.combos:
                method = f"{arch}:{label}"
                out.append(
                    tasks.RunSpec(
                        task=f"seg-{ds}",
                        method=method,
                        seeds=tuple(c.seeds),
                        info={"arch": arch, "down": down, "up": up, "dataset": ds},
                        build=lambda rngs, a=arch, d=down, u=up, k=k: models.build_seg(
                            a, k, d, u, rngs, c.padding
                        ),
                        batch=lambda seed, step, ds=ds: data.seg_batch(
                            ds, seed, step, c.batch_size, c.image_size, c.max_shift
                        ),
                        loss=cross_entropy,
                        evaluate=evaluate,
                        dirname=f"{ds}/{tasks.slug(method)}",
                        validation=data.seg_batch(
                            ds, VALIDATION_STREAM, 0, 32, c.image_size, c.max_shift
                        ),
                    )
                )
        return out

    def reference_records(self, done) -> list[dict[str, Any]]:
        out = []
        for ds in self.config.datasets:
            ev = _Evaluator(ds, self.config)
            zeros = np.zeros_like(ev.y0)
            scores = ev.scores(zeros, zeros, zeros)
            for seed in self.config.seeds:
                if (f"seg-{ds}", BACKGROUND, seed) not in done:
                    out.append(
                        {
                            "task": f"seg-{ds}",
                            "method": BACKGROUND,
                            "seed": seed,
                            "reference": True,
                            "metrics": scores,
                            "baseline": scores,
                            "params": 0,
                            "dataset": ds,
                        }
                    )
        return out

    def write_references(self, workdir: Path) -> None:
        """The checkerboard-at-initialisation measurement (runs the upsamplers once), and the
        circular-shift check of every U-Net seed at initialisation (``nnx.Rngs(seed)``, as
        training starts; evaluation mode), for the seeds not yet in the file."""
        if not (workdir / CHECKERBOARD).exists():
            files.write_json(workdir / CHECKERBOARD, checkerboard_at_init())
        path = workdir / CIRCULAR_AT_INIT
        saved = files.read_json(path, {})
        forward = nnx.jit(lambda m, x: m(x))
        for spec in self.runs():
            todo = [s for s in spec.seeds if circular_key(spec.task, spec.method, s) not in saved]
            if spec.info["arch"] != "unet" or not todo:
                continue
            for seed in todo:
                model = spec.build(nnx.Rngs(seed))
                model.eval()
                key = circular_key(spec.task, spec.method, seed)
                saved[key] = spec.evaluate.circular(lambda x, m=model: np.asarray(forward(m, x)))
            files.write_json(path, saved)

    def baseline_for(self, record, records) -> dict[str, float] | None:
        c = self.config
        if (record["down"], record["up"]) == (c.down, c.up):
            return {k: record["metrics"][k] for k in self.columns}
        want = (record["task"], record["arch"], record["seed"], c.down, c.up)
        for r in records:
            if (r["task"], r.get("arch"), r["seed"], r.get("down"), r.get("up")) == want:
                return {k: r["metrics"][k] for k in self.columns}
        return None

    def describe(self, method: str, records: list[dict]) -> str:
        r = records[0]
        if r.get("reference"):
            return (
                "predicts background at every pixel: the level of a net that learnt nothing "
                "(a constant map is trivially shift consistent)."
            )
        return f"{ARCHS[r['arch']]}, downsampling `{r['down']}`, upsampling `{r['up']}`."

    def protocol(self) -> list[str]:
        c = self.config
        return [
            f"Protocol: {c.num_eval} held-out images per dataset (a generator stream no training "
            f"seed uses), {c.image_size}-pixel crops. mIoU over the classes present and pixel "
            "accuracy on the crop at the origin. Shift consistency (Zhang 2019, sec. 4): two "
            f"crops of the same image at independent random offsets in [0, {c.max_shift}] per "
            "axis; the fraction of the pixels they share that get the same label. Offsets up to "
            f"{c.max_shift} px cover every phase of the U-Net's stride-8 grid, where max pooling "
            "aliases. Seed i of every method trains on the same data stream, so differences are "
            "paired by seed."
            + (
                " LPS layers train with Gumbel-softmax (noise from each step's key, a function "
                "of seed and step) and are scored with their argmax."
                if any(down == "lps" for _, _, down, _ in self.combos)
                else ""
            )
        ]

    def figures(self, workdir: Path, records: list[dict]) -> list[str]:
        task = records[0]["task"] if records else None
        runs, seen = [], set()
        for r in records:
            if not r.get("reference") and r["method"] not in seen:
                seen.add(r["method"])
                art = workdir / r["dataset"] / tasks.slug(r["method"]) / f"seed{r['seed']}"
                if (art / "artefacts.npz").exists():
                    runs.append((r, art / "artefacts.npz"))
        if not runs:
            return _consistency_figure(workdir, records)
        first = np.load(runs[0][1])
        classes = CLASSES[runs[0][0]["dataset"]]
        n, rows = first["images"].shape[0], 2 + len(runs)
        fig, axes = plt.subplots(rows, n, figsize=(1.6 * n, 1.6 * rows), squeeze=False)
        vmax = len(classes) - 1
        cmap = plt.get_cmap("tab10")
        show = {"vmin": 0, "vmax": 9, "cmap": "tab10", "interpolation": "nearest"}
        for j in range(n):
            axes[0, j].imshow(np.clip(first["images"][j], 0, 1))
            axes[1, j].imshow(first["labels"][j], **show)
            for i, (_, p) in enumerate(runs):
                axes[2 + i, j].imshow(np.load(p)["pred"][j], **show)
        titles = ["input", "ground truth", *[f"{r['method']} (seed {r['seed']})" for r, _ in runs]]
        for i, title in enumerate(titles):
            axes[i, 0].set_ylabel(title, fontsize=7, rotation=0, ha="right", va="center")
        for ax in axes.flat:
            ax.set_xticks([])
            ax.set_yticks([])
        handles = [Patch(color=cmap(k), label=classes[k]) for k in range(vmax + 1)]
        fig.legend(handles=handles, loc="upper center", ncol=len(handles), fontsize=7)
        file = f"masks_{task}.png"
        report.save_fig(fig, workdir / file)
        return [file, *_consistency_figure(workdir, records)]

    def sections(self, workdir: Path, records: list[dict]) -> list[str]:
        return _claims(workdir, records, self.config)


def circular_key(task: str, method: str, seed: int) -> str:
    """The key of one run's seed in ``circular_shift_at_init.json``."""
    return f"{task}|{method}|{seed}"


def _rows(records: list[dict]) -> dict[tuple, list[dict]]:
    out: dict[tuple, list[dict]] = {}
    for r in records:
        if r["task"].startswith("seg-") and not r.get("reference"):
            out.setdefault((r["task"], r["arch"], r["down"], r["up"]), []).append(r)
    return out


def _learnt(rs: list[dict], floor: dict[int, float]) -> stats.Summary | None:
    d = stats.paired_differences(report.by_seed(rs, "miou"), floor)
    return stats.summarize(d) if d else None


def _claims(workdir: Path, records: list[dict], config: SegConfig) -> list[str]:
    by, floors = _rows(records), {}
    for r in records:
        if r.get("reference"):
            floors.setdefault(r["task"], {})[r["seed"]] = r["metrics"]["miou"]
    d, u = config.down, config.up
    lines = [
        "Claims are judged on paired differences by seed: **reproduced** when the 95% interval "
        "lies above 0, **refuted** when below, otherwise **no effect within ±X** (X the "
        "interval's largest distance from 0). A net counts as having learnt when its mIoU "
        "minus the all-background mIoU has an interval above 0.",
        "",
        f"**1. Skip connections beat a single coarse upsampling** (mIoU; down={d}, up={u}; "
        "FCN-32s is the single x32 upsampling):",
    ]
    for task in sorted({k[0] for k in by}):
        coarse = by.get((task, "fcn32s", d, u))
        skips = {a: by[k] for a in ("unet", "fcn16s", "fcn8s") if (k := (task, a, d, u)) in by}
        if (task, "segnet", "max_pool", "max_unpool") in by:
            skips["segnet"] = by[(task, "segnet", "max_pool", "max_unpool")]
        if coarse is None or not skips:
            lines.append(f"- {task}: not measured (needs fcn32s and a skip network in --archs).")
            continue
        best = max(skips, key=lambda a: np.mean([r["metrics"]["miou"] for r in skips[a]]))
        diff = stats.paired_differences(
            report.by_seed(skips[best], "miou"), report.by_seed(coarse, "miou")
        )
        s = stats.summarize(diff)
        coarse_learnt = _learnt(coarse, floors.get(task, {}))
        note = ""
        if coarse_learnt is None or not coarse_learnt.excludes_zero() or coarse_learnt.mean < 0:
            note = (
                f" Caveat: fcn32s has not learnt (mIoU − all-background "
                f"{coarse_learnt.text(4) if coarse_learnt else 'n/a'}): at --image-size "
                f"{config.image_size} its stride-32 map is {max(config.image_size // 32, 1)} "
                "pixel(s) wide, so the claim is trivial here; run at 64 px (see README)."
            )
        lines.append(f"- {task}: {best} − fcn32s {s.text(4)}: **{stats.claim(s)}**.{note}")

    lines += [
        "",
        "**2. ICNR removes the checkerboard at initialisation; transposed conv (3x3, stride 2) "
        "has one** (checkerboard score = RMS spread of the 4 phase means / RMS output, constant "
        "input, per initialisation seed):",
    ]
    cb = files.read_json(workdir / CHECKERBOARD)
    if cb is None:
        lines.append("- not measured.")
    else:
        for name, v in cb.items():
            lines.append(f"- {name}: mean {np.mean(v):.2e}, max {np.max(v):.2e} ({len(v)} seeds)")
        s = stats.summarize(np.subtract(cb["conv_transpose"], cb["pixel_shuffle"]).tolist())
        icnr = float(np.max(cb["pixel_shuffle"]))
        lines.append(
            f"- conv_transpose − pixel_shuffle (ICNR): {s.text(4)}: **{stats.claim(s)}**; "
            f"ICNR's largest score {icnr:.1e} "
            f"({'zero to float rounding' if icnr < 1e-5 else 'NOT zero'})."
        )

    lines += [
        "",
        "**3. Blur pooling improves shift consistency over max pooling** (Zhang 2019; the "
        "protocol above):",
    ]
    pairs = _blur_pairs(by)
    for (task, arch, down, _), rs, base in pairs:
        cons = tuple(report.by_seed(r, "shift_consistency") for r in (rs, base))
        mious = tuple(report.by_seed(r, "miou") for r in (rs, base))
        s = stats.summarize(stats.paired_differences(*cons))
        miou = stats.summarize(stats.paired_differences(*mious))
        floor = floors.get(task, {})
        ok = all(
            (x := _learnt(r, floor)) is not None and x.excludes_zero() and x.mean > 0
            for r in (rs, base)
        )
        verdict = stats.claim(s) if ok else "not meaningful: a net has not learnt"
        lines.append(
            f"- {task} {arch}: {down} − max_pool {s.text(4)} (mIoU {miou.text(4)}): **{verdict}**."
        )
        adj = _at_equal_miou(cons, mious)
        adjusted = stats.claim(adj) if ok else "not meaningful: a net has not learnt"
        lines.append(f"  - at equal mIoU: {adj.text(4)}: **{adjusted}**.")
    if pairs:
        lines += [
            "",
            "A net that learnt less predicts coarser maps, and coarse maps agree more under "
            "shifts (all background agrees everywhere), so a consistency gain can come from "
            "learning less. *At equal mIoU* removes that: the seeds' paired consistency "
            "differences are regressed on their paired mIoU differences (least squares, one "
            "point per seed) and the line is read at a mIoU difference of 0, with its Student-t "
            "interval on n − 2 degrees of freedom (an analysis of covariance on the paired "
            "design; it assumes the dependence is linear over the seeds' range). The figure "
            "`consistency_vs_miou_*.png` shows the seeds.",
        ]
    else:
        lines.append("- not measured (needs max_pool and max_blur_pool or blur_pool in --methods).")
    return lines + _circular_claim(workdir, by, config)


def _blur_pairs(by: dict[tuple, list[dict]]) -> list[tuple[tuple, list[dict], list[dict]]]:
    """Claim 3's comparisons: ``(key, blur-pool row, max-pool row)`` for every blur-pool row whose
    (task, arch, up) also ran with max pooling."""
    out = []
    for (task, arch, down, up), rs in sorted(by.items()):
        base = by.get((task, arch, "max_pool", up))
        if down in ("max_blur_pool", "blur_pool") and base is not None:
            out.append(((task, arch, down, up), rs, base))
    return out


def _at_equal_miou(cons: tuple[dict, dict], miou: tuple[dict, dict]) -> stats.Adjusted:
    """Claim 3's shift-consistency difference of a row over its base at an equal mIoU, from both
    rows' ``{seed: score}``: the paired differences by seed (seeds with both scores in both
    rows), regressed on each other."""
    seeds = sorted(set(cons[0]) & set(cons[1]) & set(miou[0]) & set(miou[1]))
    return stats.adjusted_difference(
        [cons[0][k] - cons[1][k] for k in seeds], [miou[0][k] - miou[1][k] for k in seeds]
    )


def _consistency_figure(workdir: Path, records: list[dict]) -> list[str]:
    """Per task, shift consistency against mIoU, one point per seed and method, for claim 3's
    rows (max pooling and the blur-pool rows of the same arch), seeds joined across methods."""
    pairs, files_ = _blur_pairs(_rows(records)), []
    for task in sorted({key[0] for key, _, _ in pairs}):
        fig, ax = plt.subplots(figsize=(4.5, 3.5))
        mine = [(key, rs, base) for key, rs, base in pairs if key[0] == task]
        for i, ((_, arch, down, _), rs, base) in enumerate(mine):
            points = []
            for j, (name, row) in enumerate(((f"{arch} max_pool", base), (f"{arch} {down}", rs))):
                m, q = report.by_seed(row, "miou"), report.by_seed(row, "shift_consistency")
                pts = {k: (m[k], q[k]) for k in sorted(set(m) & set(q))}
                ax.scatter([p[0] for p in pts.values()], [p[1] for p in pts.values()],
                           color=plt.get_cmap("tab10")(2 * i + j), label=name)
                points.append(pts)
            for k in sorted(set(points[0]) & set(points[1])):
                ax.plot(*zip(points[0][k], points[1][k], strict=True), color="0.7", lw=0.8,
                        zorder=0)
        ax.set_xlabel("mIoU (held out)")
        ax.set_ylabel("shift consistency")
        ax.set_title(f"{task}: one point per seed, seeds joined", fontsize=9)
        ax.legend(fontsize=7)
        file = f"consistency_vs_miou_{task}.png"
        report.save_fig(fig, workdir / file)
        files_.append(file)
    return files_


def _circular_claim(workdir: Path, by: dict[tuple, list[dict]], config: SegConfig) -> list[str]:
    """Claim 4: APS / LPS U-Nets (with their paired upsamplers) are exactly circular-shift
    equivariant, a max-pool U-Net is not; on every seed, at initialisation and after training."""
    lines = [
        "",
        "**4. An APS (and LPS) U-Net is exactly consistent under circular shifts, a max-pool "
        "U-Net is not** (Chaman & Dokmanic 2021; Rojas-Gomez et al. 2022). Each held-out crop is "
        "shifted circularly by its own random shift, uniform over every non-zero integer shift "
        f"of the {config.image_size}-pixel crop (not only multiples of the total stride 4, which "
        "plain strided sampling would also follow); the net's prediction on the shifted crop is "
        "compared with the shifted prediction: the fraction of pixels with equal labels and the "
        "largest |logit difference|. Exact means every pixel of every seed equal and "
        f"|Δlogit| ≤ {EXACT_TOL:g} (float32 rounding). Evaluation mode (LPS takes its argmax). "
        f"U-Net convolutions padded with `{config.padding}`"
        + ("." if config.padding == "circular" else
           ": zero padding breaks the identity at the borders, so the claim is only tested "
           "with --padding circular."),
    ]
    init = files.read_json(workdir / CIRCULAR_AT_INIT, {})
    measured = False
    for (task, arch, down, up), rs in sorted(by.items()):
        if arch != "unet" or down not in ("aps", "lps", "max_pool"):
            continue
        measured = True
        method = rs[0]["method"]
        paired = method_table.get_method(up, "up").pair is not None
        for when, values in (
            ("at init", [init.get(circular_key(task, method, r["seed"])) for r in rs]),
            ("trained", [r["metrics"] for r in rs]),
        ):
            vals = [v for v in values if v and "circular_equal" in v]
            if not vals:
                lines.append(f"- {task} {method} {when}: not measured.")
                continue
            equal = [v["circular_equal"] for v in vals]
            diffs = [v["circular_logit_diff"] for v in vals]
            exact = sum(e == 1.0 and d <= EXACT_TOL for e, d in zip(equal, diffs, strict=True))
            shown = (f"equal labels min {min(equal):.4f} / mean {np.mean(equal):.4f}, per-seed "
                     f"largest |Δlogit| from {min(diffs):.2e} to {max(diffs):.2e}; exact on "
                     f"{exact} of {len(vals)} seeds")
            if down in ("aps", "lps") and paired:  # claim: exact on every seed
                if exact == len(vals):
                    verdict = "reproduced (exact on every seed)"
                elif config.padding != "circular":
                    verdict = "not exact, as expected with zero padding"
                else:
                    verdict = "refuted"
            else:  # claim: not exact on any seed; the label disagreement says how far from it
                s = stats.summarize([1.0 - e for e in equal])
                verdict = ("reproduced (exact on no seed)" if exact == 0 else "refuted") + (
                    f"; label disagreement {s.text(4)}, claimed > 0: {stats.claim(s)}")
            lines.append(f"- {task} {method} {when}: {shown}: **{verdict}**.")
    if not measured:
        lines.append(
            "- not measured (needs U-Net runs of aps_upsample or lpu and of max_pool in "
            "--methods, with --padding circular)."
        )
    return lines
