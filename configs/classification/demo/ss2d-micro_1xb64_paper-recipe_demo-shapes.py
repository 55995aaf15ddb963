# U-VMamba micro with the paper's recipe on the demo shapes (CPU).
_base_ = '../_base_/demo_paper-recipe.py'

model = dict(
    backbone=dict(arch='ss2d-micro', drop_path_rate=0.0))

# VMamba keeps weight decay off its state-space parameters (A, D and the
# step bias), as Mamba does.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={
    '.A_logs': dict(decay_mult=0.0),
    '.Ds': dict(decay_mult=0.0),
    '.dt_projs_bias': dict(decay_mult=0.0),
}))
