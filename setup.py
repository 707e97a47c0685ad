"""The one build step pyproject.toml cannot say: ship the top-level ``resources/`` folder inside
the wheel, as ``gdviz/_resources`` (read through ``gdviz.resources.resources_dir()``).

The folder stays at the repository's top level, where teachers edit lesson texts and scenarios;
an editable install reads it there.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithResources(build_py):
    def run(self):
        super().run()
        if not self.editable_mode:
            target = Path(self.build_lib) / "gdviz" / "_resources"
            shutil.copytree(ROOT / "resources", target, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithResources})
