"""The UDP Listener's Rules mode: one rule conversation per peer, held replies sent when due.

A delayed reply goes from the socket the peer last sent to, as an immediate one does; a
peer that is forgotten (past MAX_PEERS) or a listener that stopped sends nothing more.
"Close" means nothing more for UDP: there is no connection to close.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from app.net.errors import describe
from app.net.events import EventSink, Kind, LogEvent, Source, make_event
from app.net.reactor import Reactor
from app.net.rules.conversation import RuleConversation
from app.net.rules.responder import Answer, Responder
from app.net.udp.listener_endpoints import Endpoint

SOURCE = Source.UDP_LISTENER
ANSWERED = "Answered by "  # the detail of a rule's reply: which rule
Address = tuple[object, ...]


class ListenerRules:
    """Lives in the reactor's thread, beside the UdpListener that owns it."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        route: Callable[[Address], Endpoint | None],
        on_sent: Callable[[int], None],
    ) -> None:
        self._reactor = reactor
        self._sink = sink
        self._route = route  # the endpoint to answer a peer from; None: not any more
        self._on_sent = on_sent
        self._peers: dict[Address, RuleConversation] = {}
        # What was said while answering, for the listener to put after the received row
        # in its batch (the batch reaches the log after the call returns).
        self.notes: list[LogEvent] = []

    def answer(
        self, responder: Responder, address: Address, name: str, data: bytes
    ) -> Answer | None:
        """The reply to send now; a delayed one is held and sent when due."""
        conversation = self._peers.get(address)
        if conversation is None:
            conversation = self._peers[address] = RuleConversation(
                self._reactor,
                partial(self._send_held, address, name),
                partial(self._say, name),
                name,
                scope="peer",
                closes=False,
            )
        return conversation.take(responder, data)

    def take_notes(self) -> list[LogEvent]:
        notes = self.notes
        if notes:
            self.notes = []
        return notes

    def forget(self, address: Address) -> None:
        conversation = self._peers.pop(address, None)
        if conversation is not None:
            conversation.cancel()

    def clear(self) -> None:
        """Drop every conversation and its held replies (Stop, or a new Start)."""
        for conversation in self._peers.values():
            conversation.cancel()
        self._peers.clear()

    def _send_held(self, address: Address, name: str, answer: Answer) -> None:
        endpoint = self._route(address)
        if endpoint is None or not answer.reply:  # an empty reply sends nothing
            return
        try:
            endpoint.sock.sendto(answer.reply, address)
        except OSError as exc:
            self._sink(
                make_event(
                    SOURCE,
                    Kind.ERROR,
                    f"{describe(exc)}: the reply of {answer.label} was not sent",
                    peer=name,
                )
            )
            return
        self._on_sent(len(answer.reply))
        self._sink(
            make_event(
                SOURCE,
                Kind.SENT,
                peer=name,
                data=answer.reply,
                detail=ANSWERED + answer.label,
                local=endpoint.name,
            )
        )

    def _say(self, name: str, message: str) -> None:
        self.notes.append(make_event(SOURCE, Kind.INFO, message, peer=name))
