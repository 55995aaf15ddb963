import functools
import glob
import json
import os
import os.path as osp
import time

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope

from mmstm.apis import resolve_model
from mmstm.datasets import imagenet_synsets
from mmstm.demo_data import (write_classification, write_detection,
                             write_segmentation)
from mmstm.engine import amp_without_cuda
from mmstm.models.backbones.archs import FAMILY_NAMES, resolve_arch

from tests import cost_report

# pytest --cost-report: seconds per family and per file
pytest_addoption = cost_report.pytest_addoption
pytest_configure = cost_report.pytest_configure
pytest_terminal_summary = cost_report.pytest_terminal_summary

# Under pytest-xdist (scripts/test.sh runs one worker per core) each worker,
# and every process it starts, computes on one thread: workers of several
# threads each would contend for the cores.
if os.environ.get('PYTEST_XDIST_WORKER'):
    os.environ['OMP_NUM_THREADS'] = '1'
    torch.set_num_threads(1)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# Reference outputs of the official implementation and real images, shipped
# with the tests (tests/data/README.md says how they were produced).
DATA_DIR = osp.join(REPO_ROOT, 'tests', 'data')
DET_MANIFEST = 'reference/detection/official_det_manifest.json'


def config_of(task, family, pattern):
    """The one config of ``configs/<task>/<family>/`` matching ``pattern``
    (e.g. ``'swin-micro_*.py'``)."""
    (path, ) = glob.glob(osp.join(REPO_ROOT, 'configs', task, family,
                                  pattern))
    return path


def data_file(relative):
    path = osp.join(DATA_DIR, relative)
    assert osp.exists(path), f'{path} is missing from the checkout'
    return path

# A custom arch small enough for CPU tests in seconds.
TINY_ARCH = dict(dims=[8, 16, 24, 32], depths=[1, 1, 2, 1],
                 stm=dict(type='DepthwiseConvMixer', kernel_size=7))

# Every mixer family ('convnext', 'swin', ...), as the arch table names them.
STM_FAMILIES = sorted(FAMILY_NAMES)
# The archs and families the paper released, which the official reference
# data covers (an arena mixer has arch rows and configs, but no release).
with open(osp.join(DATA_DIR, 'reference',
                   'official_state_dict_manifest.json')) as _manifest:
    RELEASED_ARCHS = sorted(json.load(_manifest))
RELEASED_FAMILIES = sorted({a.rsplit('-', 1)[0] for a in RELEASED_ARCHS})
ARENA_FAMILIES = [f for f in STM_FAMILIES if f not in RELEASED_FAMILIES]


# The paper's training facts, which the configs must hold: how it trained
# each mixer family on ImageNet-1K, which of its two recipes
# (configs/classification/_base_/schedules/imagenet_300e_<recipe>.py) and
# the drop path of each scale.
_SWIN = dict(recipe='attention',
             drop_path=dict(micro=0, tiny=0.2, small=0.3, base=0.5))
_CONVNEXT = dict(recipe='convolution',
                 drop_path=dict(micro=0, tiny=0.1, small=0.4, base=0.5))
PAPER_TRAINING = {
    'halo': _SWIN,
    'pvt': dict(recipe='attention',
                drop_path=dict(micro=0, tiny=0.1, small=0.3, base=0.5)),
    'swin': _SWIN,
    'convnext': _CONVNEXT,
    'dcnv3': dict(recipe='convolution',
                  drop_path=dict(micro=0, tiny=0.1, small=0.3, base=0.5)),
    # The arena: convolution-like mixers (no attention weights, a fixed or
    # no kernel) take the convolution recipe and U-ConvNeXt's drop path;
    # the attention-like ones (weights computed from the tokens: attention,
    # the selective scan's input-dependent steps) the attention recipe and
    # U-Swin's.
    'pool': _CONVNEXT,
    'replk': _CONVNEXT,
    'nat': _SWIN,
    'ss2d': _SWIN,
    'hybrid': _SWIN,
    # the 2024-26 arena by the same rule: MLLA's attention and focal
    # modulation's token-computed gates over its levels are attention-like;
    # the Gated CNN's and InceptionNeXt's kernels and vHeat's conductivity
    # (from a learned embedding, not the tokens) are fixed
    'gatedcnn': _CONVNEXT,
    'mlla': _SWIN,
    'focal': _SWIN,
    'inception': _CONVNEXT,
    'vheat': _CONVNEXT,
}
# The drop path of the paper's downstream configs (Mask R-CNN, UperNet), the
# same for every family.
DOWNSTREAM_DROP_PATH = dict(micro=0.1, tiny=0.2, small=0.2, base=0.3)


