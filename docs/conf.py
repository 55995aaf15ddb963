"""Sphinx configuration of mmstm's manual (MyST markdown, OpenMMLab's
convention). Build: ``bash scripts/docs.sh`` (warnings are errors)."""
import os.path as osp
import sys

DOCS = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, DOCS)

import plots  # noqa: E402  (docs/plots.py: the benchmark plots)

project = 'mmstm'
author = 'mmstm contributors'
copyright = '2026, mmstm contributors'
extensions = ['myst_parser', 'sphinx.ext.autodoc', 'sphinx.ext.napoleon']
source_suffix = {'.md': 'markdown'}
myst_heading_anchors = 3
myst_enable_extensions = ['colon_fence']
exclude_patterns = ['_build']
html_theme = 'furo'
html_title = 'mmstm'
html_static_path = []
autodoc_member_order = 'bysource'
autodoc_typehints = 'none'
napoleon_google_docstring = True
napoleon_numpy_docstring = False


def setup(app):
    # the plots are drawn from the measurements' CSV files on every build,
    # so they cannot go stale
    app.connect('builder-inited', lambda app: plots.draw_all(DOCS))
