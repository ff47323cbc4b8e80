# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 10: Model analysis
#
# **Description:** slice a trained model's metrics with TensorFlow Model Analysis, measure
# fairness across groups and decision thresholds, and debug a model with residual analysis,
# sensitivity analysis, random attacks and benchmark models.
#
# A single test-set number, "82% accurate", is an average over everyone the model will ever
# see. Averages hide things: a model can be excellent for the large groups in the data and
# poor for a small one, confident in a region where it has never seen an example, or no better
# than a one-line rule. Model analysis is the habit of looking *inside* that average before a
# model ships, and of keeping on looking once it runs in production.
#
# We work with the Titanic passenger list that ships with PDPbox (891 passengers, whether
# they survived, their sex, ticket class, age, fare and family aboard). It is small, fast to
# model, and has groups (sex, class) whose outcomes differ a lot, which is exactly what slicing
# and fairness analysis are about.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The grader runs more tests on
# other inputs, so solve the problem, not the example. Run the notebook from top to bottom
# (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup
#
# TensorFlow Model Analysis (TFMA) loads TensorFlow and Apache Beam, so this first cell takes
# several seconds. `config_pb2` is TFMA's configuration module: in TFMA 0.52 the
# configuration classes (`EvalConfig`, `ModelSpec`, ...) live there, not at the top level of
# `tfma`.

# %%
from course import check, check_that, set_seed  # first: it also quiets TensorFlow's start-up log
from course.data import load_titanic
from course.plotting import labelled, use_course_style

import json
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
import tensorflow_model_analysis as tfma
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LinearRegression
from sklearn.metrics import accuracy_score, roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split
from tensorflow_model_analysis.proto import config_pb2

tf.get_logger().setLevel("ERROR")  # TFMA's deprecation warnings are not for us
set_seed(10)
use_course_style()
WORKDIR = tempfile.mkdtemp(prefix="lab10-")  # everything the lab writes goes here
print("TFMA", tfma.__version__, "| TensorFlow", tf.__version__)

# %% [markdown]
# ## 1. Black-box evaluation and model introspection
#
# There are two ways to look at a trained model.
#
# - **Black-box evaluation** treats the model as a function: feed it examples, compare its
#   outputs with the truth, compute metrics. It works for any model and is what TensorBoard's
#   curves or a test-set score give you. It says *how well* the model does, not *why*.
# - **Model introspection** opens the box: the weights of a linear model, the splits of a
#   tree, the activations of a network's layers. It can explain a failure, but each model
#   family needs its own tools.
#
# Most of this lab is black-box analysis done carefully: the same metrics, computed on the
# right subsets and compared with the right references. Lab 11 goes further into explaining
# individual predictions. First, the data and a model: a small gradient-boosted tree ensemble
# that predicts survival from eight columns.

# %%
titanic = load_titanic()
FEATURES = ["Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked_C", "Embarked_Q"]
train, test = train_test_split(titanic, test_size=0.35, random_state=10, stratify=titanic["Survived"])
X_train, y_train = train[FEATURES], train["Survived"].to_numpy()
X_test, y_test = test[FEATURES], test["Survived"].to_numpy()
print(f"train {len(train)} passengers, test {len(test)}; Sex is 1 for men, 0 for women")
train[FEATURES + ["Survived"]].head()

# %%
model = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0)
model.fit(X_train, y_train)
test_scores = model.predict_proba(X_test)[:, 1]
print(f"black box: test accuracy {accuracy_score(y_test, test_scores > 0.5):.3f}, "
      f"AUC {roc_auc_score(y_test, test_scores):.3f}")

# %% [markdown]
# A glimpse of introspection: a tree ensemble records how much each feature reduced the
# training loss across all its splits. This is specific to trees, and it describes the
# training data rather than the test set, but it already tells us which columns the model
# leans on.

# %%
importance = pd.Series(model.feature_importances_, index=FEATURES).sort_values()
fig, ax = plt.subplots()
ax.barh(importance.index, importance.values)
top_four = importance.nlargest(4)
labelled(ax, "What the trees split on", "share of the training-loss reduction", "feature",
         caption=f"Introspection: {', '.join(top_four.index)} account for {top_four.sum():.0%} of the "
                 f"loss reduction, {top_four.index[0]} alone for {top_four.iloc[0]:.0%}.")
plt.show()

