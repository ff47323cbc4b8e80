"""Measurements for the convolutional-network lab (lab 13).

:func:`measured_receptive_field` measures, by the gradient, how many input rows one output of a
stack of convolutions depends on. It never asks TensorFlow for the gradient of a *strided*
convolution: on x86 CPUs TensorFlow 2.21 runs ``Conv2DBackpropFilter`` on oneDNN's
``jit_1x1`` kernel, which for a 1x1 kernel with a stride above 1 and fewer input channels
than its block of 16 writes past its scratch buffer (oneDNN issue 6035): the kernel dies of
heap corruption ("corrupted double-linked list", a segfault), or returns wrong numbers. The
gradient of a convolution always computes that filter gradient too (TensorFlow's ``Conv2D``
gradient returns both), even when only the input's gradient is asked for. So each layer is
run as what a strided convolution is by definition: the same window at stride 1, then every
``stride``-th row and column kept. Its outputs are the same numbers, and its gradient needs
only stride-1 convolutions and a slice.
"""
from __future__ import annotations

import numbers


def _checked_stack(stack) -> list[tuple[int, int]]:
    if isinstance(stack, (str, bytes)) or not hasattr(stack, "__iter__"):
        raise TypeError(f"stack must be a list of (kernel_size, stride) pairs, e.g. [(3, 1), (2, 2)]; got {stack!r}")
    layers = list(stack)
    if not layers:
        raise ValueError("stack is empty: give at least one (kernel_size, stride) pair, e.g. [(3, 1)]")
    checked = []
    for position, layer in enumerate(layers):
        try:
            kernel_size, stride = layer
        except (TypeError, ValueError):
            raise TypeError(f"stack[{position}] must be a (kernel_size, stride) pair of ints, got {layer!r}") from None
        for what, value in (("kernel_size", kernel_size), ("stride", stride)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"stack[{position}]: {what} must be a positive int, got {value!r}")
        checked.append((int(kernel_size), int(stride)))
    return checked


def measured_receptive_field(stack, size: int = 96) -> int:
    """Side of the square of input pixels that the centre output depends on, measured by the gradient.

    ``stack`` lists the layers from the input upwards as ``(kernel_size, stride)`` pairs (square
    windows, ``padding="valid"``; a pooling window counts as one too). The stack is built as
    one-channel convolutions with every weight 1 and no activation, so nothing cancels, on a
    ``size`` x ``size`` input; the answer counts the input rows from the first to the last where
    the gradient of the centre output is not zero (a layer whose stride is larger than its window
    skips rows; the skipped ones lie inside the square and count). ``size`` must leave the last
    layer at least one output row; a ``ValueError`` says so otherwise. Safe for every stack (see
    the module docstring).
    """
    layers = _checked_stack(stack)
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"size must be a positive int (the input's height and width), got {size!r}")
    size = int(size)
    rows = size
    for position, (kernel_size, stride) in enumerate(layers):
        if rows < kernel_size:
            raise ValueError(f"size={size} is too small for this stack: layer {position} ({kernel_size}, {stride}) "
                             f"gets {rows} rows for a window of {kernel_size}; pass a larger size")
        rows = (rows - kernel_size) // stride + 1

    import numpy as np
    import tensorflow as tf

    inputs = tf.zeros((1, size, size, 1))
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = inputs
        for kernel_size, stride in layers:
            ones = tf.ones((kernel_size, kernel_size, 1, 1))
            outputs = tf.nn.conv2d(outputs, ones, strides=1, padding="VALID")[:, ::stride, ::stride, :]
        unit = outputs[0, outputs.shape[1] // 2, outputs.shape[2] // 2, 0]
    rows_seen = np.flatnonzero(tape.gradient(unit, inputs).numpy()[0, :, :, 0].any(axis=1))
    return int(rows_seen[-1] - rows_seen[0] + 1)
