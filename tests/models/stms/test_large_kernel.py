import pytest
import torch

from mmstm.models.backbones.unified import UnifiedBackbone
from mmstm.models.stms import LargeKernelConvMixer

from tests.conftest import tiny_arch
from tests.numerics import (REORDERED_KERNELS, assert_all_relatively_close,
                            assert_relatively_close)


def trained(mixer):
    """``mixer`` with BN statistics and affine values away from their
    initial ones, in eval mode."""
    torch.manual_seed(0)
    for name, param in mixer.named_parameters():
        if '.bn.' in name:
            param.data.uniform_(0.5, 1.5)
    mixer.train()
    with torch.no_grad():
        for _ in range(3):
            mixer(torch.randn(4, 9, 9, mixer.embed_dims) * 2 + 1)
    return mixer.eval()


@pytest.mark.parametrize('small_kernel', [5, None])
def test_deploy_form_computes_the_training_form(small_kernel):
    mixer = trained(LargeKernelConvMixer(8, kernel_size=13,
                                         small_kernel=small_kernel))
    x = torch.randn(2, 11, 6, 8)  # smaller than the kernel on one side
    want = mixer(x)
    mixer.switch_to_deploy()
    mixer.switch_to_deploy()  # idempotent
    assert mixer.deployed and not hasattr(mixer, 'large')
    # the merged kernel sums the branches in the convolution
    assert_relatively_close(mixer(x), want, REORDERED_KERNELS, 'output')


def test_a_deployed_state_dict_loads_into_a_deploy_built_mixer():
    mixer = trained(LargeKernelConvMixer(8))
    mixer.switch_to_deploy()
    built = LargeKernelConvMixer(8, deploy=True)
    built.load_state_dict(mixer.state_dict())
    x = torch.randn(1, 4, 5, 8)
    torch.testing.assert_close(built(x), mixer(x))


def test_training_form_is_the_sum_of_both_branches():
    mixer = trained(LargeKernelConvMixer(8, kernel_size=7, small_kernel=3))
    x = torch.randn(1, 5, 5, 8)
    nchw = mixer.input_proj(x).permute(0, 3, 1, 2)
    spatial = mixer.large.bn(mixer.large.conv(nchw)) + \
        mixer.small.bn(mixer.small.conv(nchw))
    torch.testing.assert_close(
        mixer(x), mixer.output_proj(spatial.permute(0, 2, 3, 1)))


def test_even_or_too_large_small_kernels_are_refused():
    with pytest.raises(ValueError, match='odd kernel_size'):
        LargeKernelConvMixer(8, kernel_size=12)
    with pytest.raises(ValueError, match='smaller than kernel_size'):
        LargeKernelConvMixer(8, kernel_size=5, small_kernel=7)


def test_the_backbone_re_parameterises_every_mixer():
    backbone = UnifiedBackbone(arch=tiny_arch('replk')).eval()
    for mixer in backbone.modules():
        if isinstance(mixer, LargeKernelConvMixer):
            trained(mixer)
    x = torch.randn(1, 3, 45, 37)
    want = backbone(x)
    backbone.switch_to_deploy()
    assert all(m.deployed for m in backbone.modules()
               if isinstance(m, LargeKernelConvMixer))
    assert_all_relatively_close(backbone(x), want, REORDERED_KERNELS,
                                [f'output {i}' for i in range(len(want))])
