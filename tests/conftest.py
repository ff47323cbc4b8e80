"""Fixtures: every lab is built and graded once per test session, in a scratch course.

Shared helpers (GradedLab, released_course, lab_params, ...) live in ``helpers.py``.
"""
from __future__ import annotations

import os

import pytest

from helpers import GradedLab

os.environ.pop("AUTOGRADER_DB_URL", None)  # a developer's own gradebook URL must not reach the tests

_graded: dict[str, GradedLab] = {}


@pytest.fixture
def graded(request, tmp_path_factory) -> GradedLab:
    assert request.node.get_closest_marker("slow"), f"{request.node.nodeid} grades a lab: mark it @pytest.mark.slow"
    lab = request.node.callspec.params["lab"]
    if lab not in _graded:
        _graded[lab] = GradedLab(lab, tmp_path_factory.mktemp(f"course-{lab}"))
    return _graded[lab]
