"""How often a thread of this process woke up: its voluntary context switches (Linux).

A thread sleeping in select or a lock counts one voluntary switch each time it wakes, so
the count over a window is the number of wake-ups, independent of how busy the machine is.
"""

from __future__ import annotations

import os

import pytest

HAVE_TASK_STATUS = os.path.exists(f"/proc/self/task/{os.getpid()}/status")

needs_task_status = pytest.mark.skipif(
    not HAVE_TASK_STATUS, reason="per-thread context switches come from Linux /proc"
)


def voluntary_switches(native_id: int) -> int:
    """The thread's voluntary context switches so far (`threading.get_native_id()`)."""
    with open(f"/proc/self/task/{native_id}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    raise LookupError(f"no voluntary_ctxt_switches for thread {native_id}")
