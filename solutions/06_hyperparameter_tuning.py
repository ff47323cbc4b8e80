# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 06: Hyperparameter tuning and AutoML
#
# **Description:** grid and random search with scikit-learn, KerasTuner's random search,
# Hyperband and Bayesian optimization, successive halving written by hand, Optuna's studies,
# TPE sampler and pruners, and the ideas behind AutoML and neural architecture search.
#
# A network's weights are learned, but almost everything around them is chosen by you: how
# many layers, how many units, which activation, which learning rate, how many epochs. Those
# choices can matter as much as the data. This lab shows how to search for them
# systematically and cheaply, and what the big AutoML systems do on a larger scale.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The grader runs more tests
# than the ones you see, on other inputs, so solve the problem, not the example. Run the
# notebook from top to bottom (*Run > Run All Cells*) before you submit.
#
# **A word on budget.** Real searches run for hours. Everything here is shrunk so the whole
# lab runs in well under a minute on a laptop: a few hundred digit images, tiny networks, two
# epochs per trial and a handful of trials per tuner. The numbers you get are therefore noisy;
# the *methods* are exactly the ones you would use at full size.

# %% [markdown]
# ## Setup
#
# `course` is this course's helper package: `start_lab` fixes every random number generator so
# your results repeat, quiets the libraries' progress logs and returns a fresh scratch folder,
# `WORK_DIR`; `check` compares your answers with the expected ones. Two tuning libraries write
# their trials somewhere: KerasTuner (`keras_tuner`, imported as `kt`) to disk, under
# `WORK_DIR`, and Optuna to an in-memory study. Optuna logs one line per trial by default;
# `optuna.logging.set_verbosity(optuna.logging.WARNING)` keeps only its warnings (the call to
# remember for your own scripts), and `start_lab` then lowers every chatty library's logger,
# Optuna's included, to errors only.

# %%
from course import check, check_that, needs, start_lab  # first: it also quiets TensorFlow's start-up log
from course.data import train_test
from course.plotting import labelled

import gc
import os
import tempfile
import time
import warnings

import keras
import keras_tuner as kt
import matplotlib.pyplot as plt
import numpy as np
import optuna
import pandas as pd
import tensorflow as tf
from scipy.stats import loguniform, spearmanr
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_val_score
from sklearn.svm import SVC

SEED = 42
optuna.logging.set_verbosity(optuna.logging.WARNING)
# Hyperband reloads a trial's weights without its optimizer state; Keras warns about it each time.
warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
# With three trials, the Gaussian process inside BayesianOptimization often fits a length scale at
# the edge of its allowed range; scikit-learn warns about it, and it is harmless here.
warnings.filterwarnings("ignore", category=ConvergenceWarning, module="sklearn.gaussian_process")
print("TensorFlow", tf.__version__, "| Keras", keras.__version__, "| KerasTuner", kt.__version__,
      "| Optuna", optuna.__version__)
WORK_DIR = start_lab("lab06", seed=SEED)

# %% [markdown]
# ### The data
#
# We use scikit-learn's bundled handwritten digits: 8x8 images flattened to 64 pixel values in
# [0, 1], ten classes. Tuning needs **three** sets: the model learns on the *fit* set, the
# search compares candidates on the *validation* set, and the *test* set is touched once, at
# the very end, to report how the chosen model does on data no decision has seen. Picking
# hyperparameters on the test set would make the test score optimistic.
#
# The sizes are multiples of the batch size (64): Keras then traces its training step once
# per model instead of twice, which matters when a search builds many models.

# %%
BATCH = 64
x_train, x_test, y_train, y_test = train_test("digits")
x_fit, y_fit = x_train[:640], y_train[:640]
x_val, y_val = x_train[640:960], y_train[640:960]
print("fit:", x_fit.shape, "validation:", x_val.shape, "test:", x_test.shape)

# %% [markdown]
# ## 1. Parameters and hyperparameters
#
# *Parameters* are what training learns: the weights and biases, updated at every step by
# gradient descent. *Hyperparameters* are fixed before training starts and never touched by
# it: the number of layers and units, the activation functions, the learning rate, the batch
# size, the number of epochs, the amount of regularisation. They shape what the parameters
# can become, and a bad choice (a learning rate ten times too large, a layer too narrow to
# hold the patterns) can waste the best data.
#
# The small network below has two hyperparameters that set its size (32 hidden units, 10
# outputs) and one that sets how it learns (the learning rate); they determine 2,410
# parameters.

# %%
def build_baseline(units=32, learning_rate=1e-3):
    """A one-hidden-layer classifier for the 64-pixel digits, with hand-picked hyperparameters."""
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(units, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


baseline = build_baseline()
print("trainable parameters:", baseline.count_params(), "=", 64 * 32 + 32, "+", 32 * 10 + 10)

# %% [markdown]
# Trained for two epochs with these hand-picked values, the baseline gives a reference point
# that the searches below should beat.

# %%
def accuracy_of(model, x, y):
    """Share of ``x`` that ``model`` classifies correctly (one eager call, no graph to trace)."""
    return float(np.mean(np.argmax(keras.ops.convert_to_numpy(model(x)), axis=1) == y))


baseline.fit(x_fit, y_fit, epochs=2, batch_size=BATCH, verbose=0)
baseline_val_accuracy = accuracy_of(baseline, x_val, y_val)
print(f"baseline validation accuracy after 2 epochs: {baseline_val_accuracy:.3f}")

# %% [markdown]
# ### Guidelines before you search
#
# A search is only as good as its search space. Experience narrows it a lot:
#
# - **Hidden layers.** One hidden layer already approximates any continuous function given
#   enough units, and many problems need no more than one or two. Deeper networks are more
#   *parameter-efficient*: they reuse low-level features (edges) to build higher-level ones
#   (shapes, objects), so they model complex functions with far fewer units. Add layers until
#   the network starts to overfit; for images and text, reuse the lower layers of a
#   pretrained network (transfer learning) instead of starting from scratch.
# - **Units per layer.** The output layer is fixed by the task. Hidden layers used to be
#   sized as a *funnel* (say 256, 128, 64), on the idea that many low-level features combine
#   into fewer high-level ones; using the same width in every hidden layer works as well
#   and leaves one hyperparameter instead of one per layer. Adding layers usually pays off
#   more than widening them.
# - **Activations.** ReLU (or a variant such as ELU or leaky ReLU) in the hidden layers: it is
#   cheap and does not saturate for large inputs, so gradients keep flowing.
# - **The output layer** follows from the task:
#
# | task | output units | output activation | loss |
# |---|---|---|---|
# | regression | one per target | none (identity) | mean squared error |
# | binary classification | 1 | sigmoid | binary cross-entropy |
# | multi-label classification | one per label | sigmoid | binary cross-entropy |
# | multi-class classification | one per class | softmax | (sparse) categorical cross-entropy |
#
# - **A sound default.** Rather than hunting for the exact size, take a network somewhat
#   *larger* than you need and stop training when the validation loss stops improving
#   (`EarlyStopping`). The extra capacity does no harm when training stops in time, and you
#   tune one knob less. It is the "stretch pants" approach: buy a size up and let them fit.

# %% [markdown]
# ## 2. Grid search and random search
#
# The simplest strategies try candidate settings and keep the best one by cross-validation.
# scikit-learn has both:
#
# - `GridSearchCV` tries **every** combination of the values you list;
# - `RandomizedSearchCV` draws a fixed number `n_iter` of combinations from distributions you
#   give it.
#
# To compare them fairly we give both the same budget, nine candidates, on a model that
# trains in milliseconds: a support vector classifier with two hyperparameters, the penalty
# `C` and the kernel width `gamma`. Both span several orders of magnitude, so the grid is
# spaced logarithmically and the random search samples from log-uniform distributions.

# %%
grid_search = GridSearchCV(SVC(), {"C": [0.1, 1.0, 10.0], "gamma": [0.001, 0.01, 0.1]}, cv=3)
grid_search.fit(x_fit, y_fit)

random_search = RandomizedSearchCV(
    SVC(), {"C": loguniform(0.01, 100.0), "gamma": loguniform(1e-4, 1.0)},
    n_iter=9, cv=3, random_state=SEED)
random_search.fit(x_fit, y_fit)

for name, search in [("grid", grid_search), ("random", random_search)]:
    best = {key: float(f"{value:.3g}") for key, value in search.best_params_.items()}
    print(f"{name:6s} best {best} -> cross-validated accuracy {search.best_score_:.3f}")

# %% [markdown]
# Every fitted search keeps a record of what it tried in `cv_results_`, a dictionary of
# arrays; `cv_results_["params"]` is the list of candidate settings, one dictionary each.

# %%
print(random_search.cv_results_["params"][:2])
print(np.round(random_search.cv_results_["mean_test_score"], 3))

# %% [markdown]
# ### Exercise 1: how much of the space does each search cover?
#
# Write `distinct_values(search)` that takes a fitted search and returns a dictionary mapping
# each hyperparameter name to the number of **distinct** values the search tried for it,
# read from `search.cv_results_["params"]`. For the grid above the answer is
# `{"C": 3, "gamma": 3}`. Values may be numbers or strings.

# %% exercise="coverage"
def distinct_values(search):
    """Number of distinct values tried for each hyperparameter by a fitted search."""
    ### BEGIN SOLUTION
    tried = {}
    for params in search.cv_results_["params"]:
        for name, value in params.items():
            tried.setdefault(name, set()).add(value)
    return {name: len(values) for name, values in tried.items()}
    ### END SOLUTION


# %% tests="coverage" points=2
check("distinct_values(grid_search)", distinct_values(grid_search), {"C": 3, "gamma": 3},
      hint="collect the values of each key of the dictionaries in cv_results_['params'] into a set")
check("distinct_values(random_search)", distinct_values(random_search), {"C": 9, "gamma": 9},
      hint="every random draw is a new value, so nine candidates give nine values per hyperparameter")
from types import SimpleNamespace

mixed = SimpleNamespace(cv_results_={"params": [{"C": 1, "kernel": "rbf"}, {"C": 1, "kernel": "linear"},
                                                {"C": 10, "kernel": "rbf"}]})
check("distinct_values on a search with repeated and string values", distinct_values(mixed), {"C": 2, "kernel": 2},
      hint="count each distinct value once, numbers and strings alike")
### BEGIN HIDDEN TESTS
fake = SimpleNamespace(cv_results_={"params": [
    {"C": 1, "kernel": "rbf", "degree": 3}, {"C": 1, "kernel": "linear", "degree": 3},
    {"C": 2, "kernel": "rbf", "degree": 3}, {"C": 5, "kernel": "poly", "degree": 3}]})
check("distinct_values on a search with repeated and string values", distinct_values(fake),
      {"C": 3, "kernel": 3, "degree": 1})
check("distinct_values on a one-candidate search",
      distinct_values(SimpleNamespace(cv_results_={"params": [{"alpha": 0.5}]})), {"alpha": 1})
### END HIDDEN TESTS

# %% [markdown]
# The picture makes the difference plain. With the same nine fits, the grid looks at three
# values of each hyperparameter, the random search at nine. When one hyperparameter matters
# much more than the other, which is the usual case, the grid spends two thirds of its budget
# re-testing the same three values of the one that matters (Bergstra and Bengio, 2012). The
# grid's strength is that it is exhaustive: with few hyperparameters and few values each, it
# cannot miss the best listed combination.

# %%
fig, ax = plt.subplots()
for name, search, marker in [("grid", grid_search, "s"), ("random", random_search, "o")]:
    params = search.cv_results_["params"]
    ax.scatter([p["C"] for p in params], [p["gamma"] for p in params], marker=marker, s=60,
               label=f"{name} (best {search.best_score_:.3f})")
ax.set_xscale("log")
ax.set_yscale("log")
ax.legend()
labelled(ax, "Nine candidates each: grid search vs random search", "C (penalty)",
         "gamma (kernel width)",
         caption="The grid repeats 3 values per axis; random search tries 9 different values per axis.")
plt.show()

# %% [markdown]
# Both strategies ignore what they have already learned: the ninth candidate is chosen as
# blindly as the first. The next sections fix that in two ways: by stopping bad candidates
# early (Hyperband, Optuna's pruners) and by modelling where good candidates lie (Bayesian
# optimization, Optuna's TPE sampler).

# %% [markdown]
# ## 3. KerasTuner: a search space in code
#
# KerasTuner searches the hyperparameters of a Keras model. You describe the search space
# *inside* a function that builds the model: wherever you would write a number, you ask a
# `HyperParameters` object `hp` for one instead.
#
# - `hp.Int(name, min_value, max_value, step)`: an integer from a range (both ends included);
# - `hp.Float(name, min_value, max_value, sampling="log")`: a real number;
# - `hp.Choice(name, values)`: one value from a list;
# - `hp.Boolean(name)` and `hp.Fixed(name, value)`.
#
# The first time a name is asked for, it is registered in the search space and its default
# is returned (the minimum for `Int`, the first value for `Choice`). The tuner then sets the
# values for each trial and calls the function again; every call returns the trial's value.

# %%
hp = kt.HyperParameters()
print("units ->", hp.Int("units", min_value=16, max_value=128, step=16))
print("activation ->", hp.Choice("activation", ["relu", "tanh"]))
print("values:", hp.values)
for entry in hp.space:
    print(entry)

# %% [markdown]
# Each entry of `hp.space` knows its possible values and can draw one at random, which is all
# a random search needs. Setting `hp.values` by hand is exactly what a tuner does before it
# calls your function for a trial.

# %%
units_space = hp.space[0]
print("possible units:", list(units_space.values))
print("five random draws:", [units_space.random_sample(seed) for seed in range(5)])
hp.values["units"] = 96
print("after setting the value:", hp.Int("units", min_value=16, max_value=128, step=16))

# %% [markdown]
# ### Exercise 2: the model builder
#
# Write `model_builder(hp)` that returns a compiled classifier for the digits, with two tuned
# hyperparameters:
#
# - `units`: the width of the single hidden `Dense` layer (ReLU), from
#   `hp.Int("units", min_value=16, max_value=128, step=16)`;
# - `learning_rate`: Adam's learning rate, from `hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4])`.
#
# The model starts with `keras.Input(shape=(64,))` and ends with a 10-unit softmax layer; it is
# compiled with the sparse categorical cross-entropy loss and the `"accuracy"` metric (the
# tuner will rank trials by `val_accuracy`, which only exists when the metric is there).
# `build_baseline` above builds exactly such a model: pass it the two values.

# %% exercise="model_builder"
def model_builder(hp):
    """A digits classifier whose hidden width and learning rate come from ``hp``."""
    ### BEGIN SOLUTION
    units = hp.Int("units", min_value=16, max_value=128, step=16)
    learning_rate = hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4])
    return build_baseline(units=units, learning_rate=learning_rate)
    ### END SOLUTION


