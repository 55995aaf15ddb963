# The weight-decay rule of the paper's recipes: no decay on norms, biases,
# other 1-D parameters (layer scales), position embeddings and
# relative-position tables. Downstream bases list this file in _base_ and
# use it as `paramwise_cfg={{_base_.no_decay_paramwise_cfg}}` (a variable,
# so it does not clash with the optim_wrapper of mmdet's or mmseg's bases).
no_decay_paramwise_cfg = dict(
    norm_decay_mult=0.0,
    bias_decay_mult=0.0,
    flat_decay_mult=0.0,
    custom_keys={
        '.pos_embed': dict(decay_mult=0.0),
        '.relative_position_bias_table': dict(decay_mult=0.0),
        '.height_rel': dict(decay_mult=0.0),
        '.width_rel': dict(decay_mult=0.0),
    })
