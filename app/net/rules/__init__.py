"""Answer by rule: the TCP Server and UDP Listener tabs' responder (see responder.py)."""
