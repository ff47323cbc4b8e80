# ---
# jupyter:
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
# PyTorch is imported before `set_seed` so that the call seeds PyTorch's generator too and
# turns on its deterministic algorithms. We also give each framework a single CPU thread.
# The models here are tiny, so a second thread has little work to share and mostly waits
# for the first; on a busy machine that waiting can make a PyTorch epoch many times slower.
# One thread each also keeps the timing comparison of section 5 fair.

# %%
from course import check, check_that, set_seed  # first: it also quiets TensorFlow's start-up log
from course.data import train_test
from course.plotting import labelled, use_course_style

import time
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import torch
from keras import layers
from torch import nn

torch.set_num_threads(1)
tf.config.threading.set_intra_op_parallelism_threads(1)  # must run before TensorFlow's first operation
tf.config.threading.set_inter_op_parallelism_threads(1)
set_seed(42)
use_course_style()
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
# ### Exercise 1: the MLP as an `nn.Module`
#
# Write `TorchMLP(n_inputs, n_hidden, n_classes, dropout=0.0)`, the PyTorch twin of the Keras
# model. Create exactly these three attributes: `self.hidden`, an `nn.Linear` from
# `n_inputs` to `n_hidden` features; `self.dropout`, an `nn.Dropout` with the rate `dropout`;
# and `self.output`, an `nn.Linear` from `n_hidden` to `n_classes` features.
# `forward(x)` returns the logits `output(dropout(relu(hidden(x))))` (use `torch.relu`).

# %% exercise="torch_mlp"
class TorchMLP(nn.Module):
    """64 -> hidden (ReLU) -> dropout -> logits, as in the Keras model."""

    def __init__(self, n_inputs, n_hidden, n_classes, dropout=0.0):
        super().__init__()
        ### BEGIN SOLUTION
        self.hidden = nn.Linear(n_inputs, n_hidden)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(n_hidden, n_classes)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.output(self.dropout(torch.relu(self.hidden(x))))
        ### END SOLUTION


# %% tests="torch_mlp" points=2
probe_mlp = TorchMLP(N_INPUTS, N_HIDDEN, N_CLASSES, dropout=0.5)
check("the output shape for 5 digits", tuple(probe_mlp(xt_test[:5]).shape), (5, N_CLASSES),
      hint="forward must return one logit per class: self.output(...)")
check("the shapes of the parameters", [tuple(p.shape) for p in probe_mlp.parameters()],
      [(32, 64), (32,), (10, 32), (10,)], hint="nn.Linear(n_inputs, n_hidden), then nn.Linear(n_hidden, n_classes)")
probe_mlp.eval()
with torch.no_grad():
    eval_a, eval_b = probe_mlp(xt_test[:20]), probe_mlp(xt_test[:20])
check("two forward passes in eval mode (dropout off)", eval_a, eval_b,
      hint="use self.dropout in forward; nn.Dropout is the identity in eval mode")
### BEGIN HIDDEN TESTS
probe_mlp.train()
with torch.no_grad():
    train_a, train_b = probe_mlp(xt_test[:20]), probe_mlp(xt_test[:20])
check_that("two forward passes in train mode with dropout=0.5 to differ", not torch.allclose(train_a, train_b),
           hint="apply self.dropout between the hidden layer and the output")
probe_mlp.eval()
with torch.no_grad():
    w1, b1 = probe_mlp.hidden.weight.detach().numpy(), probe_mlp.hidden.bias.detach().numpy()
    w2, b2 = probe_mlp.output.weight.detach().numpy(), probe_mlp.output.bias.detach().numpy()
    expected = np.maximum(x_test[:7] @ w1.T + b1, 0) @ w2.T + b2
    check("eval-mode logits against NumPy", probe_mlp(xt_test[:7]), expected, rtol=1e-4, atol=1e-5)
