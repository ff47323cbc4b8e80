# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 02: Keras APIs
#
# **Description:** the three ways to build a Keras model (Sequential, Functional, subclassing),
# saving and restoring, callbacks, and TensorBoard logs read back in the notebook.
#
# Last week you wrote a network out of bare variables, matrix products and a `GradientTape`.
# Keras packages exactly that: layers own their weights, `compile()` picks the loss and the
# optimizer, and `fit()` runs the training loop you wrote by hand. Keras offers three ways to
# describe a model, from the simplest to the most flexible, and this lab uses each of them on
# small datasets that ship with scikit-learn, so everything runs offline in seconds.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The grader runs more tests
# than the ones you see, on other inputs, so solve the problem rather than the example. Run
# the notebook from top to bottom (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup
#
# `start_lab` fixes every random number generator (Python, NumPy, TensorFlow and Keras) and
# turns on TensorFlow's deterministic operations, so every run trains to the same weights.
# Everything this lab writes (saved models, checkpoints, TensorBoard logs) goes into the
# fresh temporary folder it returns, `WORK_DIR`.

# %%
from course import check, check_that, needs, start_lab  # first: it also quiets TensorFlow's start-up log
from course.data import train_test
from course.plotting import labelled

import os
import tempfile
import time
import zipfile

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import layers

WORK_DIR = start_lab("lab02", seed=42)  # also hides TensorFlow's "retracing" notices: this lab builds many small models
print("Keras", keras.__version__, "on TensorFlow", tf.__version__)
print("this lab writes its files under", WORK_DIR)

# %% [markdown]
# ## 1. The Sequential API: an image classifier
#
# A `keras.Sequential` model is a plain stack: each layer takes the previous layer's output
# as its only input. That covers a surprising number of models. Our first one classifies
# scikit-learn's 8x8 handwritten digits (1,797 images, bundled with the library). The
# pixels arrive scaled to [0, 1]; we reshape each row of 64 values back into an 8x8 image so
# the model takes images, as a real image classifier would.

# %%
x_train, x_test, y_train, y_test = train_test("digits")
images_train, images_test = x_train.reshape(-1, 8, 8), x_test.reshape(-1, 8, 8)
print("train images:", images_train.shape, "test images:", images_test.shape)
print("classes:", np.unique(y_train))

# %% [markdown]
# `keras.Input` declares the shape of one example (the batch dimension is left out).
# `Flatten` turns each 8x8 image into a vector of 64 numbers, one hidden `Dense` layer learns
# features, and the last layer has one unit per class with a softmax, so each output row is a
# probability distribution over the ten digits. Because the input shape is known, Keras
# creates every weight at once and `summary()` can report the shapes and parameter counts
# before any data has been seen.

# %%
classifier = keras.Sequential([
    keras.Input(shape=(8, 8)),
    layers.Flatten(),
    layers.Dense(64, activation="relu"),
    layers.Dense(10, activation="softmax"),
], name="digit_classifier")
classifier.summary()

# %% [markdown]
# `compile()` chooses how to train: the optimizer, the loss (integer labels with a softmax
# output call for `sparse_categorical_crossentropy`) and the metrics to report. `fit()` then
# trains. With `validation_split=0.2` Keras holds out the **last** 20% of the training
# arrays, never trains on them, and reports the loss and metrics on them after each epoch;
# these are the `val_` entries of the returned `History`.

# %%
classifier.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = classifier.fit(images_train, y_train, validation_split=0.2, epochs=10, batch_size=32, verbose=0)
print("recorded per epoch:", sorted(history.history))
print("last epoch:", {name: round(values[-1], 3) for name, values in history.history.items()})

# %% [markdown]
# `evaluate()` measures the loss and the metrics on data the model has never seen, and
# `predict()` returns the raw outputs: here ten probabilities per image. The predicted class
# is the most probable one.

# %%
test_loss, test_accuracy = classifier.evaluate(images_test, y_test, verbose=0)
print(f"test loss {test_loss:.3f}, test accuracy {test_accuracy:.3f}")

probabilities = classifier.predict(images_test[:5], verbose=0)
print("probabilities of the first image:", probabilities[0].round(3))
print("each row sums to one:", probabilities.sum(axis=1).round(4))
print("predicted:", probabilities.argmax(axis=1), "true:", y_test[:5])

# %% [markdown]
# ### Reading learning curves
#
# The history holds one value per epoch for each loss and metric. Plotting the training and
# validation curves together is the first diagnosis of any training run: when both fall, the
# model is still learning; when the training loss keeps falling while the validation loss
# turns up, the model has started to memorise the training set (overfitting, lab 04).

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.8))
epochs = np.arange(1, len(history.history["loss"]) + 1)
for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
    ax.plot(epochs, history.history[metric], label="training")
    ax.plot(epochs, history.history[f"val_{metric}"], "--", label="validation")
    ax.legend()
labelled(ax_loss, "Cross-entropy per epoch", "epoch", "loss")
labelled(ax_acc, "Accuracy per epoch", "epoch", "accuracy",
         caption="Both curves improve together for ten epochs: the classifier has not started to overfit.")
plt.show()

# %% [markdown]
# ### Exercise 1: the best epoch
#
# Write `best_epoch(history, monitor="val_loss", mode="auto")` that returns the **1-based**
# number of the epoch where `monitor` was best. `history` is either a Keras `History` object
# or its `.history` dictionary. With `mode="min"` the smallest value is best, with
# `mode="max"` the largest. With `mode="auto"` follow the classic Keras convention: a
# quantity whose name contains `"acc"` (accuracy) is best when largest, anything else
# (losses, and errors such as `mae`) when smallest. On a tie, return the earliest epoch.
# Return a Python `int`.

# %% exercise="best_epoch"
def best_epoch(history, monitor="val_loss", mode="auto"):
    """1-based epoch at which ``monitor`` was best ("auto": max for accuracies, min otherwise)."""
    ### BEGIN SOLUTION
    logs = getattr(history, "history", history)
    values = np.asarray(logs[monitor], dtype=float)
    if mode == "auto":
        mode = "max" if "acc" in monitor else "min"
    index = np.argmax(values) if mode == "max" else np.argmin(values)
    return int(index) + 1
    ### END SOLUTION


print("best validation loss at epoch", best_epoch(history))

# %% tests="best_epoch" points=1
check("best_epoch({'val_loss': [0.9, 0.4, 0.6]})", best_epoch({"val_loss": [0.9, 0.4, 0.6]}), 2,
      hint="epochs are numbered from 1: the smallest loss is at index 1, which is epoch 2")
check("best_epoch(history) of the digit classifier", best_epoch(history),
      int(np.argmin(history.history["val_loss"])) + 1,
      hint="accept a History object too: its values are in history.history")
toy_curves = {"val_loss": [1.1, 0.6, 0.6, 0.7], "val_accuracy": [0.4, 0.8, 0.8, 0.75]}
check("best_epoch(toy_curves, 'val_loss') with a tie at epochs 2 and 3", best_epoch(toy_curves, "val_loss"), 2,
      hint="on a tie the earliest epoch wins: np.argmin and np.argmax return the first best index")
check("best_epoch(toy_curves, 'val_accuracy'): 'acc' in the name, so larger is better",
      best_epoch(toy_curves, "val_accuracy"), 2, hint="mode='auto' looks for 'acc' in the monitored name")
check("best_epoch(toy_curves, 'val_accuracy', mode='min')", best_epoch(toy_curves, "val_accuracy", mode="min"), 1,
      hint="an explicit mode overrides the name: 'min' picks the smallest value")
check("the type of best_epoch's result", type(best_epoch(toy_curves, "val_loss")).__name__, "int",
      hint="np.argmin returns a NumPy integer: return int(...) + 1")
