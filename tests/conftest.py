"""Fixtures: every lab is built and graded once per test session, in a scratch course.

Shared helpers (GradedLab, released_course, lab_params, ...) live in ``helpers.py``.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpers import GradedLab

os.environ.pop("AUTOGRADER_DB_URL", None)  # a developer's own gradebook URL must not reach the tests

_graded: dict[str, GradedLab] = {}
RUNS = Path(__file__).resolve().parent.parent / ".pytest-tmp"  # pyproject's --basetemp


def pytest_configure(config):
    """Give each pytest run a scratch folder of its own under .pytest-tmp/.

    pytest empties its --basetemp when a run starts: a second run in the same checkout (a
    `make test-fast` beside a `make test`) would delete the first one's courses mid-grading.
    Each run uses .pytest-tmp/run-<pid>; folders of runs that are no longer alive go.
    """
    if hasattr(config, "workerinput") or Path(config.option.basetemp or "").resolve() != RUNS:
        return  # an xdist worker (its basetemp comes from the controller) or an explicit --basetemp
    RUNS.mkdir(exist_ok=True)
    for old in RUNS.glob("run-*"):
        try:
            os.kill(int(old.name[4:]), 0)
        except (ValueError, ProcessLookupError):
            shutil.rmtree(old, ignore_errors=True)
        except PermissionError:
            pass
    config.option.basetemp = str(RUNS / f"run-{os.getpid()}")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Make ``--dist loadgroup`` keep an ``xdist_group`` on one worker under pytest 9.

    pytest-xdist 3.8 tags a test's group by setting ``item._nodeid`` ("...@group"), which
    pytest 9 no longer reads (a node's id is ``item._id``): without this every worker would
    grade every lab, and build every sample class, again.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        tagged = getattr(item, "_nodeid", None)
        if tagged and tagged != item.nodeid and "@" in tagged:
            item._id = NodeId.parse(tagged)


@pytest.fixture
def graded(request, tmp_path_factory) -> GradedLab:
    assert request.node.get_closest_marker("slow"), f"{request.node.nodeid} grades a lab: mark it @pytest.mark.slow"
    lab = request.node.callspec.params["lab"]
    if lab not in _graded:
        _graded[lab] = GradedLab(lab, tmp_path_factory.mktemp(f"course-{lab}"))
    return _graded[lab]
