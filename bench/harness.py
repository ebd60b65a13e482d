"""What every benchmark shares: the real `chibo run` process, its memory, the machine."""

from __future__ import annotations

import asyncio
import os
import platform
import signal
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

TOKEN = "123456:BENCH-TOKEN"  # noqa: S105 - the simulator's fake token
ROOT = Path(__file__).resolve().parent.parent


def write_config(
    folder: Path,
    api_base_url: str,
    *,
    database: Path | str,
    before: Sequence[str] = ("30d",),
    max_rate: int = 30,
    monthly_day: int = 28,
    default_day: int | None = None,
    log_level: str = "WARNING",
) -> Path:
    """A config.toml for a benchmark run: no quiet hours, the given reminders and pacing."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "[bot]",
        f'api_base_url = "{api_base_url}"',
        f'log_level = "{log_level}"',
        f"max_messages_per_second = {max_rate}",
        "[storage]",
        f'url = "{database}"'
        if str(database).startswith("postgresql:")
        else f'path = "{database}"',
        "[time]",
        "quiet_hours = []",
        "[reminders]",
        "before = [" + ", ".join(f'"{b}"' for b in before) + "]",
        "[digest]",
        f"monthly_day = {monthly_day}",
    ]
    if default_day is not None:
        lines += ["[meetings]", f"default_day = {default_day}"]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class BotProcess:
    """`python -m bot run` as a child process, with its peak memory watched."""

    config_file: Path
    log_file: Path
    process: asyncio.subprocess.Process | None = None
    peak_rss_kb: int = 0
    started_at: float = 0.0
    _watch: asyncio.Task[None] | None = field(default=None, repr=False)

    async def start(self) -> None:
        """Start the bot; returns at once (the first getUpdates shows it is up)."""
        log = self.log_file.open("ab")
        profile = os.environ.get("CHIBO_BENCH_PROFILE")
        prefix = ["-m", "cProfile", "-o", profile] if profile else []
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            *prefix,
            "-m",
            "bot",
            "run",
            "--config",
            str(self.config_file),
            env={**os.environ, "BOT_TOKEN": TOKEN},
            stdout=log,
            stderr=log,
        )
        log.close()
        self.started_at = time.monotonic()
        self._watch = asyncio.create_task(self._watch_memory())

    async def _watch_memory(self) -> None:
        assert self.process is not None
        while self.process.returncode is None:
            self.peak_rss_kb = max(self.peak_rss_kb, _status_kb(self.process.pid, "VmHWM"))
            await asyncio.sleep(0.2)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the process has used so far."""
        if self.process is None:
            return 0.0
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a power cut."""
        await self._end(signal.SIGKILL)

    async def stop(self) -> None:
        """SIGTERM: the normal stop."""
        await self._end(signal.SIGTERM)

    async def _end(self, sig: int) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.peak_rss_kb = max(self.peak_rss_kb, _status_kb(self.process.pid, "VmHWM"))
        self.process.send_signal(sig)
        await asyncio.wait_for(self.process.wait(), timeout=60)
        if self._watch is not None:
            await self._watch


def _status_kb(pid: int, key: str) -> int:
    """A figure from /proc/PID/status in kB (0 where /proc is missing)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def machine() -> dict[str, str]:
    """Where the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, {os.cpu_count()} logical CPUs",
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "python-telegram-bot": metadata.version("python-telegram-bot"),
        "sqlite": sqlite3.sqlite_version,
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def wait_until(check: object, seconds: float, step: float = 0.25) -> bool:
    """Poll a callable until it is true or the time is up; whether it became true."""
    assert callable(check)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(step)
    return bool(check())
