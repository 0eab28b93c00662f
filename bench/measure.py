"""Whole-process wall time and peak memory of a command, measured alike for every engine.

Issue 7 compares engines that work very differently (a Python CLI that may fork workers, Typst's
Rust threads inside a Python process), so the one fair measure is taken from outside: the wall
time from start to exit, and the peak of the summed resident memory (VmRSS) of the process and
all its descendants, sampled every 10 ms from /proc by a thread of this (parent) process. Short
peaks between samples can be missed; at the sizes where memory matters a run lasts seconds.
Linux only, no psutil.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_EVERY = 0.010  # seconds


@dataclass(frozen=True)
class Sample:
    seconds: float
    peak_mb: float


@dataclass(frozen=True)
class Job:
    """One command to time; fresh() resets what a run leaves behind, before each run."""

    command: Sequence[str]
    fresh: Callable[[], None] | None = None
    output: Path | None = None  # the PDF it writes, when its pages are to be counted


class _TreeMemory:
    """Peak summed VmRSS of a process tree, polled until stop() is called."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._parents: dict[int, int] = {}  # pid → ppid, read once per process
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kb

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(map(_rss_kb, self._tree())))
            self._stop.wait(SAMPLE_EVERY)

    def _tree(self) -> list[int]:
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in self._parents:
                self._parents[int(name)] = _parent(int(name))
        tree, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [pid for pid, ppid in self._parents.items() if ppid in frontier]
            tree += frontier
        return tree


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat[stat.rindex(")") + 2:].split()[1])  # after "pid (comm) state"


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # gone between listing and reading
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0  # a zombie has no VmRSS line


def run_once(job: Job, cwd: Path) -> Sample:
    if job.fresh:
        job.fresh()
    started = time.perf_counter()
    process = subprocess.Popen(job.command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    memory = _TreeMemory(process.pid)
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    peak_kb = memory.stop()
    if process.returncode:
        raise RuntimeError(f"{' '.join(job.command)} exited with {process.returncode}:\n"
                           f"{stderr.decode(errors='replace')}")
    return Sample(seconds, peak_kb / 1024)


def measure(jobs: dict[str, Job], runs: int, cwd: Path) -> dict[str, Sample]:
    """Medians of runs runs per job. The jobs take turns, run by run, so that a slow spell of
    a shared machine falls on all of them rather than on one."""
    samples: dict[str, list[Sample]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, job in jobs.items():
            samples[name].append(run_once(job, cwd))
    return {name: Sample(statistics.median(s.seconds for s in taken),
                         statistics.median(s.peak_mb for s in taken))
            for name, taken in samples.items()}
