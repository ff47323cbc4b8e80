"""Integrity of the kernel that runs the tests: cells the grader plants whose outcome it knows.

The tests run in the student's kernel, so student code can change what that kernel does
(an IPython input or AST transformer that rewrites later cells, an exception handler that
swallows failures, an event callback, a trace hook, a swapped ``check``, patched numpy). The
static finder (:mod:`autograder.integrity.tampering`) names the spellings it can read; this module
catches the *effect*, whatever the spelling, with cells nbgrader runs among the real ones:

* **canaries** (:class:`PlantCanaries`, made by :mod:`autograder.integrity.canaries`): one or two copies
  of a real test cell, hidden tests included, with one expected number changed beyond the
  check's tolerance (or a comparison negated), in random order with the test itself and in a
  random number per run. Each must fail wherever its test passes: when a test and its canary
  both end without an error, the kernel is not reporting the student's results (a selective
  cheat that cannot tell the copies apart is caught with every test it "passes").
* **probes**, one before every test cell, one at the start (the baseline, before any student
  code ran) and one at the end: they list the kernel's hooks (input and AST transformers, event
  callbacks, custom exception handlers, ``sys.excepthook``, trace and profile functions, import
  hooks, stdout/stderr, methods of the shell and the kernel, the builtins, the ``course``
  package and the modules the notebook imports) and report every one whose code comes from
  the notebook rather than from an installed package, every method replaced on the shell, and
  every change to the ``course`` functions (code or defaults). Anything not in the baseline is
  tampering.

Student code sees planted cells only as source text while they run (the kernel gets no cell
metadata or ids from nbgrader); a real test cell's hidden part is unknown to the student, so a
canary is just another copy of a test they have not seen in full. The third layer is the
kernel's own audit hook (:mod:`autograder.integrity.kernel_guard`), whose record :func:`kernel_audit`
reads here (:mod:`autograder.integrity.audit_record`). After execution :class:`CheckCanaries` reads
their outputs, removes every planted cell (the gradebook, the autograded notebook and the
feedback never see them) and records the verdict in the notebook's metadata
(``autograder.integrity.planted``), where :mod:`autograder.grading.run` reads it: status ``tampered``.
"""
from __future__ import annotations

import functools
import json
import os
import random
import secrets
import sysconfig
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.integrity import canaries, kernel_guard
from autograder.integrity.audit_record import audit_problems

METADATA_KEY = "autograder"
RESOURCE_KEY = "autograder_integrity"
VERDICT_KEY = "autograder_integrity_verdict"


@functools.lru_cache(maxsize=1)
def installed_roots() -> list[str]:
    """Folders whose code counts as installed: the standard library, site-packages, ``course``."""
    import course

    roots = {str(Path(course.__file__).parent) + "/"}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots |= {path.rstrip("/") + "/", str(Path(path).resolve()) + "/"}
    roots |= {str(Path(p).resolve()) + "/" for p in list(roots)}
    return sorted(roots)


