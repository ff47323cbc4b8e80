# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 04: Overfitting and cross-validation
#
# **Description:** under-fitting and over-fitting made visible, five remedies measured side
# by side, k-fold cross-validation written by hand and checked against scikit-learn, and
# cross-validation used to choose a network's number of epochs.
#
# A model is useful only on data it has not seen. A model that is too simple misses the
# pattern in its training data (**under-fitting**); one that is too flexible, or trained for
# too long, learns the noise of its training data as if it were pattern (**over-fitting**):
# its training error keeps falling while its error on new data rises. This lab makes both
# visible, measures what the usual remedies actually buy, and then builds the tool that
# tells you how well a model generalises without wasting data on a single split:
# **k-fold cross-validation**.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The grader runs more tests on
# other inputs, so solve the problem, not the example. Run the notebook from top to bottom
# (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup

# %%
from course import check, check_that, needs, start_lab  # first: it also quiets TensorFlow's start-up log
from course.data import load_arrays, train_test
from course.plotting import add_caption, labelled, plot_history

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

WORK_DIR = start_lab("lab04", seed=42, threads=1)

# %% [markdown]
# ## 1. Under-fitting, good fit, over-fitting
#
# The clearest picture comes from a one-dimensional regression. The data below are
# **synthetic**: `y = sin(πx)` plus Gaussian noise, with only 20 training points and 200
# fresh validation points drawn the same way. We fit polynomials of increasing degree with
# least squares (`np.polynomial.Polynomial.fit`) and look at three of them.

# %%
def make_wave(n_points, seed):
    """Synthetic data: y = sin(pi x) + noise (std 0.25), with x uniform in [-1, 1]."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1, 1, n_points))
    return x, np.sin(np.pi * x) + rng.normal(0, 0.25, n_points)


x_wave, y_wave = make_wave(20, seed=0)
x_wave_val, y_wave_val = make_wave(200, seed=1)

grid = np.linspace(-1, 1, 400)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
for ax, degree, verdict in zip(axes, (1, 4, 15), ("under-fit", "good fit", "over-fit")):
    poly = np.polynomial.Polynomial.fit(x_wave, y_wave, degree)
    train_mse = np.mean((poly(x_wave) - y_wave) ** 2)
    val_mse = np.mean((poly(x_wave_val) - y_wave_val) ** 2)
    ax.plot(grid, np.sin(np.pi * grid), "--", color="gray", label="true curve")
    ax.plot(grid, poly(grid), label=f"degree {degree} fit")
    ax.scatter(x_wave, y_wave, s=14, color="black", label="training points")
    ax.set_ylim(-2, 2)
    ax.text(-0.95, -1.85, f"train MSE {train_mse:.3f}\nvalidation MSE {val_mse:.3f}", fontsize=9)
    labelled(ax, f"degree {degree}: {verdict}", "x", "y")
axes[0].legend(loc="upper left", fontsize=8)
add_caption(fig, "A line misses the wave; degree 4 follows it; degree 15 passes close to every noisy point "
            "and swings wildly between them.")
plt.show()

# %% [markdown]
# The degree-15 polynomial has the lowest training error of the three and by far the worst
# validation error. Training error alone always prefers the most flexible model; only data
# held out from fitting can show over-fitting.
#
# ### Exercise 1: the validation curve
#
# Write `polynomial_errors(x_train, y_train, x_val, y_val, degree)` that fits a polynomial
# of the given degree to the training points with `np.polynomial.Polynomial.fit` and returns
# the tuple `(train_mse, val_mse)` of mean squared errors as floats. The cell then sweeps the
# degrees 0 to 15; set `best_degree` to the degree with the lowest validation MSE.

# %% exercise="polynomial_sweep"
def polynomial_errors(x_train, y_train, x_val, y_val, degree):
    """Train and validation MSE of a least-squares polynomial of the given degree."""
    ### BEGIN SOLUTION
    fitted = np.polynomial.Polynomial.fit(x_train, y_train, degree)
    train_error = float(np.mean((fitted(x_train) - y_train) ** 2))
    val_error = float(np.mean((fitted(x_val) - y_val) ** 2))
    return train_error, val_error
    ### END SOLUTION


DEGREES = list(range(16))
sweep_errors = np.array([polynomial_errors(x_wave, y_wave, x_wave_val, y_wave_val, d) for d in DEGREES])
### BEGIN SOLUTION
best_degree = DEGREES[int(np.argmin(sweep_errors[:, 1]))]
### END SOLUTION
print("best degree:", best_degree)

# %% tests="polynomial_sweep" points=2
check("the train MSE of polynomial_errors at degree 0",
      polynomial_errors(x_wave, y_wave, x_wave_val, y_wave_val, 0)[0], np.var(y_wave),
      hint="a degree-0 polynomial is the mean of y_train, so its train MSE is the variance of y_train")
train_curve = sweep_errors[:, 0]
errors_3 = polynomial_errors(x_wave, y_wave, x_wave_val, y_wave_val, 3)
check_that("polynomial_errors to return a tuple of two floats", isinstance(errors_3, tuple) and len(errors_3) == 2
           and all(type(value) is float for value in errors_3), got=errors_3,
           hint="convert each NumPy number to a Python float and return the two as one tuple, train first")
check_that("the train MSE never to grow with the degree", bool(np.all(np.diff(train_curve) <= 1e-6 * train_curve[0])),
           got=train_curve, hint="measure the train error on the same points you fitted")
check("the validation MSE of polynomial_errors at degree 0",
      polynomial_errors(x_wave, y_wave, x_wave_val, y_wave_val, 0)[1], np.mean((np.mean(y_wave) - y_wave_val) ** 2),
      hint="fit on the training points, then measure the error of that same polynomial on x_val against y_val")
check_that("best_degree to be the degree whose validation MSE is the lowest of the sweep",
           best_degree in DEGREES and sweep_errors[DEGREES.index(best_degree), 1] == sweep_errors[:, 1].min(),
           got={"best_degree": best_degree, "its validation MSE": float(sweep_errors[DEGREES.index(best_degree), 1])
                if best_degree in DEGREES else None, "lowest validation MSE": float(sweep_errors[:, 1].min())},
           hint="look for the minimum in column 1 of sweep_errors (the validation MSE), not column 0")
check_that("the best degree to be between 2 and 8", 2 <= best_degree <= 8, got=best_degree,
           hint="take the degree with the lowest validation MSE, column 1 of sweep_errors")
### BEGIN HIDDEN TESTS
x_a, y_a = make_wave(25, seed=5)
x_b, y_b = make_wave(100, seed=6)
for degree in (0, 2, 5):
    reference = np.polynomial.Polynomial.fit(x_a, y_a, degree)
    check(f"polynomial_errors at degree {degree} on new data", polynomial_errors(x_a, y_a, x_b, y_b, degree),
          [np.mean((reference(x_a) - y_a) ** 2), np.mean((reference(x_b) - y_b) ** 2)], rtol=1e-6)
reference_val = [np.mean((np.polynomial.Polynomial.fit(x_wave, y_wave, degree)(x_wave_val) - y_wave_val) ** 2)
                 for degree in DEGREES]
check("best_degree", best_degree, DEGREES[int(np.argmin(reference_val))])
### END HIDDEN TESTS

# %% [markdown]
# Plotted against the degree, the two errors tell the whole story: training error falls
# steadily, validation error falls, bottoms out at degrees 3 and 4 (degree 4 lower by a
# hair), and climbs again, unevenly: past the minimum each degree swings differently between
# the 20 points, so the curve zigzags, and it is highest at degree 14, not 15.

# %%
with needs("exercise 1 (`polynomial_errors` and `best_degree`)"):
    fig, ax = plt.subplots()
    ax.plot(DEGREES, sweep_errors[:, 0], marker="o", label="training MSE")
    ax.plot(DEGREES, sweep_errors[:, 1], marker="o", label="validation MSE")
    ax.axvline(best_degree, color="gray", linestyle=":", label=f"best degree ({best_degree})")
    ax.set_yscale("log")
    ax.legend()
    labelled(ax, "Error against model complexity", "polynomial degree", "mean squared error (log scale)",
             caption="Left of the minimum the model under-fits; right of it, it over-fits.")
    plt.show()

# %% [markdown]
# ## 2. A network trained too long
#
# Networks over-fit too, and for them *training time* is a complexity knob: every epoch lets
# the weights adapt more closely to the training set. We take scikit-learn's breast cancer
# data (569 tumours, 30 measured features, label 1 = benign) and make it harder on purpose:
# we append 100 columns of **synthetic noise**, and we train on only 120 tumours. The rest
# is split into a validation set (150 tumours) that we watch during training and a test set
# (299 tumours) that we use only to compare the final models.

# %%
features, target = load_arrays("breast_cancer")
noise = np.random.default_rng(0).normal(size=(len(features), 100)).astype("float32")
x_all = np.hstack([features, noise])  # columns 0-29 are real, 30-129 are noise


def noisy_split(seed):
    """(x_fit, x_val, x_test, y_fit, y_val, y_test): 120 / 150 / 299 tumours, scaled with the fit rows' statistics."""
    x_fit, x_rest, y_fit, y_rest = train_test_split(x_all, target, train_size=120, stratify=target, random_state=seed)
    x_val, x_test, y_val, y_test = train_test_split(x_rest, y_rest, train_size=150, stratify=y_rest,
                                                    random_state=seed)
    mean, std = x_fit.mean(axis=0), x_fit.std(axis=0)
    scaled = [((x - mean) / std).astype("float32") for x in (x_fit, x_val, x_test)]
    return (*scaled, *[y.astype("float32") for y in (y_fit, y_val, y_test)])