check("the dropout rate", TorchMLP(3, 4, 2, dropout=0.3).dropout.p, 0.3)
check("the parameters of TorchMLP(3, 4, 2)", sum(p.numel() for p in TorchMLP(3, 4, 2).parameters()), 3 * 4 + 4 + 4 * 2 + 2)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: one epoch of training, and the accuracy
#
# Write `train_epoch(model, x, y, optimizer, loss_fn, batch_size=32, seed=0)` that trains
# `model` for one epoch on the tensors `x`, `y` and returns the epoch's mean training loss:
#
# 1. put the model in training mode and find its device: the device of its first
#    parameter, `next(model.parameters()).device`;
# 2. shuffle: draw the permutation `order` with `torch.randperm(len(x), generator=...)`,
#    passing the seeded generator `torch.Generator().manual_seed(seed)`, and take the batches
#    `order[0:batch_size]`, `order[batch_size:2 * batch_size]`, and so on (the last one may be
#    shorter);
# 3. for each batch: move it to the device, then `zero_grad`, forward, loss, `backward`,
#    `step`;
# 4. return the mean loss over the epoch as a Python float: the sum of
#    `loss.item() * batch_length` over the batches, divided by `len(x)`.
#
# Then write `accuracy(model, x, y)` that puts the model in evaluation mode and, inside
# `torch.no_grad()`, returns the fraction of rows whose largest logit is the true class, as
# a Python float.

# %% exercise="training_loop"
def train_epoch(model, x, y, optimizer, loss_fn, batch_size=32, seed=0):
    """One shuffled pass over (x, y); returns the mean training loss."""
    ### BEGIN SOLUTION
    model.train()
    device = next(model.parameters()).device
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    total = 0.0
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        xb, yb = x[index].to(device), y[index].to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(index)
    return total / len(x)
    ### END SOLUTION


def accuracy(model, x, y):
    """Fraction of rows of x whose predicted class (largest logit) equals y."""
    ### BEGIN SOLUTION
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        predicted = model(x.to(device)).argmax(dim=1).cpu()
    return float((predicted == y.cpu()).float().mean())
    ### END SOLUTION


# %% [markdown]
# With both functions, training the PyTorch twin with the same settings as the Keras model
# (Adam, the same learning rate, batch size and number of epochs) is a short loop. A
# different seed per epoch gives each epoch its own shuffle.

# %%
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
         caption="Same architecture and settings; the curves differ only by initial weights and shuffling.")
plt.show()

# %% tests="training_loop" points=3
check_that("the PyTorch training loss to fall", torch_losses[-1] < 0.5 * torch_losses[0],
           got=np.round(torch_losses, 3), hint="call optimizer.zero_grad(), loss.backward() and optimizer.step() per batch")
check_that("a PyTorch test accuracy above 0.85", torch_test_accuracy > 0.85, got=torch_test_accuracy)
check_that("accuracy() to leave the model in eval mode", not torch_mlp.training, hint="switch the model to evaluation mode with its .eval() method first")
### BEGIN HIDDEN TESTS
def reference_epoch(model, x, y, optimizer, loss_fn, batch_size, seed):
    model.train()
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    total = 0.0
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(x[index]), y[index])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(index)
    return total / len(x)


student_model, reference_model = TorchMLP(64, 8, 10), TorchMLP(64, 8, 10)
reference_model.load_state_dict(student_model.state_dict())
x_small, y_small = xt_train[:100], yt_train[:100]
got_loss = train_epoch(student_model, x_small, y_small, torch.optim.SGD(student_model.parameters(), lr=0.1),
                       nn.CrossEntropyLoss(), batch_size=30, seed=5)
want_loss = reference_epoch(reference_model, x_small, y_small, torch.optim.SGD(reference_model.parameters(), lr=0.1),
                            nn.CrossEntropyLoss(), batch_size=30, seed=5)
