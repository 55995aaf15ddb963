"""The README's tables of mixers and released models are the generator's
output for the registry, the arch table and the model index."""
import importlib.util
import os.path as osp

import pytest

from mmstm.models.stms import registered_mixers

from tests.conftest import REPO_ROOT

_spec = importlib.util.spec_from_file_location(
    'readme_tables', osp.join(REPO_ROOT, 'tools', 'misc', 'readme_tables.py'))
readme_tables = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(readme_tables)
BEGIN, END = readme_tables.BEGIN, readme_tables.END
mixer_table, render = readme_tables.mixer_table, readme_tables.render


def test_the_readme_holds_the_generated_tables():
    with open(osp.join(REPO_ROOT, 'README.md')) as f:
        readme = f.read()
    assert render(readme) == readme, \
        'README tables out of date: run python tools/misc/readme_tables.py'


def test_every_registered_mixer_has_a_row():
    rows = mixer_table()[2:]
    assert [row.split('`')[1] for row in rows] == \
        sorted(registered_mixers())
    assert all(row.count('|') == 4 for row in rows)


def test_a_stale_table_is_rewritten_and_a_missing_one_named():
    stale = '\n'.join([BEGIN.format('mixers'), '| old |', END,
                       BEGIN.format('imagenet models'), END,
                       BEGIN.format('coco models'), END])
    fresh = render(stale)
    assert '| old |' not in fresh and '`HaloAttention`' in fresh
    assert 'u-' not in fresh.split('imagenet models')[0]
    with pytest.raises(KeyError, match='coco models'):
        render(stale.split(BEGIN.format('coco models'))[0])
