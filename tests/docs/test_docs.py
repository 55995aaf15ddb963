"""The manual builds with warnings as errors (broken internal links
included), and its pages render in a real browser: headless Chromium opens
the index and the model zoo and finds the title, the navigation and the zoo
table."""
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp('site')
    result = subprocess.run(
        [sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-q', '-b',
         'html', 'docs', str(out)], cwd=REPO_ROOT, capture_output=True,
        text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-5000:]
    return out


def test_the_manual_builds_without_warnings(site):
    for page in ('index', 'get_started', 'training', 'mixers', 'model_zoo',
                 'analyses', 'adding_a_mixer', 'differences', 'benchmarks',
                 'api', 'changelog'):
        assert (site / f'{page}.html').is_file(), page
    assert (site / '_images' / 'cpu_2026-12-06.png').is_file()
    api = (site / 'api.html').read_text()
    assert 'UnifiedBackbone' in api and 'HaloAttention' in api


def browser(*args):
    if CHROMIUM is None:
        pytest.skip('chromium is not installed (apt-get install chromium)')
    result = subprocess.run(
        [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
         '--disable-dev-shm-usage', *args], capture_output=True, text=True,
        timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_index_and_the_model_zoo_render_in_chromium(site, tmp_path):
    index = browser('--dump-dom', (site / 'index.html').as_uri())
    assert '<title>mmstm' in index
    for entry in ('Get started', 'Model zoo', 'The mixers', 'Benchmarks',
                  'API reference'):
        assert f'>{entry}</a>' in index, entry
    zoo = browser('--dump-dom', (site / 'model_zoo.html').as_uri())
    assert '<table' in zoo
    for model in ('u-swin-tiny_3rdparty_in1k', 'u-pool-tiny_in1k',
                  'mask-rcnn_u-convnext-tiny_fpn_1x_coco'):
        assert model in zoo, model
    shot = tmp_path / 'model_zoo.png'
    browser(f'--screenshot={shot}', '--window-size=1280,1600',
            (site / 'model_zoo.html').as_uri())
    assert shot.stat().st_size > 20_000  # a drawn page, not a blank one
