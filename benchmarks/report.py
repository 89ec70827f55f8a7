"""Output of the suite: terminal table, ``results.json``, a markdown file to paste, a PNG chart."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from benchmarks import targets as targets_mod
from benchmarks.cases import OURS


def num(x: float) -> str:
    """Three significant digits, without exponents for large values (1234 not 1.23e+03)."""
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else num(seconds * 1e3)


def _ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}"


def _contender(record: dict, role: str = OURS, name: str | None = None) -> dict | None:
    for c in record["contenders"]:
        if c["role"] == role and (name is None or c["name"] == name):
            return c
    return None


def _compile(c: dict) -> str:
    """Wall seconds of the compile, with its process CPU seconds when recorded."""
    if c.get("compile_s") is None:
        return "-"
    cpu = c.get("compile_cpu_s")
    return f"{c['compile_s']:.2f}" + ("" if cpu is None else f" ({cpu:.2f})")


def _check_summary(record: dict) -> str:
    checks = [(c["name"], c.get("check")) for c in record["contenders"] if c.get("check")]
    bad = [name for name, chk in checks if chk["ok"] is False]
    if bad:
        return "MISMATCH " + ",".join(bad)
    return "ok" if any(chk["ok"] for _, chk in checks) else "-"


SUMMARY_HEADERS = (
    "op",
    "mode",
    "shape in -> out",
    "ours ms (min/med)",
    "compile s (CPU s)",
    "fastest peer",
    "peer ms",
    "x peer",
    "floor ms",
    "x floor",
    "GB/s",
    "check",
)


def summary_rows(records: list[dict], peak_known: bool) -> list[list[str]]:
    rows = []
    for r in records:
        shape = "-"
        if r.get("input_shapes"):
            dims = lambda s: "x".join(map(str, s))
            shape = f"{dims(r['input_shapes'][0])} -> {dims(r['output_shape'])}"
        ours = _contender(r)
        if r["skipped"] or ours is None or ours["median_s"] is None:
            why = r["skipped"] or (ours or {}).get("error") or "not timed"
            rows.append([r["label"], r["mode"], shape, f"skipped: {why}"] + [""] * 8)
            continue
        peer = _contender(r, "peer", r["fastest_peer"]) if r["fastest_peer"] else None
        floor = _contender(r, "floor")
        bw = num(ours["bandwidth_GBps"])
        if peak_known and r["bandwidth_bound"] and ours.get("fraction_of_peak") is not None:
            bw += f" ({ours['fraction_of_peak']:.0%})"
        rows.append(
            [
                r["label"],
                r["mode"],
                shape,
                f"{_ms(ours['min_s'])} / {_ms(ours['median_s'])}",
                _compile(ours),
                r["fastest_peer"] or "-",
                _ms(peer["median_s"]) if peer else "-",
                _ratio(r["vs_fastest_peer"]),
                _ms(floor["median_s"]) if floor else "-",
                _ratio(r["vs_floor"]),
                bw,
                _check_summary(r),
            ]
        )
    return rows


DETAIL_HEADERS = ("case", "contender", "role", "min ms", "median ms", "n", "compile s", "check")


def detail_rows(records: list[dict]) -> list[list[str]]:
    rows = []
    for r in records:
        for c in r["contenders"]:
            chk = c.get("check")
            if c.get("error"):
                check = c["error"]
            elif chk is None:
                check = "-"
            elif chk["ok"] is None:
                check = f"not compared: {chk['note']}"
            else:
                check = ("ok" if chk["ok"] else "MISMATCH") + f" (rel err {chk['max_rel_err']:.1e})"
            rows.append(
                [
                    r["key"],
                    c["name"],
                    c["role"],
                    _ms(c["min_s"]),
                    _ms(c["median_s"]),
                    str(c["samples"]),
                    "-" if c["compile_s"] is None else f"{c['compile_s']:.2f}",
                    check,
                ]
            )
    return rows


TARGET_HEADERS = ("case", "target", "measured", "limit", "result")


def target_rows(verdicts: list[dict]) -> list[list[str]]:
    return [
        [
            v["case"],
            v["target"],
            targets_mod.format_value(v) if v["value"] is not None else v["note"],
            f"{v['limit']:.3g}" + (" s" if v["unit"] == "s" else ""),
            v["status"],
        ]
        for v in verdicts
    ]


TRAIN_HEADERS = (
    "train step",
    "batch shape",
    "build s (CPU s)",
    "ours step ms (min/med)",
    "ours 50 steps s",
    "torch eager step ms",
    "x torch",
)


def train_rows(records: list[dict]) -> list[list[str]]:
    rows = []
    for r in records:
        j, t = r["jax"], r.get("torch")
        rows.append(
            [
                r["label"],
                r["shape"],
                f"{r['build_s']:.2f} ({r['build_cpu_s']:.2f})",
                f"{_ms(j['min_s'])} / {_ms(j['median_s'])}",
                f"{j['total_s']:.2f}",
                _ms(t["median_s"]) if t else r.get("torch_error", "-"),
                _ratio(r.get("step_vs_torch")),
            ]
        )
    return rows


def text_table(headers: Sequence[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    line = lambda cells: "  ".join(
        str(c).ljust(w) for c, w in zip(cells, widths, strict=True)
    ).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def markdown_table(headers: Sequence[str], rows: list[list[str]]) -> str:
    esc = lambda s: str(s).replace("|", "\\|")
    out = ["| " + " | ".join(map(esc, headers)) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(map(esc, row)) + " |" for row in rows]
    return "\n".join(out)


def _groups(records: list[dict]) -> dict[tuple[str, str], list[dict]]:
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in records:
        groups.setdefault((r["size"], r["dtype"]), []).append(r)
    return groups


def _machine_line(machine: dict) -> str:
    parts = [
        f"JAX {machine['jax']} on {machine['backend']} ({machine['device_kind']})",
        f"XLA CPU threads {machine['threads']['xla_cpu_threads']}",
    ]
    if machine.get("torch"):
        parts.append(f"torch {machine['torch']} with {machine['threads']['torch_threads']} threads")
    if machine.get("peak_bandwidth_bytes_per_s"):
        parts.append(f"peak bandwidth {machine['peak_bandwidth_bytes_per_s'] / 1e9:.0f} GB/s")
    return "; ".join(parts)


def terminal(result: dict, *, verbose: bool = False) -> str:
    """The text printed at the end of a run."""
    peak = bool(result["machine"].get("peak_bandwidth_bytes_per_s"))
    out = [_machine_line(result["machine"])]
    for (size, dtype), recs in _groups(result["records"]).items():
        table = text_table(SUMMARY_HEADERS, summary_rows(recs, peak))
        out += ["", f"== {size} / {dtype} ==", table]
        if verbose:
            out += ["", text_table(DETAIL_HEADERS, detail_rows(recs))]
    if result.get("train_steps"):
        out += [
            "",
            "== train steps ==",
            text_table(TRAIN_HEADERS, train_rows(result["train_steps"])),
        ]
    verdicts = result["targets"]
    if verdicts:
        counts = {s: sum(v["status"] == s for v in verdicts) for s in ("PASS", "FAIL", "n/a")}
        out += [
            "",
            "== targets: " + ", ".join(f"{n} {s}" for s, n in counts.items()) + " ==",
            text_table(TARGET_HEADERS, target_rows(verdicts)),
        ]
    return "\n".join(out)


def markdown(result: dict) -> str:
    """Markdown to paste into the README: summary per size and dtype, targets, every contender."""
    peak = bool(result["machine"].get("peak_bandwidth_bytes_per_s"))
    out = [
        "## Benchmarks",
        "",
        f"{_machine_line(result['machine'])}. Command: `{result['command']}`.",
        "Times are medians in ms; `x peer` and `x floor` are resample_jax's time divided by the",
        "fastest peer's and by the copy floor's (below 1: faster). See `benchmarks/__main__.py`.",
    ]
    for (size, dtype), recs in _groups(result["records"]).items():
        table = markdown_table(SUMMARY_HEADERS, summary_rows(recs, peak))
        out += ["", f"### {size}, {dtype}", "", table]
    if result.get("train_steps"):
        table = markdown_table(TRAIN_HEADERS, train_rows(result["train_steps"]))
        out += ["", "### Train steps (build + 50 steps)", "", table]
    if result["targets"]:
        table = markdown_table(TARGET_HEADERS, target_rows(result["targets"]))
        out += ["", "### Targets", "", table]
    table = markdown_table(DETAIL_HEADERS, detail_rows(result["records"]))
    out += ["", "### Every contender", "", table]
    return "\n".join(out) + "\n"


def write_json(result: dict, path: str) -> None:
    with open(path, "w") as f:
        json.dump(result, f, indent=1, default=_json_default)


def _json_default(o: Any):
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def write_markdown(result: dict, path: str) -> None:
    with open(path, "w") as f:
        f.write(markdown(result))


def write_chart(result: dict, path: str) -> None:
    """One panel per size and dtype: each contender's median time relative to resample_jax's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    timed = lambda r: _contender(r) is not None and _contender(r)["median_s"] is not None
    groups = [(k, [r for r in v if timed(r)]) for k, v in _groups(result["records"]).items()]
    groups = [(k, v) for k, v in groups if v]
    if not groups:
        return
    height = sum(0.45 * len(recs) + 1.5 for _, recs in groups)
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, max(height, 3)), squeeze=False)
    # Ours and the floor keep fixed colours across panels; peers take the palette in order.
    colors: dict[str, Any] = {"resample_jax": "tab:blue", "copy floor": "0.7"}
    # tab20 without its blues and greys, dark shades first: 16 colours, more than there are peers.
    tab20 = plt.get_cmap("tab20").colors
    palette = [tab20[i] for i in (*range(2, 20, 2), *range(3, 20, 2)) if i not in (14, 15)]
    for ax, ((size, dtype), recs) in zip(axes[:, 0], groups, strict=True):
        labels, y = [], 0.0
        for r in recs:
            ours = _contender(r)["median_s"]
            timed = [c for c in r["contenders"] if c["median_s"]]
            step = 0.8 / max(len(timed), 1)
            for j, c in enumerate(timed):
                color = colors.setdefault(c["name"], palette[(len(colors) - 2) % len(palette)])
                new = c["name"] not in ax.get_legend_handles_labels()[1]
                ax.barh(
                    y + j * step,
                    c["median_s"] / ours,
                    height=step,
                    color=color,
                    label=c["name"] if new else None,
                )
            labels.append((y + 0.4 - step / 2, f"{r['label']} {r['mode']}"))
            y += 1.0
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_yticks([p for p, _ in labels], [t for _, t in labels], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("median time / resample_jax median time (log; > 1: slower than resample_jax)")
        ax.set_title(f"{size}, {dtype}")
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_all(result: dict, out_dir: str, markdown_path: str | None = None) -> dict[str, str]:
    """Writes results.json, results.md (or ``markdown_path``) and results.png; returns the paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {
        "json": os.path.join(out_dir, "results.json"),
        "markdown": markdown_path or os.path.join(out_dir, "results.md"),
        "chart": os.path.join(out_dir, "results.png"),
    }
    write_json(result, paths["json"])
    write_markdown(result, paths["markdown"])
    write_chart(result, paths["chart"])
    return paths
