"""The unified backbone of the paper: one network, any spatial token mixer."""
import re

import torch
import torch.utils.checkpoint as cp
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmstm.checkpoint import DEFAULT_WEIGHTS, choose_weights, read_checkpoint
from mmstm.registry import MODELS

from ..blocks import BLOCKS
from ..execution import apply_execution, fast_execution_enabled
from ..stms import BaseSTM
from ..utils.position import AbsolutePositionEmbedding
from .archs import NUM_STAGES, resolve_arch, stage_stm_cfgs
from .layers import DOWNSAMPLES, NORM_EPS, STEMS, choose
from .official_weights import official_backbone_state

# where the stage LayerNorms sit: in the trunk after every stage (unified
# classifier), only on the returned outputs (the paper's downstream backbone;
# Swin's final norm), or nowhere (ConvNeXt, whose classifier norms after
# pooling)
STAGE_NORMS = ('every_stage', 'outputs', 'none')
# trunk stage norms of a checkpoint, which a backbone norming its outputs only
# does not have (see UnifiedBackbone.load_pretrained)
TRUNK_NORM_KEY = re.compile(r'^stages\.\d+\.norm\.')
OUT_NORM_KEY = re.compile(r'^stages\.\d+\.out_norm\.')


class Stage(nn.Module):
    """Optional downsampling, optional absolute position embedding, the
    blocks, and the stage's LayerNorms: ``norm`` ends the stage in the trunk
    (the next stage receives its output), ``out_norm`` norms only the map the
    stage returns.

    ``pos_embed_in_branch`` adds the position embedding to the first block's
    mixer input only, its residual taking the map without it (the paper's
    detection code), instead of to the trunk (its classification code).
    """

    def __init__(self, downsample, blocks, norm=None, out_norm=None,
                 pos_embed=None, pos_embed_in_branch=False):
        super().__init__()
        self.downsample = downsample or nn.Identity()
        self.pos_embed = pos_embed or nn.Identity()
        self.blocks = nn.ModuleList(blocks)
        self.norm = norm or nn.Identity()
        self.out_norm = out_norm or nn.Identity()
        self.pos_embed_in_branch = \
            pos_embed_in_branch and pos_embed is not None

    def forward(self, x, checkpoint_blocks=False):
        """Channels-last map -> (trunk output, map to return)."""

        def run(block, *inputs):
            if checkpoint_blocks:
                return cp.checkpoint(block, *inputs, use_reentrant=False)
            return block(*inputs)

        x = self.downsample(x)
        embedded = self.pos_embed(x)
        if not self.pos_embed_in_branch:
            x = embedded
        for j, block in enumerate(self.blocks):
            if j == 0 and self.pos_embed_in_branch:
                x = run(block, x, embedded)
            else:
                x = run(block, x)
        x = self.norm(x)
        return x, self.out_norm(x)


