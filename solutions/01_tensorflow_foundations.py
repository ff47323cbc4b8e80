# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 01: TensorFlow foundations
#
# **Description:** tensors, computation graphs old and new, automatic differentiation,
# activation functions, and a tiny neural network written without Keras.
#
# Every framework in this course (Keras, PyTorch, TFMA, the tuners) sits on the same few
# ideas: data lives in *tensors*, computation is a *graph* of operations on them, and
# training needs the *gradient* of a loss with respect to the weights. This lab builds each
# idea by hand, in TensorFlow, so the later labs hold no magic.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The checks you see are not
# the whole story: the grader runs more tests on other inputs, so solve the problem, not the
# example. Run the notebook from top to bottom (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup
#
# `course` is this course's helper package: `start_lab` fixes every random number generator
# so your results repeat, sets the plot style and returns a scratch folder, and `check`
# compares your answers with the expected ones.

# %%
from course import check, check_that, needs, start_lab  # first: it also quiets TensorFlow's start-up log
from course.data import train_test
from course.plotting import add_caption, labelled

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

WORK_DIR = start_lab("lab01", seed=42)
print("TensorFlow", tf.__version__)

# %% [markdown]
# ## 1. Tensors and operations
#
# A tensor is an n-dimensional array with a fixed `dtype` and a `shape`. TensorFlow tensors
# look a lot like NumPy arrays and convert to and from them freely, but their operations can
# run on accelerators, be recorded in a graph, and be differentiated.

# %%
matrix = tf.constant([[4, 1, 1], [3, 2, 2], [1, 1, 1]])
print("shape:", matrix.shape, "dtype:", matrix.dtype)
print("as NumPy:\n", matrix.numpy())
print("row sums:", tf.reduce_sum(matrix, axis=1).numpy())
print("matrix @ matrix:\n", tf.matmul(matrix, matrix).numpy())

# %% [markdown]
# Operations broadcast like NumPy: a vector is stretched along the missing dimension.
# Mixing dtypes is an error, though: TensorFlow never converts `int32` to `float32` silently,
# you cast explicitly with `tf.cast`.

# %%
scores = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
column_means = tf.reduce_mean(scores, axis=0)
print("column means:", column_means.numpy())
print("centred:\n", (scores - column_means).numpy())
try:
    scores + matrix[:2]
except (tf.errors.InvalidArgumentError, TypeError) as error:
    print("float + int fails:", type(error).__name__)
print("after a cast:", (scores + tf.cast(matrix[:2], tf.float32)).numpy()[0])

# %% [markdown]
# ### Exercise 1: standardise the columns of a matrix
#
# Write `standardize(x)` that returns the z-score of every column of a 2-D tensor: subtract
# the column mean and divide by the column standard deviation (the population one, as
# `tf.math.reduce_std` computes it). Use TensorFlow operations and return a `float32` tensor
# of the same shape. Integer input must work too.

# %% exercise="standardize"
def standardize(x):
    """Column-wise z-scores of the 2-D tensor ``x``, as float32."""
    ### BEGIN SOLUTION
    x = tf.cast(x, tf.float32)
    mean = tf.reduce_mean(x, axis=0)
    std = tf.math.reduce_std(x, axis=0)
    return (x - mean) / std
    ### END SOLUTION


# %% tests="standardize" points=2
z = standardize(scores)
check("standardize(scores)", z, [[-1.0, -1.0, -1.0], [1.0, 1.0, 1.0]],
      hint="subtract tf.reduce_mean(x, axis=0), then divide by tf.math.reduce_std(x, axis=0)")
check("dtype of standardize(matrix) on integer input", standardize(matrix).dtype, tf.float32,
      hint="cast the input with tf.cast(x, tf.float32) before any arithmetic")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(1)
