"""Every row of the fault catalogue (tests/hardening/catalogue.md) names the tests that
provoke it, and every citation of a row in the tests points at a row that exists.

If a test is renamed or removed, this fails and says which row lost its proof.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

CATALOGUE_FILE = Path(__file__).with_name("catalogue.md")
TESTS = Path(__file__).resolve().parent.parent
_ROW = re.compile(r"^\| (\d+) \| ([^|]+?) \| ([^|]+?) \|$")
# "catalogue.md row 7", "catalogue.md rows 5-10" (hyphen or en dash).
_CITATION = re.compile(r"catalogue\.md rows? (\d+)(?:\s*[-\u2013]\s*(\d+))?")

# Row number of the catalogue → "module::test" that provokes it on loopback.
CATALOGUE: dict[int, list[str]] = {
    1: [
        "net.tcp.test_client::test_refused",
        "ui.tabs.test_tcp_client::test_refused_is_one_line_and_back_to_disconnected",
    ],
    2: [
        "net.tcp.test_client::test_unresolvable_name",
        "net.udp.test_sender::test_unresolvable_name",
    ],
    3: ["hardening.test_namespaces::test_no_network_at_all_is_one_clear_line_per_tab"],
    4: [
        "net.tcp.test_client::test_connect_timeout_and_backlog_full",
        "net.tcp.test_client::test_cancel_while_connecting",
        "hardening.test_namespaces::test_a_name_that_resolves_slowly_times_out_and_cancels_on_time",
    ],
    5: ["net.tcp.test_faults::test_silent_peer_then_disconnect_at_once"],
    6: ["net.tcp.test_faults::test_half_close_keeps_sending"],
    7: ["net.tcp.test_faults::test_reset_by_peer"],
    8: ["net.tcp.test_faults::test_broken_pipe_mid_send_reports_bytes_sent"],
    9: [
        "net.tcp.test_faults::test_slow_reader_gets_everything_with_progress",
        "net.tcp.test_faults::test_peer_that_never_reads_does_not_block_disconnect",
    ],
    10: [
        "net.tcp.test_faults::test_binary_and_control_bytes_are_kept_exactly",
        "hardening.test_formatters_fuzz::test_log_model_cells_never_raise",
    ],
    11: [
        "net.test_address::test_bad_ports",
        "hardening.test_field_input::test_out_of_range_numbers_cannot_be_typed",
    ],
    12: [
        "net.test_address::test_accepted",
        "net.test_address::test_refused_with_a_reason",
        "hardening.test_field_input::test_tcp_bracketed_ipv6_and_pasted_url_connect",
    ],
    13: ["net.udp.test_sender::test_empty_payload_is_a_zero_byte_datagram"],
    14: [
        "net.udp.test_sender::test_oversize_is_refused_and_the_limit_itself_goes",
        "hardening.test_floods::test_the_largest_datagrams_come_back_whole_to_a_listening_udp_tab",
    ],
    15: ["net.udp.test_sender::test_broadcast_needs_the_option"],
    16: ["net.udp.test_sender::test_no_listener_is_reported_and_the_socket_stays_usable"],
    17: [
        "net.http.test_server::test_port_in_use_is_one_log_line_and_stopped",
        "ui.tabs.test_http_server::test_port_in_use_returns_to_stopped",
    ],
    18: ["net.http.test_server::test_privileged_port_is_refused_clearly"],
    19: ["ui.tabs.test_http_server::test_network_bind_shows_a_warning_and_bad_bind_is_refused"],
    20: ["net.http.test_folder::test_nothing_outside_the_folder_is_served"],
    21: ["net.http.test_folder::test_no_open_redirect"],
    22: ["net.http.test_folder::test_listing_escapes_names"],
    23: [
        "net.http.test_failures::test_malformed_requests_get_a_real_status_line",
        "net.http.test_replay::test_replay",
        "hardening.test_http_fuzz::test_random_requests_get_a_valid_response_or_a_close",
    ],
    24: ["net.http.test_failures::test_oversized_requests_are_refused"],
    25: [
        "net.http.test_failures::test_trickling_headers_are_cut_off_while_others_are_served",
        "hardening.test_http_abuse::test_slowloris_one_header_byte_at_a_time_is_dropped_at_the_deadline",
        "hardening.test_http_abuse::test_a_thousand_idle_connections_others_served_and_stop_is_prompt",
    ],
    26: [
        "net.http.test_failures::test_a_body_hiding_a_request_is_never_served_as_one",
        "hardening.test_http_abuse::test_body_shorter_than_content_length_then_the_client_closes",
    ],
    27: [
        "net.http.test_failures::test_ambiguous_framing_is_400_and_the_connection_closes",
        "hardening.test_http_abuse::test_smuggling_shapes_are_refused_and_closed",
    ],
    28: [
        "net.http.test_failures::test_client_abort_mid_response_is_logged",
        "hardening.test_http_abuse::test_client_gone_before_or_during_the_response",
    ],
    29: ["net.http.test_server::test_stop_closes_keep_alive_connections_and_restart_works"],
    30: [
        "lifecycle.test_close_while_busy::test_close_while_tcp_udp_http_are_busy_exits_fast_and_clean"
    ],
    31: [
        "hardening.test_floods::test_a_256_mb_tcp_flood_is_counted_exactly_in_bounded_memory",
        "ui.tabs.test_udp_sender::test_a_repeat_run_of_a_thousand_all_arrive_and_are_counted",
    ],
    32: [
        "net.http.test_server::test_no_stderr_and_no_getfqdn_needed",
        "test_main_cli::test_a_windowed_build_without_streams_gets_harmless_ones",
    ],
    33: ["test_self_test::test_self_test_command_exits_0"],
    34: ["test_signal_refcounts::test_emits_across_threads_keep_refcounts"],
    38: [
        "net.rules.test_responder::test_a_catastrophic_regex_is_stopped_and_the_next_message_answered",
        "ui.tabs.test_tcp_server_rules::test_a_catastrophic_regex_is_logged_once_and_the_worker_answers_on",
        "ui.tabs.test_udp_listener_rules::test_a_bad_pattern_and_the_catastrophic_regex",
    ],
    39: [
        "net.rules.test_responder::test_bad_cells_are_reported_and_their_rules_are_off",
        "ui.tabs.test_tcp_server_rules::test_a_bad_pattern_is_marked_and_its_rule_is_off",
    ],
}


def catalogue_rows() -> dict[int, tuple[str, bool]]:
    """Row number -> (fault name, planned) as catalogue.md lists them."""
    rows: dict[int, tuple[str, bool]] = {}
    planned = False
    for line in CATALOGUE_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            planned = line.startswith("## Planned")
        match = _ROW.match(line)
        if match:
            number = int(match[1])
            assert number not in rows, f"row {number} is listed twice"
            rows[number] = (match[2], planned)
    return rows


def citations() -> list[tuple[str, int]]:
    """(file:line, row) for every row the test tree cites."""
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in _CITATION.finditer(line):
                first = int(match[1])
                last = int(match[2] or first)
                where = f"{path.relative_to(TESTS.parent)}:{number}"
                found.extend((where, row) for row in range(first, last + 1))
    return found


def test_the_catalogue_is_numbered_without_gaps() -> None:
    rows = catalogue_rows()
    assert sorted(rows) == list(range(1, max(rows) + 1))


def test_every_row_but_the_planned_ones_has_tests() -> None:
    rows = catalogue_rows()
    covered = sorted(n for n, (_name, planned) in rows.items() if not planned)
    assert sorted(CATALOGUE) == covered, "a row gained or lost its tests: update both"


def test_every_cited_row_exists() -> None:
    rows = catalogue_rows()
    cited = citations()
    assert len(cited) >= 6, "the citations in the test docstrings were not found"
    missing = [f"{where} cites row {row}" for where, row in cited if row not in rows]
    assert not missing, "\n".join(missing)


def test_nothing_cites_the_catalogue_outside_the_repository() -> None:
    stale = [
        f"{path.relative_to(TESTS.parent)}"
        for path in sorted(TESTS.rglob("*.py"))
        if path != Path(__file__) and "RELIABILITY" in path.read_text(encoding="utf-8")
    ]
    assert not stale, f"cite tests/hardening/catalogue.md instead: {stale}"


@pytest.mark.parametrize("row", sorted(CATALOGUE))
def test_the_named_tests_exist(row: int) -> None:
    for ref in CATALOGUE[row]:
        module_name, _, function = ref.partition("::")
        module = importlib.import_module(f"tests.{module_name}")
        assert callable(getattr(module, function, None)), f"row {row}: {ref} is gone"
