"""report.md and the shared figures from results.json. The report writer writes: it trains and runs
no model. Tables give the mean, standard deviation and 95% Student-t interval over seeds
(``stats.py``); methods are compared by paired differences by seed; the task object adds its own
figures and sections."""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

import matplotlib
import numpy as np

from experiments import configs, files, stats

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first


def group(records: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """Records by ``(task, method)``, in first-seen order."""
    out: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        out[(r["task"], r["method"])].append(r)
    return out


def by_seed(rs: list[dict], metric: str) -> dict[int, float]:
    """``{seed: metrics[metric]}`` of one row's records (records without it are left out)."""
    return {r["seed"]: float(r["metrics"][metric]) for r in rs if metric in r["metrics"]}


def cell(values: list[float], digits: int = 4) -> str:
    """``mean ± sd [low, high]`` over seeds, or the value when there is one or all are equal."""
    s = stats.summarize(values)
    if s.n < 2 or s.sd == 0:
        return f"{s.mean:.{digits}f}"
    return f"{s.mean:.{digits}f} ± {s.sd:.{digits}f} [{s.low:.{digits}f}, {s.high:.{digits}f}]"


def ranked(task, name: str, records: list[dict]) -> list[tuple[str, list[dict]]]:
    """The rows of results task ``name``, best mean ``task.primary`` first."""
    rows = [(m, rs) for (t, m), rs in group(records).items() if t == name]
    return sorted(rows, key=lambda mr: -np.mean([r["metrics"][task.primary] for r in mr[1]]))


def table(task, name: str, records: list[dict]) -> list[str]:
    """The results table of results task ``name``: one row per method, statistics over seeds."""
    rows = ranked(task, name, records)
    reference = next((rs for _, rs in rows if rs[0].get("reference")), None)
    head = ["method", *task.columns]
    if reference is not None:
        head.append(f"Δ {task.primary} vs {reference[0]['method']} (paired)")
    head += ["seeds", "params", "train s (all seeds)", "compile s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for method, rs in rows:
        cells = [method]
        for c in task.columns:
            values = [r["metrics"][c] for r in rs if c in r["metrics"]]
            cells.append(cell(values) if values else "-")
        if reference is not None:
            if rs is reference:
                cells.append("-")
            else:
                d = stats.paired_differences(
                    by_seed(rs, task.primary), by_seed(reference, task.primary)
                )
                cells.append(cell(d, 3) if d else "no common seed")
        first = rs[0]
        cells += [
            str(len(rs)),
            str(first.get("params", 0)),
            f"{first['train_seconds']:.1f}" if first.get("train_seconds") else "-",
            f"{first['compile_seconds']:.1f}" if first.get("compile_seconds") else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Cells: mean ± standard deviation [95% Student-t interval] over seeds. The Δ column is "
        "the mean of the per-seed differences to the reference row, with their interval.",
    ]
    return lines


def comparisons(task, name: str, records: list[dict]) -> list[str]:
    """The best trained row against every other trained row, paired by seed."""
    rows = [(m, rs) for m, rs in ranked(task, name, records) if not rs[0].get("reference")]
    if len(rows) < 2:
        return []
    (best, best_rs), lines = rows[0], []
    lines.append(
        f"Paired comparisons of {task.primary} (best mean first; a row wins only when the 95% "
        "interval of its per-seed differences excludes 0):"
    )
    for method, rs in rows[1:]:
        diffs = stats.paired_differences(by_seed(best_rs, task.primary), by_seed(rs, task.primary))
        if not diffs:
            lines.append(f"- {best} vs {method}: no common seed.")
            continue
        d = stats.summarize(diffs)
        lines.append(f"- {best} − {method}: {d.text(4)}: **{stats.verdict(d, best, method)}**.")
    return lines


def save_fig(fig, path: Path) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    files.write_bytes(path, buf.getvalue())


def curves(workdir: Path, name: str, records: list[dict]) -> str | None:
    """Training loss against step, the mean over seeds per method with the range of the seeds
    shaded, and the validation loss dashed; a curve of one point is drawn as a marker."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    drawn = set()
    for r in records:
        if r["task"] != name or "curve" not in r or r["curve"] in drawn:
            continue
        drawn.add(r["curve"])
        rows = files.read_jsonl(workdir / r["curve"])
        if not rows:
            continue
        steps = [x["step"] for x in rows]
        loss = np.asarray([x["loss"] for x in rows], np.float64).reshape(len(rows), -1)
        style = {"marker": "o"} if len(rows) == 1 else {}
        (line,) = ax.plot(steps, loss.mean(1), label=r["method"], **style)
        if loss.shape[1] > 1:
            ax.fill_between(steps, loss.min(1), loss.max(1), color=line.get_color(), alpha=0.2)
        val = [(x["step"], np.mean(x["val_loss"])) for x in rows if "val_loss" in x]
        if val:
            ax.plot(*zip(*val, strict=True), "--", color=line.get_color(), **style)
    if not drawn:
        plt.close(fig)
        return None
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(
        f"{name}: training loss (solid; mean over seeds, range shaded) and validation loss "
        "(dashed)",
        fontsize=8,
    )
    ax.legend(fontsize=7)
    file = f"curves_{name}.png"
    save_fig(fig, workdir / file)
    return file


def write_report(task, workdir: str | Path, records: list[dict]) -> None:
    """Writes ``report.md`` and the figures into ``workdir``."""
    workdir = Path(workdir)
    config = task.config
    out = [f"# resample_jax experiments: {config.task}", ""]
    if records:
        v = records[-1]["versions"]
        out += [f"Device: {records[-1]['device']}. JAX {v['jax']}, Flax {v['flax']}.", ""]
    shown = configs.to_dict(config)
    methods = list(dict.fromkeys(r["method"] for r in records if not r.get("reference")))
    shown["methods"] = methods
    shown["seeds"] = sorted({r["seed"] for r in records if not r.get("reference")})
    out += [
        "Configuration (`config.json`; `methods` and `seeds` as found in results.json):",
        "",
        "```",
        *(f"{k} = {configs.show(v)}" for k, v in shown.items()),
        "```",
        "",
        *task.protocol(),
        "",
    ]
    for name in sorted({r["task"] for r in records}):
        out += [f"## {name}", "", *table(task, name, records), ""]
        out += ["What each row is:", ""]
        out += [f"- **{m}**: {task.describe(m, rs)}" for m, rs in ranked(task, name, records)]
        out += ["", *comparisons(task, name, records), ""]
        figs = [*task.figures(workdir, [r for r in records if r["task"] == name])]
        c = curves(workdir, name, records)
        figs += [c] if c else []
        out += [line for f in figs for line in (f"![{f}]({f})", "")]
    out += ["## Checks", "", *task.sections(workdir, records), ""]
    out += [f"Longer configuration: `{configs.LONG_RUNS[config.task]}` (measured: see README)."]
    files.write_text(workdir / "report.md", "\n".join(out) + "\n")


def summary(task, records: list[dict], workdir: str | Path) -> str:
    """A short plain-text summary for the end of a run."""
    lines = ["", f"== {task.config.task} summary ({workdir}) =="]
    for name in sorted({r["task"] for r in records}):
        lines.append(f"{name} ({task.primary}, mean over seeds [95% interval]):")
        for m, rs in ranked(task, name, records):
            s = stats.summarize([r["metrics"][task.primary] for r in rs])
            ci = f" [{s.low:.4f}, {s.high:.4f}]" if s.n > 1 and s.sd > 0 else f" ({s.n} seed(s))"
            lines.append(f"  {m:<36} {s.mean:.4f}{ci}")
    lines.append(
        f"report: {Path(workdir) / 'report.md'}; results: {Path(workdir) / 'results.json'}"
    )
    return "\n".join(lines)
