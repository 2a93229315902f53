"""Socket Tester: a desktop tool to talk TCP, UDP and HTTP and watch every byte."""

__version__ = "0.1.0"