# %% [markdown]
# The checks below use two small helpers: one builds a model for given hyperparameter values
# the way a tuner does, the other reads a model's hidden width and learning rate.

# %%
def build_with(builder, **values):
    """Build ``builder``'s model with the given hyperparameter values, as a tuner would."""
    trial_hp = kt.HyperParameters()
    builder(trial_hp)  # registers the search space
    trial_hp.values.update(values)
    return builder(trial_hp), trial_hp


def describe_model(model):
    """(hidden units, output units, learning rate) of a one-hidden-layer model."""
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    learning_rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    return dense[0].units, dense[-1].units, learning_rate


# %% tests="model_builder" points=3
space_hp = kt.HyperParameters()
space_model = model_builder(space_hp)
check("the names of the tuned hyperparameters", sorted(space_hp.values), ["learning_rate", "units"],
      hint="ask for hp.Int('units', ...) and hp.Choice('learning_rate', ...) inside model_builder")
units_hp = next(entry for entry in space_hp.space if entry.name == "units")
check("the possible values of 'units'", list(units_hp.values), list(range(16, 129, 16)),
      hint="hp.Int('units', min_value=16, max_value=128, step=16)")
model_48, _ = build_with(model_builder, units=48, learning_rate=1e-3)
check("(hidden units, output units, learning rate) for units=48, learning_rate=1e-3",
      describe_model(model_48), (48, 10, 1e-3),
      hint="use the values hp returns: Dense(units, activation='relu'), then Dense(10, activation='softmax'), "
           "and Adam(learning_rate=learning_rate)")
check("the model's input shape", model_48.input_shape, (None, 64),
      hint="start the Sequential model with keras.Input(shape=(64,))")
check("the choices of 'learning_rate'", sorted(next(e for e in space_hp.space if e.name == "learning_rate").values),
      [1e-4, 1e-3, 1e-2], hint="hp.Choice('learning_rate', [1e-2, 1e-3, 1e-4])")
check("the hidden layer's activation", model_48.layers[0].get_config().get("activation"), "relu")
check_that("the optimizer to be Adam", isinstance(model_48.optimizer, keras.optimizers.Adam),
           got=type(model_48.optimizer).__name__)
compiled_48 = model_48.get_compile_config()
check_that("a sparse categorical cross-entropy loss and the 'accuracy' metric",
           "sparse" in str(compiled_48["loss"]).lower() and "accuracy" in str(compiled_48["metrics"]),
           got=(compiled_48["loss"], compiled_48["metrics"]),
           hint="compile(loss='sparse_categorical_crossentropy', metrics=['accuracy'])")
### BEGIN HIDDEN TESTS
lr_hp = next(entry for entry in space_hp.space if entry.name == "learning_rate")
check("the choices of 'learning_rate'", sorted(lr_hp.values), [1e-4, 1e-3, 1e-2])
for units, learning_rate in [(16, 1e-2), (128, 1e-4), (80, 1e-2)]:
    model, _ = build_with(model_builder, units=units, learning_rate=learning_rate)
    check(f"the model for units={units}, learning_rate={learning_rate}", describe_model(model),
          (units, 10, learning_rate), rtol=1e-6)
    probabilities = keras.ops.convert_to_numpy(model(x_val[:8]))
    check(f"softmax outputs summing to 1 (units={units})", probabilities.sum(axis=1), np.ones(8), rtol=1e-4)
    check_that("the model to be compiled with Adam", isinstance(model.optimizer, keras.optimizers.Adam),
               got=type(model.optimizer).__name__)
    compiled = model.get_compile_config()
    check_that("a sparse categorical cross-entropy loss",
               "sparse_categorical_crossentropy" in str(compiled["loss"]).lower().replace("sparsecategoricalcrossentropy",
                                                                                    "sparse_categorical_crossentropy"),
               got=compiled["loss"])
    check_that("the accuracy metric to be compiled in", "accuracy" in str(compiled["metrics"]), got=compiled["metrics"])
    hidden_activation = model.layers[0].get_config().get("activation")
    check_that("ReLU in the hidden layer", hidden_activation == "relu", got=hidden_activation)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Three tuners on the same problem