m = rng.normal(3.0, 2.0, size=(7, 4))
expected = (m - m.mean(axis=0)) / m.std(axis=0)
check("standardize on a random 7x4 matrix", standardize(tf.constant(m)), expected, rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Graphs and sessions, the TensorFlow 1 way
#
# TensorFlow 1 separated *building* a computation from *running* it. You first described a
# graph: nodes are operations, edges are the tensors flowing between them. Nothing was
# computed. Then a `Session` connected Python to the C++ runtime, allocated the variables and
# ran the parts of the graph you asked for.
#
# TensorFlow 2 still ships that API under `tf.compat.v1`. It is worth seeing once: much
# production code and many papers were written this way, and `tf.function` (section 3) builds
# exactly these graphs for you. We build each graph inside `with graph.as_default():` so it
# does not interfere with TensorFlow 2's eager mode.

# %%
graph = tf.Graph()
with graph.as_default():
    a = tf.constant([3], name="a")
    b = tf.constant([4], name="b")
    total = tf.add(a, b, name="total")

print(total)  # a symbolic tensor: no value yet
print("operations:", [op.name for op in graph.get_operations()])

with tf.compat.v1.Session(graph=graph) as session:
    print("value:", session.run(total))

# %% [markdown]
# ### Variables keep state between runs
#
# A graph's `Variable` holds a value that survives from one `session.run` to the next. It
# must be initialised inside the session first. Below, `update` is an *operation* that
# assigns `state + 1` to `state`; running it three times counts to three.

# %%
graph = tf.Graph()
with graph.as_default():
    state = tf.compat.v1.Variable(0, name="state")
    update = tf.compat.v1.assign(state, state + 1)
    init = tf.compat.v1.global_variables_initializer()

with tf.compat.v1.Session(graph=graph) as session:
    session.run(init)
    print(session.run(state))
    for _ in range(3):
        session.run(update)
        print(session.run(state))

# %% [markdown]
# ### Placeholders feed data in from outside
#
# A placeholder is an input slot: the graph knows its dtype (and maybe its shape), and the
# value arrives with each `session.run` through `feed_dict`. The same graph runs on a scalar
# or on a whole matrix.

# %%
graph = tf.Graph()
with graph.as_default():
    p = tf.compat.v1.placeholder(tf.float32, name="p")
    doubled = p * 2

with tf.compat.v1.Session(graph=graph) as session:
    print(session.run(doubled, feed_dict={p: 3.5}))
    print(session.run(doubled, feed_dict={p: [[2, 3, 4, 5], [1, 1, 1, 1]]}))

# %% [markdown]
# ### Exercise 2: the classic f(x, y) = x²y + y + 2
#
# Write `build_f_graph()` that creates a new `tf.Graph` holding two `float32` placeholders
# named `x` and `y` and the tensor `f = x*x*y + y + 2`. Return `(graph, x, y, f)`. Then
# write `run_f(x_value, y_value)` that builds the graph, opens a session and returns the value
# of `f` for the values fed in (scalars or arrays of the same shape).

# %% exercise="f_graph"
def build_f_graph():
    """A graph computing f = x^2 y + y + 2 from two float32 placeholders."""
    ### BEGIN SOLUTION
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, name="x")
        y = tf.compat.v1.placeholder(tf.float32, name="y")
        f = x * x * y + y + 2
    return graph, x, y, f
    ### END SOLUTION


def run_f(x_value, y_value):
    """Evaluate f in a session, feeding ``x_value`` and ``y_value``."""
    ### BEGIN SOLUTION
    graph, x, y, f = build_f_graph()
    with tf.compat.v1.Session(graph=graph) as session:
        return session.run(f, feed_dict={x: x_value, y: y_value})
    ### END SOLUTION


# %% tests="f_graph" points=2
check("run_f(3, 4)", run_f(3.0, 4.0), 42.0, hint="f = x*x*y + y + 2, so f(3, 4) = 36 + 4 + 2")
f_graph, x_node, y_node, f_node = build_f_graph()
op_types = {op.type for op in f_graph.get_operations()}
check_that("the graph to contain Placeholder operations for x and y", "Placeholder" in op_types,
           got=sorted(op_types), hint="create the inputs with tf.compat.v1.placeholder(tf.float32, name='x')")
