# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 05: Classification metrics and ROC/AUC
#
# **Description:** the confusion matrix and the rates read from it, why accuracy misleads on
# skewed data, ROC curves and AUC built by hand, a decision threshold chosen from explicit
# costs, and two small projects carried end to end.
#
# A single number such as "97% accuracy" hides *which* mistakes a model makes. In a
# disease-detection problem the two kinds of mistake are not alike: telling an ill patient
# that they are healthy can cost a life, while a false alarm costs a second test. This lab
# takes a classifier's predictions apart into the four cells of the confusion matrix, builds
# every common metric from those counts, draws the ROC curve by sweeping the decision
# threshold yourself, and then picks the threshold that minimises an explicit cost. It ends
# with two mini projects: a breast-cancer classifier and a tabular regression with its own
# metrics (MAE, RMSE, R²).
#
# Everything here uses scikit-learn and data that ships with it, so the lab runs offline in
# a few seconds.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The grader runs more tests on
# other inputs, so solve the problem, not the example. Run the notebook from top to bottom
# (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup

# %%
from course import check, check_that, needs, start_lab
from course.data import train_test
from course.plotting import labelled

import matplotlib.pyplot as plt
import numpy as np
from sklearn import metrics
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict, cross_val_score
from sklearn.tree import DecisionTreeClassifier

WORK_DIR = start_lab("lab05", seed=42)

# %% [markdown]
# ## 1. The confusion matrix
#
# Picture a model that screens patients for a disease. Label 1 means *ill* (the **positive**
# class: the thing we are looking for), label 0 means *healthy*. Each prediction falls into
# one of four cells:
#
# | | predicted healthy (0) | predicted ill (1) |
# |---|---|---|
# | **actually healthy (0)** | true negative (TN) | false positive (FP) |
# | **actually ill (1)** | false negative (FN) | true positive (TP) |
#
# Here is a worked example with 165 patients: 60 healthy and 105 ill. The model calls 50 of
# the healthy patients healthy (TN = 50) and raises a false alarm on 10 (FP = 10); it misses 5
# ill patients (FN = 5) and catches 100 (TP = 100). We rebuild those predictions as label
# vectors and let scikit-learn count them.

# %%
y_true_165 = np.array([0] * 60 + [1] * 105)
y_pred_165 = np.array([0] * 50 + [1] * 10 + [0] * 5 + [1] * 100)

matrix_165 = metrics.confusion_matrix(y_true_165, y_pred_165)
print(matrix_165)
tn, fp, fn, tp = matrix_165.ravel()
print(f"TN={tn}  FP={fp}  FN={fn}  TP={tp}")

# %% [markdown]
# scikit-learn puts the truth in the rows and the prediction in the columns, with the labels
# sorted, so for 0/1 labels the matrix reads `[[TN, FP], [FN, TP]]` and `.ravel()` unpacks
# it in that order. A heat map makes the layout easy to read.

# %%
fig, ax = plt.subplots(figsize=(4.5, 4))
metrics.ConfusionMatrixDisplay(matrix_165, display_labels=["healthy", "ill"]).plot(
    ax=ax, cmap="Blues", colorbar=False)
ax.grid(False)
labelled(ax, "Confusion matrix of the 165 patients", "predicted label", "actual label",
         caption="Rows are the truth, columns the prediction: the off-diagonal cells are the mistakes.")
plt.show()

# %% [markdown]
# ### Exercise 1: count the four cells yourself
#
# Write `confusion_counts(y_true, y_pred)` for binary labels (1 = positive) that returns a
# dict `{"tn": ..., "fp": ..., "fn": ..., "tp": ...}` of Python ints. Count with NumPy
# comparisons; do not call scikit-learn. Inputs may be lists or arrays.

# %% exercise="confusion_counts"
def confusion_counts(y_true, y_pred):
    """TN, FP, FN and TP of binary predictions (1 = positive), as a dict of ints."""
    ### BEGIN SOLUTION
    actual = np.asarray(y_true).astype(bool)
    predicted = np.asarray(y_pred).astype(bool)
    return {"tn": int(np.sum(~actual & ~predicted)), "fp": int(np.sum(~actual & predicted)),
            "fn": int(np.sum(actual & ~predicted)), "tp": int(np.sum(actual & predicted))}
    ### END SOLUTION


# %% tests="confusion_counts" points=2
check("confusion_counts of the 165 patients", confusion_counts(y_true_165, y_pred_165),
      {"tn": 50, "fp": 10, "fn": 5, "tp": 100},
      hint="a false positive is y_true == 0 and y_pred == 1; a false negative is y_true == 1 and y_pred == 0")
check("confusion_counts([0, 1, 1], [0, 1, 1])", confusion_counts([0, 1, 1], [0, 1, 1]),
      {"tn": 1, "fp": 0, "fn": 0, "tp": 2}, hint="lists must work too: convert them with np.asarray")