#
# A *tuner* pairs the model builder with a search strategy (its *oracle*). KerasTuner ships
# three:
#
# - **`RandomSearch`** draws every trial at random, like `RandomizedSearchCV`. It runs
#   `max_trials` trials.
# - **`Hyperband`** starts many configurations with a small budget of epochs, keeps the best
#   fraction `1/factor`, gives those `factor` times more epochs, and so on up to
#   `max_epochs`. It runs several such *brackets* that trade many short trials against a few
#   long ones. The number of trials follows from `max_epochs` and `factor`.
# - **`BayesianOptimization`** fits a Gaussian-process model of "score as a function of the
#   hyperparameters" to the finished trials and picks the next trial where that model
#   predicts a high score or is still very unsure (an *upper confidence bound*). Its first
#   `num_initial_points` trials are random, to have something to model.
#
# Every tuner also takes the `objective` to optimise (here `"val_accuracy"`, to maximise), a
# `seed` so the same trials come back on every run, and a `directory` and `project_name`
# where it saves each trial. With `overwrite=True` a new tuner wipes an old project of the
# same name instead of *resuming* it: without it, re-running a notebook would silently reload
# last run's results.
#
# The budget is the same for all three: three trials of two epochs for random search and
# Bayesian optimization (6 epochs in all), and for Hyperband `max_epochs=2`, `factor=2`, which
# comes to five trials and 7 epochs.

# %%
MAX_TRIALS = 3      # RandomSearch and BayesianOptimization
MAX_EPOCHS = 2      # epochs of a full trial; Hyperband's largest budget
FACTOR = 2          # Hyperband's reduction factor
TUNER_DIR = str(WORK_DIR / "tuners")

# %% [markdown]
# ### Exercise 3: build the tuners
#
# Write `make_tuner(kind, directory)` that returns a tuner of `model_builder` for
# `kind` = `"random"`, `"hyperband"` or `"bayesian"`:
#
# - `kt.RandomSearch` with `max_trials=MAX_TRIALS`;
# - `kt.Hyperband` with `max_epochs=MAX_EPOCHS` and `factor=FACTOR`;
# - `kt.BayesianOptimization` with `max_trials=MAX_TRIALS` and `num_initial_points=2`.
#
# All three take `objective="val_accuracy"`, `seed=SEED`, `directory=directory`,
# `project_name=kind` and `overwrite=True`. Any other `kind` raises a `ValueError`.

# %% exercise="make_tuner"
def make_tuner(kind, directory):
    """A seeded KerasTuner tuner of model_builder, saving its trials in directory/kind."""
    ### BEGIN SOLUTION
    common = dict(objective="val_accuracy", seed=SEED, directory=directory, project_name=kind,
                  overwrite=True)
    if kind == "random":
        return kt.RandomSearch(model_builder, max_trials=MAX_TRIALS, **common)
    if kind == "hyperband":
        return kt.Hyperband(model_builder, max_epochs=MAX_EPOCHS, factor=FACTOR, **common)
    if kind == "bayesian":
        return kt.BayesianOptimization(model_builder, max_trials=MAX_TRIALS, num_initial_points=2, **common)
    raise ValueError(f"unknown tuner kind {kind!r}; use 'random', 'hyperband' or 'bayesian'")
    ### END SOLUTION


# %% tests="make_tuner" points=2
probe_dir = tempfile.mkdtemp(dir=WORK_DIR)
expected_types = {"random": kt.RandomSearch, "hyperband": kt.Hyperband, "bayesian": kt.BayesianOptimization}
for kind, tuner_type in expected_types.items():
    probe = make_tuner(kind, probe_dir)
    check_that(f"make_tuner('{kind}') to be a {tuner_type.__name__}", isinstance(probe, tuner_type),
               got=type(probe).__name__, hint="pick the tuner class from kind")
    check(f"the objective of the '{kind}' tuner", (probe.oracle.objective.name, probe.oracle.objective.direction),
          ("val_accuracy", "max"), hint="objective='val_accuracy'")
    check(f"the seed of the '{kind}' tuner", probe.oracle.seed, SEED, hint="seed=SEED")
    check(f"the project folder of the '{kind}' tuner", probe.project_dir, os.path.join(probe_dir, kind),
          hint="directory=directory, project_name=kind")
budgets = {"random": lambda o: o.max_trials, "hyperband": lambda o: (o.max_epochs, o.factor),
           "bayesian": lambda o: (o.max_trials, o.num_initial_points)}
band_budget = (MAX_EPOCHS, FACTOR)
for kind, expected in [("random", MAX_TRIALS), ("hyperband", band_budget), ("bayesian", (MAX_TRIALS, 2))]:
    check(f"the budget of the '{kind}' tuner", budgets[kind](make_tuner(kind, probe_dir).oracle), expected,
          hint="max_trials=MAX_TRIALS; Hyperband: max_epochs=MAX_EPOCHS, factor=FACTOR; Bayesian: num_initial_points=2")
leftover = os.path.join(probe_dir, "bayesian", "leftover.txt")
os.makedirs(os.path.dirname(leftover), exist_ok=True)
with open(leftover, "w") as handle:
    handle.write("from an earlier run")
make_tuner("bayesian", probe_dir)
check_that("a new tuner to wipe an old project of the same name", not os.path.exists(leftover),
           hint="overwrite=True")
try:
    make_tuner("evolution", probe_dir)
    raised_for = "nothing"
except ValueError:
    raised_for = "ValueError"
check("what make_tuner('evolution') raises", raised_for, "ValueError")
### BEGIN HIDDEN TESTS
check("max_trials of the random tuner", make_tuner("random", probe_dir).oracle.max_trials, MAX_TRIALS)
bayes_probe = make_tuner("bayesian", probe_dir)
check("max_trials and num_initial_points of the Bayesian tuner",
      (bayes_probe.oracle.max_trials, bayes_probe.oracle.num_initial_points), (MAX_TRIALS, 2))
band_probe = make_tuner("hyperband", probe_dir)
check("max_epochs and factor of the Hyperband tuner", (band_probe.oracle.max_epochs, band_probe.oracle.factor),
      (MAX_EPOCHS, FACTOR))
stale = os.path.join(probe_dir, "random", "stale.txt")
os.makedirs(os.path.dirname(stale), exist_ok=True)
with open(stale, "w") as handle:
    handle.write("left over from an earlier run")
make_tuner("random", probe_dir)
check_that("a new tuner to wipe the old project (overwrite=True)", not os.path.exists(stale))
try:
    make_tuner("grid", probe_dir)
    raised = False
except ValueError:
    raised = True
check_that("make_tuner('grid') to raise ValueError", raised)
### END HIDDEN TESTS

# %% [markdown]
# ### Running the searches
#
# `tuner.search` takes the same arguments as `model.fit` and passes them on to every trial.
# We add an `EarlyStopping` callback that ends a trial once the validation loss stops
# improving. With two epochs per trial it has nothing to stop here; in a real search you
# would pass something like `epochs=50` and let it cut most trials short. (Hyperband sets
# each trial's epochs itself and ignores `epochs`.) `verbose=0` keeps the log quiet.
#
# One practical detail. Before every trial KerasTuner calls `keras.backend.clear_session()`,
# which runs Python's full garbage collector, and the collector walks every object in memory:
# over half a million after importing TensorFlow. On a small problem that walk costs more than
# the training itself. `gc.freeze()` moves every object alive now into a permanent generation
# the collector skips, which halves the time of these searches. The models that each trial
# creates later are still collected as usual.

# %%
gc.freeze()  # the libraries' objects are here to stay: stop re-scanning them before every trial
stop_early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1)


def run_search(tuner):
    """Run a search on the fit/validation split; return the seconds it took."""
    start = time.perf_counter()
    tuner.search(x_fit, y_fit, epochs=MAX_EPOCHS, batch_size=BATCH, validation_data=(x_val, y_val),
                 callbacks=[stop_early], verbose=0)
    return time.perf_counter() - start


with needs("exercise 2 (`model_builder`) and exercise 3 (`make_tuner`)"):
    searched = {}  # named `tuners` only once all three have run, so a later cell never sees half of them
    for kind in ["random", "hyperband", "bayesian"]:
        searched[kind] = make_tuner(kind, TUNER_DIR)
        seconds = run_search(searched[kind])
        best = searched[kind].oracle.get_best_trials(1)[0]
        print(f"{kind:9s} {len(searched[kind].oracle.trials)} trials in {seconds:4.1f} s, "
              f"best val_accuracy {best.score:.3f} with {best.hyperparameters.values}")
    tuners = searched

# %% [markdown]
# `get_best_hyperparameters()` returns the winning `HyperParameters`, best first, and
# `results_summary()` prints the top trials. Hyperband's trials carry extra `tuner/...`
# entries: the epochs a trial trained to, where it started (a continued trial resumes from
# its parent's weights), its bracket and round.

# %%
with needs("exercise 3 (`make_tuner`)"):
    best_hp = tuners["random"].get_best_hyperparameters(1)[0]
    print("random search's best:", best_hp.values)
    tuners["hyperband"].results_summary(num_trials=2)

# %% [markdown]
# ### Exercise 4: the trial table
#
# Write `trial_table(tuner)` that returns a pandas `DataFrame` with one row per **completed**
# trial of a finished search (`tuner.oracle.trials` is a dictionary from trial id to `Trial`;
# a trial has `.trial_id`, `.status`, `.score` and `.hyperparameters.values`). The columns are
# `trial_id`, `units`, `learning_rate` and `score`, the rows sorted by score, best first, with
# ties kept in trial order (`sort_values(..., kind="stable")`), and the index reset to
# 0, 1, 2, ...

# %% exercise="trial_table"
def trial_table(tuner):
    """The completed trials of ``tuner`` as a DataFrame, best score first."""
    ### BEGIN SOLUTION
    rows = [{"trial_id": trial.trial_id,
             "units": trial.hyperparameters.values["units"],
             "learning_rate": trial.hyperparameters.values["learning_rate"],
             "score": trial.score}
            for trial in tuner.oracle.trials.values() if trial.status == "COMPLETED"]
    table = pd.DataFrame(rows, columns=["trial_id", "units", "learning_rate", "score"])
    return table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    ### END SOLUTION


