# nbgrader configuration of the course. The instructor commands (python -m autograder ...)
# run nbgrader with this folder, or a copy of this file, as the course directory.
c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "ml-in-production"
# Gradebook: sqlite in the course directory by default; any SQLAlchemy URL works, e.g.
# c.CourseDirectory.db_url = "postgresql://grader@localhost/gradebook"

# What students see where their code goes.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execution while autograding. The slowest reference cell takes a few seconds; a cell still
# running after this many seconds is interrupted and reported as a timeout.
c.Execute.timeout = 120
c.Execute.kernel_name = "python3"

# A graded cell the student deleted is put back from the gradebook (and says so), so the
# hidden tests still run and the student gets a score rather than an error.
c.OverwriteCells.add_missing_cells = True

# Feedback shows the student's notebook with scores, never the hidden tests' code.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
