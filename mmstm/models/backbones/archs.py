"""The arch table: every released scale of every mixer, as data.

Each entry is keyed ``'<stm>-<scale>'`` and holds:

* ``dims``, ``depths``: channels and number of blocks of the four stages;
* ``stm``: the mixer config, or a list of mixer configs cycled over the
  blocks of every stage (e.g. Swin's regular/shifted pair);
* ``stage_stm_options`` (optional): four dicts merged into the mixer config of
  each stage (heads, reduction ratios, ...); a dict with a ``type`` is the
  whole mixer config of its stage instead (hybrids);
* ``mlp_ratios``: MLP expansion, one number or one per stage;
* ``norm_eps``: epsilon of the blocks' LayerNorms (it differs between the
  official mixers, and matters for checkpoint equivalence);
* ``abs_pos_embed`` (optional): add a learned absolute position embedding
  before the first block of every stage (PVT).
"""
import copy

from ..stms.base import mixer_class

ARCH_KEYS = {'dims', 'depths', 'stm', 'stage_stm_options', 'mlp_ratios',
             'norm_eps', 'abs_pos_embed'}
REQUIRED_ARCH_KEYS = {'dims', 'depths', 'stm'}
NUM_STAGES = 4

def _heads(*heads):
    return [dict(num_heads=h) for h in heads]


def _scaled(base_dim):
    return [base_dim * 2**i for i in range(NUM_STAGES)]


def _pvt(depths, dims, mlp_ratios):
    return dict(dims=dims, depths=depths, mlp_ratios=mlp_ratios,
                stm=dict(type='SpatialReductionAttention', qkv_bias=True),
                stage_stm_options=[
                    dict(num_heads=h, sr_ratio=r)
                    for h, r in zip([1, 2, 5, 8], [8, 4, 2, 1])],
                norm_eps=1e-5, abs_pos_embed=True)


def _dcnv3(base_dim, depths, heads):
    return dict(dims=_scaled(base_dim), depths=depths,
                stm=dict(type='DCNv3', kernel_size=3, dw_kernel_size=3),
                stage_stm_options=_heads(*heads), norm_eps=1e-5)



# Swin alternates regular and shifted windows over the blocks of a stage.
SWIN_PAIR = [dict(type='ShiftedWindowAttention', window_size=7, shift=False),
             dict(type='ShiftedWindowAttention', window_size=7, shift=True)]

HALO = dict(type='HaloAttention', block_size=7, halo_size=3,
            pos_embed_type='query_related')
PVT_SMALL_DIMS = [32, 64, 160, 256]
PVT_DIMS = [64, 128, 320, 512]