check("the mean loss of one epoch (batches of 30, seed 5)", got_loss, want_loss, rtol=1e-5)
check_that("train_epoch to return a Python float", type(got_loss) is float, got=type(got_loss))
for (name, got), want in zip(student_model.state_dict().items(), reference_model.state_dict().values()):
    check(f"{name} after one epoch", got, want, rtol=1e-5, atol=1e-6)
check_that("train_epoch to put the model in training mode", student_model.training)
frozen = TorchMLP(64, 8, 10)
with torch.no_grad():
    logits = frozen(xt_test[:50])
check("accuracy() on 50 test rows", accuracy(frozen, xt_test[:50], yt_test[:50]),
      float((logits.argmax(1) == yt_test[:50]).float().mean()), rtol=1e-6)
check_that("accuracy() to return a Python float", type(accuracy(frozen, xt_test[:5], yt_test[:5])) is float)
### END HIDDEN TESTS

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
# | read / write | `layer.get_weights()` / `layer.set_weights([kernel, bias])` | `layer.weight`, `layer.bias` under `torch.no_grad()` |
#
# Dropout has no weights, and in inference mode it does nothing in either framework, so
# only the `Dense`/`Linear` layers matter. Here is how the two layouts look for our models:

# %%
for layer in keras_mlp.layers:
    print("Keras  ", layer.name, [w.shape for w in layer.get_weights()])
for name, module in torch_mlp.named_children():
    print("PyTorch", name, [tuple(p.shape) for p in module.parameters()])

# %% [markdown]
# ### Exercise 3: port the weights, both ways
#
# Write `keras_to_torch(keras_model, torch_model)`, which copies the weights of the Keras
# model's `Dense` layers, in order, into the PyTorch model's `nn.Linear` layers, in order,
# and returns `torch_model`; and `torch_to_keras(torch_model, keras_model)` for the other
# direction, returning `keras_model`. Make them work for any stack of dense layers, not just
# our two-layer MLP: find the layers with
# `[layer for layer in keras_model.layers if isinstance(layer, layers.Dense)]` and
# `[module for module in torch_model.modules() if isinstance(module, nn.Linear)]`. Copy the
# values (do not share memory), keep PyTorch's `float32`, and write PyTorch parameters under
# `torch.no_grad()` (for example with `module.weight.copy_(...)`).

# %% exercise="port_weights"
def keras_to_torch(keras_model, torch_model):
    """Copy every Dense layer's kernel and bias into the matching nn.Linear; returns torch_model."""
    ### BEGIN SOLUTION
    dense = [layer for layer in keras_model.layers if isinstance(layer, layers.Dense)]
    linear = [module for module in torch_model.modules() if isinstance(module, nn.Linear)]
    with torch.no_grad():
        for layer, module in zip(dense, linear):
            kernel, bias = layer.get_weights()
            module.weight.copy_(torch.from_numpy(kernel.T.copy()))
            module.bias.copy_(torch.from_numpy(bias))
    return torch_model
    ### END SOLUTION


def torch_to_keras(torch_model, keras_model):
    """Copy every nn.Linear's weight and bias into the matching Dense layer; returns keras_model."""
    ### BEGIN SOLUTION
    dense = [layer for layer in keras_model.layers if isinstance(layer, layers.Dense)]
    linear = [module for module in torch_model.modules() if isinstance(module, nn.Linear)]
    for layer, module in zip(dense, linear):
        layer.set_weights([module.weight.detach().cpu().numpy().T, module.bias.detach().cpu().numpy()])
    return keras_model
    ### END SOLUTION


# %% [markdown]
# The test: give the trained Keras weights to a fresh PyTorch model, run both on the test
# images in inference mode, and compare the logits. They should agree to float32 rounding.

# %%
ported = keras_to_torch(keras_mlp, TorchMLP(N_INPUTS, N_HIDDEN, N_CLASSES, dropout=DROPOUT)).eval()
with torch.no_grad():
    ported_logits = ported(xt_test).numpy()
