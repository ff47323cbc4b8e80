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
# # Lab 03: PyTorch vs TensorFlow
#
# **Description:** the same network in Keras and in PyTorch, a hand-written training loop,
# weights carried from one framework to the other, and a measured comparison of the two.
#
# TensorFlow (with Keras) and PyTorch are the two frameworks most production and research
# code is written in. They share almost every idea: tensors, automatic differentiation,
# layers that own weights, optimizers that update them. They differ in style. Keras hides the
# training loop behind `fit()`; PyTorch asks you to write it. TensorFlow can trace Python
# into a graph; PyTorch runs your Python as it is, operation by operation. This lab builds one
# small classifier in both, proves that they compute the same function by moving trained
# weights across, and measures what differs, so that you can choose with numbers rather
# than opinions.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The grader runs more tests
# than the ones you see, on other inputs, so solve the problem rather than the example. Run
# the notebook from top to bottom (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup
#
# PyTorch is imported before `start_lab` so that the call seeds PyTorch's generator too and
# turns on its deterministic algorithms. `threads=1` gives each framework a single CPU
# thread: the models here are tiny, so a second thread has little work to share and mostly
# waits for the first; on a busy machine that waiting can make a PyTorch epoch many times
# slower. One thread each also keeps the timing comparison of section 5 fair.

# %%
from course import check, check_that, needs, start_lab  # first: it also quiets TensorFlow's start-up log
from course.data import train_test
from course.plotting import labelled

import time
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import torch
from keras import layers
from torch import nn

WORK_DIR = start_lab("lab03", seed=42, threads=1)
print("TensorFlow", tf.__version__, "| Keras", keras.__version__, "| PyTorch", torch.__version__)

# %% [markdown]
# Both frameworks train on the 8x8 handwritten digits that ship with scikit-learn: 1,347
# training images and 450 test images, each a row of 64 pixel values in [0, 1].

# %%
x_train, x_test, y_train, y_test = train_test("digits")
print("train:", x_train.shape, x_train.dtype, "| test:", x_test.shape, "| classes:", np.unique(y_train))

# %% [markdown]
# ## 1. The network in Keras
#
# The model is a multilayer perceptron: 64 inputs, a hidden layer of 32 ReLU units, dropout,
# and 10 outputs. The outputs are *logits* (no softmax); the loss applies the softmax itself,
# which is numerically safer, so we tell it `from_logits=True`. PyTorch's usual loss works on
# logits too, so both models will compute exactly the same kind of output.

# %%
N_INPUTS, N_HIDDEN, N_CLASSES, DROPOUT = 64, 32, 10, 0.2
EPOCHS, BATCH_SIZE, LEARNING_RATE = 8, 32, 0.005

keras_mlp = keras.Sequential([
    keras.Input(shape=(N_INPUTS,)),
    layers.Dense(N_HIDDEN, activation="relu"),
    layers.Dropout(DROPOUT),
    layers.Dense(N_CLASSES),
], name="keras_mlp")
keras_mlp.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
keras_history = keras_mlp.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0)
keras_test_accuracy = keras_mlp.evaluate(x_test, y_test, verbose=0)[1]
print(f"Keras: final training loss {keras_history.history['loss'][-1]:.3f}, test accuracy {keras_test_accuracy:.3f}")

# %% [markdown]
# ## 2. The network in PyTorch
#
# ### Tensors and devices
#
# A PyTorch tensor lives on a *device*: the CPU, an NVIDIA GPU (`"cuda"`) or Apple's GPU
# (`"mps"`). Code usually picks the best device available once, and moves the model and each
# batch there with `.to(device)`. Tensors made from NumPy arrays share their memory with the
# array; the labels become `int64`, the type the loss expects for class indices.

# %%
if torch.cuda.is_available():
    device = torch.device("cuda")
elif torch.backends.mps.is_available():
    device = torch.device("mps")
else:
    device = torch.device("cpu")
print("device:", device)

xt_train, xt_test = torch.from_numpy(x_train), torch.from_numpy(x_test)
yt_train, yt_test = torch.from_numpy(y_train).long(), torch.from_numpy(y_test).long()
print(xt_train.dtype, tuple(xt_train.shape), "|", yt_train.dtype, tuple(yt_train.shape))

# %% [markdown]
# ### Models are `nn.Module` subclasses
#
# A PyTorch model is a class, like a subclassed Keras model: the constructor creates the
# layers (assigning them to attributes registers their parameters), and `forward()` says how
# data flows. You call the model, `model(x)`, never `forward` directly. Here is the simplest
# classifier, a softmax regression: one linear layer from pixels to logits.

