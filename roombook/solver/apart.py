"""The solver in a process of its own: `solve_apart` answers as `solve` does, but `python -m roombook.solver apart`
does the work, reading the scenario on its stdin and writing progress events and then the plan on its stdout,
one JSON object a line.

A plan run is solved by the web worker that queued it (or by the scheduler process). Solving there left the
process holding OR-Tools with NumPy and pandas, and what CP-SAT allocated, until gunicorn recycled it: 160 MiB
of PSS in the worker that ran one plan for one house of a 100-house city (bench/memory.py). A process of its
own gives all of that back when it ends; starting it costs about a second of CPU.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from .validate import InvalidScenario


class SolverFailed(RuntimeError):
    """The solver process ended without a plan (it crashed or was killed); the message ends with its stderr."""


def solve_apart(scenario: dict, time_limit: float = 30.0, progress: Callable[[dict], None] | None = None) -> dict:
    """`solve(scenario, time_limit, progress)` in a child process; `progress` is called in this thread."""
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen([sys.executable, "-m", "roombook.solver", "apart", "--time-limit", repr(time_limit)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, encoding="utf-8",
                                 env=_same_code())
        try:
            try:
                child.stdin.write(json.dumps(scenario))  # read whole before the child writes a line: no deadlock
                child.stdin.close()
            except BrokenPipeError:  # it ended before reading: its status and stderr say why
                pass
            answer: dict = {}
            for line in child.stdout:
                message = json.loads(line)
                if "progress" in message:
                    if progress:
                        progress(message["progress"])
                else:
                    answer = message
            child.wait()
        finally:
            if child.poll() is None:  # a progress callback failed: the solve is of no use any more
                child.kill()
                child.wait()
            child.stdout.close()
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    if "plan" in answer:
        return answer["plan"]
    if "invalid" in answer:
        raise InvalidScenario([tuple(problem) for problem in answer["invalid"]])
    raise SolverFailed(f"the solver process ended with status {child.returncode}: {stderr[-1500:]}")


def _same_code() -> dict[str, str]:
    """The environment with this process's roombook first on the child's path: the child solves with the code
    that asked, wherever its working directory is and whatever else is installed."""
    here = str(Path(__file__).resolve().parents[2])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}


def serve(time_limit: float) -> int:
    """The child's side: scenario on stdin; progress lines, then {"plan": …} or {"invalid": …} on stdout."""
    from .solve import solve

    lock = threading.Lock()  # CP-SAT reports from its own threads

    def send(message: dict) -> None:
        line = json.dumps(message) + "\n"
        with lock:
            sys.stdout.write(line)
            sys.stdout.flush()

    scenario = json.load(sys.stdin)
    try:
        plan = solve(scenario, time_limit, lambda event: send({"progress": event}))
    except InvalidScenario as error:
        send({"invalid": error.problems})
        return 2
    send({"plan": plan})
    return 0