x_fit, x_val, x_test, y_fit, y_val, y_test = noisy_split(seed=0)
N_INPUTS = x_fit.shape[1]
print("fit:", x_fit.shape, "validation:", x_val.shape, "test:", x_test.shape)

# %% [markdown]
# Three small helpers. `make_mlp` builds a Keras classifier with optional remedies built in
# (its width, dropout, an L2 penalty). `train_curves` trains it **full batch**, one gradient
# step per epoch with `train_on_batch`, which keeps this lab fast, and records the training
# and validation log-loss after every epoch. We measure both losses with plain predictions
# (no dropout, no penalty term) so that every model is judged by the same yardstick. With
# `patience` set it also does early stopping, as the callback
# `keras.callbacks.EarlyStopping(patience=..., restore_best_weights=True)` does inside
# `model.fit` (lab 02).

# %%
def make_mlp(n_inputs, units=(128, 128), dropout=0.0, l2=0.0, seed=0):
    """A binary classifier: ReLU layers of the given widths, then one sigmoid unit."""
    keras.utils.set_random_seed(seed)
    regularizer = keras.regularizers.L2(l2) if l2 else None
    model = keras.Sequential([keras.Input(shape=(n_inputs,))])
    for width in units:
        model.add(keras.layers.Dense(width, activation="relu", kernel_regularizer=regularizer))
        if dropout:
            model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="binary_crossentropy")
    return model


def predict_proba(model, x):
    """Predicted probability of class 1 for every row of x (inference mode)."""
    return model(x, training=False).numpy().ravel()


def log_loss(y, p):
    """Mean binary cross-entropy of probabilities p for labels y."""
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def train_curves(model, x, y, x_val, y_val, epochs, patience=None):
    """Full-batch training; returns {'loss': [...], 'val_loss': [...]}, one value per epoch.

    With ``patience``, stop once the validation loss has not improved for that many epochs
    and restore the weights of the best epoch.
    """
    history = {"loss": [], "val_loss": []}
    best_loss, best_weights, waited = np.inf, None, 0
    for _ in range(epochs):
        model.train_on_batch(x, y)
        history["loss"].append(log_loss(y, predict_proba(model, x)))
        history["val_loss"].append(log_loss(y_val, predict_proba(model, x_val)))
        if patience is None:
            continue
        if history["val_loss"][-1] < best_loss:
            best_loss, best_weights, waited = history["val_loss"][-1], model.get_weights(), 0
        else:
            waited += 1
            if waited >= patience:
                break
    if best_weights is not None:
        model.set_weights(best_weights)
    return history


# %% [markdown]
# The baseline is a two-layer network of 128 units each, far more than 120 examples need,
# trained for 100 epochs.

# %%
EPOCHS = 100
baseline = make_mlp(N_INPUTS)
baseline_history = train_curves(baseline, x_fit, y_fit, x_val, y_val, EPOCHS)
best_epoch = int(np.argmin(baseline_history["val_loss"])) + 1
print(f"lowest validation loss {min(baseline_history['val_loss']):.3f} at epoch {best_epoch}, "
      f"{baseline_history['val_loss'][-1]:.3f} after {EPOCHS} epochs; "
      f"training loss {baseline_history['loss'][-1]:.4f}")

fig = plot_history(baseline_history, title="A network trained too long",
                   caption="Training loss heads to zero while validation loss turns upward: over-fitting.")