ARCHS = {
    'halo-micro': dict(dims=_scaled(32), depths=[2, 2, 9, 2], stm=HALO,
                       stage_stm_options=_heads(1, 2, 4, 8), norm_eps=1e-5),
    'halo-tiny': dict(dims=_scaled(96), depths=[2, 2, 6, 2], stm=HALO,
                      stage_stm_options=_heads(3, 6, 12, 24), norm_eps=1e-5),
    'halo-small': dict(dims=_scaled(96), depths=[2, 2, 18, 2], stm=HALO,
                       stage_stm_options=_heads(3, 6, 12, 24), norm_eps=1e-5),
    'halo-base': dict(dims=_scaled(128), depths=[2, 2, 18, 2], stm=HALO,
                      stage_stm_options=_heads(4, 8, 16, 32), norm_eps=1e-5),
    'pvt-micro': _pvt([2, 2, 3, 2], PVT_SMALL_DIMS, [8, 8, 4, 4]),
    'pvt-tiny': _pvt([3, 4, 9, 3], PVT_DIMS, [8, 8, 4, 4]),
    'pvt-small': _pvt([3, 4, 21, 3], PVT_DIMS, [8, 8, 4, 4]),
    'pvt-base': _pvt([3, 8, 45, 3], PVT_DIMS, [4, 4, 4, 4]),
    'dcnv3-micro': _dcnv3(32, [2, 2, 9, 2], [2, 4, 8, 16]),
    'dcnv3-tiny': _dcnv3(64, [4, 4, 18, 4], [4, 8, 16, 32]),
    'dcnv3-small': _dcnv3(80, [4, 4, 21, 4], [5, 10, 20, 40]),
    'dcnv3-base': _dcnv3(112, [4, 4, 21, 4], [7, 14, 28, 56]),
    'swin-micro': dict(
        dims=[32, 64, 128, 256], depths=[2, 2, 9, 2], stm=SWIN_PAIR,
        stage_stm_options=_heads(1, 2, 4, 8), norm_eps=1e-6),
    'swin-tiny': dict(
        dims=[96, 192, 384, 768], depths=[2, 2, 6, 2], stm=SWIN_PAIR,
        stage_stm_options=_heads(3, 6, 12, 24), norm_eps=1e-6),
    'swin-small': dict(
        dims=[96, 192, 384, 768], depths=[2, 2, 18, 2], stm=SWIN_PAIR,
        stage_stm_options=_heads(3, 6, 12, 24), norm_eps=1e-6),
    'swin-base': dict(
        dims=[128, 256, 512, 1024], depths=[2, 2, 18, 2], stm=SWIN_PAIR,
        stage_stm_options=_heads(4, 8, 16, 32), norm_eps=1e-6),
    'convnext-micro': dict(
        dims=[32, 64, 128, 256], depths=[3, 3, 8, 3],
        stm=dict(type='DepthwiseConvMixer', kernel_size=7), norm_eps=1e-6),
    'convnext-tiny': dict(
        dims=[96, 192, 384, 768], depths=[2, 2, 9, 2],
        stm=dict(type='DepthwiseConvMixer', kernel_size=7), norm_eps=1e-6),
    'convnext-small': dict(
        dims=[96, 192, 384, 768], depths=[2, 2, 24, 2],
        stm=dict(type='DepthwiseConvMixer', kernel_size=7), norm_eps=1e-6),
    'convnext-base': dict(
        dims=[128, 256, 512, 1024], depths=[2, 2, 24, 2],
        stm=dict(type='DepthwiseConvMixer', kernel_size=7), norm_eps=1e-6),
}


# The arena: mixers beyond the paper's five, each on the U-ConvNeXt dims of
# its scale with depths chosen so that parameters and FLOPs (224x224, the
# backbone) stay within 10% of U-ConvNeXt's (the paper's same-budget rule;
# tests/models/backbones/test_arena_budget.py holds them to it).
CONVNEXT_DIMS = dict(micro=_scaled(32), tiny=_scaled(96), small=_scaled(96),
                     base=_scaled(128))
ATTENTION_HEADS = dict(micro=(1, 2, 4, 8), tiny=(3, 6, 12, 24),
                       small=(3, 6, 12, 24), base=(4, 8, 16, 32))


def _arena(family, stm, depths, stage_stm_options=None):
    """Four arch rows ``<family>-<scale>`` with ``depths[scale]``."""
    return {f'{family}-{scale}': dict(
        dims=CONVNEXT_DIMS[scale], depths=depth, stm=stm, norm_eps=1e-6,
        stage_stm_options=stage_stm_options(scale) if stage_stm_options
        else None) for scale, depth in depths.items()}


def _hybrid_stages(scale):
    """U-ConvNeXt's mixer in stages 1-2, global attention in 3-4."""
    heads = ATTENTION_HEADS[scale]
    return [{}, {}] + [dict(type='GlobalAttention', num_heads=h)
                       for h in heads[2:]]


