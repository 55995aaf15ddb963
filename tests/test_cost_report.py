"""pytest --cost-report: a test's seconds go to the one family its
parameters name, and to its file."""
from types import SimpleNamespace

from tests.cost_report import CostReport, family_of


def test_a_family_is_found_only_when_named_alone():
    assert family_of('t.py::test_x[swin]') == 'swin'
    assert family_of('t.py::test_x[mask-rcnn_ss2d-micro_fpn_1x_coco]') == \
        'ss2d'
    assert family_of('t.py::test_x[gatedcnn.pth]') == 'gatedcnn'
    assert family_of('t.py::test_x[swin-pvt]') is None  # two families
    assert family_of('t.py::test_x[pooling]') is None  # inside a word
    assert family_of('t.py::test_swin') is None  # not a parameter


def test_seconds_are_summed_per_family_and_per_file():
    report = CostReport()
    for nodeid, seconds in [('a.py::t[swin]', 2.0), ('a.py::t[swin]', 0.5),
                            ('a.py::u[pvt]', 1.0), ('b.py::v', 4.0)]:
        report.pytest_runtest_logreport(
            SimpleNamespace(nodeid=nodeid, duration=seconds))
    lines = report.table()
    assert '     2.5 s  swin (1 tests)' in lines
    assert '     1.0 s  pvt (1 tests)' in lines
    assert '     1.8 s  mean of 2 families' in lines
    assert lines.index('     4.0 s  b.py') < lines.index('     3.5 s  a.py')
