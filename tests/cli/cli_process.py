"""Runs `python -m app COMMAND …` as a person's script would: a real process, real peers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def run_cli(
    *args: str, timeout: float = 30, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command to its end; stdin is bytes (exact), stdout and stderr come back as text."""
    done = subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        env={**ENV, **(env or {})},
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


class CliProcess:
    """A long-running command (listen, serve) whose stdout lines are read as they come."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**ENV, **(env or {})},
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 20) -> str:
        """The first stdout line that satisfies `predicate` (waiting for it to arrive)."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(map(predicate, self.lines)) or self.process.poll() is not None,
                timeout,
            )
            matches = [line for line in self.lines if predicate(line)]
        assert found and matches, f"no such line; got {self.lines!r}"
        return matches[0]

    def finish(self, timeout: float = 20) -> tuple[int, str]:
        """Wait for the process to end by itself: (exit code, stderr)."""
        code = self.process.wait(timeout)
        self._reader.join(timeout)
        assert self.process.stderr is not None
        return code, self.process.stderr.read()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._reader.join(10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
