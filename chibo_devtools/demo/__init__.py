"""The offline demo: the real bot against the local Bot API simulator, with a sample commune."""
