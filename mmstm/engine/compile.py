"""The config's ``compile`` switch, for training and for testing.

mmengine's own handling compiles ``train_step`` when training starts: the
whole step, data preprocessing, losses and the optimiser included, and
nothing when testing. Detection and segmentation steps are full of
data-dependent work (proposals, sampling, losses) that breaks the graph and
recompiles. mmstm compiles instead the dense part of the network — the
backbone and the neck — in place (``nn.Module.compile``: the state dict keeps
its keys, checkpoints stay interchangeable), once when the runner is built, so
``tools/train.py`` and ``tools/test.py`` both run it compiled.

Input sizes that change between batches (detection, segmentation) compile
twice: once for the first size, once more with dynamic sizes on the first
change; later sizes reuse the dynamic graph.

``regional=True`` (``compile=dict(regional=True)``, ``tools/train.py
--compile regional``) compiles each block of the backbone instead of the
whole backbone, at static shapes; the stem and the downsampling layers run
eagerly. Blocks of one shape and settings share a compiled graph (in
inference, a stage's blocks); in training stochastic depth gives every block
its own drop probability, a constant of its graph, so each block compiles
once. A block that fails to compile fails alone, and no graph spans the
whole network.
"""
import inspect
import time

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from ..models.blocks import SingleResidualBlock, UnifiedBlock
from ..registry import HOOKS

COMPILED_PARTS = ('backbone', 'neck')
# what the tools' --compile takes: the whole backbone, or each of its blocks
COMPILE_SCOPES = ('whole', 'regional')
BLOCKS = (UnifiedBlock, SingleResidualBlock)


def compile_options(value):
    """``torch.compile`` keyword arguments from the config's ``compile``
    (``True``/``False``/``None`` or a dict of them, with mmstm's
    ``regional`` among them); ``None`` when off."""
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f'compile must be True, False or a dict of '
                        f'torch.compile options, got {value!r}')
    allowed = set(inspect.signature(torch.compile).parameters) - {'model'}
    unknown = set(value) - allowed - {'regional'}
    if unknown:
        raise KeyError(f'compile has unknown option(s) {sorted(unknown)}; '
                       f'torch.compile takes {sorted(allowed)}, mmstm '
                       f'adds regional')
    if not isinstance(value.get('regional', False), bool):
        raise TypeError(f'compile.regional must be True or False, got '
                        f'{value["regional"]!r}')
    return dict(value)


def compile_blocks(backbone, options):
    """Compile each block of ``backbone`` in place; returns how many.

    Blocks of one shape share a graph; every other shape (a stage's width,
    Swin's shifted windows, another mixer) is one more compilation of the
    same forward, after dynamo's ``recompile_limit`` of which it would run
    the rest eagerly: the limit is raised to the number of blocks. Shapes
    are static unless ``options`` say otherwise (a block of a new width
    would otherwise turn dynamic, which inductor 2.9 fails to lower for
    ConvNeXt's blocks on the CPU)."""
    blocks = [m for m in backbone.modules() if isinstance(m, BLOCKS)]
    options = dict(options)
    options.setdefault('dynamic', False)
    for block in blocks:
        block.compile(**options)
    dynamo_config = torch._dynamo.config
    if len(blocks) > dynamo_config.recompile_limit:
        print_log(f'torch._dynamo.config.recompile_limit raised from '
                  f'{dynamo_config.recompile_limit} to {len(blocks)}, one '
                  'compilation per block at most', logger='current')
        dynamo_config.recompile_limit = len(blocks)
    return len(blocks)


def compile_dense_parts(model, options):
    """Compile ``model``'s backbone (or each of its blocks, with
    ``regional``) and neck in place; returns the names compiled."""
    if is_model_wrapper(model):
        model = model.module
    options = dict(options)
    regional = options.pop('regional', False)
    compiled = []
    for name in COMPILED_PARTS:
        part = getattr(model, name, None)
        if not isinstance(part, torch.nn.Module):
            continue
        if regional and name == 'backbone':
            count = compile_blocks(part, options)
            if not count:
                raise ValueError(f'compile.regional: the backbone '
                                 f'{type(part).__name__} has no mmstm '
                                 f'blocks to compile')
            compiled.append(f'backbone\'s {count} blocks')
        else:
            part.compile(**options)
            compiled.append(name)
    if not compiled:
        raise ValueError(f'compile: {type(model).__name__} has none of '
                         f'{COMPILED_PARTS} to compile')
    return compiled


def compile_runner_model(runner):
    """Apply ``runner.cfg.compile`` to the runner's model (see the module
    doc) and clear it, so that mmengine does not compile ``train_step`` on
    top. The config saved in the work dir keeps the setting."""
    options = compile_options(runner.cfg.get('compile'))
    if options is None:
        return runner
    compiled = compile_dense_parts(runner.model, options)
    runner.cfg.compile = None
    torch_options = {k: v for k, v in options.items() if k != 'regional'}
    slow = 'each new input size compiles the blocks again (static shapes)' \
        if options.get('regional') else \
        'the first batch of each new input size (twice at most) is slow'
    print_log(f'compiled the model\'s {" and ".join(compiled)} in place '
              f'with torch.compile({torch_options or ""}); {slow}',
              logger='current')
    runner.register_hook(FirstStepsTimeHook(), priority='VERY_LOW')
    return runner


@HOOKS.register_module()
class FirstStepsTimeHook(Hook):
    """Log how long the first training step took (compiling included) and
    the second (compiled), so the cost of compiling is seen at once."""

    def __init__(self):
        self.started = None
        self.times = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if len(self.times) < 2:
            _synchronize()
            self.started = time.perf_counter()

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if len(self.times) >= 2 or self.started is None:
            return
        _synchronize()
        self.times.append(time.perf_counter() - self.started)
        if len(self.times) == 1:
            print_log(f'first training step: {self.times[0]:.1f} s '
                      '(compiling included)', logger='current')
        else:
            print_log(f'second training step: {self.times[1]:.3f} s',
                      logger='current')


def _synchronize():
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
