# nbgrader configuration of a course directory. This is the committed template: the
# instructor commands copy it to <course dir>/nbgrader_config.py (default grading/) the first
# time they use a course directory, and never overwrite that copy: edit the copy for one
# course, this template for every new one. The limits come from autograder.settings.
import os
import sys

from autograder.settings import DEFAULTS

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "ml-in-production"
# Gradebook: sqlite in the course directory (gradebook.db) by default. Any SQLAlchemy URL works,
# PostgreSQL for instance: `python -m autograder --db-url URL ...`, or AUTOGRADER_DB_URL=URL in
# the environment (both override this file), or for good here:
# c.CourseDirectory.db_url = "postgresql://grader@/gradebook?host=/var/run/postgresql"
if os.environ.get("AUTOGRADER_DB_URL"):
    c.CourseDirectory.db_url = os.environ["AUTOGRADER_DB_URL"]
    # In nbgrader itself (python -m nbgrader, or the nbgrader script), take the URL out of the
    # environment so the kernels running student code do not inherit it.
    if "nbgrader" in (os.path.basename(sys.argv[0]), os.path.basename(os.path.dirname(sys.argv[0]))):
        del os.environ["AUTOGRADER_DB_URL"]

# What students see where their code goes.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execution while autograding. The slowest reference cell takes a few seconds; a cell still
# running after this many seconds is interrupted and reported as a timeout.
c.Execute.timeout = DEFAULTS.cell_timeout
c.Execute.kernel_name = "python3"
# nbgrader's own steps after execution, with one more: no output may exceed a fixed size
# (LimitOutput only counts lines; one giant line would pass).
# Around Execute, the integrity checks (autograder/integrity/planted.py): canaries and probes planted
# among the test cells, judged and removed right after. Around SaveAutoGrades, stderr in test
# cells is set aside so warnings and logging never cost points (autograder/fair_output.py).
c.Autograde.autograde_preprocessors = [
    "autograder.integrity.planted.PlantCanaries",
    "nbgrader.preprocessors.Execute",
    "autograder.integrity.planted.CheckCanaries",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.grading.cap_output.CapOutputSize",
    "autograder.integrity.planted.RecordIntegrity",
    "autograder.grading.fair_output.SetAsideStderr",
    "nbgrader.preprocessors.SaveAutoGrades",
    "autograder.grading.fair_output.PutBackStderr",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# A graded cell the student deleted is put back from the gradebook (and says so), so the
# hidden tests still run and the student gets a score rather than an error.
c.OverwriteCells.add_missing_cells = True

# Feedback shows the student's notebook with scores, never the hidden tests' code: not in
# the cells, and not in the tracebacks of failing tests (which quote the lines they ran).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.integrity.feedback_guard.GuardFeedback",  # no hidden-test text in any output
    "nbgrader.preprocessors.ClearHiddenTests",
    "autograder.integrity.hide_tracebacks.HideTestTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