# %% [markdown]
# ## 2. Metrics per slice with TensorFlow Model Analysis
#
# TFMA computes evaluation metrics over large datasets with Apache Beam, the same engine that
# runs TFX pipelines, and it computes them **per slice**: for every value of a feature, or
# every combination of values of several features. Here Beam runs in-process (its
# `DirectRunner`) on a few hundred rows; the same configuration would run on a cluster over
# billions.
#
# An analysis is described by an `EvalConfig` protocol buffer with three parts:
#
# - `model_specs`: where the labels and predictions are. For a saved TensorFlow model this
#   names its signature; for a table of predictions that are already computed, as here, it
#   names the `label_key` and `prediction_key` columns.
# - `metrics_specs`: which metrics, each a `MetricConfig(class_name=..., config=...)` where
#   `config` is a JSON string of the metric's arguments (thresholds, for example).
# - `slicing_specs`: which subsets. An empty `SlicingSpec()` is the whole dataset,
#   `feature_keys=["sex"]` makes one slice per value of `sex`, and
#   `feature_keys=["sex", "class"]` is a *feature cross*: one slice per (sex, class) pair.
#
# TFMA reads a pandas table with `tfma.analyze_raw_data`. We give it the test labels, the
# model's predicted probabilities and two columns to slice on, with readable values.

# %%
eval_frame = pd.DataFrame({
    "label": y_test.astype(float),
    "prediction": test_scores,
    "sex": np.where(X_test["Sex"] == 1, "male", "female"),
    "class": X_test["Pclass"].map({1: "1st", 2: "2nd", 3: "3rd"}).to_numpy(),
})
eval_frame.head()

# %%
THRESHOLDS = [0.3, 0.5, 0.7]


def metric(class_name, **arguments):
    """One TFMA metric; keyword arguments become its JSON config."""
    return config_pb2.MetricConfig(class_name=class_name, config=json.dumps(arguments) if arguments else "")


eval_config = config_pb2.EvalConfig(
    model_specs=[config_pb2.ModelSpec(label_key="label", prediction_key="prediction")],
    metrics_specs=[config_pb2.MetricsSpec(metrics=[
        metric("ExampleCount"),
        metric("BinaryAccuracy", threshold=0.5),
        metric("AUC"),
        metric("MeanLabel"),
        metric("MeanPrediction"),
        metric("TPR", thresholds=THRESHOLDS),
        metric("FPR", thresholds=THRESHOLDS),
        metric("FNR", thresholds=THRESHOLDS),
    ])],
    slicing_specs=[
        config_pb2.SlicingSpec(),                              # overall
        config_pb2.SlicingSpec(feature_keys=["sex"]),          # one feature
        config_pb2.SlicingSpec(feature_keys=["sex", "class"]),  # a feature cross
    ],
)
print(eval_config)

# %% [markdown]
# Running the analysis builds and executes a Beam pipeline: it reads the rows, assigns each
# to its slices, accumulates every metric per slice in one pass, and writes the results to
# `output_path` (a folder under the lab's temporary `WORKDIR`), from which `analyze_raw_data`
# loads them back as an `EvalResult`.

# %%
eval_result = tfma.analyze_raw_data(eval_frame, eval_config, output_path=os.path.join(WORKDIR, "tfma"))
print(len(eval_result.slicing_metrics), "slices; files written:", sorted(os.listdir(os.path.join(WORKDIR, "tfma"))))

# %% [markdown]
# `eval_result.slicing_metrics` is a list of `(slice_key, metrics)` pairs. A slice key is a
# tuple of `(feature, value)` pairs, sorted by feature name, and the empty tuple is the
# overall slice. The metrics are nested by output name and sub-key (both empty for a
# single-output model), then by metric name. A single number is stored under `doubleValue`;
# a metric computed at several thresholds is an `arrayValue` holding one value per threshold.

# %%
for slice_key, metrics in eval_result.slicing_metrics:
    if slice_key == (("sex", "female"),):
        for name, value in metrics[""][""].items():
            print(f"{name:16s} {value}")


# %% [markdown]
# Slice keys read badly in a table, so here is a helper that names a slice the way we will
# use it from now on: `Overall`, `sex=female`, `class=1st & sex=male`.

# %%
def slice_name(slice_key):
    """Readable name of a TFMA slice key: 'Overall' or 'feature=value & ...'."""
    if not slice_key:
        return "Overall"
    return " & ".join(f"{feature}={value}" for feature, value in slice_key)


print([slice_name(key) for key, _ in eval_result.slicing_metrics])


