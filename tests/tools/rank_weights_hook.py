"""A hook for the distributed tests: every process saves its own copy of the
weights at the end of a run (the checkpoints hold rank 0's only)."""
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class SaveRankWeights(Hook):

    def after_run(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        torch.save(model.state_dict(),
                   osp.join(runner.work_dir, f'rank{get_rank()}_weights.pth'))