plt.show()

# %% [markdown]
# ## 3. Remedies, measured
#
# The usual cures for over-fitting each remove some of the freedom the model used to learn
# the noise:
#
# - **a smaller model**: fewer weights, less capacity to memorise;
# - **dropout**: during training each hidden unit is dropped at random (here half of them at
#   every step), so no unit can rely on a few others to encode one training example;
# - **early stopping**: stop when the validation loss stops improving and keep the best
#   weights seen;
# - **L2 regularisation**: add `λ · Σ w²` to the loss, which keeps weights small and the
#   function smooth;
# - **feature selection**: give the model only the columns that carry signal, so it cannot
#   fit the noise columns.
#
# Feature selection needs a rule for which columns to keep. The simplest *filter* scores
# every column on its own against the label and keeps the top k. scikit-learn's
# `SelectKBest(f_classif)` uses the ANOVA F statistic; for a binary label that statistic is a
# monotone function of the squared Pearson correlation between the column and the label, so
# ranking by |correlation| picks the same columns.
#
# ### Exercise 2: a correlation filter by hand
#
# Write `top_k_by_correlation(x, y, k)` that returns the indices of the `k` columns of `x`
# with the largest absolute Pearson correlation with `y`, as a sorted NumPy array of ints.
# Compute the correlations with NumPy (for instance centre both, then divide the dot product
# by the product of the norms).