PROBE = r'''
def {fn}():
    import builtins, functools, json, os, sys, sysconfig, types
    roots = set({roots!r})
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots |= {{path.rstrip("/") + "/", os.path.realpath(path) + "/"}}
    roots = tuple(sorted(roots))
    found, state = [], {{"installed code": " ".join(roots)}}

    def local(filename):
        return not filename.startswith("<frozen") and not any(filename.startswith(r) for r in roots)

    def code_of(obj, depth=0):
        if depth > 4 or obj is None:
            return None
        if isinstance(obj, types.FunctionType):
            return obj
        if isinstance(obj, (types.MethodType, staticmethod, classmethod)):
            return code_of(obj.__func__, depth + 1)
        if isinstance(obj, functools.partial):
            return code_of(obj.func, depth + 1)
        if isinstance(obj, property):
            return code_of(obj.fget, depth + 1)
        if isinstance(obj, (types.BuiltinFunctionType, types.ModuleType, type)):
            return None
        call = getattr(type(obj), "__call__", None)
        return code_of(call, depth + 1) if isinstance(call, types.FunctionType) else None

    def foreign_function(fn):
        code = fn.__code__
        if not local(code.co_filename):
            return False
        if code.co_filename.startswith("<"):  # code made by exec: dataclasses, namedtuple (fine) or the notebook
            name = (getattr(fn, "__globals__", None) or {{}}).get("__name__", "")
            module = sys.modules.get(name)
            path = getattr(module, "__file__", None)
            return name == "__main__" or module is None or bool(path and local(path))
        return True

    def foreign_class(cls):
        name = getattr(cls, "__module__", None) or ""
        path = getattr(sys.modules.get(name), "__file__", None)
        return name == "__main__" or bool(path and local(path))

    def foreign(obj):
        if isinstance(obj, type):
            return foreign_class(obj)
        fn = code_of(obj)
        if fn is not None:
            return foreign_function(fn)
        return callable(obj) and not isinstance(obj, (types.BuiltinFunctionType, types.ModuleType)) \
            and foreign_class(type(obj))

    def name_of(obj):
        fn = code_of(obj)
        target = fn if fn is not None else obj
        return getattr(target, "__qualname__", None) or type(target).__name__

    def note(where, obj):
        fn = code_of(obj)
        origin = fn.__code__.co_filename if fn is not None else getattr(type(obj), "__module__", "?")
        found.append(where + " is " + name_of(obj) + " from the notebook (" + origin + ")")

    from IPython.core.interactiveshell import InteractiveShell
    ip = InteractiveShell.instance()
    for where, items in (("an input transformer", ip.input_transformers_cleanup),
                         ("an input transformer", ip.input_transformers_post),
                         ("an AST transformer", ip.ast_transformers),
                         ("an input transformer", getattr(ip.input_transformer_manager, "cleanup_transforms", [])),
                         ("an input transformer", getattr(ip.input_transformer_manager, "line_transforms", [])),
                         ("a token transformer", getattr(ip.input_transformer_manager, "token_transformers", [])),
                         ("an import hook", sys.meta_path), ("an import hook", sys.path_hooks)):
        for item in list(items):
            if foreign(item) or (isinstance(item, type) and foreign_class(item)):
                note(where, item)
    state["IPython's AST transformers"] = ", ".join(sorted(name_of(t) for t in ip.ast_transformers)) or "none"
    state["IPython's input transformers"] = str(len(ip.input_transformers_cleanup) + len(ip.input_transformers_post))
    for event, callbacks in ip.events.callbacks.items():
        for callback in callbacks:
            if foreign(callback):
                note("a " + event + " event callback", callback)
    if ip.custom_exceptions:
        found.append("a custom exception handler is set for " + ", ".join(
            getattr(e, "__name__", "?") for e in ip.custom_exceptions))
    import threading
    for where, hook in (("sys.excepthook", sys.excepthook), ("sys.displayhook", sys.displayhook),
                        ("sys.breakpointhook", sys.breakpointhook), ("sys.unraisablehook", sys.unraisablehook),
                        ("threading.excepthook", threading.excepthook), ("the trace function", sys.gettrace()),
                        ("the profile function", sys.getprofile()),
                        ("the threads' trace function", getattr(threading, "_trace_hook", None)),
                        ("the threads' profile function", getattr(threading, "_profile_hook", None))):
        if hook is not None and foreign(hook):
            note(where, hook)
        state[where] = name_of(hook) if hook is not None else "none"
    for stream_name in ("stdout", "stderr"):
        stream = getattr(sys, stream_name)
        state["sys." + stream_name] = type(stream).__module__ + "." + type(stream).__qualname__
        if foreign(getattr(stream, "write", None)) or foreign_class(type(stream)):
            note("sys." + stream_name, stream)
    objects = [("IPython's shell", ip), ("the kernel", getattr(ip, "kernel", None)),
               ("the kernel session", getattr(getattr(ip, "kernel", None), "session", None)),
               ("the display publisher", ip.display_pub), ("the display hook", ip.displayhook),
               ("the compiler", ip.compile), ("the input transformer manager", ip.input_transformer_manager),
               ("the traceback formatter", ip.InteractiveTB), ("the events manager", ip.events),
               ("the history manager", getattr(ip, "history_manager", None))]
    for where, obj in objects:
        if obj is None:
            continue
        cls = type(obj)
        for key, value in list(vars(obj).items()):
            if callable(value) and not isinstance(value, type) and (foreign(value) or (
                    isinstance(getattr(cls, key, None), (types.FunctionType, property)))):
                found.append(where + "'s " + key + " is replaced by " + name_of(value))
        for klass in cls.__mro__:
            for key, value in list(vars(klass).items()):
                if foreign(value):
                    found.append(where + "'s class " + klass.__name__ + "." + key + " is " + name_of(value)
                                 + " from the notebook")
    for key, value in list(vars(builtins).items()):
        if key != "_" and foreign(value):
            note("builtins." + key, value)
        elif isinstance(value, (types.BuiltinFunctionType, type)) and key not in ("EnvironmentError", "IOError") \
                and not key.startswith("_") and getattr(value, "__name__", key) != key:
            found.append("builtins." + key + " is " + getattr(value, "__name__", "?"))
    names = {modules!r}
    course_defaults = {course_defaults!r}
    for name in [n for n in list(sys.modules) if n in names or n.startswith("course.")]:
        module = sys.modules.get(name)
        if not isinstance(module, types.ModuleType):
            found.append("sys.modules[" + repr(name) + "] is not a module but " + type(module).__name__)
            continue
        path = getattr(module, "__file__", None) or ""
        if path and local(path):
            if name.split(".")[0] in ("course", "numpy", "builtins", "math"):
                found.append("sys.modules[" + repr(name) + "] comes from " + path)
            continue
        for key, value in list(vars(module).items()):
            if isinstance(value, types.FunctionType) and foreign_function(value):
                note(name + "." + key, value)
            elif isinstance(value, type) and value.__module__ == "__main__":
                note(name + "." + key, value)
            if name.split(".")[0] == "course" and isinstance(value, types.FunctionType) and \
                    getattr(value, "__module__", None) == name:
                inner = value
                while isinstance(getattr(inner, "__wrapped__", None), types.FunctionType):
                    inner = inner.__wrapped__  # decorated (contextmanager, functools.wraps): the function itself
                code = inner.__code__
                if code.co_filename != path or code.co_qualname != inner.__qualname__:
                    found.append(name + "." + key + " runs the code of " + code.co_qualname)
                defaults = repr(value.__defaults__) + " " + repr(sorted((value.__kwdefaults__ or {{}}).items()))
                expected = course_defaults.get(name + "." + key)
                if expected is not None and expected != defaults:
                    found.append("the defaults of " + name + "." + key + " were changed to " + defaults)
    return {{"foreign": found, "state": state}}

print({marker!r}, __import__("json").dumps({fn}()))
del {fn}
'''.strip()

