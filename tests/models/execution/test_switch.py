"""The execution layer's switch: on, off, and the same function either way
for every family of the arch table."""
import copy

import pytest
import torch

from mmstm.models import UnifiedBackbone
from mmstm.models.blocks import MLP, UnifiedBlock
from mmstm.models.execution import (ENV_VAR, FAST_FORMS, apply_execution,
                                    fast_execution_enabled, is_fast,
                                    plain_execution)
from mmstm.models.stms import BaseSTM, registered_mixers

from tests.conftest import STM_FAMILIES, tiny_arch
from tests.numerics import (REORDERED_KERNELS, assert_all_relatively_close,
                            assert_differs, parameter_gradient_names)


def _plain_types(model):
    return {type(m) for m in model.modules()} & set(FAST_FORMS.values())


@pytest.mark.parametrize('value, enabled', [
    (None, True), ('1', True), ('on', True), ('0', False), ('False', False),
    ('no', False)])
def test_the_environment_variable_turns_it_off(value, enabled, monkeypatch):
    if value is None:
        monkeypatch.delenv(ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(ENV_VAR, value)
    assert fast_execution_enabled() is enabled
    backbone = UnifiedBackbone(tiny_arch('convnext'))
    assert is_fast(backbone) is enabled
    # the backbone's own option wins over the environment
    assert is_fast(UnifiedBackbone(tiny_arch('convnext'),
                                   fast_execution=not enabled)) is not enabled


def test_a_bad_environment_value_is_named(monkeypatch):
    monkeypatch.setenv(ENV_VAR, 'fast')
    with pytest.raises(ValueError, match=f'{ENV_VAR}.*fast'):
        UnifiedBackbone(tiny_arch('convnext'))


def test_off_the_model_is_plain_pytorch():
    backbone = UnifiedBackbone(tiny_arch('swin'), fast_execution=False)
    assert not _plain_types(backbone)
    assert {type(m) for m in backbone.modules()} >= {UnifiedBlock, MLP}


def test_turned_off_and_on_in_place_with_the_same_state():
    backbone = UnifiedBackbone(tiny_arch('dcnv3'))
    state = copy.deepcopy(backbone.state_dict())
    names = [n for n, _ in backbone.named_parameters()]
    with plain_execution(backbone):
        assert not is_fast(backbone)
    assert is_fast(backbone)
    apply_execution(backbone, fast=False)
    assert not is_fast(backbone)
    assert [n for n, _ in backbone.named_parameters()] == names
    assert all(torch.equal(v, state[k])
               for k, v in backbone.state_dict().items())


def test_every_fast_form_subclasses_what_it_replaces():
    for plain, fast in FAST_FORMS.items():
        assert issubclass(fast, plain)
    # no mixer module imports the execution layer
    for cls in registered_mixers().values():
        source = open(__import__('inspect').getfile(cls)).read()
        assert 'execution' not in source.split('class ')[0], cls


def _pair(family, **options):
    torch.manual_seed(0)
    fast = UnifiedBackbone(tiny_arch(family), out_indices=(0, 1, 2, 3),
                           drop_path_rate=0.5, layer_scale_init_value=0.5,
                           fast_execution=True, **options)
    fast.init_weights()
    with torch.no_grad():  # DCNv3 starts with zero offsets
        for param in fast.parameters():
            param.add_(torch.randn_like(param) * 0.02)
    plain = apply_execution(copy.deepcopy(fast), fast=False)
    assert is_fast(fast) and not is_fast(plain)
    return fast, plain


def _inference_and_training_step(model, x):
    """The stage outputs in inference at ``x``'s size; the input's and every
    parameter's gradient of a training step with stochastic depth (the same
    masks from the same seed)."""
    with torch.no_grad():
        outputs = list(model.eval()(x))
    torch.manual_seed(1)
    inputs = x.clone().requires_grad_()
    loss = sum((out * out.mean((0, 2, 3), keepdim=True)).sum()
               for out in model.train()(inputs))
    loss.backward()
    return outputs, [inputs.grad] + [p.grad for p in model.parameters()]


STAGE_NAMES = [f'stage {i} output' for i in range(4)]


@pytest.mark.parametrize('family', STM_FAMILIES)
def test_both_settings_compute_the_same_function(family):
    """Inference at an odd size and a training step: outputs and every
    gradient, each within rounding of its scale."""
    fast, plain = _pair(family)
    x = torch.randn(4, 3, 45, 59)
    got_outputs, got_gradients = _inference_and_training_step(fast, x)
    outputs, gradients = _inference_and_training_step(plain, x)
    assert_all_relatively_close(got_outputs, outputs, REORDERED_KERNELS,
                                STAGE_NAMES)
    names = ['input gradient'] + parameter_gradient_names(plain)
    assert_all_relatively_close(got_gradients, gradients, REORDERED_KERNELS,
                                names, gradients=True)


@pytest.mark.parametrize('family', ['convnext', 'swin'])
def test_the_comparison_sees_a_one_percent_change(family):
    fast, plain = _pair(family)
    x = torch.randn(4, 3, 45, 59)
    _, gradients = _inference_and_training_step(plain, x)
    mixer = next(m for m in fast.modules() if isinstance(m, BaseSTM))
    with torch.no_grad():  # its largest weight, in the first block
        max(mixer.parameters(), key=torch.numel).mul_(1.01)
    _, got_gradients = _inference_and_training_step(fast, x)
    assert_differs(got_gradients, gradients, REORDERED_KERNELS,
                   'the gradients', gradients=True)
