"""Mechanics the mixers share: padding a channels-last map, geometry
(masks, index tables, reference points) derived from the input shape and
built once per shape, and mixing a large batch a few samples at a time."""
from collections import OrderedDict

import torch
import torch.nn.functional as F

from ..fused_linear import eager_cpu

# Elements (4 Mi: 16 MiB of float32) of the largest intermediate a mixer may
# make at once on the CPU. glibc serves every block above 32 MiB by a fresh
# mmap, which page-faults and zero-fills each call: U-HaloNet's stage-1
# attention logits (51 MB at batch 8), DCNv3's sampled values (58 MB) and
# SS2D's scan states (1.2 GB) cost more that way than their arithmetic. A few
# samples at a time, the same blocks come from the heap again and stay in
# cache longer: at batch 8, 224x224, 2 threads, inference / training step of
# U-Halo-T 1.33x / 1.08x as fast, U-InternImage-T 1.26x / 1.20x, SS2D-T
# 1.18x / 1.89x (budgets of 2 and 8 Mi were no better).
CHUNK_ELEMENTS = 1 << 22


def pad_to_multiple(x, multiple, value=0.0):
    """Pad a channels-last map ``(B, H, W, C)`` on the bottom/right so that
    ``H`` and ``W`` are multiples of ``multiple``."""
    height, width = x.shape[1:3]
    pad_h, pad_w = -height % multiple, -width % multiple
    if pad_h or pad_w:
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h), value=value)
    return x


class ShapeCache:
    """What a mixer derives from its input's shape, built by ``build`` once
    per key (height, width, device) and reused by every later forward. At
    most ``capacity`` shapes are kept (multi-scale training and sliding-
    window testing see many); the least recently used goes first."""

    def __init__(self, capacity=32):
        self.capacity = capacity
        self._entries = OrderedDict()

    def get(self, key, build, *args):
        """The entry of ``key``, made by ``build(*args)`` if missing.

        Under ``torch.compile`` the entry is built in the graph instead: a
        cache the graph read would add a guard on its contents, and every
        new size would compile again."""
        if torch.compiler.is_compiling():
            return build(*args)
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        value = self._entries[key] = build(*args)
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return value

    def __len__(self):
        return len(self._entries)


def mix_in_sample_chunks(mix, x, elements_per_sample):
    """``mix(x)`` for a mixer function ``mix`` that mixes each sample on its
    own (the mixer contract), a few samples at a time where its largest
    intermediate, ``elements_per_sample`` per sample, would exceed
    ``CHUNK_ELEMENTS`` for the whole batch: only in eager CPU execution (the
    GPU's caching allocator and torch.compile's memory planning have no such
    cost), with the outputs concatenated. Outputs and gradients are those of
    ``mix(x)``."""
    batch = x.shape[0]
    chunks = -(-batch * elements_per_sample // CHUNK_ELEMENTS)
    if chunks <= 1 or not eager_cpu(x):
        return mix(x)
    samples = -(-batch // chunks)  # chunks of even size: 4 + 4, not 7 + 1
    return torch.cat([mix(chunk) for chunk in x.split(samples)])


class _GatherTokens(torch.autograd.Function):
    """``tokens.index_select(1, index)`` for an index without repeats,
    whose gradient is therefore a copy back to the same places
    (``index_copy_``), not the accumulation autograd's ``index_add_``
    does."""

    @staticmethod
    def forward(ctx, tokens, index):
        ctx.save_for_backward(index)
        ctx.count = tokens.shape[1]
        return tokens.index_select(1, index)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        grad_tokens = grad.new_zeros(grad.shape[0], ctx.count,
                                     *grad.shape[2:])
        return grad_tokens.index_copy_(1, index, grad), None


def gather_tokens(tokens, index):
    """``(B, n, C)`` tokens -> ``(B, len(index), C)``, token ``i`` of the
    result being ``tokens[:, index[i]]``; ``index`` holds no repeats (a
    permutation, or one followed by a crop)."""
    if eager_cpu(tokens) and torch.is_grad_enabled():
        return _GatherTokens.apply(tokens, index)
    return tokens.index_select(1, index)
