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
"""
import inspect

import torch
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

COMPILED_PARTS = ('backbone', 'neck')


def compile_options(value):
    """``torch.compile`` keyword arguments from the config's ``compile``
    (``True``/``False``/``None`` or a dict of them); ``None`` when off."""
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f'compile must be True, False or a dict of '
                        f'torch.compile options, got {value!r}')
    allowed = set(inspect.signature(torch.compile).parameters) - {'model'}
    unknown = set(value) - allowed
    if unknown:
        raise KeyError(f'compile has unknown option(s) {sorted(unknown)}; '
                       f'torch.compile takes {sorted(allowed)}')
    return dict(value)


def compile_dense_parts(model, options):
    """Compile ``model``'s backbone and neck in place; returns the names
    compiled."""
    if is_model_wrapper(model):
        model = model.module
    compiled = []
    for name in COMPILED_PARTS:
        part = getattr(model, name, None)
        if isinstance(part, torch.nn.Module):
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
    print_log(f'compiled the model\'s {" and ".join(compiled)} in place '
              f'with torch.compile({options or ""}); the first batch of '
              'each new input size (twice at most) is slow',
              logger='current')
    return runner
