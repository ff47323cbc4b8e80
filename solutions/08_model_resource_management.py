# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 08: Model resource management
#
# **Description:** fewer dimensions, fewer bits and fewer weights: the curse of
# dimensionality, PCA, SVD, ICA and NMF, post-training quantization with TensorFlow Lite, and
# magnitude pruning with a polynomial sparsity schedule.
#
# A model that fits on a server may not fit on a phone, a microcontroller or a budget. This lab
# shrinks things in three places: the **input** (dimensionality reduction keeps the information
# in fewer features), the **numbers** (quantization stores weights and activations in 8 or 16
# bits instead of 32) and the **connections** (pruning removes the weights that matter least).
# Each time we measure what we saved and what it cost in accuracy.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The grader runs more tests on
# other inputs, so solve the problem, not the example. Run the notebook from top to bottom
# (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup
#
# The data are scikit-learn's bundled 8x8 digits and synthetic signals, so everything runs
# offline. `start_lab` seeds every random number generator, quiets the libraries' progress
# logs and returns `WORK_DIR`, the scratch folder for the model files; `threads=1` because our
# models are small, and on a busy two-core machine competing threads cost more than they save.
#
# Three practical notes. The TensorFlow Model Optimization Toolkit (`tfmot`) works on Keras 2
# models, which live on as the `tf_keras` package, so we import both (section 5 explains).
# `tf.lite.Interpreter`, which runs quantized models, still works in TensorFlow 2.21 but warns
# on every use that it is deprecated in favour of the `ai-edge-litert` package (LiteRT, same
# API: `from ai_edge_litert.interpreter import Interpreter`); we silence exactly that warning,
# and the converter's note that int8 inputs come without statistics (we pass them ourselves).
# And TensorFlow Lite's native code prints progress lines ("Created TensorFlow Lite XNNPACK
# delegate", "fully_quantize: 0, ...") straight to the process's error stream, below Python's
# reach; `native_stderr_muted()` closes that stream around the few calls that print them.

# %%
from course import check, check_that, needs, start_lab  # first: it also quiets TensorFlow's start-up log
from course.data import train_test
from course.plotting import add_caption, labelled
from course.quiet import native_stderr_muted

import gzip
import tempfile
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import tensorflow_model_optimization as tfmot
import tf_keras
from sklearn.decomposition import NMF, PCA, FastICA
from sklearn.neighbors import KNeighborsClassifier

warnings.filterwarnings("ignore", message=r"\s*Warning: tf\.lite\.Interpreter is deprecated", category=UserWarning)
warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected", category=UserWarning)
WORK_DIR = start_lab("lab08", seed=42, threads=1)

# %%
x_train, x_test, y_train, y_test = train_test("digits")
print("digits:", x_train.shape, x_test.shape, " model files go to", WORK_DIR)

# %% [markdown]
# ## 1. The curse of dimensionality
#
# More features sound like more information, but high-dimensional space behaves against
# intuition. With a fixed number of examples the space gets emptier as dimensions grow, and
# distances **concentrate**: the nearest and the farthest neighbour of a point end up almost
# equally far away. Methods built on "close points are similar" (k-nearest neighbours,
# clustering, kernels) then lose their footing, and models need far more data to avoid
# overfitting.
#
# Here are the distances from one random point to 1,000 others drawn uniformly in the unit
# cube, divided by their mean, for growing dimension:

# %%
rng = np.random.default_rng(0)
fig, ax = plt.subplots()
for dim in [2, 10, 100, 1000]:
    cloud = rng.uniform(size=(1000, dim))
    distances = np.linalg.norm(cloud - rng.uniform(size=dim), axis=1)
    ax.hist(distances / distances.mean(), bins=40, density=True, histtype="step", linewidth=1.5, label=f"d = {dim}")
ax.legend()
labelled(ax, "Distances to a random point, relative to their mean", "distance / mean distance", "density",
         caption="In 1,000 dimensions almost every point is at about the mean distance: 'nearest' means little.")
plt.show()

# %% [markdown]
# ### Exercise 1: relative contrast
#
# One number captures the effect: the **relative contrast** of a query point,
# (farthest distance - nearest distance) / nearest distance. Write
# `relative_contrast(points, query)` for an array `points` of shape `(n, d)` and a `query` of
# shape `(d,)`, using Euclidean distances, and return it as a float.

# %% exercise="relative_contrast"
def relative_contrast(points, query):
    """(max distance - min distance) / min distance from ``query`` to the rows of ``points``."""
    ### BEGIN SOLUTION
    distances = np.linalg.norm(np.asarray(points, dtype=float) - np.asarray(query, dtype=float), axis=1)
    return float((distances.max() - distances.min()) / distances.min())
    ### END SOLUTION


# %% tests="relative_contrast" points=1
check("relative_contrast([[1, 0], [3, 0], [0, 4]], [0, 0])",
      relative_contrast(np.array([[1.0, 0.0], [3.0, 0.0], [0.0, 4.0]]), np.array([0.0, 0.0])), 3.0,
      hint="distances are 1, 3 and 4: (4 - 1) / 1")
check("the type of relative_contrast's result", type(relative_contrast(np.eye(3), np.zeros(3))).__name__, "float",
      hint="NumPy reductions give NumPy scalars: return float(...)")
### BEGIN HIDDEN TESTS
rng_hidden = np.random.default_rng(8)
cloud_hidden, query_hidden = rng_hidden.normal(size=(50, 7)), rng_hidden.normal(size=7)
d = np.sqrt(((cloud_hidden - query_hidden) ** 2).sum(axis=1))
check("relative_contrast on random points", relative_contrast(cloud_hidden, query_hidden), (d.max() - d.min()) / d.min(),
      rtol=1e-9)
### END HIDDEN TESTS

# %% [markdown]
# Averaged over a few queries, the contrast collapses as the dimension grows:

# %%
dims = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
with needs("exercise 1 (relative_contrast)"):
    contrast = [np.mean([relative_contrast(rng.uniform(size=(500, dim)), rng.uniform(size=dim)) for _ in range(5)])
                for dim in dims]
    fig, ax = plt.subplots()
    ax.loglog(dims, contrast, "o-")
    labelled(ax, "Relative contrast of distances", "dimension d", "(max - min) / min distance",
             caption="From hundreds in one dimension to a fraction of one in a thousand: distances stop discriminating.")
    plt.show()

# %% [markdown]
# The same happens to a real classifier. We append columns of pure noise to the 64 pixels of
# the digits: no information is lost, only dimensions are added, and a k-nearest-neighbour
# classifier gets steadily worse.

# %%
noise_rng = np.random.default_rng(1)
for extra in [0, 64, 256, 1024]:
    train_noisy = np.hstack([x_train, noise_rng.uniform(size=(len(x_train), extra))])
    test_noisy = np.hstack([x_test, noise_rng.uniform(size=(len(x_test), extra))])
    accuracy = KNeighborsClassifier(n_neighbors=5).fit(train_noisy, y_train).score(test_noisy, y_test)
    print(f"64 pixels + {extra:4d} noise columns: k-NN test accuracy {accuracy:.3f}")

# %% [markdown]
# ## 2. Principal component analysis
#
# **PCA** finds the orthogonal directions along which the data varies most, the *principal
# components*, and projects the data onto the first few. Each component explains a share of
# the total variance; we keep enough components to explain, say, 95% of it, and drop the rest
# as mostly noise. The digits have 64 pixels, but neighbouring pixels move together, so far
# fewer directions carry most of the variation.

# %%
pca_full = PCA().fit(x_train)
cumulative = np.cumsum(pca_full.explained_variance_ratio_)
fig, ax = plt.subplots()
ax.plot(np.arange(1, 65), cumulative, "o-", markersize=3)
for target in (0.9, 0.95):
    ax.axhline(target, linestyle="--", color="gray", linewidth=1)
labelled(ax, "Cumulative explained variance of the digits", "number of components", "share of variance explained",
         caption="Far fewer than 64 directions explain 90% (dashed, lower) or 95% (upper) of the variance.")
plt.show()

