"""A local fake Telegram Bot API with simulated people, for tests, the demo and benchmarks."""

from chibo_devtools.telegram.people import (
    CallbackAnswer,
    Deletion,
    Edit,
    Replies,
    SentFile,
    SentMessage,
    SimUser,
    TranscriptEntry,
    render_transcript,
)
from chibo_devtools.telegram.server import ApiError, FakeTelegram, Faults, FloodLimits

__all__ = [
    "ApiError",
    "CallbackAnswer",
    "Deletion",
    "Edit",
    "FakeTelegram",
    "Faults",
    "FloodLimits",
    "Replies",
    "SentFile",
    "SentMessage",
    "SimUser",
    "TranscriptEntry",
    "render_transcript",
]
