"""Faults that need a network of their own: a name that resolves slowly, no network at all.

Neither can be provoked honestly in this process without mocking `socket`. A private
network namespace (`unshare -rn`, no privileges needed where user namespaces are
allowed) gives the app a machine of its own: in it the real resolver asks a "DNS server"
on that namespace's 127.0.0.1:53 which never answers, or the loopback interface is down.
No packet leaves the namespace. The app runs in a child process there, offscreen, and
prints what its window showed as one JSON line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# How long the stalled resolver takes to give up (glibc RES_OPTIONS), and the tab's
# connect timeout, much shorter: the tab must not wait for the resolver.
RESOLVER_TIMEOUT_S = 3
CONNECT_TIMEOUT_S = 0.5

CHILD = r"""
import json, os, socket, sys, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["SOCKET_TESTER_SETTINGS"] = os.path.join(sys.argv[2], "settings.ini")
from PySide6.QtCore import QEventLoop, QTimer
from app.ui.application import create_main_window
from tests.hardening.test_harness import GapMeter, all_events

mode = sys.argv[1]
queries = []
if mode == "slow-dns":
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind(("127.0.0.1", 53))
    def swallow():
        while True:
            queries.append(dns.recvfrom(4096)[0])
    threading.Thread(target=swallow, daemon=True).start()

w = create_main_window()
w.show()
tcp, udp = (next(t for t in w.tool_tabs if t.objectName() == n) for n in ("tcpTab", "udpTab"))

def wait(predicate, timeout):
    loop, t0 = QEventLoop(), time.monotonic()
    timer = QTimer(); timer.setInterval(5)
    timer.timeout.connect(lambda: (predicate() or time.monotonic() - t0 > timeout) and loop.quit())
    timer.start(); loop.exec(); timer.stop()
    return predicate()

def rows():
    return [(e.source.value, e.kind.value, e.message) for e in all_events(w)]

def last_tcp_line():
    return next((m for s, k, m in reversed(rows()) if s == "TCP"), "")

out = {}
meter = GapMeter(); meter.start()
if mode == "slow-dns":
    tcp.host.setText("slow-name.example"); tcp.port.setValue(80)
    tcp.timeout.setValue(float(sys.argv[3]))
    t0 = time.monotonic(); tcp.connect_button.click()
    out["timed_out"] = wait(lambda: "timed out" in last_tcp_line(), 20)
    out["timed_out_after_s"] = time.monotonic() - t0
    out["status_after"] = tcp.status.plain_text()
    # A second attempt cancelled while the name is still resolving.
    tcp.timeout.setValue(30); tcp.connect_button.click()
    wait(lambda: tcp.connect_button.text() == "Cancel", 5)
    t0 = time.monotonic(); tcp.connect_button.click()
    out["cancelled"] = wait(lambda: "cancelled" in last_tcp_line(), 5)
    out["cancel_after_s"] = time.monotonic() - t0
    # The stalled lookups finish later: no stray row may follow them.
    before = len(rows())
    wait(lambda: False, float(sys.argv[4]) + 1)
    out["late_rows"] = rows()[before:]
    out["dns_queries"] = len(queries)
else:
    tcp.host.setText("127.0.0.1"); tcp.port.setValue(8000)
    tcp.connect_button.click()
    wait(lambda: tcp.status.plain_text() == "Disconnected" and "127.0.0.1" in last_tcp_line(), 10)
    out["tcp_line"] = last_tcp_line()
    w.tabs.setCurrentWidget(udp)
    udp.host.setText("127.0.0.1"); udp.port.setValue(9); udp.send_button.click()
    wait(lambda: any(s == "UDP" and k == "error" for s, k, m in rows()), 10)
    out["udp_line"] = next((m for s, k, m in rows() if s == "UDP" and k == "error"), "")
    out["udp_status"] = udp.status.plain_text()
out["worst_gap_ms"] = meter.stop()
out["rows"] = rows()
w.close()
print(json.dumps(out), flush=True)
"""


def namespaces_work() -> bool:
    if not shutil.which("unshare") or not sys.platform.startswith("linux"):
        return False
    probe = subprocess.run(
        ["unshare", "-rnm", "sh", "-c", "ip link set lo up"], capture_output=True, timeout=30
    )
    return probe.returncode == 0 and bool(shutil.which("ip"))


pytestmark = pytest.mark.skipif(
    not namespaces_work(), reason="needs unprivileged network namespaces (unshare -rnm)"
)


def run_child(mode: str, tmp_path: Path) -> dict[str, object]:
    python = [sys.executable, "-c", CHILD, mode, str(tmp_path)]
    python += [str(CONNECT_TIMEOUT_S), str(RESOLVER_TIMEOUT_S)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if mode == "slow-dns":
        resolv = tmp_path / "resolv.conf"
        resolv.write_text("nameserver 127.0.0.1\n")
        env["RES_OPTIONS"] = f"timeout:{RESOLVER_TIMEOUT_S} attempts:1"
        setup = f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && "
    else:
        setup = ""  # the new namespace's loopback interface starts down: no network
    command = ["unshare", "-rnm", "sh", "-c", setup + 'exec "$@"', "sh", *python]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    rows = result["rows"]
    assert isinstance(rows, list)
    assert not any(str(m).startswith("Internal error") for _, _, m in rows), rows
    return result


def test_a_name_that_resolves_slowly_times_out_and_cancels_on_time(tmp_path: Path) -> None:
    result = run_child("slow-dns", tmp_path)
    assert result["dns_queries"], "the real resolver asked our silent server"
    assert result["timed_out"], result["rows"]
    # The tab's own timeout (0.5 s) ended it, long before the resolver gave up (3 s).
    assert float(result["timed_out_after_s"]) < RESOLVER_TIMEOUT_S - 1, result  # type: ignore[arg-type]
    assert result["status_after"] == "Disconnected"
    assert result["cancelled"], result["rows"]
    assert float(result["cancel_after_s"]) < 1.0, result  # type: ignore[arg-type]
    assert result["late_rows"] == [], "a late resolver answer must not add rows"
    # The GUI thread never waited for the resolver.
    assert float(result["worst_gap_ms"]) < 1000, result  # type: ignore[arg-type]


def test_no_network_at_all_is_one_clear_line_per_tab(tmp_path: Path) -> None:
    result = run_child("no-network", tmp_path)
    assert "Network unreachable" in str(result["tcp_line"]), result["rows"]
    assert "unreachable" in str(result["udp_line"]).lower(), result["rows"]
    assert result["udp_status"] == "Idle"
