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


# The PostgreSQL section (python -m bench --storage postgresql) sits between these two lines.
PG_MARK = "## PostgreSQL"
PG_END = "<!-- end of the figures of python -m bench --storage postgresql -->"


def with_postgresql(old: str, f: dict[str, Any]) -> str:
    """The report `old` with its PostgreSQL figures replaced (or added at the end)."""
    section = render_postgresql(f)
    if PG_MARK in old and PG_END in old:
        head = old[: old.index(PG_MARK)]
        tail = old[old.index(PG_END) + len(PG_END) :]
        return head + section + tail
    return old.rstrip("\n") + "\n\n" + section + "\n"


def render_postgresql(f: dict[str, Any]) -> str:
    """The figures of one PostgreSQL run, beside SQLite's of the same run."""
    small, large = f["sizes"]
    processes = f["processes"]
    m = f.get("machine", {})
    quick = " --quick" if f["quick"] else ""
    where = (
        "a throwaway server started by `scripts/pg-temp` on this machine (unix socket; "
        "fsync, synchronous_commit and full_page_writes off, as for tests)"
        if f.get("server") == "scripts/pg-temp"
        else "the server named by CHIBO_BENCH_POSTGRESQL"
    )
    where += f", each database with random_page_cost = {f.get('random_page_cost', 4)}"
    out = [
        PG_MARK,
        "",
        "Every figure of this section comes from one run of",
        "",
        "```",
        f"{COMMAND} --storage postgresql --processes {','.join(map(str, processes))}{quick}"
        + (f" --province-members {f['province_members']}" if f.get("province_members") else ""),
        "```",
        "",
        f"on PostgreSQL {f.get('postgresql', '?')}, {where}; beside one `chibo run` on a SQLite",
        "file in the same run, with the same sizes, on the same machine: "
        f"{m.get('cpu', '?')}, {m.get('memory', '?')}, {m.get('date', '?')}. The machine is",
        "shared: the simulator, the PostgreSQL server and the bot processes run on its two",
        "CPUs, and other work ran on it at the same time. "
        f"Run took {f.get('total_minutes', 0):.0f} minutes. Raw figures: "
        "`bench/figures-postgresql.json`.",
        "",
    ]
    if f["quick"]:
        out += [
            f"**Quick sizes for the wave and the storm ({small:,} and {large:,} members), "
            "not the full sizes of the sections above"
            + (
                f"; the province of {f['digest']['members']:,} members.**"
                if "digest" in f
                else ".**"
            ),
            "",
        ]
    if any(k.startswith("wave-") for k in f):
        out += [
            "### Notice wave without limits",
            "",
            "The simulator without flood control, the bot's pacing off "
            "(`bot.max_messages_per_second = 0`): every process claims and sends. Rate is",
            "notices delivered per second across all processes, at the simulator, from the",
            "first notice to the last. Target: two processes ≥ 1.6× one on PostgreSQL.",
            "",
            "The last columns say where the time went: CPU seconds of the bot processes, of the",
            "simulator and of the PostgreSQL server during the wave (start-up included); the",
            "notices sent per CPU second of the bots (what one costs, however many processes);",
            "the share of the machine's CPU time that was busy (all of its work, others' too);",
            "how many connections were, on average, waiting for the one-writer lock or inside a",
            "transaction between two statements (sampled every 50 ms).",
            "",
            "| members | database | processes | notices | lost | duplicated | seconds | rate/s "
            "| × one process on PostgreSQL (≥ 1.6 for two) | rows sent by each process "
            "| CPU s: bots, simulator, PostgreSQL | notices per bot CPU second | machine busy "
            "| waiting for the writer lock | in a transaction, idle |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for size in (small, large):
            one = f.get(f"wave-{size}-pg-1", {}).get("rate", 0.0)
            rows = [("SQLite", f.get(f"wave-{size}-sqlite-1"))]
            rows += [("PostgreSQL", f.get(f"wave-{size}-pg-{n}")) for n in processes]
            for label, w in rows:
                if not w:
                    continue
                ratio = f"{w['rate'] / one:.2f}" if label == "PostgreSQL" and one else "–"
                each = " + ".join(f"{n:,}" for n in w.get("by_process", [])) or "–"
                cpu = w.get("cpu", {})
                seen = w.get("connections") or {}
                waits = f"{seen['waiting_for_writer_lock']:.2f}" if seen else "–"
                idle = f"{seen['idle_in_transaction']:.2f}" if seen else "–"
                used = (
                    f"{cpu.get('bots', 0):.0f}, {cpu.get('simulator', 0):.0f}, "
                    f"{cpu.get('database', 0):.0f}"
                )
                per_cpu = f"{w['notices'] / cpu['bots']:.0f}" if cpu.get("bots") else "–"
                whole = cpu.get("machine_busy", 0) + cpu.get("machine_idle", 0)
                busy = f"{cpu['machine_busy'] / whole:.0%}" if whole else "–"
                out.append(
                    f"| {size:,} | {label} | {w['processes']} | {w['notices']:,} of "
                    f"{w['expected']:,} | {w['lost']} | {w['duplicated']} | {w['seconds']:.1f} | "
                    f"{w['rate']:.0f} | {ratio} | {each} | {used} | {per_cpu} | {busy} | "
                    f"{waits} | {idle} |"
                )
        out.append("")
    storms = [("SQLite", f.get("storm-sqlite-1"))]
    storms += [("PostgreSQL", f.get(f"storm-pg-{n}")) for n in processes]
    if any(s for _, s in storms):
        out += [
            "### Reply storm",
            "",
            f"Every member of the {small:,} organisation answers their notice at once (half ✅,",
            "half free text), no limits; latency from the reply reaching the simulator to the",
            "bot's first answer in that chat.",
            "",
            "| database | processes | replies | answered | answered/s | p50 s | p99 s "
            "| answers recorded |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for label, s in storms:
            if s:
                out.append(
                    f"| {label} | {s['processes']} | {s['replies']:,} | {s['answered']:,} | "
                    f"{s['per_second']:.0f} | {s['p50']:.3f} | {s['p99']:.3f} | "
                    f"{s['answers_recorded']:,} |"
                )
        out.append("")
    d = f.get("digest")
    if d:
        rows = d["rows"]
        out += [
            "### Province digest",
            "",
            f"A synthetic province of {d['members']:,} members in {d['cells']:,} cells with a "
            f"year of history ({rows['meetings']:,} meetings, {rows['attendance']:,} "
            f"attendance rows, {rows['notices']:,} sent notices…), written to SQLite and copied "
            f"to PostgreSQL ({d['copy']['rows']:,} rows in {d['copy']['seconds']:.0f} s); last "
            "month's digest built in-process with the bot's own functions from each. Target: "
            "PostgreSQL within 2× of SQLite.",
            "",
            "The chart is drawn the same way from either database; the last columns leave it out",
            "(the month's reports and the trend: the reading from the database).",
            "",
            "| digest | cells | SQLite s | PostgreSQL s | PostgreSQL ÷ SQLite (≤ 2) "
            "| SQLite s without the chart | PostgreSQL s without the chart | ÷ |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for key, lite in d["sqlite"].items():
            pg = d["postgresql"].get(key)
            if pg:
                times = pg["seconds"] / lite["seconds"] if lite["seconds"] else 0.0
                lite_db = lite["month_reports_s"] + lite["trend_s"]
                pg_db = pg["month_reports_s"] + pg["trend_s"]
                db_times = f"{pg_db / lite_db:.2f}" if lite_db else "–"
                out.append(
                    f"| {lite['label']} | {lite['cells']:,} | {lite['seconds']:.2f} | "
                    f"{pg['seconds']:.2f} | {times:.2f} | {lite_db:.2f} | {pg_db:.2f} | "
                    f"{db_times} |"
                )
        out.append("")
    return "\n".join([*out, PG_END])
