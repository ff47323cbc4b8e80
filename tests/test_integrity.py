"""Fast checks of the integrity pieces: the static finder (no false alarm on any reference, every
family of hostile spelling found), the canaries' shape, fair stderr, the feedback guard, student
ids, and one-line errors. The graded corpus is in test_hostile_submissions.py."""
from __future__ import annotations

import zipfile

import nbformat
import pytest
from nbgrader.utils import determine_grade

from autograder import cli
from autograder.build import source_notebook
from autograder.grading.collect import collect
from autograder.grading.fair_output import PutBackStderr, SetAsideStderr
from autograder.integrity.feedback_guard import REMOVED, WITHHELD, GuardFeedback, hidden_fragments
from autograder.integrity.planted import PROBE, CheckCanaries, PlantCanaries, verdict
from autograder.integrity.tampering import findings_in, tampering
from autograder.paths import lab_names
from helpers import CLASS_LAB

HOSTILE = {  # one spelling per family; each must be found
    "input transformer": "ip = get_ipython()\nip.input_transformers_cleanup.append(lambda lines: [])",
    "AST transformer": "from IPython import get_ipython\nget_ipython().ast_transformers.append(object())",
    "IPython through an alias": "g = get_ipython\ng().events.register('pre_run_cell', print)",
    "custom exception handler": "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)",
    "sys.excepthook": "import sys\nsys.excepthook = lambda *a: None",
    "trace hook": "import sys\nsys.settrace(lambda *a: None)",
    "trace hook through an alias": "import sys as s\nt = s.settrace\nt(None)",
    "profile hook of threads": "import threading\nthreading.setprofile(print)",
    "code swap through an alias": "c = check\nc.__code__ = (lambda *a, **k: None).__code__",
    "defaults": "check.__kwdefaults__['rtol'] = 1e9",
    "getattr with a computed name": "import builtins\ngetattr(builtins, 'ex' + 'ec')('x = 1')",
    "getattr of a dunder": "f = getattr(check, '__code__')",
    "vars": "vars()['check'] = print",
    "globals": "globals()['check'] = print",
    "exec": "exec('check = print')",
    "exec through an alias": "run = exec\nrun('x = 1')",
    "builtins dictionary": "import builtins\nbuiltins.__dict__['print'] = None",
    "sys.modules": "import sys\nsys.modules['numpy'] = None",
    "import hook": "import sys\nsys.meta_path.insert(0, object())",
    "numpy patch": "import numpy as np\nnp.allclose = lambda *a, **k: True",
    "numpy patch through an alias": "import numpy as np\nm = np\nm.allclose = lambda *a, **k: True",
    "course module": "from course import checks\nchecks.check = print",
    "IPython history": "print(In[-1])",
    "IPython history list": "print(_ih)",
    "frames": "import sys\nprint(sys._getframe(1).f_code)",
    "inspect": "import inspect\nprint(inspect.stack())",
    "linecache": "import linecache\nprint(linecache.cache)",
    "stack printing": "import traceback\ntraceback.print_stack()",
    "config magic": "%config InteractiveShell.ast_node_interactivity='none'",
    "code written to a file": "%%writefile evil.py\nimport numpy as np\nnp.allclose = lambda *a, **k: True",
    "code in a string": "open('evil.py', 'w').write('import sys\\nsys.settrace(None)\\n')",
    "ctypes": "import ctypes\nctypes.pythonapi",
    "importlib": "import importlib\nimportlib.reload(importlib)",
    "__import__": "__import__('numpy').allclose = None",
    "setattr": "import numpy\nsetattr(numpy, 'allclose', None)",
    "showtraceback": "ip = get_ipython()\nip.showtraceback = lambda *a, **k: None",
    "own check": "def check(*a, **k):\n    pass",
    "class patch": "import tensorflow as tf\ntf.Tensor.__eq__ = lambda a, b: True",
    "imported class patch": "from sklearn.linear_model import LogisticRegression\nLogisticRegression.fit = None",
    "builtins import": "from builtins import exec as e\ne('x=1')",
    "__builtins__": "__builtins__.exec('x=1')",
    "traceback frames": "try:\n    1/0\nexcept Exception as e:\n    print(e.__traceback__.tb_frame.f_back)",
    "warnings hook": "import warnings\nwarnings.showwarning = print",
    "gc": "import gc\nprint(gc.get_referrers(check))",
    "extension magic": "%load_ext evil",
    "IPython class": "import IPython\nIPython.core.interactiveshell.InteractiveShell.run_cell = None",
}