keras_logits = keras_mlp.predict(x_test, verbose=0)
port_error = float(np.max(np.abs(ported_logits - keras_logits)))
print(f"largest difference between Keras and ported PyTorch logits: {port_error:.2e}")
print("same predicted classes:", np.array_equal(ported_logits.argmax(1), keras_logits.argmax(1)))

# %% tests="port_weights" points=3
check("the ported PyTorch logits against Keras", ported_logits, keras_logits, rtol=1e-5, atol=1e-5,
      hint="a Keras kernel is (inputs, outputs) and a PyTorch weight is (outputs, inputs): transpose it")
back = torch_to_keras(torch_mlp, keras.models.clone_model(keras_mlp))
with torch.no_grad():
    torch_logits = torch_mlp.eval()(xt_test).numpy()
check("the Keras logits after torch_to_keras against PyTorch", back.predict(x_test, verbose=0), torch_logits,
      rtol=1e-5, atol=1e-5, hint="layer.set_weights([weight.T, bias]) with NumPy arrays")
### BEGIN HIDDEN TESTS
deep_keras = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(5, activation="relu"),
                               layers.Dense(4, activation="relu"), layers.Dense(3)])
deep_torch = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))
probe = np.random.default_rng(8).normal(size=(9, 6)).astype("float32")
result = keras_to_torch(deep_keras, deep_torch)
check_that("keras_to_torch to return the PyTorch model", result is deep_torch, got=type(result))
with torch.no_grad():
    check("a three-layer stack, Keras to PyTorch", deep_torch(torch.from_numpy(probe)),
          deep_keras.predict(probe, verbose=0), rtol=1e-5, atol=1e-6)
check_that("the PyTorch parameters to stay float32", all(p.dtype == torch.float32 for p in deep_torch.parameters()))
with torch.no_grad():
    for module in deep_torch.modules():
        if isinstance(module, nn.Linear):
            module.weight.add_(0.1)  # make the PyTorch stack differ from the Keras one
fresh_keras = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(5, activation="relu"),
                                layers.Dense(4, activation="relu"), layers.Dense(3)])
result = torch_to_keras(deep_torch, fresh_keras)
check_that("torch_to_keras to return the Keras model", result is fresh_keras, got=type(result))
with torch.no_grad():
    check("a three-layer stack, PyTorch to Keras", fresh_keras.predict(probe, verbose=0),
          deep_torch(torch.from_numpy(probe)), rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

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
# ### Exercise 4: count them, three ways
#
# Write `count_torch_parameters(module, trainable_only=False)` that returns the number of
# scalar parameters of a PyTorch module (only those with `requires_grad` when
# `trainable_only=True`), and `mlp_parameters(sizes)` that computes, from the formula alone,
# the number of parameters of a stack of dense layers with the given layer sizes: for
# `sizes=[64, 32, 10]` that is a 64-to-32 layer and a 32-to-10 layer, each with a weight
# matrix and a bias vector. Return Python integers.

# %% exercise="count_parameters"
def count_torch_parameters(module, trainable_only=False):
    """Number of scalar parameters of ``module`` (only trainable ones if asked)."""
    ### BEGIN SOLUTION
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only))
    ### END SOLUTION


def mlp_parameters(sizes):
    """Parameters of dense layers sizes[0] -> sizes[1] -> ... (weights and biases)."""
    ### BEGIN SOLUTION
    return int(sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))
    ### END SOLUTION


# %% tests="count_parameters" points=1
check("count_torch_parameters(torch_mlp)", count_torch_parameters(torch_mlp), keras_mlp.count_params(),
      hint="add up p.numel() over model.parameters()")
check("mlp_parameters([64, 32, 10])", mlp_parameters([64, 32, 10]), keras_mlp.count_params(),
      hint="each layer has n_in * n_out weights and n_out biases")
