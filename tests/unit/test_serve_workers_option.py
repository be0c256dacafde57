"""`serve --workers`: the machine's cores by default, $OUTCOME_GRAPH_WORKERS, the option winning; at least one."""

from __future__ import annotations

import os

import pytest

from outcome_graph.cli import build_parser


def workers(argv: list[str]) -> int:
    return build_parser().parse_args(["serve", *argv]).workers


def test_default_is_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.delenv("OUTCOME_GRAPH_WORKERS", raising=False)
    assert workers([]) == len(os.sched_getaffinity(0))


def test_the_environment_then_the_option(monkeypatch):
    monkeypatch.setenv("OUTCOME_GRAPH_WORKERS", "3")
    assert workers([]) == 3
    assert workers(["--workers", "1"]) == 1


@pytest.mark.parametrize("value", ["0", "-1", "two", ""])
def test_anything_but_a_whole_number_of_one_or_more_is_refused(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        workers(["--workers", value])
    assert exit_.value.code == 2 and "at least 1" in capsys.readouterr().err
