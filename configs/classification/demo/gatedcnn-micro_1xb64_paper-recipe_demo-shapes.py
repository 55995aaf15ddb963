# U-GatedCNN (MambaOut's Gated CNN) micro with the paper's recipe on the demo shapes (CPU).
_base_ = '../_base_/demo_paper-recipe.py'

model = dict(
    backbone=dict(arch='gatedcnn-micro', drop_path_rate=0.0))