check("count_torch_parameters(frozen_demo, trainable_only=True)",
      count_torch_parameters(frozen_demo, trainable_only=True), N_HIDDEN * N_CLASSES + N_CLASSES,
      hint="skip parameters whose requires_grad is False")
### BEGIN HIDDEN TESTS
check("mlp_parameters([5, 1])", mlp_parameters([5, 1]), 6)
check("mlp_parameters([10, 20, 30, 4])", mlp_parameters([10, 20, 30, 4]), 11 * 20 + 21 * 30 + 31 * 4)
keras_stack = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(5), layers.Dense(4), layers.Dense(3)])
check("mlp_parameters([6, 5, 4, 3]) against Keras", mlp_parameters([6, 5, 4, 3]), keras_stack.count_params())
stack = nn.Sequential(nn.Linear(7, 3), nn.ReLU(), nn.Linear(3, 2))
check("count_torch_parameters of a two-layer nn.Sequential", count_torch_parameters(stack), mlp_parameters([7, 3, 2]))
stack[2].requires_grad_(False)
check("trainable parameters with the last layer frozen", count_torch_parameters(stack, trainable_only=True), 7 * 3 + 3)
check_that("Python ints", type(count_torch_parameters(stack)) is int and type(mlp_parameters([2, 2])) is int)
### END HIDDEN TESTS

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
# ### Exercise 5: a fair stopwatch
#
# Write `time_per_epoch(run_epoch, n_epochs=3, warmup=1)`: call `run_epoch()` `warmup` times
# without timing it, then `n_epochs` times, measuring each call with `time.perf_counter()`,
# and return the list of `n_epochs` durations in seconds.

# %% exercise="stopwatch"
def time_per_epoch(run_epoch, n_epochs=3, warmup=1):
    """Seconds of each of ``n_epochs`` calls of ``run_epoch()``, after ``warmup`` untimed calls."""
    ### BEGIN SOLUTION
    for _ in range(warmup):
        run_epoch()
    durations = []
    for _ in range(n_epochs):
        start = time.perf_counter()
        run_epoch()
        durations.append(time.perf_counter() - start)
    return durations
    ### END SOLUTION


# %% [markdown]
# Now time one epoch of each framework on the same 1,347 images. Keras runs through `fit()`
# for one epoch at a time; PyTorch through your `train_epoch`.

# %%
keras_seconds = time_per_epoch(lambda: keras_mlp.fit(x_train, y_train, epochs=1, batch_size=BATCH_SIZE, verbose=0))
torch_seconds = time_per_epoch(lambda: train_epoch(torch_mlp, xt_train, yt_train, torch_optimizer, loss_fn, BATCH_SIZE))
keras_median, torch_median = float(np.median(keras_seconds)), float(np.median(torch_seconds))
print(f"median seconds per epoch: Keras {keras_median:.3f}, PyTorch {torch_median:.3f}")

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.bar(["Keras fit()", "PyTorch loop"], [keras_median, torch_median])
labelled(ax, "Median time per training epoch (43 batches of 32)", "framework", "seconds",
         caption="Measured on this machine after one warm-up epoch; small models mostly measure per-step overhead.")
plt.show()

# %% tests="stopwatch" points=1
check("len(keras_seconds)", len(keras_seconds), 3, hint="return one duration per timed epoch")
check_that("every measured epoch to take a positive time", all(s > 0 for s in keras_seconds + torch_seconds),
           got=keras_seconds + torch_seconds)
### BEGIN HIDDEN TESTS
calls = []
durations = time_per_epoch(lambda: (calls.append(1), time.sleep(0.02)), n_epochs=4, warmup=2)
check("the number of calls with n_epochs=4, warmup=2", len(calls), 6)
check("the number of durations returned", len(durations), 4)
check_that("each duration to cover the call (at least the 0.02 s sleep)", all(0.019 <= d < 1.0 for d in durations),
           got=durations)
