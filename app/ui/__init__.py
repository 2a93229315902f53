"""Widgets: the tabs that turn clicks into worker commands, and the shared log pane."""
