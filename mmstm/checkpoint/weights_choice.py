"""Which weights of an ImageNet checkpoint to use: the raw ones or their
exponential moving average (EMA).

A checkpoint written with :class:`mmstm.engine.EMAHook` keeps the raw
weights in ``state_dict`` (as the paper's checkpoints keep them in
``'model'``) and the EMA in ``ema_state_dict``; ``meta['state_dict_weights']
== 'raw'`` says so. mmengine's own EMAHook swaps the two before saving, so
an older checkpoint with an ``ema_state_dict`` and no such mark holds the EMA
in ``state_dict``. A released official checkpoint holds ``'model'`` (raw)
and, when trained with EMA, ``'model_ema'``.

The paper's downstream code, its evaluation and its analyses load the raw
weights: ``'raw'`` is the default everywhere a choice is offered.
"""
WEIGHTS = ('raw', 'ema')
DEFAULT_WEIGHTS = 'raw'
EMA_PREFIX = 'module.'  # mmengine's averaged model wraps the model


class WeightsChoiceError(KeyError):
    """The checkpoint does not hold the weights asked for."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0])


def _check_choice(weights):
    if weights not in WEIGHTS:
        raise ValueError(f'weights must be one of {WEIGHTS}, got {weights!r}')


def _unwrap_ema(ema_state):
    return {key[len(EMA_PREFIX):]: value for key, value in ema_state.items()
            if key.startswith(EMA_PREFIX)}


def choose_weights(checkpoint, weights=DEFAULT_WEIGHTS, name='checkpoint'):
    """``(checkpoint holding only the chosen weights, description)``.

    The returned checkpoint keeps the layout of the input (``'model'`` for an
    official file, ``'state_dict'`` and ``'meta'`` otherwise) so that every
    loader reads it as before; ``description`` says which entry was taken,
    for logs and reports. Raises :class:`WeightsChoiceError` when the file
    has no such weights.
    """
    _check_choice(weights)
    if not isinstance(checkpoint, dict):
        raise TypeError(f'{name}: expected a dict, got {type(checkpoint)}')
    if isinstance(checkpoint.get('model'), dict):  # an official release
        key = 'model' if weights == 'raw' else 'model_ema'
        if not isinstance(checkpoint.get(key), dict):
            raise WeightsChoiceError(
                f'{name} has no EMA weights (no "model_ema" entry; it holds '
                f'{sorted(checkpoint)}): use the raw weights')
        return {'model': checkpoint[key]}, f'{weights} weights ("{key}")'
    if 'state_dict' not in checkpoint:  # a bare state dict: plain weights
        if weights == 'ema':
            raise WeightsChoiceError(f'{name} is a bare state dict without '
                                     'EMA weights: use the raw weights')
        return checkpoint, 'raw weights (a bare state dict)'
    chosen = {k: v for k, v in checkpoint.items()
              if k not in ('state_dict', 'ema_state_dict')}
    if 'ema_state_dict' not in checkpoint:
        if weights == 'ema':
            raise WeightsChoiceError(
                f'{name} was not trained with an EMAHook (no '
                '"ema_state_dict"): it holds the raw weights only')
        chosen['state_dict'] = checkpoint['state_dict']
        return chosen, 'raw weights ("state_dict", no EMA in the file)'
    raw_first = checkpoint.get('meta', {}).get('state_dict_weights') == 'raw'
    ema = _unwrap_ema(checkpoint['ema_state_dict'])
    if raw_first:
        entries = {'raw': (checkpoint['state_dict'], 'state_dict'),
                   'ema': (ema, 'ema_state_dict')}
    else:  # mmengine's EMAHook layout: the two are swapped on saving
        entries = {'raw': (ema, 'ema_state_dict, mmengine layout'),
                   'ema': (checkpoint['state_dict'],
                           'state_dict, mmengine layout')}
    chosen['state_dict'], entry = entries[weights]
    return chosen, f'{weights} weights ("{entry}")'
