"""Loading a checkpoint for evaluation strictly: mmengine's ``load_from``
only warns about missing or unexpected keys, so the weights of another model
would be evaluated half-loaded. Here any mismatch is an error."""
from mmengine.logging import print_log
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)

from .weights_choice import DEFAULT_WEIGHTS, choose_weights


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
        _load_checkpoint(checkpoint, map_location='cpu'), weights, checkpoint)
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
