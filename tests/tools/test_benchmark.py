"""tools/analysis/benchmark.py: images/s, spread and peak memory per mode,
each CPU mode in a process of its own."""
import re
import subprocess
import sys

import pytest

from tests.conftest import CLASSIFICATION_DEMO, REPO_ROOT

pytestmark = pytest.mark.slow


def test_both_modes_report_speed_spread_and_their_own_peak_memory():
    result = subprocess.run(
        [sys.executable, 'tools/analysis/benchmark.py', CLASSIFICATION_DEMO,
         '--shape', '32', '--batch-size', '2', '--warmup', '1', '--repeats',
         '3', '--threads', '1'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert 'compile False' in lines[1]
    pattern = (r'^{}: [\d.]+ images/s \(median [\d.]+ ms per batch over 3 '
               r'runs, min [\d.]+, max [\d.]+, spread \d+%; first run '
               r'[\d.]+ s\); peak RSS (\d+) MiB$')
    peaks = [int(re.match(pattern.format(mode), line).group(1))
             for mode, line in zip(('infer', 'train'), lines[2:])]
    assert all(peak > 50 for peak in peaks)
