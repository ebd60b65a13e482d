"""The database: SQL lives here and nowhere else; functions return frozen dataclasses."""
