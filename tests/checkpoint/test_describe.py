"""A file that is no checkpoint is named and described as what it is: a web
page, empty, cut short (and where), with no advice that does not fit."""
import zipfile

import pytest
import torch

from mmstm.checkpoint import (CorruptCheckpointError, DownloadError,
                              check_whole, download_checkpoint,
                              read_checkpoint)

MISLEADING = ('weights_only', 'resume', '.partial', '.tmp')


def saved(tmp_path):
    path = tmp_path / 'model.pth'
    torch.save({'state_dict': {'w': torch.arange(4096.)}}, path)
    return path


def refusal(path):
    with pytest.raises(CorruptCheckpointError) as error:
        read_checkpoint(str(path))
    message = str(error.value)
    assert message.startswith(f'{path} is not a readable checkpoint: it is ')
    assert not any(word in message for word in MISLEADING), message
    with pytest.raises(CorruptCheckpointError) as quick:
        check_whole(str(path))
    assert str(quick.value) == message  # the pre-check says the same
    return message


def test_an_html_page_saved_as_a_checkpoint(tmp_path):
    page = tmp_path / 'page.pth'
    page.write_text('<!DOCTYPE html>\n<html><body>Rate limit</body></html>')
    assert 'an HTML page (' in refusal(page)


def test_an_empty_file(tmp_path):
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    assert 'empty (0 bytes)' in refusal(empty)


def test_a_file_cut_short_says_where(tmp_path):
    path = saved(tmp_path)
    whole = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        record = next(i for i in archive.infolist()
                      if i.filename.endswith('/data/0'))
    path.write_bytes(whole[:record.header_offset + 100])
    message = refusal(path)
    assert f'truncated at {record.header_offset + 100} bytes: it ends ' \
        f"inside its record '{record.filename}'" in message
    path.write_bytes(whole[:-10])  # the records whole, the directory not
    assert 'truncated at' in refusal(path) and 'before its directory' in \
        refusal(path)


def test_a_web_page_downloaded_is_named_by_its_url(loopback, hub_cache,
                                                   tmp_path):
    page = tmp_path / 'served.pth'
    page.write_text('<html>Sign in to continue</html>')
    url = loopback.put(str(page), 'served.pth')
    with pytest.raises(DownloadError) as error:
        download_checkpoint(url)
    message = str(error.value)
    assert message.startswith(f'{url} is not a readable checkpoint: it is '
                              'an HTML page')
    assert not any(word in message for word in MISLEADING), message


def test_a_whole_checkpoint_passes_the_pre_check(tmp_path):
    check_whole(str(saved(tmp_path)))