# %% [markdown]
# ### Exercise 1: the per-slice metrics as a table
#
# Write `slice_table(result)` that turns an `EvalResult` into a pandas `DataFrame` with one
# row per slice, indexed by `slice_name(slice_key)`, and one column per metric that holds a
# single number (`doubleValue`), named as TFMA names it (`example_count`, `binary_accuracy`,
# `auc`, ...). Skip the metrics stored as arrays. Sort the rows by their index.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "189832891ef3aa3ae56ecbc6e1fe7ff5", "grade": false, "grade_id": "slice_table", "locked": false, "schema_version": 3, "solution": true, "task": false}
def slice_table(result):
    """One row per slice (index: slice name), one column per scalar metric."""
    # YOUR CODE HERE
    raise NotImplementedError()


table = slice_table(eval_result)
table

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "aabf69e6f70d81a725609c0bb26c2318", "grade": true, "grade_id": "slice_table_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("the overall example count", table.loc["Overall", "example_count"], float(len(eval_frame)),
      hint="index the rows by slice_name(slice_key); the overall slice has the empty key ()")
women = eval_frame[eval_frame["sex"] == "female"]
check("binary_accuracy of the slice 'sex=female'", table.loc["sex=female", "binary_accuracy"],
      np.mean((women["prediction"] > 0.5) == women["label"]), rtol=1e-6,
      hint="read metrics[''][''][name]['doubleValue'] for each metric of each slice")
check_that("the table to have no array-valued columns such as 'tpr'", "tpr" not in table.columns,
           got=list(table.columns), hint="keep only the metrics that have a 'doubleValue'")

# %% [markdown]
# The table already tells a story. Compare the accuracy of each slice with the overall one,
# and remember the size of each slice: a slice of 20 passengers can swing by 5 points when a
# single prediction changes.

# %%
cross = table[table.index.str.contains("&")]
fig, ax = plt.subplots()
ax.barh(cross.index, cross["binary_accuracy"])
for y, (accuracy, count) in enumerate(zip(cross["binary_accuracy"], cross["example_count"])):
    ax.text(accuracy + 0.01, y, f"n={count:.0f}", va="center", fontsize=8)
ax.axvline(table.loc["Overall", "binary_accuracy"], color="black", linestyle="--", label="overall")
ax.set_xlim(0, 1.1)
ax.legend(loc="lower right")
labelled(ax, "Accuracy per sex and class slice", "accuracy at threshold 0.5", "slice",
         caption="The overall accuracy hides slices that are much worse than the average.")
plt.show()


# %% [markdown]
# ### Exercise 2: find the worst slice
#
# Write `worst_slice(table, metric="binary_accuracy", min_examples=20)` that returns the name
# (the index) of the slice with the lowest value of `metric` among the slices with at least
# `min_examples` examples (`example_count`). Tiny slices are left out because their metrics
# are mostly noise. Return a plain string.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "69da99cb41a6556c482407660d9c115d", "grade": false, "grade_id": "worst_slice", "locked": false, "schema_version": 3, "solution": true, "task": false}
def worst_slice(table, metric="binary_accuracy", min_examples=20):
    """Name of the slice with the lowest ``metric`` among slices of at least ``min_examples`` rows."""
    # YOUR CODE HERE
    raise NotImplementedError()


print("worst slice by accuracy:", worst_slice(table))
print("worst slice by AUC:", worst_slice(table, "auc"))

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "bfc7faaeb0cab0056cf836a48bd2c03f", "grade": true, "grade_id": "worst_slice_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
toy = pd.DataFrame({"example_count": [100.0, 50.0, 5.0, 30.0], "binary_accuracy": [0.8, 0.7, 0.2, 0.75]},
                   index=["Overall", "sex=male", "class=1st & sex=male", "sex=female"])
check("worst_slice(toy)", worst_slice(toy), "sex=male",
      hint="drop the slices with example_count below min_examples first: the 5-example slice does not count")
check("worst_slice(toy, min_examples=1)", worst_slice(toy, min_examples=1), "class=1st & sex=male")


