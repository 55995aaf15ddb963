"""Loading a checkpoint for evaluation strictly: mmengine's ``load_from``
only warns about missing or unexpected keys, so the weights of another model
would be evaluated half-loaded. Here any mismatch is an error."""
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)


def load_for_evaluation(model, checkpoint):
    """Load ``checkpoint`` into ``model`` (unwrapping DDP and test-time
    augmentation wrappers), strictly; errors name the mismatching keys."""
    target = model
    while hasattr(target, 'module'):
        target = target.module
    loaded = _load_checkpoint(checkpoint, map_location='cpu')
    try:
        _load_checkpoint_to_model(target, loaded, strict=True)
    except (RuntimeError, KeyError, ValueError) as error:
        # (a released official checkpoint is converted on the fly and
        # fails with KeyError/ValueError when it is of another model)
        raise RuntimeError(
            f'{checkpoint} does not match the model of this config (wrong '
            f'config, or a checkpoint of another model):\n{error}'
        ) from error
    return loaded.get('meta', {})