check("the types of the four counts", {k: type(v).__name__ for k, v in confusion_counts([0, 1], [1, 1]).items()},
      {"tn": "int", "fp": "int", "fn": "int", "tp": "int"}, hint="np.sum gives NumPy integers: wrap each in int(...)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(11)
for size in (7, 50, 300):
    yt, yp = rng.integers(0, 2, size), rng.integers(0, 2, size)
    ref = metrics.confusion_matrix(yt, yp, labels=[0, 1]).ravel()
    check(f"confusion_counts on {size} random labels", confusion_counts(yt, yp),
          dict(zip(["tn", "fp", "fn", "tp"], (int(v) for v in ref))))
check("confusion_counts with no positive prediction", confusion_counts([1, 0, 1, 0], [0, 0, 0, 0]),
      {"tn": 2, "fp": 0, "fn": 2, "tp": 0})
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Rates read from the counts
#
# Each metric answers a different question, and each is a ratio of cells:
#
# | metric | question it answers | formula |
# |---|---|---|
# | accuracy | how many predictions are right? | (TP + TN) / all |
# | precision | of the patients flagged ill, how many are ill? | TP / (TP + FP) |
# | recall = sensitivity | of the ill patients, how many are flagged? | TP / (TP + FN) |
# | specificity | of the healthy patients, how many are cleared? | TN / (TN + FP) |
# | 1 - specificity (false positive rate) | of the healthy patients, how many get a false alarm? | FP / (TN + FP) |
# | F1 | one number balancing precision and recall | 2 · precision · recall / (precision + recall) |
#
# F1 is the harmonic mean of precision and recall: it is high only when both are. Recall and
# specificity are the two that ROC curves use (section 3).
#
# ### Exercise 2: every rate from the four counts
#
# Write `classification_rates(tn, fp, fn, tp)` returning a dict with the keys `"accuracy"`,
# `"precision"`, `"recall"`, `"specificity"`, `"fpr"` (1 - specificity) and `"f1"`, as
# floats. When a denominator is zero (for example no positive prediction at all, so
# precision is 0/0) return `0.0` for that rate, as scikit-learn does with
# `zero_division=0`. The checks compare your numbers with scikit-learn's functions on the
# 165 patients.

# %% exercise="classification_rates"
RATE_NAMES = ["accuracy", "precision", "recall", "specificity", "fpr", "f1"]


def classification_rates(tn, fp, fn, tp):
    """Accuracy, precision, recall, specificity, false positive rate and F1 from the counts."""
    ### BEGIN SOLUTION
    def ratio(numerator, denominator):
        return float(numerator / denominator) if denominator else 0.0

    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    return {"accuracy": ratio(tp + tn, tn + fp + fn + tp), "precision": precision, "recall": recall,
            "specificity": ratio(tn, tn + fp), "fpr": ratio(fp, tn + fp),
            "f1": ratio(2 * precision * recall, precision + recall)}
    ### END SOLUTION


rates_165 = classification_rates(50, 10, 5, 100)
for name, value in rates_165.items():
    print(f"{name:12s} {value:.4f}")

# %% tests="classification_rates" points=2
rates_165 = classification_rates(50, 10, 5, 100)
check("the keys of classification_rates(50, 10, 5, 100)", sorted(rates_165), sorted(RATE_NAMES),
      hint="return a dict with exactly the six keys listed in the exercise")
check("precision of the 165 patients", rates_165["precision"], metrics.precision_score(y_true_165, y_pred_165),
      hint="precision = TP / (TP + FP): of the patients flagged ill, the fraction who are ill")
check("recall (sensitivity) of the 165 patients", rates_165["recall"], metrics.recall_score(y_true_165, y_pred_165),
      hint="recall = TP / (TP + FN): of the ill patients, the fraction the model flags")
check("specificity of the 165 patients", rates_165["specificity"],
      metrics.recall_score(y_true_165, y_pred_165, pos_label=0),
      hint="specificity = TN / (TN + FP): it is the recall of the healthy class")
check("1 - specificity of the 165 patients", rates_165["fpr"], 10 / 60,
      hint="1 - specificity = FP / (TN + FP), the false positive rate")
check("F1 of the 165 patients", rates_165["f1"], metrics.f1_score(y_true_165, y_pred_165),
      hint="F1 = 2 * precision * recall / (precision + recall)")
check("accuracy of the 165 patients", rates_165["accuracy"], metrics.accuracy_score(y_true_165, y_pred_165))
nothing_flagged = classification_rates(tn=5, fp=0, fn=3, tp=0)
check("precision when nothing is flagged (TP + FP = 0)", nothing_flagged["precision"], 0.0,
      hint="0/0 is undefined: return 0.0 when a denominator is zero, as zero_division=0 does")
check("F1 when precision and recall are both 0", nothing_flagged["f1"], 0.0,
      hint="F1's denominator precision + recall is 0 here: return 0.0")
no_positives = classification_rates(tn=4, fp=2, fn=0, tp=0)
check("recall when there is no positive at all (TP + FN = 0)", no_positives["recall"], 0.0,
      hint="with no ill patient, recall is 0/0: return 0.0")
no_negatives = classification_rates(tn=0, fp=0, fn=1, tp=3)
check("specificity and FPR when there is no negative at all (TN + FP = 0)",
      [no_negatives["specificity"], no_negatives["fpr"]], [0.0, 0.0],
      hint="with no healthy patient, both are 0/0: return 0.0 for each")
check_that("every rate to be a Python float, zero-division cases included",
           all(type(value) is float for rates in (rates_165, nothing_flagged, no_positives, no_negatives)
               for value in rates.values()), got={name: type(v).__name__ for name, v in nothing_flagged.items()},
           hint="wrap each ratio in float(...), and return 0.0 (not 0) for a zero denominator")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(12)
for size in (20, 200):
    yt, yp = rng.integers(0, 2, size), rng.integers(0, 2, size)
    counts = metrics.confusion_matrix(yt, yp, labels=[0, 1]).ravel()
    got = classification_rates(*(int(v) for v in counts))
    expected = {"accuracy": metrics.accuracy_score(yt, yp),
                "precision": metrics.precision_score(yt, yp, zero_division=0),
                "recall": metrics.recall_score(yt, yp, zero_division=0),
                "specificity": metrics.recall_score(yt, yp, pos_label=0, zero_division=0),
                "fpr": 1 - metrics.recall_score(yt, yp, pos_label=0, zero_division=0),
                "f1": metrics.f1_score(yt, yp, zero_division=0)}
    for name in RATE_NAMES:
        check(f"{name} on {size} random labels", got[name], expected[name])
def reference_rates(tn, fp, fn, tp):
    ratio = lambda a, b: a / b if b else 0.0  # noqa: E731
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return [ratio(tp + tn, tn + fp + fn + tp), precision, recall, ratio(tn, tn + fp), ratio(fp, tn + fp),
            ratio(2 * precision * recall, precision + recall)]


for counts in [(0, 0, 0, 0), (0, 3, 0, 0), (7, 0, 0, 0), (0, 0, 2, 0), (3, 1, 4, 0)]:
    got = classification_rates(*counts)
    check(f"the rates of the counts (tn, fp, fn, tp) = {counts}", [got[name] for name in RATE_NAMES],
          reference_rates(*counts))
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Why accuracy misleads on a skewed problem
#
# Most screened people are healthy. Suppose 2% of a population has the disease. A "model"
# that declares **everyone healthy** is right 98% of the time, yet it never finds a single
# ill patient. Here is a synthetic population of 5,000 people (generated below, not real
# data) and two models: the lazy one, and a screening test that catches 90% of ill people
# (sensitivity 0.90) and raises a false alarm for 5% of healthy people (specificity 0.95).

# %%
rng = np.random.default_rng(7)
n_people, prevalence = 5000, 0.02
ill = (rng.random(n_people) < prevalence).astype(int)
always_healthy = np.zeros(n_people, dtype=int)
flagged_if_ill, flagged_if_healthy = rng.random(n_people) < 0.90, rng.random(n_people) < 0.05
screening = np.where(ill == 1, flagged_if_ill, flagged_if_healthy).astype(int)

print(f"{n_people} people, {ill.sum()} ill ({ill.mean():.1%})")
for name, predictions in [("always healthy", always_healthy), ("screening test", screening)]:
    print(f"{name:15s} accuracy {metrics.accuracy_score(ill, predictions):.3f}   "
          f"recall {metrics.recall_score(ill, predictions):.3f}   "
          f"balanced accuracy {metrics.balanced_accuracy_score(ill, predictions):.3f}")

# %% [markdown]
# The useless model wins on accuracy. The reason is that accuracy averages the two classes
# *weighted by how common they are*: with 98% healthy people it is almost exactly the
# specificity, and sensitivity barely counts. Balanced accuracy, the plain mean of
# sensitivity and specificity, weights both classes equally and ranks the models sensibly.
#
# ### Exercise 3: accuracy as a weighted average
#
# Write `accuracy_from_rates(sensitivity, specificity, prevalence)` that returns the accuracy
# of a classifier with the given sensitivity and specificity on a population where a fraction
# `prevalence` is positive. (Count the right answers among the positives and among the
# negatives, then divide by everyone.) Any argument may also be a NumPy array, as in the plot
# after this exercise, which passes 61 prevalences at once: the function then returns an
# array with one accuracy per element, which plain NumPy arithmetic does for you (avoid
# `float(...)`, `if` tests and loops on the arguments).

# %% exercise="accuracy_from_rates"
def accuracy_from_rates(sensitivity, specificity, prevalence):
    """Accuracy implied by sensitivity and specificity at a given prevalence."""
    ### BEGIN SOLUTION
    return sensitivity * prevalence + specificity * (1 - prevalence)
    ### END SOLUTION


# %% tests="accuracy_from_rates" points=1
check("accuracy_from_rates(0, 1, 0.02) (always healthy)", accuracy_from_rates(0.0, 1.0, 0.02), 0.98,
      hint="the right answers are sensitivity * prevalence (ill) plus specificity * (1 - prevalence) (healthy)")
check("accuracy_from_rates(0.9, 0.95, 0.02) (the screening test)", accuracy_from_rates(0.9, 0.95, 0.02), 0.949,
      hint="0.9 * 0.02 of the population are ill and caught, 0.95 * 0.98 are healthy and cleared")
check("accuracy_from_rates(0.9, 0.95, np.array([0.0, 0.5, 1.0])) (an array of prevalences)",
      accuracy_from_rates(0.9, 0.95, np.array([0.0, 0.5, 1.0])), np.array([0.95, 0.925, 0.9]),
      hint="write the formula with arithmetic operators only, so that an array argument gives an array back")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(13)
for size in (40, 400):
    yt, yp = rng.integers(0, 2, size), rng.integers(0, 2, size)
    sensitivity = metrics.recall_score(yt, yp)
    specificity = metrics.recall_score(yt, yp, pos_label=0)
    check(f"accuracy_from_rates against accuracy_score on {size} random labels",
          accuracy_from_rates(sensitivity, specificity, yt.mean()), metrics.accuracy_score(yt, yp))
check("accuracy_from_rates(0.7, 0.6, 0.5)", accuracy_from_rates(0.7, 0.6, 0.5), 0.65)
sens, spec = np.array([0.2, 0.9, 1.0]), np.array([0.8, 0.5, 0.0])
check("accuracy_from_rates with arrays of sensitivities and specificities", accuracy_from_rates(sens, spec, 0.3),
      sens * 0.3 + spec * 0.7)
### END HIDDEN TESTS

# %% [markdown]
# With your function we can draw accuracy against prevalence for both models. Below about 5%
# prevalence, the model that never detects anything has the higher accuracy.

# %%
prevalences = np.linspace(0.0, 0.3, 61)
with needs("exercise 3 (`accuracy_from_rates`)"):
    fig, ax = plt.subplots()
    ax.plot(prevalences, accuracy_from_rates(0.0, 1.0, prevalences), label="always healthy")
    ax.plot(prevalences, accuracy_from_rates(0.90, 0.95, prevalences), label="screening test")
    ax.axvline(0.02, color="gray", linestyle=":", label="our population (2%)")
    ax.legend()
    labelled(ax, "Accuracy depends on how common the disease is", "prevalence", "accuracy",
             caption="Accuracy rewards the lazy model when positives are rare; report recall and specificity.")
    plt.show()

# %% [markdown]
# ## 4. The ROC curve, threshold by threshold
#
# From here on we use real data: scikit-learn's breast cancer set (569 tumours, 30 features
# measured on cell nuclei, bundled with the library). In its `target` column 0 means
# malignant; we flip it so that **1 = malignant**, the condition we want to detect. A logistic
# regression gives every tumour a *score*, the predicted probability of malignancy.

# %%
x_train, x_test, target_train, target_test = train_test("breast_cancer")
y_train, y_test = 1 - target_train, 1 - target_test  # 1 = malignant
print("train:", x_train.shape, "test:", x_test.shape, "malignant share:", round(y_train.mean(), 3))

logistic = LogisticRegression(max_iter=1000).fit(x_train, y_train)
scores_logistic = logistic.predict_proba(x_test)[:, 1]
print("first scores:", np.round(scores_logistic[:6], 3))

# %% [markdown]
# A score becomes a decision through a **threshold**: predict malignant when the score is at
# least `t`. `predict` uses `t = 0.5`, but nothing forces that choice. Every threshold gives
# its own confusion matrix, and so its own pair (false positive rate, true positive rate).
# A high threshold flags few tumours (few false alarms, many misses); a low one flags many.

# %%
for threshold in (0.9, 0.5, 0.1):
    flagged = (scores_logistic >= threshold).astype(int)
    tn, fp, fn, tp = metrics.confusion_matrix(y_test, flagged).ravel()
    print(f"t={threshold:.1f}  TP={tp:2d} FN={fn:2d} FP={fp:2d} TN={tn:2d}  "
          f"TPR={tp / (tp + fn):.3f}  FPR={fp / (fp + tn):.3f}")

# %% [markdown]
# The **ROC curve** (receiver operating characteristic) plots the true positive rate
# (sensitivity, y axis) against the false positive rate (1 - specificity, x axis) for
# *every* threshold. It starts at (0, 0), a threshold above every score where nothing is
# flagged, and ends at (1, 1), a threshold at the lowest score where everything is.
#
# ### Exercise 4: sweep the thresholds
#
# Write `roc_points(y_true, scores)` returning three NumPy arrays `(fpr, tpr, thresholds)`.
# The thresholds are `np.inf` followed by the distinct scores in *decreasing* order; at each
# threshold `t`, a sample is predicted positive when `score >= t`. This is exactly what
# `sklearn.metrics.roc_curve(y_true, scores, drop_intermediate=False)` returns, and the
# checks compare with it.

# %% exercise="roc_points"
def roc_points(y_true, scores):
    """False positive rates, true positive rates and thresholds of a full threshold sweep."""
    ### BEGIN SOLUTION
    positive = np.asarray(y_true) == 1
    scores = np.asarray(scores, dtype=float)
    thresholds = np.concatenate([[np.inf], np.unique(scores)[::-1]])
    flagged = scores[None, :] >= thresholds[:, None]  # one row per threshold
    tpr = (flagged & positive).sum(axis=1) / positive.sum()
    fpr = (flagged & ~positive).sum(axis=1) / (~positive).sum()
    return fpr, tpr, thresholds
    ### END SOLUTION


# %% tests="roc_points" points=3
tiny_true, tiny_scores = [0, 1, 1, 0], [0.1, 0.8, 0.4, 0.4]
tiny_fpr, tiny_tpr, tiny_thresholds = roc_points(tiny_true, tiny_scores)
ref_fpr, ref_tpr, ref_thresholds = metrics.roc_curve(tiny_true, tiny_scores, drop_intermediate=False)
check("thresholds of roc_points on the tiny example", tiny_thresholds, ref_thresholds,
      hint="start with np.inf, then the distinct scores from the highest to the lowest (np.unique sorts ascending)")
check("tpr of roc_points on the tiny example", tiny_tpr, ref_tpr,
      hint="TPR = flagged positives / all positives, with flagged meaning score >= threshold")
check("fpr of roc_points on the tiny example", tiny_fpr, ref_fpr,
      hint="FPR = flagged negatives / all negatives")
### BEGIN HIDDEN TESTS
for label, yt, sc in [("the logistic model's test scores", y_test, scores_logistic),
                      ("random scores with ties", np.random.default_rng(14).integers(0, 2, 80),
                       np.round(np.random.default_rng(15).random(80), 1))]:
    got = roc_points(yt, sc)
    ref = metrics.roc_curve(yt, sc, drop_intermediate=False)
    for name, g, r in zip(("fpr", "tpr", "thresholds"), got, ref):
        check(f"{name} of roc_points on {label}", g, r)
### END HIDDEN TESTS

# %% [markdown]
# The **AUC** (area under the ROC curve) summarises the whole curve in one number: 1.0 for
# a model that ranks every positive above every negative, 0.5 for random guessing (the
# diagonal). It also has a direct meaning: the probability that a randomly chosen malignant
# tumour gets a higher score than a randomly chosen benign one. Because the ROC curve is a
# set of points joined by straight lines, its area is a sum of trapezoids: between two
# neighbouring points the area is the width `x[i+1] - x[i]` times the mean height
# `(y[i] + y[i+1]) / 2`.
#
# ### Exercise 5: AUC by the trapezoid rule
#
# Write `trapezoid_auc(x, y)` that returns the area under the piecewise-linear curve through
# the points `(x[i], y[i])` (x sorted in increasing order) as a float, by summing trapezoids
# yourself with NumPy (no `np.trapezoid`, no scikit-learn).

# %% exercise="trapezoid_auc"
def trapezoid_auc(x, y):
    """Area under the piecewise-linear curve through (x[i], y[i]) by the trapezoid rule."""
    ### BEGIN SOLUTION
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))
    ### END SOLUTION


