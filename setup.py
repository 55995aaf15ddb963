"""The wheel carries configs/, tools/ and model-index.yml under
mmstm/.mim/, where OpenMMLab's mim (``mim train mmstm CONFIG``) and
mmstm.apis look for them in an installed package. Everything else is in
pyproject.toml."""
import os.path as osp
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('configs', 'tools', 'model-index.yml')


class BuildPyWithMimFiles(build_py):

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            return  # an editable install reads them from the checkout
        target = osp.join(self.build_lib, 'mmstm', '.mim')
        shutil.rmtree(target, ignore_errors=True)  # nothing stale
        for name in MIM_FILES:
            source = osp.join(ROOT, name)
            if osp.isdir(source):
                shutil.copytree(source, osp.join(target, name),
                                dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(
                                    '__pycache__', '*.pyc'))
            else:
                shutil.copy2(source, osp.join(target, name))


setup(cmdclass={'build_py': BuildPyWithMimFiles})