trial_table(tuners["hyperband"])

# %% tests="trial_table" points=2
table = trial_table(tuners["random"])
check("the columns of trial_table", list(table.columns), ["trial_id", "units", "learning_rate", "score"],
      hint="build the DataFrame with columns=['trial_id', 'units', 'learning_rate', 'score']")
check("the number of rows for the random search", len(table), MAX_TRIALS,
      hint="one row per trial whose status is 'COMPLETED'")
check_that("the scores to be sorted, best first", bool(np.all(np.diff(table["score"].to_numpy()) <= 0)),
           got=table["score"].tolist(), hint="sort_values('score', ascending=False, kind='stable')")
check("the first row's units", int(table["units"].iloc[0]), best_hp.values["units"],
      hint="the best trial comes first")
check("the index of trial_table", table.index.tolist(), list(range(len(table))), hint="end with .reset_index(drop=True)")
### BEGIN HIDDEN TESTS
for kind, tuner in tuners.items():
    done = [t for t in tuner.oracle.trials.values() if t.status == "COMPLETED"]
    ordered = sorted(done, key=lambda t: -t.score)
    got = trial_table(tuner)
    check(f"trial ids of the {kind} table", got["trial_id"].tolist(), [t.trial_id for t in ordered])
    check(f"units of the {kind} table", got["units"].to_numpy(), np.array([t.hyperparameters.values["units"] for t in ordered]))
    check(f"learning rates of the {kind} table", got["learning_rate"].to_numpy(),
          np.array([t.hyperparameters.values["learning_rate"] for t in ordered]))
    check(f"scores of the {kind} table", got["score"].to_numpy(), np.array([t.score for t in ordered]))
    check(f"index of the {kind} table", got.index.tolist(), list(range(len(ordered))))
### END HIDDEN TESTS

# %% [markdown]
# How did the three strategies spend their budget? The plot follows the best validation
# accuracy found so far, trial after trial. With so few trials the ranking of the tuners is
# largely luck; what to look at is the shape: Hyperband's first trials are cheap one-epoch
# runs, so its early scores are low even for good configurations.

# %%
with needs("exercise 3 (`make_tuner`)"):
    fig, ax = plt.subplots()
    for kind, tuner in tuners.items():
        scores = [trial.score for trial in tuner.oracle.trials.values()]
        ax.plot(range(1, len(scores) + 1), np.maximum.accumulate(scores), marker="o", label=kind)
    ax.axhline(baseline_val_accuracy, color="grey", linestyle=":", label="hand-picked baseline")
    ax.legend()
    labelled(ax, "Best validation accuracy so far", "trial", "val_accuracy",
             caption="Each tuner's running best; the dotted line is the 2-epoch baseline from section 1.")
    plt.show()

# %% [markdown]
# ### Rebuild and retrain the winner
#
# A search returns hyperparameters, not a finished model: the trial's model saw only the fit
# set and few epochs. The usual last step rebuilds the model from the best hyperparameters,
# trains it on all the data used for the search (fit and validation sets) for longer, and
# only then measures it on the test set.

# %%
with needs("exercise 3 (`make_tuner`)"):
    overall = max(tuners.values(), key=lambda tuner: tuner.oracle.get_best_trials(1)[0].score)
    winner_hp = overall.get_best_hyperparameters(1)[0]
    final_model = overall.hypermodel.build(winner_hp)
    final_model.fit(np.concatenate([x_fit, x_val]), np.concatenate([y_fit, y_val]), epochs=6,
                    batch_size=BATCH, verbose=0)
    test_accuracy = accuracy_of(final_model, x_test, y_test)
    print(f"winner {dict((k, v) for k, v in winner_hp.values.items() if not k.startswith('tuner/'))}: "
          f"test accuracy {test_accuracy:.3f}")

# %% [markdown]
# ## 5. Hyperband by hand: successive halving
#
# The engine inside Hyperband is *successive halving*: give every configuration a small
# budget, keep the best fraction, multiply the budget, repeat until one is left. Most of the
# compute goes to the promising configurations, and the hopeless ones are dropped after a
# single cheap epoch.
#
# To see the algorithm clearly we replace real training by **synthetic** learning curves:
# configuration `c` reaches validation accuracy
# `final - gap * exp(-epochs / tau)` after `epochs` epochs. Each curve rises quickly or
# slowly (`tau`) towards its own plateau (`final`). Evaluating a configuration is then free
# and exactly repeatable.

# %%
CURVES = {  # name: (final accuracy, gap at epoch 0, time constant in epochs)
    "A": (0.90, 0.40, 2.0), "B": (0.93, 0.30, 1.5), "C": (0.85, 0.30, 1.0), "D": (0.96, 0.35, 2.0),
    "E": (0.80, 0.30, 1.5), "F": (0.88, 0.45, 1.2), "G": (0.91, 0.50, 3.0), "H": (0.70, 0.20, 1.0),
}
FULL_EPOCHS = 16


def curve_score(config, epochs):
    """Synthetic validation accuracy of ``config`` after ``epochs`` epochs."""
    final, gap, tau = CURVES[config]
    return final - gap * np.exp(-epochs / tau)


full_scores = {config: curve_score(config, FULL_EPOCHS) for config in CURVES}
print("full evaluation (16 epochs each):", {c: round(float(s), 3) for c, s in full_scores.items()})
print("winner of the full evaluation:", max(full_scores, key=full_scores.get))

# %%
epochs_axis = np.arange(1, FULL_EPOCHS + 1)
fig, ax = plt.subplots()
for config in CURVES:
    ax.plot(epochs_axis, [curve_score(config, e) for e in epochs_axis], label=config)
ax.legend(ncol=4)
labelled(ax, "Synthetic learning curves of eight configurations", "epochs of training",
         "validation accuracy",
         caption="Curves rise at different speeds to different plateaus; some cross.")
plt.show()

# %% [markdown]
# ### Exercise 5: successive halving
#
# Write `successive_halving(configs, evaluate, min_budget=1, factor=2)`:
#
# 1. start with all `configs` as survivors and `budget = min_budget`;
# 2. while more than one survivor is left: score every survivor with
#    `evaluate(config, budget)`, record the round as a tuple `(budget, scores)` where
#    `scores` is a dictionary `{config: score}` (in any order), keep the best
#    `max(1, len(survivors) // factor)` survivors (highest scores; on a tie the one that came
#    first wins, which a stable sort gives you), and multiply the budget by `factor`;
# 3. return `(winner, rounds)`: the last survivor and the list of rounds.
#
# With a single configuration there is nothing to compare: return it with an empty list.

