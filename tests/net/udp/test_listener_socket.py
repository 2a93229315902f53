"""The UDP Listener's sockets: binding with one clear reason, groups checked, on loopback."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

from app.net.udp.listener_socket import (
    BindFailed,
    check_group,
    group_family,
    interface_index,
    join_group,
    leave_group,
    open_listening_socket,
    parse_ip,
)
from tests.udp_peers import free_udp_port


@pytest.mark.parametrize(
    ("text", "expected"),
    [("127.0.0.1", "127.0.0.1"), (" ::1 ", "::1"), ("[::1]", "::1"), ("fe80::1%lo", "fe80::1")],
)
def test_parse_ip_takes_brackets_and_scopes(text: str, expected: str) -> None:
    assert parse_ip(text) == ipaddress.ip_address(expected)


@pytest.mark.parametrize(
    ("host", "family", "peer"),
    [
        ("127.0.0.1", socket.AF_INET, "127.0.0.1"),
        ("[::1]", socket.AF_INET6, "::1"),
        ("::", socket.AF_INET6, "127.0.0.1"),  # dual-stack: IPv4 arrives too
    ],
)
def test_a_bound_socket_hears_its_address(host: str, family: int, peer: str) -> None:
    with open_listening_socket(host, 0) as sock:
        assert sock.family == family and sock.getblocking() is False
        port = sock.getsockname()[1]
        with socket.socket(
            socket.AF_INET6 if ":" in peer else socket.AF_INET, socket.SOCK_DGRAM
        ) as c:
            c.sendto(b"here", (peer, port))
        sock.settimeout(5)
        assert sock.recv(10) == b"here"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("not-an-address", "Bad bind address 'not-an-address': enter an IP address"),
        ("999.1.1.1", "Bad bind address '999.1.1.1'"),
        ("localhost", "Bad bind address 'localhost'"),  # names are resolved before this
        ("192.0.2.1", "192.0.2.1 is not an address of this machine: cannot listen on 192.0.2.1:"),
    ],
)
def test_bad_bind_address(host: str, expected: str) -> None:
    with pytest.raises(BindFailed) as raised:
        open_listening_socket(host, free_udp_port())
    assert str(raised.value).startswith(expected), raised.value


def test_port_in_use_says_so() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        with pytest.raises(BindFailed) as raised:
            open_listening_socket("127.0.0.1", port)
    assert str(raised.value) == (
        f"Port {port} is in use on 127.0.0.1 (another program listens on 127.0.0.1:{port})"
    )


def low_ports_need_privileges() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", 1))
        except PermissionError:
            return True
        except OSError:
            return False
    return False


@pytest.mark.skipif(not low_ports_need_privileges(), reason="this user may bind low ports")
def test_permission_denied() -> None:
    with pytest.raises(BindFailed, match=r"Permission denied listening on 127\.0\.0\.1:1 "):
        open_listening_socket("127.0.0.1", 1)


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("", ""),
        ("   ", ""),
        (" 239.1.2.3 ", "239.1.2.3"),
        ("[ff02::1:3]", "ff02::1:3"),
        ("ff02::1%lo", "ff02::1%lo"),
        ("224.0.0.251", "224.0.0.251"),
    ],
)
def test_check_group_accepts_multicast_and_nothing(text: str, group: str) -> None:
    assert check_group(text) == group


@pytest.mark.parametrize("text", ["10.0.0.1", "nonsense", "::1", "240.0.0.1", " 127.0.0.1 "])
def test_check_group_refuses_what_is_not_a_group(text: str) -> None:
    with pytest.raises(BindFailed) as raised:
        check_group(text)
    assert str(raised.value).startswith(f"{text.strip()!r} is not a multicast group (IPv4 224")


def test_group_family() -> None:
    assert group_family("239.1.2.3") == socket.AF_INET
    assert group_family("ff02::1") == socket.AF_INET6


def test_interface_index_of_scopes_and_unknown_addresses() -> None:
    assert interface_index("::") == 0
    assert interface_index("fe80::1%7") == 7
    assert interface_index("2001:db8::1") == 0  # not an address of this machine: any


@pytest.mark.skipif(
    "lo" not in {name for _, name in socket.if_nameindex()}, reason="no interface named lo"
)
def test_interface_index_finds_loopback_by_name_and_by_address() -> None:
    lo = socket.if_nametoindex("lo")
    assert interface_index("fe80::1%lo") == lo
    if (
        Path("/proc/net/if_inet6").is_file()
        and "0" * 31 + "1" in Path("/proc/net/if_inet6").read_text()
    ):
        assert interface_index("::1") == lo


def test_a_join_the_kernel_refuses_is_one_line_and_leave_never_raises() -> None:
    # An IPv6 group on an IPv4 socket: the kernel refuses the option.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(BindFailed) as raised:
            join_group(sock, "ff02::1:3", "::1")
        assert str(raised.value).startswith(
            "Joining multicast group ff02::1:3 on ::1 was refused: "
        )
        leave_group(sock, "239.1.2.3", b"\0" * 8)  # never joined: closing covers it
        leave_group(sock, "ff02::1", b"\0" * 20)
