"""Find code in a submission that tries to make the tests pass without solving the exercise.

The tests run in the student's own kernel, so a student could replace ``check`` (the course's
test function), patch numpy or the builtins, or rewrite the ``course`` package, and every
later test would pass. nbgrader cannot see that. This module reads the student's code cells
(not the test cells, which the grader restores from the gradebook) and reports such lines.
It is a static check: it names the cell and the line, and the instructor decides.
"""
from __future__ import annotations

import ast

from autograder.notebooks import cell_label, is_test_cell

PROTECTED_NAMES = {"check", "check_that", "CheckFailed"}  # what the tests call
PROTECTED_MODULES = {"builtins", "course", "numpy", "tensorflow", "keras", "torch", "sklearn", "math",
                     "sys", "importlib", "unittest", "pytest", "nbgrader"}
DYNAMIC = {"setattr", "delattr", "exec", "eval", "compile", "__import__", "globals", "vars"}


def module_aliases(tree: ast.AST) -> dict[str, str]:
    """Names bound by ``import x`` / ``import x.y as z``, mapped to their top-level module."""
    aliases = {"__builtins__": "builtins"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name.split(".")[0]
    return aliases


def root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
        return [node.target]
    if isinstance(node, ast.Delete):
        return node.targets
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return [node.target]
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [node.optional_vars]
    return []


def flatten(target: ast.AST) -> list[ast.AST]:
    if isinstance(target, (ast.Tuple, ast.List)):
        return [leaf for element in target.elts for leaf in flatten(element)]
    if isinstance(target, ast.Starred):
        return flatten(target.value)
    return [target]


def findings_in(source: str, aliases: dict[str, str]) -> list[tuple[int, str]]:
    """``(line, what)`` for each suspicious statement of one cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # a cell that does not parse cannot patch anything
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in PROTECTED_NAMES:
            found.append((node.lineno, f"defines its own `{node.name}`, the function the tests use"))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound in PROTECTED_NAMES and not (isinstance(node, ast.ImportFrom) and node.module == "course"
                                                     and alias.name == bound):
                    found.append((node.lineno, f"binds `{bound}` to something else than the course's"))
        for target in (leaf for t in targets(node) for leaf in flatten(t)):
            if isinstance(target, ast.Name) and target.id in PROTECTED_NAMES:
                found.append((target.lineno, f"replaces `{target.id}`, the function the tests use"))
            elif isinstance(target, (ast.Attribute, ast.Subscript)):
                root = root_name(target)
                if root in aliases and aliases[root] in PROTECTED_MODULES:
                    found.append((target.lineno, f"changes `{ast.unparse(target)}` inside the {aliases[root]} module"))
                elif root in PROTECTED_NAMES:
                    found.append((target.lineno, f"changes `{ast.unparse(target)}`"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DYNAMIC:
            found.append((node.lineno, f"calls `{node.func.id}()`, which can rewrite code the tests rely on"))
    return sorted(set(found))


def tampering(nb) -> list[str]:
    """Plain-language findings for the student-editable code cells of ``nb`` (test cells excluded)."""
    cells = [(index, cell) for index, cell in enumerate(nb.cells, start=1)
             if cell.cell_type == "code" and not is_test_cell(cell)]
    aliases: dict[str, str] = {}
    for _, cell in cells:
        try:
            aliases.update(module_aliases(ast.parse(cell.source)))
        except SyntaxError:
            pass
    aliases.setdefault("__builtins__", "builtins")
    notes = []
    for index, cell in cells:
        label = cell_label(cell, index)
        for line, what in findings_in(cell.source, aliases):
            notes.append(f"{label} line {line} {what}")
    return notes
