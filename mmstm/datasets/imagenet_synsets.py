"""The ImageNet-1K class order: its 1000 WordNet ids (synsets), sorted, as
the index of every ImageNet-1K classifier's output."""
from importlib import resources

NUM_IMAGENET_CLASSES = 1000


def imagenet_synsets(synsets_file=None):
    """The 1000 synsets in output order: from ``synsets_file`` (one per
    line), or the list shipped with timm."""
    if synsets_file:
        with open(synsets_file) as f:
            synsets = f.read().split()
        source = synsets_file
    else:
        try:
            text = (resources.files('timm.data') / '_info' /
                    'imagenet_synsets.txt').read_text()
        except ModuleNotFoundError as error:
            raise ModuleNotFoundError(
                'the ImageNet-1K synset list comes from timm '
                '(pip install timm) or a synsets_file with one WordNet id '
                'per line') from error
        synsets = text.split()
        source = 'timm'
    if len(synsets) != NUM_IMAGENET_CLASSES or \
            len(set(synsets)) != len(synsets):
        raise ValueError(f'{source}: expected {NUM_IMAGENET_CLASSES} distinct '
                         f'synsets, got {len(synsets)}')
    return synsets
