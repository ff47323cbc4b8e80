"""The instructor commands of the course (``python -m autograder``), in rooms by job.

* plumbing, here at the top: :mod:`.paths` (every path), :mod:`.settings` (every limit),
  :mod:`.outcomes` (statuses), :mod:`.notebooks`, :mod:`.gradebook`, :mod:`.nbgrader_run`,
  :mod:`.build` (solutions/ to labs/); they import no subpackage;
* :mod:`.integrity`: whether a kernel ran the tests honestly (imports only the plumbing);
* :mod:`.grading`: autograding a class (imports integrity and the plumbing);
* :mod:`.semester`: rosters, late policy, exports, regrades, similarity (imports grading);
* :mod:`.tools`: reports and measurements (imports semester and below);
* :mod:`.cli`: the command line, on top of everything.

``tests/test_package_layout.py`` holds the package to that order. Modules that lived at the
top before the rooms existed (``autograder.cap_output`` or ``autograder.grading_kernel``, named
in a course's old ``nbgrader_config.py``) still import under their old names (:data:`MOVED`),
and the old ``autograder.integrity.PlantCanaries`` and ``autograder.grading.grade_class``
still resolve (the two packages hand unknown names to the module they replaced).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

MOVED = {  # old module name -> where it lives now
    **{f"autograder.{name}": f"autograder.integrity.{name}" for name in
       ("tampering", "canaries", "kernel_guard", "audit_record", "feedback_guard", "hide_tracebacks")},
    **{f"autograder.{name}": f"autograder.grading.{name}" for name in
       ("intake", "collect", "worker", "bubblewrap", "scratch", "cap_output", "fair_output", "diagnosis")},
    "autograder.grading_kernel": "autograder.grading.kernel",
    **{f"autograder.{name}": f"autograder.semester.{name}" for name in
       ("roster", "late_policy", "lms_export", "export", "regrade", "similarity", "formgrader")},
    "autograder.semester_commands": "autograder.semester.commands",
    **{f"autograder.{name}": f"autograder.tools.{name}" for name in
       ("report", "lab_timing", "speedup", "synthetic", "selfcheck")},
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports a module's old name as the module itself (same object, one copy)."""

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name in MOVED else None

    def create_module(self, spec):
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        pass  # it ran when it was first imported under its new name


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModules())


def names_moved_to(package: str, module: str):
    """A package's module ``__getattr__`` that hands the names of the module it replaced
    (``autograder.integrity.PlantCanaries`` in an old nbgrader_config.py) to ``module``."""

    def __getattr__(name: str):
        try:
            return getattr(importlib.import_module(f"{package}.{module}"), name)
        except AttributeError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None

    return __getattr__