@MODELS.register_module()
class UnifiedBackbone(BaseModule):
    """Unified network of "Demystify Transformers & Convolutions".

    Args:
        arch (str | dict): A key of the arch table (``'convnext-tiny'``, see
            :data:`mmstm.models.backbones.archs.ARCHS`) or a custom arch dict.
        stm_cfg (dict | list[dict], optional): Overrides the arch's mixer: a
            dict is merged into every mixer config, a list replaces the cycle
            of mixer configs.
        in_channels (int): Image channels. Default 3.
        drop_path_rate (float): Stochastic depth, increasing linearly over
            all blocks from 0 to this value.
        layer_scale_init_value (float): Initial layer scale; 0 disables it.
        out_indices (Sequence[int]): Stages whose output is returned.
        frozen_stages (int): -1 freezes nothing, 0 the stem, k the stem and
            the first k stages (ResNet convention).
        norm_eval (bool): Keep BatchNorm layers in eval mode while training.
        with_cp (bool): Activation checkpointing per block.
        pretrain_img_size (int): Image size the absolute position embeddings
            (archs with ``abs_pos_embed``) are stored for; they are
            interpolated to the actual size. Default 224.
        stem (str): ``'unified'`` (two 3x3 convs) or ``'patch_embed'``
            (4x4 patches + norm, Swin/ConvNeXt).
        downsample (str): Between stages: ``'conv'`` (3x3 stride-2 conv +
            norm), ``'patch_merging'`` (Swin) or ``'norm_conv'`` (norm, then
            2x2 stride-2 conv; ConvNeXt).
        block (str): ``'two_residual'`` (mixer and MLP residuals) or
            ``'single_residual'`` (both in one branch, ConvNeXt).
        stage_norm (str, optional): ``'every_stage'`` (a LayerNorm ends
            every stage; the default), ``'outputs'`` (a LayerNorm of its own
            on each returned map, none in the trunk; the default of
            ``downstream``) or ``'none'``.
        downstream (bool): The paper's downstream (detection) backbone: no
            norm in the trunk, a fresh norm on each returned map, the
            absolute position embedding (PVT) added to the first block's
            mixer input only, and each mixer with the options of the paper's
            detection code (its class's ``DOWNSTREAM_OPTIONS``, e.g. Swin and
            Halo attending to zero padding); ``stm_cfg`` still overrides
            them. Default False.
        fast_execution (bool, optional): Run through the execution layer
            (``mmstm.models.execution``: the same function on a faster
            schedule); ``False`` runs the plain PyTorch of the mixers and
            blocks. Default: the environment variable
            ``MMSTM_FAST_EXECUTION`` (on unless ``0``).
        init_cfg (dict, optional): e.g. ``dict(type='Pretrained', ...)``.

    The defaults are the unified classification network; the other values of
    the four switches rebuild the original designs for the paper's ablations.
    """

    def __init__(self,
                 arch='convnext-tiny',
                 stm_cfg=None,
                 in_channels=3,
                 drop_path_rate=0.,
                 layer_scale_init_value=1e-6,
                 out_indices=(3, ),
                 frozen_stages=-1,
                 norm_eval=False,
                 with_cp=False,
                 pretrain_img_size=224,
                 stem='unified',
                 downsample='conv',
                 block='two_residual',
                 stage_norm=None,
                 downstream=False,
                 fast_execution=None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        arch = resolve_arch(arch)
        if isinstance(stm_cfg, dict):
            arch['stm'] = [dict(c, **stm_cfg) for c in arch['stm']]
        elif stm_cfg is not None:
            arch = resolve_arch(dict(arch, stm=list(stm_cfg)))
        self.arch = arch
        self.out_indices = self._check_out_indices(out_indices)
        if not -1 <= frozen_stages <= NUM_STAGES:
            raise ValueError(f'frozen_stages must be in [-1, {NUM_STAGES}], '
                             f'got {frozen_stages}')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        dims = arch['dims']
        self.out_channels = [dims[i] for i in self.out_indices]

        stem_type = choose('stem', stem, STEMS)
        downsample_type = choose('downsample', downsample, DOWNSAMPLES)
        block_type = choose('block', block, BLOCKS)
        if stage_norm is None:
            stage_norm = 'outputs' if downstream else 'every_stage'
        if stage_norm not in STAGE_NORMS:
            raise ValueError(f'Unknown stage_norm "{stage_norm}"; choose one '
                             f'of {list(STAGE_NORMS)}')
        if downstream and stage_norm != 'outputs':
            raise ValueError(
                f'the downstream backbone norms its outputs only '
                f'(stage_norm="outputs"), got stage_norm="{stage_norm}"')
        if downstream and block != 'two_residual':
            raise ValueError('the downstream backbone is built of the '
                             f'unified two-residual block, got "{block}"')
        self.stage_norm = stage_norm
        self.stem = stem_type(in_channels, dims[0])
        drop_path_rates = torch.linspace(0, drop_path_rate,
                                         sum(arch['depths'])).tolist()
        self.stages = nn.ModuleList()
        for i in range(NUM_STAGES):
            first = sum(arch['depths'][:i])
            blocks = [
                block_type(dims[i], stm_cfg=cfg,
                             mlp_ratio=arch['mlp_ratios'][i],
                             drop_path=drop_path_rates[first + j],
                             layer_scale_init_value=layer_scale_init_value,
                             norm_eps=arch['norm_eps'])
                for j, cfg in enumerate(stage_stm_cfgs(arch, i, downstream))
            ]
            downsample = downsample_type(dims[i - 1], dims[i]) if i else None
            pos_embed = None
            if arch['abs_pos_embed']:
                grid = pretrain_img_size // 4 // 2**i
                pos_embed = AbsolutePositionEmbedding(dims[i], (grid, grid))
            norm = out_norm = None
            if stage_norm == 'every_stage':
                norm = nn.LayerNorm(dims[i], eps=NORM_EPS)
            elif stage_norm == 'outputs' and i in self.out_indices:
                out_norm = nn.LayerNorm(dims[i], eps=NORM_EPS)
            self.stages.append(Stage(downsample, blocks, norm, out_norm,
                                     pos_embed,
                                     pos_embed_in_branch=downstream))
        self._freeze_stages()
        apply_execution(self, fast_execution_enabled(fast_execution))

    @staticmethod
    def _check_out_indices(out_indices):
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        out_indices = tuple(i % NUM_STAGES if i < 0 else i
                            for i in out_indices)
        if not out_indices or any(not 0 <= i < NUM_STAGES
                                  for i in out_indices):
            raise ValueError(f'out_indices must name stages 0..'
                             f'{NUM_STAGES - 1}, got {out_indices}')
        return out_indices

    def init_weights(self):
        if self.init_cfg is not None and \
                self.init_cfg.get('type') == 'Pretrained':
            # mmengine's Pretrained init loads non-strictly and only warns;
            # a checkpoint of another arch must fail loudly instead.
            self.load_pretrained(
                self.init_cfg['checkpoint'], self.init_cfg.get('prefix'),
                self.init_cfg.get('weights', DEFAULT_WEIGHTS))
            self._is_init = True
            return
        if self.init_cfg is None:
            # The paper's initialisation: truncated normal for every linear
            # and conv weight, zero biases; then mixers refine theirs.
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    trunc_normal_(m.weight, std=.02)
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
            self._init_mixers()
            super().init_weights()
            return
        super().init_weights()  # the config's init_cfg
        # mmengine's recursion stops at the plain containers around the
        # blocks, so the mixers' own initialisation (e.g. DCNv3's zero
        # offsets) would never run
        self._init_mixers()

    def _init_mixers(self):
        for m in self.modules():
            if isinstance(m, BaseSTM):
                m.init_weights()

    def load_pretrained(self, checkpoint, prefix=None,
                        weights=DEFAULT_WEIGHTS):
        """Load the backbone weights of ``checkpoint`` (a file or URL read
        weights-only; an mmstm checkpoint with keys under ``prefix``, e.g.
        ``'backbone.'`` of a classifier, or a released official checkpoint,
        converted on the fly), strictly: a missing, unexpected or
        mis-shaped key raises an error naming it. Position tables and
        embeddings of other sizes are resized by their modules. ``weights``
        (``init_cfg=dict(type='Pretrained', ..., weights=...)``): of a
        checkpoint trained with EMA, the raw weights (default, as the
        paper's downstream code loads) or ``'ema'``.

        One rule relaxes strictness, the paper's: a backbone that norms its
        outputs only (``stage_norm='outputs'``, the downstream backbone)
        given a classifier whose stages end in a norm drops those trunk
        norms, and its output norms keep their fresh initialisation."""
        loaded, description = choose_weights(
            read_checkpoint(checkpoint, map_location='cpu'),
            weights, checkpoint)
        state = official_backbone_state(self, loaded)
        if state is None:  # an mmstm checkpoint
            state = loaded.get('state_dict', loaded)
            if prefix:
                state = {k[len(prefix):]: v for k, v in state.items()
                         if k.startswith(prefix)}
        if not state:
            raise KeyError(
                f'{checkpoint} has no weights under "{prefix}": neither an '
                'mmstm checkpoint with that prefix nor a released official '
                'checkpoint')
        state, fresh = self._drop_trunk_norms(state)
        missing, unexpected = self.load_state_dict(state, strict=False)
        missing = [k for k in missing if k not in fresh]
        if missing or unexpected:
            raise KeyError(
                f'{checkpoint} does not match this backbone (arch '
                f'{self.arch["dims"]}/{self.arch["depths"]}): missing '
                f'{missing[:5]} ({len(missing)}), unexpected '
                f'{unexpected[:5]} ({len(unexpected)})')
        print_log(f'loaded the backbone from the {description} of '
                  f'{checkpoint}', logger='current')

    def _drop_trunk_norms(self, state):
        """``(state without the trunk norms this backbone lacks, the output
        norm keys that stay fresh)``, per the rule of :meth:`load_pretrained`.
        """
        own = self.state_dict()
        trunk = [k for k in state if TRUNK_NORM_KEY.match(k) and k not in own]
        if self.stage_norm != 'outputs' or not trunk:
            return state, set()
        fresh = {k for k in own if OUT_NORM_KEY.match(k) and k not in state}
        print_log(f'downstream backbone: dropped the {len(trunk)} trunk '
                  f'stage-norm tensors of the checkpoint; {len(fresh)} output '
                  'norm tensors keep their initialisation', logger='current')
        return {k: v for k, v in state.items() if k not in trunk}, fresh

    def _freeze_stages(self):
        frozen = [self.stem] if self.frozen_stages >= 0 else []
        frozen += list(self.stages[:max(self.frozen_stages, 0)])
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    def forward(self, x):
        """NCHW images -> tuple of NCHW maps (strides 4, 8, 16, 32, ceil)."""
        return self.forward_intermediates(x, self.out_indices)

    def switch_to_deploy(self):
        """Re-parameterise every mixer that has a training-only form (e.g.
        ``LargeKernelConvMixer``'s parallel kernels) into its inference
        form; the outputs in eval mode stay the same. Returns ``self``."""
        for module in self.modules():
            if module is not self and hasattr(module, 'switch_to_deploy'):
                module.switch_to_deploy()
        return self

    def forward_intermediates(self, x, indices=(0, 1, 2, 3)):
        """The NCHW outputs of the stages ``indices`` (whatever
        ``out_indices`` the backbone was built with), computed only as deep
        as the last of them; e.g. for the analyses' receptive fields."""
        checkpoint_blocks = (self.with_cp and self.training
                             and torch.is_grad_enabled())
        x = self.stem(x)
        outs = []
        for i, stage in enumerate(self.stages[:max(indices, default=-1) + 1]):
            x, out = stage(x, checkpoint_blocks)
            if i in indices:
                outs.append(out.permute(0, 3, 1, 2).contiguous())
        return tuple(outs)