@pytest.fixture(scope='session', autouse=True)
def library_model_indexes_read_once():
    """mmengine finds a base like ``mmdet::_base_/...`` by reading the whole
    model index of the library (hundreds of metafiles) every time: most of
    the second each config takes to parse. The suite parses configs by the
    hundred, so in the tests each of those files is read once per process;
    what mmengine concludes from them is unchanged."""
    from mmengine.config import utils
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(utils, 'load', functools.lru_cache(None)(utils.load))
        yield


def pytest_collection_modifyitems(items):
    """The files holding slow tests first (each file's tests in their
    order): pytest-xdist hands out whole files in this order, so the
    workers end on short files together rather than one on a long one."""
    slow = {item.path for item in items if item.get_closest_marker('slow')}
    items.sort(key=lambda item: item.path not in slow)


def tiny_arch(family):
    """The micro arch of ``family`` (mixer, options, epsilon, position
    embedding) shrunk to a few channels and blocks; stage 3 has two blocks so
    cycled mixer configs (Swin's shift) are exercised."""
    arch = resolve_arch(f'{family}-micro')
    options = [dict(o, num_heads=heads) if 'num_heads' in o else o
               for o, heads in zip(arch['stage_stm_options'], [1, 2, 2, 4])]
    return dict(arch, dims=[8, 16, 32, 32], depths=[1, 1, 2, 1],
                stage_stm_options=options)


@pytest.fixture(scope='session')
def demo_classification(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('demo') / 'imagenet')
    write_classification(root, num_train=24, num_val=12, img_size=32)
    return root


@pytest.fixture(scope='session')
def demo_detection(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('demo') / 'coco')
    write_detection(root, num_train=6, num_val=3, img_size=96)
    return root


@pytest.fixture(scope='session')
def demo_segmentation(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('demo') / 'ade20k')
    write_segmentation(root, num_train=6, num_val=3, img_size=96)
    return root


def reference_arch(stm, official_arch):
    """The micro arch of ``stm`` with the dims, depths and heads of a
    reference model of the official code (``official_arch``: the ``arch``
    entry of a file in tests/data/reference/)."""
    arch = resolve_arch(f'{stm}-micro')
    heads = official_arch.get('block_kwargs', {}).get('num_heads')
    options = [dict(o, num_heads=heads[i]) if heads else o
               for i, o in enumerate(arch['stage_stm_options'])]
    return dict(arch, dims=official_arch['dims'],
                depths=official_arch['depths'], stage_stm_options=options)


def imagenet_weights(arch):
    """The official ImageNet release of ``arch``, from the model index."""
    return resolve_model(f'u-{arch}_3rdparty_in1k')[1]




DEMOS = {task: osp.join(REPO_ROOT, 'configs', task, 'demo', name) for
         task, name in [
             ('classification', 'convnext-micro_1xb64_demo-shapes.py'),
             ('detection', 'mask-rcnn_convnext-micro_fpn_demo-shapes.py'),
             ('segmentation', 'upernet_convnext-micro_demo-shapes.py')]}
CLASSIFICATION_DEMO = DEMOS['classification']


def tiny_classifier_config(tmp_path, family='convnext'):
    """The demo classifier config with ``tiny_arch(family)``, written to
    ``tmp_path`` (the analysis tools take config files)."""
    from mmengine.config import Config
    cfg = Config.fromfile(CLASSIFICATION_DEMO)
    arch = tiny_arch(family)
    cfg.model.backbone.arch = arch
    path = str(tmp_path / f'tiny-{family}.py')
    cfg.dump(path)
    return path


def flip_a_byte(path, record_suffix='/data/0', at=1000):
    """Flip one byte inside the stored bytes of a tensor."""
    import zipfile
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist()
                    if i.filename.endswith(record_suffix))
    data = bytearray(path.read_bytes())
    with open(path, 'rb') as f:  # the data follow the local header
        f.seek(info.header_offset + 26)
        name_length, extra_length = np.frombuffer(f.read(4), '<u2')
    start = info.header_offset + 30 + name_length + extra_length
    data[start + at] ^= 0x40
    path.write_bytes(bytes(data))


class LoopbackServer:
    """An HTTP server on 127.0.0.1 serving files put in ``root``; a path
    under ``/truncated/`` announces the whole file and sends half of it,
    one under ``/stalled/`` sends half and then waits (a minute) as a stuck
    server does. ``requests`` counts the GETs per path."""

    def __init__(self, root):
        import http.server
        import threading
        self.root, self.requests = root, {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):

            def do_GET(self):
                server.requests[self.path] = \
                    server.requests.get(self.path, 0) + 1
                name = self.path.rsplit('/', 1)[-1]
                path = osp.join(server.root, name)
                if not osp.isfile(path):
                    self.send_error(404)
                    return
                with open(path, 'rb') as f:
                    body = f.read()
                self.send_response(200)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                if self.path.startswith(('/truncated/', '/stalled/')):
                    body = body[:len(body) // 2]
                self.wfile.write(body)
                if self.path.startswith('/stalled/'):
                    self.wfile.flush()
                    time.sleep(60)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     Handler)
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}'
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def put(self, source, name):
        """Serve a copy of ``source`` as ``name``; returns its URL."""
        import shutil
        shutil.copy(source, osp.join(self.root, name))
        return f'{self.url}/{name}'


