"""Checkpoints written by mmstm carry a digest of their contents: a byte
flipped inside a tensor is an error naming the file; a file without a
digest reads, and the log says it was not verified."""
import logging

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer

from mmstm.checkpoint import (DIGEST_KEY, CorruptCheckpointError,
                              content_digest, read_checkpoint, save_checkpoint)

from tests.conftest import flip_a_byte


def training_state():
    buffer = HistoryBuffer()
    buffer.update(0.25)
    return {'meta': {'epoch': 3, 'seed': 7, 'classes': ('a', 'b')},
            'state_dict': {'w': torch.randn(64, 64),
                           'b': torch.zeros(64, dtype=torch.bfloat16),
                           'step': torch.tensor(5)},
            'message_hub': {'log_scalars': {'loss': buffer},
                            'runtime_info': {'mean': np.float32(0.5),
                                             'ids': np.arange(3)}}}


def test_a_saved_checkpoint_reads_back_verified(tmp_path, caplog):
    path = tmp_path / 'ckpt.pth'
    checkpoint = training_state()
    save_checkpoint(checkpoint, str(path))
    assert DIGEST_KEY in torch.load(path)
    logger = logging.getLogger('digest-test')
    with caplog.at_level(logging.INFO, logger='digest-test'):
        loaded = read_checkpoint(str(path), logger=logger)
    assert 'not verifying' not in caplog.text
    assert DIGEST_KEY not in loaded
    assert torch.equal(loaded['state_dict']['w'],
                       checkpoint['state_dict']['w'])
    assert content_digest(loaded) == content_digest(checkpoint)


def test_a_flipped_byte_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / 'ckpt.pth'
    save_checkpoint(training_state(), str(path))
    torch.load(path, weights_only=False)  # torch itself notices nothing
    flip_a_byte(path)
    with pytest.raises(CorruptCheckpointError,
                       match=f'{path} is damaged: its contents no longer '
                       'match'):
        read_checkpoint(str(path))


def test_a_file_without_a_digest_reads_unverified(tmp_path, caplog):
    path = tmp_path / 'official.pth'
    torch.save({'model': {'w': torch.ones(2)}}, path)
    logger = logging.getLogger('digest-test')
    with caplog.at_level(logging.INFO, logger='digest-test'):
        loaded = read_checkpoint(str(path), logger=logger)
    assert torch.equal(loaded['model']['w'], torch.ones(2))
    assert f'{path} carries no mmstm content digest' in caplog.text
    assert 'without verifying' in caplog.text


@pytest.mark.parametrize('change', [
    lambda c: c['state_dict']['w'].view(-1)[7].add_(1e-6),
    lambda c: c['meta'].update(epoch=4),
    lambda c: c['message_hub']['log_scalars']['loss'].update(1.0),
    lambda c: c['state_dict'].update(b=c['state_dict']['b'].float()),
    lambda c: c['message_hub']['runtime_info']['ids'].__setitem__(0, 9),
])
def test_the_digest_sees_every_kind_of_content(change):
    checkpoint = training_state()
    before = content_digest(checkpoint)
    change(checkpoint)
    assert content_digest(checkpoint) != before
