"""The similarity threshold, calibrated on honest pairs and on copies (no notebook is executed).

Honest pairs: lab 05 solved independently by ana, ben and cleo from the student notebook only
(tests/similarity_corpus_05.py), lab 01 by bob and carol (tests/similarity_corpus.py), and the
reference solution of each lab. Copies: each of those solutions with its variables renamed,
its layout changed (comments, blank lines, spacing, quotes), or both. Every honest pair must
score well below ``THRESHOLD`` and every copy well above it: the margins below are what keeps
the threshold from drifting back to where an honest lab 05 solution was flagged (0.645 at 0.6,
before the release's own lines were taken out of each exercise cell and the k-gram hashes made
reproducible).
"""
from __future__ import annotations

import copy
import itertools
import re

import nbformat
import pytest
from similarity_corpus import HONEST as HONEST_01
from similarity_corpus import reformatted
from similarity_corpus_05 import HONEST_05, fill

from autograder.build import source_notebook
from autograder.paths import LABS
from autograder.semester.similarity import MIN_TOKENS, THRESHOLD, compare, exercise_code, flagged, release_code

LAB_01, LAB_05 = "01_tensorflow_foundations", "05_classification_metrics_roc_auc"
HONEST_MAX = THRESHOLD - 0.1    # the highest honest pair (0.376, ana and lab 05's reference) stays this far below
COPY_MIN = THRESHOLD + 0.4      # the lowest whole copy (0.93) stays this far above


def release(lab):
    return nbformat.read(LABS / f"{lab}.ipynb", as_version=4)


def with_cells(release_nb, code: dict[str, str]):
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in code and not cell.metadata["nbgrader"].get("grade"):
            cell.source = code[grade_id]
    return nb


def solutions(lab) -> dict[str, object]:
    """Every honest solution of ``lab`` (the reference included), as notebooks."""
    rel = release(lab)
    reference = source_notebook(lab)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in reference.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
               and not c.metadata["nbgrader"].get("grade")}
    notebooks = {"reference": with_cells(rel, answers)}
    if lab == LAB_05:
        notebooks.update({student: fill(rel, student) for student in HONEST_05})
    else:
        notebooks.update({student: with_cells(rel, code) for student, code in HONEST_01.items()})
    return notebooks


def renamed(code: str) -> str:
    """Every variable a cell assigns (and every loop variable) renamed, as a student hiding a copy would."""
    targets = set()
    for match in re.finditer(r"^\s*(?:for\s+)?([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?:=(?!=)|\s+in\b)", code, re.M):
        targets.update(name.strip() for name in match.group(1).split(","))
    names = {name: f"my_{name}_{i}" for i, name in enumerate(sorted(targets))}
    if not names:
        return code
    return re.sub(r"(?<![.\w])(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")\b",
                  lambda m: names[m.group(1)], code)


DISGUISES = {"renamed": renamed, "reformatted": reformatted, "renamed+reformatted": lambda c: reformatted(renamed(c))}


def disguised(nb, disguise):
    out = copy.deepcopy(nb)
    for cell in out.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            cell.source = DISGUISES[disguise](cell.source)
    return out


def scores(lab):
    """``(honest, copies)``: ``{(a, b): Pair}`` of every honest pair, and of every author with each
    disguised copy of their own solution."""
    rel = release(lab)
    notebooks = solutions(lab)
    codes = {name: exercise_code(nb, rel) for name, nb in notebooks.items()}
    for name, disguise in itertools.product(list(notebooks), DISGUISES):
        codes[f"{name}~{disguise}"] = exercise_code(disguised(notebooks[name], disguise), rel)
    pairs, skipped = compare(codes, release_code(rel))
    assert not skipped, skipped
    honest, copies = {}, {}
    for pair in pairs:
        a, b = pair.a.split("~")[0], pair.b.split("~")[0]
        if "~" not in pair.a and "~" not in pair.b:
            honest[pair.a, pair.b] = pair
        elif a == b and ("~" not in pair.a or "~" not in pair.b):
            copies[pair.a, pair.b] = pair
    return honest, copies


@pytest.fixture(scope="module", params=[LAB_01, LAB_05])
def measured(request):
    return request.param, *scores(request.param)


def test_honest_pairs_stay_well_below_the_threshold(measured):
    lab, honest, _ = measured
    assert len(honest) == (6 if lab == LAB_05 else 3)
    report = {pair: round(p.score, 3) for pair, p in honest.items()}
    assert max(report.values()) <= HONEST_MAX, f"{lab}: honest pairs {report} (threshold {THRESHOLD})"
    assert not flagged(list(honest.values())), report


def test_copies_stay_well_above_the_threshold(measured):
    lab, _, copies = measured
    assert len(copies) == len(DISGUISES) * (4 if lab == LAB_05 else 3)
    report = {pair: round(p.score, 3) for pair, p in copies.items()}
    assert min(report.values()) >= COPY_MIN, f"{lab}: copies {report} (threshold {THRESHOLD})"
    assert all(p.tokens >= MIN_TOKENS for p in copies.values()), report
    assert len(flagged(list(copies.values()))) == len(copies)


def test_scores_are_the_same_in_every_run():
    """copydetect's k-gram hashes were Python's salted ``hash()``: scores moved between runs."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = ("import sys; sys.path.insert(0, 'tests'); from test_similarity_calibration import scores; "
              f"h, c = scores({LAB_05!r}); print(sorted((k, round(p.score, 6)) for k, p in h.items()))")
    root = Path(__file__).resolve().parents[1]
    runs = {subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(runs) == 1, runs


def test_a_copy_of_half_the_exercises_is_flagged():
    """Every other lab 05 exercise copied from the reference (renamed), the rest honest: flagged."""
    rel = release(LAB_05)
    notebooks = solutions(LAB_05)
    reference = {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebooks["reference"].cells
                 if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
                 and not c.metadata["nbgrader"].get("grade")}
    taken = dict(list(reference.items())[::2])
    codes = {"reference": exercise_code(notebooks["reference"], rel)}
    for student in HONEST_05:
        codes[student] = exercise_code(with_cells(notebooks[student], {k: renamed(v) for k, v in taken.items()}), rel)
    pairs, _ = compare(codes, release_code(rel))
    half = {(p.a, p.b): round(p.score, 3) for p in pairs if "reference" in (p.a, p.b)}
    assert min(half.values()) >= THRESHOLD + 0.05, half
    assert len([p for p in flagged(pairs) if "reference" in (p.a, p.b)]) == len(HONEST_05), half