# %% tests="trapezoid_auc" points=1
check("trapezoid_auc of the diagonal [0, 1] -> [0, 1]", trapezoid_auc([0, 1], [0, 1]), 0.5,
      hint="one trapezoid: width 1, mean height (0 + 1) / 2")
check("trapezoid_auc of a perfect ROC (0,0) (0,1) (1,1)", trapezoid_auc([0, 0, 1], [0, 1, 1]), 1.0)
sk_fpr, sk_tpr, _ = metrics.roc_curve(y_test, scores_logistic)
check("trapezoid_auc of the logistic model's ROC against roc_auc_score", trapezoid_auc(sk_fpr, sk_tpr),
      metrics.roc_auc_score(y_test, scores_logistic), hint="sum (x[i+1] - x[i]) * (y[i] + y[i+1]) / 2 over i")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(16)
xs = np.sort(rng.random(30))
ys = rng.random(30)
check("trapezoid_auc of a random curve", trapezoid_auc(xs, ys), metrics.auc(xs, ys))
yt, sc = rng.integers(0, 2, 60), rng.random(60)
fpr_r, tpr_r, _ = metrics.roc_curve(yt, sc)
check("trapezoid_auc of a random ROC", trapezoid_auc(fpr_r, tpr_r), metrics.roc_auc_score(yt, sc))
### END HIDDEN TESTS

