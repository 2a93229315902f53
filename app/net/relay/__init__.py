"""The Relay: a man in the middle between a client and a real server, logging both
directions and breaking the link on purpose (delay, jitter, rate, drop, corrupt, chunk,
close after N bytes). `faults.py` and `schedule.py` are sans-IO; `tcp_relay.py` and
`udp_relay.py` put them on the Reactor; `relay.py` is the one object a worker drives."""
