"""Events that exercise every corner of the export formats."""

from __future__ import annotations

from app.net.events import Kind, LogEvent, Source

T0 = 1_700_000_000.25
BIG = bytes(range(256)) * 400  # 102,400 bytes: more than one IP packet holds
AWKWARD = b"\xff\xfe\x00\x1b[2J\\n \r\n\t\xc3\xa9\xe2\x80\x8b"


def sample_events() -> list[LogEvent]:
    def ev(
        n: int,
        source: Source,
        kind: Kind,
        peer: str = "",
        data: bytes = b"",
        message: str = "",
        size: int | None = None,
        detail: str = "",
        local: str = "",
    ) -> LogEvent:
        return LogEvent(
            T0 + n * 0.001,
            source,
            kind,
            peer,
            data,
            message,
            len(data) if size is None else size,
            detail,
            local,
        )

    tcp = "127.0.0.1:8000"
    return [
        ev(0, Source.TCP, Kind.INFO, tcp, message="Connecting to 127.0.0.1:8000…"),
        ev(
            1,
            Source.TCP,
            Kind.INFO,
            tcp,
            message="Connected to 127.0.0.1:8000 from 127.0.0.1:50312",
            local="127.0.0.1:50312",
        ),
        ev(2, Source.TCP, Kind.SENT, tcp, b"Hello, server!", local="127.0.0.1:50312"),
        ev(3, Source.TCP, Kind.RECEIVED, tcp, b"Hello, client!\r\n", local="127.0.0.1:50312"),
        ev(4, Source.TCP, Kind.SENT, tcp, AWKWARD),
        ev(5, Source.TCP, Kind.RECEIVED, tcp, BIG),
        ev(6, Source.TCP, Kind.RECEIVED, tcp, BIG[:4096], size=70_000),
        ev(7, Source.UDP, Kind.SENT, "[::1]:5353", b"=1+1"),
        ev(8, Source.UDP, Kind.RECEIVED, "[::1]:5353", b"-answer"),
        ev(9, Source.UDP, Kind.SENT, "example.com:53", b"\x00\x01query"),
        ev(10, Source.UDP, Kind.SENT, "[fe80::1%lo]:9", b""),
        ev(11, Source.HTTP, Kind.RECEIVED, "127.0.0.1:40000", b"GET / HTTP/1.1\r\n\r\n"),
        ev(
            12,
            Source.TCP,
            Kind.ERROR,
            tcp,
            message='Connection reset by peer: 127.0.0.1:8000\nsecond line, "quoted", comma',
            detail="Traceback (most recent call last):\n  ...",
        ),
        ev(13, Source.APP, Kind.INFO, message="Ünïcödé message ✓"),
    ]
