"""The wheel carries everything the app reads at run time: an install from it must not need the source tree."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _build_wheel(tmp_path: Path) -> zipfile.ZipFile:
    # built from a copy, so the build's own files (build/, *.egg-info) never land in the checkout
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    shutil.copytree(ROOT / "roombook", source / "roombook", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "templates", source / "templates", ignore=ignore)
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("roombook-*.whl")
    return zipfile.ZipFile(wheel)


def test_the_wheel_holds_templates_translations_schema_static_files_and_migrations(tmp_path):
    names = set(_build_wheel(tmp_path).namelist())

    templates = {f"roombook/templates/{p.relative_to(ROOT / 'templates').as_posix()}"
                 for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert templates and templates <= names, sorted(templates - names)[:5]
    catalogs = {f"roombook/{p.relative_to(ROOT / 'roombook').as_posix()}"
                for p in (ROOT / "roombook" / "translations").rglob("*.po")}
    assert catalogs and catalogs <= names
    assert "roombook/solver/schema.json" in names
    static = {f"roombook/static/{p.name}" for p in (ROOT / "roombook" / "static").iterdir() if p.is_file()}
    assert static and static <= names
    migrations = {f"roombook/migrations/versions/{p.name}"
                  for p in (ROOT / "roombook" / "migrations" / "versions").glob("*.py")}
    assert migrations and migrations <= names
    assert "roombook/migrations/alembic.ini" in names and "roombook/migrations/env.py" in names