# %% [markdown]
# ### Exercise 2: how many components for a target variance?
#
# Write `components_for_variance(explained_variance_ratio, target)` that returns the smallest
# number of components whose cumulative explained variance reaches `target` (is greater than or
# equal to it), as an int. If even all components fall short (rounding can leave a total of
# 0.9999999), return the number of components.

# %% exercise="components_for_variance"
def components_for_variance(explained_variance_ratio, target):
    """Smallest k whose first k variance ratios sum to at least ``target``."""
    ### BEGIN SOLUTION
    cumulative = np.cumsum(explained_variance_ratio)
    reached = np.flatnonzero(cumulative >= target)
    return int(reached[0] + 1) if len(reached) else len(cumulative)
    ### END SOLUTION


k95 = components_for_variance(pca_full.explained_variance_ratio_, 0.95)
print("components for 95% of the variance:", k95)

# %% tests="components_for_variance" points=1
check("components_for_variance([0.5, 0.3, 0.15, 0.05], 0.75)",
      components_for_variance(np.array([0.5, 0.3, 0.15, 0.05]), 0.75), 2,
      hint="the cumulative sums are 0.5, 0.8, 0.95, 1.0: the first one >= 0.75 is the second")
check("components_for_variance([0.5, 0.3, 0.15, 0.05], 0.85)",
      components_for_variance(np.array([0.5, 0.3, 0.15, 0.05]), 0.85), 3,
      hint="count components, starting at 1, not indices starting at 0")
check("components_for_variance([0.4, 0.3], 0.95) when all components fall short",
      components_for_variance(np.array([0.4, 0.3]), 0.95), 2, hint="no cumulative sum reaches 0.95: return all 2")
check("the type of components_for_variance's result",
      type(components_for_variance(np.array([0.5, 0.3, 0.15, 0.05]), 0.75)).__name__, "int",
      hint="an index from NumPy is a NumPy integer: return int(...)")
### BEGIN HIDDEN TESTS
ratios = pca_full.explained_variance_ratio_
for target in (0.5, 0.9, 0.95, 0.99):
    check(f"components_for_variance(digits, {target})", components_for_variance(ratios, target),
          int(np.argmax(np.cumsum(ratios) >= target) + 1))
check("components_for_variance when the total falls short", components_for_variance(np.array([0.2, 0.1, 0.3]), 0.7),
      3)
check("components_for_variance(..., 0.3) with the first component enough",
      components_for_variance(np.array([0.4, 0.3]), 0.3), 1)
### END HIDDEN TESTS

# %% [markdown]
# Projecting onto the first *k* components and back gives a **reconstruction**: with 2
# components the digits are blurs, with the 95% choice they are easy to read.

