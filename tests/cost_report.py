"""``pytest --cost-report``: what the suite costs, summed per mixer family
and per test file, so that a new family's share is visible in its own
change (the hooks are taken into tests/conftest.py).

A test belongs to a family when its parameters name one ('swin',
'swin-micro', 'mask-rcnn_swin-micro_...', 'swin.pth'); the time of a test
is its setup, call and teardown on the worker that ran it.
"""
import re
from collections import defaultdict

from mmstm.models.backbones.archs import FAMILY_NAMES

# A family name standing alone in a test's parameters: not inside a word.
_FAMILY_PATTERNS = {
    family: re.compile(rf'(?<![a-z0-9]){re.escape(family)}(?![a-z0-9])')
    for family in FAMILY_NAMES}
SHOWN_FILES = 20


def pytest_addoption(parser):
    parser.addoption(
        '--cost-report', action='store_true',
        help='print the seconds the tests took, summed per mixer family and '
        'per test file')


def family_of(nodeid):
    """The one family the parameters of ``nodeid`` name, else None."""
    params = nodeid.partition('[')[2]
    named = [f for f, pattern in _FAMILY_PATTERNS.items()
             if pattern.search(params.lower())]
    return named[0] if len(named) == 1 else None


class CostReport:

    def __init__(self):
        self.seconds = defaultdict(float)  # nodeid -> seconds

    def pytest_runtest_logreport(self, report):
        self.seconds[report.nodeid] += report.duration

    def table(self):
        per_family = defaultdict(lambda: [0.0, set()])
        per_file = defaultdict(float)
        for nodeid, seconds in self.seconds.items():
            per_file[nodeid.split('::')[0]] += seconds
            family = family_of(nodeid)
            if family:
                per_family[family][0] += seconds
                per_family[family][1].add(nodeid)
        lines = ['seconds per mixer family (its parametrised tests, one '
                 'worker\'s time):']
        for family, (seconds, tests) in sorted(per_family.items(),
                                               key=lambda kv: -kv[1][0]):
            lines.append(f'{seconds:8.1f} s  {family} ({len(tests)} tests)')
        if per_family:
            costs = [seconds for seconds, _ in per_family.values()]
            lines.append(f'{sum(costs) / len(costs):8.1f} s  mean of '
                         f'{len(costs)} families')
        total = sum(per_file.values())
        lines.append(f'seconds per test file (the {SHOWN_FILES} costliest of '
                     f'{len(per_file)}; {total:.0f} s in all):')
        for path, seconds in sorted(per_file.items(),
                                    key=lambda kv: -kv[1])[:SHOWN_FILES]:
            lines.append(f'{seconds:8.1f} s  {path}')
        return lines


def pytest_configure(config):
    is_worker = hasattr(config, 'workerinput')  # pytest-xdist's workers
    if config.getoption('--cost-report') and not is_worker:
        config.pluginmanager.register(CostReport(), 'mmstm-cost-report')


def pytest_terminal_summary(terminalreporter, config):
    report = config.pluginmanager.get_plugin('mmstm-cost-report')
    if report is not None:
        terminalreporter.section('cost report')
        for line in report.table():
            terminalreporter.write_line(line)
