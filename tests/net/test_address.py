"""What a person may type as a host: accepted forms and clear refusals."""

from __future__ import annotations

import pytest

from app.net.address import AddressError, HostInput, format_peer, parse_host, parse_port


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", HostInput("127.0.0.1")),
        ("  localhost ", HostInput("localhost")),
        ("::1", HostInput("::1")),
        ("[::1]", HostInput("::1")),
        ("[::1]:8080", HostInput("::1", 8080)),
        ("fe80::1%1", HostInput("fe80::1%1")),
        ("example.com:8000", HostInput("example.com", 8000)),
        ("http://127.0.0.1:8000/path?q=1", HostInput("127.0.0.1", 8000)),
        ("https://example.com/", HostInput("example.com", 443)),
        ("http://[::1]:9000/", HostInput("::1", 9000)),
        ("my_host.local", HostInput("my_host.local")),
        ("bücher.example", HostInput("bücher.example")),
    ],
)
def test_accepted(text: str, expected: HostInput) -> None:
    assert parse_host(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Enter a host"),
        ("   ", "Enter a host"),
        ("my host", "cannot contain spaces"),
        ("300.1.1.1", "not a valid IPv4 address"),
        ("1.2.3", "not a valid IPv4 address"),
        ("::1::", "not a valid IPv6 address"),
        ("[::1", "must be closed"),
        ("[::1]x", "Unexpected"),
        ("fe80::1%", "scope"),
        ("fe80::1%no-such-interface0", "No network interface"),
        ("a" * 300, "at most 253"),
        ("a" * 64 + ".com", "not a valid host name"),
        ("-bad-.com", "not a valid host name"),
        ("host:99999", "from 1 to 65535"),
        ("host:abc", "must be a number"),
        ("http://:80/", "No host"),
    ],
)
def test_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(AddressError, match=reason):
        parse_host(text)


@pytest.mark.parametrize("text", ["0", "65536", "-1", "70000", "http"])
def test_bad_ports(text: str) -> None:
    with pytest.raises(AddressError):
        parse_port(text)


def test_format_peer() -> None:
    assert format_peer("::1", 80) == "[::1]:80"
    assert format_peer("127.0.0.1", 80) == "127.0.0.1:80"