# %% [markdown]
# Look at the worst slice by AUC before trusting it: second-class women almost all survived,
# so only three of the 23 in that slice are negatives, and an AUC computed from three
# negatives is mostly noise. `min_examples` guards against small slices, but what a ranking
# metric needs is enough examples of *both* classes (compare `mean_label` with 0 and 1).
#
# ## 3. Fairness: error rates per group, at several thresholds
#
# Fairness analysis asks whether the model's *errors* fall evenly on the groups it affects.
# Treat "survived" as the positive class and write TP, FP, TN, FN for the four cells of the
# confusion matrix at a decision threshold:
#
# | metric | formula | question it answers |
# |---|---|---|
# | true positive rate (TPR, recall) | TP / (TP + FN) | of the real positives, how many did we catch? |
# | false negative rate (FNR) | FN / (TP + FN) = 1 - TPR | of the real positives, how many did we miss? |
# | false positive rate (FPR) | FP / (FP + TN) | of the real negatives, how many did we wrongly flag? |
# | accuracy | (TP + TN) / all | how often are we right? |
# | AUC | area under the ROC curve | how well do scores rank positives above negatives, at any threshold? |
#
# Two common fairness criteria compare these rates across groups: *equal opportunity* asks
# for equal TPR, *equalized odds* for equal TPR and equal FPR. Which one matters depends on
# the cost of each error for the people involved: in a loan or a medical test a false
# negative and a false positive hurt in very different ways.
#
# The rates depend on the threshold, so a fairness report evaluates them at **several
# thresholds**. Our TFMA run already did, for 0.3, 0.5 and 0.7; here they are for the sex
# slices. TFMA counts a prediction as positive when it is strictly above the threshold.

# %%
def tfma_array(result, name, metric):
    """The per-threshold values of an array metric of the slice called ``name``."""
    for slice_key, metrics in result.slicing_metrics:
        if slice_name(slice_key) == name:
            return np.array(metrics[""][""][metric]["arrayValue"]["float64Values"])
    raise KeyError(f"no slice named {name!r}")


pd.DataFrame({(name, rate): tfma_array(eval_result, name, rate)
              for name in ["sex=female", "sex=male"] for rate in ["tpr", "fpr", "fnr"]},
             index=pd.Index(THRESHOLDS, name="threshold")).round(3)


# %% [markdown]
# ### Exercise 3: the rates at one threshold, by hand
#
# Write `threshold_rates(labels, scores, threshold)` that returns a dict with the keys
# `"tpr"`, `"fpr"`, `"fnr"` and `"accuracy"` as floats, counting a score **strictly above**
# the threshold as a positive prediction, as TFMA does. `labels` holds 0s and 1s. When a
# rate has no examples in its denominator (no positives, or no negatives), return `nan`
# for it.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "7b210611b063c2e8e65e2f731710889c", "grade": false, "grade_id": "threshold_rates", "locked": false, "schema_version": 3, "solution": true, "task": false}
def threshold_rates(labels, scores, threshold):
    """TPR, FPR, FNR and accuracy of ``scores > threshold`` against 0/1 ``labels``."""
    # YOUR CODE HERE
    raise NotImplementedError()


men = eval_frame[eval_frame["sex"] == "male"]
threshold_rates(men["label"], men["prediction"], 0.5)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "b5feccb6d7c9d2ccbd0468e05809f5af", "grade": true, "grade_id": "threshold_rates_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
mine = [threshold_rates(men["label"], men["prediction"], t) for t in THRESHOLDS]
check("TPR of the men at thresholds 0.3, 0.5, 0.7", [r["tpr"] for r in mine], tfma_array(eval_result, "sex=male", "tpr"),
      rtol=1e-6, hint="TPR = TP / (TP + FN), with a positive prediction meaning score > threshold")
check("FPR of the men at thresholds 0.3, 0.5, 0.7", [r["fpr"] for r in mine], tfma_array(eval_result, "sex=male", "fpr"),
      rtol=1e-6, hint="FPR = FP / (FP + TN): the share of real negatives predicted positive")
check("threshold_rates([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], 0.5)",
      threshold_rates([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], 0.5), {"tpr": 0.5, "fpr": 0.5, "fnr": 0.5, "accuracy": 0.5})

# %% [markdown]
# A threshold-free picture: the ROC curve of each group plots TPR against FPR for every
# threshold, and the AUC summarises it. Two groups can have the same AUC and still get very
# different rates at the one threshold you deploy.

# %%
fig, ax = plt.subplots()
for sex, group in eval_frame.groupby("sex"):
    fpr, tpr, _ = roc_curve(group["label"], group["prediction"])
    ax.plot(fpr, tpr, label=f"{sex} (AUC {roc_auc_score(group['label'], group['prediction']):.2f})")
ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance")
ax.legend()
labelled(ax, "ROC curve per sex", "false positive rate", "true positive rate",
         caption="Same model, two groups: the trade-off between catching survivors and false alarms differs.")
plt.show()