# %% [markdown]
# ### Comparing two models by AUC
#
# AUC does not depend on any threshold, which makes it a fair way to compare models before
# a threshold is chosen. Below, the logistic regression meets a decision tree of depth 2.
# The tree gives only a handful of distinct scores (one per leaf), so its ROC curve has few
# corners. One test split of 143 tumours is a small sample, so we also compare the models by
# 5-fold cross-validated AUC on the training set (lab 04), which shows the spread.

# %%
tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(x_train, y_train)
candidates = {"logistic regression": (logistic, scores_logistic),
              "decision tree, depth 2": (tree, tree.predict_proba(x_test)[:, 1])}
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)

fig, ax = plt.subplots(figsize=(5.5, 5))
for name, (model, test_scores) in candidates.items():
    fpr_m, tpr_m, _ = metrics.roc_curve(y_test, test_scores)
    test_auc = metrics.roc_auc_score(y_test, test_scores)
    cv_auc = cross_val_score(model, x_train, y_train, cv=folds, scoring="roc_auc")
    ax.plot(fpr_m, tpr_m, marker=".", label=f"{name} (test AUC {test_auc:.3f})")
    print(f"{name:24s} test AUC {test_auc:.3f}   CV AUC {cv_auc.mean():.3f} ± {cv_auc.std():.3f}")
ax.plot([0, 1], [0, 1], "--", color="gray", label="random guessing (AUC 0.5)")
ax.legend(loc="lower right")
labelled(ax, "ROC curves on the breast cancer test set", "false positive rate (1 - specificity)",
         "true positive rate (sensitivity)",
         caption="The curve closer to the top-left corner ranks tumours better; AUC measures how close.")
plt.show()

# %% [markdown]
# ## 5. Choosing the threshold from costs
#
# The threshold is a business decision, not a property of the model. Suppose that a missed
# malignant tumour (a false negative) is judged **20 times** as costly as a false alarm (a
# false positive, which leads to a biopsy that turns out benign). The total cost of a
# threshold is then
#
# `cost = 20 · FN + 1 · FP`
#
# and we want the threshold that minimises it. The threshold must not be tuned on the test
# set, or the test score stops being an honest estimate. We use **out-of-fold** scores
# instead: `cross_val_predict` scores every training tumour with a model that did not see it
# during fitting.

# %%
COST_FN, COST_FP = 20, 1
oof_scores = cross_val_predict(LogisticRegression(max_iter=1000), x_train, y_train, cv=folds,
                               method="predict_proba")[:, 1]
for threshold in (0.5, 0.3, 0.1):
    tn, fp, fn, tp = metrics.confusion_matrix(y_train, (oof_scores >= threshold).astype(int)).ravel()
    print(f"t={threshold:.1f}  FN={fn:2d} FP={fp:2d}  cost={COST_FN * fn + COST_FP * fp}")