# %% exercise="successive_halving"
def successive_halving(configs, evaluate, min_budget=1, factor=2):
    """Successive halving over ``configs``; returns (winner, [(budget, {config: score}), ...])."""
    ### BEGIN SOLUTION
    survivors, budget, rounds = list(configs), min_budget, []
    while len(survivors) > 1:
        scores = {config: evaluate(config, budget) for config in survivors}
        rounds.append((budget, scores))
        keep = max(1, len(survivors) // factor)
        survivors = sorted(survivors, key=lambda config: -scores[config])[:keep]
        budget *= factor
    return survivors[0], rounds
    ### END SOLUTION


winner, rounds = successive_halving(list(CURVES), curve_score)
for budget, scores in rounds:
    print(f"budget {budget:2d} epochs: " + ", ".join(f"{c} {s:.3f}" for c, s in scores.items()))
print("successive halving picks", winner)

# %% tests="successive_halving" points=3
check("the winner of successive halving on CURVES", winner, max(full_scores, key=full_scores.get),
      hint="keep the configurations with the HIGHEST scores after each round")
check("the budgets of the rounds", [budget for budget, _ in rounds], [1, 2, 4],
      hint="start at min_budget and multiply by factor after every round")
check("the number of configurations in each round", [len(scores) for _, scores in rounds], [8, 4, 2],
      hint="keep max(1, len(survivors) // factor) survivors")
check("the scores of round 1", rounds[0][1]["D"], curve_score("D", 1), hint="score with evaluate(config, budget)")
tied = {"p": 0.5, "q": 0.5, "r": 0.1, "s": 0.5}
check("the winner when p, q and s tie at 0.5", successive_halving(list(tied), lambda c, b: tied[c])[0], "p",
      hint="on a tie keep the configuration that came first: sorted(...) is stable")
check("successive_halving(['only'], curve_score)", successive_halving(["only"], curve_score), ("only", []),
      hint="with one configuration there is no round to run")
### BEGIN HIDDEN TESTS
def reference_halving(configs, evaluate, min_budget=1, factor=2):
    survivors, budget, history = list(configs), min_budget, []
    while len(survivors) > 1:
        scores = {c: evaluate(c, budget) for c in survivors}
        history.append((budget, scores))
        survivors = sorted(survivors, key=lambda c: -scores[c])[:max(1, len(survivors) // factor)]
        budget *= factor
    return survivors[0], history

rng = np.random.default_rng(6)
params = {i: (rng.uniform(0.6, 0.95), rng.uniform(0.1, 0.5), rng.uniform(0.5, 4.0)) for i in range(12)}
evaluate_random = lambda c, b: params[c][0] - params[c][1] * np.exp(-b / params[c][2])  # noqa: E731
for min_budget, factor in [(1, 3), (2, 2), (1, 5)]:
    got_winner, got_rounds = successive_halving(list(range(12)), evaluate_random, min_budget, factor)
    want_winner, want_rounds = reference_halving(list(range(12)), evaluate_random, min_budget, factor)
    check(f"winner with min_budget={min_budget}, factor={factor}", got_winner, want_winner)
    check(f"budgets with min_budget={min_budget}, factor={factor}", [b for b, _ in got_rounds], [b for b, _ in want_rounds])
    check(f"survivors per round with min_budget={min_budget}, factor={factor}",
          [sorted(s) for _, s in got_rounds], [sorted(s) for _, s in want_rounds])
tie = {"u": 0.3, "v": 0.9, "w": 0.9, "x": 0.9, "y": 0.1, "z": 0.9}
check("ties keep the earlier configuration", successive_halving(list(tie), lambda c, b: tie[c])[0], "v")
### END HIDDEN TESTS

# %% [markdown]
# Successive halving found the same winner as the full evaluation for a fraction of the
# cost. Count the epochs:

# %%
with needs("exercise 5 (`successive_halving`)"):
    halving_epochs = sum(budget * len(scores) for budget, scores in rounds)
    print(f"successive halving: {halving_epochs} epochs; full evaluation: {len(CURVES) * FULL_EPOCHS} epochs")

# %% [markdown]
# ### When halving goes wrong, and how Hyperband hedges
#
# Successive halving judges every configuration after one epoch. A *late bloomer*, a
# configuration that learns slowly but ends highest (a small learning rate often behaves like
# this), is thrown out in the first round. Add one to the pool and run the algorithm twice:
# once starting from one epoch, once from four.

# %%
def with_late_bloomer(config, epochs):
    """The synthetic curves plus configuration 'L': slow start, best plateau."""
    if config == "L":
        return 0.99 - 0.50 * np.exp(-epochs / 3.0)
    return curve_score(config, epochs)


pool = list(CURVES) + ["L"]
best_full = max(pool, key=lambda config: with_late_bloomer(config, FULL_EPOCHS))
with needs("exercise 5 (`successive_halving`)"):
    for min_budget in [1, 4]:
        picked, _ = successive_halving(pool, with_late_bloomer, min_budget=min_budget)
        print(f"starting at {min_budget} epoch(s): picks {picked}; full evaluation picks {best_full}")

# %% [markdown]
# A small starting budget lets you try many configurations but trusts early scores; a large
# one is safer but affords fewer configurations. You cannot know in advance which trade-off
# suits your problem. **Hyperband** does not choose: it runs several successive-halving
# *brackets*, from "many configurations, tiny budget" to "few configurations, full budget"
# (plain random search). Our Hyperband tuner ran two brackets; its trials record which:

# %%
with needs("exercise 3 (`make_tuner`)"):
    band_rows = [{key.replace("tuner/", ""): value for key, value in trial.hyperparameters.values.items()
                  if key in ("units", "learning_rate", "tuner/bracket", "tuner/round", "tuner/epochs",
                             "tuner/initial_epoch")} | {"score": round(trial.score, 3)}
                 for trial in tuners["hyperband"].oracle.trials.values()]
    display(pd.DataFrame(band_rows))

# %% [markdown]
# Bracket 1 is successive halving: two configurations get one epoch and the better one is
# trained on to two epochs (round 1 starts from its parent's weights, `initial_epoch` 1).
# Bracket 0 gives two fresh configurations the full two epochs straight away.

# %% [markdown]
# ## 6. Optuna: a search space defined while it runs
#
# KerasTuner is built around Keras models. **Optuna** is the general-purpose tuner that
# production teams reach for whatever the model: scikit-learn, PyTorch, XGBoost, a whole
# pipeline. Three objects make up its API:
#
# - an **objective function** `objective(trial)` that trains and scores one configuration. It
#   asks the `trial` for each hyperparameter as it needs it, `trial.suggest_float(name, low,
#   high, log=True)`, `trial.suggest_int(...)`, `trial.suggest_categorical(name, choices)`,
#   so the search space is defined *by running* the code (an `if` can even open a branch of the
#   space that only some trials have);
# - a **study**, `optuna.create_study(direction="maximize", sampler=..., pruner=...)`, that
#   calls the objective `n_trials` times in `study.optimize(objective, n_trials=...)` and keeps
#   every trial: `study.best_value`, `study.best_params`, `study.trials`,
#   `study.trials_dataframe()`;
# - a **sampler** that picks each trial's values. `RandomSampler` is random search.
#   `TPESampler` (the default) is Bayesian optimization with a *tree-structured Parzen
#   estimator*: after `n_startup_trials` random trials, it splits the finished trials into a
#   good group (the best quarter or so) and the rest, fits a density to the hyperparameter
#   values of each group, and proposes values that are likely under the good density and
#   unlikely under the other. Give it a `seed` and the same trials come back on every run.
#
# Here is the SVC search of section 2 again, written for Optuna: the same log-uniform ranges,
# the same 3-fold cross-validated accuracy, 20 trials for each of the two samplers.

# %%
def svc_objective(trial):
    """3-fold cross-validated accuracy of an SVC whose C and gamma come from the trial."""
    c = trial.suggest_float("C", 1e-2, 1e2, log=True)
    gamma = trial.suggest_float("gamma", 1e-4, 1.0, log=True)
    return float(cross_val_score(SVC(C=c, gamma=gamma), x_fit, y_fit, cv=3).mean())


svc_studies = {}
for name, sampler in [("random", optuna.samplers.RandomSampler(seed=SEED)),
                      ("TPE", optuna.samplers.TPESampler(seed=SEED, n_startup_trials=5))]:
    svc_studies[name] = optuna.create_study(direction="maximize", sampler=sampler)
    svc_studies[name].optimize(svc_objective, n_trials=20)
    best = {key: float(f"{value:.3g}") for key, value in svc_studies[name].best_params.items()}
    good = sum(trial.value >= 0.95 for trial in svc_studies[name].trials[5:])
    print(f"{name:6s} best {best} -> cross-validated accuracy {svc_studies[name].best_value:.3f}; "
          f"trials 6-20 at 0.95 or better: {good} of 15")

# %% [markdown]
# Every trial is kept; `trials_dataframe()` turns them into a table with one row per trial,
# its value, its parameters (`params_...`) and its state.

# %%
svc_studies["TPE"].trials_dataframe()[["number", "value", "params_C", "params_gamma", "state"]].head()

# %%
fig, ax = plt.subplots()
for name, study in svc_studies.items():
    values = [trial.value for trial in study.trials]
    ax.plot(range(1, len(values) + 1), np.maximum.accumulate(values), marker="o", label=name)
ax.axvline(5.5, color="grey", linestyle=":", label="TPE stops sampling at random")
ax.legend()
labelled(ax, "Optuna on the SVC: random sampling vs TPE", "trial", "best cross-validated accuracy so far",
         caption="Both start at random; after five trials TPE samples where the good trials were.")
plt.show()

# %% [markdown]
# Both samplers find a setting near 0.986, but they spend the budget differently. Once its
# five random start-up trials are done, TPE puts most of its trials in the good region (11 of
# the last 15 reach 0.95), while random sampling keeps landing anywhere (3 of 15). That
# concentration is what pays when a trial is expensive or the space has many dimensions. With
# another seed the numbers change, and so may the order of the two best values.
#
# ### Pruning: successive halving, trial by trial
#
# A **pruner** stops trials that are going badly, like Hyperband's early rounds. The
# objective reports an *intermediate value* after every epoch with `trial.report(value,
# step)`, then asks `trial.should_prune()`; when the answer is yes it raises
# `optuna.TrialPruned()`, and the study records the trial as `PRUNED`. Two pruners:
#
# - `MedianPruner(n_startup_trials, n_warmup_steps)` prunes a trial whose value at a step is
#   worse than the median of the earlier trials at that step;
# - `SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)` is successive halving made
#   **asynchronous** (ASHA): its rungs sit at 1, 2, 4, 8, ... epochs, and a trial that reaches
#   a rung continues only if its value is in the top 1/`reduction_factor` of all the values
#   recorded at that rung *so far*. Nothing waits for a round to fill up, so trials can run
#   one after another, or in parallel on many machines. `HyperbandPruner` runs several such
#   brackets, as `kt.Hyperband` does.
#
# The difference from the synchronous version of section 5 shows on the same synthetic
# curves. We queue the eight configurations in order with `study.enqueue_trial` (so the
# sampler plays no part) and let each pruner judge them epoch by epoch.

# %%
def curve_objective(trial):
    """Train a synthetic configuration epoch by epoch, reporting its accuracy, unless pruned."""
    config = trial.suggest_categorical("config", list(CURVES))
    for epoch in range(1, FULL_EPOCHS + 1):
        trial.report(curve_score(config, epoch), epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return curve_score(config, FULL_EPOCHS)


pruners = {"SuccessiveHalvingPruner": optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2),
           "MedianPruner": optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=0)}
for name, pruner in pruners.items():
    study = optuna.create_study(direction="maximize", pruner=pruner, sampler=optuna.samplers.TPESampler(seed=SEED))
    for config in CURVES:
        study.enqueue_trial({"config": config})
    study.optimize(curve_objective, n_trials=len(CURVES))
    fates = ", ".join(f"{trial.params['config']} {'done' if trial.state.name == 'COMPLETE' else 'pruned'}"
                      f"@{max(trial.intermediate_values)}" for trial in study.trials)
    epochs_used = sum(len(trial.intermediate_values) for trial in study.trials)
    print(f"{name:24s} {fates}\n{'':24s} -> best {study.best_params['config']}, {epochs_used} epochs")

# %%
with needs("exercise 5 (`successive_halving`)"):
    print(f"successive halving by hand (section 5) -> best {winner}, {halving_epochs} epochs")

# %% [markdown]
# Read the two lines. The asynchronous pruner lets the first trials, A and B, run to the end:
# when they reached each rung there was little or nothing to compare them with. D, the best
# configuration, arrived fourth; at the 2-epoch rung it met A and B, only the top half of
# three values (one trial) may go on, B was ahead, and D was pruned. The synchronous halving
# of section 5 compared D with all eight configurations at once and kept it (it used only 24
# epochs, but stopped at 4 epochs with the winner, which still has to be trained to the end).
# The median rule is gentler: it pruned five configurations early and kept D, which won, at
# the price of more epochs (55 against 39), since every trial it keeps trains all 16.
# Asynchrony is what makes pruning practical on a cluster, and its price is that the order of
# arrival matters; with many trials (not eight) the bar at every rung settles and that price
# shrinks.
#
# ### Exercise 6 (a problem): an objective that can be pruned
#
# Write `make_objective(x_fit, y_fit, x_val, y_val, max_epochs)` that returns an Optuna
# objective `objective(trial)` tuning a linear classifier trained by stochastic gradient
# descent, `SGDClassifier(loss="log_loss", learning_rate="constant", alpha=..., eta0=...,
# random_state=0)`. The rules:
#
# - the search space is exactly two hyperparameters: `"alpha"`, the L2 penalty, log-uniform
#   in [1e-6, 1e-1], and `"eta0"`, the constant learning rate, log-uniform in [1e-4, 1]
#   (`trial.suggest_float(..., log=True)`);
# - one epoch is one `partial_fit` pass over the fit set (its first call needs
#   `classes=np.unique(y_fit)`); train for at most `max_epochs` epochs;
# - after epoch `e` (counting from 1) report the validation accuracy with
#   `trial.report(accuracy, e)`, and stop with `raise optuna.TrialPruned()` when
#   `trial.should_prune()` is true;
# - return the validation accuracy after the last epoch (the value last reported).
#
# How you write the loop is up to you. The check runs a seeded study (TPE sampler, median
# pruner, 15 trials) on the digits and accepts it when the best validation accuracy is at
# least 0.85, every trial stayed inside the search space and reported once per epoch, at
# least one trial was pruned, and every finished trial returned its last report. The grader
# runs more studies, on another data set, with another seed and another pruner.

# %% exercise="optuna_objective"
def make_objective(x_fit, y_fit, x_val, y_val, max_epochs):
    """An Optuna objective: SGDClassifier's alpha and eta0, reported and prunable every epoch."""
    ### BEGIN SOLUTION
    classes = np.unique(y_fit)

    def objective(trial):
        alpha = trial.suggest_float("alpha", 1e-6, 1e-1, log=True)
        eta0 = trial.suggest_float("eta0", 1e-4, 1.0, log=True)
        model = SGDClassifier(loss="log_loss", learning_rate="constant", alpha=alpha, eta0=eta0, random_state=0)
        for epoch in range(1, max_epochs + 1):
            model.partial_fit(x_fit, y_fit, classes=classes)
            val_accuracy = float(model.score(x_val, y_val))
            trial.report(val_accuracy, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return val_accuracy
    ### END SOLUTION

    return objective


# %% [markdown]
# The check (and the grader) run studies through this helper and read what every trial did.

# %%
SGD_SPACE = {"alpha": optuna.distributions.FloatDistribution(1e-6, 1e-1, log=True),
             "eta0": optuna.distributions.FloatDistribution(1e-4, 1.0, log=True)}


def run_study(objective, seed, pruner, n_trials=15):
    """A seeded TPE study of ``objective`` with ``pruner``; returns the finished study."""
    study = optuna.create_study(direction="maximize", pruner=pruner,
                                sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=5))
    study.optimize(objective, n_trials=n_trials)
    return study


def study_report(study):
    """Counts a reader of the study cares about: trials by state and the best value."""
    states = [trial.state.name for trial in study.trials]
    return {"complete": states.count("COMPLETE"), "pruned": states.count("PRUNED"),
            "failed": states.count("FAIL"), "best": round(study.best_value, 3)}


# %% tests="optuna_objective" points=4
def check_study(study, max_epochs, min_best, where):
    """Every rule of exercise 6, checked on a finished study."""
    def first(trials, rule):
        """The first trial that breaks ``rule`` (a function of a trial), or None."""
        return next((trial for trial in trials if not rule(trial)), None)

    wrong_space = first(study.trials, lambda trial: trial.distributions == SGD_SPACE)
    check(f"the search space of every trial {where}",
          (wrong_space or study.trials[0]).distributions, SGD_SPACE,
          hint="exactly two suggestions: suggest_float('alpha', 1e-6, 1e-1, log=True) and "
               "suggest_float('eta0', 1e-4, 1.0, log=True)")
    wrong_steps = first(study.trials, lambda trial: sorted(trial.intermediate_values)
                        == list(range(1, len(trial.intermediate_values) + 1)))
    check(f"the steps every trial reported {where}", sorted((wrong_steps or study.trials[0]).intermediate_values),
          list(range(1, len((wrong_steps or study.trials[0]).intermediate_values) + 1)),
          hint="call trial.report(accuracy, epoch) once after every epoch, with epoch = 1, 2, ...")
    finished = [trial for trial in study.trials if trial.state.name == "COMPLETE"]
    short = first(finished, lambda trial: len(trial.intermediate_values) == max_epochs)
    check(f"the number of epochs of every finished trial {where}",
          len(short.intermediate_values) if short else max_epochs, max_epochs,
          hint="a trial that is never pruned trains for max_epochs epochs")
    wrong_value = first(finished, lambda trial: trial.value == trial.intermediate_values[max(trial.intermediate_values)])
    check(f"the value returned by every finished trial {where}",
          wrong_value.value if wrong_value else 0.0,
          wrong_value.intermediate_values[max(wrong_value.intermediate_values)] if wrong_value else 0.0,
          hint="return the validation accuracy of the last epoch, the value you reported last")
    report = study_report(study)
    check("the number of failed trials " + where, report["failed"], 0,
          hint="a trial fails when the objective raises anything but optuna.TrialPruned")
    check_that("at least one pruned trial " + where, report["pruned"] >= 1, got=report,
               hint="after trial.report, ask trial.should_prune() and raise optuna.TrialPruned() when it is true")
    check_that(f"a best validation accuracy of at least {min_best} {where}", study.best_value >= min_best,
               got=report, hint="train with partial_fit once per epoch and score on the validation set")


digits_study = run_study(make_objective(x_fit, y_fit, x_val, y_val, max_epochs=8), seed=0,
                         pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1))
print("digits study:", study_report(digits_study))
check_study(digits_study, 8, 0.85, "on the digits")
### BEGIN HIDDEN TESTS
xb_train, xb_test, yb_train, yb_test = train_test("breast_cancer")
cancer_study = run_study(make_objective(xb_train, yb_train, xb_test, yb_test, max_epochs=6), seed=3,
                         pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
check_study(cancer_study, 6, 0.9, "on the breast cancer data")
again = run_study(make_objective(x_fit, y_fit, x_val, y_val, max_epochs=8), seed=0,
                  pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1))
check("the digits study run twice (the objective must be deterministic)",
      [trial.value for trial in again.trials], [trial.value for trial in digits_study.trials])
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 7 (a problem): a small network that learns in two epochs
#
# The hand-picked baseline of section 1 (32 units, learning rate 1e-3, batches of 64) reached
# a poor validation accuracy after two epochs. Find settings that do far better under the
# same limits: set `fast_settings` to a dict `{"units": ..., "learning_rate": ...,
# "batch_size": ...}` with at most 32 hidden units (so at most 2,410 parameters), for which
# `build_baseline(units, learning_rate)` trained for **two epochs** with that batch size
# reaches a validation accuracy of at least 0.80. The helper `two_epoch_accuracy` below is
# the acceptance test: it trains a seeded model with your settings and scores it. How you
# search is up to you (by hand, KerasTuner, Optuna); keep your search under about 15 trials
# so the notebook stays fast. The grader also trains your settings on another split of the
# digits with another seed, and expects at least 0.75 there: settings that only work by luck
# on one split will not pass.

# %%
def two_epoch_accuracy(settings, x, y, x_eval, y_eval, seed=0):
    """Accuracy on (x_eval, y_eval) of build_baseline trained 2 epochs on (x, y) with ``settings``."""
    keras.utils.set_random_seed(seed)
    model = build_baseline(units=int(settings["units"]), learning_rate=float(settings["learning_rate"]))
    model.fit(x, y, epochs=2, batch_size=int(settings["batch_size"]), verbose=0)
    return accuracy_of(model, x_eval, y_eval)


# %% exercise="fast_settings"
### BEGIN SOLUTION
def fast_objective(trial):
    settings = {"units": trial.suggest_int("units", 8, 32, step=8),
                "learning_rate": trial.suggest_float("learning_rate", 1e-3, 1e-1, log=True),
                "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64])}
    return two_epoch_accuracy(settings, x_fit, y_fit, x_val, y_val)


fast_study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=SEED, n_startup_trials=4))
fast_study.optimize(fast_objective, n_trials=8)
fast_settings = dict(fast_study.best_params)
### END SOLUTION
print("settings:", fast_settings)

