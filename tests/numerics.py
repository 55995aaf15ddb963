"""How the tests compare two computations of one function.

Two float32 computations of the same formula (another schedule, kernel,
compiler or instruction set) sum in other orders, so they differ by rounding
that grows with the size of the values, not by a fixed amount: a difference
is only meaningful against the scale of what is compared. Every comparison
here bounds the largest difference by a fraction of the largest value of the
expected tensor, and a test beside it shows that a 1 % change of one
parameter exceeds that fraction (``assert_differs``).

A list of gradients is compared tensor by tensor, each against its own
largest value or, where that is smaller, a hundredth of the largest
gradient of the list: a gradient that is zero in exact arithmetic (a norm's
bias in front of pooling's ``pool(x) - x``, which ignores constants) holds
only the rounding of the terms that cancelled, whose scale is the model's.
"""
import torch

# The bounds, relative to the largest value compared. Rounding in float32
# is about 1e-7 per operation; these leave room for thousands of terms
# summed in another order, and are still far below the 1e-2 of a parameter
# moved by 1 %.
SUMMATION_ORDER = 1e-5  # the same operations, regrouped
REORDERED_KERNELS = 1e-4  # other kernels (oneDNN, inductor, onnxruntime)
# bfloat16 keeps 8 bits of mantissa (a rounding of 4e-3 per operation):
# against float32 it cannot see a 1 % change, only a wrong formula
BFLOAT16 = 5e-2
# the smallest scale of a gradient in a list, as a fraction of the largest
GRADIENT_FLOOR = 1e-2


def _as_double(tensor):
    return torch.as_tensor(tensor).detach().cpu().double()


def largest_value(tensor):
    tensor = _as_double(tensor)
    return float(tensor.abs().max()) if tensor.numel() else 0.0


def relative_difference(got, want, scale=None):
    """The largest absolute difference of ``got`` and ``want`` divided by
    ``scale`` (by default the largest absolute value of ``want``); 0 where
    both are equal, inf where the scale is 0 and they are not."""
    got, want = _as_double(got), _as_double(want)
    if got.shape != want.shape:
        raise AssertionError(f'shapes differ: {tuple(got.shape)} against '
                             f'{tuple(want.shape)}')
    if torch.equal(got, want):
        return 0.0
    if not (torch.isfinite(got).all() and torch.isfinite(want).all()):
        return float('inf')
    scale = largest_value(want) if scale is None else scale
    difference = float((got - want).abs().max())
    return difference / scale if scale > 0 else float('inf')


def assert_relatively_close(got, want, tolerance, what='the tensors',
                            scale=None):
    """``max|got - want| <= tolerance * scale`` (``scale``: by default
    ``max|want|``); the message names ``what`` was compared and both
    figures."""
    scale = largest_value(want) if scale is None else scale
    relative = relative_difference(got, want, scale)
    assert relative <= tolerance, (
        f'{what} differ by {relative:.3g} of the scale {scale:.3g} (at most '
        f'{tolerance:g} allowed)')


def parameter_gradient_names(module):
    """``'gradient of <name>'`` for each parameter of ``module``, in the
    order of ``module.parameters()``."""
    return [f'gradient of {n}' for n, _ in module.named_parameters()]


def _scales(wants, gradients):
    scales = [largest_value(w) for w in wants]
    if gradients:
        floor = GRADIENT_FLOOR * max(scales, default=0.0)
        scales = [max(s, floor) for s in scales]
    return scales


def assert_all_relatively_close(gots, wants, tolerance, names,
                                gradients=False):
    """``assert_relatively_close`` for each pair, named by ``names``;
    ``gradients=True``: each scale at least ``GRADIENT_FLOOR`` of the
    largest (see the module's docstring)."""
    gots, wants, names = list(gots), list(wants), list(names)
    assert len(gots) == len(wants) == len(names), (len(gots), len(wants),
                                                   len(names))
    for got, want, name, scale in zip(gots, wants, names,
                                      _scales(wants, gradients)):
        assert_relatively_close(got, want, tolerance, name, scale)


def assert_differs(gots, wants, tolerance, what='the tensors',
                   gradients=False):
    """The comparison at ``tolerance`` is not blind: ``gots`` (computed
    with a parameter changed by 1 %, or a formula swapped) fails it in one
    tensor at least. Takes a tensor or lists of them, as compared."""
    if isinstance(gots, torch.Tensor):
        gots, wants = [gots], [wants]
    gots, wants = list(gots), list(wants)
    relative = max(relative_difference(g, w, s) for g, w, s in
                   zip(gots, wants, _scales(wants, gradients)))
    assert relative > tolerance, (
        f'{what} differ by only {relative:.3g} after the change, within the '
        f'tolerance {tolerance:g}: the comparison cannot see it')
