"""The shape of the tree: the kernel and the learning platform stand without the product."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


#: Imports every module of the kernel and of the learning platform in a fresh interpreter, then lists the
#: product's modules that came along.
_IMPORT_ALL = """
import importlib, pkgutil, sys
for package in ("core", "lms"):
    for module in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        importlib.import_module(module.name)
print(sorted(name for name in sys.modules if name.split(".")[0] == "installer_portal"))
"""


def test_importing_the_kernel_or_the_learning_platform_loads_no_product_module():
    loaded = subprocess.run([sys.executable, "-c", _IMPORT_ALL],  # noqa: S603 (this interpreter, our own code)
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


@pytest.mark.parametrize("package", ["lms", "core"])
def test_no_line_of_the_kernel_or_the_learning_platform_names_the_product(package):
    naming = [f"{path.relative_to(ROOT)}:{number}" for path in sorted((ROOT / package).rglob("*.py"))
              for number, line in enumerate(path.read_text().splitlines(), 1) if "installer_portal" in line]
    assert naming == []


def test_the_product_package_exports_nothing():
    exported = subprocess.run(
        [sys.executable, "-c", "import installer_portal; print([n for n in vars(installer_portal) if n[0] != '_'])"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert exported == "[]"


#: Creates the app in a fresh interpreter, as a `flask` command or a web worker does, then lists the heavy
#: libraries that came along.
_CREATE_APP = """
import sys
from installer_portal.app import create_app
create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
print(sorted(name for name in ("weasyprint", "zxingcpp", "PIL", "qrcode", "alembic") if name in sys.modules))
"""


def test_starting_the_app_loads_no_pdf_image_qr_or_migration_library():
    """WeasyPrint, zxing-cpp, Pillow, qrcode and Alembic are imported where a PDF, photo, code or migration is made:
    at start-up they cost every command and worker time that most never use (issue 13: `flask --help` took 4 s)."""
    environ = {**os.environ, "SECRET_KEY": "structure-test-secret-key-0123456789"}
    loaded = subprocess.run([sys.executable, "-c", _CREATE_APP],  # noqa: S603 (this interpreter, our own code)
                            cwd=ROOT, env=environ, capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
