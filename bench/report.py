"""BENCHMARKS.md from one run's figures."""

from __future__ import annotations

from typing import Any

# Written by hand below the figures; kept when the figures are written again.
NOTES_MARK = "## Reading the figures"
COMMAND = "python -m bench"  # after ./dev has made .venv: .venv/bin/python -m bench


def render(f: dict[str, Any]) -> str:
    """The report: the command, the machine, then each benchmark with its targets."""
    small, large = f["sizes"]
    out = [
        "# Benchmarks",
        "",
        "Every figure below comes from one run of",
        "",
        "```",
        f"{COMMAND}{' --quick' if f['quick'] else ''}",
        "```",
        "",
        "which drives the real `chibo run` process against the local Bot API simulator",
        "(`chibo_devtools/telegram`) on loopback, with a synthetic organisation imported by",
        "the real import. The benchmarks are not part of CI (they take long);",
        "`python -m bench --quick` checks in a few minutes that they work. Raw figures of",
        "this run:",
        "`bench/figures.json`.",
        "",
        f"Run took {f.get('total_minutes', 0):.0f} minutes.",
        "",
        "| machine | |",
        "|---|---|",
    ]
    out += [f"| {k} | {v} |" for k, v in f.get("machine", {}).items()]
    out.append("")
    if f["quick"]:
        out += ["**Quick run: small sizes, not the figures the targets speak of.**", ""]
    if any(k.startswith("wave-") for k in f):
        out += _wave(f, small, large)
    if "storm" in f:
        out += _storm(f["storm"], small)
    if "digest" in f:
        out += _digest(f["digest"])
    if "crash-wave" in f or "crash-storm" in f:
        out += _crash(f, small)
    if "import" in f:
        out += _import(f["import"])
    return "\n".join(out) + "\n"


def _import(f: dict[str, Any]) -> list[str]:
    out = [
        "## Organisation import",
        "",
        f"`chibo import` of a synthetic organisation file of {f['rows']:,} rows "
        f"({f['members']:,} members in {f['cells']:,} cells, their cadres): the whole file",
        "in one transaction (target: under 20 s).",
        "",
        "| import | seconds | rows/s |",
        "|---|---|---|",
    ]
    names = {
        "fresh": "into an empty database",
        "fresh_with_invites": "into an empty database, with invite codes (`--invites`)",
        "again": "the same file again (nothing changes)",
    }
    for key, label in names.items():
        if key in f:
            out.append(f"| {label} | {f[key]['seconds']:.1f} | {f[key]['rows_per_second']:,.0f} |")
    return [*out, ""]


