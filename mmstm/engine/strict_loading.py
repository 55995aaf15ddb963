"""Loading a checkpoint for evaluation strictly: mmengine's ``load_from``
only warns about missing or unexpected keys, so the weights of another model
would be evaluated half-loaded. Here any mismatch is an error."""
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mmstm.checkpoint import (DEFAULT_WEIGHTS, WEIGHTS, choose_weights,
                              read_checkpoint)


def load_for_evaluation(model, checkpoint, weights=DEFAULT_WEIGHTS):
    """Load the ``weights`` (``'raw'``, the paper's choice, or ``'ema'``) of
    ``checkpoint`` into ``model`` (unwrapping DDP and test-time augmentation
    wrappers), strictly; errors name the mismatching keys. Returns the
    checkpoint's ``meta`` with ``meta['weights']`` saying which entry was
    loaded (also logged)."""
    target = model
    while hasattr(target, 'module'):
        target = target.module
    loaded, description = choose_weights(
        read_checkpoint(checkpoint, map_location='cpu'), weights, checkpoint)
    try:
        _load_checkpoint_to_model(target, loaded, strict=True)
    except (RuntimeError, KeyError, ValueError) as error:
        # (a released official checkpoint is converted on the fly and
        # fails with KeyError/ValueError when it is of another model)
        raise RuntimeError(
            f'{checkpoint} does not match the model of this config (wrong '
            f'config, or a checkpoint of another model):\n{error}'
        ) from error
    print_log(f'loaded the {description} of {checkpoint}', logger='current')
    return dict(loaded.get('meta', {}), weights=description)


def without_ema_hooks(cfg):
    """``cfg`` without its EMA hooks, for evaluating one chosen set of
    weights: at test time an EMAHook would evaluate a copy of the loaded
    weights again (``evaluate_on_origin``) under another name."""
    hooks = cfg.get('custom_hooks') or []
    cfg.custom_hooks = [hook for hook in hooks
                        if not str(hook.get('type', '')).endswith('EMAHook')]
    return cfg


def add_weights_argument(parser, help='of a checkpoint trained with EMA: '
                         "the raw weights (default, the paper's) or their "
                         'EMA'):
    """``--weights raw|ema`` of every tool that reads a checkpoint."""
    parser.add_argument('--weights', choices=WEIGHTS, default=DEFAULT_WEIGHTS,
                        help=help)