first_slow = []
def slow_first():
    time.sleep(0.3 if not first_slow else 0.0)
    first_slow.append(1)
check_that("the warm-up call not to be timed", max(time_per_epoch(slow_first, n_epochs=2, warmup=1)) < 0.2)
### END HIDDEN TESTS

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
# updated array (reassign it), and `stack()` turns it into a tensor at the end. The loop
# counter must be a tensor too. Once written that way, the function traces **once** and then
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
# ### Exercise 6: the Collatz sequence as a TensorFlow graph
#
# Write `collatz_tf`, a `tf.function` that takes an `int32` scalar tensor `n >= 1` and returns
# the 1-D `int32` tensor of its Collatz sequence (starting with `n`, ending with 1). Use a
# `tf.TensorArray(tf.int32, size=0, dynamic_size=True)` and a tensor loop counter. Calling it
# on different `int32` scalars must not retrace it.

# %% exercise="collatz_tf"
@tf.function
def collatz_tf(n):
    """Collatz sequence of the int32 scalar tensor n, built inside a graph."""
    ### BEGIN SOLUTION
    path = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
    path = path.write(0, n)
    i = tf.constant(1)
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        path = path.write(i, n)
        i += 1
    return path.stack()
    ### END SOLUTION


# %% tests="collatz_tf" points=2
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
### BEGIN HIDDEN TESTS
for value in (1, 2, 9, 97):
    check(f"collatz_tf(tf.constant({value}))", collatz_tf(tf.constant(value)), collatz_python(value))
graph_ops = {op.type for op in collatz_tf.get_concrete_function(tf.TensorSpec([], tf.int32)).graph.get_operations()}
check_that("the traced graph to hold a while loop (not an unrolled sequence)",
           bool(graph_ops & {"While", "StatelessWhile"}), got=sorted(graph_ops))
check("collatz_tf of 27 has 112 terms", int(tf.size(collatz_tf(tf.constant(27)))), len(collatz_python(27)))
### END HIDDEN TESTS

# %% [markdown]
# ## 7. When to pick which
#
# Everything above, measured on this machine:

# %%
summary = {
    "parameters (Keras / PyTorch)": f"{keras_mlp.count_params()} / {sum(p.numel() for p in torch_mlp.parameters())}",
    "test accuracy (Keras / PyTorch)": f"{keras_test_accuracy:.3f} / {torch_test_accuracy:.3f}",
    "median seconds per epoch (Keras / PyTorch)": f"{keras_median:.3f} / {torch_median:.3f}",
    "largest logit difference after porting": f"{port_error:.1e}",
}
for name, value in summary.items():
    print(f"{name:45s} {value}")

# %% [markdown]
# The two frameworks computed the same function to float32 precision, with the same number of
# parameters and about the same accuracy: for a model like this one, the choice is about the
# workflow around the model, not about what it can learn. A fair summary:
#
# - **Keras (on TensorFlow)** is the shorter path for standard models: `fit()`, callbacks,
#   checkpointing and TensorBoard are built in, and the deployment story is complete and
#   official (SavedModel for TensorFlow Serving, TensorFlow Lite for phones and
#   microcontrollers, TensorFlow.js for browsers, TFX and TFMA for pipelines and analysis, as
#   later labs show). Graph tracing is more demanding to write, as exercise 6 showed, but the
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
# - The same MLP in Keras and as a PyTorch `nn.Module`, trained with `fit()` and with your
#   own loop (`zero_grad`, `backward`, `step`), with devices and `train()`/`eval()` handled.
# - Weight porting in both directions, verified to about 1e-5 on the same inputs.
# - Parameter counts from both frameworks and from the formula, and a fair stopwatch.
# - A data-dependent loop in both styles: natural in define-by-run PyTorch, and as a traced
#   TensorFlow graph with `tf.TensorArray`, plus the trap of tracing in PyTorch.