check("the dtype of the placeholder x", x_node.dtype, tf.float32)
### BEGIN HIDDEN TESTS
xs = np.linspace(-2, 2, 5).astype("float32")
ys = np.linspace(1, 3, 5).astype("float32")
check("run_f on arrays", run_f(xs, ys), xs**2 * ys + ys + 2, rtol=1e-5)
check_that("f to be a symbolic tensor of the returned graph", f_node.graph is f_graph)
check("placeholder names", sorted(op.name for op in f_graph.get_operations() if op.type == "Placeholder"), ["x", "y"])
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: a counter that reports every step
#
# Write `run_counter(steps, start=0)` that builds a graph with a variable starting at `start`
# and an operation adding one to it, runs the update `steps` times in one session, and
# returns the list of values read after each update (so `run_counter(3)` gives `[1, 2, 3]`,
# and zero steps give an empty list). Return plain Python integers.

# %% exercise="counter"
def run_counter(steps, start=0):
    """Values of a graph variable after each of ``steps`` increments."""
    ### BEGIN SOLUTION
    graph = tf.Graph()
    with graph.as_default():
        counter = tf.compat.v1.Variable(start, name="counter")
        increment = tf.compat.v1.assign(counter, counter + 1)
        init = tf.compat.v1.global_variables_initializer()
    values = []
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(init)
        for _ in range(steps):
            values.append(int(session.run(increment)))
    return values
    ### END SOLUTION


# %% tests="counter" points=1
check("run_counter(3)", run_counter(3), [1, 2, 3],
      hint="run the assign operation once per step and record the value after it")
check("run_counter(0)", run_counter(0), [], hint="zero steps means no updates: return an empty list")
check("the types of run_counter(2)'s values", [type(v).__name__ for v in run_counter(2)], ["int", "int"],
      hint="session.run returns NumPy integers: convert each with int(...)")
### BEGIN HIDDEN TESTS
check("run_counter(5, start=10)", run_counter(5, start=10), list(range(11, 16)))
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Eager execution and `tf.function`
#
# TensorFlow 2 runs operations *eagerly*: each line computes its value at once, like NumPy.
# That is easy to debug but gives up the graph's advantages (whole-program optimisation,
# export without Python, running on many devices). `tf.function` gets them back: the first
# call *traces* the Python function, recording the TensorFlow operations into a graph, and
# later calls run that graph.
#
# Python code inside the function runs only while tracing. A `print` therefore shows when a
# trace happens, and `tf.print` runs every time.

# %%
@tf.function
def squared_plus_one(v):
    print("  tracing with", v)
    tf.print("  running with", v)
    return v * v + 1

for value in [tf.constant(2.0), tf.constant(3.0), tf.constant([1.0, 2.0])]:
    print("call:", squared_plus_one(value).numpy())

# %% [markdown]
# The first two calls share one trace (a float32 scalar); the vector needs a new one, because
# the graph is specialised to the input's dtype and shape. The traced graph is an ordinary
# `tf.Graph` that you can inspect:

# %%
concrete = squared_plus_one.get_concrete_function(tf.TensorSpec(shape=[], dtype=tf.float32))
print([op.type for op in concrete.graph.get_operations()])

# %% [markdown]
# ### Exercise 4: when does `tf.function` retrace?
#
# Write `count_traces(values)`: create a **new** `tf.function` (so no earlier trace is reused)
# whose Python body increments a counter, call it once on each item of `values`, and return
# how many times it was traced. Then answer the two questions below by running your function:
# how many traces do three different Python integers cause, and how many do three different
# float32 scalar tensors cause?

# %% exercise="retracing"
def count_traces(values):
    """Number of traces a fresh tf.function makes when called on each of ``values``."""
    ### BEGIN SOLUTION
    traces = []

    @tf.function
    def identity(v):
        traces.append(1)
        return v

    for value in values:
        identity(value)
    return len(traces)
    ### END SOLUTION


traces_for_python_ints = count_traces([1, 2, 3])
traces_for_float_tensors = count_traces([tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)])
print(traces_for_python_ints, traces_for_float_tensors)

# %% tests="retracing" points=2
check("count_traces([1, 2, 3])", traces_for_python_ints, 3,
      hint="a Python number is baked into the graph as a constant, so each new value needs a new trace")
check("count_traces of three float32 scalar tensors", traces_for_float_tensors, 1,
      hint="tensors with the same dtype and shape share one trace")