# %%
class SoftmaxRegression(nn.Module):
    """Logits = x @ W.T + b: a linear classifier."""

    def __init__(self, n_inputs, n_classes):
        super().__init__()
        self.linear = nn.Linear(n_inputs, n_classes)

    def forward(self, x):
        return self.linear(x)


softmax_regression = SoftmaxRegression(N_INPUTS, N_CLASSES).to(device)
print(softmax_regression)
for name, parameter in softmax_regression.named_parameters():
    print(f"{name}: shape {tuple(parameter.shape)}")

# %% [markdown]
# Note the weight's shape: `nn.Linear(64, 10)` stores a `(10, 64)` matrix, outputs by inputs,
# and computes `x @ W.T + b`. Keras' `Dense` stores its kernel the other way round, inputs by
# outputs, and computes `x @ W + b`. Keep that in mind for section 3.
#
# ### The training loop
#
# `fit()` does not exist in PyTorch: you write the loop. Each step has the same five lines.
# `optimizer.zero_grad()` clears the gradients left by the previous step (PyTorch
# *accumulates* gradients by default), the forward pass computes the loss, `loss.backward()`
# fills every parameter's `.grad`, and `optimizer.step()` updates the parameters.
# A module's `.train()` and `.eval()` methods switch layers whose behaviour differs between training
# and inference, such as dropout and batch normalisation; `torch.no_grad()` skips the
# gradient bookkeeping during evaluation.

# %%
loss_fn = nn.CrossEntropyLoss()  # takes logits and integer labels, like from_logits=True
optimizer = torch.optim.SGD(softmax_regression.parameters(), lr=0.5)

for epoch in range(5):
    softmax_regression.train()
    for start in range(0, len(xt_train), BATCH_SIZE):
        xb = xt_train[start:start + BATCH_SIZE].to(device)
        yb = yt_train[start:start + BATCH_SIZE].to(device)
        optimizer.zero_grad()
        loss = loss_fn(softmax_regression(xb), yb)
        loss.backward()
        optimizer.step()
    softmax_regression.eval()
    with torch.no_grad():
        predicted = softmax_regression(xt_test.to(device)).argmax(dim=1)
    print(f"epoch {epoch + 1}: last batch loss {loss.item():.3f}, "
          f"test accuracy {(predicted.cpu() == yt_test).float().mean().item():.3f}")

# %% [markdown]
# A common bug in tutorials is to end `forward()` with a softmax *and* train with
# `nn.CrossEntropyLoss`, which applies a log-softmax itself: the model then squashes twice
# and learns slowly. Return logits from `forward()`, and apply `torch.softmax` only when you
# need probabilities.
#
# ### The MLP as an `nn.Module`
#
# The PyTorch twin of the Keras model has the same three parts: a `Linear` layer from 64 to
# 32 features, dropout, and a `Linear` layer to the 10 logits. `nn.Dropout` zeroes a random
# share of its inputs in training mode and is the identity in evaluation mode, exactly like
# Keras' `Dropout` in and out of `fit()`.

# %%
class TorchMLP(nn.Module):
    """n_inputs -> n_hidden (ReLU) -> dropout -> logits, as in the Keras model."""

    def __init__(self, n_inputs, n_hidden, n_classes, dropout=0.0):
        super().__init__()
        self.hidden = nn.Linear(n_inputs, n_hidden)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(n_hidden, n_classes)

    def forward(self, x):
        return self.output(self.dropout(torch.relu(self.hidden(x))))


print(TorchMLP(N_INPUTS, N_HIDDEN, N_CLASSES, dropout=DROPOUT))

# %% [markdown]
# ### Exercise 1 (a problem): a training loop, specified by what it must do
#
# The loop above is the bare minimum. Write `train_epoch(model, x, y, optimizer, loss_fn,
# batch_size=32, seed=0)`, one epoch of training that behaves as follows:
#
# 1. the model is in training mode for every batch (dropout on);
# 2. every row of `x` is used exactly once, in batches of `batch_size` rows (the last batch
#    may be shorter), in a shuffled order that depends only on `seed`: the same seed gives
#    the same order, different seeds give different orders;
# 3. each batch makes one optimizer step, on the gradient of that batch's loss alone;
# 4. it returns the epoch's mean loss over all rows as a Python `float`: each batch's
#    loss weighted by the number of rows in the batch.
#
# Then write `accuracy(model, x, y)`: the fraction of rows whose largest logit is the true
# class, as a Python `float`, computed in evaluation mode (dropout off) without recording
# gradients. Both functions receive CPU tensors; on a machine with a GPU you would also move
# each batch to the model's device (here everything is on the CPU, so no check tests that).
#
# The checks watch your loop from outside: a *spy* model records the rows it is shown and
# whether it is in training mode, and an optimizer with learning rate 0 makes the mean loss
# easy to predict.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "41ee59de17771abb07b7870690728aac", "grade": false, "grade_id": "training_loop", "locked": false, "schema_version": 3, "solution": true, "task": false}
def train_epoch(model, x, y, optimizer, loss_fn, batch_size=32, seed=0):
    """One shuffled pass over (x, y); returns the mean training loss."""
    # YOUR CODE HERE
    raise NotImplementedError()