# %% [markdown]
# ### Exercise 4: fairness gaps across thresholds
#
# Write `fairness_gaps(frame, group, thresholds)` for a table like `eval_frame` (columns
# `label`, `prediction` and the column named by `group`). For each threshold, compute
# `threshold_rates` for every group value, and return a `DataFrame` indexed by threshold
# with the columns `tpr_gap`, `fpr_gap`, `fnr_gap` and `accuracy_gap`: the largest value
# minus the smallest value of that rate across the groups.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "8f40c3a386c1d0251511bbc6ad7c9789", "grade": false, "grade_id": "fairness_gaps", "locked": false, "schema_version": 3, "solution": true, "task": false}
def fairness_gaps(frame, group, thresholds):
    """Per threshold, the max-minus-min spread of TPR, FPR, FNR and accuracy across groups."""
    # YOUR CODE HERE
    raise NotImplementedError()


sweep = np.round(np.arange(0.1, 0.91, 0.05), 2)
gaps = fairness_gaps(eval_frame, "sex", sweep)
gaps.loc[THRESHOLDS].round(3)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "8888a361486baab99304e31d47c402ec", "grade": true, "grade_id": "fairness_gaps_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
female_t, male_t = tfma_array(eval_result, "sex=female", "tpr"), tfma_array(eval_result, "sex=male", "tpr")
check("tpr_gap between the sexes at 0.3, 0.5, 0.7", gaps.loc[THRESHOLDS, "tpr_gap"].to_numpy(), np.abs(female_t - male_t),
      rtol=1e-6, hint="for two groups the gap is |rate(female) - rate(male)|: use max - min over the groups")
check("the columns of fairness_gaps", sorted(gaps.columns), ["accuracy_gap", "fnr_gap", "fpr_gap", "tpr_gap"])

# %%
fig, ax = plt.subplots()
for column in ["tpr_gap", "fpr_gap", "accuracy_gap"]:
    ax.plot(gaps.index, gaps[column], marker="o", markersize=3, label=column)
ax.legend()
labelled(ax, "Gaps between women and men across thresholds", "decision threshold", "max - min across groups",
         caption="The size of each gap depends on the threshold: report several, not just 0.5.")
plt.show()


# %% [markdown]
# ### Exercise 5: how close are the decisions?
#
# A fairness report should also say how *fragile* each group's decisions are. If many of a
# group's scores sit just above or below the threshold, a small change (retraining, a new
# model version, a slightly different threshold) flips many of their outcomes, and the
# group's rates are unstable. Write `near_threshold_share(frame, group, threshold, margin)`
# that returns a pandas `Series` indexed by group value: the fraction of that group's
# predictions with `|prediction - threshold| <= margin`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "c1f56f6050fbd43b4e947d6c6d908d77", "grade": false, "grade_id": "near_threshold", "locked": false, "schema_version": 3, "solution": true, "task": false}
def near_threshold_share(frame, group, threshold, margin):
    """Per group, the share of predictions within ``margin`` of ``threshold``."""
    # YOUR CODE HERE
    raise NotImplementedError()


near_threshold_share(eval_frame, "class", 0.5, 0.1)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "065de6f2229a632022ac232b8b989508", "grade": true, "grade_id": "near_threshold_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
toy_frame = pd.DataFrame({"prediction": [0.45, 0.9, 0.52, 0.1, 0.6], "g": ["a", "a", "b", "b", "b"]})
check("near_threshold_share(toy_frame, 'g', 0.5, 0.05)", near_threshold_share(toy_frame, "g", 0.5, 0.05).to_dict(),
      {"a": 0.5, "b": 1 / 3}, hint="within the margin means |prediction - threshold| <= margin; average per group")

# %% [markdown]
# **Reporting a small decision margin.** When a group has a large share of scores near the
# threshold, its error rates can change by several points from one model version to the next
# with no real change in the model's quality. Report those rates with their slice size and
# their near-threshold share, show them at several thresholds, and be careful before
# concluding that one model is fairer than another. TensorFlow's Fairness Indicators package
# draws exactly these per-slice, per-threshold rates on top of TFMA.
#
# ## 4. Residual analysis
#
# For a regression model, the *residual* of an example is `truth - prediction`. A good model
# leaves residuals that look like noise: centred on zero, with no relationship to any
# feature and no correlation between one residual and the next. A pattern is information the
# model failed to use.
#
# - **Random** residuals (good): no trend against the prediction or any feature.
# - **Systematic** residuals (bad): a curve, a slope or a funnel, meaning a missing feature, a
#   missing non-linearity or a variance that grows with the target.
#
# A synthetic example (made up here, so we know the truth): the target depends on `x1`
# linearly and on `x2` quadratically, and a plain linear regression sees both features.

