"""The relay fixture for every relay test."""

from tests.net.relay.relay_harness import relay

__all__ = ["relay"]