def accuracy(model, x, y):
    """Fraction of rows of x whose predicted class (largest logit) equals y."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "cad567bf7d6c77fa3b93ad69128349f8", "grade": true, "grade_id": "training_loop_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
class Spy(nn.Module):
    """Wraps a model; records the first column of every batch it sees, and its training mode."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.batches, self.modes = inner, [], []

    def forward(self, x):
        self.batches.append(x[:, 0].detach().clone())
        self.modes.append(self.training)
        return self.inner(x)


def spy_epoch(n_rows, batch_size, seed, lr=0.0):
    """Run train_epoch on rows whose first column is the row number; return the spy and the loss."""
    torch.manual_seed(0)
    spy = Spy(nn.Linear(3, 2))
    rows = torch.cat([torch.arange(n_rows, dtype=torch.float32)[:, None], torch.randn(n_rows, 2)], dim=1)
    labels = torch.arange(n_rows) % 2
    loss = train_epoch(spy, rows, labels, torch.optim.SGD(spy.parameters(), lr=lr), nn.CrossEntropyLoss(),
                       batch_size=batch_size, seed=seed)
    return spy, loss, rows, labels


spy, loss, rows, labels = spy_epoch(50, 16, seed=3)
seen = torch.cat(spy.batches).long()
check("the batch sizes for 50 rows in batches of 16", [len(b) for b in spy.batches], [16, 16, 16, 2],
      hint="take rows start:start + batch_size of the shuffled order, for start = 0, batch_size, ...")
check("every row used exactly once", sorted(seen.tolist()), list(range(50)), hint="shuffle the row indices once per epoch")
check_that("the rows to be shuffled", seen.tolist() != list(range(50)), got=seen.tolist()[:10],
           hint="draw a random permutation, e.g. with torch.randperm and a torch.Generator seeded with `seed`")
check_that("the model in training mode for every batch", all(spy.modes), got=spy.modes, hint="put the model in training mode before the first batch")
check("the same order for the same seed", torch.cat(spy_epoch(50, 16, seed=3)[0].batches), seen.float(),
      hint="seed your own generator, e.g. torch.Generator().manual_seed(seed)")
check_that("another order for another seed", not torch.equal(torch.cat(spy_epoch(50, 16, seed=4)[0].batches), seen.float()))
with torch.no_grad():
    full_loss = nn.CrossEntropyLoss()(spy.inner(rows), labels).item()
check("the mean loss with learning rate 0 (the loss on all rows)", loss, full_loss, rtol=1e-5,
      hint="add loss.item() * len(batch) over the batches, then divide by the number of rows")
check_that("train_epoch to return a Python float", type(loss) is float, got=type(loss))
torch.manual_seed(1)
stepper, twin = nn.Linear(3, 2), nn.Linear(3, 2)
twin.load_state_dict(stepper.state_dict())
train_epoch(stepper, rows, labels, torch.optim.SGD(stepper.parameters(), lr=0.5), nn.CrossEntropyLoss(), batch_size=50)
train_epoch(stepper, rows, labels, torch.optim.SGD(stepper.parameters(), lr=0.5), nn.CrossEntropyLoss(), batch_size=50)
twin_optimizer = torch.optim.SGD(twin.parameters(), lr=0.5)
for _ in range(2):
    twin_optimizer.zero_grad()
    nn.CrossEntropyLoss()(twin(rows), labels).backward()
    twin_optimizer.step()
check("the weights after two one-batch epochs (two plain gradient steps)", stepper.weight.detach(), twin.weight.detach(),
      rtol=1e-4, atol=1e-6, hint="clear the old gradients with optimizer.zero_grad() before each backward()")
noisy_mlp = TorchMLP(N_INPUTS, 16, N_CLASSES, dropout=0.9)
first, second = accuracy(noisy_mlp, xt_test, yt_test), accuracy(noisy_mlp, xt_test, yt_test)
with torch.no_grad():
    eval_logits = noisy_mlp.eval()(xt_test)
