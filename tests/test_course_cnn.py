"""course.cnn: lab 13's receptive-field measurement, safe on every stack its docstring allows."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from course.cnn import measured_receptive_field


def receptive_field(stack):
    """The analytic rule: each layer adds (kernel - 1) times the product of the strides below it."""
    field, jump = 1, 1
    for kernel_size, stride in stack:
        field += (kernel_size - 1) * jump
        jump *= stride
    return field


# (stack, size): the two stacks students crashed the kernel with (a 1x1 stride-2 layer; oneDNN's
# 1x1 backward-weights kernel overruns its buffer), more strides larger than their window, and
# the lab's own stacks
STACKS = [
    ([(3, 1), (1, 2), (3, 1)], 96),
    ([(1, 1), (1, 2), (3, 1)], 128),
    ([(1, 2)], 96),
    ([(1, 2), (1, 2), (1, 2)], 128),
    ([(1, 2), (3, 1)], 64),
    ([(1, 3), (2, 2), (3, 1)], 99),
    ([(2, 3), (4, 2), (5, 3)], 72),
    ([(3, 1), (2, 2), (3, 1), (2, 2)], 96),
    ([(3, 1), (3, 1)], 32),
    ([(7, 3), (3, 1)], 96),
]


@pytest.mark.slow
def test_strided_1x1_stacks_are_measured_without_crashing_the_process():
    # a subprocess: a crash kills it, not pytest; one thread, as lab 13 runs (start_lab(threads=1))
    code = (
        "import json, sys\n"
        "from course import start_lab\n"
        "from course.cnn import measured_receptive_field\n"
        "import tensorflow\n"
        "start_lab('cnncheck', seed=0, threads=1)\n"
        "for _ in range(3):\n"
        "    got = [measured_receptive_field(stack, size) for stack, size in json.loads(sys.argv[1])]\n"
        "print(json.dumps(got))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, json.dumps(STACKS)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, f"the measurement died (exit {result.returncode}):\n{result.stderr[-2000:]}"
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    expected = [receptive_field(stack) for stack, _ in STACKS]
    assert measured == expected, list(zip([stack for stack, _ in STACKS], measured, expected))


@pytest.mark.parametrize("stack, size, error, message", [
    ([], 96, ValueError, "stack is empty"),
    ("3,1", 96, TypeError, "list of \\(kernel_size, stride\\) pairs"),
    (3, 96, TypeError, "list of \\(kernel_size, stride\\) pairs"),
    ([(3, 1, 1)], 96, TypeError, r"stack\[0\] must be a \(kernel_size, stride\) pair"),
    ([(3, 1), 5], 96, TypeError, r"stack\[1\] must be a \(kernel_size, stride\) pair"),
    ([(3, 0)], 96, ValueError, r"stack\[0\]: stride must be a positive int, got 0"),
    ([(0, 1)], 96, ValueError, "kernel_size must be a positive int"),
    ([(2.5, 1)], 96, ValueError, "kernel_size must be a positive int, got 2.5"),
    ([(True, 1)], 96, ValueError, "kernel_size must be a positive int"),
    ([(3, 1)], 0, ValueError, "size must be a positive int"),
    ([(3, 1)], 9.5, ValueError, "size must be a positive int"),
    ([(5, 2), (5, 2)], 8, ValueError, r"size=8 is too small for this stack: layer 1 \(5, 2\) gets 2 rows"),
])
def test_inputs_the_docstring_does_not_allow_get_a_clear_error(stack, size, error, message):
    # checked before TensorFlow is imported or run: no kernel at risk, and fast
    with pytest.raises(error, match=message):
        measured_receptive_field(stack, size)
