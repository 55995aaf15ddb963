"""The config's ``compile`` switch: every mixer compiles and gives eager's
numbers, sizes that change between batches do not recompile every batch,
and the runner compiles backbone and neck for training and testing."""
import re

import pytest
import torch
from torch._dynamo.utils import counters

from mmstm.engine.compile import compile_blocks, compile_options
from mmstm.engine.runner_defaults import build_runner
from mmstm.models.backbones.unified import UnifiedBackbone
from mmstm.models.blocks import UnifiedBlock

from tests.conftest import STM_FAMILIES, demo_config, on_demo_images, tiny_arch
from tests.numerics import (REORDERED_KERNELS, assert_all_relatively_close,
                            assert_relatively_close, parameter_gradient_names)

pytestmark = pytest.mark.slow


def compiled_pair(family, **backbone_options):
    """An eager tiny backbone of ``family`` and a compiled copy with the
    same weights."""
    torch.manual_seed(0)
    eager = UnifiedBackbone(arch=tiny_arch(family), **backbone_options)
    compiled = UnifiedBackbone(arch=tiny_arch(family), **backbone_options)
    compiled.load_state_dict(eager.state_dict())
    torch._dynamo.reset()  # other tests' compilations share forward's code
    return eager, compiled


@pytest.mark.parametrize('family', STM_FAMILIES)
def test_compiled_backbone_gives_eager_outputs_and_gradients(family):
    # inductor's code for inference; the training graph (forward and
    # backward) through AOTAutograd without code generation, which keeps
    # this at seconds per mixer
    eager, compiled = compiled_pair(family)
    x = torch.randn(2, 3, 61, 47)  # odd: every mixer pads or clamps
    eager.eval(), compiled.eval()
    compiled.compile()
    with torch.no_grad():
        for i, (want, got) in enumerate(zip(eager(x), compiled(x))):
            assert_relatively_close(got, want, REORDERED_KERNELS,
                                    f'stage {i} output')
    eager.train(), compiled.train()
    compiled.compile(backend='aot_eager')
    sum(o.square().mean() for o in eager(x)).backward()
    sum(o.square().mean() for o in compiled(x)).backward()
    assert_all_relatively_close(
        [p.grad for p in compiled.parameters()],
        [p.grad for p in eager.parameters()], REORDERED_KERNELS,
        parameter_gradient_names(eager),
        gradients=True)


@pytest.mark.parametrize('family', STM_FAMILIES)
def test_changing_input_sizes_compile_twice_at_most(family):
    # the downstream form at detection-like sizes: the first size compiles
    # static, the first change dynamic. (Much smaller maps can add one more:
    # torch picks convolution kernels by size, a guard of its own.)
    _, compiled = compiled_pair(family, downstream=True)
    compiled.compile(backend='eager')  # dynamo decides recompiles alone
    before = counters['stats']['unique_graphs']
    with torch.no_grad():
        for size in [(320, 384), (352, 320), (384, 416), (320, 320),
                     (416, 352)]:
            compiled(torch.randn(1, 3, *size))
    assert counters['stats']['unique_graphs'] - before <= 2
    assert not counters['graph_break'], dict(counters['graph_break'])


def test_runner_compiles_backbone_and_neck_in_place(demo_classification,
                                                    tmp_path):
    cfg = on_demo_images(demo_config('classification'), demo_classification,
                         tmp_path)
    cfg.model.backbone.arch = tiny_arch('swin')
    cfg.train_dataloader.dataset.pop('classes')  # the demo set's, not made
    cfg.compile = dict(backend='aot_eager')
    torch._dynamo.reset()
    runner = build_runner(cfg)
    model = runner.model
    assert model.backbone._compiled_call_impl is not None
    assert model.neck._compiled_call_impl is not None
    assert model.head._compiled_call_impl is None
    assert runner.cfg.compile is None  # mmengine's train_step compile: off
    dumped, = tmp_path.glob('*.py')  # the record of the run keeps it
    assert "compile = dict(backend='aot_eager')" in dumped.read_text()
    runner.train()
    assert not any('_orig_mod' in k for k in model.state_dict())


def test_regional_compile_compiles_each_block_and_logs_the_first_steps(
        demo_classification, tmp_path):
    cfg = on_demo_images(demo_config('classification'), demo_classification,
                         tmp_path)
    cfg.model.backbone.arch = tiny_arch('swin')
    cfg.train_dataloader.dataset.pop('classes')
    cfg.compile = dict(backend='aot_eager', regional=True)
    torch._dynamo.reset()
    runner = build_runner(cfg)
    backbone = runner.model.backbone
    blocks = [m for m in backbone.modules() if isinstance(m, UnifiedBlock)]
    assert len(blocks) == 5
    assert all(b._compiled_call_impl is not None for b in blocks)
    assert backbone._compiled_call_impl is None  # stem, downsampling eager
    assert runner.model.neck._compiled_call_impl is not None
    runner.train()
    log, = tmp_path.glob('*/*.log')
    text = log.read_text()
    assert "compiled the model's backbone's 5 blocks and neck" in text
    assert re.search(r'first training step: [\d.]+ s', text)
    assert re.search(r'second training step: [\d.]+ s', text)


def test_regional_blocks_of_a_stage_share_a_graph_in_inference():
    torch._dynamo.reset()
    counters.clear()
    arch = dict(tiny_arch('convnext'), depths=[2, 2, 3, 2])
    model = UnifiedBackbone(arch=arch, drop_path_rate=0.1).eval()
    assert compile_blocks(model, dict(backend='eager')) == 9
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(1, 3, 64, 64))
    # one per stage shape; stages 3 and 4 share widths, not map sizes
    assert counters['stats']['unique_graphs'] <= 5
    assert not counters['graph_break'], dict(counters['graph_break'])


def test_wrong_compile_options_are_refused_by_name():
    assert compile_options(False) is None and compile_options(True) == {}
    with pytest.raises(KeyError, match='backned'):
        compile_options(dict(backned='eager'))
    with pytest.raises(TypeError, match='compile must be'):
        compile_options('inductor')
    with pytest.raises(TypeError, match='regional'):
        compile_options(dict(regional='yes'))