check("accuracy() of a model with dropout 0.9 (evaluation mode)", first,
      float((eval_logits.argmax(1) == yt_test).float().mean()), hint="switch the model to evaluation mode (dropout off) before predicting")
check_that("accuracy() to return a Python float", type(first) is float and first == second, got=(first, second))

# %% [markdown]
# With both functions, training the PyTorch twin with the same settings as the Keras model
# (Adam, the same learning rate, batch size and number of epochs) is a short loop. A
# different seed per epoch gives each epoch its own shuffle.

# %%
with needs("exercise 1 (`train_epoch`, `accuracy`)"):
    torch_mlp = TorchMLP(N_INPUTS, N_HIDDEN, N_CLASSES, dropout=DROPOUT).to(device)
    torch_optimizer = torch.optim.Adam(torch_mlp.parameters(), lr=LEARNING_RATE)
    torch_losses = [train_epoch(torch_mlp, xt_train, yt_train, torch_optimizer, loss_fn, BATCH_SIZE, seed=epoch)
                    for epoch in range(EPOCHS)]
    torch_test_accuracy = accuracy(torch_mlp, xt_test, yt_test)
    print(f"PyTorch: final training loss {torch_losses[-1]:.3f}, test accuracy {torch_test_accuracy:.3f}")

    fig, ax = plt.subplots()
    ax.plot(range(1, EPOCHS + 1), keras_history.history["loss"], marker="o", label="Keras fit()")
    ax.plot(range(1, EPOCHS + 1), torch_losses, "--", marker="o", label="PyTorch loop")
    ax.legend()
    labelled(ax, "The same MLP trained in both frameworks", "epoch", "mean training cross-entropy",
             caption="Same architecture and settings; initial weights, shuffling and dropout masks differ.")
    plt.show()

# %% [markdown]
# ## 3. Moving weights between frameworks
#
# If the two models really are the same network, the weights of one should make the other
# compute the same outputs. Porting weights is a practical skill (a paper's checkpoint is in
# the other framework, a serving stack needs a particular format) and a good test of
# understanding, because the layouts differ:
#
# | | Keras `Dense` | PyTorch `nn.Linear` |
# |---|---|---|
# | weight | `kernel`, shape (inputs, outputs) | `weight`, shape (outputs, inputs) |
# | computes | `x @ kernel + bias` | `x @ weight.T + bias` |
# | read / write | `layer.get_weights()` / `layer.set_weights([kernel, bias])` | `layer.weight`, `layer.bias` (write under `torch.no_grad()`) |
#
# A Keras `Dense` layer also carries its activation (`layer.activation`, and by name in
# `layer.get_config()["activation"]`), where PyTorch usually writes the activation as a layer
# of its own (`nn.ReLU()`, `nn.Tanh()`, ...). Dropout has no weights, and in inference mode it
# does nothing in either framework. Here is what the trained Keras model holds:

# %%
for layer in keras_mlp.layers:
    config = layer.get_config()
    print(f"{type(layer).__name__:8s} {layer.name:10s} weights {[w.shape for w in layer.get_weights()]}, "
          f"activation {config.get('activation')}, rate {config.get('rate')}")