# %% tests="fast_settings" points=3
check("the keys of fast_settings", sorted(fast_settings), ["batch_size", "learning_rate", "units"],
      hint="a dict with the keys 'units', 'learning_rate' and 'batch_size'")
check_that("at most 32 hidden units", 1 <= int(fast_settings["units"]) <= 32, got=fast_settings["units"],
           hint="the limit is the baseline's size: 32 units, 2,410 parameters")
fast_accuracy = two_epoch_accuracy(fast_settings, x_fit, y_fit, x_val, y_val)
print(f"validation accuracy after two epochs: {fast_accuracy:.3f} (baseline {baseline_val_accuracy:.3f})")
check_that("a validation accuracy of at least 0.80 after two epochs", fast_accuracy >= 0.80, got=fast_accuracy,
           hint="with only two epochs, the learning rate and the number of steps per epoch (batch size) matter most")
### BEGIN HIDDEN TESTS
other_split = two_epoch_accuracy(fast_settings, x_train[320:960], y_train[320:960], x_test, y_test, seed=1)
check_that("an accuracy of at least 0.75 on another split of the digits, with another seed", other_split >= 0.75,
           got=other_split)
### END HIDDEN TESTS

# %% [markdown]
# ### A budget decision (written answer)
#
# Your team tunes a model whose full training takes 2 GPU-hours (20 epochs); the budget is 40
# GPU-hours; the search space has five hyperparameters, and nobody knows yet which of them
# matter. In four to eight sentences, say how you would spend the budget: which search
# strategy (grid, random, TPE, with or without a pruner or Hyperband) and why, roughly how
# many configurations you can afford at which budgets (do the arithmetic), what risk your
# choice of early stopping carries and how you would hedge it, and how you would report the
# chosen model's performance honestly. A full-mark answer covers those four points and refers
# to something this lab measured.

