"""Lab 05's exercises solved three more honest ways, written from the student notebook only.

Used by tests/test_similarity_calibration.py to calibrate ``autograder.semester.similarity``: each
student below read ``labs/05_classification_metrics_roc_auc.ipynb`` (never the reference) and
filled in the stubs in their own style. ``fill(release, student)`` puts a student's code into the
release's exercise cells, in place of each ``# YOUR CODE HERE`` / ``raise NotImplementedError()``
stub (cells with two stubs take two bodies), so the submission also carries the code every
student received around the stubs, as a real one does.
"""
from __future__ import annotations

import copy
import textwrap

STUB = "# YOUR CODE HERE\n    raise NotImplementedError()"

# One list of function bodies per exercise cell, in the order of the cell's stubs.
HONEST_05: dict[str, dict[str, list[str]]] = {
    # ana: step by step, one name per quantity, loops where they read naturally
    "ana": {
        "confusion_counts": ['''
t = np.asarray(y_true).astype(int)
p = np.asarray(y_pred).astype(int)
tp = int(np.sum((t == 1) & (p == 1)))
tn = int(np.sum((t == 0) & (p == 0)))
fp = int(np.sum((t == 0) & (p == 1)))
fn = int(np.sum((t == 1) & (p == 0)))
return {"tn": tn, "fp": fp, "fn": fn, "tp": tp}
'''],
        "classification_rates": ['''
def ratio(a, b):
    return float(a) / b if b else 0.0

total = tn + fp + fn + tp
precision = ratio(tp, tp + fp)
recall = ratio(tp, tp + fn)
return {"accuracy": ratio(tp + tn, total), "precision": precision, "recall": recall,
        "specificity": ratio(tn, tn + fp), "fpr": ratio(fp, tn + fp),
        "f1": ratio(2 * precision * recall, precision + recall)}
'''],
        "accuracy_from_rates": ['''
return sensitivity * prevalence + specificity * (1 - prevalence)
'''],
        "roc_points": ['''
y = np.asarray(y_true)
s = np.asarray(scores, dtype=float)
thresholds = np.concatenate([[np.inf], np.unique(s)[::-1]])
positives = np.sum(y == 1)
negatives = np.sum(y == 0)
tpr, fpr = [], []
for t in thresholds:
    flagged = s >= t
    tpr.append(np.sum(flagged & (y == 1)) / positives)
    fpr.append(np.sum(flagged & (y == 0)) / negatives)
return np.array(fpr), np.array(tpr), thresholds
'''],
        "trapezoid_auc": ['''
x = np.asarray(x, dtype=float)
y = np.asarray(y, dtype=float)
widths = np.diff(x)
heights = (y[:-1] + y[1:]) / 2
return float(np.sum(widths * heights))
'''],
        "cost_threshold": ['''
y = np.asarray(y_true)
pred = np.asarray(scores) >= threshold
fn = np.sum((y == 1) & ~pred)
fp = np.sum((y == 0) & pred)
return cost_fn * fn + cost_fp * fp
''', '''
candidates = sorted(set(np.asarray(scores, dtype=float).tolist())) + [np.inf]
best, best_cost = None, None
for t in candidates:
    c = total_cost(y_true, scores, t, cost_fn, cost_fp)
    if best_cost is None or c < best_cost:
        best, best_cost = t, c
return float(best)
'''],
        "cancer_project": ['''
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=1)
oof = cross_val_predict(clf, x_train, y_train, cv=folds, method="predict_proba")[:, 1]
thr = best_threshold(y_train, oof, cost_fn, cost_fp)
clf.fit(x_train, y_train)
p_test = clf.predict_proba(x_test)[:, 1]
counts = confusion_counts(y_test, (p_test >= thr).astype(int))
rates = classification_rates(**counts)
return {"model": clf, "threshold": thr, "auc": float(metrics.roc_auc_score(y_test, p_test)),
        "recall": rates["recall"], "specificity": rates["specificity"],
        "cost": float(total_cost(y_test, p_test, thr, cost_fn, cost_fp))}
'''],
        "regression_metrics": ['''
t = np.asarray(y_true, float)
p = np.asarray(y_pred, float)
err = t - p
mae = np.mean(np.abs(err))
rmse = np.sqrt(np.mean(err ** 2))
r2 = 1 - np.sum(err ** 2) / np.sum((t - t.mean()) ** 2)
return {"mae": float(mae), "rmse": float(rmse), "r2": float(r2)}
'''],
        "diabetes_project": ['''
candidates = [LinearRegression()] + [Ridge(alpha=a) for a in (0.01, 0.1, 1.0, 10.0)]
scores = [cv_rmse_of(m, x_train, y_train) for m in candidates]
i = int(np.argmin(scores))
model = clone(candidates[i]).fit(x_train, y_train)
return {"model": model, "cv_rmse": scores[i], "test": regression_metrics(y_test, model.predict(x_test))}
'''],
    },
    # ben: vectorised NumPy, short names, a random forest for the screening model
    "ben": {
        "confusion_counts": ['''
truth = np.asarray(y_true, dtype=int).ravel()
guess = np.asarray(y_pred, dtype=int).ravel()
tn, fp, fn, tp = np.bincount(2 * truth + guess, minlength=4)
return dict(tn=int(tn), fp=int(fp), fn=int(fn), tp=int(tp))
'''],
        "classification_rates": ['''
safe = lambda num, den: num / den if den > 0 else 0.0
out = {}
out["accuracy"] = safe(tp + tn, tp + tn + fp + fn)
out["precision"] = safe(tp, tp + fp)
out["recall"] = safe(tp, tp + fn)
out["specificity"] = safe(tn, tn + fp)
out["fpr"] = safe(fp, fp + tn)
out["f1"] = safe(2 * tp, 2 * tp + fp + fn)
return {k: float(v) for k, v in out.items()}
'''],
        "accuracy_from_rates": ['''
sens = np.asarray(sensitivity)
spec = np.asarray(specificity)
prev = np.asarray(prevalence)
right_pos = prev * sens
right_neg = (1 - prev) * spec
return right_pos + right_neg
'''],
        "roc_points": ['''
y = np.asarray(y_true).ravel()
s = np.asarray(scores, dtype=float).ravel()
levels = np.unique(s)[::-1]
above = s[None, :] >= levels[:, None]
tp = (above & (y == 1)).sum(axis=1)
fp = (above & (y != 1)).sum(axis=1)
tpr = np.r_[0, tp] / (y == 1).sum()
fpr = np.r_[0, fp] / (y != 1).sum()
return fpr, tpr, np.r_[np.inf, levels]
'''],
        "trapezoid_auc": ['''
area = 0.0
for i in range(len(x) - 1):
    area += (x[i + 1] - x[i]) * (y[i] + y[i + 1]) / 2
return float(area)
'''],
        "cost_threshold": ['''
flagged = np.asarray(scores) >= threshold
actual = np.asarray(y_true) == 1
missed = np.count_nonzero(actual & ~flagged)
alarms = np.count_nonzero(~actual & flagged)
return cost_fn * missed + cost_fp * alarms
''', '''
options = np.append(np.unique(scores), np.inf)
costs = np.array([total_cost(y_true, scores, t, cost_fn, cost_fp) for t in options])
return float(options[np.flatnonzero(costs == costs.min())[0]])
'''],
        "cancer_project": ['''
from sklearn.ensemble import RandomForestClassifier

xs, ys = np.asarray(x_train), np.asarray(y_train)
forest = RandomForestClassifier(n_estimators=200, random_state=0)
out_of_fold = np.zeros(len(ys))
for fit_idx, val_idx in KFold(5, shuffle=True, random_state=0).split(xs):
    m = clone(forest).fit(xs[fit_idx], ys[fit_idx])
    out_of_fold[val_idx] = m.predict_proba(xs[val_idx])[:, 1]
cut = best_threshold(ys, out_of_fold, cost_fn, cost_fp)
forest.fit(xs, ys)
prob = forest.predict_proba(np.asarray(x_test))[:, 1]
c = confusion_counts(y_test, (prob >= cut).astype(int))
return {
    "model": forest,
    "threshold": cut,
    "auc": metrics.roc_auc_score(y_test, prob),
    "recall": c["tp"] / (c["tp"] + c["fn"]),
    "specificity": c["tn"] / (c["tn"] + c["fp"]),
    "cost": cost_fn * c["fn"] + cost_fp * c["fp"],
}
'''],
        "regression_metrics": ['''
residual = np.subtract(y_true, y_pred, dtype=float)
ss_res = float(residual @ residual)
centred = np.asarray(y_true, float) - np.mean(y_true)
return {"mae": float(np.abs(residual).mean()), "rmse": (ss_res / residual.size) ** 0.5,
        "r2": 1.0 - ss_res / float(centred @ centred)}
'''],
        "diabetes_project": ['''
from sklearn.linear_model import Lasso

best_model = LinearRegression()
best_rmse = cv_rmse_of(best_model, x_train, y_train)
for alpha in [0.001, 0.01, 0.05, 0.1, 0.5, 1.0]:
    rmse = cv_rmse_of(Lasso(alpha=alpha, max_iter=10000), x_train, y_train)
    if rmse < best_rmse:
        best_model, best_rmse = Lasso(alpha=alpha, max_iter=10000), rmse
best_model.fit(x_train, y_train)
return {"model": best_model, "cv_rmse": best_rmse,
        "test": regression_metrics(y_test, best_model.predict(x_test))}
'''],
    },
    # cleo: compact, sorts and cumulative sums, scikit-learn's search tools
    "cleo": {
        "confusion_counts": ['''
yt = np.array(y_true) == 1
yp = np.array(y_pred) == 1
return {"tn": int((~yt & ~yp).sum()), "fp": int((~yt & yp).sum()),
        "fn": int((yt & ~yp).sum()), "tp": int((yt & yp).sum())}
'''],
        "classification_rates": ['''
def div(a, b):
    return 0.0 if b == 0 else a / b

p, r = div(tp, tp + fp), div(tp, tp + fn)
values = [div(tp + tn, tn + fp + fn + tp), p, r, div(tn, tn + fp), div(fp, fp + tn), div(2 * p * r, p + r)]
return {name: float(v) for name, v in zip(RATE_NAMES, values)}
'''],
        "accuracy_from_rates": ['''
return prevalence * (sensitivity - specificity) + specificity
'''],
        "roc_points": ['''
y = np.asarray(y_true)
s = np.asarray(scores)
order = np.argsort(-s, kind="mergesort")
s_sorted, y_sorted = s[order], y[order]
tps = np.cumsum(y_sorted == 1)
fps = np.cumsum(y_sorted != 1)
last = np.r_[np.diff(s_sorted) != 0, True]  # last index of each distinct score
tps, fps, thr = tps[last], fps[last], s_sorted[last]
tpr = np.concatenate(([0], tps)) / tps[-1]
fpr = np.concatenate(([0], fps)) / fps[-1]
return fpr, tpr, np.concatenate(([np.inf], thr)).astype(float)
'''],
        "trapezoid_auc": ['''
xs, ys = np.asarray(x, float), np.asarray(y, float)
return float(np.dot(xs[1:] - xs[:-1], ys[1:] + ys[:-1]) / 2)
'''],
        "cost_threshold": ['''
pred = (np.asarray(scores) >= threshold).astype(int)
c = confusion_counts(y_true, pred)
return cost_fn * c["fn"] + cost_fp * c["fp"]
''', '''
thresholds = [np.inf] + sorted(np.unique(scores), reverse=True)
costs = [total_cost(y_true, scores, t, cost_fn, cost_fp) for t in thresholds]
lowest = min(costs)
return float(min(t for t, c in zip(thresholds, costs) if c == lowest))
'''],
        "cancer_project": ['''
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

model = Pipeline([("scale", StandardScaler()), ("svm", SVC(C=1.0, probability=True, random_state=0))])
splitter = StratifiedKFold(n_splits=10, shuffle=True, random_state=42)
held_out = cross_val_predict(model, x_train, y_train, cv=splitter, method="predict_proba")[:, 1]
threshold = best_threshold(y_train, held_out, cost_fn, cost_fp)
model.fit(x_train, y_train)
proba = model.predict_proba(x_test)[:, 1]
rates = classification_rates(**confusion_counts(y_test, proba >= threshold))
return dict(model=model, threshold=threshold, auc=float(metrics.roc_auc_score(y_test, proba)),
            recall=rates["recall"], specificity=rates["specificity"],
            cost=total_cost(y_test, proba, threshold, cost_fn, cost_fp))
'''],
        "regression_metrics": ['''
y_true = np.asarray(y_true, dtype=float)
y_pred = np.asarray(y_pred, dtype=float)
mse = np.mean((y_true - y_pred) ** 2)
return {"mae": float(np.mean(np.abs(y_true - y_pred))), "rmse": float(np.sqrt(mse)),
        "r2": float(1 - mse / np.var(y_true))}
'''],
        "diabetes_project": ['''
from sklearn.model_selection import GridSearchCV

search = GridSearchCV(Ridge(), {"alpha": np.logspace(-3, 2, 12)}, cv=DIABETES_CV,
                      scoring="neg_root_mean_squared_error").fit(x_train, y_train)
model, cv = search.best_estimator_, -search.best_score_
baseline = cv_rmse_of(LinearRegression(), x_train, y_train)
if baseline <= cv:
    model, cv = LinearRegression().fit(x_train, y_train), baseline
return {"model": model, "cv_rmse": float(cv), "test": regression_metrics(y_test, model.predict(x_test))}
'''],
    },
}


def fill(release, student: str):
    """The release notebook with ``student``'s bodies in place of its exercise stubs."""
    nb = copy.deepcopy(release)
    answers = HONEST_05[student]
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or grade_id not in answers or cell.metadata["nbgrader"].get("grade"):
            continue
        pieces = cell.source.split(STUB)
        bodies = answers[grade_id]
        assert len(pieces) == len(bodies) + 1, (student, grade_id)
        out = pieces[0]
        for body, rest in zip(bodies, pieces[1:]):
            out += textwrap.indent(body.strip("\n"), "    ").lstrip() + rest
        cell.source = out
    return nb
