"""The arch table: every released scale of every mixer, as data.

Each entry is keyed ``'<stm>-<scale>'`` and holds:

* ``dims``, ``depths``: channels and number of blocks of the four stages;
* ``stm``: the mixer config, or a list of mixer configs cycled over the
  blocks of every stage (e.g. Swin's regular/shifted pair);
* ``stage_stm_options`` (optional): four dicts merged into the mixer config of
  each stage (heads, reduction ratios, ...);
* ``mlp_ratios``: MLP expansion, one number or one per stage;
* ``norm_eps``: epsilon of the blocks' LayerNorms (it differs between the
  official mixers, and matters for checkpoint equivalence).
"""
import copy

ARCH_KEYS = {'dims', 'depths', 'stm', 'stage_stm_options', 'mlp_ratios',
             'norm_eps'}
REQUIRED_ARCH_KEYS = {'dims', 'depths', 'stm'}
NUM_STAGES = 4



def _heads(*heads):
    return [dict(num_heads=h) for h in heads]


# Swin alternates regular and shifted windows over the blocks of a stage.
SWIN_PAIR = [dict(type='ShiftedWindowAttention', window_size=7, shift=False),
             dict(type='ShiftedWindowAttention', window_size=7, shift=True)]

ARCHS = {
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
    return arch


def stage_stm_cfgs(arch, stage):
    """Mixer configs of the blocks of ``stage``, cycling ``arch['stm']``."""
    options = arch['stage_stm_options'][stage]
    cycle = arch['stm']
    return [dict(cycle[i % len(cycle)], **options)
            for i in range(arch['depths'][stage])]
