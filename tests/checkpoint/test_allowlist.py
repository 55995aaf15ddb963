"""Weights-only loading: mmengine's training state reads back, a file that
would run code is refused, by mmengine's own loader and by mmstm's."""
import os

import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

import mmstm  # noqa: F401  (allowlists mmengine's training state)
from mmstm.checkpoint import CorruptCheckpointError, read_checkpoint
from mmstm.checkpoint.allowlist import history_buffer_statistic


class RunsCode:
    def __reduce__(self):
        return (os.system, ('echo this must never run',))


def test_a_checkpoint_that_runs_code_is_refused(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'payload': RunsCode()}, path)
    with pytest.raises(Exception, match='Weights only load failed'):
        _load_checkpoint(path)  # mmengine's loader: torch's default
    with pytest.raises(CorruptCheckpointError, match='refusing to read') as e:
        read_checkpoint(path)
    assert 'GLOBAL' in str(e.value) and 'weights_only' not in str(e.value)


def test_getattr_only_reaches_history_buffer_statistics():
    assert history_buffer_statistic(HistoryBuffer, 'mean') is \
        HistoryBuffer.mean
    with pytest.raises(RuntimeError, match='not an allowed'):
        history_buffer_statistic(os, 'system')
    with pytest.raises(RuntimeError, match='not an allowed'):
        history_buffer_statistic(HistoryBuffer, '__init__')


@pytest.mark.parametrize('load', [_load_checkpoint, read_checkpoint])
def test_plain_state_dicts_and_training_state_load(tmp_path, load):
    buffer = HistoryBuffer()
    buffer.update(0.5)
    path = str(tmp_path / 'ckpt.pth')
    torch.save({'state_dict': {'w': torch.ones(2)},
                'message_hub': {'log_scalars': {'loss': buffer}}}, path)
    loaded = load(path)
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))
    assert loaded['message_hub']['log_scalars']['loss'].mean() == 0.5


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth not found'):
        read_checkpoint(str(tmp_path / 'nope.pth'))