# Mixer blocks without projections (pooling: no parameters) or with more
# than U-ConvNeXt's 2 C^2 (attention: 4 C^2; SS2D: 3 C^2) take more or fewer
# blocks in stage 3 (and the first stages of micro) to stay in budget.
ARCHS.update(
    **_arena('pool', dict(type='PoolingMixer', pool_size=3), dict(
        micro=[4, 4, 10, 4], tiny=[3, 3, 11, 3], small=[3, 3, 30, 3],
        base=[3, 3, 30, 3])),
    **_arena('replk', dict(type='LargeKernelConvMixer', kernel_size=13,
                           small_kernel=5), dict(
        micro=[3, 3, 6, 3], tiny=[2, 2, 9, 2], small=[2, 2, 24, 2],
        base=[2, 2, 24, 2])),
    **_arena('nat', dict(type='NeighborhoodAttention', kernel_size=7), dict(
        micro=[3, 3, 6, 3], tiny=[2, 2, 7, 2], small=[2, 2, 20, 2],
        base=[2, 2, 20, 2]),
        lambda scale: _heads(*ATTENTION_HEADS[scale])),
    # VMamba v2's SS2D sizes (state size 1, inner width = channels), not its
    # operator: v2 drops the SiLU(z) gate and projection biases, SS2D here
    # keeps both
    **_arena('ss2d', dict(type='SelectiveScan2D', d_state=1, ssm_ratio=1.0),
             dict(micro=[3, 3, 7, 3], tiny=[2, 2, 8, 2], small=[2, 2, 20, 2],
                  base=[2, 2, 20, 2])),
    **_arena('hybrid', dict(type='DepthwiseConvMixer', kernel_size=7), dict(
        micro=[3, 3, 6, 3], tiny=[2, 2, 7, 2], small=[2, 2, 20, 2],
        base=[2, 2, 20, 2]), _hybrid_stages),
)