### BEGIN HIDDEN TESTS
check("count_traces([]) (never called)", count_traces([]), 0)
check("count_traces of a scalar, a vector and another vector", count_traces(
    [tf.constant(1.0), tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])]), 2)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Automatic differentiation with `GradientTape`
#
# Training a network means following the gradient of the loss downhill. `tf.GradientTape`
# records the operations executed inside its block and replays them backwards to compute
# gradients (reverse-mode automatic differentiation). Variables are watched automatically;
# a constant must be watched explicitly.

# %%
w = tf.Variable(3.0)
with tf.GradientTape() as tape:
    loss = (w - 1.0) ** 2
print("d loss / d w at w=3:", tape.gradient(loss, w).numpy())  # 2 * (3 - 1)

c = tf.constant(2.0)
with tf.GradientTape() as tape:
    tape.watch(c)
    cube = c**3
print("d c^3 / d c at c=2:", tape.gradient(cube, c).numpy())  # 3 * 2^2

# %% [markdown]
# ### Exercise 5: the gradient of f
#
# Write `grad_f(x, y)` that returns the tuple `(df/dx, df/dy)` for
# f(x, y) = x²y + y + 2, computed with a `GradientTape` (not by the formulas), as two
# float32 tensors. Inputs may be Python floats or arrays.

