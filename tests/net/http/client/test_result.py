from app.net.http.client.result import ExchangeResult, Failure, Phase


def test_header_lookup_ignores_case_and_takes_the_first() -> None:
    result = ExchangeResult(
        "http://127.0.0.1:8000/", 200, "OK", "HTTP/1.1", (("Set-Cookie", "a"), ("set-cookie", "b"))
    )
    assert result.header("SET-COOKIE") == "a"
    assert result.header("Location") is None


def test_ok_only_with_a_status_and_no_failure() -> None:
    assert ExchangeResult("http://x/", 204).ok
    assert not ExchangeResult("http://x/").ok
    failed = ExchangeResult("http://x/", failure=Failure(Phase.CONNECT, "Connection refused"))
    assert not failed.ok
    assert not ExchangeResult("http://x/", 200, cancelled=True).ok
