"""The part of a config's model that is exported, its weights loaded, and
its speed in PyTorch beside onnxruntime's."""
import torch
from mmpretrain.models import ImageClassifier

from mmstm.analysis.complexity import measure_throughput, timed_runs
from mmstm.analysis.models import TensorForward, build_model, load_config
from mmstm.checkpoint import DEFAULT_WEIGHTS
from mmstm.engine import load_for_evaluation

PARTS = ('classifier', 'backbone')


def default_part(model):
    """``'classifier'`` for mmpretrain's classifiers, ``'backbone'`` for
    the rest (detectors, segmentors)."""
    return 'classifier' if isinstance(model, ImageClassifier) else 'backbone'


def exportable_model(config, checkpoint=None, part=None,
                     weights=DEFAULT_WEIGHTS, cfg_options=None):
    """The ``part`` of the model of ``config`` as a module of one image
    tensor, in eval mode, with ``checkpoint`` loaded strictly (``weights``:
    a checkpoint's raw or EMA weights):

    * ``'classifier'``: the logits of a classification config;
    * ``'backbone'``: the backbone's feature maps, of any config (of a
      detection or segmentation config: the paper's downstream backbone).

    ``part=None``: the classifier of a classification config, else the
    backbone. Mixers with a training-only form (RepLKNet's parallel
    kernels) are re-parameterised into their inference form, which computes
    the same function (``switch_to_deploy``).
    """
    model = build_model(load_config(config, cfg_options))
    if checkpoint:
        load_for_evaluation(model, checkpoint, weights)
    if hasattr(model.backbone, 'switch_to_deploy'):
        model.backbone.switch_to_deploy()
    part = part or default_part(model)
    if part not in PARTS:
        raise ValueError(f'part must be one of {PARTS}, got {part!r}')
    if part == 'classifier' and default_part(model) != 'classifier':
        raise ValueError(
            f'{config} builds a {type(model).__name__}, not a classifier: '
            f'export its backbone (part "backbone")')
    return TensorForward(model, backbone_only=part == 'backbone').eval()


def compare_throughput(model, session, batch_size, shape, warmup=3,
                       repeats=10):
    """Inference images/s of ``model`` in PyTorch (as mmstm runs it by
    default, the execution layer on) and of its ONNX ``session`` in
    onnxruntime, on the same batch size, size and CPU threads."""
    pytorch = measure_throughput(model, batch_size, shape, warmup=warmup,
                                 repeats=repeats)
    feed = {'input': torch.randn(batch_size, 3, *shape).numpy()}
    onnxruntime = timed_runs(lambda: session.run(None, feed), batch_size,
                             warmup=warmup, repeats=repeats)
    return dict(pytorch=pytorch, onnxruntime=onnxruntime)