# %% [markdown]
# ### Exercise 2 (a problem): port this model, whatever its layers
#
# Write `torch_twin(keras_model)`: given a trained `keras.Sequential` made of `Dense` and
# `Dropout` layers, in any number and order, return a PyTorch module (for example an
# `nn.Sequential`) that is the same network:
#
# - in evaluation mode it computes the same outputs as the Keras model, to float32 rounding
#   (the checks allow 1e-5), for every `Dense` activation among `"linear"`, `"relu"`,
#   `"tanh"`, `"sigmoid"` and `"softmax"` (over the last axis);
# - each Keras `Dropout` becomes dropout with the same rate, active in training mode only;
# - its parameters are `float32` copies, trainable and independent of the Keras model:
#   training one afterwards must not change the other;
# - it has as many parameters as the Keras model.
#
# The checks try it on our MLP and on stacks you have not seen.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "18364ef11ae8d20d07c7bee06d96dc07", "grade": false, "grade_id": "torch_twin", "locked": false, "schema_version": 3, "solution": true, "task": false}
def torch_twin(keras_model):
    """A PyTorch module computing what the Dense/Dropout keras_model computes, with copied weights."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "66a743f53fe8f02ce04a87b0b07e6dc4", "grade": true, "grade_id": "torch_twin_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def same_function(keras_model, twin, inputs, what):
    twin.eval()
    with torch.no_grad():
        got = twin(torch.from_numpy(inputs)).numpy()
    check(what, got, keras_model.predict(inputs, verbose=0), rtol=1e-5, atol=1e-5,
          hint="a Keras kernel is (inputs, outputs) and a PyTorch weight is (outputs, inputs): transpose it")


def count(module):
    return sum(p.numel() for p in module.parameters())


mlp_twin = torch_twin(keras_mlp)
same_function(keras_mlp, mlp_twin, x_test, "the twin's logits against the trained Keras MLP")
check("the twin's number of parameters", count(mlp_twin), keras_mlp.count_params(), hint="one nn.Linear per Dense layer")
check("the twin's dropout rates", [m.p for m in mlp_twin.modules() if isinstance(m, nn.Dropout)], [DROPOUT],
      hint="turn each keras Dropout into nn.Dropout(rate)")
visible_stack = keras.Sequential([keras.Input((5,)), layers.Dense(4, activation="tanh"), layers.Dropout(0.3),
                                  layers.Dense(6, activation="sigmoid"), layers.Dense(3, activation="softmax")])
probe_rows = np.random.default_rng(4).normal(size=(8, 5)).astype("float32")
visible_twin = torch_twin(visible_stack)
same_function(visible_stack, visible_twin, probe_rows, "a tanh / dropout / sigmoid / softmax stack")
check_that("float32 parameters that train", all(p.dtype == torch.float32 and p.requires_grad
                                                for p in visible_twin.parameters()),
           hint="build nn.Linear layers and copy the values into them")
visible_twin.train()
with torch.no_grad():
    check_that("dropout active in training mode", not torch.equal(visible_twin(torch.ones(200, 5)), visible_twin(torch.ones(200, 5))),
               hint="put an nn.Dropout where the Keras model has a Dropout")
with torch.no_grad():
    for parameter in visible_twin.parameters():
        parameter.add_(1.0)
same_function(visible_stack, torch_twin(visible_stack), probe_rows,
              "a fresh twin after changing the first twin's weights (copies, not shared memory)")

# %% [markdown]
# The test that matters: run the trained Keras model and its twin on all 450 test images in
# inference mode and compare the logits.

# %%
with needs("exercise 2 (`torch_twin`)"):
    ported = torch_twin(keras_mlp).eval()
    with torch.no_grad():
        ported_logits = ported(xt_test).numpy()
    keras_logits = keras_mlp.predict(x_test, verbose=0)
    port_error = float(np.max(np.abs(ported_logits - keras_logits)))
    print(f"largest difference between Keras and ported PyTorch logits: {port_error:.2e}")
    print("same predicted classes:", np.array_equal(ported_logits.argmax(1), keras_logits.argmax(1)))

# %% [markdown]
# The printed difference is zero here: on this machine, with one thread, both libraries did
# the same float32 arithmetic in the same order. With other hardware, more threads or another
# library version the order of the additions can change, and differences of about 1e-6 (float32
# rounding) are normal; that is why the checks compare with a tolerance rather than exactly.
#
# The reverse direction is the same table read the other way: for each `nn.Linear`, in
# order, `dense_layer.set_weights([linear.weight.detach().numpy().T, linear.bias.detach().numpy()])`.

# %% [markdown]
# ## 4. Counting parameters
#
# Parameter counts are the first number to compare between two implementations of "the
# same" model: a different count means a different model. Keras reports it with
# `count_params()` (and in `summary()`); PyTorch has no such method, but every parameter is a
# tensor, and `numel()` counts its elements. Parameters with `requires_grad=False` are
# *frozen*: they are part of the model but training does not change them (Keras calls them
# non-trainable). The Keras summary of a trained model also lists "optimizer params": Adam's
# two running averages per weight, plus its step counter and learning rate. They are
# training state, not part of the model, so compare the *trainable* and *non-trainable*
# counts.

# %%
keras_mlp.summary()
frozen_demo = TorchMLP(N_INPUTS, N_HIDDEN, N_CLASSES)
frozen_demo.hidden.requires_grad_(False)  # freeze the first layer, as in transfer learning
print({name: (parameter.numel(), parameter.requires_grad) for name, parameter in frozen_demo.named_parameters()})

# %% [markdown]
# ### Exercise 3: count them, then size a model to a budget
#
# Write `count_torch_parameters(module, trainable_only=False)`, the number of scalar
# parameters of a PyTorch module (only those with `requires_grad` when `trainable_only=True`),
# as a Python `int`.
#
# Then a sizing problem that comes up whenever a model must fit a memory or latency budget:
# write `widest_hidden_layer(n_inputs, n_classes, budget)`, the largest number of hidden units
# `h` for which an MLP `n_inputs -> h -> n_classes` (two dense layers with weights and biases,
# like ours) has at most `budget` parameters. Return it as a Python `int`, and return 0 when
# not even one hidden unit fits.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "680819445ab40df4e697efb8a0cfc8a0", "grade": false, "grade_id": "count_parameters", "locked": false, "schema_version": 3, "solution": true, "task": false}
def count_torch_parameters(module, trainable_only=False):
    """Number of scalar parameters of ``module`` (only trainable ones if asked)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def widest_hidden_layer(n_inputs, n_classes, budget):
    """Largest h such that the MLP n_inputs -> h -> n_classes has at most `budget` parameters (0 if none)."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "db85515bb9a331942e8604c327bbf0f4", "grade": true, "grade_id": "count_parameters_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def mlp_size(n_inputs, hidden, n_classes):
    return sum(p.numel() for p in TorchMLP(n_inputs, hidden, n_classes).parameters())


check("count_torch_parameters(TorchMLP(64, 32, 10))", count_torch_parameters(TorchMLP(N_INPUTS, N_HIDDEN, N_CLASSES)),
      keras_mlp.count_params(), hint="add up p.numel() over model.parameters()")
check("count_torch_parameters(frozen_demo, trainable_only=True)",
      count_torch_parameters(frozen_demo, trainable_only=True), N_HIDDEN * N_CLASSES + N_CLASSES,
      hint="skip parameters whose requires_grad is False")
check_that("count_torch_parameters to return a Python int", type(count_torch_parameters(frozen_demo)) is int,
           got=type(count_torch_parameters(frozen_demo)))
check("widest_hidden_layer(64, 10, 2410) (our MLP's size)", widest_hidden_layer(64, 10, 2410), 32,
      hint="each hidden unit costs n_inputs weights, one bias and n_classes weights; the output biases are fixed")
check("widest_hidden_layer(64, 10, 2409) (one parameter short)", widest_hidden_layer(64, 10, 2409), 31)
check("widest_hidden_layer(64, 10, 50) (not even one unit fits)", widest_hidden_layer(64, 10, 50), 0,
      hint="return 0 when no hidden layer fits the budget")
check_that("widest_hidden_layer to return a Python int", type(widest_hidden_layer(64, 10, 5000)) is int)


# %% [markdown]
# ## 5. Time per epoch
#
# Which framework is faster depends on the model, the data pipeline, the hardware and the
# versions, so measure rather than assume, and measure fairly:
#
# - **Warm up first.** The first Keras epoch traces `train_step` into a graph, and the first
#   PyTorch steps allocate memory; neither cost recurs. Time only later epochs.
# - **Same work.** Same model, batch size, optimizer and data on both sides.
# - **Several repeats.** Other programs share the machine; report the median.
#
# ### Exercise 4: a fair stopwatch
#
# Write `time_per_epoch(run_epoch, n_epochs=3, warmup=1)` that applies the first rule and
# prepares the third: it calls `run_epoch()` `warmup` times without timing them, then
# `n_epochs` more times, timing each of those calls on its own with `time.perf_counter()`,
# and returns the list of the `n_epochs` durations in seconds (the median is taken by the
# caller).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "4d1aaab1d85794d5595810c40e8e04cc", "grade": false, "grade_id": "stopwatch", "locked": false, "schema_version": 3, "solution": true, "task": false}
def time_per_epoch(run_epoch, n_epochs=3, warmup=1):
    """Seconds of each of ``n_epochs`` calls of ``run_epoch()``, after ``warmup`` untimed calls."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "466362fe20186286564a6d7c6804f69f", "grade": true, "grade_id": "stopwatch_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
