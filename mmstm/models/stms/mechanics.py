"""Mechanics the mixers share: padding a channels-last map, and geometry
(masks, index tables, reference points) derived from the input shape and
built once per shape."""
from collections import OrderedDict

import torch.nn.functional as F

from ..utils.recording import recording_graph


def round_up(length, multiple):
    """The multiple of ``multiple`` at or above ``length`` (written with
    non-negative operands only: a traced size may floor-divide as a
    truncation)."""
    return (length + multiple - 1) // multiple * multiple


def pad_to_multiple(x, multiple, value=0.0):
    """Pad a channels-last map ``(B, H, W, C)`` on the bottom/right so that
    ``H`` and ``W`` are multiples of ``multiple``."""
    height, width = x.shape[1:3]
    pad_h = round_up(height, multiple) - height
    pad_w = round_up(width, multiple) - width
    if pad_h or pad_w or recording_graph():
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

        While a graph is recorded the entry is built in the graph instead:
        under ``torch.compile`` a cache the graph read would add a guard on
        its contents, and every new size would compile again; an ONNX
        export would hold the cached tensors of one size as constants."""
        if recording_graph():
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
