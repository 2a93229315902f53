"""QThread adapters: each runs one net/ object's Reactor and reports through signals."""