@functools.lru_cache(maxsize=1)
def course_defaults() -> dict[str, str]:
    """``{"course.checks.check": "defaults"}`` for every function of the course package, as installed."""
    import importlib
    import pkgutil
    import types

    saved = dict(os.environ)  # importing course sets TensorFlow's log level: not for the grader's kernels
    import course

    found = {}
    for info in pkgutil.iter_modules(course.__path__):
        try:
            module = importlib.import_module(f"course.{info.name}")
        except Exception:  # a helper module whose dependency is missing: nothing to compare
            continue
        for key, value in vars(module).items():
            if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
                text = repr(value.__defaults__) + " " + repr(sorted((value.__kwdefaults__ or {}).items()))
                if "0x" not in text:
                    found[f"{module.__name__}.{key}"] = text
    os.environ.clear()
    os.environ.update(saved)
    return found


MODULES_ALWAYS = {"builtins", "course", "numpy", "math", "operator", "functools", "IPython", "ipykernel"}


def imported_modules(nb) -> set[str]:
    """Top-level modules the notebook's code imports (their functions are probed)."""
    import ast

    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def test_metadata(template) -> dict:
    """nbgrader metadata shaped like the lab's test cells (the kernel never sees it)."""
    meta = dict(template.metadata.get("nbgrader", {}))
    meta["grade_id"] = f"{meta.get('grade_id', 'cell')}_{secrets.token_hex(3)}"
    return meta


class PlantCanaries(NbGraderPreprocessor):
    """Before Execute: puts canaries and probes among the test cells (see the module docstring)."""

    def preprocess(self, nb, resources):
        rng = random.Random(secrets.randbits(64))
        marker = secrets.token_hex(12)
        fn = "_" + rng.choice("abcdefghkmnpqrstuvwxyz") + secrets.token_hex(5)
        modules = sorted(MODULES_ALWAYS | imported_modules(nb))
        probe = PROBE.format(fn=fn, roots=installed_roots(), modules=modules, marker=marker,
                             course_defaults=course_defaults())
        tests = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and utils.is_grade(cell)
                 and not utils.is_solution(cell)]
        cells, planted = [], []

        def plant(cell, plan: dict):
            cell.metadata[RESOURCE_KEY] = True
            planted.append(plan)
            cells.append(cell)

        first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
        for index, cell in enumerate(nb.cells):
            if index == first_code:
                plant(nbformat.v4.new_code_cell(probe), {"kind": "baseline"})
            if index not in tests:
                cells.append(cell)
                continue
            # the test and 1 or 2 canaries made from it, in random order, each after a probe
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            group = [cell, *canaries.derive(cell.source, rng, rng.choice((1, 1, 2)))]
            rng.shuffle(group)
            for member in group:
                plant(nbformat.v4.new_code_cell(probe), {"kind": "probe"})
                if member is cell:
                    cells.append(cell)
                    continue
                canary = nbformat.v4.new_code_cell(member)
                canary.metadata["nbgrader"] = test_metadata(cell)
                plant(canary, {"kind": "must-fail", "test": grade_id})
        plant(nbformat.v4.new_code_cell(probe), {"kind": "probe"})
        nb.cells = cells
        resources[RESOURCE_KEY] = {"marker": marker, "planted": planted, "count": len(cells)}
        return nb, resources


