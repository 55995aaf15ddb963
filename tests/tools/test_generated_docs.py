"""The generated parts of the README, the docs and the configs' family
pages are the generator's output for the registry, the arch table, the
model index and the measurements; every family folder of every task has a
page and a metafile."""
import importlib.util
import os.path as osp

import pytest
import yaml

from mmstm.apis import list_models, model_entry
from mmstm.models.backbones.archs import FAMILY_NAMES
from mmstm.models.stms import registered_mixers

from tests.conftest import ARENA_FAMILIES, REPO_ROOT

_spec = importlib.util.spec_from_file_location(
    'generated_docs',
    osp.join(REPO_ROOT, 'tools', 'misc', 'generated_docs.py'))
generated_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generated_docs)
BEGIN, END = generated_docs.BEGIN, generated_docs.END
TASKS = ('classification', 'detection', 'segmentation')


def test_every_generated_file_is_up_to_date():
    stale = [osp.relpath(path, REPO_ROOT)
             for path, text in generated_docs.wanted_files().items()
             if not osp.isfile(path) or open(path).read() != text]
    assert stale == [], \
        f'{stale} out of date: run python tools/misc/generated_docs.py'


def test_every_registered_mixer_has_a_row():
    rows = generated_docs.mixer_table()[2:]
    assert [row.split('`')[1] for row in rows] == \
        sorted(registered_mixers())
    assert all(row.count('|') == 4 for row in rows)


def test_a_stale_block_is_rewritten_and_a_missing_one_named():
    stale = '\n'.join([BEGIN.format('mixers'), '| old |', END])
    fresh = generated_docs.render(stale, ['mixers'])
    assert '| old |' not in fresh and '`HaloAttention`' in fresh
    with pytest.raises(KeyError, match='coco models'):
        generated_docs.render(stale, ['mixers', 'coco models'])


@pytest.mark.parametrize('task', TASKS)
def test_every_family_folder_has_a_page_and_a_metafile(task):
    index = yaml.safe_load(open(osp.join(REPO_ROOT, 'model-index.yml')))
    for family in FAMILY_NAMES:
        folder = osp.join('configs', task, family)
        assert osp.isfile(osp.join(REPO_ROOT, folder, 'README.md')), folder
        assert f'{folder}/metafile.yml' in index['Import'], folder


def test_the_arena_metafiles_name_every_config_without_weights():
    for family in ARENA_FAMILIES:
        names = list_models(f'u-{family}-*')
        assert names == sorted(f'u-{family}-{s}_in1k' for s in
                               ('base', 'micro', 'small', 'tiny'))
        for name in names:
            entry = model_entry(name)
            assert 'Weights' not in entry and osp.isfile(entry['Config'])


@pytest.mark.parametrize('family', ARENA_FAMILIES)
def test_arena_metafile_sizes_are_the_built_models(family):
    from mmstm.analysis.complexity import count_parameters
    from mmstm.analysis.models import build_model, load_config
    entry = model_entry(f'u-{family}-micro_in1k')
    model = build_model(load_config(entry['Config']))
    assert count_parameters(model) == entry['Metadata']['Parameters']
