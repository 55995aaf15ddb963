"""The checkpoints of a runner: written atomically with a digest of their
contents, and checked when loaded.

Two hooks, because the digest must see a checkpoint after every other hook
has added to it (EMA weights, random states) and before any other hook
changes what was loaded (the EMA hook swaps weights back):

* ``default_hooks.checkpoint = dict(type='mmstm.SafeCheckpointHook', ...)``:
  mmengine's ``CheckpointHook`` (same arguments), last of all hooks, writing
  through :class:`~mmstm.checkpoint.AtomicLocalBackend` with the digest;
* ``default_hooks.verify_checkpoint =
  dict(type='mmstm.VerifyCheckpointHook')``: first of all hooks on load
  (``load_from``, ``--resume``), it checks the digest and names the file
  when the contents differ.
"""
from mmengine.hooks import CheckpointHook, Hook
from mmengine.runner.checkpoint import find_latest_checkpoint

from mmstm.checkpoint import ATOMIC_BACKEND, add_digest, check_whole, checked
from mmstm.registry import HOOKS


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` whose local files are written whole or
    not at all and carry the digest of their contents (remote back ends,
    given in ``backend_args``, keep their own semantics)."""

    priority = 'LOWEST'  # the digest covers what every other hook added

    def __init__(self, *args, backend_args=None, **kwargs):
        if backend_args is None:
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(*args, backend_args=backend_args, **kwargs)

    def before_save_checkpoint(self, runner, checkpoint):
        add_digest(checkpoint)


def start_checkpoint(load_from, resume, work_dir):
    """The checkpoint a run starts from, as mmengine's ``load_or_resume``
    chooses it: ``load_from``, else with ``resume`` the work directory's
    latest; None for a fresh start."""
    if load_from is None and resume:
        return find_latest_checkpoint(work_dir)
    return load_from


@HOOKS.register_module()
class VerifyCheckpointHook(Hook):
    """Check the digest of every checkpoint the runner loads, before any
    other hook or the model sees it; a checkpoint without one (an official
    release, a file written elsewhere) is loaded and the log says so."""

    priority = 'HIGHEST'

    def after_load_checkpoint(self, runner, checkpoint):
        source = start_checkpoint(runner._load_from, runner._resume,
                                  runner.work_dir)
        checked(checkpoint, source or 'the checkpoint the runner loads',
                runner.logger)


def check_start_checkpoint(cfg):
    """Before a run starts: the local checkpoint it will resume from or load
    (``resume``/``load_from`` as the runner chooses) is whole, or stop now
    with what the file is (:func:`~mmstm.checkpoint.check_whole`), instead
    of torch's parser error after the run has set up."""
    source = start_checkpoint(cfg.get('load_from'), cfg.get('resume'),
                              cfg.work_dir)
    if source and '://' not in source:
        check_whole(source)
