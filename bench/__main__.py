"""Run the benchmarks and write BENCHMARKS.md:  python -m bench [--quick] [--only NAMES]

NAMES (comma-separated): wave, storm, digest, crash, import, year. --quick runs small sizes (a
check that everything works, in a few minutes); the figures in BENCHMARKS.md come from a full run.

python -m bench --storage postgresql [--processes 1,2] [--quick] [--only wave,storm,digest]: the
unlimited wave, the reply storm and the province digest on PostgreSQL (a throwaway server from
scripts/pg-temp, or CHIBO_BENCH_POSTGRESQL), with each number of processes, beside one process on
SQLite; only the report's PostgreSQL section is written.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench import crash, importing, pgserver, province, report, scenario, storm, wave, year
from bench.harness import ROOT, machine

ALL = ("wave", "storm", "digest", "crash", "import", "year")
ON_POSTGRESQL = ("wave", "storm", "digest")


async def run_all(
    work: Path, names: tuple[str, ...], quick: bool, year_size: int = 0
) -> dict[str, Any]:
    """Every benchmark asked for; figures by name."""
    small, large = (300, 3_000) if quick else (3_000, 30_000)
    figures: dict[str, Any] = {"quick": quick, "sizes": [small, large]}
    orgs: dict[int, scenario.Org] = {}

    async def org(size: int) -> scenario.Org:
        if size not in orgs:
            print(f"· organisation of {size:,} members", flush=True)
            orgs[size] = await scenario.organisation(work, size)
        return orgs[size]

    if "wave" in names:
        for size in (small, large):
            for mode in ("strict", "on", "off"):
                print(f"· wave {size:,}, limits {mode}", flush=True)
                figures[f"wave-{size}-{mode}"] = await wave.wave(
                    work, await org(size), limits=mode != "off", strict=mode == "strict"
                )
                _show(figures, f"wave-{size}-{mode}")
    if "storm" in names:
        print(f"· reply storm {small:,}", flush=True)
        figures["storm"] = await storm.bench(work, await org(small))
        _show(figures, "storm")
    if "digest" in names:
        members, cells = (3_000, 140) if quick else (150_000, 7_000)
        print(f"· province digest {members:,} members, {cells:,} cells", flush=True)
        figures["digest"] = await province.run(work / "province", members=members, cells=cells)
        _show(figures, "digest")
    if "crash" in names:
        print(f"· SIGKILL mid-wave {small:,}", flush=True)
        figures["crash-wave"] = await crash.mid_wave(work, await org(small))
        _show(figures, "crash-wave")
        print(f"· SIGKILL mid-storm {small:,}", flush=True)
        figures["crash-storm"] = await crash.mid_storm(work, await org(small))
        _show(figures, "crash-storm")
    if "import" in names:
        members, cells = (3_000, 140) if quick else (150_000, 7_000)
        print(f"· import {members:,} members, {cells:,} cells", flush=True)
        figures["import"] = await importing.run(work / "import", members=members, cells=cells)
        _show(figures, "import")
    if "year" in names:
        members, cells = (3_000, 140) if quick else (150_000, 7_000)
        if year_size:
            members, cells = year_size, max(1, year_size // scenario.MEMBERS_PER_CELL)
        print(f"· a year, {members:,} members, {cells:,} cells", flush=True)
        figures["year"] = await year.run(work / "year", members=members, cells=cells)
        _show(figures, "year")
    figures["import_seconds"] = {size: o.import_seconds for size, o in orgs.items()}
    return figures


async def run_postgresql(
    work: Path,
    names: tuple[str, ...],
    quick: bool,
    processes: tuple[int, ...],
    province_size: int = 0,
) -> dict[str, Any]:
    """The PostgreSQL benchmarks, each beside one process on SQLite; figures by name."""
    small, large = (300, 3_000) if quick else (3_000, 30_000)
    server = pgserver.start()
    figures: dict[str, Any] = {
        "storage": "postgresql",
        "quick": quick,
        "sizes": [small, large],
        "processes": list(processes),
        "postgresql": server.version(),
        "server": "scripts/pg-temp" if server.folder else pgserver.ENV_URL,
        "province_members": province_size,
        "random_page_cost": pgserver.RANDOM_PAGE_COST,
    }
    orgs: dict[int, scenario.Org] = {}

    async def org(size: int) -> scenario.Org:
        if size not in orgs:
            print(f"· organisation of {size:,} members", flush=True)
            orgs[size] = await scenario.organisation(work, size)
        return orgs[size]

    try:
        if "wave" in names:
            for size in (small, large):
                print(f"· wave {size:,} without limits, SQLite, 1 process", flush=True)
                key = f"wave-{size}-sqlite-1"
                figures[key] = await wave.wave(work, await org(size), limits=False, floor=False)
                _show(figures, key)
                for n in processes:
                    print(f"· wave {size:,} without limits, PostgreSQL, {n} process(es)")
                    key = f"wave-{size}-pg-{n}"
                    figures[key] = await wave.wave(
                        work,
                        await org(size),
                        limits=False,
                        processes=n,
                        server=server,
                        floor=False,
                    )
                    _show(figures, key)
        if "storm" in names:
            print(f"· reply storm {small:,} all at once, SQLite, 1 process", flush=True)
            figures["storm-sqlite-1"] = await storm.burst(work, await org(small))
            _show(figures, "storm-sqlite-1")
            for n in processes:
                print(f"· reply storm {small:,} all at once, PostgreSQL, {n} process(es)")
                key = f"storm-pg-{n}"
                figures[key] = await storm.burst(
                    work, await org(small), processes=n, server=server
                )
                _show(figures, key)
        if "digest" in names:
            members, cells = (3_000, 140) if quick else (150_000, 7_000)
            if province_size:
                members, cells = province_size, max(1, province_size // scenario.MEMBERS_PER_CELL)
            print(f"· province digest {members:,} members, {cells:,} cells", flush=True)
            figures["digest"] = await province.on_postgresql(
                work / "province", server, members=members, cells=cells
            )
            _show(figures, "digest")
        figures["org_copy"] = {size: o.pg_copy for size, o in orgs.items()}
    finally:
        server.stop()
    return figures


def _show(figures: dict[str, Any], name: str) -> None:
    print(json.dumps(figures[name], indent=1, default=str, ensure_ascii=False), flush=True)


def main(argv: list[str]) -> int:
    """The command line above."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    parser.add_argument("--only", default=",".join(ALL), help="which benchmarks, e.g. wave,crash")
    parser.add_argument(
        "--year-members", type=int, default=0, help="members of the year benchmark's province"
    )
    parser.add_argument(
        "--province-members",
        type=int,
        default=0,
        help="with --storage postgresql: the digest's province, e.g. 150000 with --quick",
    )
    parser.add_argument(
        "--storage", choices=("sqlite", "postgresql"), default="sqlite", help="the database"
    )
    parser.add_argument(
        "--processes", default="1,2", help="with --storage postgresql: processes to run, e.g. 1,2"
    )
    parser.add_argument("--work", default=str(ROOT / "bench-out"), help="scratch folder")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"), help="the report")
    args = parser.parse_args(argv)
    postgresql = args.storage == "postgresql"
    only = args.only if args.only != ",".join(ALL) or not postgresql else ",".join(ON_POSTGRESQL)
    names = tuple(n.strip() for n in only.split(",") if n.strip())
    unknown = set(names) - set(ON_POSTGRESQL if postgresql else ALL)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    try:
        processes = tuple(int(n) for n in args.processes.split(",") if n.strip())
    except ValueError:
        parser.error("--processes: numbers separated by commas, e.g. 1,2")
    if not processes or min(processes) < 1:
        parser.error("--processes: numbers separated by commas, e.g. 1,2")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if postgresql:
        figures = asyncio.run(
            run_postgresql(work, names, args.quick, processes, args.province_members)
        )
        figures["total_minutes"] = (time.monotonic() - started) / 60
        figures["machine"] = machine()
        (work / "figures-postgresql.json").write_text(
            json.dumps(figures, indent=1, default=str, ensure_ascii=False), encoding="utf-8"
        )
        out = Path(args.out)
        old = out.read_text(encoding="utf-8") if out.exists() else ""
        out.write_text(report.with_postgresql(old, figures), encoding="utf-8")
        print(f"written the PostgreSQL section of {args.out}")
        return 0
    figures = asyncio.run(run_all(work, names, args.quick, args.year_members))
    figures["total_minutes"] = (time.monotonic() - started) / 60
    figures["machine"] = machine()
    (work / "figures.json").write_text(
        json.dumps(figures, indent=1, default=str, ensure_ascii=False), encoding="utf-8"
    )
    out = Path(args.out)
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    notes = old[old.index(report.NOTES_MARK) :] if report.NOTES_MARK in old else ""
    out.write_text(report.render(figures) + ("\n" + notes if notes else ""), encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
