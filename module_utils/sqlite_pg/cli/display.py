"""The progress display on a terminal: one line per table (its phase, rows done of
total, rate, elapsed), fed by the run's progress events (progress.py), which may
come from the thread that reads ahead (rich's Progress takes a lock)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from ..progress import DONE, ProgressEvent


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


class TableProgress:
    """A context manager; call it with each event."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            TextColumn("[cyan]{task.fields[phase]:<7}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> TableProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, event: ProgressEvent) -> None:
        task = self._tasks.get(event.table)
        if task is None:
            task = self._progress.add_task(event.table, total=event.total, phase=event.phase)
            self._tasks[event.table] = task
        self._progress.update(task, completed=event.rows, total=event.total, phase=event.phase)
        if event.phase == DONE:
            self._progress.stop_task(task)  # its elapsed time stops
