"""WebSocket (RFC 6455) on the stream layer, with wsproto as the protocol: the HTTP
Client tab's client and the HTTP Server's "WebSocket echo" mode."""
