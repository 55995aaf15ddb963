"""mmpretrain's EMAHook with the paper's checkpoint layout and best-epoch
bookkeeping for both sets of weights."""
from mmpretrain.engine.hooks import EMAHook as MMPretrainEMAHook

from mmstm.registry import HOOKS

ORIGIN_SUFFIX = '_origin'  # mmpretrain's name for the raw weights' metrics


@HOOKS.register_module()
class EMAHook(MMPretrainEMAHook):
    """``dict(type='mmstm.EMAHook', ...)``: mmpretrain's ``EMAHook`` (same
    arguments) with two differences, both the paper's:

    * checkpoints keep the raw weights in ``state_dict`` and the EMA in
      ``ema_state_dict`` (mmengine swaps them on saving), marked by
      ``meta['state_dict_weights'] = 'raw'``; so every loader that reads
      ``state_dict`` (``load_from``, ``Pretrained`` initialisation, the
      inferencers) gets the raw weights, as the paper's code reads
      ``'model'``. :func:`mmstm.checkpoint.choose_weights` picks either;
    * with ``evaluate_on_origin``, the raw weights' metrics (``<metric>_
      origin``) are handed to the later hooks with the EMA ones, so that
      ``CheckpointHook(save_best=['accuracy/top1',
      'accuracy/top1_origin'])`` keeps the best epoch of each.
    """

    def before_save_checkpoint(self, runner, checkpoint):
        checkpoint['ema_state_dict'] = self.ema_model.state_dict()
        checkpoint.setdefault('meta', {})['state_dict_weights'] = 'raw'

    def after_load_checkpoint(self, runner, checkpoint):
        if checkpoint.get('meta', {}).get('state_dict_weights') == 'raw' \
                and 'ema_state_dict' in checkpoint:
            # into mmengine's layout, which the parent swaps back
            self._swap_ema_state_dict(checkpoint)
        super().after_load_checkpoint(runner, checkpoint)

    def after_val_epoch(self, runner, metrics=None):
        super().after_val_epoch(runner, metrics)
        if metrics is None or not (self.evaluate_on_ema
                                   and self.evaluate_on_origin):
            return
        scalars = runner.message_hub.log_scalars
        for key in list(metrics):
            origin = f'val/{key}{ORIGIN_SUFFIX}'
            if origin in scalars:
                metrics[key + ORIGIN_SUFFIX] = scalars[origin].current()