### BEGIN HIDDEN TESTS
curves = {"loss": [1.0, 0.5, 0.2, 0.1], "val_loss": [1.1, 0.6, 0.6, 0.7],
          "accuracy": [0.5, 0.7, 0.9, 0.95], "val_accuracy": [0.4, 0.8, 0.8, 0.75]}
check("best_epoch(curves, 'loss')", best_epoch(curves, "loss"), 4)
check("best_epoch(curves, 'accuracy', mode='max')", best_epoch(curves, "accuracy", mode="max"), 4)
rng = np.random.default_rng(7)
random_curve = {"val_mae": list(rng.uniform(size=12))}
check("best_epoch on a random 'val_mae' curve (an error: smaller is best)", best_epoch(random_curve, "val_mae"),
      int(np.argmin(random_curve["val_mae"])) + 1)
check("best_epoch(curve, 'val_mae', mode='max')", best_epoch(random_curve, "val_mae", mode="max"),
      int(np.argmax(random_curve["val_mae"])) + 1)
check("best_epoch(curves, 'val_accuracy', mode='min')", best_epoch(curves, "val_accuracy", mode="min"), 1)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (a problem): the smallest network that still works
#
# The classifier above has 4,810 parameters. Models that run on a phone or a microcontroller
# (lab 08) have to be small, so how small can this one get? Write `build_small_classifier()`
# that returns a **compiled** Keras model for the 8x8 digit images (input shape `(8, 8)`,
# ten softmax outputs, integer labels, metric `"accuracy"`) such that:
#
# - it has at most **1,000** parameters (`model.count_params()`), and
# - after `fit(images_train, y_train, validation_split=0.2, epochs=10, batch_size=32)` its
#   final validation accuracy is at least **92%**.
#
# The architecture, the activation, the optimizer and its learning rate are yours to choose.
# The check trains a fresh model from your function exactly as above; the grader trains
# another one on all of `images_train` and applies the same 92% bar to the test images.

