"""A model of an mmstm config as an ONNX file, checked in onnxruntime.

The graph is recorded by torch's TorchScript exporter from the plain
computation (the execution layer's fast forms are turned off while it
records), with standard ONNX operators only (opset 17: DCNv3's sampling is
``GridSample``). Its input is the normalised image ``(B, 3, H, W)``: the
config's data preprocessor (mean, std) is not part of the graph, as in
mmdeploy's graphs.
"""
import io
import warnings

import torch

from mmstm.models.execution import plain_execution

OPSET = 17
STANDARD_DOMAINS = ('', 'ai.onnx')


class ExportError(RuntimeError):
    """The model (or one of its modules, named) cannot be exported."""


def onnx_packages():
    """``(onnx, onnxruntime)``, or a clear error naming the extra."""
    try:
        import onnx
        import onnxruntime
    except ImportError as error:
        raise ImportError(
            f'ONNX export needs onnx and onnxruntime ({error}): pip install '
            f'"mmstm[deploy]"') from error
    return onnx, onnxruntime


def fixed_size_reasons(model):
    """``{mixer class name: why}`` of the modules of ``model`` whose
    recorded graph holds only at the size it was recorded at
    (``fixed_size_graph``)."""
    return {type(m).__name__: m.fixed_size_graph for m in model.modules()
            if getattr(m, 'fixed_size_graph', None)}


def _exports(module, args):
    try:
        torch.onnx.export(module, args, io.BytesIO(), dynamo=False,
                          opset_version=OPSET)
    except Exception:
        return False
    return True


def failing_module(model, example):
    """``(name, module)``: the innermost module of ``model`` that cannot be
    exported on its own, found by descending from the model into the first
    child whose export fails (each child with the inputs it gets when
    ``model`` runs on ``example``)."""
    inputs = {}
    handles = [m.register_forward_pre_hook(
        lambda module, args: inputs.setdefault(module, args))
        for m in model.modules()]
    try:
        with torch.no_grad():
            model(example)
    finally:
        for handle in handles:
            handle.remove()
    name, module = '', model
    while True:
        for child_name, child in module.named_children():
            if child in inputs and not _exports(child, inputs[child]):
                name = f'{name}.{child_name}' if name else child_name
                module = child
                break
        else:
            return name or type(model).__name__, module


def output_names(model, example):
    """``['logits']`` for a tensor output, ``['feature0', ...]`` for the
    feature maps of a backbone."""
    with torch.no_grad():
        out = model(example)
    if isinstance(out, torch.Tensor):
        return ['logits']
    return [f'feature{i}' for i in range(len(out))]


def export_onnx(model, path, shape, dynamic=False):
    """Write ``model`` (a module of one image tensor, e.g.
    :class:`mmstm.analysis.models.TensorForward`) to ``path``, recorded at
    ``shape`` ``(H, W)``. The batch is always dynamic; with ``dynamic``
    the height and width too, unless a module's graph holds at one size
    (:func:`fixed_size_reasons`), which the returned dict says.

    Returns:
        dict: ``dynamic_size`` (bool), ``fixed_size_reasons``,
        ``output_names``.
    """
    onnx, _ = onnx_packages()
    model.eval()
    example = torch.randn(1, 3, *shape)
    with plain_execution(model):
        reasons = fixed_size_reasons(model) if dynamic else {}
        dynamic_size = dynamic and not reasons
        names = output_names(model, example)
        spatial = {2: 'height', 3: 'width'} if dynamic_size else {}
        axes = {'input': {0: 'batch', **spatial}}
        for name in names:
            axes[name] = {0: 'batch'} if name == 'logits' else \
                {0: 'batch', **{k: f'{name}_{v}' for k, v in spatial.items()}}
        with torch.no_grad(), warnings.catch_warnings():
            # the tracer warns of every size it reads as a Python number
            # (the mixers that decide by a size declare it:
            # fixed_size_graph); torch warns that this exporter is the
            # older one (the newer needs torch.export to follow the mixers'
            # size-dependent Python, and onnxscript)
            warnings.simplefilter('ignore', torch.jit.TracerWarning)
            warnings.simplefilter('ignore', DeprecationWarning)
            try:
                torch.onnx.export(model, (example, ), path, dynamo=False,
                                  opset_version=OPSET, input_names=['input'],
                                  output_names=names, dynamic_axes=axes)
            except Exception as error:
                name, module = failing_module(model, example)
                raise ExportError(
                    f'cannot export module {name!r} '
                    f'({type(module).__name__}) to ONNX: '
                    f'{type(error).__name__}: {error}') from error
    check_standard_operators(onnx.load(path))
    return dict(dynamic_size=dynamic_size, fixed_size_reasons=reasons,
                output_names=names)


def check_standard_operators(proto):
    """Refuse a graph with operators outside the standard ONNX domain
    (custom ops no other runtime has), naming them."""
    onnx, _ = onnx_packages()
    onnx.checker.check_model(proto)
    custom = sorted({f'{node.domain}::{node.op_type}'
                     for node in proto.graph.node
                     if node.domain not in STANDARD_DOMAINS})
    if custom:
        raise ExportError(f'the graph has non-standard operators: {custom}')


def onnx_session(path, threads=None):
    """An onnxruntime CPU session of ``path`` (``threads``: intra-op
    threads, default torch's)."""
    _, onnxruntime = onnx_packages()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
    return onnxruntime.InferenceSession(
        str(path), options, providers=['CPUExecutionProvider'])


def compare_outputs(model, session, inputs):
    """onnxruntime's outputs of ``inputs`` against the model's (plain
    execution), output by output.

    Returns:
        dict: ``max_abs`` (largest absolute difference) and ``relative``
        (that over the largest absolute PyTorch output), over all outputs.
    """
    with plain_execution(model), torch.no_grad():
        expected = model(inputs)
    expected = [expected] if isinstance(expected, torch.Tensor) else \
        list(expected)
    got = session.run(None, {'input': inputs.numpy()})
    if len(got) != len(expected):
        raise ExportError(f'the ONNX graph gives {len(got)} outputs, the '
                          f'model {len(expected)}')
    max_abs = relative = 0.0
    for ours, theirs in zip(got, expected):
        theirs = theirs.numpy()
        if ours.shape != theirs.shape:
            raise ExportError(f'the ONNX graph gives an output of shape '
                              f'{ours.shape}, the model {theirs.shape}')
        diff = float(abs(ours - theirs).max())
        max_abs = max(max_abs, diff)
        relative = max(relative, diff / max(float(abs(theirs).max()), 1e-12))
    return dict(max_abs=max_abs, relative=relative)