# %% [markdown]
# ### Exercise 6: the cheapest threshold
#
# Write `total_cost(y_true, scores, threshold, cost_fn, cost_fp)` returning the cost
# `cost_fn * FN + cost_fp * FP` when samples with `score >= threshold` are predicted positive,
# and `best_threshold(y_true, scores, cost_fn, cost_fp)` that tries every distinct score as a
# threshold, plus `np.inf` (flag nothing), and returns the one with the lowest total cost, as
# a float. Two thresholds can cost the same (with 1:1 costs on our out-of-fold scores,
# thresholds near 0.49 and 0.51 tie): then return the **lowest** of the cheapest thresholds,
# the one that flags more tumours, the cautious choice in screening. Then use it on the
# out-of-fold scores: `chosen_threshold` is the threshold for a 20:1 cost.

# %% exercise="cost_threshold"
def total_cost(y_true, scores, threshold, cost_fn, cost_fp):
    """cost_fn * FN + cost_fp * FP when score >= threshold is predicted positive."""
    ### BEGIN SOLUTION
    positive = np.asarray(y_true) == 1
    flagged = np.asarray(scores) >= threshold
    return float(cost_fn * np.sum(positive & ~flagged) + cost_fp * np.sum(~positive & flagged))
    ### END SOLUTION


def best_threshold(y_true, scores, cost_fn, cost_fp):
    """The candidate threshold (a distinct score, or np.inf) with the lowest total cost."""
    ### BEGIN SOLUTION
    candidates = np.append(np.unique(scores), np.inf)
    costs = [total_cost(y_true, scores, t, cost_fn, cost_fp) for t in candidates]
    return float(candidates[int(np.argmin(costs))])
    ### END SOLUTION


chosen_threshold = best_threshold(y_train, oof_scores, COST_FN, COST_FP)
print(f"chosen threshold {chosen_threshold:.4f}, out-of-fold cost "
      f"{total_cost(y_train, oof_scores, chosen_threshold, COST_FN, COST_FP):.0f} "
      f"(at 0.5: {total_cost(y_train, oof_scores, 0.5, COST_FN, COST_FP):.0f})")

# %% tests="cost_threshold" points=3
small_true, small_scores = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
check("total_cost(small example, threshold 0.4, cost_fn=5, cost_fp=1)",
      total_cost(small_true, small_scores, 0.4, 5, 1), 6.0,
      hint="at 0.4 the tumour scored 0.35 is missed (FN = 1) and the healthy one scored 0.4 is flagged (FP = 1)")
check("best_threshold(small example, cost_fn=5, cost_fp=1)", best_threshold(small_true, small_scores, 5, 1), 0.35,
      hint="try every distinct score (and np.inf) as the threshold and keep the cheapest")
check("best_threshold(small example, cost_fn=1, cost_fp=5)", best_threshold(small_true, small_scores, 1, 5), 0.8,
      hint="when false alarms are the expensive mistake, the threshold moves up")
check("best_threshold(small example, cost_fn=1, cost_fp=1), where 0.35 and 0.8 both cost 1",
      best_threshold(small_true, small_scores, 1, 1), 0.35,
      hint="on a tie, return the lowest of the cheapest thresholds (np.argmin over ascending candidates does it)")
one_to_one = {t: int(np.sum((y_train == 1) & (oof_scores < t)) + np.sum((y_train == 0) & (oof_scores >= t)))
              for t in np.unique(oof_scores)}
tied = [t for t, cost in one_to_one.items() if cost == min(one_to_one.values())]
check("best_threshold(y_train, oof_scores, 1, 1), a tie between " + " and ".join(f"{t:.4f}" for t in tied),
      best_threshold(y_train, oof_scores, 1, 1), float(min(tied)),
      hint="on a tie, return the lowest of the cheapest thresholds")
check_that("best_threshold to return a float", type(best_threshold(small_true, small_scores, 5, 1)) is float,
           got=type(best_threshold(small_true, small_scores, 5, 1)).__name__, hint="return float(threshold)")
check_that("the chosen threshold for a 20:1 cost to be below 0.5", chosen_threshold < 0.5, got=chosen_threshold,
           hint="missed tumours are expensive, so the cheapest threshold flags more tumours than 0.5 does")
### BEGIN HIDDEN TESTS
def reference_costs(yt, sc, cost_fn, cost_fp):
    yt, sc = np.asarray(yt), np.asarray(sc)
    return {t: cost_fn * np.sum((yt == 1) & (sc < t)) + cost_fp * np.sum((yt == 0) & (sc >= t))
            for t in np.append(np.unique(sc), np.inf)}


rng = np.random.default_rng(17)
yt, sc = rng.integers(0, 2, 70), np.round(rng.random(70), 2)
for cfn, cfp in [(10, 1), (1, 10), (3, 2)]:
    ref = reference_costs(yt, sc, cfn, cfp)
    check(f"total_cost at threshold 0.5 with costs ({cfn}, {cfp})", total_cost(yt, sc, 0.5, cfn, cfp),
          cfn * np.sum((yt == 1) & (sc < 0.5)) + cfp * np.sum((yt == 0) & (sc >= 0.5)))
    picked = best_threshold(yt, sc, cfn, cfp)
    check(f"the cost of best_threshold's pick with costs ({cfn}, {cfp})",
          total_cost(yt, sc, picked, cfn, cfp), float(min(ref.values())))
ref = reference_costs(y_train, oof_scores, COST_FN, COST_FP)
chosen_cost = (COST_FN * np.sum((y_train == 1) & (oof_scores < chosen_threshold))
               + COST_FP * np.sum((y_train == 0) & (oof_scores >= chosen_threshold)))
check("the out-of-fold cost of chosen_threshold", float(chosen_cost), float(min(ref.values())))
check("best_threshold when every label is negative", best_threshold([0, 0, 0], [0.2, 0.5, 0.9], 5, 1), np.inf)
check("best_threshold when every label is positive", best_threshold([1, 1, 1], [0.2, 0.5, 0.9], 1, 5), 0.2)
for cfn, cfp in [(1, 1), (2, 2), (1, 3)]:
    ref = reference_costs(yt, sc, cfn, cfp)
    cheapest = min(ref.values())
    check(f"best_threshold's pick on a tie with costs ({cfn}, {cfp})", best_threshold(yt, sc, cfn, cfp),
          float(min(t for t, c in ref.items() if c == cheapest)))
### END HIDDEN TESTS

# %% [markdown]
# Here is the whole cost curve, and what the chosen threshold does on the untouched test set
# compared with the default 0.5.

