"""The demo arena's table from the result files scripts/demo_mixers.sh
writes."""
import subprocess
import sys

import pytest

from mmstm.analysis.demo_arena import arena_markdown, collect_runs

from tests.conftest import REPO_ROOT


def write_result(root, family, seed, minutes, raw, ema):
    folder = root / family / f'seed{seed}'
    folder.mkdir(parents=True)
    # as the script writes it: minutes, then tools/test.py's last line for
    # the raw and the EMA weights
    (folder / 'result.txt').write_text(
        f"{minutes} {{'accuracy/top1': {raw}}} {{'accuracy/top1': {ema}}}\n")


def test_table_gives_mean_and_std_over_seeds_in_family_order(tmp_path):
    write_result(tmp_path, 'swin', 0, 4, 70.0, 60.0)
    write_result(tmp_path, 'swin', 1, 6, 80.0, 62.0)
    write_result(tmp_path, 'swin', 2, 5, 90.0, 64.0)
    write_result(tmp_path, 'pool', 1, 3, 95.3333, 94.0)
    (tmp_path / 'nat' / 'seed0').mkdir(parents=True)  # killed: no result
    table = arena_markdown(collect_runs(tmp_path),
                           ['nat', 'swin', 'pool', 'ss2d'])
    rows = table.splitlines()[2:]
    assert rows == [
        '| nat | not run |  |  |  |',
        '| swin | 0, 1, 2 | 80.0 ± 10.0 | 62.0 ± 2.0 | 5 min |',
        '| pool | 1 | 95.3 | 94.0 | 3 min |',
        '| ss2d | not run |  |  |  |']


def test_complexity_columns(tmp_path):
    write_result(tmp_path, 'pvt', 0, 3, 84.0, 79.0)
    complexity = {'pvt': dict(params_M=4.123, gflops=0.655,
                              infer_img_s=101.25, train_img_s=None)}
    row = arena_markdown(collect_runs(tmp_path), ['pvt'],
                         complexity).splitlines()[-1]
    assert row.endswith('| 3 min | 4.12 | 0.66 | 101.2 | - |')


def test_a_malformed_result_is_named(tmp_path):
    folder = tmp_path / 'halo' / 'seed0'
    folder.mkdir(parents=True)
    (folder / 'result.txt').write_text("7 {'accuracy/top1': 80.0}\n")
    with pytest.raises(ValueError, match='halo/seed0/result.txt'):
        collect_runs(tmp_path)


def test_tool_prints_every_family_of_the_arch_table(tmp_path):
    from mmstm.models.backbones.archs import FAMILY_NAMES
    write_result(tmp_path, 'convnext', 0, 3, 92.3333, 89.6667)
    out = subprocess.run(
        [sys.executable, 'tools/analysis/demo_arena_table.py', '--root',
         str(tmp_path), '--no-complexity'], cwd=REPO_ROOT, check=True,
        capture_output=True, text=True).stdout
    assert '| convnext | 0 | 92.3 | 89.7 | 3 min |' in out
    assert all(f'| {family} |' in out for family in FAMILY_NAMES)