calls = []
durations = time_per_epoch(lambda: (calls.append(1), time.sleep(0.02)), n_epochs=4, warmup=2)
check("the number of calls with n_epochs=4, warmup=2", len(calls), 6, hint="warmup calls first, then n_epochs timed calls")
check("the number of durations returned", len(durations), 4, hint="return one duration per timed call")
check_that("each duration to cover one call (at least its 0.02 s sleep, well under 1 s)",
           all(0.019 <= d < 1.0 for d in durations), got=durations, hint="start the clock just before each call")
first_slow = []


def slow_first():
    time.sleep(0.3 if not first_slow else 0.0)
    first_slow.append(1)


check_that("the slow warm-up call not to be timed", max(time_per_epoch(slow_first, n_epochs=2, warmup=1)) < 0.2,
           hint="run the warmup calls before you start timing")

# %% [markdown]
# Now time one epoch of each framework on the same 1,347 images. Keras runs through `fit()`
# for one epoch at a time; PyTorch through your `train_epoch`.

# %%
with needs("exercise 1 (`train_epoch`)", "exercise 4 (`time_per_epoch`)"):
    keras_seconds = time_per_epoch(lambda: keras_mlp.fit(x_train, y_train, epochs=1, batch_size=BATCH_SIZE, verbose=0))
    torch_seconds = time_per_epoch(lambda: train_epoch(torch_mlp, xt_train, yt_train, torch_optimizer, loss_fn,
                                                       BATCH_SIZE))
    keras_median, torch_median = float(np.median(keras_seconds)), float(np.median(torch_seconds))
    print(f"median seconds per epoch: Keras {keras_median:.3f}, PyTorch {torch_median:.3f}")

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.bar(["Keras fit()", "PyTorch loop"], [keras_median, torch_median])
    labelled(ax, "Median time per training epoch (43 batches of 32)", "framework", "seconds",
             caption="Measured on this machine after one warm-up epoch; small models mostly measure per-step overhead.")
    plt.show()

