"""Build an mmstm model from a config file for the analysis tools."""
from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, init_default_scope
from torch import nn


def load_config(path, cfg_options=None):
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def build_model(cfg):
    """The ``model`` of ``cfg``, built in the config's default scope
    (mmpretrain, mmdet or mmseg), without loading pretrained weights."""
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    if cfg.get('custom_imports'):
        from mmengine.utils import import_modules_from_strings
        import_modules_from_strings(**cfg.custom_imports)
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        # as mmengine's Runner does: the top-level preprocessor (the mean and
        # std of mmpretrain's dataset bases) is the model's unless it has one
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    backbone = model_cfg.get('backbone')
    if backbone is not None and backbone.get('init_cfg') is not None:
        backbone['init_cfg'] = None  # analyses never need the weights file
    return MODELS.build(model_cfg)


class TensorForward(nn.Module):
    """``model(x)`` for tracing and timing: the backbone alone, or the whole
    model in mmengine's ``'tensor'`` mode (classifiers: the logits)."""

    def __init__(self, model, backbone_only=False):
        super().__init__()
        self.model = model
        self.backbone_only = backbone_only

    @property
    def measured(self):
        """The module whose parameters the measurement is about."""
        return self.model.backbone if self.backbone_only else self.model

    def forward(self, x):
        if self.backbone_only:
            return tuple(self.model.backbone(x))
        out = self.model(x, mode='tensor')
        return tuple(out) if isinstance(out, (list, tuple)) else out


def add_model_arguments(parser):
    """The command-line arguments every analysis tool shares: the config,
    the input size, backbone-only and config overrides."""
    parser.add_argument('config')
    parser.add_argument('--shape', type=int, nargs='+', default=[224],
                        help='input height [width] (default 224)')
    parser.add_argument('--backbone', action='store_true',
                        help='the backbone only (detectors, segmentors)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)


def input_size(shape):
    """``--shape`` values -> ``(height, width)``."""
    if len(shape) not in (1, 2):
        raise SystemExit('--shape takes a height and an optional width')
    return shape[0], shape[-1]


def model_from_arguments(args):
    """The config's model, wrapped for tracing and timing."""
    model = build_model(load_config(args.config, args.cfg_options))
    return TensorForward(model, args.backbone)
