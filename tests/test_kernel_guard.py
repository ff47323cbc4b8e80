"""The grading kernel's audit hook tells a library's own work from the notebook's.

Each test runs a small script under the hook in a fresh interpreter, as the grading kernel does,
and reads the record back with the grader's reader. The "library" lives in a folder named as
installed code (what site-packages and the course package are in a real kernel); the script
itself plays the notebook.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from autograder.integrity import kernel_guard
from autograder.integrity.audit_record import audit_problems, read_record

# a library that does what TensorFlow's autograph and Apache Beam do for their own reasons
LIBRARY = '''
import importlib.util, os, pickle, tempfile

def generate_and_import(source):
    """autograph: write converted code to a temporary .py file and import it."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", prefix="__generated", delete=False) as handle:
        handle.write(source)
    spec = importlib.util.spec_from_file_location(os.path.basename(handle.name)[:-3], handle.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.unlink(handle.name)
    return module

def load(payload):
    """Beam: unpickle a transform."""
    return pickle.loads(payload)
'''


def run_under_hook(tmp_path: Path, script: str) -> list[dict]:
    library = tmp_path / "installed"
    library.mkdir()
    (library / "fakelib.py").write_text(LIBRARY)
    log = tmp_path / "record.log"
    key = os.urandom(16)
    kernel_guard.new_record(log, key)
    # as the grading kernel starts: the guard's own text run with ``python -c``, then a cell
    guard = Path(kernel_guard.__file__).read_text(encoding="utf-8").rpartition('if __name__ == "__main__":')[0]
    driver = guard + textwrap.dedent(f"""
        sys.path.insert(0, {str(library)!r})
        log_path = os.environ.pop(LOG_ENV)
        with open(log_path + KEY_SUFFIX, "rb") as handle:
            secret = handle.read()
        os.unlink(log_path + KEY_SUFFIX)
        install(log_path, secret)
        cell = {str(tmp_path / "notebook.py")!r}  # IPython compiles a cell under a file name of its own
        exec(compile(open(cell).read(), cell, "exec"), {{"__name__": "__main__"}})
    """)
    (tmp_path / "notebook.py").write_text(textwrap.dedent(script))
    env = {**os.environ, kernel_guard.PACKAGES_ENV: str(library), kernel_guard.LOG_ENV: str(log)}
    done = subprocess.run([sys.executable, "-c", driver], capture_output=True, text=True, timeout=120, env=env,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    records, broken = read_record(log, key)
    assert broken is None, broken
    return records


def kinds(records: list[dict]) -> list[tuple[str, str]]:
    return [(r["kind"], r.get("what") or Path(str(r.get("path", ""))).name) for r in records
            if r["kind"] not in ("start", "cell")]


def test_a_library_that_writes_and_imports_its_own_module_is_not_the_notebook(tmp_path):
    records = run_under_hook(tmp_path, """
        import fakelib
        module = fakelib.generate_and_import("def f(o):\\n    setattr(o, 'x', 1)\\n")
    """)
    assert not [r for r in records if r["kind"] == "module"], kinds(records)


def test_the_notebooks_own_module_is_recorded_with_its_source(tmp_path):
    records = run_under_hook(tmp_path, """
        import importlib
        with open("helper_notes.py", "w") as handle:
            handle.write("def f(o):\\n    setattr(o, 'x', 1)\\n")
        importlib.import_module("helper_notes")
    """)
    modules = [r for r in records if r["kind"] == "module"]
    assert [Path(r["path"]).name for r in modules] == ["helper_notes.py"]
    assert "setattr" in modules[0]["source"]


def test_a_librarys_pickle_of_plain_callables_is_not_flagged_but_the_notebooks_is(tmp_path):
    records = run_under_hook(tmp_path, """
        import importlib, pickle
        import fakelib
        payload = pickle.dumps([sum, staticmethod, importlib.import_module])
        fakelib.load(payload)            # Beam's own transforms: fine
        pickle.loads(payload)            # the notebook's own pickle: recorded
    """)
    pickled = [r["what"] for r in records if r["kind"] == "pickle"]
    assert sorted(pickled) == ["builtins.staticmethod", "builtins.sum", "importlib.import_module"], kinds(records)


def test_a_pickle_that_reaches_the_kernel_is_flagged_even_through_a_library(tmp_path):
    records = run_under_hook(tmp_path, """
        import os, pickle
        import fakelib
        fakelib.load(pickle.dumps([os.system, exec]))
    """)
    pickled = sorted(r["what"] for r in records if r["kind"] == "pickle")
    assert pickled == ["builtins.exec", f"{os.system.__module__}.system"], kinds(records)


def test_the_grader_reads_the_record_only_under_the_kernels_key(tmp_path):
    import nbformat

    records = run_under_hook(tmp_path, "import pickle\npickle.loads(pickle.dumps(exec))\n")
    assert ("pickle", "builtins.exec") in kinds(records)
    problems = audit_problems(nbformat.v4.new_notebook(), tmp_path / "record.log", b"another key", "planted", None)
    assert any("altered" in problem for problem in problems), problems


def test_tensorflows_autograph_modules_are_the_librarys_own(tmp_path):
    """autograph writes each converted function to a temporary .py file and imports it from
    site-packages, which in a venv lies inside the standard library's folder."""
    records = run_under_hook(tmp_path, """
        import os
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
        import tensorflow as tf

        @tf.function
        def count(x):
            for _ in tf.range(3):
                if x > 1:
                    x = x + 1
            return x

        assert int(count(tf.constant(2))) == 5
    """)
    assert not [r for r in records if r["kind"] == "module"], kinds(records)