# %%
rng = np.random.default_rng(10)
synthetic = pd.DataFrame({"x1": rng.uniform(-2, 2, 400), "x2": rng.uniform(-2, 2, 400)})
synthetic["y"] = 3 * synthetic["x1"] + 1.5 * synthetic["x2"] ** 2 + rng.normal(0, 0.5, 400)

linear = LinearRegression().fit(synthetic[["x1", "x2"]], synthetic["y"])
residuals = synthetic["y"] - linear.predict(synthetic[["x1", "x2"]])
with_square = synthetic.assign(x2_squared=synthetic["x2"] ** 2)
fixed = LinearRegression().fit(with_square[["x1", "x2", "x2_squared"]], synthetic["y"])
fixed_residuals = synthetic["y"] - fixed.predict(with_square[["x1", "x2", "x2_squared"]])
print("correlation of residuals with x2:", round(np.corrcoef(residuals, synthetic["x2"])[0, 1], 4))

# %% [markdown]
# The correlation is zero: least squares makes the residuals uncorrelated with every feature
# it sees, so a correlation test finds nothing. The pattern shows up when we plot the
# residuals against each feature.

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=True)
for ax, (feature, values, title) in zip(axes, [("x1", residuals, "linear model"), ("x2", residuals, "linear model"),
                                              ("x2", fixed_residuals, "with x2 squared")]):
    ax.scatter(synthetic[feature], values, s=6, alpha=0.5)
    ax.axhline(0, color="black", linewidth=1)
    labelled(ax, f"{title}: residual vs {feature}", feature, "residual")
fig.suptitle("Residual analysis on synthetic data")
fig.text(0.5, -0.03, "Against x2 the linear model's residuals form a U (systematic); adding x2 squared leaves noise.",
         ha="center", style="italic")
fig.tight_layout()
plt.show()


# %% [markdown]
# ### Exercise 6: residual means along a feature
#
# A plot needs a human to look at it; a number can be checked automatically, for every
# feature and every new model version. Write `binned_residuals(feature, residuals, n_bins)`:
# sort the rows by `feature` (use `np.argsort(feature, kind="stable")`), split the sorted
# positions into `n_bins` nearly equal groups with `np.array_split`, and return a NumPy array
# with the mean residual of each group, from the smallest feature values to the largest.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "2ce62fa050974fd5f3fbdd711f19d536", "grade": false, "grade_id": "binned_residuals", "locked": false, "schema_version": 3, "solution": true, "task": false}
def binned_residuals(feature, residuals, n_bins):
    """Mean residual in each of ``n_bins`` equal-count bins along ``feature``."""
    # YOUR CODE HERE
    raise NotImplementedError()


print("linear model, along x2:", binned_residuals(synthetic["x2"], residuals, 5).round(2))
print("fixed model,  along x2:", binned_residuals(synthetic["x2"], fixed_residuals, 5).round(2))

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "1ae2bd77ff411ad19a4208fb70d22ca8", "grade": true, "grade_id": "binned_residuals_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check("binned_residuals([3, 1, 2, 4], [30, 10, 20, 40], 2)", binned_residuals([3, 1, 2, 4], [30, 10, 20, 40], 2),
      [15.0, 35.0], hint="sort by the feature, split the order in n_bins parts, average the residuals of each part")
u_shape = binned_residuals(synthetic["x2"], residuals, 5)
check_that("the linear model's residuals along x2 to be high at both ends and low in the middle",
           u_shape[0] > u_shape[2] + 1 and u_shape[-1] > u_shape[2] + 1, got=u_shape)

# %% [markdown]
# ## 5. Sensitivity analysis and random attacks
#
# Sensitivity analysis asks how much the prediction moves when an input moves. It tells you
# which features the model really responds to, whether the response is plausible, and how
# easily someone could push a decision over the threshold. The simplest form is a *what-if*:
# take one passenger, change one feature over a range, and watch the prediction.

# %%
passenger = X_test.iloc[[0]]
ages = np.arange(1, 81)
what_if = pd.concat([passenger] * len(ages), ignore_index=True).assign(Age=ages)
as_man = model.predict_proba(what_if.assign(Sex=1))[:, 1]
as_woman = model.predict_proba(what_if.assign(Sex=0))[:, 1]
print(f"passenger {test.index[0]}: {passenger['Age'].iloc[0]:.0f} years old, class {passenger['Pclass'].iloc[0]}, "
      f"{'male' if passenger['Sex'].iloc[0] == 1 else 'female'}, fare {passenger['Fare'].iloc[0]:.2f}")
