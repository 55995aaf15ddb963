"""Parameters, FLOPs and throughput of a model.

FLOPs follow the usual vision convention (one multiply-add counts once, as
in the papers' tables). Besides mmengine's counters, attention computed by
``scaled_dot_product_attention`` is counted (``QK^T`` and ``AV``), and
deformable sampling (``grid_sampler``, DCNv3) counts 4 per sampled value
(bilinear), as mmengine already does.
"""
import statistics
import time
from contextlib import nullcontext

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import get_shape

from mmstm.engine.compile import compile_blocks
from mmstm.models.execution import plain_execution

from .memory import PeakMemory


def sdpa_flop_jit(inputs, outputs):
    """``aten::scaled_dot_product_attention``: ``B N M d + B N M d_v``."""
    q, k, v = (get_shape(t) for t in inputs[:3])
    batch = 1
    for dim in q[:-2]:
        batch *= dim
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def count_flops(model, input_shape, by_operator=False):
    """FLOPs of ``model`` (eval mode) on one input of ``input_shape``
    ``(B, C, H, W)``; with ``by_operator`` a dict operator -> FLOPs. The
    mixers' own formulas are counted (the execution layer's schedules, e.g.
    the tiled neighbourhood's masked products, are not)."""
    model.eval()
    device = next(model.parameters(), torch.empty(0)).device
    inputs = torch.randn(*input_shape, device=device)
    with plain_execution(model):
        analyzer = FlopAnalyzer(model, inputs)
        analyzer.set_op_handle('aten::scaled_dot_product_attention',
                               sdpa_flop_jit)
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        if by_operator:
            return dict(analyzer.by_operator())
        return analyzer.total()


def _sum_outputs(out):
    if isinstance(out, (list, tuple)):
        return sum(_sum_outputs(o) for o in out)
    return out.float().mean()


def _synchronize(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def measure_throughput(model, batch_size, img_size, device='cpu',
                       train=False, amp=False, channels_last=False,
                       warmup=3, repeats=10, compile=False):
    """Images per second: the median over ``repeats`` timed runs, after
    ``warmup`` untimed ones, of inference (no grad) or one training step
    (forward, backward, AdamW update). ``amp``: autocast, in float16 on
    CUDA and bfloat16 on the CPU for ``True``, else in the dtype named
    (``'float16'`` or ``'bfloat16'``; float16 training scales the loss).
    ``compile``: run the model through ``torch.compile``, whole (``True``,
    ``'whole'``) or each block of it (``'regional'``, as ``tools/train.py
    --compile regional``); the first warm-up run then includes compilation.

    Returns:
        dict: ``images_per_s``, ``median_s``, ``runs_s`` (every timed run),
        ``spread`` ((slowest - fastest) / median of the timed runs),
        ``first_run_s`` (the first warm-up run: compilation, allocation)
        and ``peak_memory_mib`` / ``peak_memory_kind`` (see
        :class:`PeakMemory`; the whole measurement, warm-up included).
    """
    device = torch.device(device)
    model = model.to(device)
    memory_format = torch.channels_last if channels_last else \
        torch.contiguous_format
    model = model.to(memory_format=memory_format).train(train)
    forward = model
    if compile == 'regional':
        compile_blocks(model, {})
    elif compile:
        forward = torch.compile(model)
    height, width = (img_size, img_size) if isinstance(img_size, int) \
        else img_size
    inputs = torch.randn(batch_size, 3, height, width, device=device)
    inputs = inputs.contiguous(memory_format=memory_format)
    amp_dtype = getattr(torch, amp) if isinstance(amp, str) else \
        torch.float16 if device.type == 'cuda' else torch.bfloat16
    autocast = torch.autocast(device.type, dtype=amp_dtype) if amp \
        else nullcontext()
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-6) \
        if train else None
    scaler = torch.amp.GradScaler(device.type, enabled=bool(amp) and (
        amp_dtype == torch.float16 and device.type == 'cuda'))

    def step():
        if not train:
            with torch.no_grad(), autocast:
                forward(inputs)
            return
        optimizer.zero_grad(set_to_none=True)
        with autocast:
            loss = _sum_outputs(forward(inputs))
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    return timed_runs(step, batch_size, device, warmup, repeats)


def timed_runs(step, batch_size, device='cpu', warmup=3, repeats=10):
    """Time ``step()`` (one batch of ``batch_size`` images): the
    dict :func:`measure_throughput` returns."""
    device = torch.device(device)
    times = []
    with PeakMemory(device) as peak:
        for _ in range(warmup + repeats):
            _synchronize(device)
            start = time.perf_counter()
            step()
            _synchronize(device)
            times.append(time.perf_counter() - start)
    runs = times[warmup:]
    median = statistics.median(runs)
    return dict(images_per_s=batch_size / median, median_s=median,
                runs_s=runs, spread=(max(runs) - min(runs)) / median,
                first_run_s=times[0], peak_memory_mib=peak.mib,
                peak_memory_kind=peak.kind)