# %% exercise="feature_filter"
def top_k_by_correlation(x, y, k):
    """Sorted indices of the k columns of x most correlated (in absolute value) with y."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    xc, yc = x - x.mean(axis=0), y - y.mean()
    correlation = (xc * yc[:, None]).sum(axis=0) / (np.linalg.norm(xc, axis=0) * np.linalg.norm(yc))
    return np.sort(np.argsort(-np.abs(correlation))[:k])
    ### END SOLUTION


# %% tests="feature_filter" points=2
kept_by_hand = top_k_by_correlation(x_fit, y_fit, 10)
check("top_k_by_correlation(x_fit, y_fit, 10) against SelectKBest(f_classif, k=10)", kept_by_hand,
      SelectKBest(f_classif, k=10).fit(x_fit, y_fit).get_support(indices=True),
      hint="rank by the absolute value of the correlation, keep the first k, and sort the indices")
check_that("every kept column to be a real feature (index below 30)", bool(np.all(np.asarray(kept_by_hand) < 30)),
           got=kept_by_hand)
check_that("a sorted NumPy array of integer indices", isinstance(kept_by_hand, np.ndarray)
           and kept_by_hand.dtype.kind in "iu" and bool(np.all(np.diff(kept_by_hand) > 0)), got=kept_by_hand,
           hint="argsort gives integer column positions; keep the k with the largest |correlation| and put "
                "those positions in increasing order")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(21)
xr = rng.normal(size=(60, 25))
yr = (xr[:, 3] - 0.8 * xr[:, 17] + 0.5 * xr[:, 8] + rng.normal(0, 1, 60) > 0).astype(int)
for k in (1, 3, 7):
    check(f"top_k_by_correlation on random data, k={k}", top_k_by_correlation(xr, yr, k),
          SelectKBest(f_classif, k=k).fit(xr, yr).get_support(indices=True))
check_that("the result to hold integer indices", np.asarray(top_k_by_correlation(xr, yr, 3)).dtype.kind in "iu",
           got=top_k_by_correlation(xr, yr, 3))
### END HIDDEN TESTS

# %% [markdown]
# Now every remedy gets the same training budget, one at a time, and we measure each on the
# **test** set, which no model and no choice has looked at. The table prints each model's
# test log-loss (lower is better) and accuracy; the figure after it shows each model's
# validation log-loss epoch by epoch. Feature selection uses `SelectKBest`, fitted on the
# training rows only.

# %%
def test_scores(model, columns):
    """Test log-loss and accuracy of a model that reads the given columns."""
    p = predict_proba(model, x_test[:, columns])
    return log_loss(y_test, p), float(np.mean((p >= 0.5) == y_test))


all_columns = np.arange(N_INPUTS)
kept = SelectKBest(f_classif, k=10).fit(x_fit, y_fit).get_support(indices=True)
variants = [  # (name, model, columns it reads, early-stopping patience)
    ("smaller model (8 units)", make_mlp(N_INPUTS, units=(8,)), all_columns, None),
    ("dropout 0.5", make_mlp(N_INPUTS, dropout=0.5), all_columns, None),
    ("L2 penalty 0.01", make_mlp(N_INPUTS, l2=0.01), all_columns, None),
    ("early stopping (patience 5)", make_mlp(N_INPUTS), all_columns, 5),
    ("feature selection (10 columns)", make_mlp(len(kept)), kept, None),
]
histories = {"baseline": baseline_history}
remedy_losses = {"baseline": test_scores(baseline, all_columns)[0]}
print(f"{'variant':32s} {'epochs':>6s} {'test loss':>9s} {'test acc':>8s}")
print(f"{'baseline':32s} {EPOCHS:6d} {remedy_losses['baseline']:9.3f} {test_scores(baseline, all_columns)[1]:8.3f}")
for name, model, columns, patience in variants:
    histories[name] = train_curves(model, x_fit[:, columns], y_fit, x_val[:, columns], y_val, EPOCHS, patience)
    loss, accuracy = test_scores(model, columns)
    remedy_losses[name] = loss
    print(f"{name:32s} {len(histories[name]['loss']):6d} {loss:9.3f} {accuracy:8.3f}")

# %%
fig, ax = plt.subplots(figsize=(7, 4.2))
for name, history in histories.items():
    ax.plot(np.arange(1, len(history["val_loss"]) + 1), history["val_loss"], label=name)
ax.legend(fontsize=8)
labelled(ax, "Validation loss of the baseline and each remedy", "epoch", "validation log-loss",
         caption="Every remedy ends below the baseline; the small model still improves at epoch 100, dropout "
                 "and feature selection turn upward after their minimum.")
plt.show()

# %% [markdown]
# ### Exercise 3: report which remedies helped, and by how much
#
# Write `rank_remedies(losses, baseline="baseline")` that takes a dict of test losses
# (like `remedy_losses` above) and returns a list of `(name, gain)` pairs, one for every
# entry except the baseline, where `gain` is the **percentage reduction** of the loss
# relative to the baseline, `100 * (baseline_loss - loss) / baseline_loss` (negative when
# the remedy made things worse), sorted from the largest gain to the smallest. Then use it
# on `remedy_losses`: set `helped` to the list of names with a positive gain (in ranking
# order) and `best_remedy` to the name with the largest gain.

# %% exercise="remedy_report"
def rank_remedies(losses, baseline="baseline"):
    """(name, percent loss reduction versus the baseline) for every other entry, best first."""
    ### BEGIN SOLUTION
    reference = losses[baseline]
    gains = [(name, 100.0 * (reference - loss) / reference) for name, loss in losses.items() if name != baseline]
    return sorted(gains, key=lambda pair: pair[1], reverse=True)
    ### END SOLUTION


ranking = rank_remedies(remedy_losses)
for name, gain in ranking:
    print(f"{name:32s} {gain:+6.1f}%")
### BEGIN SOLUTION
helped = [name for name, gain in ranking if gain > 0]
best_remedy = ranking[0][0]
### END SOLUTION
print("helped:", helped, "| best:", best_remedy)

# %% tests="remedy_report" points=2
toy = rank_remedies({"baseline": 0.5, "worse": 0.6, "better": 0.4})
check("the names of rank_remedies on a toy dict, best first", [name for name, _ in toy], ["better", "worse"],
      hint="leave the baseline out and sort by gain, largest first")
check("the gains of rank_remedies on a toy dict", [gain for _, gain in toy], [20.0, -20.0],
      hint="gain = 100 * (baseline_loss - loss) / baseline_loss")
check("the names of rank_remedies with baseline='ref'",
      [name for name, _ in rank_remedies({"a": 2.0, "ref": 4.0, "b": 5.0}, baseline="ref")], ["a", "b"],
      hint="use the baseline argument as the key of the reference loss, and leave that key out")
check_that("best_remedy to be one of the remedies measured above", best_remedy in remedy_losses
           and best_remedy != "baseline", got=best_remedy, hint="a name from remedy_losses other than the baseline")
your_gains = dict(rank_remedies(remedy_losses))
check_that("best_remedy to have the largest gain of rank_remedies(remedy_losses)",
           best_remedy in your_gains and your_gains[best_remedy] == max(your_gains.values()),
           got={"best_remedy": best_remedy, "gains": your_gains}, hint="the best remedy is the one that cut the loss most")
check_that("helped to hold every remedy with a positive gain, and only those, in ranking order",
           list(helped) == [name for name, _ in rank_remedies(remedy_losses) if your_gains[name] > 0],
           got={"helped": helped, "ranking": rank_remedies(remedy_losses)},
           hint="walk through the ranking from the top and keep the names whose gain is above 0")
### BEGIN HIDDEN TESTS
others = {name: loss for name, loss in remedy_losses.items() if name != "baseline"}
check("best_remedy", best_remedy, min(others, key=others.get))
check("helped", list(helped), [name for name in sorted(others, key=others.get)
                               if others[name] < remedy_losses["baseline"]])
toy2 = rank_remedies({"a": 2.0, "ref": 4.0, "b": 5.0, "c": 1.0}, baseline="ref")
check("the names of rank_remedies with another baseline", [name for name, _ in toy2], ["c", "a", "b"])
check("the gains of rank_remedies with another baseline", [gain for _, gain in toy2], [75.0, 50.0, -25.0])
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 (a problem): close the gap
#
# Every remedy above lowered the test loss, but the baseline's real symptom is the distance
# between its two curves: after 100 epochs its training loss is 0.0000 and its validation
# loss 0.345. Call the difference, validation minus training log-loss after the last epoch,
# the **generalisation gap**. Find settings for `make_mlp` that, trained for the full 100
# epochs on the fit set (no early stopping), end with a validation log-loss of at most
# **0.22** and a gap of at most **0.16**.
#
# Set `gap_settings` to a dict of keyword arguments for `make_mlp`: any of `units` (a tuple
# of layer widths), `dropout` and `l2`; the network reads all 130 columns. The helper
# `gap_report` below is the acceptance test: it trains a seeded network with your settings
# and returns both numbers. Remedies may be combined. Each call trains one network (about a
# second), so keep your own search to a handful of calls. The grader also trains your
# settings on two other random splits of the tumours, with the same two limits: settings
# that pass on one split by luck will not pass there. To try a split of your own, pass
# `noisy_split(seed)` and the same `seed` to `gap_report`, with a seed other than 0.

# %%
def gap_report(settings, data, seed=0, epochs=EPOCHS):
    """Train make_mlp(**settings) full batch for ``epochs`` epochs; return its final losses and their gap."""
    x_train_, x_val_, _, y_train_, y_val_, _ = data
    model = make_mlp(x_train_.shape[1], seed=seed, **settings)
    for _ in range(epochs):
        model.train_on_batch(x_train_, y_train_)
    train_loss = log_loss(y_train_, predict_proba(model, x_train_))
    val_loss = log_loss(y_val_, predict_proba(model, x_val_))
    return {"train_loss": round(train_loss, 4), "val_loss": round(val_loss, 4), "gap": round(val_loss - train_loss, 4)}


LAB_SPLIT = (x_fit, x_val, x_test, y_fit, y_val, y_test)
print("baseline:", gap_report({}, LAB_SPLIT))

# %% exercise="close_the_gap"
### BEGIN SOLUTION
# L2 was the strongest single remedy; one narrower layer removes most of the spare capacity
# the network used to memorise the noise columns, and a stronger penalty keeps the rest smooth.
gap_settings = {"units": (32,), "l2": 0.03}
### END SOLUTION
gap_result = gap_report(gap_settings, LAB_SPLIT)
print(gap_settings, "->", gap_result)

# %% tests="close_the_gap" points=3
check_that("gap_settings to be a dict of make_mlp's keyword arguments",
           isinstance(gap_settings, dict) and set(gap_settings) <= {"units", "dropout", "l2"}, got=gap_settings,
           hint="use only the keys units, dropout and l2")
check_that("a validation log-loss of at most 0.22 after 100 epochs", gap_result["val_loss"] <= 0.22, got=gap_result,
           hint="the remedies table shows which settings lower the loss on unseen tumours")
check_that("a generalisation gap of at most 0.16 after 100 epochs", gap_result["gap"] <= 0.16, got=gap_result,
           hint="a remedy that closes the gap keeps the training loss from reaching zero: try a stronger penalty or "
                "a smaller network, or combine remedies")
### BEGIN HIDDEN TESTS
for split_seed in (1, 2):
    other = gap_report(gap_settings, noisy_split(split_seed), seed=split_seed)
    check_that(f"a validation log-loss of at most 0.22 on another split (seed {split_seed})", other["val_loss"] <= 0.22,
               got=other)
    check_that(f"a generalisation gap of at most 0.16 on another split (seed {split_seed})", other["gap"] <= 0.16,
               got=other)
### END HIDDEN TESTS

# %% [markdown]
# Keep the numbers in proportion: they come from one training run per remedy and a test set
# of 299 tumours, and a different seed would shuffle close results. Telling a real
# difference from luck is what the rest of this lab is about.
#
# ## 4. k-fold cross-validation by hand
#
# A single train/validation split has two problems. It wastes data (the validation part
# never trains anything), and its score depends on *which* rows landed in it. Watch the
# accuracy of the same logistic regression move as only the random split changes:

# %%
for seed in range(5):
    x_a, x_b, y_a, y_b = train_test_split(features, target, test_size=0.25, random_state=seed, stratify=target)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x_a, y_a)
    print(f"split seed {seed}: validation accuracy {model.score(x_b, y_b):.3f}")

# %% [markdown]
# **k-fold cross-validation** uses every row for validation exactly once. Split the row
# indices into k folds of (nearly) equal size; for each fold, train a fresh model on the
# other k - 1 folds and score it on this one. The k scores give a mean (the estimate) and a
# spread (how much it depends on the data it saw). Typical choices are k = 5 or 10.
#
# ### Exercise 5: the fold indices
#
# Write `kfold_indices(n_samples, k)` that returns a list of `k` pairs
# `(train_indices, val_indices)` of NumPy integer arrays. The validation folds are
# consecutive blocks of `0 .. n_samples - 1` in order; when `n_samples` is not a multiple of
# `k`, the first `n_samples % k` folds get one extra index. The training indices of a fold
# are all the other indices, in increasing order. This is what scikit-learn's `KFold(k)`
# (without shuffling) produces.

# %% exercise="kfold"
def kfold_indices(n_samples, k):
    """[(train_indices, val_indices), ...] for k consecutive folds, like KFold(k)."""
    ### BEGIN SOLUTION
    indices = np.arange(n_samples)
    sizes = np.full(k, n_samples // k)
    sizes[: n_samples % k] += 1
    folds, start = [], 0
    for size in sizes:
        val = indices[start:start + size]
        train = np.concatenate([indices[:start], indices[start + size:]])
        folds.append((train, val))
        start += size
    return folds
    ### END SOLUTION


# %% tests="kfold" points=2
small_folds = kfold_indices(10, 3)
check("the number of folds of kfold_indices(10, 3)", len(small_folds), 3)
check("the validation indices of kfold_indices(10, 3)", [list(val) for _, val in small_folds],
      [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]],
      hint="10 = 3 * 3 + 1, so the first fold gets one extra index")
check("the training indices of the second fold", small_folds[1][0], [0, 1, 2, 3, 7, 8, 9],
      hint="training indices are every index not in the validation fold")
check_that("NumPy integer arrays for both parts of every fold",
           all(isinstance(part, np.ndarray) and part.dtype.kind in "iu" for fold in small_folds for part in fold),
           got=[(type(part).__name__, getattr(part, "dtype", None)) for part in small_folds[0]],
           hint="build the indices from np.arange(n_samples); np.concatenate keeps them integers")
### BEGIN HIDDEN TESTS
for n, k in [(12, 4), (17, 5), (569, 10), (7, 7)]:
    mine = kfold_indices(n, k)
    theirs = list(KFold(n_splits=k).split(np.zeros((n, 1))))
    check(f"number of folds for n={n}, k={k}", len(mine), k)
    for fold, ((train, val), (ref_train, ref_val)) in enumerate(zip(mine, theirs)):
        check(f"validation indices of fold {fold} for n={n}, k={k}", val, ref_val)
        check(f"training indices of fold {fold} for n={n}, k={k}", train, ref_train)
### END HIDDEN TESTS

# %% [markdown]
# ### Shuffling and stratification
#
# Consecutive folds are only safe when the rows are in random order. Many files are sorted:
# the iris table lists 50 setosa, then 50 versicolor, then 50 virginica. With three
# unshuffled folds each validation fold is a class the model never saw in training, and the
# score collapses. `KFold(shuffle=True, random_state=...)` shuffles the indices first;
# `StratifiedKFold` also keeps the class proportions equal in every fold, which matters for
# small or imbalanced data. (`cross_val_score` with a classifier and `cv=5` uses
# `StratifiedKFold` without shuffling by default.)

# %%
x_iris, y_iris = load_arrays("iris")
iris_model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
splitters = {"KFold(3), no shuffle": KFold(3),
             "KFold(3, shuffle=True)": KFold(3, shuffle=True, random_state=0),
             "StratifiedKFold(3, shuffle=True)": StratifiedKFold(3, shuffle=True, random_state=0)}
for name, splitter in splitters.items():
    class_counts = [np.bincount(y_iris[val], minlength=3).tolist() for _, val in splitter.split(x_iris, y_iris)]
    scores = cross_val_score(iris_model, x_iris, y_iris, cv=splitter)
    print(f"{name:34s} classes per validation fold {class_counts}  accuracy {np.round(scores, 2)}")

# %% [markdown]
# ### Exercise 6: cross-validation, the whole loop
#
# Write `cross_validate_by_hand(make_model, x, y, folds)`: for every `(train, val)` pair in
# `folds`, build a fresh model with `make_model()`, fit it on the training rows, score it on
# the validation rows with `model.score` (accuracy for a classifier), and return the scores
# as a NumPy array. Also write `mean_and_spread(scores)` that returns the tuple
# `(mean, standard deviation)` as floats, with the standard deviation as NumPy's `np.std`
# computes it. The check compares your loop with scikit-learn's `cross_val_score`.

# %% exercise="cross_validate"
def cross_validate_by_hand(make_model, x, y, folds):
    """One validation score per (train, val) fold, each from a freshly built model."""
    ### BEGIN SOLUTION
    scores = []
    for train, val in folds:
        model = make_model()
        model.fit(x[train], y[train])
        scores.append(model.score(x[val], y[val]))
    return np.array(scores)
    ### END SOLUTION


def mean_and_spread(scores):
    """(mean, standard deviation) of the fold scores."""
    ### BEGIN SOLUTION
    scores = np.asarray(scores, dtype=float)
    return float(scores.mean()), float(scores.std())
    ### END SOLUTION


def make_logistic():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


cancer_folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(features, target))
by_hand = cross_validate_by_hand(make_logistic, features, target, cancer_folds)
print("fold accuracies:", np.round(by_hand, 3), "mean ± std: %.3f ± %.3f" % mean_and_spread(by_hand))

# %% tests="cross_validate" points=2
check("cross_validate_by_hand against cross_val_score on the breast cancer folds", by_hand,
      cross_val_score(make_logistic(), features, target, cv=cancer_folds),
      hint="for each (train, val) pair: build a fresh model with make_model(), fit it on the rows x[train], "
           "then score it on the rows x[val]")
check("mean_and_spread([0.8, 0.9, 1.0])", mean_and_spread([0.8, 0.9, 1.0]), [0.9, np.std([0.8, 0.9, 1.0])],
      hint="the mean, and the standard deviation with NumPy's default (divide by n, ddof=0)")
check_that("mean_and_spread to return a tuple of two floats",
           isinstance(mean_and_spread(by_hand), tuple) and all(type(v) is float for v in mean_and_spread(by_hand)),
           got=mean_and_spread(by_hand), hint="convert both NumPy numbers to Python floats")
check_that("cross_validate_by_hand to return a NumPy array", isinstance(by_hand, np.ndarray),
           got=type(by_hand).__name__, hint="collect the fold scores, then turn the list into an array")
### BEGIN HIDDEN TESTS
iris_folds = list(KFold(4, shuffle=True, random_state=3).split(x_iris))
make_tree = lambda: DecisionTreeClassifier(max_depth=2, random_state=0)  # noqa: E731
tree_scores = cross_validate_by_hand(make_tree, x_iris, y_iris, iris_folds)
check("cross_validate_by_hand with trees on iris", tree_scores, cross_val_score(make_tree(), x_iris, y_iris, cv=iris_folds))
check("the number of scores", len(tree_scores), 4)
rng = np.random.default_rng(22)
random_scores = rng.random(7)
check("mean_and_spread on random scores", mean_and_spread(random_scores), [random_scores.mean(), random_scores.std()])
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 7 (a problem): a leak in the cross-validation
#
# Cross-validation is only honest if *every* step that learns from data, scaling, feature
# selection, the model itself, is fitted on the training rows of each fold alone. Here is a
# common mistake: select the columns most correlated with the label on **all** rows, then
# cross-validate the model on those columns. On **synthetic** data where the label is pure
# coin flips, independent of 2,000 random columns, nothing can be predicted, so an honest
# estimate must come out near 0.5.

# %%
def leaky_cv_accuracy(x, y, k, folds):
    """Mean fold accuracy of 'top-k columns, then logistic regression', with the columns chosen on ALL rows."""
    kept = SelectKBest(f_classif, k=k).fit(x, y).get_support(indices=True)
    return float(cross_val_score(LogisticRegression(max_iter=1000), x[:, kept], y, cv=folds).mean())


def coin_flip_data(seed, n_rows=60, n_columns=2000):
    """Synthetic: random columns and random 0/1 labels that no column can predict."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_rows, n_columns)), rng.integers(0, 2, n_rows)


