"""Helpers for the persistence tests."""

from __future__ import annotations

from typing import Optional

from tests.runner import Runner

TRY_AGAIN = "try again in a moment"

__all__ = ["Runner", "TRY_AGAIN", "start"]


def start(runner: Runner, keep: bool = True, via: Optional[str] = None) -> None:
    runner.say("hi", via=via)
    runner.expect("not a diagnosis")
    runner.tap("Start & keep answers" if keep else "Start, keep nothing", via=via)
    runner.expect("chest pain")
