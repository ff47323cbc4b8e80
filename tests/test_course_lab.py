"""Unit tests of the lab start-up helpers: start_lab, needs, the quiet TensorFlow import."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from course import needs, start_lab
from course.plotting import add_caption


@pytest.fixture(autouse=True)
def _system_temp_restored(monkeypatch):
    """start_lab points tempfile and TMPDIR at the lab's folder; undo that for the next tests."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    monkeypatch.setenv("TMPDIR", os.environ.get("TMPDIR", tempfile.gettempdir()))


def test_start_lab_returns_a_fresh_empty_scratch_folder():
    first, second = start_lab("lab99"), start_lab("lab99")
    assert first != second and first.is_dir() and not any(first.iterdir())
    assert first.name.startswith("lab99-")
    assert second.parent == first.parent, "a second start_lab must not nest its folder in the first one's"


def fresh_temp_env(folder):
    return {**os.environ, "TMPDIR": str(folder)}


def test_a_lab_leaves_nothing_in_the_temporary_folder(tmp_path):
    # what libraries do in lab 07 and lab 10 (Apache Beam's beam-pipeline-temp* folders, kept by
    # Beam inside a notebook kernel), lab 03 (PyTorch's compile cache), lab 12 (mkdtemp)
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    code = (
        "import os, tempfile\n"
        "from course import start_lab\n"
        "work_dir = start_lab('lab99')\n"
        "(work_dir / 'model.keras').write_text('x')\n"
        "library = tempfile.mkdtemp(prefix='beam-pipeline-temp')\n"
        "open(os.path.join(library, 'state'), 'w').close()\n"
        "tempfile.NamedTemporaryFile(delete=False).close()\n"
        "print(work_dir, library, os.environ['TMPDIR'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env=fresh_temp_env(system_temp))
    assert result.returncode == 0, result.stderr
    work_dir, library, child_tmpdir = result.stdout.split()
    assert os.path.dirname(work_dir) == os.path.dirname(child_tmpdir) == str(system_temp)
    assert os.path.dirname(library) == child_tmpdir, "library temporary files go to the lab's own folder"
    assert sorted(p.name for p in system_temp.iterdir()) == [], "start_lab's folders outlived the process"


@pytest.mark.slow
@pytest.mark.parametrize("lab", ["03_pytorch_vs_tensorflow", "07_data_lifecycle", "10_model_analysis"])
def test_executing_a_lab_reference_leaves_nothing_in_the_temporary_folder(lab, tmp_path):
    # the labs whose libraries write to the temporary folder (PyTorch's compile cache, created as
    # soon as it is seeded; Apache Beam under TF Transform and TFMA); every lab also leaves its
    # own two folders there until its kernel exits. Executed as a student runs them, in a
    # notebook kernel, with a temporary folder of their own that must be empty once it exits
    from nbclient import NotebookClient

    from autograder.build import source_notebook

    system_temp, folder = tmp_path / "system-temp", tmp_path / "notebook"
    system_temp.mkdir()
    folder.mkdir()
    notebook = source_notebook(lab)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(system_temp)  # the kernel inherits it
    try:
        client.execute()
    finally:
        if saved is None:
            os.environ.pop("TMPDIR")
        else:
            os.environ["TMPDIR"] = saved
    left = sorted(p.name for p in system_temp.iterdir())
    assert left == [], f"{lab} left these in its temporary folder: {left[:10]}"


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