# %% [markdown]
# For a network this small, most of the time goes into per-batch overhead (Python, the
# framework's dispatch, the optimizer's bookkeeping), not into arithmetic, so the ranking can
# flip on another machine or with bigger layers. That is the point of measuring.
#
# ## 6. Define-by-run vs traced graphs
#
# PyTorch is *define-by-run*: the graph used for the gradients is recorded while your Python
# runs, so ordinary `if`, `while`, lists and `print` just work, and the graph can differ on
# every call. TensorFlow 2 also runs eagerly, but for speed and export it *traces* a function
# into a graph with `tf.function`; AutoGraph rewrites `if` and `while` on tensors into graph
# operations (`tf.cond`, `tf.while_loop`), and anything else in Python runs only once, at
# trace time.
#
# A loop whose length depends on the data shows the difference. Generating text is the
# everyday case (produce tokens until an end token appears); the Collatz sequence is a
# compact stand-in: halve an even number, map an odd one to 3n + 1, stop at 1. In PyTorch it
# is exactly the code you would write for plain numbers:

# %%
def collatz_torch(n):
    """The Collatz sequence from n down to 1, with a PyTorch scalar."""
    n = torch.tensor(n)
    path = [n]
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        path.append(n)
    return torch.stack(path)


print(collatz_torch(6))

# %% [markdown]
# The same code under `tf.function` is awkward. AutoGraph turns the `while` into a
# `tf.while_loop`, whose variables must keep their type and shape from one iteration to the
# next. A Python list that grows inside it cannot be a loop variable: the tensors appended
# to it belong to the loop's body graph, and using them after the loop fails while tracing:

# %%
@tf.function
def collatz_naive(n):
    path = [n]
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        path.append(n)
    return tf.stack(path)


try:
    collatz_naive(tf.constant(6))
except Exception as error:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    print(next((line for line in lines if "Error:" in line), lines[0])[:200])

# %% [markdown]
# The graph way to grow a sequence is a `tf.TensorArray`: `write(i, value)` returns an
# updated array (reassign it), and `stack()` turns it into a tensor at the end. The write
# position can start as a plain Python integer: AutoGraph makes every variable that the loop
# body changes a loop variable of the `tf.while_loop`, converting the integer to a tensor
# (`path.size()` would serve as well). Once written that way, the function traces **once** and then
# runs as a graph for any input of the same type, which is what makes it exportable to a
# server or a phone without Python.
#
# PyTorch has the mirror-image problem when you do want a graph: `torch.jit.trace` records
# the operations that ran for one example input, so data-dependent branches are frozen into
# whichever path that example took (it warns you). `torch.compile` and `torch.export` handle
# some of this, with their own rules, such as `torch.cond` for branches.

# %%
def halve_positive(x):
    return x / 2 if x.sum() > 0 else x * 3


with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # PyTorch warns that the trace may be wrong: the next line shows it is
    traced = torch.jit.trace(halve_positive, torch.tensor([4.0]))
print("eager  f(-4):", halve_positive(torch.tensor([-4.0])).item())
print("traced f(-4):", traced(torch.tensor([-4.0])).item(), "(the branch taken for +4 was frozen in)")