x_coin, y_coin = coin_flip_data(seed=0)
coin_folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(x_coin, y_coin))
print(f"leaky estimate on coin flips: {leaky_cv_accuracy(x_coin, y_coin, 10, coin_folds):.2f}")

# %% [markdown]
# The leaky estimate looks like a useful model; it is not. The 10 columns were picked
# because they happen to agree with the labels of *all* 60 rows, validation rows included,
# so each fold is validated on rows that helped choose its features.
#
# Write `honest_cv_accuracy(x, y, k, folds)` that estimates the same procedure honestly:
# keep the `k` columns with the highest `SelectKBest(f_classif, k=k)` score and fit a
# `LogisticRegression(max_iter=1000)` on them, with both steps fitted on the training rows of
# each `(train, val)` fold only, score the accuracy on the validation rows, and return the mean
# over the folds as a float. How you do it is up to you (a loop over the folds, or a
# scikit-learn `Pipeline` passed to `cross_val_score`). The checks expect an estimate no higher
# than 0.7 on the coin flips, and the same number as a correct estimate of this procedure on
# the 120 noisy tumours of section 2; the grader tries other data, other k and other folds.

# %% exercise="honest_cv"
def honest_cv_accuracy(x, y, k, folds):
    """Mean fold accuracy of 'top-k columns by f_classif, then logistic regression', both fitted per fold."""
    ### BEGIN SOLUTION
    procedure = make_pipeline(SelectKBest(f_classif, k=k), LogisticRegression(max_iter=1000))
    return float(cross_val_score(procedure, x, y, cv=folds).mean())
    ### END SOLUTION


