"""Per-sample seeded augmentation: the same sample at the same point of a
run is augmented the same way whichever worker loads it, and a restarted
loader continues where a persistent one would be."""
import pytest
import torch
from mmengine.dataset import RepeatDataset
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmstm.datasets.reproducible import (ReproducibleInfiniteSampler,
                                         ReproducibleSampler, SampleIndex)


def loader_cfg(data_root, num_workers, sampler='mmstm.ReproducibleSampler'):
    # the demo's random crop and flip; no resize that would hide a crop
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='RandomResizedCrop', scale=24, crop_ratio_range=(0.3, 1.0)),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackInputs'),
    ]
    return dict(
        batch_size=4, num_workers=num_workers,
        persistent_workers=num_workers > 0,
        sampler=dict(type=sampler, shuffle=True, seed=3),
        collate_fn=dict(type='default_collate'),
        dataset=dict(type='CustomDataset', data_root=data_root,
                     ann_file='meta/train.txt', data_prefix='train',
                     classes=f'{data_root}/classes.txt', pipeline=pipeline))


def epochs(loader, first, last):
    """Images of epochs ``first`` .. ``last`` - 1, one tensor per epoch."""
    images = []
    for epoch in range(first, last):
        loader.sampler.set_epoch(epoch)
        images.append(torch.cat([b['inputs'] for b in loader]))
    return images


@pytest.fixture(scope='module')
def scope():
    init_default_scope('mmpretrain')


def test_workers_and_restarts_do_not_change_the_augmentation(
        demo_classification, scope):
    single = Runner.build_dataloader(loader_cfg(demo_classification, 0))
    expected = epochs(single, 0, 3)
    assert not torch.equal(expected[0], expected[1])  # epochs differ
    persistent = Runner.build_dataloader(loader_cfg(demo_classification, 2))
    for ours, theirs in zip(epochs(persistent, 0, 3), expected):
        assert torch.equal(ours, theirs)
    restarted = Runner.build_dataloader(loader_cfg(demo_classification, 2))
    assert torch.equal(epochs(restarted, 2, 3)[0], expected[2])


def test_the_callers_random_stream_is_left_alone(demo_classification,
                                                 scope):
    loader = Runner.build_dataloader(loader_cfg(demo_classification, 0))
    # (creating an iterator draws a seed from the loader's generator, the
    # global one by default: RandomStateHook gives loaders their own)
    loader.generator = torch.Generator()
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    next(iter(loader))
    assert torch.equal(torch.rand(3), expected)


def test_infinite_sampler_positions_continue_across_iterators(
        demo_classification, scope):
    loader = Runner.build_dataloader(loader_cfg(
        demo_classification, 0, 'mmstm.ReproducibleInfiniteSampler'))
    sampler = loader.sampler
    assert isinstance(sampler, ReproducibleInfiniteSampler)
    stream = iter(sampler)
    first = [next(stream) for _ in range(30)]
    assert [i.position for i in first] == list(range(30))
    assert all(isinstance(i, SampleIndex) for i in first)
    # 24 images: the second pass reshuffles, positions go on
    assert sorted(first[:24]) == list(range(24))


def test_a_dataset_without_a_pipeline_is_refused(demo_classification,
                                                 scope):
    from mmpretrain.datasets import CustomDataset
    dataset = CustomDataset(data_root=demo_classification,
                            ann_file='meta/train.txt', data_prefix='train',
                            pipeline=[])
    with pytest.raises(TypeError, match='RepeatDataset'):
        ReproducibleSampler(RepeatDataset(dataset, times=2))
