"""Writes the API reference pages from ``__all__`` of the package and its public submodules.

Run by ``conf.py`` on every build; ``tests/test_docs.py`` checks that every public name gets a
documented entry. The pages land in ``docs/api/`` (generated, not committed).
"""

from __future__ import annotations

import importlib
import inspect
import os
import re

# (module, title, one-line introduction) in the order the reference shows them.
MODULES = (
    ("resample_jax", "Functions", "The pure functions, re-exported by the package."),
    (
        "resample_jax.nnx",
        "Flax NNX modules",
        "One module per method, holding its options and parameters.",
    ),
    ("resample_jax.linen", "Flax Linen modules", "The same modules for Flax Linen."),
    (
        "resample_jax.methods",
        "Method table",
        "Every method by name, and the factories that build them.",
    ),
    (
        "resample_jax.models",
        "Models",
        "Encoder-decoder and super-resolution models built from the table.",
    ),
    ("resample_jax.initializers", "Initializers", "Parameter initialisers (ICNR, bilinear)."),
)


def package_modules(package_name: str) -> list[str]:
    """Names of every module file under ``package_name`` (namespace subpackages included)."""
    root = os.path.dirname(importlib.import_module(package_name).__file__)
    names = []
    for folder, _, files in sorted(os.walk(root)):
        rel = os.path.relpath(folder, root)
        prefix = package_name if rel == "." else ".".join([package_name, *rel.split(os.sep)])
        for f in sorted(files):
            if f.endswith(".py") and "__pycache__" not in folder:
                names.append(prefix if f == "__init__.py" else f"{prefix}.{f[:-3]}")
    return names


def attribute_doc(module_name: str, name: str) -> str | None:
    """The attribute docstring of the data object ``module_name.name`` (None if it has none).

    A re-exported object (``RESIZE_METHODS``) is documented where it is assigned, so every module
    of the package that binds the same object under ``name`` is searched.
    """
    from sphinx.pycode import ModuleAnalyzer

    obj = getattr(importlib.import_module(module_name), name)
    candidates = [module_name, *package_modules(module_name.split(".")[0])]
    for candidate in candidates:
        try:
            module = importlib.import_module(candidate)
        except ImportError:
            continue
        if getattr(module, name, None) is not obj:
            continue
        doc = ModuleAnalyzer.for_module(candidate).find_attr_docs().get(("", name))
        if doc and "".join(doc).strip():
            return "\n".join(doc).strip()
    return None


def public_names(module_name: str) -> list[str]:
    """The names ``module_name`` exports in ``__all__``, without dunder names."""
    module = importlib.import_module(module_name)
    return [n for n in module.__all__ if not (n.startswith("__") and n.endswith("__"))]


def page_name(module_name: str) -> str:
    """The file stem of the API page of ``module_name``."""
    return module_name.replace(".", "_")


def render_page(module_name: str, title: str, intro: str) -> str:
    """reST of one API page: a summary table and the full entry of every public name."""
    names = public_names(module_name)
    lines = [
        title,
        "=" * len(title),
        "",
        f".. currentmodule:: {module_name}",
        "",
        intro,
        "",
        f"``import {module_name}``",
        "",
        ".. autosummary::",
        "   :nosignatures:",
        "",
        *(f"   {n}" for n in names),
        "",
    ]
    module = importlib.import_module(module_name)
    if module_name == "resample_jax.methods":
        lines += method_table(module)
    for n in names:
        obj = getattr(module, n)
        if inspect.isclass(obj):
            lines += [f".. autoclass:: {n}", "   :members:", "   :special-members: __call__", ""]
        elif inspect.isroutine(obj):
            lines += [f".. autofunction:: {n}", ""]
        else:
            doc = attribute_doc(module_name, n) or ""
            lines += [f".. py:data:: {n}", "", *(f"   {d}" for d in doc.splitlines()), ""]
    return "\n".join(lines)


def _cell(text: object) -> str:
    """One line of plain text for a reST table cell, with inline-markup characters escaped."""
    return re.sub(r"([\\*`_|])", r"\\\1", " ".join(str(text).split()))


def method_table(methods) -> list[str]:
    """reST list-tables of the records of ``UPSAMPLERS`` / ``DOWNSAMPLERS``, read at build time."""
    columns = ("name", "learned", "factors", "description", "reference")
    lines = []
    for title, table in (
        ("Upsamplers", methods.UPSAMPLERS),
        ("Downsamplers", methods.DOWNSAMPLERS),
    ):
        lines += [
            f".. list-table:: {title} ({len(table)}), from the records of the method table",
            "   :header-rows: 1",
            "   :widths: 14 8 8 35 35",
            "",
            "   * - " + "\n     - ".join(columns),
        ]
        for record in table.values():
            cells = [_cell(getattr(record, c, "")) for c in columns]
            lines.append("   * - " + "\n     - ".join(cells))
        lines.append("")
    return lines


def write_api_pages(out_dir: str) -> list[str]:
    """Writes one page per module and an index into ``out_dir``; returns the written paths.

    A file is rewritten only when its text changes, so Sphinx does not rebuild unchanged pages.
    """
    os.makedirs(out_dir, exist_ok=True)
    pages = [(page_name(m), render_page(m, t, i)) for m, t, i in MODULES]
    index = "\n".join(
        ["API reference", "=============", "", ".. toctree::", "   :maxdepth: 1", ""]
        + [f"   {stem}" for stem, _ in pages]
        + [""]
    )
    written = []
    for stem, text in [("index", index), *pages]:
        path = os.path.join(out_dir, f"{stem}.rst")
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        written.append(path)
    return written