# %% [markdown] answer="tuning_budget" points=4
# Forty GPU-hours buy only 20 full trainings, and a grid over five hyperparameters with even
# three values each needs 243, so a grid is out. I would run TPE (seeded, its first ~8 trials
# random) with a pruner that reports validation accuracy every epoch: with successive halving
# at rungs of 2, 4, 8 and 16 epochs and a reduction factor of 2 (or 3), most trials stop
# after 2 to 4 epochs (12 to 24 minutes), so the same budget covers roughly 60 to 80
# configurations instead of 20, far more values of each hyperparameter, which matters when
# only a few of the five matter. The risk is the late bloomer (section 5): a small learning
# rate can look bad after two epochs and be pruned although it would end best; I would hedge
# with Hyperband-style brackets (one bracket that starts at a larger budget), or a gentler
# MedianPruner with a few warm-up epochs, and I would remember that an asynchronous pruner
# judges early trials more leniently. I would keep about 4 GPU-hours to retrain the chosen
# configuration on fit plus validation data, and report its accuracy once on a test set that
# no trial has seen, since the best validation score of the search is optimistically biased.
#
# **Rubric (instructor only):** 4 points. 1 point: the budget arithmetic (20 full trainings;
# a grid of 5 hyperparameters is far too big; an estimate of how many configurations pruning or
# Hyperband affords). 1 point: a strategy fitted to the budget and justified (random or TPE
# rather than grid because few hyperparameters matter; TPE or Bayesian because trials are
# expensive; seeded). 1 point: the early-stopping risk named (late bloomers, the ranking at low
# fidelity may differ, asynchronous pruning favours early trials) with a hedge (Hyperband
# brackets, warm-up steps, a larger minimum budget). 1 point: honest reporting (retrain on fit
# + validation, a test set untouched by the search, the search's best score is biased
# upwards). Half points for a criterion mentioned without justification.

# %% [markdown]
# ## 7. AutoML and neural architecture search
#
# *AutoML* automates the steps of building a model that a person would otherwise tune by
# hand: preprocessing, model choice, hyperparameters, architecture. Its best-known part,
# *neural architecture search* (NAS), treats the network's design itself as the thing to
# search. Every NAS method has three parts:
#
# - a **search space**: which architectures can be expressed at all;
# - a **search strategy**: how to move through that space (grid, random, Bayesian
#   optimization, evolutionary algorithms that mutate and recombine good architectures,
#   reinforcement learning where a controller network learns to propose good ones);
# - a **performance estimation strategy**: how to tell how good a candidate is without
#   paying for full training every time.
#
# ### Search spaces: macro and micro
#
# A *macro* search space describes the whole network layer by layer: the operation of each
# layer and the connections between them. It can express anything, but its size explodes
# with depth. A *micro* (cell-based) space searches one small building block, the *cell*,
# and builds the network by stacking copies of it. The cell found on a small problem can be
# stacked deeper for a larger one, and the space stays small however deep the network is.
#
# ### Exercise 8: how big are the spaces?
#
# Count the architectures in two simple spaces, as Python integers.
#
# - `macro_space_size(num_layers, num_ops)`: a chain of `num_layers` layers, each with one of
#   `num_ops` operations. Layer `i` (for `i = 1 ... num_layers`) always reads layer `i - 1`
#   (layer 0 is the input) and may *also* receive a skip connection from each of the earlier
#   layers `0 ... i - 2`, present or absent independently.
# - `micro_space_size(num_blocks, num_ops)`: a cell of `num_blocks` blocks. Block `j`
#   (`j = 1 ... num_blocks`) picks two inputs, each one of the cell's 2 inputs or one of the
#   `j - 1` earlier blocks, and one of `num_ops` operations to apply to each of its two inputs.
#   The network stacks copies of this one cell, so the number of copies does not matter.

# %% exercise="space_sizes"
def macro_space_size(num_layers, num_ops):
    """Number of architectures in the layer-by-layer (macro) space."""
    ### BEGIN SOLUTION
    optional_skips = num_layers * (num_layers - 1) // 2
    return num_ops**num_layers * 2**optional_skips
    ### END SOLUTION


def micro_space_size(num_blocks, num_ops):
    """Number of different cells in the cell-based (micro) space."""
    ### BEGIN SOLUTION
    size = 1
    for j in range(1, num_blocks + 1):
        size *= ((j + 1) * num_ops) ** 2
    return size
    ### END SOLUTION


# %% tests="space_sizes" points=2
check("macro_space_size(1, 3) (one layer, three operations)", macro_space_size(1, 3), 3,
      hint="one layer has no earlier layer to skip from: just num_ops choices")
check("macro_space_size(3, 2)", macro_space_size(3, 2), 2**3 * 2**3,
      hint="layers 2 and 3 may skip from 1 and 2 earlier layers: 3 optional connections in all")
check("micro_space_size(1, 2)", micro_space_size(1, 2), (2 * 2) ** 2,
      hint="block 1 chooses each of its two inputs among the 2 cell inputs, and an operation for each")
check_that("both sizes to be Python ints", type(macro_space_size(20, 6)) is int and type(micro_space_size(5, 6)) is int,
           got=(type(macro_space_size(20, 6)).__name__, type(micro_space_size(5, 6)).__name__),
           hint="use Python's ** on ints (NumPy integers overflow for spaces this big)")
### BEGIN HIDDEN TESTS
from itertools import product


def brute_macro(num_layers, num_ops):
    slots = [(i, k) for i in range(1, num_layers + 1) for k in range(i - 1)]
    return len(set(product(product(range(num_ops), repeat=num_layers), product([0, 1], repeat=len(slots)))))


def brute_micro(num_blocks, num_ops):
    per_block = [list(product(range(j + 1), range(j + 1), range(num_ops), range(num_ops)))
                 for j in range(1, num_blocks + 1)]
    return sum(1 for _ in product(*per_block))


for layers, ops in [(2, 3), (4, 2), (3, 3)]:
    check(f"macro_space_size({layers}, {ops})", macro_space_size(layers, ops), brute_macro(layers, ops))
for blocks, ops in [(2, 2), (2, 3), (3, 1)]:
    check(f"micro_space_size({blocks}, {ops})", micro_space_size(blocks, ops), brute_micro(blocks, ops))
check_that("exact Python integers for large spaces", type(macro_space_size(20, 6)) is int and
           macro_space_size(20, 6) == 6**20 * 2**190, got=type(macro_space_size(20, 6)).__name__)
check("micro_space_size(5, 6)", micro_space_size(5, 6), (12 * 18 * 24 * 30 * 36) ** 2)
### END HIDDEN TESTS

# %% [markdown]
# With six candidate operations, compare a 20-layer macro space with a five-block cell
# (whatever the number of stacked copies):

# %%
with needs("exercise 8 (`macro_space_size`, `micro_space_size`)"):
    for name, size in [("macro, 20 layers", macro_space_size(20, 6)),
                       ("micro, 5-block cell", micro_space_size(5, 6))]:
        print(f"{name:20s} about 10^{len(str(size)) - 1} architectures")

# %% [markdown]
# ### Cheaper performance estimates
#
# Training every candidate to convergence is what makes NAS expensive (the first
# reinforcement-learning NAS used thousands of GPU-days). Three families of shortcuts:
#
# - **Lower fidelity**: train on a subset of the data, at lower resolution, with fewer
#   epochs or fewer filters, and trust that the *ranking* of candidates survives. It is cheap,
#   but the ranking can change with fidelity, which biases the search.
# - **Learning-curve extrapolation**: watch the first epochs, predict where the curve is
#   heading, and stop the candidates whose prediction is poor (you will build this below).
# - **Weight inheritance and network morphisms**: start a new architecture from the weights
#   of one already trained, changed in a way that keeps the function it computes; training
#   then continues instead of restarting (you will build this too).
#
# Lower fidelity first, on the random search's nine SVC candidates from section 2: score each
# after training on only 100 images and compare the ranking with the full cross-validated one.

# %%
low_fidelity = []
for params in random_search.cv_results_["params"]:
    cheap = SVC(**params).fit(x_fit[:100], y_fit[:100])
    low_fidelity.append(cheap.score(x_val, y_val))
full_fidelity = random_search.cv_results_["mean_test_score"]
rho = spearmanr(low_fidelity, full_fidelity)[0]
print("low fidelity :", np.round(low_fidelity, 3))
print("full fidelity:", np.round(full_fidelity, 3))
print(f"Spearman rank correlation: {rho:.2f}")

