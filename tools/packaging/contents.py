"""What the artifact holds besides the installed packages: the chat app's runtime files.

lambdakit and chainsaws come from the wheel (so exactly what ``pip install`` gives); the app is
copied from the source tree. Tests, caches, docs and the template stay out.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Final

# Relative to the repository root. ``examples/__init__.py`` makes ``examples.chat.*`` importable
# as the template's ``Handler: examples.chat.http_app.handler`` names it.
APP_PACKAGE: Final = Path("examples/chat")
APP_PARENT_INIT: Final = Path("examples/__init__.py")
# Files the functions read at run time; the README and template.yaml are not among them.
APP_SUFFIXES: Final = frozenset({".py", ".html"})
# The packages lambdakit's wheel installs: their bytes are "what lambdakit adds".
LIBRARY_TOP_LEVEL: Final = ("lambdakit", "chainsaws")
# Installed by pip but of no use in Lambda: console scripts (a shebang naming the build
# machine's Python) and the local path the wheel was installed from.
# pip's console script and install record, and the local API Gateway (a development server,
# never imported on Lambda: a quarter of lambdakit's size).
DROPPED_AFTER_INSTALL: Final = (
    "bin",
    "*.dist-info/direct_url.json",
    "lambdakit/local",
    "lambdakit/__main__.py",
)


def app_files(root: Path) -> list[Path]:
    """The app's runtime files, relative to ``root``, sorted."""
    package = root / APP_PACKAGE
    files = [
        path.relative_to(root)
        for path in package.iterdir()
        if path.is_file() and path.suffix in APP_SUFFIXES
    ]
    return sorted([APP_PARENT_INIT, *files])


def copy_app(root: Path, target: Path) -> list[Path]:
    """Copy the app's runtime files into ``target``; returns what was copied."""
    files = app_files(root)
    for relative in files:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, destination)
    return files


def drop_install_leftovers(target: Path) -> None:
    """Remove what pip installs that Lambda never uses (see ``DROPPED_AFTER_INSTALL``)."""
    for pattern in DROPPED_AFTER_INSTALL:
        for path in target.glob(pattern):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()


def is_library(name: str) -> bool:
    """Whether an archive member belongs to lambdakit (its packages and its ``.dist-info``)."""
    top = name.split("/", 1)[0]
    return top in LIBRARY_TOP_LEVEL or (top.startswith("lambdakit-") and top.endswith(".dist-info"))