print(f"honest estimate on coin flips: {honest_cv_accuracy(x_coin, y_coin, 10, coin_folds):.2f}")

# %% tests="honest_cv" points=3
def reference_cv_accuracy(x, y, k, folds):
    scores = []
    for train, val in folds:
        selector = SelectKBest(f_classif, k=k).fit(x[train], y[train])
        model = LogisticRegression(max_iter=1000).fit(selector.transform(x[train]), y[train])
        scores.append(model.score(selector.transform(x[val]), y[val]))
    return float(np.mean(scores))


coin_estimate = honest_cv_accuracy(x_coin, y_coin, 10, coin_folds)
check_that("an honest estimate of at most 0.7 on coin-flip labels", coin_estimate <= 0.7, got=coin_estimate,
           hint="choose the columns inside each fold, from the training rows x[train] only")
check_that("the estimate to be a float", type(coin_estimate) is float, got=type(coin_estimate).__name__,
           hint="return float(...) of the mean")
fit_folds = list(StratifiedKFold(n_splits=4, shuffle=True, random_state=0).split(x_fit, y_fit))
check("honest_cv_accuracy on the 120 noisy tumours of section 2, k=5", honest_cv_accuracy(x_fit, y_fit, 5, fit_folds),
      reference_cv_accuracy(x_fit, y_fit, 5, fit_folds),
      hint="per fold: fit SelectKBest(f_classif, k=k) and then LogisticRegression(max_iter=1000) on the training rows, "
           "score on the validation rows; return the mean")
### BEGIN HIDDEN TESTS
for seed, k in [(1, 5), (2, 20)]:
    xs, ys = coin_flip_data(seed=seed, n_rows=80, n_columns=1500)
    fs = list(StratifiedKFold(n_splits=4, shuffle=True, random_state=seed).split(xs, ys))
    check(f"honest_cv_accuracy on other coin flips (seed {seed}, k={k})", honest_cv_accuracy(xs, ys, k, fs),
          reference_cv_accuracy(xs, ys, k, fs))
