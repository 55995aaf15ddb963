import os.path as osp

import pytest

from mmstm.apis import resolve_model
from mmstm.demo_data import (write_classification, write_detection,
                             write_segmentation)
from mmstm.models.backbones import ARCHS
from mmstm.models.backbones.archs import resolve_arch

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# Reference outputs of the official implementation and real images, shipped
# with the tests (tests/data/README.md says how they were produced).
DATA_DIR = osp.join(REPO_ROOT, 'tests', 'data')


def data_file(relative):
    path = osp.join(DATA_DIR, relative)
    assert osp.exists(path), f'{path} is missing from the checkout'
    return path

# A custom arch small enough for CPU tests in seconds.
TINY_ARCH = dict(dims=[8, 16, 24, 32], depths=[1, 1, 2, 1],
                 stm=dict(type='DepthwiseConvMixer', kernel_size=7))

# Every mixer family of the arch table ('convnext', 'swin', ...).
STM_FAMILIES = sorted({name.split('-')[0] for name in ARCHS})


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


DEMO_CLASSIFIER = osp.join(
    REPO_ROOT, 'configs/classification/demo',
    'convnext-micro_1xb64_demo-shapes.py')


def tiny_classifier_config(tmp_path, family='convnext'):
    """The demo classifier config with ``tiny_arch(family)``, written to
    ``tmp_path`` (the analysis tools take config files)."""
    from mmengine.config import Config
    cfg = Config.fromfile(DEMO_CLASSIFIER)
    arch = tiny_arch(family)
    cfg.model.backbone.arch = arch
    cfg.model.neck.in_channels = arch['dims'][-1]
    cfg.model.head.in_channels = int(arch['dims'][-1] * 1.5)
    path = str(tmp_path / f'tiny-{family}.py')
    cfg.dump(path)
    return path


class LoopbackServer:
    """An HTTP server on 127.0.0.1 serving files put in ``root``; a path
    under ``/truncated/`` announces the whole file and sends half of it.
    ``requests`` counts the GETs per path."""

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
                if self.path.startswith('/truncated/'):
                    body = body[:len(body) // 2]
                self.wfile.write(body)

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
