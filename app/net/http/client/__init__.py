"""The HTTP Client tab's engine: requests over the stream layer, with keep-alive,
redirects and a timing breakdown (result.py holds the types the worker and tab share)."""
