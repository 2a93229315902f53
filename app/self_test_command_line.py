"""The self-test's command-line step: the program's own `send tcp` against the echo peer.

Run as a child process of this very program (the frozen executable, or `python -m app`
from source), so a build that dropped a module the commands need fails here.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from base64 import b64decode

from app.self_test_context import StepContext
from app.self_test_peers import LOOPBACK
from app.self_test_widgets import StepFailed

WAIT_MS = 3000


def own_command(*args: str) -> list[str]:
    """This program with `args`, frozen or from source."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "app", *args]


def command_line_step(test: StepContext) -> None:
    """`send tcp … --wait` gets its echo back as a JSON line and exits 0."""
    token = f"self-test command line {secrets.token_hex(4)}"
    port = str(test.peers.tcp_port)
    command = own_command("send", "tcp", LOOPBACK, port, token, "--wait", str(WAIT_MS), "--json")
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        test.wait(
            lambda: process.poll() is not None,
            "the command to end",
            lambda: "it is still running",
        )
        out, err = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    received = [
        b64decode(record["data_base64"])
        for record in map(json.loads, out.decode().splitlines())
        if record.get("kind") == "received"  # the last line is {"summary": …}
    ]
    if process.returncode != 0 or b"".join(received) != token.encode():
        raise StepFailed(
            f"exit code {process.returncode}, received {b''.join(received)!r}; "
            + err.decode(errors="replace").strip()[-300:]
        )
