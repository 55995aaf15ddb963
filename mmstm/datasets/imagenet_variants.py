"""ImageNet-A, -R, -Sketch and -C in their published folder layouts, labelled
with ImageNet-1K class indices so that any ImageNet-1K classifier is scored
on them unchanged."""
import os
import os.path as osp

from mmengine.dataset import BaseDataset

from mmstm.registry import DATASETS

from .imagenet_synsets import imagenet_synsets

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


def _images(folder):
    return sorted(name for name in os.listdir(folder)
                  if name.lower().endswith(IMAGE_EXTENSIONS))


def _subfolders(folder):
    return sorted(name for name in os.listdir(folder)
                  if osp.isdir(osp.join(folder, name)))


@DATASETS.register_module()
class ImageNetVariant(BaseDataset):
    """Images in ``<data_root>/<synset>/<image>`` (ImageNet-A, -R, -Sketch)
    or, with ``corruptions=True``, ``<data_root>/<corruption>/<severity>/
    <synset>/<image>`` (ImageNet-C).

    ``gt_label`` is the synset's ImageNet-1K index. The metainfo holds the
    1000 synsets as ``classes`` and the sorted indices of the synsets found
    as ``present_classes`` (ImageNet-A/R: their 200-class subsets); ImageNet-C
    samples carry ``corruption`` and ``severity``.

    Args:
        data_root (str): The benchmark's folder.
        corruptions (bool): The ImageNet-C layout.
        synsets_file (str, optional): The 1000 synsets in output order;
            default: timm's list.
        pipeline (list): Transforms.
    """

    def __init__(self, data_root, corruptions=False, synsets_file=None,
                 pipeline=(), **kwargs):
        self.corruptions = corruptions
        self.synsets = imagenet_synsets(synsets_file)
        self._index = {s: i for i, s in enumerate(self.synsets)}
        super().__init__(ann_file='', data_root=data_root, pipeline=pipeline,
                         test_mode=True, **kwargs)

    def _class_folder(self, folder, corruption=None, severity=None):
        samples = []
        for synset in _subfolders(folder):
            if synset not in self._index:
                raise ValueError(f'{osp.join(folder, synset)}: "{synset}" is '
                                 'not an ImageNet-1K synset')
            for name in _images(osp.join(folder, synset)):
                sample = dict(img_path=osp.join(folder, synset, name),
                              gt_label=self._index[synset])
                if corruption is not None:
                    sample.update(corruption=corruption, severity=severity)
                samples.append(sample)
        return samples

    def load_data_list(self):
        root = self.data_root
        if not osp.isdir(root):
            raise FileNotFoundError(f'no benchmark folder at {root}')
        if not self.corruptions:
            samples = self._class_folder(root)
        else:
            samples = []
            for corruption in _subfolders(root):
                for severity in _subfolders(osp.join(root, corruption)):
                    if not severity.isdigit():
                        raise ValueError(
                            f'{osp.join(root, corruption, severity)}: '
                            'ImageNet-C severities are folders 1-5')
                    samples += self._class_folder(
                        osp.join(root, corruption, severity), corruption,
                        int(severity))
        if not samples:
            raise FileNotFoundError(f'no images in the layout expected under '
                                    f'{root}')
        present = sorted({s['gt_label'] for s in samples})
        self._metainfo.update(classes=self.synsets, present_classes=present)
        return samples
