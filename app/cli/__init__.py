"""The command line: send, listen, serve and relay on the same `net/` objects as the tabs.

No Qt is imported here or by anything this package imports (tests/test_layers.py and a
`python -X importtime` test check it): a command starts as fast as Python does.
"""

COMMANDS = ("send", "listen", "serve", "relay")


def is_command(argv: list[str]) -> bool:
    """True when the arguments name a command rather than the GUI's options."""
    return bool(argv) and argv[0] in COMMANDS
