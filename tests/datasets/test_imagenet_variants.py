"""ImageNet-A/R/Sketch/C folder layouts read with ImageNet-1K labels."""

import pytest

from mmstm.datasets import ImageNetVariant, imagenet_synsets

from tests.conftest import (write_class_layout, write_corruption_layout,
                            write_images)

SYNSETS = imagenet_synsets()


def test_the_synset_list_is_imagenet_order():
    assert len(SYNSETS) == 1000 and SYNSETS == sorted(SYNSETS)
    assert SYNSETS[0] == 'n01440764'  # tench, class 0


def test_class_layout_is_labelled_with_imagenet_indices(tmp_path):
    root = write_class_layout(tmp_path / 'imagenet-a', [999, 6, 107])
    dataset = ImageNetVariant(root)
    labels = sorted(dataset.get_data_info(i)['gt_label']
                    for i in range(len(dataset)))
    assert labels == [6, 6, 107, 107, 999, 999]
    assert dataset.metainfo['present_classes'] == [6, 107, 999]
    assert len(dataset.metainfo['classes']) == 1000


def test_corruption_layout_carries_corruption_and_severity(tmp_path):
    root = write_corruption_layout(tmp_path / 'imagenet-c', ['fog', 'snow'],
                                   [1, 5], [3, 4])
    dataset = ImageNetVariant(root, corruptions=True)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert len(infos) == 8
    assert {(i['corruption'], i['severity']) for i in infos} == \
        {('fog', 1), ('fog', 5), ('snow', 1), ('snow', 5)}
    assert {i['gt_label'] for i in infos} == {3, 4}


def test_a_folder_that_is_no_synset_is_named(tmp_path):
    write_images(tmp_path / 'bench' / 'cats', 1)
    with pytest.raises(ValueError, match='"cats" is not an ImageNet-1K'):
        ImageNetVariant(str(tmp_path / 'bench'))


def test_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='no benchmark folder'):
        ImageNetVariant(str(tmp_path / 'absent'))


def test_a_synsets_file_of_the_wrong_length_is_refused(tmp_path):
    path = tmp_path / 'synsets.txt'
    path.write_text('\n'.join(SYNSETS[:10]))
    with pytest.raises(ValueError, match='expected 1000 distinct synsets'):
        imagenet_synsets(str(path))
