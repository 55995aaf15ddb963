import mmap
import time

import torch
import torch.nn.functional as F
from torch import nn

from mmstm.analysis.complexity import (count_flops, count_parameters,
                                       measure_throughput)
from mmstm.analysis.complexity_table import complexity_rows, write_tables
from mmstm.models.backbones.unified import UnifiedBackbone
from mmstm.models.blocks import UnifiedBlock
from mmstm.models.stms import DCNv3

from tests.conftest import TINY_ARCH


class Attention(nn.Module):

    def forward(self, x):
        q = x[..., :4].reshape(1, 2, 5, 4)
        k = torch.zeros(1, 2, 7, 4)
        v = torch.zeros(1, 2, 7, 3)
        return F.scaled_dot_product_attention(q, k, v)


def test_convolution_flops_are_multiply_adds():
    conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
    assert count_flops(conv, (1, 3, 10, 12)) == 8 * 10 * 12 * 3 * 9
    assert count_parameters(conv) == 8 * 3 * 9


def test_attention_counts_both_products():
    # Q K^T: 2 heads x 5 queries x 7 keys x 4, A V: 2 x 5 x 7 x 3
    assert count_flops(Attention(), (1, 1, 10, 4)) == 2 * 5 * 7 * (4 + 3)


def test_deformable_sampling_is_counted():
    mixer = DCNv3(8, num_heads=2)
    flops = count_flops(mixer, (1, 5, 7, 8), by_operator=True)
    # bilinear: 4 per sampled value, 9 points per position and channel
    assert flops['grid_sampler'] == 4 * 5 * 7 * 8 * 9


def test_throughput_is_the_median_of_timed_runs():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1))
    before = model[0].weight.clone()
    result = measure_throughput(model, batch_size=2, img_size=16, warmup=1,
                                repeats=3)
    assert len(result['runs_s']) == 3
    assert sorted(result['runs_s'])[1] == result['median_s']
    assert result['images_per_s'] == 2 / result['median_s']
    assert torch.equal(model[0].weight, before)  # inference leaves weights
    measure_throughput(model, batch_size=2, img_size=(16, 20), train=True,
                       warmup=0, repeats=1)
    assert not torch.equal(model[0].weight, before)
    runs = result['runs_s']
    assert result['spread'] == (max(runs) - min(runs)) / result['median_s']
    assert result['first_run_s'] > 0
    # the process holds at least the interpreter and torch: tens of MiB
    assert result['peak_memory_kind'] == 'peak RSS'
    assert result['peak_memory_mib'] > 50


def test_peak_memory_sees_a_short_allocation():
    from mmstm.analysis.memory import PeakMemory
    with PeakMemory('cpu') as idle:
        pass
    with PeakMemory('cpu', interval=0.001) as busy:
        # 64 MiB mapped, touched and unmapped: a tensor could come from
        # memory the allocator already holds (after earlier tests), which
        # leaves the RSS flat
        block = mmap.mmap(-1, 64 * 2**20)
        block.write(b'x' * len(block))
        time.sleep(0.05)
        block.close()
    assert busy.mib - idle.mib > 50


def test_compiling_happens_in_the_first_untimed_run():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1))
    result = measure_throughput(model, batch_size=2, img_size=16, warmup=1,
                                repeats=2, compile=True)
    # the first run compiled: far slower than the compiled runs after it
    assert result['first_run_s'] > 10 * result['median_s']


def test_regional_compiling_and_bfloat16_are_measured():
    torch._dynamo.reset()
    model = UnifiedBackbone(arch=TINY_ARCH)
    dtypes = set()
    model.stages[0].blocks[0].mlp.register_forward_hook(
        lambda module, args, out: dtypes.add(out.dtype))
    result = measure_throughput(model, batch_size=2, img_size=32, warmup=1,
                                repeats=2, amp='bfloat16',
                                compile='regional')
    blocks = [m for m in model.modules() if isinstance(m, UnifiedBlock)]
    assert all(b._compiled_call_impl is not None for b in blocks)
    assert model._compiled_call_impl is None
    assert dtypes == {torch.bfloat16}
    assert result['first_run_s'] > 5 * result['median_s']


def test_table_of_a_config(tmp_path):
    config = 'configs/classification/demo/convnext-micro_1xb64_demo-shapes.py'
    rows = list(complexity_rows([config], resolutions=(32, 64), batch_size=1,
                                warmup=0, repeats=1, train=False))
    assert [r['resolution'] for r in rows] == [32, 64]
    assert rows[0]['params_M'] == rows[1]['params_M']
    assert 3.5 < rows[1]['gflops'] / rows[0]['gflops'] < 4.5
    assert rows[0]['train_img_s'] is None
    markdown = write_tables(rows, str(tmp_path / 'table'))
    assert 'convnext-micro_1xb64_demo-shapes' in markdown
    csv_lines = (tmp_path / 'table.csv').read_text().splitlines()
    assert csv_lines[0].startswith('model,params_M') and len(csv_lines) == 3