# %%
with needs("exercise 6 (`total_cost` and `best_threshold`)"):
    sweep = np.unique(oof_scores)
    fig, ax = plt.subplots()
    ax.plot(sweep, [total_cost(y_train, oof_scores, t, COST_FN, COST_FP) for t in sweep])
    ax.axvline(chosen_threshold, color="gray", linestyle=":", label=f"chosen threshold {chosen_threshold:.3f}")
    ax.axvline(0.5, color="black", linestyle="--", label="default threshold 0.5")
    ax.set_xscale("log")
    ax.legend()
    labelled(ax, "Cost of each threshold (out-of-fold, FN costs 20, FP costs 1)", "threshold (log scale)",
             "total cost", caption="Cheap false alarms and costly misses push the best threshold well below 0.5.")
    plt.show()

    for threshold in (0.5, chosen_threshold):
        flagged = (scores_logistic >= threshold).astype(int)
        tn, fp, fn, tp = metrics.confusion_matrix(y_test, flagged).ravel()
        print(f"test set, t={threshold:.3f}: FN={fn} FP={fp} cost={COST_FN * fn + COST_FP * fp} "
              f"recall={tp / (tp + fn):.3f} specificity={tn / (tn + fp):.3f}")

# %% [markdown]
# ## 6. Mini project 1: breast-cancer classification, end to end
#
# Time to put the pieces together on your own. This one is a problem: you choose the
# classifier and the steps; the specification and the acceptance checks below are what
# count.
#
# ### Exercise 7 (a problem): the screening model
#
# Write `breast_cancer_project(x_train, y_train, x_test, y_test, cost_fn, cost_fp)` that
# returns a dict with the keys `"model"`, `"threshold"`, `"auc"`, `"recall"`, `"specificity"`
# and `"cost"`. The rules:
#
# - `"model"` is a scikit-learn classifier with a `predict_proba` method, fitted on the whole
#   training set; any classifier is allowed (logistic regression works well);
# - `"threshold"` minimises `cost_fn · FN + cost_fp · FP` on scores of the training tumours
#   that the model did not see while fitting (out-of-fold scores, as in section 5); the test
#   set plays no part in it, so the threshold must not change when the test labels do;
# - `"auc"`, `"recall"`, `"specificity"` and `"cost"` are measured once on the test set: the
#   AUC of the model's test probabilities, and the other three at the chosen threshold
#   (score >= threshold means malignant);
# - the function is deterministic: fix every `random_state`.
#
# One way to get there: (1) choose a classifier and a cross-validation splitter; (2) get the
# classifier's out-of-fold probabilities on the training set and pick the cheapest threshold
# with `best_threshold`; (3) train the classifier on the whole training set; (4) measure it on
# the test set. The checks accept any solution that meets the rules with a test AUC above 0.95
# and, for the 20:1 costs, a test recall of at least 0.9. The grader also runs your function on
# another split of the data and with other costs.

# %% exercise="cancer_project"
def breast_cancer_project(x_train, y_train, x_test, y_test, cost_fn, cost_fp):
    """Fit, choose a cost-based threshold on out-of-fold scores, and report on the test set."""
    ### BEGIN SOLUTION
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    model = LogisticRegression(max_iter=1000)
    oof = cross_val_predict(model, x_train, y_train, cv=cv, method="predict_proba")[:, 1]
    threshold = best_threshold(y_train, oof, cost_fn, cost_fp)
    model.fit(x_train, y_train)
    test_scores = model.predict_proba(x_test)[:, 1]
    flagged = (test_scores >= threshold).astype(int)
    return {"model": model, "threshold": threshold,
            "auc": float(metrics.roc_auc_score(y_test, test_scores)),
            "recall": float(metrics.recall_score(y_test, flagged)),
            "specificity": float(metrics.recall_score(y_test, flagged, pos_label=0)),
            "cost": total_cost(y_test, test_scores, threshold, cost_fn, cost_fp)}
    ### END SOLUTION


project = breast_cancer_project(x_train, y_train, x_test, y_test, COST_FN, COST_FP)
print({name: value for name, value in project.items() if name != "model"})

# %% [markdown]
# The checks measure a result again from its model and threshold, so they hold for any
# classifier.

# %%
def check_project(result, x_train, y_train, x_test, y_test, cost_fn, cost_fp, where):
    """The rules of exercise 7 that hold for any classifier: a report true to its model and threshold."""
    check(f"the keys of the project's result {where}", sorted(result),
          sorted(["model", "threshold", "auc", "recall", "specificity", "cost"]),
          hint="return a dict with exactly the keys listed in the exercise")
    test_scores = result["model"].predict_proba(x_test)[:, 1]
    flagged = test_scores >= result["threshold"]
    positive = np.asarray(y_test) == 1
    reported = [result[key] for key in ("auc", "recall", "specificity", "cost")]
    measured = [metrics.roc_auc_score(y_test, test_scores), np.mean(flagged[positive]), np.mean(~flagged[~positive]),
                cost_fn * np.sum(positive & ~flagged) + cost_fp * np.sum(~positive & flagged)]
    check(f"(auc, recall, specificity, cost) against the model's test probabilities {where}", reported, measured,
          hint="measure all four on the test set with the returned model and threshold (score >= threshold)")
    trivial = min(cost_fn * positive.sum(), cost_fp * (~positive).sum())
    check_that(f"a test cost below flagging nothing and below flagging everything {where}",
               result["cost"] < trivial, got=result["cost"], hint="choose the cheapest threshold on out-of-fold scores")
    shuffled = np.random.default_rng(0).permutation(np.asarray(y_test))
    again = breast_cancer_project(x_train, y_train, x_test, shuffled, cost_fn, cost_fp)
    check(f"the threshold when the test labels are shuffled {where}", again["threshold"], result["threshold"],
          hint="choose the threshold from the training set only (out-of-fold scores), never from y_test")


# %% tests="cancer_project" points=3
check_project(project, x_train, y_train, x_test, y_test, COST_FN, COST_FP, "(20:1 costs)")
check_that("a test AUC above 0.95", project["auc"] > 0.95, got=project["auc"],
           hint="logistic regression on the scaled features gets there")
check_that("a test recall of at least 0.9 at the chosen threshold", project["recall"] >= 0.9, got=project["recall"],
           hint="choose the threshold on out-of-fold scores with the 20:1 cost")
expensive_alarms = breast_cancer_project(x_train, y_train, x_test, y_test, 1, 5)
check_that("the threshold for 1:5 costs to be at least the one for 20:1 costs",
           expensive_alarms["threshold"] >= project["threshold"],
           got=(expensive_alarms["threshold"], project["threshold"]),
           hint="when false alarms cost more, the cheapest threshold flags fewer tumours")
### BEGIN HIDDEN TESTS
xo_train, xo_test, to_train, to_test = train_test("breast_cancer", seed=7)
yo_train, yo_test = 1 - to_train, 1 - to_test
for cfn, cfp in [(20, 1), (5, 1), (1, 1)]:
    other = breast_cancer_project(xo_train, yo_train, xo_test, yo_test, cfn, cfp)
    check_project(other, xo_train, yo_train, xo_test, yo_test, cfn, cfp, f"on another split, costs {cfn}:{cfp}")
    check_that(f"a test AUC above 0.95 on another split, costs {cfn}:{cfp}", other["auc"] > 0.95, got=other["auc"])
check_that("a test specificity above 0.5", project["specificity"] > 0.5, got=project["specificity"])
### END HIDDEN TESTS

