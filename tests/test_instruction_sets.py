"""The tests that compare two computations of one function hold under other
vector instruction sets than this machine's, so that a tolerance tuned to
one CPU fails here rather than on a user's.

PyTorch 2.9 picks its own kernels' instruction set from
``ATEN_CPU_CAPABILITY`` (default, avx2, avx512), oneDNN's (convolutions)
from ``ONEDNN_MAX_CPU_ISA``, MKL's (matrix products) from
``MKL_ENABLE_INSTRUCTIONS``; each is read once, when the library starts, so
each setting runs the comparisons in a pytest of its own (the first two are
checked to take effect; MKL does not say). A few families and
sizes per setting cover every fast form of the execution layer, the
reference checks, compile, ONNX and the fused attention.
"""
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

SETTINGS = {
    # no vector instructions in PyTorch's own kernels
    'aten-default': dict(ATEN_CPU_CAPABILITY='default'),
    # an old x86 CPU for the libraries: SSE4 in oneDNN and MKL
    'sse41': dict(ONEDNN_MAX_CPU_ISA='SSE41',
                  MKL_ENABLE_INSTRUCTIONS='SSE4_2'),
}

# pvt: spatial-reduction attention; hybrid: global attention; swin, nat,
# dcnv3: their fast forms; pool: the fast blocks and MLP alone; every one
# also runs the fused linear layers
SWITCH = 'tests/models/execution/test_switch.py'
COMPARISONS = [
    *(f'{SWITCH}::test_both_settings_compute_the_same_function[{family}]'
      for family in ('pool', 'pvt', 'hybrid', 'swin', 'nat', 'dcnv3')),
    'tests/models/execution/test_residual.py',
    'tests/models/execution/test_neighborhood.py',
    'tests/models/execution/test_fused_attention.py',
    'tests/models/stms/test_authors_reference.py',
    'tests/models/backbones/test_official_weights.py::'
    'test_reference_outputs_are_reproduced',
    'tests/models/backbones/test_official_weights.py::'
    'test_downstream_reference_outputs_are_reproduced',
    'tests/deployment/test_onnx_export.py::'
    'test_every_family_exports_one_file_for_every_size[dcnv3]',
]
# inductor's code against eager's: not under ATEN_CPU_CAPABILITY=default,
# where torch 2.9.1's inductor still emits vector code and then fails to
# compile it ("'at::vec' has not been declared")
COMPILED = ('tests/engine/test_compile.py::'
            'test_compiled_backbone_gives_eager_outputs_and_gradients[swin]')

# What each library reports once the setting has reached it.
PROBE = """
import torch
print('aten', torch.backends.cpu.get_cpu_capability())
with torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):
    torch.nn.functional.conv2d(torch.randn(2, 16, 8, 8),
                               torch.randn(16, 16, 3, 3))
"""


def run_with(setting, *args):
    env = dict(os.environ, **SETTINGS[setting])
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.mark.parametrize('setting', sorted(SETTINGS))
def test_the_setting_reaches_the_libraries(setting):
    result = run_with(setting, '-c', PROBE)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    if setting == 'aten-default':
        assert 'aten DEFAULT' in out, out
    else:
        assert 'isa:Intel SSE4.1' in out, out


@pytest.mark.parametrize('setting', sorted(SETTINGS))
def test_comparisons_hold_under_another_instruction_set(setting):
    tests = COMPARISONS + ([COMPILED] if setting != 'aten-default' else [])
    result = run_with(setting, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                      *tests)
    assert result.returncode == 0, (
        f'under {SETTINGS[setting]}:\n{result.stdout[-6000:]}')
