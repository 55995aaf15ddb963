"""Linear layers whose bias (and GELU) are fused into the matrix product in
CPU inference.

``nn.Linear`` on the CPU first copies its bias into the whole output and then
adds the product to it, and GELU is one more pass over the output: at the
first stages' token counts these passes cost as much as the product. oneDNN's
linear kernel (the one inductor uses) does all three in one pass; eager
PyTorch exposes it as ``torch.ops.mkldnn._linear_pointwise``, without
autograd. So it is taken only where no gradient is wanted (``torch.no_grad``
or ``inference_mode``: testing, the analysis tools), on CPU float32 tensors
(bfloat16 too where the CPU has bfloat16 instructions), outside autocast,
tracing and ``torch.compile`` (which fuses by itself, and whose FLOP
counting needs ATen's ``linear``); everywhere else these are ``nn.Linear``
and ``F.gelu``. Outputs agree with the unfused ones to float rounding.
"""
import torch
import torch.nn.functional as F
from torch import nn

from .switch import fast_form


def _kernel_dtypes():
    """The dtypes oneDNN's linear kernel runs fast here (bfloat16 only on
    CPUs with bfloat16 instructions, where it is not emulated)."""
    try:
        if not (torch.backends.mkldnn.is_available() and hasattr(
                torch.ops.mkldnn, '_linear_pointwise')):
            return ()
        if torch.ops.mkldnn._is_mkldnn_bf16_supported():
            return (torch.float32, torch.bfloat16)
    except (AttributeError, RuntimeError):
        return ()
    return (torch.float32, )


KERNEL_DTYPES = _kernel_dtypes()  # empty where the kernel is missing


def eager_cpu(x):
    """Whether ``x`` is a CPU tensor in plain eager execution: not under
    CPU autocast, tracing, scripting or ``torch.compile``, which plan their
    own kernels (and whose FLOP counting needs ATen's ``linear``)."""
    return (x.device.type == 'cpu' and not torch.is_autocast_enabled('cpu')
            and not torch.jit.is_tracing() and not torch.jit.is_scripting()
            and not torch.compiler.is_compiling())


def needs_grad(x, *layers):
    """Whether autograd wants a gradient of ``x`` or of a parameter of
    ``layers`` here."""
    return torch.is_grad_enabled() and (x.requires_grad or any(
        p.requires_grad for layer in layers for p in layer.parameters()))


def fusable(x, layer):
    """Whether ``layer(x)`` may run through the fused kernel."""
    return (x.dtype in KERNEL_DTYPES and torch.backends.mkldnn.enabled
            and layer.weight.dtype == x.dtype and eager_cpu(x)
            and not needs_grad(x, layer))


def fused(x, layer, activation='none'):
    """``layer(x)`` (``activation``: 'none' or 'gelu', exact) through the
    fused kernel; only where :func:`fusable`, with a bias."""
    if activation == 'gelu':
        return torch.ops.mkldnn._linear_pointwise(x, layer.weight,
                                                  layer.bias, 'gelu', [],
                                                  'none')
    return torch.ops.mkldnn._linear_pointwise(x, layer.weight, layer.bias,
                                              'none', [], '')


@fast_form(nn.Linear)
class FusedLinear(nn.Linear):
    """``nn.Linear`` (same parameters, same state dict) that fuses its bias
    into the product in CPU inference."""

    def forward(self, x):
        if self.bias is not None and fusable(x, self):
            return fused(x, self)
        return super().forward(x)


def linear_gelu(x, layer):
    """``F.gelu(layer(x))`` (exact GELU), in one kernel where fusable."""
    if fusable(x, layer):
        return fused(x, layer, 'gelu')
    return F.gelu(layer(x))
