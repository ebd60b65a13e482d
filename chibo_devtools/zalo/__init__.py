"""A local fake Zalo Bot Platform with simulated people, for tests, the demo and benchmarks."""

from chibo_devtools.zalo.people import (
    Replies,
    SentMessage,
    SentPhoto,
    SimUser,
    TranscriptEntry,
    render_transcript,
)
from chibo_devtools.zalo.server import ApiError, FakeZalo

__all__ = [
    "ApiError",
    "FakeZalo",
    "Replies",
    "SentMessage",
    "SentPhoto",
    "SimUser",
    "TranscriptEntry",
    "render_transcript",
]
