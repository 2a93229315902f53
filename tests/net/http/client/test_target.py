"""URLs as the engine reads them: origin, Host header, request-target, redirects."""

from __future__ import annotations

import pytest

from app.net.http.client.target import TargetError, parse_target, redirect_url


@pytest.mark.parametrize(
    ("url", "host", "port", "authority", "path"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1", 8000, "127.0.0.1:8000", "/"),
        ("HTTP://Example.COM/a?b=c#frag", "example.com", 80, "example.com", "/a?b=c"),
        ("https://example.com:443/x", "example.com", 443, "example.com", "/x"),
        ("https://example.com:8443/", "example.com", 8443, "example.com:8443", "/"),
        ("http://[::1]:8080/v6", "::1", 8080, "[::1]:8080", "/v6"),
        ("http://h.test/a b/é?q=1 2", "h.test", 80, "h.test", "/a%20b/%C3%A9?q=1%202"),
        ("http://h.test/already%20encoded", "h.test", 80, "h.test", "/already%20encoded"),
    ],
)
def test_parse(url: str, host: str, port: int, authority: str, path: str) -> None:
    target = parse_target(url)
    assert (target.host, target.port, target.authority, target.request_target) == (
        host,
        port,
        authority,
        path,
    )
    assert "#" not in target.url and target.url.endswith(path)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("example.com/", "not an http:// or https:// URL"),
        ("ws://example.com/", "not HTTP"),
        ("http://user:pw@example.com/", "Credentials"),
        ("http://example.com:99999/", "port"),
        ("http:///path", "host"),
        ("http://exa mple.com/", "spaces"),
    ],
)
def test_refused(url: str, reason: str) -> None:
    with pytest.raises(TargetError, match=reason):
        parse_target(url)


def test_tls_is_the_https_scheme() -> None:
    assert parse_target("https://a.test/").tls and not parse_target("http://a.test/").tls


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("/top", "http://h.test:81/top"),
        ("sibling", "http://h.test:81/dir/sibling"),
        ("../up", "http://h.test:81/up"),
        ("//other.test/x", "http://other.test/x"),
        ("https://secure.test/", "https://secure.test/"),
    ],
)
def test_redirect_locations_are_read_against_the_current_url(location: str, expected: str) -> None:
    assert redirect_url("http://h.test:81/dir/page?q=1", location) == expected


def test_an_international_name_travels_as_idna() -> None:
    target = parse_target("http://bücher.test:8080/")
    assert target.host == "xn--bcher-kva.test" and target.authority == "xn--bcher-kva.test:8080"
