"""The autograder package's rooms: imports run downwards only, with no cycle, and old names still load.

Layers, bottom to top (see ``autograder/__init__.py``): the plumbing at the top of the package,
``integrity``, ``grading``, ``semester``, ``tools``, then ``cli``/``__main__``. A module may
import its own room and the rooms below it. Every import counts, including those inside
functions: a cycle hidden in a function still ties two rooms together.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from traitlets.utils.importstring import import_item

PACKAGE = Path(__file__).resolve().parents[1] / "autograder"
LAYERS = {"plumbing": 0, "integrity": 1, "grading": 2, "semester": 3, "tools": 4, "cli": 5}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "plumbing"  # the package's own __init__
    if parts[1] in ("cli", "__main__"):
        return "cli"
    return parts[1] if parts[1] in LAYERS else "plumbing"


def imported(path: Path, modules: set[str]) -> set[str]:
    """The autograder modules ``path`` imports (absolute and relative, anywhere in the file)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != "autograder" and name != here:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    modules = set(files)
    return {name: imported(path, modules) for name, path in files.items()}


GRAPH = import_graph()


def test_the_rooms_exist_and_say_what_they_own():
    for name in ("integrity", "grading", "semester", "tools"):
        init = PACKAGE / name / "__init__.py"
        assert init.is_file(), f"autograder/{name}/ has no __init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "Owns" in doc and "May import" in doc, \
            f"autograder/{name}/__init__.py must say what it owns and may import"
    flat = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert len(flat) <= 12, f"the top of autograder/ is for plumbing only, found {len(flat)} modules: {flat}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_run_downwards(module):
    upward = sorted(other for other in GRAPH[module] if LAYERS[room(other)] > LAYERS[room(module)])
    assert not upward, (f"{module} ({room(module)}) imports {upward}, which sit above it; "
                        "move the shared code down into the lower room instead")


def test_no_import_cycle():
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = "open"
        stack.append(name)
        for other in sorted(GRAPH[name]):
            if state.get(other) == "open":
                return stack[stack.index(other):] + [other]
            if other not in state and (cycle := visit(other)):
                return cycle
        state[name] = "done"
        stack.pop()
        return None

    for name in sorted(GRAPH):
        if name not in state:
            cycle = visit(name)
            assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_finder_sees_a_planted_upward_import(tmp_path):
    """The checks above can fail: an upward import written in a function is found."""
    fake = tmp_path / "autograder" / "integrity"
    fake.mkdir(parents=True)
    source = fake / "bad.py"
    source.write_text("def f():\n    from ..semester import roster\n    import autograder.cli\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path / "autograder"
    try:
        found = imported(source, {"autograder.semester.roster", "autograder.cli", "autograder.integrity.bad"})
    finally:
        PACKAGE = saved
    assert found == {"autograder.semester.roster", "autograder.cli"}


OLD_CONFIG_NAMES = [
    "autograder.integrity.PlantCanaries",
    "autograder.integrity.CheckCanaries",
    "autograder.cap_output.CapOutputSize",
    "autograder.fair_output.SetAsideStderr",
    "autograder.feedback_guard.GuardFeedback",
    "autograder.hide_tracebacks.HideTestTracebacks",
    "autograder.grading_kernel.main",
    "autograder.grading.grade_class",
]


@pytest.mark.parametrize("name", OLD_CONFIG_NAMES)
def test_an_old_nbgrader_config_name_still_resolves(name):
    """nbgrader imports preprocessors by dotted name (traitlets' import_item), as an old
    ``grading/nbgrader_config.py`` spells them."""
    assert callable(import_item(name))


def test_old_module_names_are_the_same_modules():
    from autograder.grading import cap_output
    from autograder.integrity import tampering

    assert import_item("autograder.cap_output") is cap_output
    assert import_item("autograder.tampering") is tampering


def test_the_kernel_module_runs_under_its_new_name():
    """The kernel spec starts ``python -m autograder.grading.kernel``."""
    done = subprocess.run([sys.executable, "-c", "import runpy, autograder.grading.kernel as k; print(k.__name__)"],
                          capture_output=True, text=True, timeout=60, cwd=PACKAGE.parent)
    assert done.returncode == 0 and done.stdout.strip() == "autograder.grading.kernel", done.stderr
