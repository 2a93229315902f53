"""Resident memory of this process, for tests and benchmarks that bound it."""

from __future__ import annotations

import resource
import sys


def rss_mb() -> float:
    """Resident set size now (Linux /proc), in MB; elsewhere the peak so far."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    # ru_maxrss is the peak, in KiB on Linux and bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
