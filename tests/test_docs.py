"""The documentation covers the public API and its pages hold together.

The Sphinx build itself runs in CI (``.ci/run``, warnings as errors); these tests check, without
building, what the build cannot: that every public name gets an API entry with a docstring, that
the Markdown pages' tables name functions that exist, and that the README's links and CI command
are real.
"""

import importlib
import importlib.util
import inspect
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")


def _load_api_pages():
    spec = importlib.util.spec_from_file_location("api_pages", os.path.join(DOCS, "api_pages.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


api_pages = _load_api_pages()
DOCUMENTED_MODULES = [m for m, _, _ in api_pages.MODULES]
PUBLIC_NAMES = [(m, n) for m in DOCUMENTED_MODULES for n in api_pages.public_names(m)]


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def test_every_public_module_has_an_api_page():
    public = {
        m
        for m in api_pages.package_modules("resample_jax")
        if not any(part.startswith("_") for part in m.split("."))
    }
    assert public == set(DOCUMENTED_MODULES), (
        f"public modules without an API page: {sorted(public - set(DOCUMENTED_MODULES))}; "
        f"pages for modules that do not exist: {sorted(set(DOCUMENTED_MODULES) - public)}"
    )


@pytest.mark.parametrize("module_name", DOCUMENTED_MODULES)
def test_api_page_has_an_entry_for_every_name_in_all(module_name):
    page = api_pages.render_page(module_name, "Title", "Intro.")
    entries = re.findall(r"^\.\. (?:autofunction|autoclass|py:data):: (\S+)$", page, re.M)
    assert entries == api_pages.public_names(module_name)
    summary = re.search(r"autosummary::\n   :nosignatures:\n\n((?:   \S+\n)+)", page).group(1)
    assert summary.split() == entries


@pytest.mark.parametrize(("module_name", "name"), PUBLIC_NAMES, ids=lambda v: v)
def test_every_public_name_has_a_docstring(module_name, name):
    obj = getattr(importlib.import_module(module_name), name)
    if inspect.isclass(obj) or inspect.isroutine(obj):
        doc = inspect.getdoc(obj)
    else:
        doc = api_pages.attribute_doc(module_name, name)
    assert doc and doc.strip(), f"{module_name}.{name} has no docstring for the API reference"


def test_attribute_doc_finds_the_docstring_where_a_reexported_object_is_assigned():
    # RESIZE_METHODS is assigned in a private module and re-exported: its docstring is found there.
    doc = api_pages.attribute_doc("resample_jax", "RESIZE_METHODS")
    assert doc is not None and "resize" in doc.lower()
    assert api_pages.attribute_doc("resample_jax", "__version__") is None


def _table_functions(text):
    """Function names in the first cell of each Markdown table row (the backticked identifiers)."""
    names = set()
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        names.update(re.findall(r"`([A-Za-z_]\w*)", first_cell))
    return names


def test_function_tables_name_only_public_functions():
    import resample_jax

    names = _table_functions(_read("docs", "functions.md"))
    assert len(names) > 30, names
    stale = sorted(n for n in names if n not in resample_jax.__all__)
    assert not stale, f"docs/functions.md lists names resample_jax does not export: {stale}"


def test_table_parser_reads_first_cells_only():
    text = "| function | what |\n|---|---|\n| `a(x, *, b=1)`, `c` | uses `d` |\n| not code | `e` |"
    assert _table_functions(text) == {"a", "c"}


def test_readme_links_point_at_files_and_every_page_is_linked():
    readme = _read("README.md")
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    local = [link for link in links if "://" not in link]
    missing = [link for link in local if not os.path.exists(os.path.join(ROOT, link))]
    assert not missing, f"README links to files that do not exist: {missing}"
    pages = {f"docs/{f}" for f in os.listdir(DOCS) if f.endswith(".md") and f != "index.md"}
    assert pages <= set(local), f"doc pages the README does not link: {sorted(pages - set(local))}"


def test_every_page_is_in_the_site_toctree():
    index = _read("docs", "index.md")
    toctree = re.search(r"```\{toctree\}\n(.*?)```", index, re.S).group(1)
    entries = {line.strip() for line in toctree.splitlines() if line and not line.startswith(":")}
    pages = {f[:-3] for f in os.listdir(DOCS) if f.endswith(".md") and f != "index.md"}
    assert pages | {"api/index"} == entries - {""}


def test_ci_runs_the_readme_test_command_verbatim_and_builds_the_docs():
    readme = _read("README.md")
    ci = _read(".ci", "run")
    command = 'python -m pip install -e ".[test]" && python -m pytest -n 2 tests'
    assert f"    {command}\n" in readme
    assert f"\n{command}\n" in ci
    assert "\nsphinx-build -W --keep-going -b html docs docs/_build/html\n" in ci


def test_methods_page_tabulates_every_record_of_the_method_table():
    from resample_jax import methods

    page = api_pages.render_page("resample_jax.methods", "Title", "Intro.")
    rows = re.findall(r"^   \* - (.*)$", page, re.M)
    expected = []
    for table in (methods.UPSAMPLERS, methods.DOWNSAMPLERS):
        expected += ["name", *(api_pages._cell(n) for n in table)]
    assert rows == expected


@pytest.mark.parametrize("text", ["bed_of_nails", "a*b `c` |d| e\\f", "2^rank, x_i * y_"])
def test_table_cells_read_back_as_the_original_text(text):
    from docutils.core import publish_doctree

    tree = publish_doctree(api_pages._cell(text), settings_overrides={"report_level": 2})
    assert tree.astext() == text