@pytest.fixture(scope='session')
def loopback(tmp_path_factory):
    server = LoopbackServer(str(tmp_path_factory.mktemp('served')))
    yield server
    server.httpd.shutdown()


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """A fresh torch hub cache for one test."""
    import torch
    monkeypatch.setattr(torch.hub, '_hub_dir', str(tmp_path / 'hub'))
    return str(tmp_path / 'hub' / 'checkpoints')


IN1K_CONFIGS = sorted(glob.glob(
    osp.join(REPO_ROOT, 'configs/classification/*/*_in1k.py')))


def build_classifier(cfg):
    """The mmpretrain model of ``cfg``."""
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    return MODELS.build(cfg.model)


def write_images(folder, count, size=40):
    """``count`` random JPEGs in ``folder``."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(len(str(folder)))
    for i in range(count):
        image = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
        cv2.imwrite(os.path.join(folder, f'{i}.jpg'), image)


def write_class_layout(root, indices, per_class=2):
    """An ImageNet-variant folder: a synset folder per class index."""
    for index in indices:
        write_images(os.path.join(root, imagenet_synsets()[index]),
                     per_class)
    return str(root)


def write_corruption_layout(root, corruptions, severities, indices):
    """An ImageNet-C folder: corruption/severity/synset."""
    for corruption in corruptions:
        for severity in severities:
            write_class_layout(root / corruption / str(severity), indices, 1)
    return str(root)


def demo_config(task):
    """The demo config of ``task`` (classification, detection or
    segmentation)."""
    return Config.fromfile(DEMOS[task])


def released_mask_rcnn(tmp_path, arch):
    """A file shaped like a released Mask R-CNN checkpoint of ``arch``
    (random values): the backbone in the official detection layout (the
    manifest's keys and shapes) under ``backbone.``, neck and heads under
    mmdet's names; and the mmdet model of the matching mmstm config."""
    from mmengine.registry import MODELS
    stm = arch.split('-')[0]
    config = (f'{REPO_ROOT}/configs/detection/{stm}/'
              f'mask-rcnn_{arch}_fpn_1x_coco.py')
    cfg = Config.fromfile(config)
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    with open(data_file(DET_MANIFEST)) as f:
        backbone = json.load(f)[arch]
    generator = torch.Generator().manual_seed(0)
    state = {f'backbone.{k}': torch.randn(shape, generator=generator)
             for k, shape in backbone.items()}
    state.update({k: torch.randn(v.shape, generator=generator)
                  for k, v in model.state_dict().items()
                  if not k.startswith('backbone.')})
    path = tmp_path / f'mask_rcnn_unified_{stm}_micro_1x.pth'
    torch.save({'meta': {'epoch': 12, 'mmdet_version': '2.25.0'},
                'state_dict': state, 'optimizer': {}}, path)
    return config, str(path), state, model


def assert_trains(runner, steps):
    """``runner.train()`` takes ``steps`` steps with finite losses and
    updates most weights of the backbone (those behind a zero-initialised
    layer get no gradient in the first step); over 12 steps or more the
    loss decreases."""
    backbone = runner.model.backbone
    before = [p.detach().clone() for p in backbone.parameters()]
    runner.train()
    losses, _ = runner.message_hub.get_scalar('train/loss').data
    assert len(losses) == runner.iter == steps and np.isfinite(losses).all()
    changed = sum(not torch.equal(p, b)
                  for p, b in zip(backbone.parameters(), before))
    assert changed > len(before) // 2, f'{changed} of {len(before)} updated'
    if steps >= 12:
        assert np.mean(losses[-3:]) < np.mean(losses[:3])


def on_demo_images(cfg, data_root, work_dir, img_size=32, num_images=2):
    """``cfg`` reading ``num_images`` demo images (one batch) at
    ``img_size`` for two epochs, the first one warm-up, without validation
    or checkpoints."""
    dataset = cfg.train_dataloader.dataset
    for step in dataset.pipeline:
        if step.type == 'RandomResizedCrop':
            step.scale = img_size
    dataset.update(type='CustomDataset', data_root=data_root,
                   ann_file='meta/train.txt', data_prefix='train',
                   indices=num_images)
    dataset.pop('split')
    cfg.train_dataloader.update(batch_size=num_images, num_workers=0,
                                persistent_workers=False)
    cfg.train_cfg.max_epochs = 2
    warmup, cosine = cfg.param_scheduler
    warmup.end = cosine.begin = 1
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = None
    cfg.work_dir = str(work_dir)
    return amp_without_cuda(cfg)
