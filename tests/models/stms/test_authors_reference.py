"""The arena's mixers compute what their authors' code computes: for every
reference file (``tests/data/reference/arena2/<family>.pth``, or those in
the directory named by ``MMSTM_ARENA_REFERENCE``; the format is described
in tests/data/README.md), the authors' weights, converted by the mixer's
own converter and loaded strictly, reproduce the authors' outputs and
input gradients at every stored size."""
import glob
import os
import os.path as osp

import pytest
import torch

from mmstm.models.backbones.archs import FAMILY_NAMES, mixer_types
from mmstm.models.stms import mixer_class

from tests.conftest import DATA_DIR
from tests.numerics import (SUMMATION_ORDER, assert_differs,
                            assert_relatively_close)

REFERENCE_DIR = os.environ.get('MMSTM_ARENA_REFERENCE') or osp.join(
    DATA_DIR, 'reference', 'arena2')
REFERENCE_FILES = sorted(glob.glob(osp.join(REFERENCE_DIR, '*.pth')))


def authors_mixer(reference):
    """The family's mixer built with the authors' options, holding the
    authors' converted weights, in eval mode."""
    family = osp.splitext(osp.basename(reference))[0]
    assert family in FAMILY_NAMES, \
        f'{reference}: no family {family!r} in the arch table'
    (mixer_type,) = mixer_types(f'{family}-micro')
    cls = mixer_class(mixer_type)
    ref = torch.load(reference, weights_only=True)
    embed_dims = next(iter(ref['inputs'].values())).shape[-1]
    mixer = cls(embed_dims, **cls.authors_options(ref['init_args']))
    state_dict = cls.convert_authors_state_dict(ref['state_dict'])
    state_dict.update({k: ref[k] for k in cls.AUTHORS_OUTSIDE})
    mixer.load_state_dict(state_dict, strict=True)
    return mixer.eval(), ref


def test_every_reference_set_is_found():
    assert REFERENCE_FILES, f'no reference files in {REFERENCE_DIR}'
    if 'MMSTM_ARENA_REFERENCE' not in os.environ:
        stems = {osp.splitext(osp.basename(f))[0] for f in REFERENCE_FILES}
        assert stems == {'gatedcnn', 'mlla', 'focal', 'inception', 'vheat'}


@pytest.mark.parametrize('reference', REFERENCE_FILES, ids=osp.basename)
def test_outputs_and_input_gradients_equal_the_authors(reference):
    mixer, ref = authors_mixer(reference)
    assert ref['layout'] == 'NHWC'
    for size in ref['sizes']:
        x = ref['inputs'][size].clone().requires_grad_(True)
        out = mixer(x)
        (grad,) = torch.autograd.grad((out * ref['grad_outputs'][size]).sum(),
                                      x)
        # the same formula in other kernels, maybe on another CPU
        assert_relatively_close(out, ref['outputs'][size], SUMMATION_ORDER,
                                f'output at {size}')
        assert_relatively_close(grad, ref['input_grads'][size],
                                SUMMATION_ORDER, f'input gradient at {size}')


@pytest.mark.parametrize('reference', REFERENCE_FILES, ids=osp.basename)
def test_every_authors_tensor_moves_the_output(reference):
    """The comparison is not blind to a tensor: perturbing any converted
    weight by 1% changes the output by more than it allows."""
    mixer, ref = authors_mixer(reference)
    size = ref['sizes'][0]
    with torch.no_grad():
        want = mixer(ref['inputs'][size])
        for name, param in mixer.named_parameters():
            saved = param.clone()
            param.mul_(1.01)
            moved = mixer(ref['inputs'][size])
            param.copy_(saved)
            assert_differs(moved, want, SUMMATION_ORDER, name)


def test_a_foreign_key_is_refused_by_name():
    cls = mixer_class('FocalModulation')
    with pytest.raises(KeyError, match="'norm1.weight'"):
        cls.convert_authors_state_dict({'norm1.weight': torch.ones(4)})