fig, ax = plt.subplots()
ax.plot(ages, as_woman, label="as a woman")
ax.plot(ages, as_man, label="as a man")
ax.axhline(0.5, color="grey", linestyle=":")
ax.legend()
labelled(ax, f"What if passenger {test.index[0]} had another age?", "age (years)", "predicted survival",
         caption=f"Trees respond in steps. As a man, only ages up to {ages[as_man > 0.5].max()} cross 0.5; "
                 f"as a woman the prediction swings between {as_woman.min():.2f} and {as_woman.max():.2f}.")
plt.show()


# %% [markdown]
# ### Exercise 7: average sensitivity to one feature
#
# Write `sensitivity(predict_fn, X, feature, delta)` where `predict_fn` maps a `DataFrame`
# to an array of probabilities. Add `delta` to column `feature` of a **copy** of `X` (leave
# `X` unchanged) and return the mean absolute change of the predictions, as a float.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "9e76a78c8b7d22be6144789b1ae1d654", "grade": false, "grade_id": "sensitivity", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sensitivity(predict_fn, X, feature, delta):
    """Mean |f(X with feature + delta) - f(X)| over the rows of X."""
    # YOUR CODE HERE
    raise NotImplementedError()


def survival_probability(frame):
    return model.predict_proba(frame[FEATURES])[:, 1]


shifts = {"Age": 5, "Fare": 10, "SibSp": 1, "Parch": 1}
pd.Series({f"{name} {delta:+}": sensitivity(survival_probability, X_test, name, delta)
           for name, delta in shifts.items()}).round(3)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "217e59e63cfaa8ba8ad60f928b12e8c0", "grade": true, "grade_id": "sensitivity_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
X_before = X_test.copy()
doubling = sensitivity(lambda frame: frame["Fare"].to_numpy() * 2.0, X_test, "Fare", 3.0)
check("sensitivity of f = 2 * Fare to Fare + 3", doubling, 6.0,
      hint="shift the column on a copy, predict both tables, and average the absolute difference")
check_that("X_test to be unchanged after sensitivity()", X_test.equals(X_before),
           hint="work on X.copy(), never on the caller's DataFrame")


# %% [markdown]
# **Random attacks** go the other way: instead of one chosen change, throw many random ones
# at the model and count how often its decision changes. A model whose decisions flip under
# small noise is fragile, and inputs that nobody would consider different get different
# outcomes. (Deliberate *adversarial* attacks search for the worst small change instead of a
# random one, and find far more flips.)
#
# ### Exercise 8: flip rate under random noise
#
# Write `random_attack(predict_fn, X, columns, noise_scale, n_trials, seed)`. Create one
# generator `rng` from `np.random.default_rng(seed)` before the loop. For each of `n_trials`
# trials, copy `X` and add to each column in `columns` Gaussian noise with standard deviation
# `noise_scale * X[column].std()` (draw it with `rng.normal(0, that_std, len(X))`, columns in
# the given order). Return the fraction of all (row, trial) pairs whose decision
# (`prediction > 0.5`) differs from the decision on the clean `X`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "c2821b6364a22e72b3a75fb9ffeefb4a", "grade": false, "grade_id": "random_attack", "locked": false, "schema_version": 3, "solution": true, "task": false}
def random_attack(predict_fn, X, columns, noise_scale, n_trials, seed):
    """Share of decisions (prediction > 0.5) that flip when Gaussian noise is added to ``columns``."""
    # YOUR CODE HERE
    raise NotImplementedError()


scales = [0.01, 0.05, 0.1, 0.2, 0.5]
flip_rates = [random_attack(survival_probability, X_test, ["Age", "Fare"], s, 5, seed=0) for s in scales]
pd.Series(flip_rates, index=pd.Index(scales, name="noise (in standard deviations)"), name="flip rate").round(3)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "b6a3d44dd01b150f12f99a28e29a6221", "grade": true, "grade_id": "random_attack_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check("random_attack with zero noise", random_attack(survival_probability, X_test, ["Age"], 0.0, 3, seed=1), 0.0,
      hint="with no noise nothing changes, so no decision flips")
check_that("more noise to flip at least as many decisions (0.01 vs 0.5 standard deviations)",
           flip_rates[-1] > flip_rates[0], got=flip_rates)

# %%
fig, ax = plt.subplots()
ax.plot(scales, flip_rates, marker="o")
ax.set_xscale("log")
labelled(ax, "Random attack on age and fare", "noise (standard deviations of each feature)", "share of decisions flipped",
         caption="Tiny noise already flips decisions: many cheap fares sit within pennies of a tree split. More noise, more flips.")
plt.show()

