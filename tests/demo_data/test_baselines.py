"""The floor a demo segmenter's mIoU is compared with."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest

from mmstm.demo_data.baselines import constant_prediction_scores


def test_background_everywhere_scores_by_hand(demo_segmentation):
    maps = [cv2.imread(p, cv2.IMREAD_UNCHANGED) for p in sorted(glob.glob(
        osp.join(demo_segmentation, 'annotations/validation/*.png')))]
    labels = np.concatenate([m.ravel() for m in maps]).astype(int) - 1
    labels = labels[labels >= 0]  # 0 of the maps is "unlabelled"
    background = np.mean(labels == 0)
    present = len(np.unique(labels))
    scores = constant_prediction_scores(
        osp.join(demo_segmentation, 'annotations/validation'), label=0,
        num_classes=7)
    # every present class but the background has IoU 0 and accuracy 0;
    # classes absent from prediction and ground truth are left out
    assert scores['aAcc'] == pytest.approx(100 * background)
    assert scores['mIoU'] == pytest.approx(100 * background / present)
    assert scores['mAcc'] == pytest.approx(100 / present)
    assert 0 < scores['mIoU'] < 100 * background


def test_an_empty_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='no .png label maps'):
        constant_prediction_scores(str(tmp_path), label=0, num_classes=7)