HONEST = {  # what students write honestly; none may be flagged
    "stderr": "import sys\nprint('debug', file=sys.stderr)\nsys.stderr.write('x\\n')\nsys.stdout.flush()",
    "logging": "import logging\nlogging.warning('x')\nlogging.getLogger('tf').setLevel(logging.ERROR)",
    "warnings": "import warnings\nwarnings.warn('careful')\nwarnings.simplefilter('always')",
    "helper": "def _helper(x):\n    return x * 2\n\ndef standardize(m):\n    return _helper(m)",
    "rcParams": "import matplotlib.pyplot as plt\nplt.rcParams['figure.dpi'] = 80",
    "environment": "import os\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'",
    "torch eval": "import torch\nmodel = torch.nn.Linear(2, 2)\nmodel.eval()\nmodel.train(False)",
    "re.compile": "import re\npattern = re.compile('a+')",
    "getattr with a constant": "name = getattr(model, 'name', None)",
    "pandas options": "import pandas as pd\npd.options.display.max_rows = 10\npd.set_option('display.width', 80)",
    "matplotlib magic": "%matplotlib inline\nimport numpy as np",
    "timeit": "%timeit sum(range(10))",
    "shell": "!ls",
    "super": "class A(dict):\n    def __init__(self):\n        super().__init__()\n        self.x = 1",
    "print_exc": "import traceback\ntry:\n    1/0\nexcept ZeroDivisionError:\n    traceback.print_exc()",
    "underscore": "for _ in range(3):\n    pass\n_, b = 1, 2",
    "__name__": "if __name__ == '__main__':\n    print('hi')",
    "strings": "msg = f'value = {3}'\nprint('a = b(c)')",
    "inspect.signature": "import inspect\nprint(inspect.signature(print))",
    "numpy settings": "import numpy as np\nnp.random.seed(0)\nnp.set_printoptions(precision=3)",
}


@pytest.mark.parametrize("family", sorted(HOSTILE))
def test_the_finder_names_every_family(family):
    assert findings_in(HOSTILE[family], {}), f"{family} not found: {HOSTILE[family]!r}"


@pytest.mark.parametrize("kind", sorted(HONEST))
def test_the_finder_leaves_honest_code_alone(kind):
    assert findings_in(HONEST[kind], {}) == []


@pytest.mark.parametrize("lab", lab_names())
def test_no_reference_solution_triggers_the_finder(lab):
    assert tampering(source_notebook(lab)) == [], f"the finder flags the reference of {lab}"


def test_a_cell_posing_as_a_test_is_still_read():
    """Only the release's test cells are skipped (nbgrader restores their source)."""
    release = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("check('x', 1, 1)")])
    release.cells[0].metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 1}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("exec('x = 1')")])
    nb.cells[0].metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "fake", "points": 1}
    assert tampering(nb, release)