iris_folds_5 = list(KFold(3, shuffle=True, random_state=5).split(x_iris))
check("honest_cv_accuracy on the iris data, k=2", honest_cv_accuracy(x_iris, y_iris, 2, iris_folds_5),
      reference_cv_accuracy(x_iris, y_iris, 2, iris_folds_5))
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Cross-validating a network to choose its number of epochs
#
# The baseline network of section 2 was best after a handful of epochs, but we only know that
# because we watched the validation set, which then stops being independent. Cross-validation
# finds a good number of epochs from the training data alone: train one network per fold,
# record its validation loss after every epoch, average the k curves, and take the epoch
# where the mean curve is lowest. Then train a final network on **all** the training data
# for that many epochs.

# %%
CV_EPOCHS = 40
epoch_folds = list(StratifiedKFold(n_splits=4, shuffle=True, random_state=0).split(x_fit, y_fit))
cv_curves = []
for fold, (train, val) in enumerate(epoch_folds):
    fold_model = make_mlp(N_INPUTS, seed=fold)
    fold_history = train_curves(fold_model, x_fit[train], y_fit[train], x_fit[val], y_fit[val], CV_EPOCHS)
    cv_curves.append(fold_history["val_loss"])
cv_curves = np.array(cv_curves)
chosen_epochs = int(np.argmin(cv_curves.mean(axis=0))) + 1
print("validation loss curves:", cv_curves.shape, "-> lowest mean loss after", chosen_epochs, "epochs")

final_model = make_mlp(N_INPUTS)
train_curves(final_model, x_fit, y_fit, x_val, y_val, chosen_epochs)
print(f"test loss: {test_scores(final_model, all_columns)[0]:.3f} after {chosen_epochs} epochs "
      f"(baseline after {EPOCHS} epochs: {remedy_losses['baseline']:.3f})")

# %%
epochs_axis = np.arange(1, CV_EPOCHS + 1)
mean_curve, std_curve = cv_curves.mean(axis=0), cv_curves.std(axis=0)
fig, ax = plt.subplots()
for fold, curve in enumerate(cv_curves):
    ax.plot(epochs_axis, curve, linewidth=0.8, alpha=0.6, label=f"fold {fold}")
ax.plot(epochs_axis, mean_curve, color="black", linewidth=2, label="mean of the folds")
ax.fill_between(epochs_axis, mean_curve - std_curve, mean_curve + std_curve, color="gray", alpha=0.2)
ax.axvline(chosen_epochs, color="gray", linestyle=":", label=f"chosen: {chosen_epochs} epochs")
ax.legend(fontsize=8)
labelled(ax, "4-fold validation loss of the network, epoch by epoch", "epoch", "validation log-loss",
         caption="Each fold reaches its own minimum at a different epoch; their mean has a shallow minimum "
                 "(band: ± one std).")
plt.show()

# %% [markdown]
# ### Exercise 8: the one-standard-error rule
#
# The minimum of a noisy mean curve is itself noisy. A common, more cautious choice is the
# **one-standard-error rule**: find the epoch with the lowest mean loss, compute the standard
# error of the mean there, `se = std(ddof=1) / sqrt(k)` across the k folds, and pick the
# **smallest** number of epochs whose mean loss is at most `lowest mean + se`. Fewer epochs
# means a simpler model that is statistically as good.
#
# Write `one_se_epochs(val_curves)` for a `(k, epochs)` array of validation losses that
# returns that number of epochs (counting from 1) as an int.

# %% exercise="one_se"
def one_se_epochs(val_curves):
    """Fewest epochs whose mean validation loss is within one standard error of the minimum."""
    ### BEGIN SOLUTION
    curves = np.asarray(val_curves, dtype=float)
    mean = curves.mean(axis=0)
    best = int(np.argmin(mean))
    se = curves[:, best].std(ddof=1) / np.sqrt(len(curves))
    return int(np.flatnonzero(mean <= mean[best] + se)[0]) + 1
    ### END SOLUTION


epochs_one_se = one_se_epochs(cv_curves)
print("lowest mean:", chosen_epochs, "epochs; one-standard-error rule:", epochs_one_se, "epochs")

# %% tests="one_se" points=2
toy_curves = [[0.9, 0.50, 0.44, 0.40], [1.1, 0.60, 0.50, 0.50], [1.0, 0.46, 0.50, 0.48]]
check("one_se_epochs on a toy array", one_se_epochs(toy_curves), 3,
      hint="the mean curve is [1.0, 0.52, 0.48, 0.46]; the lowest is at epoch 4, its standard error is about "
           "0.031, and epoch 3 (0.48) is within it")
check("one_se_epochs when all folds agree", one_se_epochs([[3.0, 2.0, 1.0, 1.5]] * 3), 3,
      hint="with identical folds the standard error is 0, so the rule picks the minimum itself")
check_that("the one-SE choice not to exceed the lowest-mean choice", epochs_one_se <= chosen_epochs,
           got=(epochs_one_se, chosen_epochs))
check_that("one_se_epochs to return a Python int", type(one_se_epochs(toy_curves)) is int,
           got=type(one_se_epochs(toy_curves)).__name__, hint="convert the NumPy index to a Python int")
check("one_se_epochs on two folds [[1.0, 0.62, 0.58, 0.40], [1.0, 0.62, 0.58, 0.60]]",
      one_se_epochs([[1.0, 0.62, 0.58, 0.40], [1.0, 0.62, 0.58, 0.60]]), 3,
      hint="at epoch 4 the losses 0.40 and 0.60 have std(ddof=1) 0.141, so se = 0.141 / sqrt(2) = 0.10 and the "
           "limit is 0.60: epoch 3 (0.58) is within it, epoch 2 (0.62) is not. ddof=0 gives 4; no sqrt(k) gives 2")
### BEGIN HIDDEN TESTS
def reference_one_se(curves):
    curves = np.asarray(curves, dtype=float)
    mean = curves.mean(axis=0)
    limit = mean.min() + curves[:, np.argmin(mean)].std(ddof=1) / np.sqrt(len(curves))
    return int(np.argmax(mean <= limit)) + 1


rng = np.random.default_rng(23)
for k in (3, 5):
    shape = 2.0 / np.arange(1, 31) + 0.02 * np.arange(1, 31)
    noisy = shape + rng.normal(0, 0.08, size=(k, 30))
    check(f"one_se_epochs on random curves, k={k}", one_se_epochs(noisy), reference_one_se(noisy))