# %%
k_95 = PCA(n_components=0.95).fit(x_train).n_components_  # scikit-learn picks k for a variance target too
fig, axes = plt.subplots(4, 8, figsize=(8, 4.4))
for row, k in enumerate([2, 10, k_95, 64]):
    reducer = PCA(n_components=k).fit(x_train)
    rebuilt = reducer.inverse_transform(reducer.transform(x_test[:8]))
    for col in range(8):
        axes[row, col].imshow(rebuilt[col].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        axes[row, col].set_xticks([])
        axes[row, col].set_yticks([])
    axes[row, 0].set_ylabel(f"k = {k}")
add_caption(fig, f"Rows: k = 2, 10, {k_95} (95% of the variance) and 64 components.",
            title="Test digits rebuilt from k principal components (k = 64 is the original)")
plt.show()

# %% [markdown]
# ### PCA is an SVD
#
# The **singular value decomposition** factors any matrix as X = U S Vᵀ, with orthonormal U and
# V and non-negative singular values in S, largest first. Apply it to the *centred* data (each
# column minus its mean) and the rows of Vᵀ are exactly the principal components, the scores are
# U S (equivalently, the centred data times V), and the variance along component *i* is
# proportional to sᵢ². scikit-learn's `PCA` does exactly this; `TruncatedSVD` skips the centring,
# which keeps sparse matrices (such as word counts) sparse.
#
# ### Exercise 3: PCA by hand with NumPy's SVD
#
# Write `pca_svd(X, k)` that centres `X`, computes `np.linalg.svd(centred, full_matrices=False)`
# and returns a tuple `(components, scores, ratio)`: the first `k` rows of Vᵀ (shape
# `(k, features)`), the centred data projected on them (shape `(rows, k)`), and the explained
# variance ratio of those `k` components (sᵢ² divided by the sum of all sᵢ²).

# %% exercise="pca_svd"
def pca_svd(X, k):
    """PCA of X by the SVD of the centred data: (components, scores, explained variance ratio)."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    centred = X - X.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    components = vt[:k]
    return components, centred @ components.T, singular[:k] ** 2 / np.sum(singular**2)
    ### END SOLUTION


# %% tests="pca_svd" points=2
components, scores, ratio = pca_svd(x_train, 5)
check("the shapes of pca_svd(x_train, 5)", [components.shape, scores.shape, ratio.shape], [(5, 64), (1347, 5), (5,)],
      hint="components: k rows of Vt; scores: centred data @ components.T; ratio: k numbers")
check("the explained variance ratio", ratio, pca_full.explained_variance_ratio_[:5], rtol=1e-4,
      hint="square the singular values and divide by the sum of all squared singular values")
check("|cosine| between your components and scikit-learn's", np.abs(np.sum(components * pca_full.components_[:5], axis=1)),
      np.ones(5), atol=1e-4, hint="the rows of Vt of the *centred* data (a component's sign may flip, that is fine)")
check("|scores| against |scikit-learn's transform| (first 10 rows)", np.abs(scores[:10]),
      np.abs(pca_full.transform(x_train)[:10, :5]), rtol=1e-4, atol=1e-6,
      hint="project the centred data (X minus its column means) on the k components: centred @ components.T")
### BEGIN HIDDEN TESTS
rng_hidden = np.random.default_rng(4)
data = rng_hidden.normal(size=(60, 6)) @ rng_hidden.normal(size=(6, 6)) + 3.0
reference = PCA(n_components=3).fit(data)
c, s, r = pca_svd(data, 3)
check("pca_svd ratios on random data", r, reference.explained_variance_ratio_, rtol=1e-6)
check("pca_svd reconstruction on random data", s @ c + data.mean(axis=0),
      reference.inverse_transform(reference.transform(data)), rtol=1e-6, atol=1e-8)
check("pca_svd scores up to sign", np.abs(s), np.abs(reference.transform(data)), rtol=1e-6, atol=1e-8)
### END HIDDEN TESTS

# %% [markdown]
# Fewer than half the dimensions, nearly the same accuracy: k-nearest neighbours on the
# components that keep 95% of the variance, with the projection learned on the training digits
# only, misses only a few more of the 450 test digits than on all 64 pixels.

# %%
reducer = PCA(n_components=k_95).fit(x_train)
print(f"k-NN on 64 pixels:          {KNeighborsClassifier(5).fit(x_train, y_train).score(x_test, y_test):.3f}")
print(f"k-NN on {k_95} PCA features:  "
      f"{KNeighborsClassifier(5).fit(reducer.transform(x_train), y_train).score(reducer.transform(x_test), y_test):.3f}")

# %% [markdown]
# The 95% rule is a proxy, though. What we care about is the model's accuracy, and the rule
# may keep more dimensions than the model needs, or fewer.
#
# ### Exercise 4 (a problem): the fewest components that keep the accuracy
#
# Write `fewest_components(x_train, y_train, x_val, y_val, tolerance)` that returns the
# **smallest** number of principal components k (an int from 1 to the number of features) for
# which a 5-nearest-neighbour classifier trained on the first k components of `x_train` reaches
# a validation accuracy (on `x_val`, `y_val`) of at least the accuracy of the same classifier
# on all the raw features, minus `tolerance`. Fit each projection on `x_train` only. Accuracy
# need not grow steadily with k, so "smallest" means that every smaller k falls short. The
# grader also calls it on other data.

# %% exercise="fewest_components"
def fewest_components(x_train, y_train, x_val, y_val, tolerance):
    """Smallest k whose 5-NN on k principal components is within ``tolerance`` of 5-NN on all features."""
    ### BEGIN SOLUTION
    bar = KNeighborsClassifier(5).fit(x_train, y_train).score(x_val, y_val) - tolerance
    for k in range(1, x_train.shape[1] + 1):
        projection = PCA(n_components=k).fit(x_train)
        knn = KNeighborsClassifier(5).fit(projection.transform(x_train), y_train)
        accuracy = knn.score(projection.transform(x_val), y_val)
        if accuracy >= bar:
            return k
    return x_train.shape[1]
    ### END SOLUTION


k_needed = fewest_components(x_train, y_train, x_test, y_test, 0.01)
print(f"k-NN within one point of all 64 pixels with {k_needed} components (the 95% rule keeps {k_95})")

# %% tests="fewest_components" points=2
def knn_on_components(k, x_fit, y_fit, x_val, y_val):
    """Validation accuracy of 5-NN on the first k principal components (k = all features: the raw features)."""
    if k >= x_fit.shape[1]:
        return KNeighborsClassifier(5).fit(x_fit, y_fit).score(x_val, y_val)
    projection = PCA(n_components=k).fit(x_fit)
    return KNeighborsClassifier(5).fit(projection.transform(x_fit), y_fit).score(projection.transform(x_val), y_val)


def check_fewest(what, k, x_fit, y_fit, x_val, y_val, tolerance):
    """k reaches the bar and every smaller k falls short."""
    bar = KNeighborsClassifier(5).fit(x_fit, y_fit).score(x_val, y_val) - tolerance
    check_that(f"{what} to be an int between 1 and {x_fit.shape[1]}", type(k) is int and 1 <= k <= x_fit.shape[1],
               got=k, hint="return the number of components as a Python int")
    check_that(f"{what}: k = {k} components to reach the accuracy bar {bar:.3f}",
               knn_on_components(k, x_fit, y_fit, x_val, y_val) >= bar,
               got=round(knn_on_components(k, x_fit, y_fit, x_val, y_val), 4),
               hint="fit PCA on the training rows, then 5-NN on the projected rows")
    short = [j for j in range(1, k) if knn_on_components(j, x_fit, y_fit, x_val, y_val) >= bar]
    check_that(f"{what}: no smaller k to reach the bar", not short, got=short,
               hint="try k = 1, 2, 3, ... in order and stop at the first that reaches the bar")


check_fewest("fewest_components(digits, tolerance=0.01)", k_needed, x_train, y_train, x_test, y_test, 0.01)
### BEGIN HIDDEN TESTS
check_fewest("fewest_components(digits, tolerance=0.03)", fewest_components(x_train, y_train, x_test, y_test, 0.03),
             x_train, y_train, x_test, y_test, 0.03)
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

wine_x, wine_y = load_wine(return_X_y=True)
wx_fit, wx_val, wy_fit, wy_val = train_test_split(wine_x, wine_y, test_size=0.4, random_state=0, stratify=wine_y)
wine_scaler = StandardScaler().fit(wx_fit)
wx_fit, wx_val = wine_scaler.transform(wx_fit), wine_scaler.transform(wx_val)
check_fewest("fewest_components(wine, tolerance=0.02)", fewest_components(wx_fit, wy_fit, wx_val, wy_val, 0.02),
             wx_fit, wy_fit, wx_val, wy_val, 0.02)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. ICA and NMF: other goals, other components
#
# PCA's components are *uncorrelated* and ordered by variance. That is not always what we want.
#
# **Independent component analysis (ICA)** looks for components that are statistically
# *independent*, a stronger condition than uncorrelated. The classic use is the cocktail party:
# several microphones each record a different mix of the same voices, and ICA recovers the
# voices. Our synthetic version mixes three signals (a sine, a square wave and a sawtooth) into
# three recordings.

# %%
time_axis = np.linspace(0, 8, 2000)
sources = np.column_stack([np.sin(2 * time_axis), np.sign(np.sin(3 * time_axis)), 2 * ((1.5 * time_axis) % 1) - 1])
sources += 0.02 * np.random.default_rng(2).normal(size=sources.shape)
mixing = np.array([[1.0, 1.0, 1.0], [0.5, 2.0, 1.0], [1.5, 1.0, 2.0]])
recordings = sources @ mixing.T

ica_signals = FastICA(n_components=3, whiten="unit-variance", random_state=0).fit_transform(recordings)
pca_signals = PCA(n_components=3).fit_transform(recordings)


def best_match(estimated, true):
    """For each true source, the largest |correlation| with any estimated component."""
    correlation = np.corrcoef(true.T, estimated.T)[:3, 3:]
    return np.abs(correlation).max(axis=1).round(3)


print("how well each source is recovered (|correlation|, 1 is perfect)")
print("  ICA:", best_match(ica_signals, sources))
print("  PCA:", best_match(pca_signals, sources))

fig, axes = plt.subplots(4, 1, figsize=(8, 6.5), sharex=True)
for ax, (title, signals) in zip(axes, [("true sources", sources), ("recordings (mixtures)", recordings),
                                       ("ICA components", ica_signals), ("PCA components", pca_signals)]):
    scaled = signals[:600] / np.abs(signals[:600]).max(axis=0)
    for j in range(3):
        ax.plot(time_axis[:600], scaled[:, j] + 2.5 * j)
    ax.set_yticks([])
    labelled(ax, title, "time", "signal")
fig.tight_layout()
add_caption(fig, "Each panel shows three signals, offset vertically and scaled to the same height.",
            title="ICA unmixes independent signals; PCA only decorrelates them")
plt.show()

# %% [markdown]
# **Non-negative matrix factorization (NMF)** writes non-negative data (pixel intensities, word
# counts, spectra) as non-negative combinations of non-negative parts. Since nothing can be
# subtracted, the parts tend to be pieces (strokes of a digit, topics of a text), where PCA's
# components are global patterns of positive and negative weights.

# %%
nmf = NMF(n_components=16, init="nndsvda", max_iter=1000, random_state=0).fit(x_train)
pca16 = PCA(n_components=16).fit(x_train)
fig, axes = plt.subplots(2, 16, figsize=(11, 1.9))
for j in range(16):
    axes[0, j].imshow(nmf.components_[j].reshape(8, 8), cmap="gray_r")
    limit = np.abs(pca16.components_[j]).max()
    axes[1, j].imshow(pca16.components_[j].reshape(8, 8), cmap="RdBu", vmin=-limit, vmax=limit)
    axes[0, j].axis("off")
    axes[1, j].axis("off")
add_caption(fig, "NMF parts are non-negative pieces; PCA components mix positive (blue) and negative (red).",
            title="16 NMF parts (top: strokes) and 16 PCA components (bottom: signed global patterns)")
plt.show()
nmf_error = np.mean((nmf.inverse_transform(nmf.transform(x_test)) - x_test) ** 2)
pca_error = np.mean((pca16.inverse_transform(pca16.transform(x_test)) - x_test) ** 2)
print(f"test reconstruction error with 16 components: NMF {nmf_error:.4f}, PCA {pca_error:.4f}")

# %% [markdown]
# PCA reconstructs better, with about a quarter less error (it is the optimal linear
# reconstruction for a given number of components); NMF trades some of that for parts that are easier to interpret.
#
# ## 4. Post-training quantization
#
# A trained network stores its weights as 32-bit floats. **Quantization** stores them (and
# possibly the activations) with fewer bits. The model file shrinks, memory traffic falls, and
# integer arithmetic runs faster and on more hardware (phones' DSPs and NPUs, microcontrollers,
# Edge TPUs), for a small loss of accuracy. Post-training quantization needs no retraining, only
# a conversion.
#
# The common 8-bit scheme is **affine**: a real value x is stored as the integer
# q = round(x / scale) + zero_point, clipped to [-128, 127], and read back as
# x ≈ (q - zero_point) × scale. The `scale` sets the step between representable values, and
# the `zero_point` is the integer that represents 0.0 exactly. TensorFlow Lite quantizes weights
# symmetrically (zero_point = 0, scale = max|w| / 127) and activations with a scale and zero
# point fitted to their observed range.
#
# ### Exercise 5: quantize and dequantize
#
# Write `int8_quantize(x, scale, zero_point)` returning an `np.int8` array (round with
# `np.round`, add the zero point, clip to [-128, 127]) and `int8_dequantize(q, scale,
# zero_point)` returning a `float32` array.

# %% exercise="int8"
def int8_quantize(x, scale, zero_point):
    """Affine int8 quantization of the real values ``x``."""
    ### BEGIN SOLUTION
    q = np.round(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)
    ### END SOLUTION


def int8_dequantize(q, scale, zero_point):
    """Real values (float32) represented by the int8 array ``q``."""
    ### BEGIN SOLUTION
    return ((np.asarray(q, dtype=np.float32) - zero_point) * scale).astype(np.float32)
    ### END SOLUTION


# %% tests="int8" points=2
q = int8_quantize(np.array([-1.0, 0.0, 0.3, 5.0]), scale=0.02, zero_point=-10)
check("int8_quantize([-1, 0, 0.3, 5], scale=0.02, zero_point=-10)", q, np.array([-60, -10, 5, 127], dtype=np.int8),
      hint="round(x / scale) + zero_point, then clip to [-128, 127]: 5.0 / 0.02 = 250 is clipped")
check("the dtype of int8_quantize's result", np.asarray(q).dtype, np.dtype("int8"), hint="finish with .astype(np.int8)")
check("int8_dequantize of the same values", int8_dequantize(q, 0.02, -10), [-1.0, 0.0, 0.3, 2.74], rtol=1e-5,
      hint="(q - zero_point) * scale; the clipped value comes back as 137 * 0.02 = 2.74")
check("the dtype of int8_dequantize's result", np.asarray(int8_dequantize(q, 0.02, -10)).dtype, np.dtype("float32"),
      hint="NumPy computes in float64 by default: finish with .astype(np.float32)")
check("int8_quantize([-10.0], scale=0.01, zero_point=5), below the range",
      int8_quantize(np.array([-10.0]), 0.01, 5), np.array([-128], dtype=np.int8),
      hint="-10 / 0.01 + 5 = -995 is clipped to -128")
### BEGIN HIDDEN TESTS
rng_hidden = np.random.default_rng(9)
values = rng_hidden.normal(size=500)
scale_h, zero_h = float(np.abs(values).max() / 127), 0
q_h = int8_quantize(values, scale_h, zero_h)
check("int8_quantize on random values", q_h, np.clip(np.round(values / scale_h), -128, 127).astype(np.int8))
check_that("a round trip error of at most half a step", np.max(np.abs(int8_dequantize(q_h, scale_h, zero_h) - values))
           <= scale_h / 2 + 1e-6)
check("the dtype of int8_dequantize's result on random values", np.asarray(int8_dequantize(q_h, scale_h, zero_h)).dtype,
      np.dtype("float32"))
check("int8_quantize clips below", int8_quantize(np.array([-3.0, 2.0]), 0.02, -20), np.array([-128, 80], dtype=np.int8))
### END HIDDEN TESTS

# %% [markdown]
# ### A model to compress
#
# A small dense network on the digits: 64 inputs, two hidden layers of 256 and 128 units,
# 10 logits, about 50,000 weights. Applied to its first layer, symmetric 8-bit quantization
# keeps every weight within half a step of its original value at a quarter of the storage.

# %%
def build_mlp():
    return keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(256, activation="relu"),
                             keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)], name="digits_mlp")


baseline = build_mlp()
baseline.compile(optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"],
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
baseline.fit(x_train, y_train, epochs=10, batch_size=64, verbose=0)
baseline_accuracy = baseline.evaluate(x_test, y_test, verbose=0)[1]
print(f"weights: {baseline.count_params():,}, test accuracy: {baseline_accuracy:.3f}")

kernel = baseline.layers[0].kernel.numpy()
kernel_scale = float(np.abs(kernel).max() / 127)
with needs("exercise 5 (int8_quantize, int8_dequantize)"):
    kernel_error = np.abs(int8_dequantize(int8_quantize(kernel, kernel_scale, 0), kernel_scale, 0) - kernel)
    print(f"first layer: scale {kernel_scale:.5f}, largest error {kernel_error.max():.5f} "
          f"(half a step is {kernel_scale / 2:.5f})")

# %% [markdown]
# ### Converting with TensorFlow Lite
#
# `tf.lite.TFLiteConverter` turns a TensorFlow model into a compact *flatbuffer* for the
# TFLite runtime. For a Keras 3 model the dependable route goes through a **SavedModel**, the
# format TensorFlow Serving also reads: `model.export(folder, format="tf_saved_model")` writes
# the model's inference function (its `serve` endpoint) with the weights, and
# `TFLiteConverter.from_saved_model(folder)` reads it. (Tracing the model yourself and passing
# the concrete function to `from_concrete_functions` also works, but TensorFlow 2.21 marks that
# path deprecated unless you hand over a trackable object, and with a Keras 3 model as that
# object the weights stay variables outside the flatbuffer: a 3 KiB file that cannot run.)
# With no options the converter keeps float32 weights:

# %%
def converter_for(model):
    """A TFLite converter for ``model``, through a SavedModel exported to a fresh folder."""
    export_dir = tempfile.mkdtemp(prefix="savedmodel-", dir=WORK_DIR)
    model.export(export_dir, format="tf_saved_model", verbose=False)
    return tf.lite.TFLiteConverter.from_saved_model(export_dir)


float_bytes = converter_for(baseline).convert()
print(f"float32 TFLite model: {len(float_bytes) / 1024:.1f} KiB")

# %% [markdown]
# ### Running a TFLite model
#
# The `Interpreter` runs a flatbuffer. Its input and output *details* give each tensor's index,
# shape, dtype and quantization parameters `(scale, zero_point)`. The input is laid out for a
# batch of one (the `shape` printed below), so we resize it for a whole batch, allocate the
# tensors, set the input, invoke, and read the output. On the float32 model:

# %%
with native_stderr_muted():  # the first interpreter of a process prints "Created ... XNNPACK delegate"
    interpreter = tf.lite.Interpreter(model_content=float_bytes)
    details = interpreter.get_input_details()[0]
    interpreter.resize_tensor_input(details["index"], [5, 64])
    interpreter.allocate_tensors()
print("input:", details["shape"], details["dtype"].__name__, "quantization", details["quantization"])
interpreter.set_tensor(details["index"], x_test[:5])
interpreter.invoke()
float_logits = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
print("TFLite predictions:", float_logits.argmax(axis=1), " Keras:", baseline.predict(x_test[:5], verbose=0).argmax(axis=1))

# %% [markdown]
# Back to the converter: its optimisation options select the quantization.
#
# | mode | converter settings | weights | activations |
# |---|---|---|---|
# | dynamic range | `optimizations = [tf.lite.Optimize.DEFAULT]` | int8 | float, quantized on the fly |
# | float16 | the same, plus `target_spec.supported_types = [tf.float16]` | float16 | float32 |
# | full integer | the same, plus a `representative_dataset` and int8 ops, inputs and outputs | int8 | int8 |
#
# Full-integer quantization must know the range of every activation, so the converter runs a
# **representative dataset** (a generator yielding lists with one input batch, a few hundred
# typical examples) through the model to calibrate. Set
# `target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]` so that conversion fails
# rather than silently keeping float operations, and `inference_input_type` /
# `inference_output_type` to `tf.int8` for a model that talks integers end to end, as
# integer-only accelerators need.
#
# ### Exercise 6: convert with post-training quantization
#
# Write `convert(model, mode, representative=None)` that starts from `converter_for(model)`,
# applies the settings of `mode` (`"float32"`, `"dynamic"`, `"float16"` or `"int8"`) and returns
# the converted bytes. For `"int8"`, `representative` is an array of input rows to calibrate
# on; a couple of hundred rows are plenty (we take the first 200, each as a float32 batch of
# one, shape `(1, 64)`). The checks look at the result: sizes, input and output types, and
# the test accuracy of each model.

# %% exercise="convert"
MODES = ["float32", "dynamic", "float16", "int8"]


def convert(model, mode, representative=None):
    """TFLite flatbuffer of ``model`` with the post-training quantization ``mode``."""
    ### BEGIN SOLUTION
    converter = converter_for(model)
    if mode != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if mode == "int8":
        rows = np.asarray(representative[:200], dtype=np.float32)

        def calibration_batches():
            for row in rows:
                yield [row[None, :]]

        converter.representative_dataset = calibration_batches
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()
    ### END SOLUTION


with native_stderr_muted():  # the int8 conversion prints a "fully_quantize: 0, ..." line
    tflite_models = {mode: convert(baseline, mode, representative=x_train) for mode in MODES}
for mode, flatbuffer in tflite_models.items():
    (WORK_DIR / f"digits_{mode}.tflite").write_bytes(flatbuffer)
    print(f"{mode:8s} {len(flatbuffer) / 1024:7.1f} KiB")

# %% tests="convert" points=2
def input_dtype(flatbuffer):
    return tf.lite.Interpreter(model_content=flatbuffer).get_input_details()[0]["dtype"]


sizes = {mode: len(flatbuffer) for mode, flatbuffer in tflite_models.items()}
check_that("the float16 model to be at most 60% of the float32 size", sizes["float16"] < 0.6 * sizes["float32"],
           got=sizes, hint="set target_spec.supported_types = [tf.float16] together with Optimize.DEFAULT")
check_that("the dynamic-range model to be at most 35% of the float32 size", sizes["dynamic"] < 0.35 * sizes["float32"],
           got=sizes, hint="optimizations = [tf.lite.Optimize.DEFAULT] stores the weights as int8")
check("the input dtype of the int8 model", np.dtype(input_dtype(tflite_models["int8"])), np.dtype("int8"),
      hint="set inference_input_type and inference_output_type to tf.int8")
check("the output dtype of the int8 model",
      np.dtype(tf.lite.Interpreter(model_content=tflite_models["int8"]).get_output_details()[0]["dtype"]),
      np.dtype("int8"), hint="inference_output_type = tf.int8 as well: the model talks integers end to end")
check_that("the float32 model to keep float weights (within 10% of the size of float_bytes, the plain conversion above)",
           abs(sizes["float32"] - len(float_bytes)) < 0.1 * len(float_bytes), got=sizes,
           hint="for 'float32' set no optimizations at all")
check_that("the int8 model to be at most 35% of the float32 size", sizes["int8"] < 0.35 * sizes["float32"], got=sizes,
           hint="full integer quantization also stores the weights as int8: Optimize.DEFAULT plus the int8 settings")
check("the input dtype of the float16 model", np.dtype(input_dtype(tflite_models["float16"])), np.dtype("float32"),
      hint="float16 stores only the weights in 16 bits: leave inference_input_type alone")
for mode in ["float32", "dynamic", "float16"]:
    runner = tf.lite.Interpreter(model_content=tflite_models[mode])
    runner.resize_tensor_input(runner.get_input_details()[0]["index"], [len(x_test), 64])
    runner.allocate_tensors()
    runner.set_tensor(runner.get_input_details()[0]["index"], x_test)
    runner.invoke()
    mode_accuracy = float(np.mean(np.argmax(runner.get_tensor(runner.get_output_details()[0]["index"]), axis=1) == y_test))
    check_that(f"the {mode} model's test accuracy to stay above 0.85", mode_accuracy > 0.85, got=round(mode_accuracy, 4),
               hint="convert the trained model passed in, with only the settings of this mode")
### BEGIN HIDDEN TESTS
small = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(10)])
small.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
small.fit(x_train, y_train, epochs=2, batch_size=128, verbose=0)
with native_stderr_muted():  # the other model's int8 conversion is chatty too
    small_int8 = convert(small, "int8", representative=x_test)
    small_float = convert(small, "float32")
check("the input dtype of convert(another model, 'int8')", np.dtype(input_dtype(small_int8)), np.dtype("int8"))
check("the input dtype of convert(another model, 'float32')", np.dtype(input_dtype(small_float)), np.dtype("float32"))
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 7: inference for every mode
#
# Write `tflite_predict(flatbuffer, x)` that runs the model on the float32 batch `x` and returns
# float32 logits of shape `(len(x), 10)`. When the input tensor is int8, quantize `x` with the
# input's `(scale, zero_point)` (your `int8_quantize` does it); when the output tensor is int8,
# dequantize the result with the output's parameters.

# %% exercise="tflite_predict"
def tflite_predict(flatbuffer, x):
    """Float logits of a TFLite model on the float batch ``x``, whatever its input/output types."""
    ### BEGIN SOLUTION
    batch = np.asarray(x, dtype=np.float32)
    interpreter = tf.lite.Interpreter(model_content=flatbuffer)
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    interpreter.resize_tensor_input(inp["index"], list(batch.shape))
    interpreter.allocate_tensors()
    if inp["dtype"] == np.int8:
        batch = int8_quantize(batch, *inp["quantization"])
    interpreter.set_tensor(inp["index"], batch)
    interpreter.invoke()
    result = interpreter.get_tensor(out["index"])
    if out["dtype"] == np.int8:
        result = int8_dequantize(result, *out["quantization"])
    return result.astype(np.float32)
    ### END SOLUTION


keras_logits = baseline.predict(x_test, verbose=0)


def tflite_report(mode):
    """Size, test accuracy and agreement with Keras of one converted model, through tflite_predict."""
    predicted = tflite_predict(tflite_models[mode], x_test).argmax(axis=1)
    return {"KiB": len(tflite_models[mode]) / 1024, "test accuracy": float(np.mean(predicted == y_test)),
            "agrees with Keras": float(np.mean(predicted == keras_logits.argmax(axis=1)))}


with needs("exercise 7 (tflite_predict)"):
    results = {mode: tflite_report(mode) for mode in MODES}
    for mode, row in results.items():
        print(f"{mode:8s} {row['KiB']:7.1f} KiB  accuracy {row['test accuracy']:.3f}  "
              f"same prediction as Keras {row['agrees with Keras']:.1%}")

# %% tests="tflite_predict" points=2
float_prediction = tflite_predict(float_bytes, x_test[:20])
check("tflite_predict(float32 model, x_test[:20])", float_prediction, keras_logits[:20], rtol=1e-3, atol=1e-4,
      hint="resize the input to the batch, allocate_tensors, set_tensor, invoke, get_tensor")
int8_prediction = tflite_predict(tflite_models["int8"], x_test[:20])
check("the dtype of the int8 model's predictions", np.asarray(int8_prediction).dtype, np.dtype("float32"),
      hint="dequantize the int8 output with the output's (scale, zero_point)")
logit_range = float(keras_logits[:20].max() - keras_logits[:20].min())
check_that("the int8 model's logits to stay within a quarter of the logit range of the Keras logits",
           np.max(np.abs(int8_prediction - keras_logits[:20])) < 0.25 * logit_range,
           got=np.max(np.abs(int8_prediction - keras_logits[:20])),
           hint="quantize the input with the input tensor's (scale, zero_point), dequantize the output with the output's")
check_that("the int8 model to predict the same class as Keras on at least 18 of 20 digits",
           np.sum(np.argmax(int8_prediction, axis=1) == np.argmax(keras_logits[:20], axis=1)) >= 18,
           got=np.argmax(int8_prediction, axis=1))
for mode in MODES:
    mode_accuracy = float(np.mean(tflite_predict(tflite_models[mode], x_test).argmax(axis=1) == y_test))
    check_that(f"the {mode} model's test accuracy through tflite_predict to be above 0.85", mode_accuracy > 0.85,
               got=round(mode_accuracy, 4), hint="every mode: convert x only when the input tensor is int8")
### BEGIN HIDDEN TESTS
runner = tf.lite.Interpreter(model_content=tflite_models["int8"])
inp, out = runner.get_input_details()[0], runner.get_output_details()[0]
probe = np.random.default_rng(12).uniform(size=(7, 64)).astype(np.float32)
runner.resize_tensor_input(inp["index"], [7, 64])
runner.allocate_tensors()
runner.set_tensor(inp["index"], np.clip(np.round(probe / inp["quantization"][0]) + inp["quantization"][1], -128, 127)
                  .astype(np.int8))
runner.invoke()
expected = (runner.get_tensor(out["index"]).astype(np.float32) - out["quantization"][1]) * out["quantization"][0]
check("tflite_predict(int8 model) on random inputs", tflite_predict(tflite_models["int8"], probe), expected,
      rtol=1e-5, atol=1e-6)
check("the shape of tflite_predict on one row", np.shape(tflite_predict(tflite_models["float16"], x_test[:1])), (1, 10))
### END HIDDEN TESTS

# %% [markdown]
# Quantization cut the file to under a third (int8 weights: 29% of the float32 size with dynamic
# range, 31% full integer, since the graph, the biases and the quantization parameters take
# room too) or a half (float16), and the accuracy barely moved: this network has plenty of slack. The trade-off is not always this kind. Small models,
# or models with a few sensitive layers, can lose several points; then we quantize selectively or
# train with quantization in the loop (section 6).

# %%
with needs("exercise 7 (tflite_predict)"):
    fig, ax = plt.subplots()
    ax.bar(MODES, [results[mode]["KiB"] for mode in MODES])
    for i, mode in enumerate(MODES):
        ax.text(i, results[mode]["KiB"], f"acc {results[mode]['test accuracy']:.3f}", ha="center", va="bottom")
    labelled(ax, "TFLite model size by quantization mode", "mode", "size (KiB)",
             caption="Int8 weights take under a third of the float32 size, float16 half, for nearly the same accuracy.")
    plt.show()

# %% [markdown]
# ## 5. Pruning
#
# Many weights of a trained network are close to zero and contribute little. **Magnitude
# pruning** sets the smallest-magnitude weights to exactly zero and keeps training, so the
# remaining weights compensate. Removing them all at once hurts; the standard recipe raises the
# sparsity (the fraction of zeros) gradually along a **polynomial decay** schedule that prunes
# fast at first and slowly near the end:
#
# sparsity(step) = final + (initial - final) × (1 - p)³, with p = (step - begin) / (end - begin)
# clipped to [0, 1].
#
# A sparse weight matrix is not smaller in a dense file (a zero still takes 4 bytes), but it
# **compresses** very well, and sparse kernels and some accelerators skip the zeros. Pruning
# also stacks with quantization. We first write the two pieces by hand, then use the
# TensorFlow Model Optimization Toolkit and check that it does what we wrote.
#
# ### Exercise 8: the polynomial-decay schedule
#
# Write `polynomial_sparsity(step, initial, final, begin, end, power=3)` returning the
# scheduled sparsity at `step` as a float, with the formula above (`power` replaces the
# exponent 3). Before `begin` it is `initial`, after `end` it is `final`.

# %% exercise="polynomial_sparsity"
def polynomial_sparsity(step, initial, final, begin, end, power=3):
    """Target sparsity at ``step``: from ``initial`` at ``begin`` to ``final`` at ``end``."""
    ### BEGIN SOLUTION
    progress = min(1.0, max(0.0, (step - begin) / (end - begin)))
    return float(final + (initial - final) * (1.0 - progress) ** power)
    ### END SOLUTION


# %% tests="polynomial_sparsity" points=1
check("polynomial_sparsity at begin, halfway and end",
      [polynomial_sparsity(s, 0.5, 0.9, 0, 100) for s in (0, 50, 100)], [0.5, 0.85, 0.9], rtol=1e-9,
      hint="halfway p = 0.5, so 0.9 + (0.5 - 0.9) * 0.5**3 = 0.85")
check("polynomial_sparsity after the end", polynomial_sparsity(500, 0.5, 0.9, 0, 100), 0.9,
      hint="clip p to [0, 1]")
check("polynomial_sparsity before begin", polynomial_sparsity(3, 0.3, 0.7, 10, 20), 0.3, hint="clip p to [0, 1]")
check("polynomial_sparsity(50, 0.2, 0.8, 0, 100, power=2)", polynomial_sparsity(50, 0.2, 0.8, 0, 100, power=2), 0.65,
      rtol=1e-9, hint="power replaces the exponent 3: 0.8 + (0.2 - 0.8) * 0.5**2")
check_that("a float", isinstance(polynomial_sparsity(3, 0.3, 0.7, 10, 20), float),
           got=type(polynomial_sparsity(3, 0.3, 0.7, 10, 20)).__name__)
### BEGIN HIDDEN TESTS
for step in [0, 5, 17, 60, 99, 150]:
    p = min(1.0, max(0.0, (step - 10) / (90 - 10)))
    check(f"polynomial_sparsity({step}, 0.2, 0.8, 10, 90, power=2)", polynomial_sparsity(step, 0.2, 0.8, 10, 90, power=2),
          0.8 + (0.2 - 0.8) * (1 - p) ** 2, rtol=1e-9)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 9: the magnitude mask
#
# Write `magnitude_mask(weights, sparsity)` that returns a boolean array of the shape of
# `weights`: `False` for the `int(round(sparsity * weights.size))` entries of smallest absolute
# value (to be zeroed), `True` for all others. Break ties by position with a stable sort of the
# flattened absolute values.

# %% exercise="magnitude_mask"
def magnitude_mask(weights, sparsity):
    """Boolean keep-mask that drops the given fraction of smallest-magnitude weights."""
    ### BEGIN SOLUTION
    weights = np.asarray(weights)
    n_pruned = int(round(sparsity * weights.size))
    keep = np.ones(weights.size, dtype=bool)
    keep[np.argsort(np.abs(weights).ravel(), kind="stable")[:n_pruned]] = False
    return keep.reshape(weights.shape)
    ### END SOLUTION


# %% tests="magnitude_mask" points=2
toy_weights = np.array([[0.5, -0.1], [0.05, -2.0]])
check("magnitude_mask(toy_weights, 0.5)", magnitude_mask(toy_weights, 0.5), np.array([[True, False], [False, True]]),
      hint="drop the 2 entries of smallest |w| (0.05 and -0.1), keep the others")
check("the dtype and shape of the mask", [str(magnitude_mask(toy_weights, 0.5).dtype), magnitude_mask(toy_weights, 0.5).shape],
      ["bool", (2, 2)])
check("magnitude_mask(toy_weights, 0.0)", magnitude_mask(toy_weights, 0.0), np.ones((2, 2), dtype=bool))
check("magnitude_mask with a tie: [0.3, -0.3, 0.3, 1.0] at sparsity 0.5",
      magnitude_mask(np.array([0.3, -0.3, 0.3, 1.0]), 0.5), [False, False, True, True],
      hint="equal |w|: the earlier position is pruned first (np.argsort(..., kind='stable'))")
### BEGIN HIDDEN TESTS
rng_hidden = np.random.default_rng(13)
w = rng_hidden.normal(size=(37, 23))
for sparsity in (0.3, 0.75, 0.9):
    mask = magnitude_mask(w, sparsity)
    check(f"the number of pruned weights at sparsity {sparsity}", int(np.sum(~mask)), int(round(sparsity * w.size)))
    check_that(f"every kept |w| to be at least every pruned |w| (sparsity {sparsity})",
               np.abs(w[mask]).min() >= np.abs(w[~mask]).max())
check("magnitude_mask at sparsity 1", magnitude_mask(w, 1.0), np.zeros_like(w, dtype=bool))
### END HIDDEN TESTS

# %% [markdown]
# ### The Model Optimization Toolkit, on a `tf_keras` model
#
# `tensorflow-model-optimization` (`tfmot`) implements both pieces, and quantization-aware
# training (section 6), as *wrappers* around Keras layers. Version 0.8 wraps layers of Keras 2
# models only. Since TensorFlow 2.16 `import keras` gives Keras 3, and Keras 2 lives on as the
# `tf_keras` package. Given a Keras 3 model, `prune_low_magnitude` raises `ValueError:
# prune_low_magnitude can only prune an object of the following types: keras.models.Sequential,
# ... You passed an object of type: Sequential` (its `keras` means Keras 2); given a `tf_keras`
# model, it works.
# So we rebuild our network with `tf_keras` layers. It is the same architecture, so the
# baseline's trained weights (plain NumPy arrays) copy straight across, and the copy makes the
# same predictions.

# %%
def build_tf_keras_mlp(hidden=(256, 128)):
    """The digits MLP of section 4, with tf_keras (Keras 2) layers; it outputs logits."""
    return tf_keras.Sequential([tf_keras.Input(shape=(64,))]
                               + [tf_keras.layers.Dense(units, activation="relu") for units in hidden]
                               + [tf_keras.layers.Dense(10)])


def compile_tf_keras(model, learning_rate=1e-3):
    model.compile(optimizer=tf_keras.optimizers.Adam(learning_rate), metrics=["accuracy"],
                  loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def baseline_copy():
    """A fresh tf_keras copy of the Keras 3 baseline, weights included."""
    copy = build_tf_keras_mlp()
    copy.set_weights(baseline.get_weights())
    return compile_tf_keras(copy)


def kernel_sparsity(model):
    """Fraction of exact zeros in each Dense kernel of ``model``."""
    return [float(np.mean(layer.kernel.numpy() == 0)) for layer in model.layers]


tf_keras_baseline = baseline_copy()
print("same predictions as the Keras 3 baseline:",
      np.allclose(tf_keras_baseline.predict(x_test, verbose=0), baseline.predict(x_test, verbose=0), atol=1e-5))

# %% [markdown]
# `tfmot.sparsity.keras.PolynomialDecay` is the schedule of Exercise 8. Called with a training
# step, it returns two things: whether the mask is updated at this step (every `frequency`
# steps between `begin_step` and `end_step`) and the target sparsity. Its sparsities match
# ours:

# %%
STEPS_PER_EPOCH = int(np.ceil(len(x_train) / 64))
schedule = tfmot.sparsity.keras.PolynomialDecay(initial_sparsity=0.5, final_sparsity=0.8, begin_step=0,
                                                end_step=3 * STEPS_PER_EPOCH, frequency=STEPS_PER_EPOCH // 3)
steps = [0, 10, 30, 63, 90]
tfmot_targets = [float(schedule(tf.constant(step, tf.int64))[1]) for step in steps]
print("TF-MOT's sparsity at steps", steps, np.round(tfmot_targets, 4))
with needs("exercise 8 (polynomial_sparsity)"):
    ours = [polynomial_sparsity(step, 0.5, 0.8, 0, 3 * STEPS_PER_EPOCH) for step in steps]
    print("ours:                         ", np.round(ours, 4),
          "(largest difference", f"{np.max(np.abs(np.subtract(ours, tfmot_targets))):.1e})")

# %% [markdown]
# And the mask. `prune_low_magnitude` wraps every layer; during training the wrapper zeroes
# the smallest weights whenever the schedule says so, and the `UpdatePruningStep` callback
# advances its step counter. `strip_pruning` removes the wrappers afterwards and leaves a plain
# model with zeros in its kernels. Pruning to a constant 80% from step 0 with a learning rate of
# 0 (one training step: the mask is computed, the weights do not move) shows which weights
# TF-MOT drops. (The wrappers reuse the layers they wrap, so we always prune a fresh copy.)

# %%
one_shot = tfmot.sparsity.keras.prune_low_magnitude(
    baseline_copy(), pruning_schedule=tfmot.sparsity.keras.ConstantSparsity(0.8, begin_step=0, frequency=1))
one_shot.compile(optimizer=tf_keras.optimizers.SGD(0.0),
                 loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
one_shot.fit(x_train[:64], y_train[:64], batch_size=64, epochs=1, verbose=0,
             callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
one_shot = tfmot.sparsity.keras.strip_pruning(one_shot)
print("sparsity of each kernel after one step:", np.round(kernel_sparsity(one_shot), 4))
with needs("exercise 9 (magnitude_mask)"):
    for layer, original in zip(one_shot.layers, baseline.layers):
        kernel = original.kernel.numpy()
        disagree = int(np.sum(magnitude_mask(kernel, 0.8) != (layer.kernel.numpy() != 0)))
        print(f"{layer.name}: {kernel.size} weights, masks that differ from magnitude_mask(kernel, 0.8): {disagree}")

# %% [markdown]
# The masks agree weight for weight. They could differ in two corner cases: TF-MOT *keeps* the
# `round((1 - s) × n)` largest magnitudes where we *drop* the `round(s × n)` smallest (the two
# roundings disagree when s × n ends in exactly .5), and it keeps every weight tied with the
# threshold, where we break ties by position. Neither happens with trained float weights.
#
# ### Pruning while fine-tuning
#
# Now the real recipe, with the seed notes' schedule: 50% sparsity at the first step, rising to
# 80% over three epochs (a mask update three times per epoch), then two more epochs of
# fine-tuning at 80% so the surviving weights can take over the work of the removed ones.

# %%
pruning = tfmot.sparsity.keras.prune_low_magnitude(baseline_copy(), pruning_schedule=schedule)
compile_tf_keras(pruning)
pruning.fit(x_train, y_train, epochs=5, batch_size=64, verbose=0, callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
pruned = compile_tf_keras(tfmot.sparsity.keras.strip_pruning(pruning))
pruned_accuracy = pruned.evaluate(x_test, y_test, verbose=0)[1]
print("sparsity of each kernel:", np.round(kernel_sparsity(pruned), 4))
print(f"test accuracy: baseline {baseline_accuracy:.3f}, pruned {pruned_accuracy:.3f}")

# %% [markdown]
# With one weight in five left, the pruned network keeps nearly all of the baseline's
# accuracy. Now the payoff in bytes. A `tf_keras` model goes straight to
# `TFLiteConverter.from_keras_model` (no SavedModel detour). The TFLite file of the pruned
# model is as large as the baseline's, but gzip shrinks it far more; stacking dynamic-range
# quantization on top shrinks it again.

# %%
def gzipped_kib(flatbuffer):
    return len(gzip.compress(flatbuffer, mtime=0)) / 1024


def tf_keras_tflite(model, quantize=False):
    """TFLite bytes of a tf_keras model, float32 or with int8 weights (dynamic range)."""
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    return converter.convert()


sizes = {
    "baseline, float32": float_bytes,
    "baseline, int8 weights": tf_keras_tflite(tf_keras_baseline, quantize=True),
    "pruned 80%, float32": tf_keras_tflite(pruned),
    "pruned 80%, int8 weights": tf_keras_tflite(pruned, quantize=True),
}
for name, flatbuffer in sizes.items():
    print(f"{name:26s} file {len(flatbuffer) / 1024:6.1f} KiB, gzipped {gzipped_kib(flatbuffer):6.1f} KiB")

fig, ax = plt.subplots(figsize=(7, 3.8))
names = list(sizes)
ax.barh(names, [len(sizes[n]) / 1024 for n in names], label="file")
ax.barh(names, [gzipped_kib(sizes[n]) for n in names], label="gzipped")
ax.invert_yaxis()
ax.legend()
labelled(ax, "Model size: pruning and quantization stack", "size (KiB)", "model",
         caption="Zeros cost full size in the file but little once compressed.")
plt.show()

# %% [markdown]
# ### Exercise 10 (a problem): prune to a target
#
# Write `prune_to_target(model, x, y, target_sparsity)`. `model` is a trained, compiled
# `tf_keras` Sequential of Dense layers that outputs logits; `x, y` are its training data.
# Return a **new, stripped** `tf_keras` model (no pruning wrappers left) with the same layers and
# shapes, in which **every** Dense kernel has a fraction of exact zeros of at least
# `target_sparsity - 0.001` (TF-MOT rounds the number of weights it keeps), and whose
# accuracy on the test digits is at most **0.03 below** the accuracy of `model`. Leave `model`
# itself unchanged (prune a copy: `tf_keras.models.clone_model` plus `set_weights`). Use
# TF-MOT; the schedule, the number of epochs and the learning rate are yours to choose.
#
# The cell below asks for 85% sparsity, more than the example above; the grader also asks for
# another sparsity, on another network. The grader stops any cell after 120 seconds, so aim for
# a few seconds: a few epochs of fine-tuning are enough.

# %% exercise="prune_to_target"
def prune_to_target(model, x, y, target_sparsity):
    """A stripped copy of ``model`` with every kernel at least ``target_sparsity`` sparse."""
    ### BEGIN SOLUTION
    copy = tf_keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    steps_per_epoch = int(np.ceil(len(x) / 64))
    gradual = tfmot.sparsity.keras.PolynomialDecay(
        initial_sparsity=min(0.5, target_sparsity), final_sparsity=target_sparsity, begin_step=0,
        end_step=3 * steps_per_epoch, frequency=max(1, steps_per_epoch // 3))
    wrapped = tfmot.sparsity.keras.prune_low_magnitude(copy, pruning_schedule=gradual)
    compile_tf_keras(wrapped)
    wrapped.fit(x, y, epochs=6, batch_size=64, verbose=0, callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
    return tfmot.sparsity.keras.strip_pruning(wrapped)
    ### END SOLUTION


pruned_85 = prune_to_target(tf_keras_baseline, x_train, y_train, 0.85)

# %% tests="prune_to_target" points=3
def tf_keras_accuracy(model, x, y):
    return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == y))


def check_pruned(what, result, original, original_weights, target):
    """Stripped, same shapes, every kernel at least ``target`` sparse, accuracy within 0.03, original untouched."""
    check_that(f"{what}: a tf_keras model without pruning wrappers",
               isinstance(result, tf_keras.Model)
               and not any(type(layer).__name__ == "PruneLowMagnitude" for layer in result.layers),
               got=[layer.name for layer in getattr(result, "layers", [])],
               hint="return tfmot.sparsity.keras.strip_pruning(the pruned model)")
    check("the weight shapes of " + what, [w.shape for w in result.get_weights()],
          [w.shape for w in original.get_weights()], hint="prune a copy of the same architecture")
    sparsity = [float(np.mean(layer.kernel.numpy() == 0)) for layer in result.layers]
    check_that(f"{what}: every kernel at least {target - 0.001:.3f} zeros", min(sparsity) >= target - 0.001,
               got=np.round(sparsity, 4), hint="final_sparsity of the schedule, reached before training ends")
    before, after = tf_keras_accuracy(original, x_test, y_test), tf_keras_accuracy(result, x_test, y_test)
    check_that(f"{what}: test accuracy at most 0.03 below the original's ({before:.3f})", after >= before - 0.03,
               got=round(after, 4), hint="raise the sparsity gradually and fine-tune for a few more epochs")
    check_that(f"{what}: the original model unchanged",
               all(np.array_equal(a, b) for a, b in zip(original.get_weights(), original_weights)),
               hint="clone the model (tf_keras.models.clone_model + set_weights) and prune the clone")


check_pruned("prune_to_target(tf_keras_baseline, ..., 0.85)", pruned_85, tf_keras_baseline, baseline.get_weights(), 0.85)
### BEGIN HIDDEN TESTS
other = compile_tf_keras(build_tf_keras_mlp(hidden=(64,)), learning_rate=3e-3)
other.fit(x_train, y_train, epochs=8, batch_size=64, verbose=0)
other_weights = [w.copy() for w in other.get_weights()]
check_pruned("prune_to_target(a 64-unit network, ..., 0.6)", prune_to_target(other, x_train, y_train, 0.6),
             other, other_weights, 0.6)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Quantization-aware training
#
# When post-training quantization costs too much accuracy, **quantization-aware training**
# (QAT) lets the network adapt to the rounding during training. It inserts *fake quantization*
# operations in the forward pass: each weight and activation is quantized and immediately
# dequantized, so the loss sees the rounding error, while the backward pass treats the rounding
# as the identity (the *straight-through estimator*), since a step function has no useful
# gradient. After training, the converter produces a genuinely integer model whose weights
# have learned to live on the 8-bit grid.
#
# TensorFlow exposes the operation itself; here it is on a few values, with its gradient:

# %%
values = tf.constant([-1.3, -0.31, 0.0, 0.26, 0.9, 1.6])
with tf.GradientTape() as tape:
    tape.watch(values)
    fake = tf.quantization.fake_quant_with_min_max_args(values, min=-1.0, max=1.0, num_bits=4)
print("input:           ", values.numpy())
print("fake-quantized:  ", fake.numpy().round(3))
print("gradient:        ", tape.gradient(fake, values).numpy())

# %% [markdown]
# TensorFlow first nudges the range so that 0.0 is exactly one of the 16 levels of 4 bits: the
# step is 2/15 ≈ 0.133, and [-1, 1] becomes [-0.933, 1.067]. Inside that range values snap to
# the nearest level (0.9 to 0.933) and the gradient is 1; outside it they are clipped to its
# ends (-1.3 to -0.933, 1.6 to 1.067) and the gradient is 0.
#
# `tfmot.quantization.keras.quantize_model` inserts such operations (8-bit) around every layer
# of a `tf_keras` model, with ranges that it learns during training: the minimum and maximum of
# each weight tensor, and moving averages of each activation's range. We start from the trained
# baseline, fine-tune two epochs with a small learning rate, and convert with
# `Optimize.DEFAULT`: the converter reads the learned ranges, so it needs no representative
# dataset.

# %%
qat_model = tfmot.quantization.keras.quantize_model(baseline_copy())
compile_tf_keras(qat_model, learning_rate=1e-4)
qat_model.fit(x_train, y_train, epochs=2, batch_size=64, verbose=0)
qat_accuracy = qat_model.evaluate(x_test, y_test, verbose=0)[1]
print(f"test accuracy of the quantization-aware model (fake-quantized, in tf_keras): {qat_accuracy:.3f}")
qat_converter = tf.lite.TFLiteConverter.from_keras_model(qat_model)
qat_converter.optimizations = [tf.lite.Optimize.DEFAULT]
qat_bytes = qat_converter.convert()
print(f"QAT TFLite model: {len(qat_bytes) / 1024:.1f} KiB (float32 baseline {len(float_bytes) / 1024:.1f} KiB)")
with needs("exercise 7 (tflite_predict)"):
    qat_tflite_accuracy = float(np.mean(tflite_predict(qat_bytes, x_test).argmax(axis=1) == y_test))
    print(f"test accuracy through TFLite: QAT {qat_tflite_accuracy:.3f}, "
          f"post-training int8 {results['int8']['test accuracy']:.3f}, float32 {results['float32']['test accuracy']:.3f}")

# %% [markdown]
# All three land within a few test digits of each other (one digit is 0.2 points of 450): on
# this network post-training quantization loses nothing, so QAT has nothing to win back, and
# its small edge most likely comes from two more epochs of training. QAT earns its cost on
# models that do lose points when quantized after training: small networks, or a few
# sensitive layers.
#
# ## What you built
#
# - Measured the curse of dimensionality: distances concentrate and k-NN degrades as useless
#   dimensions are added.
# - PCA from the SVD, the number of components for a target variance, the fewest components
#   that keep a classifier's accuracy, and reconstructions; ICA unmixing independent signals,
#   and NMF's part-based components.
# - Affine int8 quantization by hand, then TFLite post-training quantization (dynamic range,
#   float16, full integer with a representative dataset), run with the interpreter, with size
#   and accuracy for each.
# - Magnitude pruning by hand (the polynomial-decay schedule, the mask), checked against the
#   Model Optimization Toolkit on a `tf_keras` copy of the model; pruning while fine-tuning with
#   `prune_low_magnitude`, `UpdatePruningStep` and `strip_pruning`, to a sparsity target of your
#   choice, and its payoff in compressed size, alone and combined with quantization.
# - Quantization-aware training with `quantize_model`, converted to an integer TFLite model.