# %% [markdown]
# ### Your threshold, defended (written answer)
#
# A clinic will run your screening model on every new biopsy image. Its doctors say a missed
# malignant tumour is about 20 times as costly as a false alarm, and the printed results above
# show what the default threshold 0.5 and the cost-based threshold do on the test set. Which
# threshold would you deploy? In four to six sentences, defend it. A full-mark answer (1) names
# the threshold and how it was chosen (and why not on the test set), (2) states the trade it
# makes with the numbers printed above (misses, false alarms, recall, specificity, cost),
# (3) says how much to trust those numbers (the test set's size, what a different cost ratio
# or a different prevalence in the clinic would do), and (4) says what you would check or
# monitor after deployment.

# %% [markdown] answer="defend_threshold" points=4
# I would deploy the cost-based threshold, about 0.07, chosen on out-of-fold scores of the
# training set so that the test set stays an honest estimate. On the 143 test tumours it
# misses none of the 53 malignant ones (recall 1.000 against 0.981 at 0.5) and pays for it
# with 17 false alarms instead of 1 (specificity 0.811 against 0.989): a cost of 17 against
# 21 at 20:1, that is one miss avoided for 16 extra biopsies. The numbers are small: one
# missed tumour more or less changes the recall by 0.02 and the cost by 20, so the test set
# alone cannot prove that 0.07 beats, say, 0.1; the out-of-fold costs of 426 training
# tumours are the better guide. The threshold also depends on the cost ratio and on the
# share of malignant cases: in a screening population with far fewer malignant tumours than
# our 37%, the same threshold would produce many more false alarms per cancer found, so I
# would re-estimate it on the clinic's own data. After deployment I would monitor the share of
# flagged cases, the biopsy results of flagged patients (the precision) and any missed cancers
# found later, and re-choose the threshold if the score distribution or the prevalence drifts.
#
# **Rubric (instructor only):** 4 points, one per numbered criterion of the question.
# (1) a threshold named with its selection method on training data only (out-of-fold or a
# validation split; tuning on the test set gets 0 for this point). (2) the trade quantified with
# the printed numbers: misses and false alarms (or recall and specificity) at both thresholds,
# and the cost. (3) a limit of the evidence: the small test set (one case moves recall by about
# 0.02), the dependence on the cost ratio, or a different prevalence in the deployed population.
# (4) a concrete check after deployment (flag rate, precision from biopsies, missed cancers,
# drift of scores or prevalence, recalibration). A defended choice of 0.5 or another threshold
# earns full marks if it meets the four criteria with an argument (for example, biopsy capacity).

# %% [markdown]
# ## 7. Mini project 2: a house-price style regression
#
# Courses long used the Boston house-price table for this project, but scikit-learn removed
# `load_boston` in version 1.2 because one of its features was built on the assumption that
# racial self-segregation raises house prices. Its usual replacement, California housing,
# has to be downloaded, which this offline course avoids. We use scikit-learn's bundled
# **diabetes** table instead: the same kind of problem (predict a number from ten numeric
# columns about 442 patients; the target measures disease progression one year later), with
# the same metrics:
#
# - **MAE**, the mean absolute error: the typical miss, in the target's units;
# - **RMSE**, the root mean squared error: also in the target's units, but large misses
#   weigh more;
# - **R²** = 1 - SS_res / SS_tot, with SS_res = Σ(y - ŷ)² and SS_tot = Σ(y - ȳ)²: the share
#   of the target's variance the model explains, where ȳ is the mean of the targets being
#   scored. Predicting exactly that mean gives R² = 0; a model worse than it goes negative.
#
# A regression model is only useful if it beats the simplest baseline, predicting the mean
# for everyone. The mean you can actually use is the *training* mean: the test mean is
# unknown when you predict. Scored on the test set, the training mean is slightly off the
# test mean, so its R² is slightly below 0; the test mean (shown only for comparison) gets
# exactly 0.

# %%
xd_train, xd_test, yd_train, yd_test = train_test("diabetes")
print("train:", xd_train.shape, "test:", xd_test.shape, "target range:", yd_train.min(), "-", yd_train.max())

baseline_pred = np.full(len(yd_test), yd_train.mean())
linear = LinearRegression().fit(xd_train, yd_train)
linear_pred = linear.predict(xd_test)
for name, pred in [("test mean (unusable)", np.full(len(yd_test), yd_test.mean())),
                   ("training mean", baseline_pred), ("linear regression", linear_pred)]:
    print(f"{name:20s} MAE {metrics.mean_absolute_error(yd_test, pred):6.2f}   "
          f"RMSE {metrics.root_mean_squared_error(yd_test, pred):6.2f}   R² {metrics.r2_score(yd_test, pred):6.3f}")

fig, ax = plt.subplots(figsize=(5, 5))
ax.scatter(yd_test, linear_pred, s=12)
ax.plot([yd_test.min(), yd_test.max()], [yd_test.min(), yd_test.max()], "--", color="gray", label="perfect prediction")
ax.legend()
labelled(ax, "Linear regression on the diabetes test set", "actual target", "predicted target",
         caption="Points far from the diagonal are large errors; RMSE weighs them more than MAE does.")
plt.show()

# %% [markdown]
# ### Exercise 8: regression metrics by hand
#
# Write `regression_metrics(y_true, y_pred)` returning a dict with the keys `"mae"`,
# `"rmse"` and `"r2"` as floats, computed with NumPy from the formulas above (no
# scikit-learn).

# %% exercise="regression_metrics"
def regression_metrics(y_true, y_pred):
    """MAE, RMSE and R^2 of a regression, from their formulas."""
    ### BEGIN SOLUTION
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    errors = y_true - y_pred
    ss_res = np.sum(errors**2)
    ss_tot = np.sum((y_true - y_true.mean()) ** 2)
    return {"mae": float(np.mean(np.abs(errors))), "rmse": float(np.sqrt(np.mean(errors**2))),
            "r2": float(1 - ss_res / ss_tot)}
    ### END SOLUTION


# %% tests="regression_metrics" points=2
small = regression_metrics([3.0, 5.0, 7.0], [4.0, 5.0, 5.0])
check("the keys of regression_metrics", sorted(small), ["mae", "r2", "rmse"], hint="return the keys mae, rmse and r2")
check("MAE of [3, 5, 7] vs [4, 5, 5]", small["mae"], 1.0, hint="mean of |y - y_hat| = (1 + 0 + 2) / 3")
check("RMSE of [3, 5, 7] vs [4, 5, 5]", small["rmse"], np.sqrt(5 / 3), hint="sqrt of the mean of (y - y_hat)^2")
check("R² of [3, 5, 7] vs [4, 5, 5]", small["r2"], 1 - 5 / 8, hint="1 - SS_res / SS_tot, with SS_tot = sum((y - mean(y))^2) = 8")
check("R² of the linear model against r2_score", regression_metrics(yd_test, linear_pred)["r2"],
      metrics.r2_score(yd_test, linear_pred), rtol=1e-5)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(18)