check("one_se_epochs on the network's CV curves", epochs_one_se, reference_one_se(cv_curves))
### END HIDDEN TESTS

# %% [markdown]
# ## 6. What to do with the k results
#
# Cross-validation hands you k scores and k trained models. They are useful in several ways:
#
# - **Choose between models or settings by the mean score**, never by the best single fold:
#   the best fold is partly luck.
# - **Report the spread** (mean ± standard deviation). Two models whose means differ by much
#   less than the spread are not distinguishable on this data.
# - **Look at outlying folds.** A fold much worse than the others can reveal a problem in
#   the data: duplicated rows, a sub-population that only appears there, bad labels.
# - **Keep the k models as an ensemble**: average their predictions on new data. Each model
#   saw a different (k-1)/k of the data, and averaging them cancels part of their errors.
#
# Here are ten fold scores of the logistic regression on the breast cancer data.

# %%
ten_folds = StratifiedKFold(n_splits=10, shuffle=True, random_state=1)
fold_scores = cross_val_score(make_logistic(), features, target, cv=ten_folds)
mean_score, spread = fold_scores.mean(), fold_scores.std()
worst = int(np.argmin(fold_scores))
print(f"mean {mean_score:.3f} ± {spread:.3f}; worst fold {worst} at {fold_scores[worst]:.3f}, "
      f"{(mean_score - fold_scores[worst]) / spread:.1f} standard deviations below the mean")

fig, ax = plt.subplots()
ax.bar(np.arange(10), fold_scores, color="#56B4E9")
ax.axhline(mean_score, color="black", label="mean")
ax.axhspan(mean_score - spread, mean_score + spread, color="gray", alpha=0.2, label="± one std")
ax.set_ylim(0.85, 1.0)
ax.legend(loc="lower right")
labelled(ax, "Accuracy of each of 10 folds", "fold", "validation accuracy",
         caption="With ~57 tumours per fold one mistake moves a fold by 0.018: the spread is mostly noise.")
plt.show()

# %% [markdown]
# ### Exercise 9: a fold ensemble
#
# Write `fit_fold_models(make_model, x, y, folds)` that returns the list of models, one per
# fold, each built with `make_model()` and fitted on that fold's **training** rows; and
# `ensemble_proba(models, x)` that returns the average of the models' `predict_proba(x)`
# (an array of shape `(n_samples, n_classes)`). The cell then compares the ensemble of five
# depth-3 decision trees with each tree alone on the held-out test set.

# %% exercise="fold_ensemble"
def fit_fold_models(make_model, x, y, folds):
    """One model per fold, fitted on the fold's training rows."""
    ### BEGIN SOLUTION
    models = []
    for train, _ in folds:
        model = make_model()
        model.fit(x[train], y[train])
        models.append(model)
    return models
    ### END SOLUTION


def ensemble_proba(models, x):
    """Mean predicted class probabilities of the models."""
    ### BEGIN SOLUTION
    return np.mean([model.predict_proba(x) for model in models], axis=0)
    ### END SOLUTION


xc_train, xc_test, yc_train, yc_test = train_test("breast_cancer")
ensemble_folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(xc_train, yc_train))
make_small_tree = lambda: DecisionTreeClassifier(max_depth=3, random_state=0)  # noqa: E731
fold_models = fit_fold_models(make_small_tree, xc_train, yc_train, ensemble_folds)
ensemble_accuracy = float(np.mean(ensemble_proba(fold_models, xc_test).argmax(axis=1) == yc_test))
print("each tree:", [round(model.score(xc_test, yc_test), 3) for model in fold_models])
print("ensemble of the five:", round(ensemble_accuracy, 3))

# %% tests="fold_ensemble" points=2
check("the number of fold models", len(fold_models), 5, hint="fit one model per (train, val) pair")
probabilities = ensemble_proba(fold_models, xc_test)
check("the shape of ensemble_proba(fold_models, xc_test)", np.shape(probabilities), (len(xc_test), 2),
      hint="average the (n_samples, 2) arrays of predict_proba over the models (axis 0)")
check("ensemble_proba of the first two fold models", ensemble_proba(fold_models[:2], xc_test),
      (fold_models[0].predict_proba(xc_test) + fold_models[1].predict_proba(xc_test)) / 2,
      hint="each entry is the mean of the models' probabilities for that row and class")
check("the row sums of the ensemble's probabilities", np.sum(probabilities, axis=1), np.ones(len(xc_test)),
      hint="an average of probability rows still sums to 1")
check_that("an ensemble test accuracy above 0.88", ensemble_accuracy > 0.88, got=ensemble_accuracy)
first_train = ensemble_folds[0][0]
check("the first fold model's test probabilities against a tree fitted on fold 0's training rows",
      fold_models[0].predict_proba(xc_test),
      make_small_tree().fit(xc_train[first_train], yc_train[first_train]).predict_proba(xc_test),
      hint="fit each model on x[train], y[train] of its own fold, never on all rows")
### BEGIN HIDDEN TESTS
for fold, ((train, _), model) in enumerate(zip(ensemble_folds, fold_models)):
    reference_tree = make_small_tree().fit(xc_train[train], yc_train[train])
    check(f"the predictions of fold model {fold} (fitted on its training rows)", model.predict_proba(xc_test),
          reference_tree.predict_proba(xc_test))
iris_models = [LogisticRegression(max_iter=500).fit(x_iris[tr], y_iris[tr])
               for tr, _ in KFold(3, shuffle=True, random_state=4).split(x_iris)]
check("ensemble_proba of three iris models", ensemble_proba(iris_models, x_iris),
      np.mean([m.predict_proba(x_iris) for m in iris_models], axis=0))
### END HIDDEN TESTS

# %% [markdown]
# ## What you built
#
# - Under-fitting and over-fitting read off a validation curve: training error only ever
#   improves with complexity (or epochs); validation error turns back up.
# - Five remedies measured on the same network and the same test set: a smaller model,
#   dropout, L2, early stopping, and a correlation filter that matches `SelectKBest`; then
#   settings of your own that close the generalisation gap on three different splits.
# - k-fold cross-validation from index splitting to per-fold training and the mean and
#   spread of the scores, checked against `KFold` and `cross_val_score`, with shuffling and
#   stratification where the rows are ordered or the classes unbalanced; and a leak found and
#   fixed: every step that learns from data (here, feature selection) is fitted inside each
#   fold, or coin flips look predictable.
# - Cross-validation of a Keras network to choose its number of epochs, with the
#   one-standard-error rule, and a fold ensemble built from the k models.
