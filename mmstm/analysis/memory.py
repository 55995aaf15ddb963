"""Peak memory while a piece of code runs: CUDA's allocator statistics on a
GPU, the process's resident set size (RSS) on the CPU."""
import os
import resource
import threading

import torch

_PAGE = os.sysconf('SC_PAGE_SIZE') if hasattr(os, 'sysconf') else 4096


def _rss_bytes():
    """The current RSS (Linux /proc), or None where it cannot be read."""
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return None


class PeakMemory:
    """``with PeakMemory(device) as peak: ...``; then ``peak.mib`` is the
    peak in MiB and ``peak.kind`` says what was measured.

    CUDA: ``torch.cuda.max_memory_allocated`` after a reset (the tensors,
    not the allocator's cache). CPU: the process RSS sampled every
    ``interval`` seconds in a thread (parameters, activations, the
    interpreter: everything the process holds); where /proc is missing,
    the process's lifetime peak from ``getrusage``, which never decreases
    and so may belong to earlier work.
    """

    def __init__(self, device, interval=0.002):
        self.device = torch.device(device)
        self.interval = interval
        self.mib, self.kind = None, None
        self._stop = threading.Event()
        self._peak = 0

    def _sample(self):
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, _rss_bytes() or 0)

    def __enter__(self):
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
        elif _rss_bytes() is not None:
            self._peak = _rss_bytes()
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            self.mib = torch.cuda.max_memory_allocated(self.device) / 2**20
            self.kind = 'CUDA max allocated'
        elif hasattr(self, '_thread'):
            self._stop.set()
            self._thread.join()
            self._peak = max(self._peak, _rss_bytes() or 0)
            self.mib, self.kind = self._peak / 2**20, 'peak RSS'
        else:
            usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            self.mib, self.kind = usage / 2**10, 'lifetime peak RSS'
        return False
