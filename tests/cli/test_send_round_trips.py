"""`send tcp|udp` round trips at the end of a run, and `send tcp --connections` load runs,
against real loopback peers: a delayed echo, a peer that drops, one that reorders."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.cli_process import run_cli
from tests.peers import EchoServer, SinkServer, free_port
from tests.round_trip_peers import DelayedTcpEcho, UdpEchoPeer, counter_of


def _summary(stdout: str) -> dict[str, Any]:
    """The `--json` summary: the last stdout line, {"summary": {...}}."""
    last = json.loads(stdout.splitlines()[-1])
    assert set(last) == {"summary"}, last
    summary: dict[str, Any] = last["summary"]
    return summary


def test_tcp_round_trips_of_a_delayed_echo_have_its_delay() -> None:
    with DelayedTcpEcho(delay=0.05) as peer:
        # 150 ms apart: each reply is back before the next send, one chunk each.
        done = run_cli(
            "send",
            "tcp",
            "127.0.0.1",
            str(peer.port),
            "ping {{counter}}",
            "--count",
            "5",
            "--interval",
            "150",
            "--wait",
            "1000",
        )
    assert done.returncode == 0, done.stderr
    received = [line for line in done.stdout.splitlines() if "  received  " in line]
    assert len(received) == 5 and all("  RTT " in line for line in received)
    line = next(line for line in done.stderr.splitlines() if "round trips:" in line)
    assert line.startswith("socket-tester: round trips: 5 replies · min ")
    for name in ("median", "p95", "p99", "max", "jitter"):
        assert f" · {name} " in line
    assert line.endswith(" · 0 lost")


def test_tcp_round_trips_in_json_are_milliseconds(tmp_path: Path) -> None:
    rtt_csv = tmp_path / "rtt.csv"
    with DelayedTcpEcho(delay=0.05) as peer:
        done = run_cli(
            "send",
            "tcp",
            "127.0.0.1",
            str(peer.port),
            "ping",
            "--count",
            "4",
            "--interval",
            "150",
            "--wait",
            "1000",
            "--json",
            "--rtt-csv",
            str(rtt_csv),
        )
    assert done.returncode == 0, done.stderr
    summary = _summary(done.stdout)
    assert (summary["sent"], summary["received"], summary["exit_code"]) == (4, 4, 0)
    trips = summary["round_trips"]
    assert (trips["replies"], trips["lost"], trips["out_of_order"]) == (4, 0, 0)
    # The peer sleeps 50 ms before each echo: never less; a loaded machine adds some.
    assert 50 <= trips["min_ms"] <= trips["median_ms"] <= trips["max_ms"] < 1000
    assert trips["median_ms"] < 400
    events = [json.loads(line) for line in done.stdout.splitlines()[:-1]]
    replies = [e for e in events if e["kind"] == "received"]
    assert len(replies) == 4 and all(e["message"].startswith("RTT ") for e in replies)
    with rtt_csv.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 4 and {row["outcome"] for row in rows} == {"answered"}
    assert all(50 <= float(row["rtt_ms"]) < 1000 for row in rows)
    assert {row["bytes_sent"] for row in rows} == {"4"}


def test_tcp_without_wait_has_no_round_trips(echo_server: EchoServer) -> None:
    done = run_cli("send", "tcp", "127.0.0.1", str(echo_server.port), "x")
    assert done.returncode == 0, done.stderr
    assert "round trips" not in done.stderr


def test_udp_peer_that_drops_every_fourth_datagram_shows_them_lost(tmp_path: Path) -> None:
    rtt_csv = tmp_path / "rtt.csv"
    with UdpEchoPeer(answers=lambda data: counter_of(data) % 4 != 0) as peer:
        done = run_cli(
            "send",
            "udp",
            peer.host,
            str(peer.port),
            "n={{counter}}",
            "--count",
            "20",
            "--interval",
            "2",
            "--reply-timeout",
            "500",
            "--rtt-csv",
            str(rtt_csv),
        )
    assert done.returncode == 0, done.stderr
    assert "round trips: 15 replies · min " in done.stderr
    assert " · 5 lost" in done.stderr
    assert "wrote 20 exchanges to" in done.stderr
    with rtt_csv.open(newline="") as file:
        rows = list(csv.DictReader(file))
    lost = [int(row["number"]) for row in rows if row["outcome"] == "lost"]
    assert lost == [4, 8, 12, 16, 20]
    assert all(row["rtt_ms"] == "" for row in rows if row["outcome"] == "lost")


def test_udp_replies_out_of_order_are_counted_in_json() -> None:
    with UdpEchoPeer(reorder=True) as peer:
        done = run_cli(
            "send",
            "udp",
            peer.host,
            str(peer.port),
            "n={{counter}}",
            "--count",
            "10",
            "--interval",
            "5",
            "--wait",
            "500",
            "--json",
            "--quiet",
        )
    assert done.returncode == 0, done.stderr
    trips = _summary(done.stdout)["round_trips"]
    # Pairs come back second first: the first of each pair is older than one answered.
    assert (trips["replies"], trips["lost"], trips["out_of_order"]) == (10, 0, 5)


def test_load_run_of_50_connections_by_20_messages_counts_every_reply(
    echo_server: EchoServer,
) -> None:
    done = run_cli(
        "send",
        "tcp",
        "127.0.0.1",
        str(echo_server.port),
        "ping\\n",
        "--connections",
        "50",
        "--count",
        "20",
        "--interval",
        "20",
        "--json",
        "--quiet",
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    summary = _summary(done.stdout)
    assert (summary["sent"], summary["received_bytes"]) == (1000, 5000)
    load = summary["load"]
    assert (load["connections"], load["connected"], load["failed_to_connect"]) == (50, 50, 0)
    assert load["requested_per_s"] == 2500  # 50 connections, each one every 20 ms
    assert 0 < load["achieved_per_s"] <= 2600
    trips = summary["round_trips"]
    assert (trips["replies"], trips["lost"]) == (1000, 0)
    assert "load run: 50 of 50 connections · requested 2,500/s · achieved " in done.stderr


def test_load_run_exits_1_when_connections_fail() -> None:
    done = run_cli(
        "send", "tcp", "127.0.0.1", str(free_port()), "x", "--connections", "3", "--quiet"
    )
    assert done.returncode == 1
    assert "failed: " in done.stderr and "Connection refused" in done.stderr


def test_load_run_to_a_peer_that_never_answers_loses_every_send(
    sink_server: SinkServer,
) -> None:
    done = run_cli(
        "send",
        "tcp",
        "127.0.0.1",
        str(sink_server.port),
        "x",
        "--connections",
        "2",
        "--count",
        "3",
        "--json",
        "--quiet",
    )
    assert done.returncode == 1  # the connections ended before their replies
    trips = _summary(done.stdout)["round_trips"]
    assert (trips["replies"], trips["lost"], trips["median_ms"]) == (0, 6, None)


def test_bad_round_trip_and_load_options_are_usage_errors(tmp_path: Path) -> None:
    port = str(free_port())
    cases = [
        (["tcp", "127.0.0.1", port, "x", "--connections", "0"], "--connections must be"),
        (["tcp", "127.0.0.1", port, "x", "--connections", "1001"], "--connections must be"),
        (["udp", "127.0.0.1", port, "x", "--connections", "2"], "--connections is for TCP"),
        (["tcp", "127.0.0.1", port, "x", "--reply-timeout", "5"], "--reply-timeout is for UDP"),
        (["udp", "127.0.0.1", port, "x", "--reply-timeout", "0"], "--reply-timeout must be"),
        (["tcp", "127.0.0.1", port, "--connections", "2"], "needs DATA"),
        (["tcp", "127.0.0.1", port, "x", "--rtt-csv", str(tmp_path / "r.csv")], "needs --wait"),
        (
            ["udp", "127.0.0.1", port, "x", "--rtt-csv", str(tmp_path / "no" / "r.csv")],
            "is not a folder",
        ),
    ]
    for args, reason in cases:
        done = run_cli("send", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert reason in done.stderr, (args, done.stderr)


def test_send_help_shows_the_new_options_with_examples() -> None:
    done = run_cli("send", "--help")
    assert done.returncode == 0
    for text in ("--connections N", "--rtt-csv PATH", "--reply-timeout MS", "exit codes:"):
        assert text in done.stdout
    assert "--connections 50 --count 20" in done.stdout
