"""A plain text progress bar for long command-line runs (written to stderr, one line per step,
so it works in logs and CI as well as in a terminal)."""

from __future__ import annotations

import time


class ProgressBar:
    def __init__(self, stream, total: int, *, width: int = 30, label: str = ""):
        self.stream, self.total, self.width, self.label = stream, max(total, 1), width, label
        self.done = 0
        self.started = time.perf_counter()

    def step(self, what: str = "") -> None:
        self.done = min(self.done + 1, self.total)
        filled = round(self.width * self.done / self.total)
        seconds = time.perf_counter() - self.started
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(
            f"{self.label}[{bar}] {self.done}/{self.total} {seconds:5.1f} s {what}".rstrip()
        )

    def finish(self, what: str = "klaar") -> None:
        while self.done < self.total - 1:
            self.step()
        self.step(what)
