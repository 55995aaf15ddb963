"""Whether a forward runs or is recorded as a graph."""
import torch


def recording_graph():
    """Whether this forward is being recorded as a graph (``torch.compile``
    or an ONNX export) rather than run. Geometry derived from the input's
    shape (masks, index tables, resized embeddings) is then built in the
    graph, not taken from a per-shape cache or a same-size shortcut, so
    that one graph serves every input size."""
    return torch.compiler.is_compiling() or torch.onnx.is_in_onnx_export()
