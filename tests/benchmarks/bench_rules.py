"""Rules: 100,000 messages against 50 rules answered by the TCP Server tab, next to Echo.

Both runs go through the same window, worker and load generator (tcp_echo_load.py, in a
process of its own), with every message and reply logged; only the reply mode differs.
The 50 rules mix all five kinds and the one that matches is the 48th, so each message is
tried against 47 rules that miss (ten of them regexes, ten hex patterns) before it.
The engine alone (no socket, no log) is measured too, to show where the time goes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.benchmarks.gui_harness import figure, process_until

CLIENTS = 100
ROUNDS = 1000
MESSAGE = b"GET /items/42\n"
REPLY = b"item 42\n"
MATCHING_RULE = 48


def rule_rows() -> list[list[str]]:
    misses: list[list[str]] = []
    for i in range(10):
        misses += [
            ["Exact", f"cmd{i}", "no", "Text", "0", "Keep open"],
            ["Starts with", f"CMD{i} ", "no", "Text", "0", "Keep open"],
            ["Contains", f"token{i}", "no", "Text", "0", "Keep open"],
            ["Regex", rf"^POST /x{i}/(\d+)", "no $1", "Text", "0", "Keep open"],
            ["Hex pattern", f"AA {i:02x} ?? 55 *", "00", "Hex", "0", "Keep open"],
        ]
    rows = misses[: MATCHING_RULE - 1]
    rows.append(["Regex", r"^GET /items/(\d+)", "item $1\\n", "Text", "0", "Keep open"])
    rows += misses[MATCHING_RULE - 1 : 49]
    assert len(rows) == 50
    return rows


def engine_rate() -> float:
    """Answers a second of the compiled rules alone, in this thread."""
    from app.net.rules.responder import compile_rows

    responder = compile_rows(rule_rows())
    assert not responder.errors and responder.active == 50
    answer = responder.answer(MESSAGE)
    assert answer is not None and answer.reply == REPLY and answer.rule == MATCHING_RULE
    count = 20_000
    best = float("inf")
    for _ in range(3):  # the best of three: other processes share the cores
        start = time.perf_counter()
        for _ in range(count):
            responder.answer(MESSAGE)
        best = min(best, time.perf_counter() - start)
    return count / best


def _load(port: int, message: bytes, reply: int) -> dict[str, float]:
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.tcp_echo_load",
            "echo",
            str(port),
            str(CLIENTS),
            str(ROUNDS),
            str(len(message)),
            message.hex(),
            str(reply),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    process_until(lambda: run.poll() is not None, timeout=600)
    out, _ = run.communicate(timeout=60)
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    if result["bad"]:
        raise RuntimeError(f"the load generator saw closed connections: {result}")
    return result


def tab_rates() -> tuple[float, float]:
    """(echo answers/s, rules answers/s) of the TCP Server tab, every row logged."""
    from app.main import create_main_window
    from app.ui.tabs.tcp_server import TcpServerTab
    from tests.peers import free_port

    window = create_main_window()
    window.show()
    tab = window.tab(TcpServerTab)
    assert isinstance(tab, TcpServerTab)
    tab.replies.rules.model.set_rows(rule_rows())
    model = window.log_pane.model
    port = free_port()
    tab.port.setValue(port)
    tab.start_button.click()
    if not process_until(lambda: tab.listening, timeout=10):
        raise RuntimeError(f"the server did not start: {tab.status.plain_text()}")
    rates = []
    for mode, reply in (("Echo", MESSAGE), ("Rules", REPLY)):
        tab.replies.mode.setCurrentText(mode)
        sent_before = model.totals.sent_bytes
        result = _load(port, MESSAGE, len(reply))
        expected = CLIENTS * ROUNDS * len(reply)
        if not process_until(
            lambda e=expected, b=sent_before: model.totals.sent_bytes - b >= e,
            timeout=120,
        ):
            raise RuntimeError(f"{mode}: only {model.totals.sent_bytes - sent_before:,} bytes")
        rates.append(result["echoes"] / result["seconds"])
    window.close()
    return rates[0], rates[1]


def run() -> list[dict[str, object]]:
    alone = engine_rate()
    echo, rules = tab_rates()
    messages = CLIENTS * ROUNDS
    return [
        figure(
            f"Rules: {messages:,} messages, 50 rules, match at rule {MATCHING_RULE} (tab, logged)",
            rules,
            "answers/s",
            echo,
            ">= 0.5x Echo mode, same run",
            rules >= 0.5 * echo,
        ),
        figure(
            "Rules: the engine alone, 50 rules, match at 48",
            alone,
            "answers/s",
            None,
            ">= 3x the tab's rate (not what limits it)",
            alone >= 3 * rules,
        ),
    ]


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
