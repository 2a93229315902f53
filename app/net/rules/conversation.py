"""One TCP connection's (or one UDP peer's) side of the rules: replies in order, each at its time.

Delay holds only its own reply: the message is logged at once, other connections and
later messages are matched at once, and the reply leaves from a Reactor timer. Within one
conversation replies keep the order of the messages they answer: a reply due earlier than
one still held waits for it (due = max(arrival + delay, the previous reply's due)), as a
server answering its requests in turn would. A Close reply is the last: messages after it
are logged but not answered (over TCP; a UDP peer has no connection to close).

What a person need hear once is said once per conversation: that a message matched no
rule, and that a rule's pattern ran out of time.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from app.net.reactor import Reactor, Timer
from app.net.rules.responder import STRIKES_BEFORE_OFF, Answer, Responder, RuleTimeout
from app.units import plural


class RuleConversation:
    """Lives in the reactor's thread. `send(answer)` is called for each reply held till due."""

    def __init__(
        self,
        reactor: Reactor,
        send: Callable[[Answer], None],
        say: Callable[[str], None],
        who: str,
        scope: str = "connection",
        closes: bool = True,
    ) -> None:
        self._reactor = reactor
        self._send = send
        self._say = say
        self._who = who
        self._scope = scope
        self._closes = closes  # False for UDP: there is no connection for Close to end
        self._held: deque[tuple[Timer, Answer]] = deque()
        self._last_due = 0.0
        self._said_no_match = False
        self._timed_out: set[int] = set()
        self.closing = False  # a Close reply was given: nothing more is answered

    @property
    def held(self) -> int:
        """Replies waiting for their time."""
        return len(self._held)

    def take(self, responder: Responder, message: bytes) -> Answer | None:
        """The answer to send now, if any; a delayed one is held and sent through `send`."""
        if self.closing:
            return None
        answer = responder.answer(message, self._timeout)
        if answer is None:
            if not self._said_no_match:
                self._said_no_match = True
                self._say(
                    f"No rule matched a {len(message):,}-byte message from {self._who}: "
                    f"nothing sent (said once per {self._scope})"
                )
            return None
        if answer.close and self._closes:
            self.closing = True
        now = time.monotonic()
        due = max(now + answer.delay, self._last_due)
        if due <= now and not self._held:
            return answer
        self._last_due = due
        self._held.append((self._reactor.call_later(due - now, self._release), answer))
        return None

    def cancel(self) -> int:
        """Drop the held replies (the connection is gone); how many there were."""
        dropped = len(self._held)
        for timer, _answer in self._held:
            timer.cancel()
        self._held.clear()
        self._last_due = 0.0
        return dropped

    def _release(self) -> None:
        # The oldest held reply goes, whichever timer fired: timers due at the same
        # moment may fire in either order, replies may not.
        if self._held:
            _timer, answer = self._held.popleft()
            self._send(answer)

    def _timeout(self, timeout: RuleTimeout) -> None:
        if timeout.turned_off:  # once per Responder: always said
            self._say(
                f"{timeout.label[0].upper()}{timeout.label[1:]} is off: its pattern ran out "
                f"of time {plural(STRIKES_BEFORE_OFF, 'time')} (on a message from "
                f"{self._who}); edit the rules to turn it back on"
            )
            return
        if timeout.rule in self._timed_out:
            return
        self._timed_out.add(timeout.rule)
        self._say(
            f"The pattern of {timeout.label} took longer than {timeout.limit * 1000:.0f} ms on "
            f"a message from {self._who} and was stopped: counted as no match, the next rule "
            f"was tried (said once per {self._scope})"
        )
