from app.net.events import Kind, LogEvent, Source
from app.net.udp.sent_events import rendered_sent_events, sent_events, spread_stamps


def test_the_datagrams_of_one_call_are_stamped_evenly_from_its_start() -> None:
    stamps: list[int] = [5]
    spread_stamps(stamps, 1_000, 1_400, 4)
    assert stamps == [5, 1_000, 1_100, 1_200, 1_300]
    spread_stamps(stamps, 2_000, 9_000, 1)  # a lone datagram: never after the call began
    assert stamps[-1] == 2_000


def test_sent_events_of_one_datagram_and_of_rendered_ones() -> None:
    same = sent_events([1.0, 2.0], "127.0.0.1:9", b"hi", "note")
    assert same == [
        LogEvent(t, Source.UDP, Kind.SENT, "127.0.0.1:9", b"hi", "note", 2) for t in (1.0, 2.0)
    ]
    differ = rendered_sent_events(iter([1.0, 2.0, 3.0]), "p", [b"a", b"bc"])
    assert [(e.time, e.data, e.size, e.message) for e in differ] == [
        (1.0, b"a", 1, ""),
        (2.0, b"bc", 2, ""),
    ]
