"""Lets `python -m app` start the program."""

from app.main import main

raise SystemExit(main())