def _wave(f: dict[str, Any], small: int, large: int) -> list[str]:
    out = [
        "## 1. Notice wave",
        "",
        "Every member of the organisation meets the same day; at start-up the bot finds one",
        "notice due for each member and, for each cadre, one message listing the cells they",
        "follow (cadres follow ten cells). Rate is measured at the simulator from the first",
        "notice to the last.",
        "",
        "With Telegram's limits (the simulator answers 429 beyond 30 messages/s overall and",
        "1/s per chat; `bot.max_messages_per_second = 30`, the bot paces itself a little under",
        "it and slows down after a 429). Lenient: the overall limit is a token bucket; strict:",
        "a sliding one-second window, the 31st message in any second gets a 429. The last",
        "column leaves out the tail (the last 1% of notices).",
        "",
        "| members | limiter | notices | lost | duplicated | 429s | seconds | rate/s "
        "| of 30/s (≥ 0.95) | first 99%: rate/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, mode in [(s, m) for s in (small, large) for m in ("strict", "on")]:
        w = f.get(f"wave-{size}-{mode}")
        if w:
            limiter = "strict" if mode == "strict" else "lenient"
            out.append(
                f"| {size:,} | {limiter} | {w['notices']:,} of {w['expected']:,} | {w['lost']} | "
                f"{w['duplicated']} | {w['429']} | {w['seconds']:.0f} | {w['rate']:.1f} | "
                f"{w['fraction']:.3f} | {w['rate_99']:.1f} |"
            )
    out += [
        "",
        "Without limits (simulator without flood control, bot pacing off), against bare",
        "python-telegram-bot sending the same messages (same text, parse mode and buttons,",
        "30 at a time, as the outbox) to the same simulator: the framework floor.",
        "",
        "| members | bot notices/s | bare PTB msgs/s | ratio (≥ 0.8) | lost | duplicated |",
        "|---|---|---|---|---|---|",
    ]
    for size in (small, large):
        w = f.get(f"wave-{size}-off")
        if w:
            floor = w["floor"]["rate"]
            ratio = w["rate"] / floor if floor else 0.0
            out.append(
                f"| {size:,} | {w['rate']:.0f} | {floor:.0f} | {ratio:.2f} | {w['lost']} | "
                f"{w['duplicated']} |"
            )
    return [*out, ""]


def _storm(s: dict[str, Any], small: int) -> list[str]:
    out = [
        "## 2. Reply storm",
        "",
        f"{s['members']:,} members (of the {small:,} organisation) answer their notice: every",
        'other one presses ✅, the others write free text ("có", "co a", "xin vắng vì ốm",',
        '"xin vang, di cong tac"…). Latency is from the reply reaching the simulator to the',
        "bot's first answer in that chat (a button's acknowledgement or a message). The bare",
        "echo bot (python-telegram-bot, no database) answers each text and button the same way",
        "on the same simulator.",
        "",
        "| run | replies | answered | answered/s | p50 s | p99 s |",
        "|---|---|---|---|---|---|",
    ]
    names = {
        "chibo-minute": "bot, within a minute, Telegram's limits",
        "echo-minute": "bare echo, within a minute, Telegram's limits",
        "chibo-burst": "bot, all at once, no limits",
        "echo-burst": "bare echo, all at once, no limits",
    }
    for key, label in names.items():
        r = s.get(key)
        if r:
            out.append(
                f"| {label} | {r['replies']:,} | {r['answered']:,} | {r['per_second']:.0f} | "
                f"{r['p50']:.3f} | {r['p99']:.3f} |"
            )
    out += ["", f"Answers recorded in the database: {s['answers_recorded']:,}.", ""]
    return out


def _crash(f: dict[str, Any], small: int) -> list[str]:
    out = ["## 4. Crash", ""]
    w = f.get("crash-wave")
    if w:
        out += [
            f"Notice wave of {small:,} members with Telegram's limits, 1% of sends answered",
            "500 and 0.5% of connections dropped by the simulator; SIGKILL once 40% of the",
            "notices had arrived; restarted two seconds later.",
            "",
            "| expected | at the kill | claimed at the kill | lost | duplicated | 500s | drops |",
            "|---|---|---|---|---|---|---|",
            f"| {w['expected']:,} | {w['at_kill']:,} | {w['in_flight_at_kill']} | "
            f"{w['lost']} | {w['duplicated']} | {w['server_errors']} | {w['dropped']} |",
            "",
        ]
    s = f.get("crash-storm")
    if s:
        out += [
            f"Reply storm of the {small:,} organisation's members within 30 seconds (half ✅,",
            'half "xin vắng vì ốm"), SIGKILL half-way, the bot down for five seconds while',
            "replies kept coming, restarted. An answer is lost when the database does not hold",
            "what the member said.",
            "",
            "| replies | answers lost | replies never answered | answered twice | "
            "inbox left unhandled |",
            "|---|---|---|---|---|",
            f"| {s['replies']:,} | {s['answers_lost']} | {s['replies_unanswered']} | "
            f"{s['replies_answered_twice']} | {s['inbox_left_unhandled']} |",
            "",
        ]
    return out


def _digest(d: dict[str, Any]) -> list[str]:
    history, process, database = d["history"], d["process"], d["database"]
    rows = history["rows"]
    marks = process["marks_s"]
    out = [
        "## 3. Digest at province scale",
        "",
        f"A synthetic province: {d['members']:,} members in {d['cells']:,} cells under "
        f"{d['cadres'] - 1:,} commune cadres' care (ten cells each) and one province cadre "
        f"following every cell. Organisation imported by the real import in "
        f"{d['import_s']:.0f} s; then {history['months']} written in bulk: "
        f"{rows['meetings']:,} meetings, {rows['attendance']:,} attendance rows, "
        f"{rows['scores']:,} scores, {rows['ratings']:,} ratings, {rows['notices']:,} sent "
        "notices, kiến nghị and flags.",
        "",
        "Time to build last month's digest with the bot's own functions (text and chart):",
        "",
        "| digest | cells | seconds | of which the chart |",
        "|---|---|---|---|",
    ]
    for one in d["digests"].values():
        out.append(
            f"| {one['label']} | {one['cells']:,} | {one['seconds']:.2f} | {one['chart_s']:.2f} |"
        )
    out += [
        "",
        "The real `chibo run` on that database, with the monthly digest due for every cadre:",
        "",
        "| figure | value |",
        "|---|---|",
        f"| database size | {database['file_mb']:,.0f} MB "
        f"({database['table_mb']['notices']:,.0f} MB of it sent notices) |",
        f"| peak memory of the bot process (< 300 MB) | {process['peak_rss_mb']:.0f} MB |",
        f"| start-up: next meetings planned for every cell | {marks['meetings planned']:.0f} s "
        f"({process['meetings_created']:,} meetings, {process['notices_planned']:,} notices) |",
        f"| reading messages from | {marks['first getUpdates']:.0f} s after start |",
        f"| all {process['cadres']:,} monthly digests (text and chart) sent by | "
        f"{marks['every digest']:.0f} s after start |",
        f"| the planner's round every 6 hours | "
        f"{process['planner_again']['ensure_upcoming_s']:.0f} s + "
        f"{process['planner_again']['check_missing_meetings_s']:.0f} s, in small transactions |",
        "",
    ]
    return out