# %% [markdown]
# ## 6. Benchmark models
#
# A metric means little without a reference. A **benchmark model** is a simple, trusted
# model that any new model must beat: the majority class, a one-line rule, last quarter's
# production model. Benchmarks also find bugs: a model that does no better than "predict the
# majority" has learned nothing, however reasonable its score looks on its own.
#
# On the Titanic, "everyone died" is right 62% of the time and "women survived, men died" is
# right almost 80% of the time. Below, a second model goes through a pipeline with a classic
# bug: its training labels were shuffled against the rows (a misaligned join). On its own,
# its accuracy of about 60% could pass for a weak but working model.

# %%
majority = DummyClassifier(strategy="most_frequent").fit(X_train, y_train)
shuffled_labels = np.random.default_rng(0).permutation(y_train)
buggy = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0).fit(X_train, shuffled_labels)
benchmarks = {
    "majority class": majority.predict(X_test),
    "women survive": (X_test["Sex"] == 0).astype(int).to_numpy(),
    "our model": (test_scores > 0.5).astype(int),
    "buggy model": buggy.predict(X_test),
}
pd.Series({name: accuracy_score(y_test, predicted) for name, predicted in benchmarks.items()},
          name="test accuracy").round(3)


# %% [markdown]
# ### Exercise 9: does a model really beat its benchmark?
#
# A difference of a few points on 300 passengers could be luck. Write
# `win_rate(correct_model, correct_baseline, n_boot, seed)` that takes two boolean arrays
# (was each test example predicted correctly by the model, by the baseline) and estimates
# with the bootstrap how often the model beats the baseline. Create
# one generator `rng` from `np.random.default_rng(seed)`; for each of `n_boot` rounds draw
# `rng.integers(0, n, n)` indices (n = number of examples) and compare the accuracies of
# both on that resample. Return the fraction of rounds where the model's accuracy is
# **strictly** higher.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "1098afd1a0472b4046f4923e096adc21", "grade": false, "grade_id": "win_rate", "locked": false, "schema_version": 3, "solution": true, "task": false}
def win_rate(correct_model, correct_baseline, n_boot, seed):
    """Bootstrap share of resamples in which the model is strictly more accurate than the baseline."""
    # YOUR CODE HERE
    raise NotImplementedError()


correct = {name: predicted == y_test for name, predicted in benchmarks.items()}
for name in ["our model", "buggy model"]:
    for baseline in ["majority class", "women survive"]:
        print(f"{name:12s} beats {baseline:15s} in {win_rate(correct[name], correct[baseline], 500, seed=0):.0%} of resamples")

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "e025b68d8ca5038a7bcfd20e100946d8", "grade": true, "grade_id": "win_rate_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check("win_rate of a model against itself", win_rate(correct["our model"], correct["our model"], 50, seed=0), 0.0,
      hint="count a round only when the model is strictly more accurate than the baseline")
check_that("our model to beat the majority class in more than 95% of resamples",
           win_rate(correct["our model"], correct["majority class"], 300, seed=1) > 0.95)
check_that("the buggy model to beat the majority class in fewer than half of the resamples",
           win_rate(correct["buggy model"], correct["majority class"], 300, seed=1) < 0.5)

# %% [markdown]
# ## 7. Continuous evaluation
#
# Everything above is a snapshot. In production the data moves: new kinds of users arrive,
# behaviour changes, an upstream service changes a unit. *Continuous evaluation* reruns the
# same analysis, on fresh labelled data, on a schedule: the per-slice table, the fairness
# gaps at several thresholds and the comparison with the benchmark, with alerts when a slice
# falls below a floor. TFMA is built for that: the `EvalConfig` above is exactly what a TFX
# `Evaluator` component runs on every new model and every new span of data, and it can
# refuse to bless a model that does worse than the current one on any slice. Lab 12 returns
# to monitoring and drift.
#
# ## What you built
#
# - Black-box evaluation measures *how well*; introspection looks at *why*. Both are needed.
# - TFMA evaluates a model with an `EvalConfig`: a model spec (labels and predictions), metric
#   specs and slicing specs (overall, one feature, a feature cross), and you read its
#   per-slice results into a table to find the worst slice.
# - Fairness is measured per group with TPR, FPR, FNR, accuracy and AUC, at several
#   thresholds, with the size of each slice and the share of decisions near the threshold.
# - Residuals should look like noise along every feature; binned means make a pattern a
#   number you can test.
# - Sensitivity analysis and random attacks show how much, and how easily, predictions move.
# - A benchmark model, compared with the bootstrap, catches a model that learned nothing.
