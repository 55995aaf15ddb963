"""The spatial token mixer (STM) contract every mixer of mmstm follows.

A mixer is built as ``MixerClass(embed_dims, num_heads=..., **own_options)``
and maps a channels-last tensor ``(B, H, W, C)`` to one of the same shape for
any ``H`` and ``W``, each sample on its own (BatchNorm's training statistics
aside). It knows nothing of stage index, block index or image size: whatever
depends on the spatial size is derived from the input.

Two facts a mixer declares for the execution layer (``mmstm/models/
execution``), which may run a batch in parts: :attr:`BaseSTM.samplewise` and
:meth:`BaseSTM.largest_elements_per_sample`.
"""
import torch
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from mmstm.registry import MODELS

# How windowed mixers treat the padding that brings a map to a multiple of
# their window: 'masked' keys are left out of the softmax (a token sees only
# real tokens); 'zeros' are attended like any token, as the paper's detection
# code does.
PADDING_MODES = ('masked', 'zeros')


def check_padding(padding):
    if padding not in PADDING_MODES:
        raise ValueError(f'padding must be one of {PADDING_MODES}, got '
                         f'{padding!r}')
    return padding


def check_odd(mixer, **sizes):
    """Refuse even window/kernel sizes by name: they have no centre, and
    ``size // 2`` padding would shift the map."""
    for name, size in sizes.items():
        if size is not None and size % 2 != 1:
            raise ValueError(f'{mixer} needs an odd {name}, got {size}')


class BaseSTM(BaseModule):
    """Base class of the spatial token mixers.

    Args:
        embed_dims (int): Channels of the input and the output.
        num_heads (int, optional): Attention heads or deformable groups, for
            the mixers that have them.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    # Mixers reproduced from their authors' own code (the arena) say how the
    # authors' module maps onto them: key prefixes of the authors' state
    # dict -> this mixer's (a prefix mapped to None is dropped: buffers the
    # mixer derives from the input shape).
    AUTHORS_KEYS = None
    # Tensors of the mixer that its authors keep outside their module (vHeat's
    # stage-level frequency embedding): the converted dict takes them under
    # these names.
    AUTHORS_OUTSIDE = ()
    # The authors' constructor arguments -> this mixer's options.
    AUTHORS_OPTIONS = {}

    def __init__(self, embed_dims, num_heads=None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if embed_dims <= 0:
            raise ValueError(f'embed_dims must be positive, got {embed_dims}')
        if num_heads is not None and embed_dims % num_heads != 0:
            raise ValueError(f'{type(self).__name__}: embed_dims={embed_dims} '
                             f'is not divisible by num_heads={num_heads}')
        self.embed_dims = embed_dims
        self.num_heads = num_heads

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @classmethod
    def authors_options(cls, init_args):
        """This mixer's options for the keyword arguments the authors'
        module was built with (renamed by ``AUTHORS_OPTIONS``)."""
        return {ours: init_args[theirs]
                for theirs, ours in cls.AUTHORS_OPTIONS.items()
                if theirs in init_args}

    @classmethod
    def convert_authors_state_dict(cls, state_dict):
        """The authors' mixer ``state_dict`` under this mixer's names, so a
        mixer trained in the authors' code loads here (``load_state_dict``,
        strict). Every key must match one of ``AUTHORS_KEYS``."""
        if cls.AUTHORS_KEYS is None:
            raise NotImplementedError(
                f'{cls.__name__} has no converter from its authors\' code')
        converted = {}
        for key, value in state_dict.items():
            prefix = next((p for p in cls.AUTHORS_KEYS if key.startswith(p)),
                          None)
            if prefix is None:
                raise KeyError(
                    f'{cls.__name__}: the authors\' key {key!r} is none of '
                    f'{sorted(cls.AUTHORS_KEYS)}; is this the authors\' '
                    f'mixer module?')
            if cls.AUTHORS_KEYS[prefix] is not None:
                converted[cls.AUTHORS_KEYS[prefix] + key[len(prefix):]] = \
                    value
        return converted

    @property
    def samplewise(self):
        """Whether each sample's output depends on that sample alone, in
        training too (no BatchNorm), so a batch may be mixed in parts."""
        return not any(isinstance(m, _BatchNorm) for m in self.modules())

    @property
    def fixed_size_graph(self):
        """Why a graph recorded from this mixer (an ONNX export) holds only
        at the input size it was recorded at, where that is so: its forward
        decides something by the size in Python. None: one graph serves
        every size."""
        return None

    def largest_elements_per_sample(self, x: torch.Tensor):
        """Elements per sample of the largest intermediate tensor the mixer
        makes for input ``x`` (0 when none is larger than its input); an
        execution strategy mixes a large batch in parts by it."""
        return 0

    def check_input(self, x: torch.Tensor):
        if x.dim() != 4 or x.shape[-1] != self.embed_dims:
            raise ValueError(
                f'{type(self).__name__} expects a channels-last tensor '
                f'(B, H, W, {self.embed_dims}), got shape {tuple(x.shape)}')


def mixer_class(stm_type):
    """The registered mixer class of ``stm_type`` (e.g. ``'DCNv3'``), for its
    class-level facts (official key names, downstream options)."""
    mixer = MODELS.get(stm_type)
    if mixer is None:
        raise KeyError(f'unknown mixer type {stm_type!r}')
    return mixer


def registered_mixers():
    """``{name: class}`` of every registered mixer (a ``BaseSTM``
    subclass), for whatever must cover every mixer."""
    return {name: cls for name, cls in MODELS.module_dict.items()
            if isinstance(cls, type) and issubclass(cls, BaseSTM)}
