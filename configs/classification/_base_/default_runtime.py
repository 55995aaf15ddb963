# mmpretrain's runtime, plus exact continuation on --resume and safe
# checkpoints.
_base_ = 'mmpretrain::_base_/default_runtime.py'

custom_hooks = [dict(type='mmstm.RandomStateHook')]

# checkpoints written whole with a digest of their contents, checked when a
# run loads one (load_from, --resume)
default_hooks = dict(checkpoint=dict(type='mmstm.SafeCheckpointHook'),
                     verify_checkpoint=dict(type='mmstm.VerifyCheckpointHook'))