# %% [markdown]
# ### Exercise 9: learning-curve extrapolation
#
# Many learning curves are well described by a power law. The simplest, `acc(t) = a + b / t`
# after `t` epochs, is linear in `1 / t`, so a least-squares line fitted to the observed
# points gives `a` and `b`. Write `extrapolate(curve, horizon)`: `curve` holds the validation
# accuracies after epochs 1, 2, ..., k (k >= 2); fit `a + b / t` by least squares
# (`np.polyfit` on `1 / t` or `np.linalg.lstsq`) and return the predicted accuracy after
# `horizon` epochs as a float.

# %% exercise="extrapolate"
def extrapolate(curve, horizon):
    """Predicted accuracy after ``horizon`` epochs from a fit of a + b/t to ``curve``."""
    ### BEGIN SOLUTION
    curve = np.asarray(curve, dtype=float)
    t = np.arange(1, len(curve) + 1)
    b, a = np.polyfit(1.0 / t, curve, 1)
    return float(a + b / horizon)
    ### END SOLUTION


# %% tests="extrapolate" points=2
exact_curve = [0.9 - 0.5 / t for t in range(1, 5)]
check("extrapolate(0.9 - 0.5/t for t = 1..4, horizon=20)", extrapolate(exact_curve, 20), 0.9 - 0.5 / 20,
      rtol=1e-6, hint="fit a line to (1/t, accuracy) and evaluate a + b / horizon")
check("extrapolate of a flat curve", extrapolate([0.7, 0.7, 0.7], 50), 0.7, rtol=1e-6,
      hint="a flat curve has b = 0, so the prediction is the plateau")
check_that("extrapolate to return a Python float", isinstance(extrapolate(exact_curve, 10), float),
           got=type(extrapolate(exact_curve, 10)).__name__, hint="wrap the prediction in float(...)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(7)
for k in [2, 3, 6]:
    a, b = rng.uniform(0.7, 0.95), rng.uniform(-0.6, -0.1)
    noisy = a + b / np.arange(1, k + 1) + (rng.normal(0, 0.01, size=k) if k > 2 else 0)
    slope, intercept = np.polyfit(1.0 / np.arange(1, k + 1), noisy, 1)
    check(f"extrapolate of a {k}-point curve", extrapolate(list(noisy), 30), intercept + slope / 30, rtol=1e-6)
check_that("a Python float", isinstance(extrapolate(exact_curve, 10), float), got=type(extrapolate(exact_curve, 10)))
### END HIDDEN TESTS

# %% [markdown]
# Applied to the synthetic curves of section 5 after three epochs, the predictions are not
# exact (those curves are exponentials, not power laws). Close configurations can swap
# places, and slowly rising curves such as G's are underestimated: the same bias against
# late bloomers that successive halving has. They still separate the clearly weak
# configurations from the strong ones, which is all an early-stopping rule needs ("drop
# every configuration predicted below the best prediction minus a margin").

# %%
with needs("exercise 9 (`extrapolate`)"):
    observed = {config: [curve_score(config, e) for e in (1, 2, 3)] for config in CURVES}
    predicted = {config: extrapolate(points, FULL_EPOCHS) for config, points in observed.items()}
    for config in CURVES:
        print(f"{config}: predicted {predicted[config]:.3f}, actual {full_scores[config]:.3f}")
    print("rank correlation of predicted and actual:",
          round(float(spearmanr(list(predicted.values()), list(full_scores.values()))[0]), 2))

# %% [markdown]
# ### Exercise 10: weight inheritance with a function-preserving morphism
#
# A *network morphism* changes an architecture without changing what it computes, so the
# new network inherits the old one's training. The classic one widens a hidden layer
# (Net2WiderNet, Chen et al. 2016): each new unit is a **copy** of an existing one (same
# incoming weights and bias), and every unit that now appears `n` times has its outgoing
# weights divided by `n`, so the next layer receives exactly the same sum.
#
# Write `widen(W1, b1, W2, new_units, seed=0)` for a layer `h = relu(x @ W1 + b1)` followed by
# `h @ W2`, where `W1` has shape `(inputs, units)`, `b1` `(units,)` and `W2` `(units, outputs)`:
#
# 1. build a `mapping` of length `new_units`: the original indices `0 ... units - 1` in order,
#    followed by `new_units - units` indices drawn with
#    `np.random.default_rng(seed).integers(0, units, size=new_units - units)`;
# 2. return the widened `(W1, b1, W2)`: new unit `j` takes the incoming weights (column of
#    `W1`) and the bias of unit `mapping[j]`, and the outgoing weights (row of `W2`) of that
#    unit divided by the number of times it appears in `mapping` (`np.bincount` counts them).
#
# Raise a `ValueError` when `new_units` is smaller than `units`.

# %% exercise="widen"
def widen(W1, b1, W2, new_units, seed=0):
    """Widen a hidden layer to ``new_units`` units without changing the network's output."""
    ### BEGIN SOLUTION
    units = W1.shape[1]
    if new_units < units:
        raise ValueError(f"cannot widen {units} units to {new_units}")
    extra = np.random.default_rng(seed).integers(0, units, size=new_units - units)
    mapping = np.concatenate([np.arange(units), extra])
    counts = np.bincount(mapping, minlength=units)
    return W1[:, mapping], b1[mapping], W2[mapping] / counts[mapping][:, None]
    ### END SOLUTION


# %% [markdown]
# We try it on the trained baseline from section 1: widen its 32 hidden units to 48, load the
# widened weights into a new, wider Keras model, and compare the predictions.

# %%
with needs("exercise 10 (`widen`)"):
    (W1, b1), (W2, b2) = [layer.get_weights() for layer in baseline.layers]
    wide_W1, wide_b1, wide_W2 = widen(W1, b1, W2, 48)
    wider = build_baseline(units=48)
    wider.layers[0].set_weights([wide_W1, wide_b1])
    wider.layers[1].set_weights([wide_W2.astype("float32"), b2])
    before = keras.ops.convert_to_numpy(baseline(x_test))
    after = keras.ops.convert_to_numpy(wider(x_test))
    print("hidden units:", W1.shape[1], "->", wide_W1.shape[1])
    print("largest change in any predicted probability:", float(np.abs(before - after).max()))

# %% tests="widen" points=2
check("the shapes after widening to 48 units", (wide_W1.shape, wide_b1.shape, wide_W2.shape),
      ((64, 48), (48,), (48, 10)), hint="index W1's columns, b1 and W2's rows with the mapping")
check("the wider model's predictions", after, before, rtol=1e-4, atol=1e-5,
      hint="divide each copied unit's outgoing weights by the number of copies of that unit")
check("the first 32 columns of the widened W1 (the original units, in order)", wide_W1[:, :32], W1,
      hint="the mapping starts with 0, 1, ..., units - 1")
try:
    widen(W1, b1, W2, 16)
    raised_widen = "nothing"
except ValueError:
    raised_widen = "ValueError"
check("what widen raises for new_units=16 < 32", raised_widen, "ValueError")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(8)
sW1, sb1, sW2 = rng.normal(size=(5, 4)), rng.normal(size=4), rng.normal(size=(4, 3))
xs = rng.normal(size=(20, 5))
forward = lambda A, a, B: np.maximum(xs @ A + a, 0) @ B  # noqa: E731
for new_units, seed in [(4, 0), (9, 1), (13, 2)]:
    nW1, nb1, nW2 = widen(sW1, sb1, sW2, new_units, seed=seed)
    check(f"the output after widening 4 -> {new_units} units", forward(nW1, nb1, nW2), forward(sW1, sb1, sW2),
          rtol=1e-9, atol=1e-9)
    check(f"the original units kept in place (4 -> {new_units})", nW1[:, :4], sW1)
    check_that(f"every new unit to copy an existing one (4 -> {new_units})",
               all(any(np.array_equal(nW1[:, j], sW1[:, i]) and nb1[j] == sb1[i] for i in range(4))
                   for j in range(new_units)))
try:
    widen(sW1, sb1, sW2, 3)
    raised = False
except ValueError:
    raised = True
check_that("widen to fewer units to raise ValueError", raised)
### END HIDDEN TESTS

# %% [markdown]
# The wider network starts exactly where the narrow one stopped. In a NAS loop it would now
# train for a few more epochs, using its extra capacity, instead of learning from scratch;
# the copies drift apart as soon as training adds a little noise (dropout, different
# gradients through the copies' different outgoing weights).

# %% [markdown]
# ## What you built
#
# - Parameters are learned; hyperparameters are chosen. Start from sound defaults (ReLU,
#   an output layer that fits the task, a roomy network with early stopping) and search only
#   what matters.
# - For the same budget, random search covers far more values of each hyperparameter than a
#   grid.
# - KerasTuner turns a model-building function into a search space (`hp.Int`, `hp.Choice`)
#   and searches it with random search, Hyperband or Bayesian optimization; seeded tuners in
#   a fresh directory with `overwrite=True` give the same trials on every run.
# - Successive halving, Hyperband's engine, spends most of the budget on promising
#   configurations; Hyperband's brackets hedge against late bloomers.
# - Optuna defines the search space inside an objective function as it runs; a seeded
#   `TPESampler` models where the good trials are, and a pruner (`MedianPruner`, or
#   `SuccessiveHalvingPruner`, the asynchronous successive halving) stops trials from the
#   values they report every epoch. You wrote a prunable objective and used a search to meet
#   an acceptance test under a fixed training budget.
# - NAS searches architectures: macro spaces grow explosively with depth, cell-based micro
#   spaces do not; lower fidelity, learning-curve extrapolation and weight inheritance make
#   each evaluation cheaper.