def executed(nb, outputs):
    """``nb`` with each planted cell given the outputs ``outputs(kind, cell)`` returns."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    return nb


def planted_notebook():
    source = source_notebook(CLASS_LAB)
    nb, resources = PlantCanaries().preprocess(source, {})
    return nb, resources


def test_planted_cells_are_removed_and_a_silent_kernel_is_caught():
    nb, resources = planted_notebook()
    original = len(source_notebook(CLASS_LAB).cells)
    assert len(nb.cells) > original
    state = resources["autograder_integrity"]
    problems, _ = verdict(nb, state)  # nothing ran: every probe and canary is silent
    assert any("did not run" in p for p in problems) and any("so did a copy of it" in p for p in problems)
    nb, resources = CheckCanaries().preprocess(nb, resources)
    assert len(nb.cells) == original
    assert resources["autograder_integrity_verdict"] == problems


def test_the_probe_is_valid_python():
    compile(PROBE.format(fn="_p", roots=["/usr/"], modules=["numpy"], marker="m", course_defaults={}), "probe", "exec")


def graded_cell(outputs, points=2):
    cell = nbformat.v4.new_code_cell("check('x', f(), 1)", outputs=outputs)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "f_tests", "points": points,
                                 "locked": True}
    return cell


def test_stderr_in_a_test_cell_costs_no_points_and_stays_visible():
    stderr = nbformat.v4.new_output("stream", name="stderr", text="UserWarning: slow\n")
    ok = nbformat.v4.new_output("stream", name="stdout", text="OK x\n")
    nb = nbformat.v4.new_notebook(cells=[graded_cell([stderr, ok])])
    assert determine_grade(nb.cells[0])[0] == 0  # nbgrader's own rule, which the preprocessors work around
    nb, resources = SetAsideStderr().preprocess(nb, {})
    assert determine_grade(nb.cells[0])[0] == 2
    nb, resources = PutBackStderr().preprocess(nb, resources)
    assert [o.get("name") for o in nb.cells[0].outputs] == ["stderr", "stdout"]


def test_an_error_still_costs_the_points():
    error = nbformat.v4.new_output("error", ename="CheckFailed", evalue="x: expected 1", traceback=[])
    stderr = nbformat.v4.new_output("stream", name="stderr", text="warning\n")
    nb, _ = SetAsideStderr().preprocess(nbformat.v4.new_notebook(cells=[graded_cell([stderr, error])]), {})
    assert determine_grade(nb.cells[0])[0] == 0


HIDDEN = "### BEGIN HIDDEN TESTS\nsecret_input = make_the_secret_matrix(7, 4)\n### END HIDDEN TESTS\n"


def test_feedback_guard_scrubs_hidden_text_from_every_output():
    leak = "secret_input = make_the_secret_matrix(7, 4)"
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"fine\n{leak}\nalso fine\n"),
               nbformat.v4.new_output("display_data", data={"text/html": f"<pre>{leak.replace('=', '&#61;')}</pre>"}),
               nbformat.v4.new_output("error", ename="ValueError", evalue=leak, traceback=[leak]),
               nbformat.v4.new_output("display_data", data={"text/plain": "x"}, metadata={"note": leak})]
    student = nbformat.v4.new_code_cell("f()", outputs=outputs)
    test = graded_cell([])
    test.source = "check('x', f(), 1)\n" + HIDDEN
    nb = nbformat.v4.new_notebook(cells=[student, test])
    assert hidden_fragments(nb)
    nb, _ = GuardFeedback().preprocess(nb, {})
    text = nbformat.writes(nb.cells[0])
    assert "make_the_secret_matrix" not in text and REMOVED in text
    assert "fine" in nb.cells[0].outputs[0]["text"] and "also fine" in nb.cells[0].outputs[0]["text"]


def test_feedback_of_a_tampered_kernel_shows_no_outputs():
    student = nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output("stream", name="stdout",
                                                                                  text="anything\n")])
    nb = nbformat.v4.new_notebook(cells=[student])
    nb.metadata["autograder"] = {"integrity": ["cell 3 tried something the grading kernel refuses (sys.addaudithook)",
                                               "cell 4 set a trace or profile function"]}
    nb, _ = GuardFeedback().preprocess(nb, {})
    first = nb.cells[0]
    assert first.cell_type == "markdown" and len(first.source.splitlines()) == 1
    assert "sys.addaudithook" in first.source and "1 more finding" in first.source and "review" in first.source
    assert nb.cells[1].outputs[0]["text"].strip() == WITHHELD


def test_student_ids_with_underscores_dots_and_digits(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for name in ("ana_souza/lab.ipynb", "j.doe2/my lab.ipynb", "s1234567/x.ipynb", "bob_lab01 (2).ipynb",
                     "../evil/x.ipynb"):
            handle.writestr(name, nbformat.writes(nbformat.v4.new_notebook()))
    collected, problems = collect(CLASS_LAB, archive, tmp_path / "course")
    assert {c.student for c in collected} >= {"ana_souza", "j.doe2", "s1234567", "bob"}
    assert not any(c.student in (".", "..", "evil") and c.original.startswith("..") for c in collected)


def test_an_unexpected_error_is_one_line_and_an_exit_code(monkeypatch, capsys):
    import sqlite3

    def locked(args):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(cli, "build_lab", lambda *a, **k: locked(a))
    code = cli.main(["build", CLASS_LAB])
    err = capsys.readouterr().err
    assert code == 1 and err.strip() == "error: OperationalError: database is locked"
