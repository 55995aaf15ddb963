"""The paper's fairness rule for the arena mixers: at each scale, the
parameters and FLOPs (224x224) of the backbone stay within 10% of
U-ConvNeXt's."""
import pytest

from mmstm.analysis.complexity import count_flops, count_parameters
from mmstm.models.backbones.archs import ARCHS, mixer_types, split_arch_name
from mmstm.models.backbones.unified import UnifiedBackbone

from tests.conftest import ARENA_FAMILIES

ARENA_ARCHS = sorted(name for name in ARCHS
                     if split_arch_name(name)[0] in ARENA_FAMILIES)
BUDGET = 0.10
_convnext = {}


def complexity(arch, flops):
    model = UnifiedBackbone(arch=arch)
    return (count_parameters(model),
            count_flops(model, (1, 3, 224, 224)) if flops else None)


def within_budget(arch, flops):
    scale = split_arch_name(arch)[1]
    if (scale, flops) not in _convnext:
        _convnext[scale, flops] = complexity(f'convnext-{scale}', flops)
    for got, want in zip(complexity(arch, flops), _convnext[scale, flops]):
        if want is not None:
            assert abs(got / want - 1) <= BUDGET, (arch, got, want)


def test_the_arena_has_four_scales_of_five_mixers_at_least():
    families = {split_arch_name(a)[0] for a in ARENA_ARCHS}
    assert len(families) >= 5 and len(ARENA_ARCHS) == 4 * len(families)


@pytest.mark.parametrize('arch', ARENA_ARCHS)
def test_parameters_within_the_convnext_budget(arch):
    within_budget(arch, flops=False)


@pytest.mark.parametrize('arch', [a for a in ARENA_ARCHS
                                  if a.endswith(('-micro', '-tiny'))])
def test_flops_within_the_convnext_budget(arch):
    # micro and tiny (the larger scales repeat the same blocks; counting
    # their FLOPs takes minutes on a CPU)
    within_budget(arch, flops=True)


def test_mixer_types_count_a_stage_s_own_mixer():
    assert mixer_types('hybrid-tiny') == ['DepthwiseConvMixer',
                                          'GlobalAttention']
    assert mixer_types('swin-micro') == ['ShiftedWindowAttention']
