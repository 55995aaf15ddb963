"""Convert a checkpoint released with the paper to an mmstm checkpoint.

    python tools/model_converters/official_to_mmstm.py CONFIG SRC DST

SRC is an official file, read weights-only: an ImageNet classifier (weights
under ``'model'``; CONFIG is the mmstm classification config of the same
model) or a Mask R-CNN detector (an mmdet 2.x file; CONFIG is the matching
mmstm detection config, e.g. ``configs/detection/swin/
mask-rcnn_swin-tiny_fpn_1x_coco.py``). The kind is recognised from the keys.
``--weights ema`` takes the file's EMA weights (``'model_ema'``) instead of
the raw ones the paper's code loads (default). DST is written as
``{'meta', 'state_dict'}`` (atomically, with the digest of its contents)
for ``tools/test.py``,
``load_from`` or ``init_cfg=dict(type='Pretrained', ...)``. Every key is
mapped and loaded strictly, or nothing is written and the error names the
keys.
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

from mmstm.checkpoint import choose_weights, read_checkpoint, save_checkpoint
from mmstm.engine import add_weights_argument
from mmstm.models.backbones.official_weights import load_official_weights


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('src')
    parser.add_argument('dst')
    add_weights_argument(parser, help="the raw weights ('model', default) "
                         "or the EMA ('model_ema')")
    args = parser.parse_args()
    if osp.abspath(args.src) == osp.abspath(args.dst):
        raise ValueError('DST must differ from SRC')

    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model = MODELS.build(cfg.model)
    official, weights = choose_weights(read_checkpoint(args.src, 'cpu'),
                                       args.weights, args.src)
    converted = load_official_weights(model, official)
    save_checkpoint(dict(meta=dict(converted_from=osp.basename(args.src),
                                   config=osp.basename(args.config),
                                   weights=weights),
                         state_dict=converted), args.dst)
    print(f'converted {len(converted)} tensors ({weights}) of {args.src} '
          f'-> {args.dst}')


if __name__ == '__main__':
    main()