def stdout_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def has_error(cell) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def probe_report(cell, marker: str) -> dict | None:
    """What a probe printed (``{"foreign": [...], "state": {...}}``), or None if it printed nothing."""
    for line in stdout_of(cell).splitlines():
        if line.startswith(marker + " "):
            try:
                report = json.loads(line[len(marker) + 1:])
            except ValueError:
                return None
            if isinstance(report, dict) and isinstance(report.get("foreign"), list) \
                    and isinstance(report.get("state"), dict):
                return report
            return None
    return None


def place_of(nb, index: int) -> str:
    following = next((c for c in nb.cells[index + 1:] if not c.metadata.get(RESOURCE_KEY)
                      and c.cell_type == "code"), None)
    if following is None:
        return "after the last cell"
    return f"before {following.metadata.get('nbgrader', {}).get('grade_id') or 'a code cell'}"


def verdict(nb, state: dict) -> tuple[list[str], list[int]]:
    """``(problems, indices of the planted cells)`` of an executed notebook; each problem once,
    with the places it was seen."""
    marker, planted = state["marker"], state["planted"]
    indices = [i for i, cell in enumerate(nb.cells) if cell.metadata.get(RESOURCE_KEY)]
    if len(nb.cells) != state["count"] or len(indices) != len(planted):
        return ["the notebook's cells changed while it ran"], indices
    places: dict[str, list[str]] = {}
    seen: set[str] = set()
    tests = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in nb.cells
             if not cell.metadata.get(RESOURCE_KEY) and cell.cell_type == "code"}
    baseline: dict | None = None

    def problem(text: str, place: str) -> None:
        places.setdefault(text, []).append(place)

    for index, plan in zip(indices, planted):
        cell, place = nb.cells[index], place_of(nb, index)
        if plan["kind"] in ("baseline", "probe"):
            report = probe_report(cell, marker)
            if report is None:
                problem("a grader check did not run or did not report (the kernel skips, rewrites or silences cells)",
                        place)
                continue
            if plan["kind"] == "baseline":
                baseline = report
                seen |= set(report["foreign"])
                continue
            for item in report["foreign"]:
                if item not in seen:
                    seen.add(item)
                    problem(item, place)
            for key, value in report["state"].items():
                was = (baseline or {}).get("state", {}).get(key)
                if was is not None and was != value and f"{key}={value}" not in seen:
                    seen.add(f"{key}={value}")
                    problem(f"{key} changed from {was} to {value}", place)
        elif plan["kind"] == "must-fail" and not has_error(cell) and not has_error(tests.get(plan["test"], {})):
            problem(f"{plan['test']} passed, and so did a copy of it whose expected value the grader changed "
                    "(the kernel makes tests pass without the results they check)", place)
    problems = []
    for text, where in places.items():
        shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
        problems.append(f"{text} ({shown})")
    return problems, indices


def kernel_audit(nb) -> list[str]:
    """What the kernel's audit hook recorded (:mod:`autograder.integrity.audit_record`); nothing when the
    notebook ran without the grading kernel (the grader's environment names no record)."""
    record = kernel_guard.record_of(os.environ)
    if record is None:
        return []
    path, key = record
    code = [c for c in nb.cells if c.cell_type == "code"]
    last = code[-1].get("execution_count") if code and code[-1].metadata.get(RESOURCE_KEY) else None
    ran_all = all(c.get("execution_count") is not None for c in code if c.source.strip())
    return audit_problems(nb, path, key, RESOURCE_KEY, last if ran_all else None)


class CheckCanaries(NbGraderPreprocessor):
    """Right after Execute: judges the planted cells and removes them (the verdict waits in
    ``resources`` for :class:`RecordIntegrity`, since nbconvert's ClearMetadata runs between)."""

    def preprocess(self, nb, resources):
        state = resources.pop(RESOURCE_KEY, None)
        if state is None:
            return nb, resources
        problems, indices = verdict(nb, state)
        problems += kernel_audit(nb)
        for index in reversed(indices):
            del nb.cells[index]
        for cell in nb.cells:
            cell.metadata.pop(RESOURCE_KEY, None)
        resources[VERDICT_KEY] = problems
        return nb, resources


class RecordIntegrity(NbGraderPreprocessor):
    """Writes the verdict of :class:`CheckCanaries` into the autograded notebook's metadata."""

    def preprocess(self, nb, resources):
        if VERDICT_KEY in resources:
            nb.metadata[METADATA_KEY] = {"integrity": resources.pop(VERDICT_KEY)}
        return nb, resources


def integrity_problems(nb) -> list[str] | None:
    """What :class:`CheckCanaries` recorded in an autograded notebook (None: it did not run)."""
    return nb.metadata.get(METADATA_KEY, {}).get("integrity")


