# Which parameters take no weight decay: the paper's two rules, and mmstm's
# broader one as an option. Bases list this file in _base_ and take a rule as
# a variable, `paramwise_cfg={{_base_.paper_imagenet_paramwise_cfg}}` (so it
# does not clash with the optim_wrapper of mmdet's or mmseg's bases).
# tests/configs/test_no_decay_rules.py checks each paper rule against the
# official parameter names and shapes of every released model.

# ImageNet, the paper's classification code: no decay on parameters that
# are 1-D *in the official model*, biases and relative-position tables. PVT's
# position embeddings and Halo's height/width tables are not 1-D, so they
# decay. mmstm stores every layer scale 1-D; the official ConvNeXt and Halo
# blocks store theirs as (1, C, 1, 1) / (1, 1, 1, C), so their configs add
# `convnext_halo_layer_scale_keys` (layer scales decay there).
paper_imagenet_paramwise_cfg = dict(
    norm_decay_mult=0.0,
    bias_decay_mult=0.0,
    flat_decay_mult=0.0,
    custom_keys={'.relative_position_bias_table': dict(decay_mult=0.0)})
convnext_halo_layer_scale_keys = {
    '.gamma1': dict(decay_mult=1.0),
    '.gamma2': dict(decay_mult=1.0),
}
# The arena's SS2D (configs/classification/ss2d/): VMamba keeps weight decay
# off its state-space parameters (A, D and the step bias), as Mamba does.
ss2d_state_space_keys = {
    '.A_logs': dict(decay_mult=0.0),
    '.Ds': dict(decay_mult=0.0),
    '.dt_projs_bias': dict(decay_mult=0.0),
}

# COCO (and ADE20K), the paper's detection config: mmcv's custom keys match
# by substring, decay 0 for names containing `norm`,
# `relative_position_bias_table` or `absolute_pos_embed` in the official
# naming; everything else decays (biases, layer scales, position embeddings,
# Halo's tables, the stem and downsampling norms, which the official code
# names by index). The keys below are those same tensors under mmstm's
# names: the blocks' two norms, the output norms, PVT's reduction norm and
# DCNv3's offset-branch norm. Neck and heads have no such names.
paper_downstream_paramwise_cfg = dict(
    custom_keys={
        '.norm1.': dict(decay_mult=0.0),
        '.norm2.': dict(decay_mult=0.0),
        '.out_norm.': dict(decay_mult=0.0),
        '.stm.norm.': dict(decay_mult=0.0),
        '.stm.dw_norm.': dict(decay_mult=0.0),
        '.relative_position_bias_table': dict(decay_mult=0.0),
    })

# mmstm's broader rule (timm and mmpretrain practice), for those who prefer
# it: no decay on any norm, bias or other 1-D parameter (all layer scales),
# position embeddings and relative-position tables.
no_decay_on_1d_and_positions_paramwise_cfg = dict(
    norm_decay_mult=0.0,
    bias_decay_mult=0.0,
    flat_decay_mult=0.0,
    custom_keys={
        '.pos_embed': dict(decay_mult=0.0),
        '.relative_position_bias_table': dict(decay_mult=0.0),
        '.height_rel': dict(decay_mult=0.0),
        '.width_rel': dict(decay_mult=0.0),
    })
