"""TLS as a layer between a stream's socket and its protocol (see transport.py)."""