# %% [markdown]
# ### Exercise 5: the Collatz sequence as a TensorFlow graph
#
# Write `collatz_tf`, a `tf.function` that takes an `int32` scalar tensor `n >= 1` and returns
# the 1-D `int32` tensor of its Collatz sequence (starting with `n`, ending with 1), built
# with a `tf.TensorArray` inside a graph loop. Calling it on different `int32` scalars must
# not retrace it.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "d8cd11cb87748c57794125abdee1fdad", "grade": false, "grade_id": "collatz_tf", "locked": false, "schema_version": 3, "solution": true, "task": false}
@tf.function
def collatz_tf(n):
    """Collatz sequence of the int32 scalar tensor n, built inside a graph."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "4fb866d587d3bdcbc53fc26c94eaaf57", "grade": true, "grade_id": "collatz_tf_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def collatz_python(n):
    path = [n]
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        path.append(n)
    return path


check("collatz_tf(tf.constant(6))", collatz_tf(tf.constant(6)), collatz_python(6),
      hint="write each new n into a tf.TensorArray, and return the stacked array at the end")
check("the dtype of collatz_tf's result", collatz_tf(tf.constant(6)).dtype, tf.int32)
traces_before = collatz_tf.experimental_get_tracing_count()
for value in (7, 12, 27):
    collatz_tf(tf.constant(value))
check("the number of new traces for three more int32 scalars", collatz_tf.experimental_get_tracing_count() - traces_before,
      0, hint="keep collatz_tf decorated with @tf.function and build the graph with tensor operations only")

# %% [markdown]
# ## 7. When to pick which
#
# Everything above, measured on this machine:

# %%
with needs("exercises 1 and 2 (`train_epoch`, `torch_twin`)"):
    summary = {
        "parameters (Keras / PyTorch)": f"{keras_mlp.count_params()} / {sum(p.numel() for p in torch_mlp.parameters())}",
        "test accuracy (Keras / PyTorch)": f"{keras_test_accuracy:.3f} / {torch_test_accuracy:.3f}",
        "median seconds per epoch (Keras / PyTorch)": f"{keras_median:.3f} / {torch_median:.3f}",
        "largest logit difference after porting": f"{port_error:.1e}",
    }
    for name, value in summary.items():
        print(f"{name:45s} {value}")

# %% [markdown]
# The two frameworks computed the same function (the ported logits agreed to float32
# rounding, here exactly), with the same number of parameters and test accuracies about a
# point apart (different initial weights, shuffles and dropout masks): for a model like this one, the choice is about the
# workflow around the model, not about what it can learn. A fair summary:
#
# - **Keras (on TensorFlow)** is the shorter path for standard models: `fit()`, callbacks,
#   checkpointing and TensorBoard are built in, and the deployment story is complete and
#   official (SavedModel for TensorFlow Serving, TensorFlow Lite for phones and
#   microcontrollers, TensorFlow.js for browsers, TFX and TFMA for pipelines and analysis, as
#   later labs show). Graph tracing is more demanding to write, as exercise 5 showed, but the
#   result runs without Python.
# - **PyTorch** is the shorter path when the model or the training loop is unusual: the loop
#   is yours, control flow is plain Python, and debugging is stepping through ordinary code.
#   Most research code and most pretrained models on public hubs are published for it. Its
#   deployment tools (TorchScript, `torch.export`, ONNX, TorchServe) work well but ask you to
#   think about graphs at export time rather than at training time.
# - **Speed** is rarely a deciding factor for small models: what you measured above is mostly
#   per-step overhead, and it moves with versions and hardware. For large models, measure your
#   own workload on your own hardware, as in section 5.
# - **Team and ecosystem** usually decide: the framework your colleagues, your pretrained
#   checkpoints and your serving platform already use. Keras 3 itself can run on a PyTorch
#   backend, and porting weights, as you did, is a matter of knowing the layouts.
#
# ## What you built
#
# - The same MLP in Keras and as a PyTorch `nn.Module`, trained with `fit()` and with a
#   training loop of your own, specified by its behaviour and checked from outside by a spy
#   model (`train()`/`eval()`, shuffling, one step per batch, the weighted mean loss).
# - `torch_twin`, which ports any stack of `Dense` and `Dropout` layers to PyTorch; on our
#   MLP the logits agreed exactly (a difference of 0.0), on other machines to float32
#   rounding.
# - Parameter counts in PyTorch, and the widest hidden layer that fits a parameter budget;
#   a fair stopwatch.
# - A data-dependent loop in both styles: natural in define-by-run PyTorch, and as a traced
#   TensorFlow graph with `tf.TensorArray`, plus the trap of tracing in PyTorch.
