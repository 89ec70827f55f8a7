"""Sphinx configuration: API pages generated from ``__all__``, Markdown pages through MyST.

The API reference is written at build time (``api_pages.write_api_pages``) from ``__all__`` of the
package and of each public submodule, so a name added to ``__all__`` appears without editing the
docs. No extension fetches anything over the network (no intersphinx).
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import api_pages  # noqa: E402

import resample_jax  # noqa: E402

project = "resample_jax"
author = "resample_jax authors"
release = version = resample_jax.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

autosummary_generate = False
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_member_order = "bysource"

napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# Attributes as :ivar: fields: dataclass fields are documented once, by autodoc.
napoleon_use_ivar = True

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "alabaster"
html_title = "resample_jax"
# Wide pages: the function and benchmark tables have many columns.
html_theme_options = {"page_width": "1320px", "sidebar_width": "220px", "body_max_width": "none"}
html_static_path: list[str] = []

api_pages.write_api_pages(os.path.join(HERE, "api"))
