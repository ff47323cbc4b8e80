"""Regenerate the README's generated blocks from the code (``make docs``).

A block sits between ``<!-- generated: NAME (make docs) -->`` and ``<!-- end: NAME -->``;
:data:`BLOCKS` says what fills it. ``--check`` only reports a stale README (exit 1), which is
what ``tests/test_toolchain.py`` asserts.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.paths import REPO  # noqa: E402
from autograder.settings import markdown_table  # noqa: E402

README = REPO / "README.md"
BLOCKS = {"grading limits": markdown_table}


def render(text: str) -> str:
    """``text`` with every generated block filled in afresh."""
    for name, make in BLOCKS.items():
        start, end = f"<!-- generated: {name} (make docs) -->", f"<!-- end: {name} -->"
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            raise SystemExit(f"{README.name} has no block {start!r} ... {end!r}")
        block = f"{start}\n{make()}{end}"
        text = pattern.sub(lambda _, block=block: block, text)
    return text


def main(argv: list[str]) -> int:
    current = README.read_text()
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print(f"{README.name} is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        README.write_text(fresh)
        print(f"updated {README.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
