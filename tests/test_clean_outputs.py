"""A lab's executed reference reads clean: no start-up log lines, no warning the lab does not teach.

The reference outputs come from the notebooks the contract tests already grade
(:class:`helpers.GradedLab`), so nothing is executed twice. A cell that shows a warning on
purpose carries the jupytext cell option ``tags=["teaches-warning"]`` in its source.
"""
from __future__ import annotations

import re

import pytest

from autograder.build import source_notebook
from autograder.notebooks import cell_label, strip_ansi
from helpers import lab_params

TEACHES_WARNING = "teaches-warning"

# TensorFlow's native start-up (absl, oneDNN, CUDA probing) and library loggers on stderr or stdout
STARTUP = [
    ("absl start-up line", re.compile(r"All log messages before absl::InitializeLog")),
    ("oneDNN notice", re.compile(r"oneDNN custom operations")),
    ("CUDA probing", re.compile(r"Could not find cuda drivers|Unable to register cu(DNN|FFT|BLAS)|cuda_(dnn|fft|blas)"
                                r"|TF-TRT Warning|failed call to cuInit")),
    ("CPU instruction notice", re.compile(r"This TensorFlow binary is optimized to use available CPU instructions")),
    ("absl log prefix", re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d", re.M)),
    ("absl logger", re.compile(r"^(WARNING|INFO|ERROR):absl:", re.M)),
    ("Apache Beam logger", re.compile(r"^(WARNING|INFO|ERROR):apache_beam", re.M)),
    ("TensorFlow logger", re.compile(r"^(WARNING|INFO|ERROR):tensorflow", re.M)),
    # any other library logging through Python's default format ("INFO:root:...", "WARNING:py.warnings:")
    ("a library logger", re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL):[\w.]+:", re.M)),
    ("Optuna log line", re.compile(r"^\[[DIWEC] \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.M)),
    ("MLflow log line", re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR) ", re.M)),
    ("TensorFlow Lite notice", re.compile(r"Created TensorFlow Lite \w+ delegate")),
    # progress bars: Keras' fit/predict/evaluate without verbose=0, and tqdm's
    ("Keras progress bar", re.compile(r"^\s*\d+/\d+ [━─]+.*\d+(s|ms|us)/step", re.M)),
    ("tqdm progress bar", re.compile(r"\d+%\|[^|\n]*\| *\d+/\d+ \[")),
]
WARNINGS = [
    ("a warning", re.compile(r"\b[A-Z]\w*Warning: ")),
    ("warnings.warn", re.compile(r"warnings\.warn\(")),
    ("a WARNING log line", re.compile(r"^WARNING[:\s]", re.M)),
]


def output_texts(cell) -> list[tuple[str, str]]:
    """``(kind, text)`` for each output of a code cell that a student reads as text."""
    texts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            texts.append((f"stream {output.get('name')}", strip_ansi(output.get("text", ""))))
        elif kind in ("execute_result", "display_data"):
            texts.append((kind, strip_ansi(str(output.get("data", {}).get("text/plain", "")))))
    return texts


def problems_in(cell, teaches_warning: bool) -> list[str]:
    """One message per offending output line: what it is, where, and the line itself."""
    checks = STARTUP if teaches_warning else STARTUP + WARNINGS
    found = []
    for kind, text in output_texts(cell):
        seen: set[int] = set()
        for what, pattern in checks:
            for match in pattern.finditer(text):
                start = text.rfind("\n", 0, match.start()) + 1
                if start not in seen:
                    seen.add(start)
                    found.append(f"{what} in {kind}: {line_of(text, match.start())!r}")
        if kind == "stream stderr" and text.strip() and not teaches_warning and not seen:
            found.append(f"stderr output: {text.strip().splitlines()[0][:160]!r}")
    return found


def line_of(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start:end if end >= 0 else len(text)][:160]


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_reference_outputs_hold_no_startup_lines_and_no_untaught_warnings(lab, graded):
    executed = graded.executed_reference()
    source = source_notebook(lab)
    assert len(executed.cells) == len(source.cells), f"{lab}: the graded reference lost or gained cells"
    problems = []
    for index, (cell, original) in enumerate(zip(executed.cells, source.cells), start=1):
        if cell.cell_type != "code":
            continue
        teaches = TEACHES_WARNING in original.metadata.get("tags", [])
        problems += [f"{cell_label(cell, index)}: {p}" for p in problems_in(cell, teaches)]
    assert not problems, (f"{lab}: outputs a student would take for errors (silence them at the source, or tag "
                          f"the cell tags=[\"{TEACHES_WARNING}\"] if the lab teaches that warning):\n  "
                          + "\n  ".join(problems[:15]))


@pytest.mark.parametrize("text, kind, expected", [
    ("All log messages before absl::InitializeLog() is called are written to STDERR\n", "stderr", "absl start-up"),
    ("I0000 00:00:1733000000.123 1234 service.cc:148] XLA service\n", "stdout", "absl log prefix"),
    ("WARNING:absl:You are saving your model as an HDF5 file\n", "stdout", "absl logger"),
    ("/x.py:3: UserWarning: deprecated\n  warnings.warn(\n", "stdout", "a warning"),
    ("anything\n", "stderr", "stderr output"),
    ("oneDNN custom operations are on.\n", "stdout", "oneDNN"),
    ("INFO:root:Missing pipeline option (runner). Executing pipeline using the default runner\n", "stderr",
     "a library logger"),
    ("WARNING:py.warnings:/x.py:1: DeprecationWarning\n", "stdout", "a library logger"),
    ("[I 2026-12-06 12:00:00,123] Trial 0 finished with value: 0.9\n", "stdout", "Optuna log line"),
    ("2026/12/06 12:00:00 INFO mlflow.tracking.fluent: Experiment set\n", "stdout", "MLflow log line"),
    ("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n", "stdout", "TensorFlow Lite notice"),
    ("\r1/1 ━━━━━━━━━━━━━━━━━━━━ 0s 31ms/step\n", "stdout", "Keras progress bar"),
    ("14/14 ━━━━━━━━━━━━━━━━━━━━ 1s 4ms/step - accuracy: 0.97 - loss: 0.11\n", "stdout", "Keras progress bar"),
    (" 40%|████      | 4/10 [00:01<00:02,  2.50it/s]\n", "stderr", "tqdm progress bar"),
])
def test_the_finder_names_startup_lines_and_warnings(text, kind, expected):
    import nbformat

    cell = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("stream", name=kind, text=text)])
    assert any(expected in problem for problem in problems_in(cell, teaches_warning=False))


def test_a_cell_that_teaches_a_warning_may_show_it_but_no_startup_line():
    import nbformat

    taught = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "stream", name="stderr", text="ConvergenceWarning: lbfgs failed to converge\n")])
    assert problems_in(taught, teaches_warning=True) == []
    clean = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("stream", name="stdout", text="OK 0.97\n")])
    assert problems_in(clean, teaches_warning=False) == []
    summary = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("display_data", data={"text/plain": (
        "┏━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┓\n┃ Layer (type)  ┃ Output Shape ┃\n Total params: 4,810 (18.79 KB)\n")})])
    assert problems_in(summary, teaches_warning=False) == [], "a model summary's table is no progress bar"
    noisy = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "stream", name="stderr", text="oneDNN custom operations are on.\n")])
    assert problems_in(noisy, teaches_warning=True)
