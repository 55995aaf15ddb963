"""The execution layer's one switch, and how its strategies are applied.

A strategy is a subclass of a model class (a mixer, the block, the MLP,
``nn.Linear``) that computes the same function on a faster schedule on some
device, registered with :func:`fast_form`. :func:`apply_execution` turns the
modules of a model into their fast forms, or back into their plain classes,
in place: parameters, buffers and state-dict keys stay as they are.
"""
import os
from contextlib import contextmanager

ENV_VAR = 'MMSTM_FAST_EXECUTION'
_ON, _OFF = ('1', 'true', 'on', 'yes'), ('0', 'false', 'off', 'no')

# plain class -> its fast form, and back
FAST_FORMS = {}
_PLAIN_FORMS = {}


def fast_form(plain):
    """Register the decorated subclass of ``plain`` as its fast form."""

    def register(fast):
        if not issubclass(fast, plain):
            raise TypeError(f'{fast.__name__} must subclass {plain.__name__}')
        FAST_FORMS[plain] = fast
        _PLAIN_FORMS[fast] = plain
        return fast

    return register


def fast_execution_enabled(fast_execution=None):
    """Whether models run through the execution layer: ``fast_execution``
    where given (a backbone's option), else the environment variable
    ``MMSTM_FAST_EXECUTION`` (default on)."""
    if fast_execution is not None:
        return bool(fast_execution)
    value = os.environ.get(ENV_VAR, '1').strip().lower()
    if value not in _ON + _OFF:
        raise ValueError(f'{ENV_VAR} must be one of {_ON + _OFF}, got '
                         f'{os.environ[ENV_VAR]!r}')
    return value in _ON


def apply_execution(model, fast=True):
    """Turn every module of ``model`` that has a fast form into it
    (``fast=True``) or back into its plain class (``fast=False``); returns
    ``model``. The function computed stays the same up to float
    rounding."""
    for module in model.modules():
        cls = type(module)
        if fast and cls in FAST_FORMS:
            module.__class__ = FAST_FORMS[cls]
        elif not fast and cls in _PLAIN_FORMS:
            module.__class__ = _PLAIN_FORMS[cls]
    return model


def is_fast(model):
    """Whether some module of ``model`` runs in its fast form."""
    return any(type(m) in _PLAIN_FORMS for m in model.modules())


@contextmanager
def plain_execution(model):
    """Run ``model`` as plain PyTorch inside the block (e.g. to count the
    FLOPs of the mixers' formulas), its fast forms restored after."""
    fast = [m for m in model.modules() if type(m) in _PLAIN_FORMS]
    apply_execution(model, fast=False)
    try:
        yield model
    finally:
        for module in fast:
            module.__class__ = FAST_FORMS[type(module)]
