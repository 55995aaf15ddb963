# mmpretrain's runtime, plus exact continuation on --resume.
_base_ = 'mmpretrain::_base_/default_runtime.py'

custom_hooks = [dict(type='mmstm.RandomStateHook')]
