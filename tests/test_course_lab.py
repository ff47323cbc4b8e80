"""Unit tests of the lab start-up helpers: start_lab, needs, the quiet TensorFlow import."""
from __future__ import annotations

import subprocess
import sys

import pytest

from course import needs, start_lab
from course.plotting import add_caption


def test_start_lab_returns_a_fresh_empty_scratch_folder():
    first, second = start_lab("lab99"), start_lab("lab99")
    assert first != second and first.is_dir() and not any(first.iterdir())
    assert first.name.startswith("lab99-")


@pytest.mark.parametrize("bad", ["", "lab 1", None, "../up"])
def test_start_lab_names_the_bad_name(bad):
    with pytest.raises(ValueError, match="start_lab needs a short name"):
        start_lab(bad)


def test_needs_turns_an_unfinished_exercise_into_one_line(capsys):
    def unfinished():
        raise NotImplementedError()

    with needs("exercise 2 (roc_points)"):
        unfinished()
    with needs("exercise 3"):
        undefined_name  # noqa: B018, F821
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("This cell needs exercise 2 (roc_points): finish it above")
    assert out[1].startswith("This cell needs exercise 3:") and "undefined_name" in out[1]


def test_needs_lets_other_errors_through():
    with pytest.raises(ZeroDivisionError), needs("exercise 1"):
        _ = 1 / 0


def test_add_caption_refuses_an_empty_caption():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    with pytest.raises(ValueError, match="caption"):
        add_caption(fig, "  ")
    add_caption(fig, "one line", title="A grid")
    assert fig._suptitle.get_text() == "A grid"
    plt.close(fig)


@pytest.mark.slow
def test_importing_tensorflow_after_course_prints_nothing_to_stderr():
    code = "import course, tensorflow, tf_keras; import sys; print('imported', file=sys.stderr)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "imported", f"start-up lines reached stderr:\n{result.stderr}"