def _vheat_stages(scale):
    """vHeat's frequency embeddings at the stages' map sizes at 224x224."""
    return [dict(freq_size=224 // 4 // 2**i) for i in range(NUM_STAGES)]


# The 2024-26 mixers. MambaOut's Gated CNN (8 C^2, 16 C^2 with the unified
# block's MLP) takes fewer blocks and one in stage 4 above micro; MLLA
# (5 C^2) and focal modulation, vHeat (4 C^2) a few fewer in stage 3;
# InceptionNeXt's operator sits in U-ConvNeXt's projections, so it keeps
# U-ConvNeXt's depths.
ARCHS.update(
    **_arena('gatedcnn', dict(type='GatedCNNMixer', kernel_size=7), dict(
        micro=[2, 2, 5, 2], tiny=[1, 1, 7, 1], small=[1, 1, 16, 1],
        base=[1, 1, 16, 1])),
    **_arena('mlla', dict(type='MambaLikeLinearAttention'), dict(
        micro=[2, 2, 7, 2], tiny=[2, 2, 5, 2], small=[2, 2, 17, 2],
        base=[2, 2, 17, 2]),
        lambda scale: _heads(*ATTENTION_HEADS[scale])),
    **_arena('focal', dict(type='FocalModulation', focal_window=3,
                           focal_level=2), dict(
        micro=[3, 3, 5, 3], tiny=[2, 2, 6, 2], small=[2, 2, 19, 2],
        base=[2, 2, 19, 2])),
    **_arena('inception', dict(type='InceptionConvMixer',
                               square_kernel_size=3, band_kernel_size=11),
             dict(micro=[3, 3, 8, 3], tiny=[2, 2, 9, 2], small=[2, 2, 24, 2],
                  base=[2, 2, 24, 2])),
    **_arena('vheat', dict(type='HeatConduction'), dict(
        micro=[2, 2, 7, 2], tiny=[2, 2, 6, 2], small=[2, 2, 19, 2],
        base=[2, 2, 19, 2]), _vheat_stages),
)

SCALES = ('micro', 'tiny', 'small', 'base')
def split_arch_name(name):
    """``'swin-tiny'`` -> ``('swin', 'tiny')``."""
    family, scale = name.rsplit('-', 1)
    return family, scale


# the mixer families of the arch table, the paper's five first
FAMILY_NAMES = tuple(dict.fromkeys(split_arch_name(n)[0] for n in ARCHS))


def _check_per_stage(name, value, kind):
    if not isinstance(value, (list, tuple)) or len(value) != NUM_STAGES:
        raise ValueError(f'arch["{name}"] must be a list of {NUM_STAGES} '
                         f'{kind}, got {value!r}')


def resolve_arch(arch):
    """Return a validated, fully explicit copy of ``arch`` (name or dict)."""
    if isinstance(arch, str):
        if arch not in ARCHS:
            raise KeyError(f'Unknown arch "{arch}". Known archs: '
                           f'{", ".join(sorted(ARCHS))}; or pass a dict with '
                           f'keys {sorted(ARCH_KEYS)}')
        arch = ARCHS[arch]
    if not isinstance(arch, dict):
        raise TypeError(f'arch must be a name or a dict, got {type(arch)}')
    arch = copy.deepcopy(dict(arch))
    unknown = set(arch) - ARCH_KEYS
    if unknown:
        raise KeyError(f'Unknown arch key(s) {sorted(unknown)}; '
                       f'allowed: {sorted(ARCH_KEYS)}')
    missing = REQUIRED_ARCH_KEYS - set(arch)
    if missing:
        raise KeyError(f'arch is missing required key(s) {sorted(missing)}')

    _check_per_stage('dims', arch['dims'], 'channel numbers')
    _check_per_stage('depths', arch['depths'], 'block counts')
    if not all(isinstance(d, int) and d > 0 for d in arch['dims']):
        raise ValueError(f'arch["dims"] must be positive ints: {arch["dims"]}')
    if not all(isinstance(d, int) and d >= 0 for d in arch['depths']):
        raise ValueError(
            f'arch["depths"] must be non-negative ints: {arch["depths"]}')

    mlp_ratios = arch.get('mlp_ratios', 4.)
    if isinstance(mlp_ratios, (int, float)):
        mlp_ratios = [mlp_ratios] * NUM_STAGES
    _check_per_stage('mlp_ratios', mlp_ratios, 'numbers')
    arch['mlp_ratios'] = list(mlp_ratios)

    stage_options = arch.get('stage_stm_options') or [{}] * NUM_STAGES
    _check_per_stage('stage_stm_options', stage_options, 'dicts')
    arch['stage_stm_options'] = [dict(o) for o in stage_options]

    stm = arch['stm']
    stm = [stm] if isinstance(stm, dict) else list(stm)
    if not stm or not all(isinstance(c, dict) and 'type' in c for c in stm):
        raise ValueError('arch["stm"] must be a mixer config dict with a '
                         '"type", or a non-empty list of them')
    arch['stm'] = stm
    arch.setdefault('norm_eps', 1e-6)
    arch['abs_pos_embed'] = bool(arch.get('abs_pos_embed', False))
    return arch


def downstream_stm_cfg(cfg):
    """``cfg`` with the options the paper's downstream code runs its mixer
    with (the mixer class's ``DOWNSTREAM_OPTIONS``) as defaults."""
    options = getattr(mixer_class(cfg['type']), 'DOWNSTREAM_OPTIONS', {})
    return dict(options, **cfg)


def mixer_types(arch):
    """The mixer types the blocks of ``arch`` (a name or dict) use, in
    stage order, each once."""
    arch = resolve_arch(arch)
    return list(dict.fromkeys(
        cfg['type'] for stage in range(NUM_STAGES)
        for cfg in stage_stm_cfgs(arch, stage)))


def stage_stm_cfgs(arch, stage, downstream=False):
    """Mixer configs of the blocks of ``stage``, cycling ``arch['stm']``
    with the stage's options merged in (options with a ``type`` replace the
    mixer config of that stage); ``downstream`` adds the options the
    paper's downstream backbone runs each mixer with."""
    options = arch['stage_stm_options'][stage]
    cycle = [{}] if 'type' in options else arch['stm']
    cfgs = [dict(cycle[i % len(cycle)], **options)
            for i in range(arch['depths'][stage])]
    return [downstream_stm_cfg(c) for c in cfgs] if downstream else cfgs