yt = rng.normal(10, 3, 50)
yp = yt + rng.normal(0, 2, 50)
got = regression_metrics(yt, yp)
check("MAE on random data", got["mae"], metrics.mean_absolute_error(yt, yp))
check("RMSE on random data", got["rmse"], metrics.root_mean_squared_error(yt, yp))
check("R² on random data", got["r2"], metrics.r2_score(yt, yp))
check("R² of predicting the mean", regression_metrics(yt, np.full(50, yt.mean()))["r2"], 0.0, atol=1e-9)
check_that("R² below zero for a model worse than the mean", regression_metrics(yt, -yt)["r2"] < 0,
           got=regression_metrics(yt, -yt))
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 9 (a problem): beat the linear baseline
#
# Ridge regression is linear regression with an L2 penalty of strength `alpha` on the
# coefficients (lab 04); scikit-learn has many other regressors (`Lasso`, `KNeighborsRegressor`,
# `RandomForestRegressor`, ...). Write `diabetes_project(x_train, y_train, x_test, y_test)`
# that chooses a regressor and its hyperparameters **on the training set only**, by 5-fold
# cross-validated RMSE with the splitter `DIABETES_CV` below, then fits the chosen regressor on
# the whole training set and returns a dict with:
#
# - `"model"`: the chosen regressor, fitted on the whole training set;
# - `"cv_rmse"`: its mean 5-fold cross-validated RMSE on the training set with `DIABETES_CV`,
#   a positive number (`cross_val_score(..., scoring="neg_root_mean_squared_error")` reports
#   *minus* the RMSE, because scikit-learn maximises scores);
# - `"test"`: its MAE, RMSE and R² on the test set, a dict like `regression_metrics` returns.
#
# Acceptance: `"cv_rmse"` is what cross-validating an unfitted copy of your model gives
# (`sklearn.base.clone(model)`), it is no higher than the cross-validated RMSE of a plain
# `LinearRegression` on the same folds, and the test numbers are those of your model. The
# grader runs your function on another split of the diabetes data, so choose by
# cross-validation inside the function rather than hard-coding a setting. Keep the search
# small (a few dozen fits): the notebook should stay fast.

# %% exercise="diabetes_project"
DIABETES_CV = KFold(n_splits=5, shuffle=True, random_state=0)


def cv_rmse_of(model, x, y):
    """Mean 5-fold cross-validated RMSE of an unfitted model on (x, y), with DIABETES_CV."""
    return float(-cross_val_score(model, x, y, cv=DIABETES_CV, scoring="neg_root_mean_squared_error").mean())


def diabetes_project(x_train, y_train, x_test, y_test):
    """Choose a regressor by cross-validated RMSE on the training set, refit it, report test metrics."""
    ### BEGIN SOLUTION
    candidates = [LinearRegression()] + [Ridge(alpha=alpha) for alpha in (0.1, 1.0, 3.0, 10.0, 30.0, 100.0)]
    scored = [(cv_rmse_of(candidate, x_train, y_train), index) for index, candidate in enumerate(candidates)]
    best_rmse, best_index = min(scored)
    model = clone(candidates[best_index]).fit(x_train, y_train)
    return {"model": model, "cv_rmse": best_rmse, "test": regression_metrics(y_test, model.predict(x_test))}
    ### END SOLUTION


regression_project = diabetes_project(xd_train, yd_train, xd_test, yd_test)
print("chosen:", regression_project["model"], " CV RMSE:", round(regression_project["cv_rmse"], 2),
      " test:", {k: round(v, 3) for k, v in regression_project["test"].items()})

# %%
def check_regression_project(result, x_train, y_train, x_test, y_test, where):
    """The rules of exercise 9, for any regressor."""
    check(f"the keys of the result {where}", sorted(result), ["cv_rmse", "model", "test"],
          hint="return a dict with the keys model, cv_rmse and test")
    check(f"the reported CV RMSE against cross-validating clone(model) {where}", result["cv_rmse"],
          cv_rmse_of(clone(result["model"]), x_train, y_train), rtol=1e-5,
          hint="report the mean RMSE of the chosen model over the DIABETES_CV folds of the training set (positive)")
    linear_rmse = cv_rmse_of(LinearRegression(), x_train, y_train)
    check_that(f"a CV RMSE no higher than LinearRegression's ({linear_rmse:.2f}) {where}",
               result["cv_rmse"] <= linear_rmse + 1e-9, got=result["cv_rmse"],
               hint="include plain linear regression among your candidates, or beat it")
    predictions = result["model"].predict(x_test)
    check(f"the test metrics against the model's predictions {where}",
          [result["test"][key] for key in ("mae", "rmse", "r2")],
          [metrics.mean_absolute_error(y_test, predictions), metrics.root_mean_squared_error(y_test, predictions),
           metrics.r2_score(y_test, predictions)], rtol=1e-5,
          hint="fit the chosen model on the whole training set, then measure it on the test set")


# %% tests="diabetes_project" points=3
check_regression_project(regression_project, xd_train, yd_train, xd_test, yd_test, "(the lab's split)")
check_that("a test R² above 0.3", regression_project["test"]["r2"] > 0.3, got=regression_project["test"],
           hint="fit the chosen model on the whole training set before predicting the test set")
### BEGIN HIDDEN TESTS
xo_train, xo_test, yo_train, yo_test = train_test("diabetes", seed=7)
other_project = diabetes_project(xo_train, yo_train, xo_test, yo_test)
check_regression_project(other_project, xo_train, yo_train, xo_test, yo_test, "(another split)")
check_that("a test RMSE below the training-mean baseline's on another split",
           other_project["test"]["rmse"] < metrics.root_mean_squared_error(yo_test, np.full(len(yo_test), yo_train.mean())),
           got=other_project["test"])
### END HIDDEN TESTS

# %% [markdown]
# ## What you built
#
# - The confusion matrix splits predictions into TN, FP, FN and TP; precision, recall
#   (sensitivity), specificity, 1 - specificity and F1 are ratios of those four counts.
# - Accuracy weights the classes by how common they are, so on a rare disease a model that
#   finds nothing looks excellent; recall, specificity and balanced accuracy do not hide it.
# - The ROC curve is a threshold sweep, the AUC its area by the trapezoid rule, and AUC
#   compares models before any threshold is chosen.
# - The threshold is chosen from the costs of the two mistakes, on out-of-fold predictions,
#   never on the test set (a threshold that moves when the test labels move was tuned on
#   them), and defended in words: what it trades, and how far the evidence goes.
# - For regression, MAE and RMSE measure the typical miss in the target's units, and R² says
#   how much better than predicting the mean the model is; a model is chosen by
#   cross-validation on the training set and must beat the simple baselines there.
