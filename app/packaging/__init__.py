"""Build-time helpers of build.spec (PyInstaller); never part of the app or its bundle."""
