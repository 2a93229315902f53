"""The TLS choices of a tab as records: ALPN lists, addresses, the name checked."""

from __future__ import annotations

from app.net.tls.options import ClientTlsOptions, is_address, parse_alpn


def test_alpn_list_from_text() -> None:
    assert parse_alpn(" h2, http/1.1 ,,") == ("h2", "http/1.1")
    assert parse_alpn("") == ()


def test_addresses_and_names() -> None:
    assert is_address("127.0.0.1") and is_address("::1") and is_address("fe80::1%eth0")
    assert not is_address("localhost") and not is_address("example.com")


def test_the_name_checked_defaults_to_the_host() -> None:
    assert ClientTlsOptions().name_for("example.com") == "example.com"
    assert ClientTlsOptions(server_name=" api.example ").name_for("10.0.0.1") == "api.example"
