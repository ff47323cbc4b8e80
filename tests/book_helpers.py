"""Helpers shared by the book tests (test_book.py) and the browser tests (test_browser.py).

``book_build`` is book/build.py loaded as a module; :func:`built_site` builds the site once per
process (``BOOK_LABS="01_tensorflow_foundations"`` limits it to some labs).
"""
from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import pytest

from autograder.paths import BOOK, REPO  # noqa: F401  (REPO: re-exported for the browser tests)


def load_book_build():
    """book/build.py as a module (it is a script, not a package)."""
    name = "course_book_build"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BOOK / "build.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # before exec: the process pool pickles its functions by name
        spec.loader.exec_module(module)
    return sys.modules[name]


book_build = load_book_build()
# BOOK_LABS="01_tensorflow_foundations" limits the site (and these tests) to some labs while
# developing; by default every lab in solutions/ is built and checked.
LABS = os.environ.get("BOOK_LABS", "").replace(",", " ").split() or book_build.discover_labs()
_built: dict[str, Path] = {}


def built_site() -> Path:
    """The HTML folder of the site, built by book/build.py (once per process)."""
    if "error" in _built:  # fail fast: a failed build is not tried again by every test
        pytest.fail(_built["error"], pytrace=False)
    if "html" not in _built:
        try:
            _built["html"] = book_build.build(LABS, log=lambda *args: print(*args, flush=True))
        except Exception as error:  # noqa: BLE001  BookError, or a crash: the message says which
            _built["error"] = f"the book does not build: {error}"
            pytest.fail(_built["error"], pytrace=False)
    return _built["html"]


def build_report() -> dict:
    built_site()
    return json.loads((book_build.BUILD / "report.json").read_text())


@functools.cache
def release_of(lab: str):
    """The student release of ``lab`` (labs/, or built on the fly), read once."""
    return book_build.release_notebook(lab)


def markdown_headings(nb) -> list[tuple[int, str]]:
    out = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        in_fence = False
        for line in cell.source.splitlines():
            if line.strip().startswith(("```", ":::")):
                in_fence = not in_fence
            match = re.match(r"^(#{1,6}) +(.+?)\s*$", line)
            if match and not in_fence:
                out.append((len(match.group(1)), plain(re.sub(r"[`*]", "", match.group(2)))))
    return out


def plain(text: str) -> str:
    """Text compared as a reader sees it: smart quotes and dashes undone, spaces collapsed."""
    for fancy, simple in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'),
                          ("\u2013", "-"), ("\u2014", "-"), ("\u2026", "...")):
        text = text.replace(fancy, simple)
    return " ".join(text.split())
