"""Replies of one conversation on a running Reactor: delays held, order kept, Close last,
and what is said once said once."""

from __future__ import annotations

import threading
import time

from app.net.rules.conversation import RuleConversation
from app.net.rules.responder import STRIKES_BEFORE_OFF, Answer, compile_rows
from tests.net.reactor_harness import ReactorThread

RULES = compile_rows(
    [
        ["Exact", "slow", "S", "Text", "300", "Keep open"],
        ["Exact", "fast", "F", "Text", "0", "Keep open"],
        ["Exact", "later", "L", "Text", "50", "Keep open"],
        ["Exact", "bye", "B", "Text", "100", "Close"],
        ["Regex", "(a|aa)+$", "never", "Text", "0", "Keep open"],
    ]
)


class Recorder:
    """The conversation's send and say, with when each reply left (monotonic)."""

    def __init__(self, loop: ReactorThread) -> None:
        self.loop = loop
        self.sent: list[tuple[float, bytes]] = []
        self.said: list[str] = []
        self.now: list[tuple[float, bytes]] = []  # answers `take` returned for sending now
        self._sent_changed = threading.Condition()
        self.conversation = RuleConversation(loop.reactor, self.send, self.said.append, "peer:1")

    def send(self, answer: Answer) -> None:
        with self._sent_changed:
            self.sent.append((time.monotonic(), answer.reply))
            self._sent_changed.notify_all()

    def take(self, *messages: bytes) -> float:
        """Feed messages in the loop thread, one call; when they were fed."""
        done = threading.Event()
        fed: list[float] = []

        def feed() -> None:
            fed.append(time.monotonic())
            for message in messages:
                answer = self.conversation.take(RULES, message)
                if answer is not None:
                    self.now.append((time.monotonic(), answer.reply))
            done.set()

        self.loop.reactor.call_soon(feed)
        assert done.wait(5)
        return fed[0]

    def wait_sent(self, count: int) -> None:
        with self._sent_changed:
            sent = self._sent_changed.wait_for(lambda: len(self.sent) >= count, timeout=5)
            assert sent, f"only {self.sent}"


def test_an_undelayed_reply_is_sent_by_the_caller_at_once(loop: ReactorThread) -> None:
    talk = Recorder(loop)
    talk.take(b"fast")
    assert [reply for _t, reply in talk.now] == [b"F"] and talk.sent == []


def test_a_delay_holds_only_its_reply_and_order_is_kept(loop: ReactorThread) -> None:
    talk = Recorder(loop)
    fed = talk.take(b"slow", b"fast", b"later")
    assert talk.now == []  # "fast" waits behind "slow": replies keep the messages' order
    assert talk.conversation.held == 3
    talk.wait_sent(3)
    assert [reply for _t, reply in talk.sent] == [b"S", b"F", b"L"]
    assert talk.sent[0][0] - fed >= 0.29
    # Not cumulative: "later" (50 ms) goes right behind "slow", not 50 ms after it.
    assert talk.sent[2][0] - talk.sent[0][0] < 0.2


def test_other_conversations_are_not_held(loop: ReactorThread) -> None:
    one, two = Recorder(loop), Recorder(loop)
    one.take(b"slow")
    two.take(b"fast")
    assert [reply for _t, reply in two.now] == [b"F"]
    assert one.conversation.held == 1


def test_close_is_the_last_answer(loop: ReactorThread) -> None:
    talk = Recorder(loop)
    talk.take(b"bye", b"fast")
    assert talk.conversation.closing
    talk.wait_sent(1)
    assert [reply for _t, reply in talk.sent] == [b"B"]
    assert talk.now == []


def test_cancel_drops_what_is_held(loop: ReactorThread) -> None:
    talk = Recorder(loop)
    talk.take(b"later", b"later")
    dropped: list[int] = []
    done = threading.Event()
    loop.reactor.call_soon(lambda: (dropped.append(talk.conversation.cancel()), done.set()))
    assert done.wait(5)
    assert dropped == [2] and talk.conversation.held == 0
    talk.take(b"fast")  # nothing is held any more: answered at once
    assert [reply for _t, reply in talk.now] == [b"F"]
    talk.take(b"slow")  # due 300 ms on, well after the cancelled ones would have been
    talk.wait_sent(1)
    assert [reply for _t, reply in talk.sent] == [b"S"]


def test_no_match_and_time_outs_are_said_once(loop: ReactorThread) -> None:
    talk = Recorder(loop)
    talk.take(b"what", b"what again", b"a" * 40 + b"b", b"a" * 40 + b"b", b"fast")
    assert len(talk.said) == 2, talk.said
    assert talk.said[0] == (
        "No rule matched a 4-byte message from peer:1: nothing sent (said once per connection)"
    )
    assert talk.said[1].startswith('The pattern of rule 5 (Regex "(a|aa)+$") took longer than')
    assert [reply for _t, reply in talk.now] == [b"F"]


def test_a_rule_turned_off_is_said_whatever_was_said_before(loop: ReactorThread) -> None:
    rules = compile_rows([["Regex", "(a|aa)+$", "x", "Text", "0", "Keep open"]], limit=0.02)
    talk = Recorder(loop)
    done = threading.Event()

    def feed() -> None:
        for _ in range(STRIKES_BEFORE_OFF):
            talk.conversation.take(rules, b"a" * 40 + b"b")
        done.set()

    loop.reactor.call_soon(feed)
    assert done.wait(5)
    timed_out = [m for m in talk.said if "took longer than" in m]
    turned_off = [m for m in talk.said if " is off: " in m]
    assert len(timed_out) == 1
    assert turned_off == [
        'Rule 1 (Regex "(a|aa)+$") is off: its pattern ran out of time 3 times (on a message '
        "from peer:1); edit the rules to turn it back on"
    ]
