"""The settings object: one place for every limit, handed to the kernel as one payload."""
from __future__ import annotations

import resource
from dataclasses import fields

import pytest

from autograder import cli
from autograder.grading import kernel as grading_kernel
from autograder.paths import init_course_dir
from autograder.settings import DEFAULTS, GiB, Limits, limits_of, markdown_table


def test_limits_refuse_what_is_not_a_positive_number():
    with pytest.raises(ValueError, match="limit memory must be a positive number, got 0"):
        Limits(memory=0)
    with pytest.raises(ValueError, match="cell_timeout"):
        DEFAULTS.replace(cell_timeout=-1)
    assert DEFAULTS.replace(memory=None) == DEFAULTS  # None means "not given"


def test_the_kernel_payload_carries_the_limits_through_json():
    limits = DEFAULTS.replace(memory=2 * GiB, cgroup_tasks=64)
    payload = grading_kernel.KernelPayload("/course", "/tmp/run", "abc", limits)
    again = grading_kernel.KernelPayload.from_json(payload.to_json())
    assert again == payload and again.limits.memory == 2 * GiB
    assert grading_kernel.rlimits(limits)[resource.RLIMIT_AS] == (2 * GiB, 2 * GiB)
    assert grading_kernel.cgroup_settings(limits)["pids"] == {"pids.max": "64"}


def test_command_line_flags_become_limits():
    args = cli.parser().parse_args(["autograde", "01_tensorflow_foundations", "--memory", "1.5", "--timeout", "30"])
    limits = limits_of(args)
    assert limits.memory == int(1.5 * GiB) and limits.submission_timeout == 30
    assert limits.cell_timeout == DEFAULTS.cell_timeout
    assert cli.main(["autograde", "01_tensorflow_foundations", "--memory", "0"]) == 2


def test_every_limit_is_documented_in_the_table():
    table = markdown_table()
    for spec in fields(Limits):
        assert f"| `{spec.name}` |" in table and spec.metadata["doc"] in table


def test_a_new_course_directory_reads_its_limits_from_the_settings(tmp_path):
    from autograder.gradebook import course_config

    config = course_config(init_course_dir(tmp_path / "course"))
    assert config.Execute.timeout == DEFAULTS.cell_timeout
