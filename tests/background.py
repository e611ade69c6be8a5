"""Set-ups that run beside the tests: servers and the long batch checks.

A Rasa server takes most of a minute to start on one core, and the safety suite, the browser
run, Rasa's test stories and the held-out NLU evaluation are batch checks whose one result
several tests read. Started one after the other when a test first needed them, they left one
of the CI machine's two cores idle for half of the test command. Now, once pytest has
collected the tests, every set-up that a collected test needs starts in its own thread (after
the set-ups it builds on), and the fixture of the same name waits for its result. A set-up no
collected test needs never starts (`-k`, `-m` and the tiers of scripts/test.sh still work).

    BACKGROUND.define(name, start, stop=None, needs=())   start(*results of needs) -> result
    BACKGROUND.launch(names)                              after collection (tests/conftest.py)
    BACKGROUND.result(name)                               in the fixture `name`; re-raises
    BACKGROUND.stop_all()                                 at the end of the session

Batch checks run their servers at a lower CPU priority (os.nice) than the servers the other
tests talk to, so a test that waits for a reply is not starved by the safety suite.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple


@dataclass(eq=False)
class _Job:
    name: str
    start: Callable[..., Any]
    stop: Optional[Callable[[Any], None]]
    needs: Tuple[str, ...]
    done: threading.Event = field(default_factory=threading.Event)
    thread: Optional[threading.Thread] = None
    result: Any = None
    error: Optional[BaseException] = None
    seconds: Optional[float] = None


class Background:
    def __init__(self) -> None:
        self._jobs: Dict[str, _Job] = {}
        self._lock = threading.Lock()

    def define(self, name: str, start: Callable[..., Any], stop: Optional[Callable[[Any], None]] = None,
               needs: Iterable[str] = ()) -> None:
        self._jobs[name] = _Job(name, start, stop, tuple(needs))

    @property
    def names(self) -> List[str]:
        return list(self._jobs)

    def launch(self, names: Iterable[str]) -> None:
        with self._lock:
            for name in names:
                self._launch(name)

    def _launch(self, name: str) -> None:
        job = self._jobs[name]
        if job.thread is not None:
            return
        for need in job.needs:
            self._launch(need)
        job.thread = threading.Thread(target=self._run, args=(job,), name=f"background-{name}", daemon=True)
        job.thread.start()

    def _run(self, job: _Job) -> None:
        try:
            inputs = [self.result(need) for need in job.needs]
            started = time.time()
            job.result = job.start(*inputs)
            job.seconds = time.time() - started
        except BaseException as error:  # handed to the fixture that waits for it
            job.error = error
        finally:
            job.done.set()

    def result(self, name: str) -> Any:
        """The set-up's result, started now if nothing launched it; its error re-raised."""
        self.launch([name])
        job = self._jobs[name]
        job.done.wait()
        if job.error is not None:
            raise RuntimeError(f"the set-up {name!r} failed: {job.error}") from job.error
        return job.result

    def timings(self) -> Dict[str, float]:
        return {job.name: round(job.seconds, 1) for job in self._jobs.values() if job.seconds is not None}

    def stop_all(self) -> None:
        """Stops every started set-up, the ones others build on last."""
        for job in reversed(self._stop_order()):
            if job.thread is None:
                continue
            job.done.wait()
            if job.stop is not None and job.error is None:
                job.stop(job.result)

    def _stop_order(self) -> List[_Job]:
        order: List[_Job] = []

        def visit(job: _Job) -> None:
            if job in order:
                return
            for need in job.needs:
                visit(self._jobs[need])
            order.append(job)

        for job in self._jobs.values():
            visit(job)
        return order


BACKGROUND = Background()
# The niceness of a batch check's own servers and subprocesses (see the module's docstring).
BATCH_NICENESS = 10


def niced(command: List[str], niceness: int = BATCH_NICENESS) -> List[str]:
    """The command run at a lower CPU priority (none for niceness 0)."""
    return ["nice", "-n", str(niceness), *command] if niceness else list(command)
