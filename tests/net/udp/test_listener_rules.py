"""The UDP Listener in Rules mode against real UDP peers on loopback, without Qt."""

from __future__ import annotations

import time

import pytest

from app.net.events import Kind
from app.net.reply import ReplyMode
from app.net.rules.responder import compile_rows
from tests.net.udp.test_listener import Listening, client, listening, name_of

__all__ = ["listening"]  # the fixture, used by name

RULES = compile_rows(
    [
        ["Exact", "slow", "S", "Text", "600", "Keep open"],
        ["Regex", r"^GET (\w+)", "got $1", "Text", "0", "Keep open"],
        ["Hex pattern", "02 ?? 03", "06", "Hex", "0", "Close"],
        ["Contains", "mute", "", "Text", "0", "Keep open"],
    ]
)


def test_rules_answer_each_peer_and_log_which_rule(listening: Listening) -> None:
    listening.start()
    listening.listener.set_reply(ReplyMode.RULES, b"", RULES)
    address = ("127.0.0.1", listening.port())
    with client() as peer:
        peer.sendto(b"GET apples", address)
        assert peer.recv(100) == b"got apples"
        # Close means nothing more for UDP: the peer is answered again afterwards.
        peer.sendto(b"\x02\xff\x03", address)
        assert peer.recv(100) == b"\x06"
        peer.sendto(b"GET pears", address)
        assert peer.recv(100) == b"got pears"
        listening.loop.wait_for(lambda: len(listening.rows(Kind.SENT)) == 3)
    details = [e.detail for e in listening.rows(Kind.SENT)]
    assert details == [
        'Answered by rule 2 (Regex "^GET (\\w+)")',
        'Answered by rule 3 (Hex pattern "02 ?? 03")',
        'Answered by rule 2 (Regex "^GET (\\w+)")',
    ]


def test_a_delay_holds_only_that_peer(listening: Listening) -> None:
    listening.start()
    listening.listener.set_reply(ReplyMode.RULES, b"", RULES)
    address = ("127.0.0.1", listening.port())
    with client() as slow, client() as quick:
        started = time.monotonic()
        slow.sendto(b"slow", address)
        quick.sendto(b"GET x", address)
        assert quick.recv(100) == b"got x"
        assert time.monotonic() - started < 0.6
        assert slow.recvfrom(100) == (b"S", address)
        assert time.monotonic() - started >= 0.59
        listening.loop.wait_for(lambda: len(listening.rows(Kind.SENT)) == 2)
        held = listening.rows(Kind.SENT)[1]
        assert (held.peer, held.data, held.local) == (
            name_of(slow),
            b"S",
            f"127.0.0.1:{address[1]}",
        )
        listening.wait_status(lambda status: status.sent == 2)


def test_no_match_is_said_once_per_peer_and_in_order(listening: Listening) -> None:
    listening.start()
    listening.listener.set_reply(ReplyMode.RULES, b"", RULES)
    address = ("127.0.0.1", listening.port())
    with client() as peer, client() as other:
        for sock in (peer, peer, other):
            sock.sendto(b"what", address)
        peer.sendto(b"mute", address)  # matched: an empty reply sends nothing
        listening.loop.wait_for(lambda: len(listening.rows(Kind.RECEIVED)) == 4)
        peer.setblocking(False)  # a reply would have left before the datagram was logged
        with pytest.raises(BlockingIOError):
            peer.recv(100)
        names = sorted([name_of(peer), name_of(other)])
    said = [e for e in listening.loop.events if "No rule matched" in e.message]
    assert sorted(e.peer for e in said) == names
    assert said[0].message.endswith("(said once per peer)")
    # Each notice follows the datagram it is about.
    events = listening.loop.events
    first = events.index(said[0])
    assert events[first - 1].kind is Kind.RECEIVED and events[first - 1].peer == said[0].peer
    assert not listening.rows(Kind.SENT)


def test_stop_drops_held_replies(listening: Listening) -> None:
    listening.start()
    listening.listener.set_reply(ReplyMode.RULES, b"", RULES)
    address = ("127.0.0.1", listening.port())
    with client() as peer:
        peer.sendto(b"slow", address)
        listening.loop.wait_for(lambda: len(listening.rows(Kind.RECEIVED)) == 1)
        listening.stop()
        peer.settimeout(0.8)  # past the 600 ms the reply was held for
        with pytest.raises(TimeoutError):
            peer.recv(100)