# %% exercise="gradients"
def grad_f(x, y):
    """Partial derivatives of f(x, y) = x^2 y + y + 2 by automatic differentiation."""
    ### BEGIN SOLUTION
    x = tf.constant(x, dtype=tf.float32)
    y = tf.constant(y, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        f = x * x * y + y + 2
    dx, dy = tape.gradient(f, [x, y])
    return dx, dy
    ### END SOLUTION


# %% tests="gradients" points=2
dfdx, dfdy = grad_f(3.0, 4.0)
check("df/dx at (3, 4)", dfdx, 24.0, hint="df/dx = 2xy; did you watch x on the tape?")
check("df/dy at (3, 4)", dfdy, 10.0, hint="df/dy = x^2 + 1; did you watch y on the tape?")
check("the dtype of df/dx", dfdx.dtype, tf.float32, hint="make float32 tensors of the inputs first")
array_dx, array_dy = grad_f(np.array([1.0, 2.0]), np.array([3.0, -1.0]))
check("df/dx for array inputs x=[1, 2], y=[3, -1]", array_dx, [6.0, -4.0],
      hint="with arrays, the tape gives one derivative per element (f is summed over the elements)")
check("df/dy for array inputs x=[1, 2], y=[3, -1]", array_dy, [2.0, 5.0])
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(5)
gx, gy = rng.normal(size=6).astype("float32"), rng.normal(size=6).astype("float32")
dfdx, dfdy = grad_f(gx, gy)
check("df/dx on random points", dfdx, 2 * gx * gy, rtol=1e-5, atol=1e-6)
check("df/dy on random points", dfdy, gx**2 + 1, rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 6 (a problem): a minimiser for any function
#
# Gradients are what training follows downhill, and the loop that follows them is yours to
# design. Write `minimize(f, x0)` that finds a minimum of a smooth function `f` from the
# starting point `x0` (a list or 1-D array of floats):
#
# - `f` takes a 1-D float32 tensor (or `tf.Variable`) and returns a scalar tensor; it is
#   built from TensorFlow operations, so a `GradientTape` can differentiate it;
# - return the point you found as a 1-D NumPy array of the same length as `x0`;
# - the acceptance test: the gradient of `f` at the returned point has a norm of at most
#   1e-3. The checks use bowl-shaped (convex) functions, some much steeper in one direction
#   than in another, and that direction need not lie along an axis. A fixed, small learning
#   rate takes very long there and a large one diverges: choose how to pick the step (a
#   step that shrinks when `f` goes up, a Keras optimizer with a schedule, or your own
#   idea), and keep each call under a few seconds.

# %% exercise="minimize"
def minimize(f, x0):
    """A point where the gradient of f (nearly) vanishes, found from x0 by gradient steps."""
    ### BEGIN SOLUTION
    @tf.function  # traced once per call of minimize: every step after the first runs the graph
    def traced(point):
        with tf.GradientTape() as tape:
            tape.watch(point)
            value = f(point)
        return value, tape.gradient(value, point)

    def value_and_gradient(point):
        value, gradient = traced(tf.constant(point, dtype=tf.float32))
        return float(value), gradient.numpy()

    x = np.asarray(x0, dtype="float32")
    value, gradient = value_and_gradient(x)
    step = 1e-3
    for _ in range(5000):
        if np.linalg.norm(gradient) <= 2e-4:
            break
        while True:  # shrink the step until f decreases enough (Armijo's rule)
            candidate = x - step * gradient
            candidate_value, candidate_gradient = value_and_gradient(candidate)
            if candidate_value <= value - 1e-4 * step * float(gradient @ gradient) or step < 1e-12:
                break
            step /= 2
        moved, turned = candidate - x, candidate_gradient - gradient
        curvature = float(moved @ turned)
        step = float(moved @ moved) / curvature if curvature > 0 else 1.0  # Barzilai-Borwein: 1 / curvature
        x, value, gradient = candidate, candidate_value, candidate_gradient
    return x
    ### END SOLUTION


# %% tests="minimize" points=3
def gradient_norm(f, point):
    point = tf.Variable(np.asarray(point, dtype="float32"))
    with tf.GradientTape() as tape:
        value = f(point)
    return float(tf.norm(tape.gradient(value, point)))


def bowl(v):
    return (v[0] - 3.0) ** 2 + 10.0 * (v[1] + 1.0) ** 2


found = minimize(bowl, [0.0, 0.0])
check("the type and shape of minimize's result", (type(found).__name__, np.shape(found)), ("ndarray", (2,)),
      hint="return a 1-D NumPy array, e.g. x.numpy() of a 1-D variable")
check("the minimum of (x - 3)^2 + 10 (y + 1)^2", found, [3.0, -1.0], atol=1e-3,
      hint="follow the negative gradient; shrink the step when f goes up")
check_that("a gradient norm of at most 1e-3 at the result", gradient_norm(bowl, found) <= 1e-3,
           got=gradient_norm(bowl, found))
steep = lambda v: (50.0 * (v[0] + v[1]) ** 2 / 2 + 0.5 * (v[0] - v[1] - 4.0) ** 2 / 2  # noqa: E731
                   + tf.reduce_sum(v[2:] ** 2))
found_steep = minimize(steep, [1.0, 0.0, 2.0, -2.0])
check_that("a gradient norm of at most 1e-3 on a diagonal valley 100 times steeper across than along",
           gradient_norm(steep, found_steep) <= 1e-3, got=(found_steep, gradient_norm(steep, found_steep)),
           hint="a fixed learning rate that is stable across the valley crawls along it: adapt the step")
tilt, _ = np.linalg.qr(np.random.default_rng(3).normal(size=(5, 5)))  # a random rotation of 5-D space
tilted_matrix = tf.constant((tilt * np.geomspace(1.0, 100.0, 5)) @ tilt.T, dtype=tf.float32)
tilted = lambda v: tf.tensordot(v, tf.linalg.matvec(tilted_matrix, v), 1)  # noqa: E731
found_tilted = minimize(tilted, [4.0, -3.0, 2.0, 5.0, -1.0])
check_that("a gradient norm of at most 1e-3 on a tilted 5-D bowl (curvatures 1 to 100, no axis aligned)",
           gradient_norm(tilted, found_tilted) <= 1e-3, got=gradient_norm(tilted, found_tilted),
           hint="a schedule that freezes the step too early stops short: stop on the gradient norm, not a step count")
### BEGIN HIDDEN TESTS
hidden_rng = np.random.default_rng(11)
for dimension, condition in [(2, 5.0), (3, 30.0), (5, 100.0)]:
    rotation, _ = np.linalg.qr(hidden_rng.normal(size=(dimension, dimension)))
    curvatures = np.geomspace(1.0, condition, dimension)
    matrix = tf.constant((rotation * curvatures) @ rotation.T, dtype=tf.float32)
    centre = tf.constant(hidden_rng.normal(0, 3, size=dimension), dtype=tf.float32)
    quadratic = lambda v, m=matrix, c=centre: tf.tensordot(v - c, tf.linalg.matvec(m, v - c), 1)  # noqa: E731
    start = hidden_rng.normal(0, 5, size=dimension)
    result = minimize(quadratic, start)
    check_that(f"a gradient norm of at most 1e-3 on a {dimension}-D bowl (curvatures 1 to {condition:g})",
               gradient_norm(quadratic, result) <= 1e-3, got=gradient_norm(quadratic, result))
    check(f"the minimum of a {dimension}-D bowl", result, centre.numpy(), atol=2e-3)
smooth = lambda v: tf.reduce_logsumexp(tf.stack([v[0] + v[1], -v[0], 2.0 * v[1] - 1.0])) + 0.1 * tf.reduce_sum(v ** 2)  # noqa: E731
result = minimize(smooth, [2.0, -3.0])
check_that("a gradient norm of at most 1e-3 on a log-sum-exp bowl", gradient_norm(smooth, result) <= 1e-3,
           got=gradient_norm(smooth, result))
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Activation functions and their derivatives
#
# Without a non-linear activation, a stack of layers collapses into one linear map. The
# activation also shapes training, through its derivative: where it is zero (the flat parts
# of a step or a saturated sigmoid) no gradient flows back.
#
# | name | f(x) | f'(x) |
# |---|---|---|
# | identity | x | 1 |
# | binary step | 0 for x < 0, 1 for x ≥ 0 | 0 (undefined at 0) |
# | sigmoid | 1 / (1 + e^-x) | f(x)(1 - f(x)) |
# | tanh | tanh(x) | 1 - f(x)² |
# | arctan | tan⁻¹(x) | 1 / (x² + 1) |
# | ReLU | max(0, x) | 0 for x < 0, 1 for x > 0 |
# | PReLU (α) | αx for x < 0, x otherwise | α for x < 0, 1 for x > 0 |
# | ELU (α) | α(eˣ - 1) for x < 0, x otherwise | f(x) + α for x < 0, 1 for x > 0 |
# | softplus | ln(1 + eˣ) | 1 / (1 + e^-x) |
#
# Here they are in TensorFlow, with α = 0.1 for PReLU and α = 1 for ELU.

# %%
PRELU_ALPHA, ELU_ALPHA = 0.1, 1.0
ACTIVATIONS = {
    "identity": lambda x: x,
    "binary step": lambda x: tf.cast(x >= 0, x.dtype),
    "sigmoid": tf.sigmoid,
    "tanh": tf.tanh,
    "arctan": tf.atan,
    "ReLU": tf.nn.relu,
    "PReLU": lambda x: tf.where(x < 0, PRELU_ALPHA * x, x),
    "ELU": lambda x: tf.where(x < 0, ELU_ALPHA * (tf.exp(x) - 1), x),
    "softplus": tf.math.softplus,
}


def autodiff_derivative(fn, x):
    """f'(x) of an element-wise function by GradientTape."""
    x = tf.constant(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    grad = tape.gradient(y, x)
    return tf.zeros_like(x) if grad is None else grad  # no gradient path means f' = 0


grid = np.linspace(-4, 4, 201).astype("float32")
fig, axes = plt.subplots(3, 3, figsize=(10, 8), sharex=True)
for ax, (name, fn) in zip(axes.flat, ACTIVATIONS.items()):
    ax.plot(grid, fn(tf.constant(grid)).numpy(), label="f(x)")
    ax.plot(grid, autodiff_derivative(fn, grid).numpy(), "--", label="f'(x) by autodiff")
    labelled(ax, name, "x", "value")
axes.flat[0].legend(loc="upper left")
fig.tight_layout()
add_caption(fig, "Step and ReLU pass no gradient for x < 0; sigmoid and tanh saturate at both ends.",
            title="Activation functions (solid) and their derivatives (dashed)")
plt.show()

# %% [markdown]
# ### Exercise 7 (a problem): derivatives by hand
#
# Write `derivative(name, x)` that returns the derivative of the activation called `name`
# (a key of `ACTIVATIONS`) at the points `x`, written from the table above with TensorFlow
# operations. Do not use a `GradientTape` here: the check compares your formulas with
# autodiff. `x` is a float32 tensor and the result has its shape. At x = 0, where step,
# ReLU, PReLU and ELU have a kink, any value is accepted.

# %% exercise="derivatives"
def derivative(name, x):
    """The analytic derivative of ACTIVATIONS[name] at the points ``x``."""
    ### BEGIN SOLUTION
    formulas = {
        "identity": lambda: tf.ones_like(x),
        "binary step": lambda: tf.zeros_like(x),
        "sigmoid": lambda: tf.sigmoid(x) * (1 - tf.sigmoid(x)),
        "tanh": lambda: 1 - tf.tanh(x) ** 2,
        "arctan": lambda: 1 / (x**2 + 1),
        "ReLU": lambda: tf.cast(x > 0, x.dtype),
        "PReLU": lambda: tf.where(x < 0, PRELU_ALPHA, 1.0),
        "ELU": lambda: tf.where(x < 0, ELU_ALPHA * tf.exp(x), 1.0),
        "softplus": lambda: tf.sigmoid(x),
    }
    return formulas[name]()
    ### END SOLUTION


# %% tests="derivatives" points=3
def derivative_mismatches(points):
    """Names whose hand-written derivative differs from autodiff on ``points`` (x = 0 excluded)."""
    points = tf.constant(points[points != 0], dtype=tf.float32)
    wrong = {}
    for name, fn in ACTIVATIONS.items():
        got = np.asarray(derivative(name, points))
        expected = autodiff_derivative(fn, points).numpy()
        if got.shape != expected.shape:
            wrong[name] = f"shape {got.shape}, expected {expected.shape}"
        elif not np.allclose(got, expected, atol=1e-5):
            wrong[name] = f"off by up to {np.max(np.abs(got - expected)):.3g}"
    return wrong


check("derivatives that differ from autodiff on [-4, 4]", derivative_mismatches(grid), {},
      hint="for each name listed, compare your formula with the table (the sigmoid's derivative is f(x)(1 - f(x)))")
check("derivative('ELU', x) at x = -1", derivative("ELU", tf.constant([-1.0])), [np.exp(-1.0)], rtol=1e-5,
      hint="for x < 0 the ELU derivative is f(x) + alpha = alpha * e^x")
### BEGIN HIDDEN TESTS
check("derivatives that differ from autodiff far from zero",
      derivative_mismatches(np.array([-30.0, -7.5, -1e-3, 1e-3, 7.5, 30.0], dtype="float32")), {})
### END HIDDEN TESTS

# %% [markdown]
# ## 6. A tiny network without Keras
#
# Everything Keras does for a dense network fits in a few lines: weights are `tf.Variable`s,
# the forward pass is two matrix products with an activation in between, the loss is the
# cross-entropy of the softmax, and a training step moves each weight against its gradient.
# We use scikit-learn's bundled 8x8 handwritten digits (1,797 images, 64 pixels each, no
# download needed).

# %%
x_train, x_test, y_train, y_test = train_test("digits")
print("train:", x_train.shape, "test:", x_test.shape, "classes:", np.unique(y_train))

fig, axes = plt.subplots(1, 6, figsize=(8, 1.8))
for ax, image, label in zip(axes, x_train, y_train):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_title(f"label {label}")
    ax.axis("off")
add_caption(fig, "Each image is a row of 64 pixel values in [0, 1]; the network sees only those numbers.",
            title="Six training digits (8x8 pixels)")
plt.show()


# %%
def init_params(n_inputs=64, n_hidden=32, n_classes=10, seed=0):
    """Small random weights (Glorot-style scale) and zero biases, as tf.Variables."""
    rng = np.random.default_rng(seed)
    scale1, scale2 = np.sqrt(2 / (n_inputs + n_hidden)), np.sqrt(2 / (n_hidden + n_classes))
    return {
        "W1": tf.Variable(rng.normal(0, scale1, (n_inputs, n_hidden)).astype("float32")),
        "b1": tf.Variable(tf.zeros(n_hidden)),
        "W2": tf.Variable(rng.normal(0, scale2, (n_hidden, n_classes)).astype("float32")),
        "b2": tf.Variable(tf.zeros(n_classes)),
    }


def cross_entropy(logits, labels):
    """Mean softmax cross-entropy between logits and integer class labels."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))


# %% [markdown]
# ### Exercise 8: forward pass and training step
#
# Write `forward(params, x)` that returns the logits `relu(x @ W1 + b1) @ W2 + b2` (no
# softmax: the loss applies it), and `train_step(params, x, y, learning_rate)` that computes
# the cross-entropy loss of `forward` inside a `GradientTape`, updates every variable in
# `params` in place with `variable.assign_sub(learning_rate * gradient)`, and returns the
# loss measured **before** the update, as a float.

# %% exercise="tiny_network"
def forward(params, x):
    """Logits of the two-layer network for a batch ``x``."""
    ### BEGIN SOLUTION
    hidden = tf.nn.relu(tf.matmul(x, params["W1"]) + params["b1"])
    return tf.matmul(hidden, params["W2"]) + params["b2"]
    ### END SOLUTION


def train_step(params, x, y, learning_rate):
    """One step of gradient descent on the cross-entropy; returns the loss before it."""
    ### BEGIN SOLUTION
    with tf.GradientTape() as tape:
        loss = cross_entropy(forward(params, x), y)
    names = sorted(params)
    gradients = tape.gradient(loss, [params[name] for name in names])
    for name, gradient in zip(names, gradients):
        params[name].assign_sub(learning_rate * gradient)
    return float(loss)
    ### END SOLUTION


# %% [markdown]
# With both pieces, training is a loop. Full-batch gradient descent on 1,347 images is quick.

# %%
with needs("exercise 8 (`forward`, `train_step`)"):
    params = init_params()
    losses = [train_step(params, x_train, y_train, learning_rate=0.5) for _ in range(300)]
    test_accuracy = float(np.mean(np.argmax(forward(params, x_test), axis=1) == y_test))
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, test accuracy {test_accuracy:.3f}")

    fig, ax = plt.subplots()
    ax.plot(losses)
    labelled(ax, "Training loss of the tiny network", "step", "cross-entropy",
             caption="The loss falls fast for ~50 steps, then slowly: the network keeps refining.")
    plt.show()

# %% tests="tiny_network" points=3
probe = init_params(seed=1)
check("forward(params, x_train[:5]).shape", tuple(forward(probe, x_train[:5]).shape), (5, 10),
      hint="x @ W1 has one column per hidden unit, and @ W2 gives one logit per class")
check_that("the training loss to fall", losses[-1] < 0.5 * losses[0], got=(losses[0], losses[-1]),
           hint="update each variable with assign_sub(learning_rate * gradient)")
check_that("a test accuracy above 0.9", test_accuracy > 0.9, got=test_accuracy)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(3)
xb = rng.normal(size=(4, 64)).astype("float32")
np_params = {k: v.numpy() for k, v in probe.items()}
expected_logits = np.maximum(xb @ np_params["W1"] + np_params["b1"], 0) @ np_params["W2"] + np_params["b2"]
check("forward on a random batch", forward(probe, xb), expected_logits, rtol=1e-4, atol=1e-5)
yb = np.array([0, 1, 2, 3])
with tf.GradientTape() as reference_tape:
    reference_loss = cross_entropy(forward(probe, xb), yb)
reference_grads = dict(zip(sorted(probe), reference_tape.gradient(reference_loss, [probe[k] for k in sorted(probe)])))
returned = train_step(probe, xb, yb, learning_rate=0.1)
check("train_step's returned loss", returned, float(reference_loss), rtol=1e-5)
for name in sorted(probe):
    check(f"{name} after one step", probe[name], np_params[name] - 0.1 * reference_grads[name].numpy(),
          rtol=1e-4, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ## What you built
#
# - Tensors carry a dtype and a shape; operations broadcast but never cast silently.
# - TensorFlow 1 made you build a graph and run it in a session; `tf.function` builds the same
#   graph by tracing Python, and retraces when the input signature changes.
# - `GradientTape` differentiates any computation it records, which is all training needs.
# - Following the gradient is a design problem of its own: a fixed step crawls along a narrow
#   valley or diverges across it, so your minimiser chose its step from what `f` did.
# - A network is variables, matrix products, an activation and a loss; Keras (next week)
#   packages exactly this.
