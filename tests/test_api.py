"""The public API keeps its promises: every name in ``__all__`` exists, every public function is
documented with shapes, arguments and an example, and options are keyword-only (STYLE.md)."""

import inspect

import pytest

import resample_jax

# Options that must never be passed positionally: a positional call would silently change meaning
# when a signature grows.
KEYWORD_ONLY_OPTIONS = {
    "antialias",
    "align_corners",
    "convention",
    "dilation",
    "ceil_mode",
    "count_include_pad",
    "divisor_override",
    "padding_mode",
    "output_padding",
    "groups",
    "return_indices",
    "offset",
    "training",
    "cubic_a",
    "keepdims",
}

PUBLIC_FUNCTIONS = sorted(
    name
    for name in resample_jax.__all__
    if inspect.isfunction(getattr(resample_jax, name, None))
)


def test_all_names_exist():
    missing = [n for n in resample_jax.__all__ if not hasattr(resample_jax, n)]
    assert not missing, f"names in __all__ that the package does not define: {missing}"


def test_public_api_is_not_empty():
    assert len(PUBLIC_FUNCTIONS) >= 30, PUBLIC_FUNCTIONS


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_options_are_keyword_only(name):
    sig = inspect.signature(getattr(resample_jax, name))
    positional = [
        p.name
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name in KEYWORD_ONLY_OPTIONS
    ]
    assert not positional, f"{name}: options {positional} must come after '*'"


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_docstring_has_args_returns_and_example(name):
    doc = inspect.getdoc(getattr(resample_jax, name)) or ""
    for section in ("Args:", "Returns:", "Example"):
        assert section in doc, f"{name}: docstring lacks a {section!r} section"


def _package_modules():
    import pkgutil

    import resample_jax._src as src

    # walk_packages reaches modules inside subpackages (e.g. _src/resize/api.py) too.
    names = [m.name for m in pkgutil.walk_packages(src.__path__, "resample_jax._src.")]
    top = [f"resample_jax.{m.name}" for m in pkgutil.iter_modules(resample_jax.__path__)]
    return sorted(n for n in names + top if not n.endswith("._src"))


@pytest.mark.parametrize("module_name", _package_modules())
def test_docstring_examples_run(module_name):
    """Every ``Example:`` in the docstrings is a doctest that runs and prints what it says."""
    import doctest
    import importlib

    module = importlib.import_module(module_name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {module_name}"


def _run(code: str, *flags: str) -> str:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, *flags, "-c", code], capture_output=True, text=True, check=True
    ).stdout


def test_flax_layer_is_lazy_and_reachable_as_attributes():
    code = (
        "import sys, resample_jax as rj; print('flax' in sys.modules); "
        "print(all(m.__name__ == 'resample_jax.' + n for n, m in "
        "[(n, getattr(rj, n)) for n in ('nnx', 'linen', 'methods', 'models', 'initializers')]))"
    )
    assert _run(code).split() == ["False", "True"]


def test_import_works_without_docstrings():
    # python -OO strips docstrings: nothing may template or read them at import time.
    assert _run("import resample_jax as rj; print(rj.max_pool.__doc__)", "-OO").strip() == "None"


def test_resize_options_repeats_the_options_of_resize_exactly():
    # resize_options lists resize's options again (module checks bind to its parameter names, and
    # modules call it with some options left at their defaults): names, kinds and defaults must
    # not drift apart.
    from resample_jax._src.resize import resize_options

    def options(fn, skip):
        params = list(inspect.signature(fn).parameters.values())[skip:]
        return [(p.name, p.kind, p.default) for p in params]

    assert options(resize_options, 0) == options(resample_jax.resize, 1)
