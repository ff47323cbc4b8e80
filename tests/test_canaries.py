"""Canaries made from the labs' own tests (autograder/canaries.py): each one must fail where its
test passes, and nothing in the source may tell it from the test it was made from."""
from __future__ import annotations

import ast
import random
import re

import pytest

from autograder.build import source_notebook
from autograder.integrity.canaries import derive, sites
from autograder.integrity.planted import RESOURCE_KEY, PlantCanaries
from autograder.notebooks import is_test_cell
from autograder.paths import lab_names
from course.checks import CheckFailed, check

SEEDS = range(8)


def cells_of(lab: str) -> list[str]:
    return [c.source for c in source_notebook(lab).cells if c.cell_type == "code" and is_test_cell(c)]


def changed_call(test: str, canary: str) -> tuple[ast.Call, ast.Call]:
    """The one top-level check call that differs between a test and its canary."""
    pairs = [(a, b) for a, b in zip(ast.parse(test).body, ast.parse(canary).body) if ast.dump(a) != ast.dump(b)]
    assert len(pairs) == 1, "a canary changes exactly one statement of its test"
    (old, new), = pairs
    return old.value, new.value


def expected(call: ast.Call) -> ast.AST:
    return call.args[2] if len(call.args) > 2 else next(k.value for k in call.keywords if k.arg == "expected")


def keyword(call: ast.Call, name: str, default):
    node = next((k.value for k in call.keywords if k.arg == name), None)
    return ast.literal_eval(node) if node is not None else default


@pytest.mark.parametrize("lab", lab_names())
def test_every_canary_fails_where_its_test_passes(lab):
    """Code that gives the test's expected value (the reference's) fails the canary's check."""
    for test in cells_of(lab):
        for seed in SEEDS:
            for canary in derive(test, random.Random(seed), count=2):
                assert len(canary.splitlines()) == len(test.splitlines())
                old, new = changed_call(test, canary)
                if old.func.id == "check":
                    reference, changed = ast.literal_eval(expected(old)), ast.literal_eval(expected(new))
                    with pytest.raises(CheckFailed):
                        check("the canary's value", reference, changed, rtol=keyword(old, "rtol", 1e-6),
                              atol=keyword(old, "atol", 1e-8))
                else:  # check_that: the comparison is negated
                    assert type(old.args[1].ops[0]) is not type(new.args[1].ops[0])
                    assert ast.dump(old.args[1].left) == ast.dump(new.args[1].left)


def groups(lab: str, runs: int):
    """``(test source, [canary sources], [all sources in planted order])`` over ``runs`` plantings."""
    for seed in range(runs):
        random.seed(seed)
        nb, _ = PlantCanaries().preprocess(source_notebook(lab), {})
        cells = [c for c in nb.cells if c.cell_type == "code" and (is_test_cell(c) or c.metadata.get("nbgrader"))]
        by_test: dict[str, list] = {}
        for cell in cells:
            grade_id = re.sub(r"_[0-9a-f]{6}$", "", cell.metadata["nbgrader"]["grade_id"]) \
                if cell.metadata.get(RESOURCE_KEY) else cell.metadata["nbgrader"]["grade_id"]
            by_test.setdefault(grade_id, []).append(cell)
        for members in by_test.values():
            real = [c for c in members if not c.metadata.get(RESOURCE_KEY)]
            fakes = [c for c in members if c.metadata.get(RESOURCE_KEY)]
            if real and fakes:
                yield real[0].source, [c.source for c in fakes], [c.source for c in members]


def numbers(source: str) -> list[str]:
    return re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?:e-?\d+)?", source)


CLASSIFIERS = {  # each scores a source; the highest-scoring member of a group is guessed to be a canary
    "comes first": lambda source, order: -order.index(source),
    "comes last": lambda source, order: order.index(source),
    "is longer": lambda source, order: len(source),
    "is shorter": lambda source, order: -len(source),
    "has rounder numbers": lambda source, order: -sum(len(n.strip("0.")) for n in numbers(source)),
    "has less round numbers": lambda source, order: sum(len(n.strip("0.")) for n in numbers(source)),
    "has numbers not seen in the other cells": lambda source, order: sum(
        all(n not in other for other in order if other != source) for n in numbers(source)),
    "has a negated comparison": lambda source, order: len(re.findall(r" (>=|<=|!=|not in|is not) ", source)),
}


def test_canaries_cannot_be_told_from_their_tests_by_source():
    """Every classifier we could think of guesses the canary among a test's copies at chance level
    (the change is in the hidden part, which the student never saw)."""
    trials = []
    for lab in lab_names():
        for test, fakes, order in groups(lab, runs=10):
            hidden = [f for f in fakes if any(s.hidden for s in sites(test)) and f != test]
            if hidden and len(set(order)) == len(order):
                trials.append((test, order))
    assert len(trials) > 250, f"only {len(trials)} groups to classify"
    rng = random.Random(0)
    for name, score in CLASSIFIERS.items():
        right = 0
        for test, order in trials:
            best = max(score(s, order) for s in order)
            guess = rng.choice([s for s in order if score(s, order) == best])  # ties: a coin
            right += guess != test
        chance = sum((len(order) - 1) / len(order) for _, order in trials)
        assert right <= chance + 0.1 * len(trials), \
            f"'{name}' picks a canary in {right} of {len(trials)} groups (chance: {chance:.0f})"