# %% exercise="small_classifier"
def build_small_classifier():
    """A compiled digit classifier with at most 1,000 parameters."""
    ### BEGIN SOLUTION
    network = keras.Sequential([
        keras.Input(shape=(8, 8)),
        layers.Flatten(),
        layers.Dense(12, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="small_classifier")
    network.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return network
    ### END SOLUTION


# %% tests="small_classifier" points=3
small_model = build_small_classifier()
check_that("at most 1,000 parameters", small_model.count_params() <= 1000, got=small_model.count_params(),
           hint="fewer hidden units: each one costs 64 weights in, one bias and 10 weights out")
check("the output shape for 3 images", small_model.predict(images_test[:3], verbose=0).shape, (3, 10),
      hint="keras.Input(shape=(8, 8)), Flatten, ..., Dense(10, activation='softmax')")
small_history = small_model.fit(images_train, y_train, validation_split=0.2, epochs=10, batch_size=32, verbose=0)
print("final validation accuracy:", round(small_history.history["val_accuracy"][-1], 3))
check_that("a final validation accuracy of at least 0.92", small_history.history["val_accuracy"][-1] >= 0.92,
           got=round(small_history.history["val_accuracy"][-1], 3),
           hint="try a larger learning rate, or spend the parameter budget differently")
### BEGIN HIDDEN TESTS
graded_model = build_small_classifier()
check_that("at most 1,000 parameters (a second model)", graded_model.count_params() <= 1000)
graded_model.fit(images_train, y_train, epochs=10, batch_size=32, verbose=0)
graded_accuracy = graded_model.evaluate(images_test, y_test, verbose=0, return_dict=True)["accuracy"]
check_that("a test accuracy of at least 0.92 after 10 epochs on all the training images", graded_accuracy >= 0.92,
           got=round(graded_accuracy, 3))
print("graded test accuracy:", round(graded_accuracy, 3))
### END HIDDEN TESTS

# %% [markdown]
# ## 2. The Sequential API: a tabular regressor
#
# Regression changes only the head and the loss: the last layer is a single unit with no
# activation (any real number can come out), and the loss is the mean squared error (MSE).
# We use scikit-learn's diabetes table: 442 patients, ten standardised measurements (age,
# sex, body mass index, blood pressure and six blood serum values), and a measure of disease
# progression one year later. We standardise the target too, with the training part's
# statistics, so a model that always predicts the mean has a mean squared error of about 1.
# That model is the baseline every regressor has to beat.

# %%
xd_train, xd_test, yd_train, yd_test = train_test("diabetes")
target_mean, target_std = yd_train.mean(), yd_train.std()
yd_train = ((yd_train - target_mean) / target_std).astype("float32")
yd_test = ((yd_test - target_mean) / target_std).astype("float32")
baseline_mse = float(np.mean((yd_test - yd_train.mean()) ** 2))
print("train:", xd_train.shape, "test:", xd_test.shape)
print(f"test MSE of always predicting the training mean (the baseline): {baseline_mse:.3f}")

# %% [markdown]
# ### Exercise 3 (a problem): a regressor that beats the baseline
#
# Write `fit_regressor(x, y)` that builds a regressor for the table `x` (one row per patient,
# `x.shape[1]` columns) and the standardised target `y`, compiles it, trains it on `(x, y)`
# and returns the **trained** model. The rules:
#
# - it is a `keras.Sequential` model whose input has shape `(x.shape[1],)` and whose
#   `predict` returns one number per row, shape `(rows, 1)`;
# - it has at most **500** parameters (`model.count_params()`);
# - it was trained with `fit()` for at most **40** epochs: Keras keeps the `History` of the
#   last `fit()` as `model.history`, and the check counts its epochs, `len(model.history.epoch)`;
# - on rows it never saw, its mean squared error is at most **0.75 times the baseline's**
#   (the MSE of always predicting the mean of `y`).
#
# The layers, activations, optimizer, learning rate, batch size, number of epochs and any
# callbacks are yours to choose. Your function only ever sees training rows. The check
# calls `fit_regressor(xd_train, yd_train)` and measures the model on the test rows; the
# grader calls it again on another random split of the diabetes table, without its first
# two columns, and measures on that split's test rows against a bar of **0.85 times** its
# baseline (one split's test rows are few, so its ratio moves by a few hundredths). Leave
# some margin anyway: 331 rows are few, and a network that is too large or trained too hard
# learns their noise.

# %% exercise="regressor"
def fit_regressor(x, y):
    """A trained keras.Sequential regressor for the table x and the target y."""
    ### BEGIN SOLUTION
    net = keras.Sequential([
        keras.Input(shape=(x.shape[1],)),
        layers.Dense(8, activation="relu"),
        layers.Dense(1),
    ], name="regressor")
    net.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    net.fit(x, y, epochs=20, batch_size=32, verbose=0)
    return net
    ### END SOLUTION


# %% tests="regressor" points=2
def standardised_diabetes(seed, columns=slice(None)):
    """A diabetes split with the target standardised by its training part; features limited to ``columns``."""
    x_a, x_b, y_a, y_b = train_test("diabetes", seed=seed)
    mean, std = y_a.mean(), y_a.std()
    return x_a[:, columns], x_b[:, columns], ((y_a - mean) / std).astype("float32"), ((y_b - mean) / std).astype("float32")


def check_regressor(model, x_fit, y_fit, x_held_out, y_held_out, where, bar=0.75):
    """Check every rule of exercise 3 on a model that fit_regressor(x_fit, y_fit) returned."""
    check_that(f"fit_regressor to return a keras.Sequential model ({where})", isinstance(model, keras.Sequential),
               got=type(model), hint="build the model with keras.Sequential([...]), compile and fit it, return it")
    check(f"the shape of the predictions for 5 rows ({where})", model.predict(x_held_out[:5], verbose=0).shape,
          (5, 1), hint="start with keras.Input(shape=(x.shape[1],)) and end with Dense(1), no activation")
    check_that(f"at most 500 parameters ({where})", model.count_params() <= 500, got=model.count_params(),
               hint="fewer or narrower hidden layers: a Dense(n) on 10 features costs 11 * n parameters")
    trained = model.history.epoch if getattr(model, "history", None) is not None else []
    check_that(f"a model trained with fit() for 1 to 40 epochs ({where})", 1 <= len(trained) <= 40,
               got=f"{len(trained)} epochs in model.history",
               hint="call model.fit(x, y, epochs=..., verbose=0) with at most 40 epochs before returning the model")
    mse = float(np.mean((model.predict(x_held_out, verbose=0)[:, 0] - y_held_out) ** 2))
    baseline = float(np.mean((y_held_out - y_fit.mean()) ** 2))
    print(f"{where}: held-out MSE {mse:.3f} = {mse / baseline:.2f} x the baseline's {baseline:.3f} (bar: {bar} x)")
    check_that(f"a held-out MSE of at most {bar} x the baseline's ({where})", mse <= bar * baseline,
               got=f"{mse:.3f}, which is {mse / baseline:.2f} x the baseline's {baseline:.3f}",
               hint=f"above 1 x it has not learned (more epochs or a larger learning rate); between {bar} and 1 x, "
                    "make sure the last layer is Dense(1) with no activation, then fit the 331 rows less hard "
                    "(a smaller network, fewer epochs or early stopping)")


keras.utils.set_random_seed(0)  # the same model every time this cell runs
regressor = fit_regressor(xd_train, yd_train)
check_regressor(regressor, xd_train, yd_train, xd_test, yd_test, "the test rows of this lab's split")
### BEGIN HIDDEN TESTS
other_fit, other_held_out, other_y_fit, other_y_held_out = standardised_diabetes(seed=3, columns=slice(2, None))
keras.utils.set_random_seed(0)  # grading twice trains the same model
check_regressor(fit_regressor(other_fit, other_y_fit), other_fit, other_y_fit, other_held_out, other_y_held_out,
                "another split, 8 columns", bar=0.85)
### END HIDDEN TESTS

# %% [markdown]
# Here is the regressor the check just trained, `regressor`, on the test rows. The left panel
# is its training loss, read from `model.history`; on the right, each dot is a test patient,
# and a perfect model would put every dot on the diagonal.

# %%
with needs("exercise 3 (`fit_regressor`)"):
    regressor_predictions = regressor.predict(xd_test, verbose=0)[:, 0]
    regressor_mse = float(np.mean((regressor_predictions - yd_test) ** 2))
    training_losses = regressor.history.history["loss"] if getattr(regressor, "history", None) is not None else []
    print(f"{regressor.count_params()} parameters, {len(training_losses)} epochs; test MSE "
          f"{regressor_mse:.3f} = {regressor_mse / baseline_mse:.2f} x the baseline's {baseline_mse:.3f}")
    fig, (ax_curve, ax_scatter) = plt.subplots(1, 2, figsize=(10, 3.8))
    ax_curve.plot(np.arange(1, len(training_losses) + 1), training_losses, marker="o")
    labelled(ax_curve, "Training loss of your regressor", "epoch", "mean squared error (training rows)")
    ax_scatter.scatter(yd_test, regressor_predictions, s=12, alpha=0.7)
    ax_scatter.plot([-2.5, 2.5], [-2.5, 2.5], ":", color="grey", label="perfect prediction")
    ax_scatter.legend()
    labelled(ax_scatter, "Predicted against true progression (test rows)", "true (standardised)",
             "predicted (standardised)",
             caption="The dots follow the diagonal loosely: ten measurements explain only part of the progression.")
    plt.show()


# %% [markdown]
# ## 3. The Functional API: models that are graphs
#
# Sequential models are chains. Many useful models are not: a layer may take two inputs, a
# model may produce two outputs, the raw input may skip past the hidden layers, a layer may
# be shared by two branches. The Functional API describes any such directed acyclic graph of
# layers. You call layers on symbolic tensors, starting from `keras.Input`, and then wrap the
# inputs and outputs in a `keras.Model`.
#
# The classic example is *wide and deep* (Cheng et al., 2016): a deep path learns
# combinations of the features, while a wide path hands the raw features straight to the
# output, so simple linear patterns do not have to survive the trip through the hidden
# layers. Here is a single-input version. The skip connection, the input used twice, is
# already something `Sequential` cannot express.

# %%
features = keras.Input(shape=(10,), name="features")
hidden = layers.Dense(16, activation="relu")(features)
hidden = layers.Dense(16, activation="relu")(hidden)
joined = layers.Concatenate()([features, hidden])  # the raw features skip the hidden layers
prediction = layers.Dense(1, name="prediction")(joined)
skip_model = keras.Model(inputs=features, outputs=prediction, name="wide_and_deep_one_input")
skip_model.summary()

# %% [markdown]
# The `Connected to` column of the summary is the graph: the concatenation reads from both
# the input layer and the second dense layer. Because the graph is declared before any data
# flows, Keras checks shapes while you build it. Joining two tensors whose shapes cannot
# match fails at once, at the line with the mistake, instead of in the middle of training:

# %%
try:
    layers.Add()([keras.Input(shape=(4,)), keras.Input(shape=(5,))])
except ValueError as error:
    print("caught while building the graph:", str(error).splitlines()[0][:110])

# %% [markdown]
# ### Several inputs and several outputs
#
# Real tables often come in groups of features: a few that act directly on the target (the
# wide part), and many that interact (the deep part). The Functional API gives each group
# its own `Input`. A model can also have several outputs: an *auxiliary* head attached to
# the deep path alone is a common regulariser, since it forces the deep features to be
# useful on their own. Each output gets its own loss, and `loss_weights` say how much each
# counts in the total the optimizer minimises: `total = 0.9 * main_loss + 0.1 * aux_loss`.
#
# For the diabetes table we use body mass index, blood pressure and the serum value `s5`
# (columns 2, 3 and 8, the strongest single predictors) as the wide input and all ten
# columns as the deep input.

# %%
WIDE_COLUMNS = [2, 3, 8]
wide_train, wide_test = xd_train[:, WIDE_COLUMNS], xd_test[:, WIDE_COLUMNS]
print("wide input:", wide_train.shape, "deep input:", xd_train.shape)

# %% [markdown]
# ### Exercise 4 (a problem): wire a wide-and-deep model
#
# Write `build_wide_and_deep(n_wide, n_deep)` that returns a **compiled** Functional
# `keras.Model` with two inputs and two outputs. How deep and how wide the deep path is, its
# activations, the optimizer and the learning rate are yours to choose; the rules are about
# how the layers are wired. A *route* is a chain of layers, each reading the output of the
# one before it: exactly what the `Connected to` column of `summary()` shows, and what the
# check reads from the model's graph (`model.get_config()`).
#
# 1. **Inputs:** `keras.Input(shape=(n_wide,), name="wide")` and
#    `keras.Input(shape=(n_deep,), name="deep")`, passed to `keras.Model` as the list
#    `[wide, deep]`.
# 2. **Outputs:** one number per row each, made by layers named `"main"` and `"aux"`, passed
#    as the list `[main, aux]`.
# 3. **The wide path skips the hidden layers:** every route from `wide` to `main` crosses
#    exactly one layer with weights, a `Dense` layer with no activation (usually `main`
#    itself); any other layer on the way has no weights (`Concatenate`, `Add`, ...).
# 4. **The deep path is deep:** some route from `deep` to `main` crosses at least two layers
#    with weights, a hidden layer (or several) and then the output.
# 5. **The auxiliary head sees the deep path only:** no route leads from `wide` to `aux`.
# 6. **Compiled** with a loss for each output and `loss_weights` that weigh `main` more than
#    `aux`.
# 7. **It learns:** a fresh model trained with
#    `fit([wide_train, xd_train], [yd_train, yd_train], epochs=20, batch_size=32)` reaches,
#    on the `main` output, a test MSE of at most **0.75 times the baseline's**.
#
# The grader checks rules 1 to 5 on models of other sizes as well, and rule 7 on another
# random split of the diabetes table, where the bar is 0.85 times that split's baseline.

# %% exercise="wide_and_deep"
def build_wide_and_deep(n_wide, n_deep):
    """A compiled two-input, two-output wide-and-deep regressor."""
    ### BEGIN SOLUTION
    wide = keras.Input(shape=(n_wide,), name="wide")
    deep = keras.Input(shape=(n_deep,), name="deep")
    deep_path = layers.Dense(8, activation="relu")(deep)
    deep_path = layers.Dense(8, activation="relu")(deep_path)
    main = layers.Dense(1, name="main")(layers.Concatenate()([wide, deep_path]))
    aux = layers.Dense(1, name="aux")(deep_path)
    model = keras.Model(inputs=[wide, deep], outputs=[main, aux], name="wide_and_deep")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=["mse", "mse"],
                  loss_weights=[0.9, 0.1], metrics=[["mae"], ["mae"]])
    return model
    ### END SOLUTION


# %% tests="wide_and_deep" points=3
def layer_graph(model):
    """{layer name: the names of the layers it reads from}, from a Functional model's config."""
    def sources(value):
        if isinstance(value, dict):
            if "keras_history" in value:
                yield value["keras_history"][0]
            for item in value.values():
                yield from sources(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from sources(item)
    return {layer["name"]: set(sources(layer["inbound_nodes"])) for layer in model.get_config()["layers"]}


def routes(graph, start, end):
    """Every route (list of layer names) from the layer ``start`` to the layer ``end``."""
    if end == start:
        return [[start]]
    return [route + [end] for parent in sorted(graph.get(end, ())) for route in routes(graph, start, parent)]


def has_weights(model, name):
    operation = {op.name: op for op in model.operations}.get(name)
    return isinstance(operation, keras.layers.Layer) and len(operation.weights) > 0


def linear_dense(model, name):
    operation = {op.name: op for op in model.operations}.get(name)
    return isinstance(operation, layers.Dense) and operation.get_config()["activation"] == "linear"


def shown(model, route):
    """A route as text: each layer with its class, its activation and whether it has weights."""
    operations = {op.name: op for op in model.operations}
    parts = []
    for name in route:
        details = [type(operations[name]).__name__] if name in operations else []
        if isinstance(operations.get(name), layers.Dense):
            details.append(operations[name].get_config()["activation"])
        if has_weights(model, name):
            details.append("has weights")
        parts.append(f"{name} ({', '.join(details)})" if details else name)
    return " -> ".join(parts)


def check_wiring(model, n_wide, n_deep):
    """Rules 1 to 5 of exercise 4 on a model built by build_wide_and_deep(n_wide, n_deep)."""
    size = f"build_wide_and_deep({n_wide}, {n_deep})"
    check_that(f"{size} to return a Functional keras.Model",
               isinstance(model, keras.Model) and not isinstance(model, keras.Sequential)
               and "layers" in model.get_config(), got=type(model),
               hint="call layers on keras.Input tensors, then keras.Model(inputs=[wide, deep], outputs=[main, aux])")
    check(f"the names of the inputs of {size}", [tensor.name for tensor in model.inputs], ["wide", "deep"],
          hint="keras.Input(shape=(n_wide,), name='wide') and keras.Input(shape=(n_deep,), name='deep'), in that order")
    check(f"the names of the outputs of {size}", list(model.output_names), ["main", "aux"],
          hint="name the two output layers 'main' and 'aux' and pass outputs=[main, aux]")
    rng = np.random.default_rng(n_wide + n_deep)
    wide_probe = rng.normal(size=(4, n_wide)).astype("float32")
    deep_probe = rng.normal(size=(4, n_deep)).astype("float32")
    outputs = model.predict([wide_probe, deep_probe], verbose=0)
    check(f"the shapes of the two outputs of {size} for 4 rows", [np.shape(out) for out in outputs], [(4, 1), (4, 1)],
          hint="each head is a layer with one unit, e.g. Dense(1)")
    graph = layer_graph(model)
    wide_routes = routes(graph, "wide", "main")
    check_that(f"a route from the wide input to main ({size})", len(wide_routes) > 0, got=sorted(graph),
               hint="feed the wide input into main, e.g. main = Dense(1)(Concatenate()([wide, deep_path]))")
    for route in wide_routes:
        crossed = [name for name in route[1:] if has_weights(model, name)]
        check_that(f"the wide route to cross exactly one layer with weights, a Dense with no activation ({size})",
                   len(crossed) == 1 and linear_dense(model, crossed[0]), got=shown(model, route),
                   hint="the wide features must skip the hidden layers: join them with the deep path "
                        "(Concatenate) right before the output layer")
    deep_weights = [sum(has_weights(model, name) for name in route[1:]) for route in routes(graph, "deep", "main")]
    check_that(f"a route from deep to main across at least two layers with weights ({size})",
               max(deep_weights, default=0) >= 2,
               got=[shown(model, route) for route in routes(graph, "deep", "main")] or "no route from deep to main",
               hint="put at least one hidden Dense layer on the deep input before it reaches the output")
    check_that(f"no route from the wide input to aux ({size})", not routes(graph, "wide", "aux"),
               got=[shown(model, route) for route in routes(graph, "wide", "aux")],
               hint="attach aux to the deep path alone, not to the concatenation")


def loss_weight_pair(model):
    """The compiled loss weights as [main, aux] (None when there are none)."""
    weights = model.get_compile_config().get("loss_weights") if model.compiled else None
    if isinstance(weights, dict):
        return [weights.get("main"), weights.get("aux")]
    return list(weights) if isinstance(weights, (list, tuple)) else None


def check_training(model, split, where, bar=0.75):
    """Rules 6 and 7 on a fresh model: main weighted more than aux; main test MSE at most ``bar`` x the baseline."""
    x_fit, x_held_out, y_fit, y_held_out = split
    pair = loss_weight_pair(model)
    check_that("a compiled model whose loss_weights weigh main more than aux",
               pair is not None and len(pair) == 2 and None not in pair and pair[0] > pair[1],
               got=pair if pair is not None else "no loss_weights in compile()",
               hint="compile(..., loss=['mse', 'mse'], loss_weights=[0.9, 0.1]): any pair with main's weight larger")
    try:
        model.fit([x_fit[:, WIDE_COLUMNS], x_fit], [y_fit, y_fit], epochs=20, batch_size=32, verbose=0)
    except ValueError as error:
        check_that("fit([wide, deep], [y, y], epochs=20, batch_size=32) to run", False, got=str(error).splitlines()[0],
                   hint="give compile() one loss per output, e.g. loss=['mse', 'mse']")
    main_out = model.predict([x_held_out[:, WIDE_COLUMNS], x_held_out], verbose=0)[0][:, 0]
    mse = float(np.mean((main_out - y_held_out) ** 2))
    baseline = float(np.mean((y_held_out - y_fit.mean()) ** 2))
    print(f"{where}: main-output MSE {mse:.3f} = {mse / baseline:.2f} x the baseline's {baseline:.3f} (bar: {bar} x)")
    check_that(f"a main-output MSE of at most {bar} x the baseline's ({where})", mse <= bar * baseline,
               got=f"{mse:.3f}, which is {mse / baseline:.2f} x the baseline's {baseline:.3f}",
               hint=f"above 1 x it has not learned (a larger learning rate); between {bar} and 1 x it may fit the "
                    "noise of 331 rows (fewer or narrower hidden layers)")


check_wiring(build_wide_and_deep(3, 10), 3, 10)
keras.utils.set_random_seed(0)  # the same model every time this cell runs
wide_and_deep = build_wide_and_deep(len(WIDE_COLUMNS), xd_train.shape[1])
check_training(wide_and_deep, (xd_train, xd_test, yd_train, yd_test), "the test rows of this lab's split")
### BEGIN HIDDEN TESTS
check_wiring(build_wide_and_deep(2, 7), 2, 7)
probe_wd = build_wide_and_deep(2, 7)
rng = np.random.default_rng(11)
wide_probe = rng.normal(size=(6, 2)).astype("float32")
deep_probe = rng.normal(size=(6, 7)).astype("float32")
main_a, aux_a = probe_wd.predict([wide_probe, deep_probe], verbose=0)
main_b, aux_b = probe_wd.predict([wide_probe + 3.0, deep_probe], verbose=0)
check("the aux output when only the wide input changes (no route from wide to aux)", aux_b, aux_a, atol=1e-6)
check_that("the main output to change when the wide input changes", np.max(np.abs(main_b - main_a)) > 1e-4,
           got=np.max(np.abs(main_b - main_a)))
keras.utils.set_random_seed(0)  # grading twice trains the same model
check_training(build_wide_and_deep(len(WIDE_COLUMNS), 10), standardised_diabetes(seed=3), "another split",
               bar=0.85)
### END HIDDEN TESTS

# %% [markdown]
# The check trained a fresh model, `wide_and_deep`, with
# `fit([wide_train, xd_train], [yd_train, yd_train], ...)`: a model with two inputs takes a
# list of two arrays, one with two outputs a list of two targets (here the same target
# twice), and `predict` returns a list of two predictions. The summary shows the routes of
# your model in its `Connected to` column.

# %%
with needs("exercise 4 (`build_wide_and_deep`)"):
    wide_and_deep.summary()
    main_prediction, aux_prediction = wide_and_deep.predict([wide_test, xd_test], verbose=0)
    print("prediction shapes:", main_prediction.shape, aux_prediction.shape)
    for head, predicted in (("main", main_prediction), ("aux", aux_prediction)):
        head_mse = float(np.mean((predicted[:, 0] - yd_test) ** 2))
        print(f"{head} output: test MSE {head_mse:.3f} = {head_mse / baseline_mse:.2f} x the baseline's")


# %% [markdown]
# ## 4. The Subclassing API: models with behaviour
#
# Sequential and Functional models are *declarations*: you state the layers and how they
# connect, and only then does data flow. That is why Keras can print, check, save and clone
# them so easily. Some models, though, need code: a loop whose length is chosen per call, a
# branch that depends on an argument, operations no layer provides. For those you subclass
# `keras.Model`: create the layers in `__init__` and write the computation in `call()`, with
# ordinary Python.
#
# This regressor takes a `deep` argument at call time. With `deep=True` the input goes
# through a hidden layer; with `deep=False` the model is a linear regression. The branch is a
# Python `if`, evaluated every time the model is called.

# %% tags=["teaches-warning"]
class SwitchableRegressor(keras.Model):
    """A regressor that is a one-hidden-layer MLP or a linear model, chosen per call."""

    def __init__(self, units=16, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = layers.Dense(units, activation="relu")
        self.deep_head = layers.Dense(1)
        self.linear_head = layers.Dense(1)

    def call(self, inputs, deep=True):
        if deep:
            return self.deep_head(self.hidden(inputs))
        return self.linear_head(inputs)


switchable = SwitchableRegressor(units=8)
print("deep:", switchable(xd_test[:2], deep=True).numpy().ravel())
print("linear:", switchable(xd_test[:2], deep=False).numpy().ravel())

# %% [markdown]
# ### What the flexibility costs
#
# Keras cannot read the Python inside `call()`, so several things the declarative APIs give
# for free are gone:
#
# - **The summary knows less.** A subclassed model has no graph, so there is no `Connected
#   to` column, and a layer's weights exist only once a call has used it. Below, a fresh
#   model called in deep mode only has an unbuilt linear head.
# - **No static shape checks.** Mistakes surface when data first flows through `call()`,
#   not when the model is defined.
# - **Cloning and saving need your help.** `keras.models.clone_model` rebuilds a model from
#   `get_config()`. Keras 3 guesses that configuration from the constructor's *default*
#   arguments unless you write `get_config()` yourself, so the clone below silently gets
#   16 units instead of 8. Loading a saved model also needs the class registered with
#   `@keras.saving.register_keras_serializable()`.
#
# Keras even says so: the first call of a subclassed model that has no `build()` method
# prints a `UserWarning` that it "looks like it has unbuilt state". Here the warning is
# harmless, because each `Dense` layer creates its own weights the first time it is used.

# %% tags=["teaches-warning"]
fresh = SwitchableRegressor(units=8, name="switchable")
fresh(xd_test[:2], deep=True)
fresh.summary()

# %%
class BrokenResidual(keras.Model):
    """Adds a 5-unit layer's output to a 4-feature input: a shape bug."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(5)

    def call(self, inputs):
        return inputs + self.dense(inputs)


broken = BrokenResidual()  # defining it raises nothing
try:
    broken(np.ones((2, 4), dtype="float32"))
except Exception as error:  # the error only appears at the first call
    print("caught at the first call:", type(error).__name__)

clone = keras.models.clone_model(switchable)
print("units of the original:", switchable.units, "| units of its clone:", clone.units)

# %% [markdown]
# ### Exercise 5: a model that repeats a block
#
# Complete `RepeatedBlock`, a subclassed model whose depth is chosen at call time. It holds
# three `Dense` layers, created in `__init__` and stored as attributes with these names:
#
# - `self.entry = Dense(units, activation="relu")`, applied once to the input;
# - `self.block = Dense(units, activation="relu")`, applied `repeats` times with a residual
#   connection (the block's output is added to its input, `h + self.block(h)`, and the sum
#   becomes the new `h`), the **same** layer (and weights) each time;
# - `self.head = Dense(n_outputs)`, applied once at the end.
#
# `call(inputs, repeats=None)` uses the `repeats` given at call time, or the constructor's
# `repeats` when it is `None`; `repeats=0` skips the block. Store `units`, `n_outputs` and
# `repeats` as attributes and write `get_config()` so that a clone (and a reloaded copy) gets
# the same sizes: return `super().get_config()` updated with those three values. The
# decorator that registers the class for saving is already there.

# %% exercise="repeated_block"
@keras.saving.register_keras_serializable(package="lab02")
class RepeatedBlock(keras.Model):
    """entry -> (h + block(h)) repeated -> head, with one shared block layer."""

    def __init__(self, units=16, n_outputs=1, repeats=2, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        self.units, self.n_outputs, self.repeats = units, n_outputs, repeats
        self.entry = layers.Dense(units, activation="relu")
        self.block = layers.Dense(units, activation="relu")
        self.head = layers.Dense(n_outputs)
        ### END SOLUTION

    def call(self, inputs, repeats=None):
        ### BEGIN SOLUTION
        repeats = self.repeats if repeats is None else repeats
        h = self.entry(inputs)
        for _ in range(repeats):
            h = h + self.block(h)
        return self.head(h)
        ### END SOLUTION

    def get_config(self):
        ### BEGIN SOLUTION
        config = super().get_config()
        config.update(units=self.units, n_outputs=self.n_outputs, repeats=self.repeats)
        return config
        ### END SOLUTION


# %% [markdown]
# One set of weights, several depths: the same model computes different functions depending
# on how many times the block runs.

# %% tags=["teaches-warning"]
with needs("exercise 5 (`RepeatedBlock`)"):
    stack = RepeatedBlock(units=8, repeats=2)
    for depth in range(4):
        print(f"repeats={depth}:", stack(xd_test[:3], repeats=depth).numpy().ravel().round(3))
    print("weight tensors:", len(stack.trainable_weights))

# %% tests="repeated_block" points=3
def repeated_block_reference(model, x, repeats):
    """What RepeatedBlock should compute, in NumPy, from the model's own weights."""
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    (w_entry, b_entry), (w_block, b_block), (w_head, b_head) = (
        [v.numpy() for v in layer.weights] for layer in (model.entry, model.block, model.head))
    h = relu(x @ w_entry + b_entry)
    for _ in range(repeats):
        h = h + relu(h @ w_block + b_block)
    return h @ w_head + b_head


probe_block = RepeatedBlock(units=8, n_outputs=3, repeats=2)
probe_x = np.random.default_rng(4).normal(size=(5, 6)).astype("float32")
check("the output shape of RepeatedBlock(units=8, n_outputs=3)", tuple(probe_block(probe_x).shape), (5, 3),
      hint="the head is Dense(n_outputs)")
check("the number of weight tensors (three Dense layers, whatever the depth)", len(probe_block.trainable_weights), 6,
      hint="create the three layers once, in __init__, and reuse self.block in the loop")
check("the output with repeats=2", probe_block(probe_x), repeated_block_reference(probe_block, probe_x, 2),
      rtol=1e-4, atol=1e-5, hint="apply entry once, then add self.block(h) to h, repeats times, then head")
check("the units of a clone of RepeatedBlock(units=8, ...)", keras.models.clone_model(probe_block).units, 8,
      hint="get_config() must return super().get_config() updated with units, n_outputs and repeats")
### BEGIN HIDDEN TESTS
for depth in (0, 1, 4):
    check(f"the output with repeats={depth} given at call time", probe_block(probe_x, repeats=depth),
          repeated_block_reference(probe_block, probe_x, depth), rtol=1e-4, atol=1e-5)
clone_block = keras.models.clone_model(probe_block)
check("the config of a clone", (clone_block.units, clone_block.n_outputs, clone_block.repeats), (8, 3, 2))
check("the default depth of RepeatedBlock(repeats=3)", RepeatedBlock(units=4, repeats=3).repeats, 3)
saved_block = os.path.join(tempfile.mkdtemp(dir=WORK_DIR), "block.keras")
probe_block.save(saved_block)
reloaded_block = keras.models.load_model(saved_block)
check("predictions of a saved and reloaded RepeatedBlock", reloaded_block(probe_x), probe_block(probe_x), atol=0)
### END HIDDEN TESTS

# %% [markdown]
# Unless you need that flexibility, prefer the Sequential or Functional API: you keep the
# summary, the shape checks and painless saving. Subclassing is the tool for research code
# and for models whose structure truly depends on the data or on arguments.
#
# ## 5. Saving and restoring
#
# `model.save("name.keras")` writes the whole model into one file: the architecture (the
# configuration of every layer), the weights, and the compile settings together with the
# optimizer's state, so training can resume where it stopped. `keras.models.load_model`
# rebuilds it. The `.keras` file is an ordinary zip archive:

# %%
classifier_path = os.path.join(WORK_DIR, "digit_classifier.keras")
classifier.save(classifier_path)
with zipfile.ZipFile(classifier_path) as archive:
    print("inside the archive:", archive.namelist())

restored = keras.models.load_model(classifier_path)
same = np.array_equal(restored.predict(images_test, verbose=0), classifier.predict(images_test, verbose=0))
print("identical predictions after reloading:", same)
print("optimizer steps taken, before and after:", int(classifier.optimizer.iterations), int(restored.optimizer.iterations))

# %% [markdown]
# Older tutorials save to HDF5 (`.h5`) or to TensorFlow's SavedModel folder; in Keras 3 the
# native `.keras` format is the one to use for saving and reloading, and `model.export()`
# produces a SavedModel for serving (lab 12). Weights alone can be saved with
# `save_weights("name.weights.h5")` when the code that builds the model is at hand.
#
# ### Exercise 6: save, reload, compare
#
# Write `save_and_reload(model, folder, name)` that saves `model` in the native format to
# `<folder>/<name>.keras` (create `folder` first if it does not exist yet, with
# `os.makedirs` and `exist_ok=True`), loads it back and returns the pair
# `(path, reloaded_model)`.

# %% exercise="save_and_reload"
def save_and_reload(model, folder, name):
    """Save ``model`` as <folder>/<name>.keras, load it back; return (path, reloaded)."""
    ### BEGIN SOLUTION
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.keras")
    model.save(path)
    return path, keras.models.load_model(path)
    ### END SOLUTION


# %% tests="save_and_reload" points=2
saved_path, reloaded = save_and_reload(classifier, os.path.join(WORK_DIR, "exercise6"), "classifier")
check("the saved path", saved_path, os.path.join(WORK_DIR, "exercise6", "classifier.keras"),
      hint="join the folder and name + '.keras'")
check_that("the file to exist", os.path.isfile(saved_path), got=saved_path, hint="save the model to that path with its save() method")
check("predictions of the reloaded classifier (exactly equal)", reloaded.predict(images_test, verbose=0),
      classifier.predict(images_test, verbose=0), rtol=0, atol=0,
      hint="return keras.models.load_model(path), not the original model")
check_that("the reloaded model to be a new object, not `model` itself", reloaded is not classifier,
           hint="return keras.models.load_model(path), not the original model")
### BEGIN HIDDEN TESTS
nested = os.path.join(tempfile.mkdtemp(dir=WORK_DIR), "not", "yet", "there")
two_in = keras.Input(shape=(3,), name="a")
two_out = [layers.Dense(2, name="first")(two_in), layers.Dense(1, name="second")(two_in)]
two_headed = keras.Model(two_in, two_out)
path_b, reloaded_b = save_and_reload(two_headed, nested, "two_headed")
check_that("the model to be saved into a folder that did not exist", os.path.isfile(path_b), got=path_b)
batch = np.random.default_rng(9).normal(size=(4, 3)).astype("float32")
for index, (got, want) in enumerate(zip(reloaded_b.predict(batch, verbose=0), two_headed.predict(batch, verbose=0))):
    check(f"output {index} of a reloaded two-output model", got, want, rtol=0, atol=0)
check("optimizer steps of the reloaded classifier", int(reloaded.optimizer.iterations), int(classifier.optimizer.iterations))
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Callbacks
#
# A long training run should not depend on you watching it. `fit(callbacks=[...])` takes
# objects that Keras calls at fixed moments: at the start and end of training, of every
# epoch and of every batch. Two built-in callbacks cover most needs:
#
# - `ModelCheckpoint(path, save_best_only=True)` saves the model whenever the monitored
#   quantity (by default `val_loss`) improves, so the best model is on disk even if the run
#   crashes or keeps going past its best point.
# - `EarlyStopping(patience=k, restore_best_weights=True)` stops when the monitored quantity
#   has not improved for `k` epochs, and puts back the weights of the best epoch.
#
# A wide network with a high learning rate on 264 diabetes rows overfits within a few
# epochs, which makes both callbacks visible. This time we split off an explicit validation
# set so we can evaluate on it afterwards.

# %%
split = int(0.8 * len(xd_train))
x_fit, y_fit, x_val, y_val = xd_train[:split], yd_train[:split], xd_train[split:], yd_train[split:]

overfitter = keras.Sequential([keras.Input(shape=(10,)), layers.Dense(64, activation="relu"),
                               layers.Dense(64, activation="relu"), layers.Dense(1)], name="overfitter")
overfitter.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
checkpoint_path = os.path.join(WORK_DIR, "checkpoints", "best.keras")
os.makedirs(os.path.dirname(checkpoint_path), exist_ok=True)
callbacks = [
    keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_loss", save_best_only=True),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True),
]
es_history = overfitter.fit(x_fit, y_fit, validation_data=(x_val, y_val), epochs=100, batch_size=32,
                            callbacks=callbacks, verbose=0)
val_losses = es_history.history["val_loss"]
best = int(np.argmin(val_losses))
print(f"ran {len(val_losses)} of 100 epochs; best validation loss {val_losses[best]:.4f} at epoch {best + 1}")
print(f"validation loss of the restored weights: {overfitter.evaluate(x_val, y_val, verbose=0):.4f}")
print(f"validation loss of the checkpoint file:  {keras.models.load_model(checkpoint_path).evaluate(x_val, y_val, verbose=0):.4f}")

# %%
fig, ax = plt.subplots()
stopped = np.arange(1, len(val_losses) + 1)
ax.plot(stopped, es_history.history["loss"], label="training")
ax.plot(stopped, val_losses, "--", label="validation")
ax.axvline(best + 1, color="grey", linestyle=":", label="best epoch (checkpoint)")
ax.legend()
labelled(ax, "Early stopping on an overfitting regressor", "epoch", "mean squared error",
         caption="Training loss keeps falling; validation stops improving, and training ends five epochs later.")
plt.show()

# %% [markdown]
# ### Writing your own callback
#
# A callback is a subclass of `keras.callbacks.Callback` that overrides the hooks it needs,
# such as `on_epoch_end(self, epoch, logs)`. `epoch` counts from 0 and `logs` is a dictionary
# of this epoch's results (`loss`, `val_loss`, the metrics). The callback reaches the model
# through `self.model`; setting its attribute `stop_training` to `True` ends `fit()` after the
# current epoch. Here is a tiny one that records the time each epoch took:

# %%
class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock seconds of every epoch."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def fresh_digit_model():
    """A new, compiled, untrained digit classifier (smaller than the first one)."""
    model = keras.Sequential([keras.Input(shape=(8, 8)), layers.Flatten(), layers.Dense(32, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


timer = EpochTimer()
fresh_digit_model().fit(images_train, y_train, epochs=3, batch_size=64, callbacks=[timer], verbose=0)
print("seconds per epoch:", np.round(timer.seconds, 3), "(the first includes tracing the graph)")

# %% [markdown]
# ### Exercise 7: stop at a target
#
# Often "good enough" is known in advance: a product needs 90% accuracy, not 99%. Write
# `TargetStopper(monitor="val_accuracy", target=0.9)`, a callback that stops training at the
# end of the first epoch where `logs[monitor]` reaches the target, with the convention of
# exercise 1: at or above it when `monitor` contains `"acc"`, at or below it otherwise (a
# loss or an error). It keeps `self.stopped_epoch`: `None` until
# it stops training, then the 1-based number of the epoch that reached the target.

# %% exercise="target_stopper"
class TargetStopper(keras.callbacks.Callback):
    """Stops training once ``monitor`` reaches ``target``."""

    def __init__(self, monitor="val_accuracy", target=0.9):
        super().__init__()
        self.monitor, self.target = monitor, target
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        ### BEGIN SOLUTION
        value = (logs or {}).get(self.monitor)
        if value is None:
            return
        reached = value >= self.target if "acc" in self.monitor else value <= self.target
        if reached and self.stopped_epoch is None:
            self.stopped_epoch = epoch + 1
            self.model.stop_training = True
        ### END SOLUTION


# %% tests="target_stopper" points=2
stopper = TargetStopper(monitor="val_accuracy", target=0.8)
stop_history = fresh_digit_model().fit(images_train, y_train, validation_split=0.2, epochs=30, batch_size=32,
                                       callbacks=[stopper], verbose=0)
accuracies = stop_history.history["val_accuracy"]
check_that("training to stop before 30 epochs", len(accuracies) < 30, got=len(accuracies),
           hint="set self.model.stop_training to True when logs[self.monitor] reaches self.target")
check("stopper.stopped_epoch", stopper.stopped_epoch, len(accuracies),
      hint="store the 1-based epoch number: epoch + 1")
check_that("the last epoch to be the first that reached 0.8",
           accuracies[-1] >= 0.8 and all(a < 0.8 for a in accuracies[:-1]), got=accuracies)


def replay(callback, values, monitor):
    """Feed a callback fake epoch logs; returns how many epochs ran."""
    dummy = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1)])
    dummy.stop_training = False
    callback.set_model(dummy)
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {monitor: value, "other": 0.0})
        if dummy.stop_training:
            return epoch + 1
    return len(values)


never = TargetStopper(monitor="val_accuracy", target=0.99)
check("epochs run when the target is never reached", replay(never, [0.5, 0.7, 0.9], "val_accuracy"), 3,
      hint="only stop once the monitored value reaches the target")
check("stopped_epoch when the target is never reached", never.stopped_epoch, None,
      hint="leave stopped_epoch as None unless training was stopped")
loss_stopper = TargetStopper(monitor="val_loss", target=0.3)
check("epochs run with monitor='val_loss', target=0.3", replay(loss_stopper, [0.9, 0.5, 0.3, 0.1], "val_loss"), 3,
      hint="a loss reaches its target from above: stop when value <= target")
check("stopped_epoch with monitor='val_loss'", loss_stopper.stopped_epoch, 3)
### BEGIN HIDDEN TESTS
first = TargetStopper(monitor="accuracy", target=0.5)
check("epochs run when the first epoch already reaches the target", replay(first, [0.6, 0.7], "accuracy"), 1)
check("stopped_epoch then", first.stopped_epoch, 1)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 8: log the ratio of validation to training loss
#
# The ratio `val_loss / loss` is a one-number overfitting alarm: near 1 the model does as
# well on new data as on its training data, and a ratio that keeps growing means it is
# memorising. Write `LossRatioLogger`, a callback whose `on_epoch_end` computes that ratio,
# appends it (as a float) to the list `self.ratios`, and **adds it to `logs` under the key
# `"loss_ratio"`**. Callbacks share the `logs` dictionary and Keras' own `History` callback
# runs last, so the new entry lands in `history.history` (and in TensorBoard, if its callback
# comes after yours in the list).

# %% exercise="loss_ratio"
class LossRatioLogger(keras.callbacks.Callback):
    """Adds logs['loss_ratio'] = val_loss / loss at the end of every epoch."""

    def __init__(self):
        super().__init__()
        self.ratios = []

    def on_epoch_end(self, epoch, logs=None):
        ### BEGIN SOLUTION
        ratio = float(logs["val_loss"] / logs["loss"])
        self.ratios.append(ratio)
        logs["loss_ratio"] = ratio
        ### END SOLUTION


# %% tests="loss_ratio" points=1
ratio_logger = LossRatioLogger()
ratio_model = keras.Sequential([keras.Input(shape=(10,)), layers.Dense(16, activation="relu"), layers.Dense(1)])
ratio_model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
ratio_history = ratio_model.fit(x_fit, y_fit, validation_data=(x_val, y_val), epochs=3, batch_size=64,
                                callbacks=[ratio_logger], verbose=0).history
check_that("history.history to contain 'loss_ratio'", "loss_ratio" in ratio_history, got=sorted(ratio_history),
           hint="write the ratio into the logs dictionary: logs['loss_ratio'] = ...")
check("the logged ratios", ratio_history["loss_ratio"],
      np.array(ratio_history["val_loss"]) / np.array(ratio_history["loss"]), rtol=1e-5,
      hint="divide the validation loss by the training loss")
check("ratio_logger.ratios", ratio_logger.ratios, ratio_history["loss_ratio"], rtol=1e-6,
      hint="append each epoch's ratio (a float) to self.ratios as well")
### BEGIN HIDDEN TESTS
lone = LossRatioLogger()
fake_logs = {"loss": 0.5, "val_loss": 0.75}
lone.on_epoch_end(0, fake_logs)
fake_logs_2 = {"loss": 0.25, "val_loss": 1.0}
lone.on_epoch_end(1, fake_logs_2)
check("the ratios after two fake epochs", lone.ratios, [1.5, 4.0])
check("the ratio written into the logs", fake_logs_2.get("loss_ratio"), 4.0)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. TensorBoard
#
# TensorBoard is TensorFlow's dashboard for training runs: learning curves, comparisons
# between runs, histograms of weights, the model graph. It reads *event files*, which the
# `keras.callbacks.TensorBoard` callback writes during `fit()`: one folder per run, with a
# `train` and a `validation` subfolder. Each record in an event file is a *summary*: a tag
# (`epoch_loss`, `epoch_accuracy`, ...), a step (the epoch) and a value.

# %%
run_dir = os.path.join(WORK_DIR, "logs", "digits_run")
tb_model = fresh_digit_model()
tb_history = tb_model.fit(images_train, y_train, validation_split=0.2, epochs=6, batch_size=32, verbose=0,
                          callbacks=[keras.callbacks.TensorBoard(log_dir=run_dir)])
for folder, _, files in sorted(os.walk(run_dir)):
    for file_name in files:
        print(os.path.relpath(os.path.join(folder, file_name), WORK_DIR))

# %% [markdown]
# To look at them, start TensorBoard on the log folder from a terminal,
# `tensorboard --logdir <WORK_DIR>/logs --host 127.0.0.1`, and open `http://127.0.0.1:6006`
# in a browser (inside JupyterLab, the `tensorboard` notebook extension does the same with
# `%load_ext tensorboard` and `%tensorboard --logdir ...`). Every run in the folder appears
# as a line you can switch on and off. We start no server here: the grader has no browser.
#
# The event files are just TFRecord files of `Event` protocol buffers, so the notebook can
# read them back. Keras writes each scalar as a tensor; `tf.make_ndarray` turns it into a
# NumPy value.

# %%
def events(path):
    """Every Event record of one event file."""
    for record in tf.data.TFRecordDataset(path):
        yield tf.compat.v1.Event.FromString(record.numpy())


train_file = next(name for name in sorted(os.listdir(os.path.join(run_dir, "train"))) if "tfevents" in name)
for event in list(events(os.path.join(run_dir, "train", train_file)))[:8]:
    for value in event.summary.value:
        shown = tf.make_ndarray(value.tensor) if value.metadata.plugin_data.plugin_name == "scalars" else "(model graph)"
        print(f"step {event.step}: {value.tag} = {shown}")

# %% [markdown]
# ### Exercise 9: read the scalars back
#
# Write `read_scalars(run_dir, tag)` that reads **every** event file directly inside the
# folder `run_dir` (file names contain `"tfevents"`; TensorBoard starts a new file each time
# a run restarts) and returns a dictionary `{step: value}` with the values of `tag` as
# Python floats, in increasing order of step. Use the `events` helper above and
# `tf.make_ndarray(value.tensor)`.

# %% exercise="read_scalars"
def read_scalars(run_dir, tag):
    """{step: value} of the scalar ``tag`` over all event files in ``run_dir``."""
    ### BEGIN SOLUTION
    found = {}
    for name in sorted(os.listdir(run_dir)):
        path = os.path.join(run_dir, name)
        if "tfevents" not in name or not os.path.isfile(path):
            continue
        for event in events(path):
            for value in event.summary.value:
                if value.tag == tag:
                    found[int(event.step)] = float(tf.make_ndarray(value.tensor))
    return dict(sorted(found.items()))
    ### END SOLUTION


# %% [markdown]
# With it, the learning curves come straight from the files TensorBoard would show:

# %%
with needs("exercise 9 (`read_scalars`)"):
    train_loss_events = read_scalars(os.path.join(run_dir, "train"), "epoch_loss")
    val_loss_events = read_scalars(os.path.join(run_dir, "validation"), "epoch_loss")
    fig, ax = plt.subplots()
    ax.plot(np.array(list(train_loss_events)) + 1, list(train_loss_events.values()), marker="o", label="train (event file)")
    ax.plot(np.array(list(val_loss_events)) + 1, list(val_loss_events.values()), "--", marker="o",
            label="validation (event file)")
    ax.legend()
    labelled(ax, "Learning curves read from TensorBoard event files", "epoch", "cross-entropy",
             caption="The same numbers as the History object: TensorBoard shows exactly what fit() reported.")
    plt.show()

# %% tests="read_scalars" points=2
check("read_scalars(train folder, 'epoch_loss') against the History", list(train_loss_events.values()),
      tb_history.history["loss"], rtol=1e-6,
      hint="loop over the events of every file, keep value.tag == tag, read tf.make_ndarray(value.tensor)")
check("the steps read from the train folder", list(train_loss_events), list(range(6)),
      hint="use event.step as the key, and sort the dictionary by step")
check("read_scalars(validation folder, 'epoch_accuracy')",
      list(read_scalars(os.path.join(run_dir, "validation"), "epoch_accuracy").values()),
      tb_history.history["val_accuracy"], rtol=1e-6)


def restarted_run(steps_before, steps_after):
    """A folder with two event files, as a run that restarted writes: tag 'probe' = step / 2, tag 'other' = -1."""
    folder = tempfile.mkdtemp(dir=WORK_DIR)
    for steps in (steps_before, steps_after):
        writer = tf.summary.create_file_writer(folder)
        with writer.as_default():
            for step in steps:
                tf.summary.scalar("probe", step / 2, step=step)
                tf.summary.scalar("other", -1.0, step=step)
        writer.close()
    return folder


restarted = read_scalars(restarted_run([2, 0, 1], [3]), "probe")
check("read_scalars over two event files, steps written 2, 0, 1 then 3", restarted,
      {0: 0.0, 1: 0.5, 2: 1.0, 3: 1.5}, hint="read every file whose name contains 'tfevents', keep only `tag`")
check("the order of the steps", list(restarted), [0, 1, 2, 3], hint="sort the dictionary by step before returning it")
check("the types of the values", {type(v).__name__ for v in restarted.values()}, {"float"},
      hint="tf.make_ndarray gives a NumPy array: convert each value with float(...)")
### BEGIN HIDDEN TESTS
scalars = read_scalars(restarted_run([5, 4], [7, 6]), "probe")
check("read_scalars over two other event files", scalars, {4: 2.0, 5: 2.5, 6: 3.0, 7: 3.5})
check("the order of those steps", list(scalars), [4, 5, 6, 7])
check("read_scalars for a tag that is not there", read_scalars(restarted_run([0], [1]), "missing"), {})
### END HIDDEN TESTS

# %% [markdown]
# ## What you built
#
# - A `Sequential` image classifier and a tabular regressor: `compile`, `fit` with a
#   validation split, `evaluate`, `predict`, learning curves that tell you when to stop, and a
#   regressor of your own design that beats the mean-predicting baseline on rows it never saw.
# - A `Functional` wide-and-deep model with two inputs, two outputs and weighted losses: a
#   graph of layers that Keras checks as you build it, and whose routes you can read back.
# - A subclassed model whose depth is chosen per call, and what that freedom costs: a thinner
#   summary, no static checks, and a `get_config()` you must write to clone or save it.
# - Models saved to the native `.keras` format and reloaded with identical predictions.
# - Callbacks: the best model checkpointed, early stopping with the best weights restored,
#   and two of your own, one that stops at a target and one that logs an overfitting alarm.
# - TensorBoard event files written during training and read back as numbers.
#
# Next week the same ideas appear in PyTorch, where the training loop is yours to write again.
