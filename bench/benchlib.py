"""What the benchmarks that run bots as child processes against the emulator share.

- ``/proc`` readings: a process's CPU seconds (``utime + stime`` of ``/proc/<pid>/stat``), its
  peak and current resident memory (``VmHWM``/``VmRSS`` of ``/proc/<pid>/status``), and the
  machine's busy CPU time (``/proc/stat``), so that each figure can say how much CPU the rest of
  the machine used while it was taken.
- Children: Roundtable as a real ``python -m bot`` process (through ``roundtable_child.py``,
  which also counts the statements it sends to its database) and a bare discord.py bot
  (``bare_bot.py``), each with its log in a file.
- Clicks sent at a given rate, and :class:`AckWatch`, a hook on the emulator's interaction
  callback route that counts first responses and can check, before the bot gets its answer,
  that an acknowledged answer is already in the database.
- A scratch PostgreSQL database per run, dropped afterwards.

Not a test module: the benchmarks are run by hand (see ``bench/README.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import os
import shutil
import signal
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.emulator import Emulator, Member, Message  # noqa: E402
from tests.emulator.rest import ApiError  # noqa: E402
from tests.emulator.state import Interaction  # noqa: E402

CLOCK_TICK = os.sysconf("SC_CLK_TCK")
#: Environment variables of ours a child must not inherit from the shell that runs the bench.
OUR_VARIABLES = ("DISCORD_", "DEV_GUILD_ID", "DATABASE_", "CONTENT_DIR", "LOG_LEVEL", "SHARD_")
_COMPILED: Path | None = None


def compiled_copy() -> Path:
    """A copy of the project (``bot``, ``cogs``, ``bench``, ``content``) with its bytecode
    compiled, that Roundtable's child processes run from; made once per run.

    A deployed bot reads its modules' bytecode from ``__pycache__`` (pip compiled discord.py's
    at install; Python writes the project's at its first start). This machine sets
    ``PYTHONDONTWRITEBYTECODE``, so a child started from the repository would compile every
    project module from source at each start, and the compiler's leftovers (about 3 MB) would
    count in its peak RSS: a cost of this sandbox, not of the bot, which the bare bot (one small
    file, and discord.py compiled) does not pay. The copy lives in a temporary folder, so
    nothing is written into the repository.
    """
    global _COMPILED
    if _COMPILED is None:
        import atexit
        import compileall
        import tempfile

        _COMPILED = Path(tempfile.mkdtemp(prefix="roundtable-compiled-"))
        atexit.register(shutil.rmtree, _COMPILED, ignore_errors=True)
        for folder in ("bot", "cogs", "bench", "content"):
            shutil.copytree(REPO / folder, _COMPILED / folder, ignore=shutil.ignore_patterns(
                "__pycache__"))  # fmt: skip
        for folder in ("bot", "cogs", "bench"):
            compileall.compile_dir(str(_COMPILED / folder), quiet=1)
    return _COMPILED


CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5433/postgres"


# --- /proc ----------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of the process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLOCK_TICK, int(fields[12]) / CLOCK_TICK


def thread_cpu(pid: int) -> Counter[str]:
    """CPU seconds of the main thread (the event loop) and of the other live threads together
    (aiosqlite's database thread, discord.py's heartbeat threads...)."""
    found: Counter[str] = Counter()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            name = "main" if task.name == str(pid) else "others"
            found[name] += (int(fields[11]) + int(fields[12])) / CLOCK_TICK
    return found


def context_switches(pid: int) -> int:
    """Voluntary + involuntary context switches of all the process's threads so far (threads
    that have ended are not counted)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for line in (task / "status").read_text().splitlines():
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
    return total


def status_mb(pid: int, key: str) -> float:
    """A ``/proc/<pid>/status`` memory line (``VmHWM``, ``VmRSS``) in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024 / 1e6
    raise LookupError(f"{key} is not in /proc/{pid}/status")


def machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot (``/proc/stat``: everything but idle
    and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICK


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, as ``uptime`` shows them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass(frozen=True)
class Reading:
    """CPU seconds (and system CPU seconds, and context switches) of our processes, and the
    whole machine's busy CPU seconds, at one moment."""

    at: float
    parent: float
    children: dict[int, float]
    machine: float
    system: dict[int, float]
    switches: dict[int, int]
    threads: dict[int, Counter[str]]

    @classmethod
    def take(cls, pids: Iterable[int]) -> Reading:
        children, system, switches, threads = {}, {}, {}, {}
        for pid in pids:
            with contextlib.suppress(OSError):
                user, kernel = cpu_split(pid)
                children[pid], system[pid] = user + kernel, kernel
                switches[pid] = context_switches(pid)
                threads[pid] = thread_cpu(pid)
        return cls(
            time.monotonic(),
            time.process_time(),
            children,
            machine_busy(),
            system,
            switches,
            threads,
        )


@dataclass(frozen=True)
class Usage:
    """CPU used between two readings: by each child, by this process (the emulator and the
    clicking members), and by every other process on the machine (in cores: seconds per
    second of wall time)."""

    wall: float
    parent: float
    children: dict[int, float]
    others_cores: float
    system: dict[int, float]
    switches: dict[int, int]
    threads: dict[int, Counter[str]]

    @classmethod
    def between(cls, before: Reading, after: Reading) -> Usage:
        wall = after.at - before.at
        children = {
            pid: after.children[pid] - before.children.get(pid, 0.0) for pid in after.children
        }
        ours = (after.parent - before.parent) + sum(children.values())
        others = max(0.0, (after.machine - before.machine) - ours)
        return cls(
            wall,
            after.parent - before.parent,
            children,
            others / wall if wall else 0.0,
            {pid: after.system[pid] - before.system.get(pid, 0.0) for pid in after.system},
            {pid: after.switches[pid] - before.switches.get(pid, 0) for pid in after.switches},
            {
                pid: Counter(
                    {
                        name: cpu - before.threads.get(pid, Counter())[name]
                        for name, cpu in after.threads[pid].items()
                    }
                )
                for pid in after.threads
            },
        )


# --- children -------------------------------------------------------------------------------------


@dataclass
class Counters:
    """Database calls a Roundtable child made (see ``roundtable_child.py``)."""

    statements: int = 0
    trips: int = 0
    commits: int = 0
    prepares: int = 0
    resets: int = 0
    #: Statements by their text (only when the child runs with ``BENCH_SQL=1``).
    sql: Counter[str] = dataclasses.field(default_factory=Counter)

    def __sub__(self, other: Counters) -> Counters:
        return Counters(
            self.statements - other.statements,
            self.trips - other.trips,
            self.commits - other.commits,
            self.prepares - other.prepares,
            self.resets - other.resets,
            Counter({k: n for k, n in (self.sql - other.sql).items() if n}),
        )

    def __add__(self, other: Counters) -> Counters:
        return Counters(
            self.statements + other.statements,
            self.trips + other.trips,
            self.commits + other.commits,
            self.prepares + other.prepares,
            self.resets + other.resets,
            self.sql + other.sql,
        )

    def top(self, per: int, count: int = 12) -> list[str]:
        """The most frequent statements, as ``count per <unit>  text``."""
        return [f"{n / per:8.3f}  {text}" for text, n in self.sql.most_common(count)]


class Child:
    """One bot process; its output goes to ``<folder>/<name>.log``."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.folder = folder
        self.log_path = folder / f"{name}.log"
        self.counters_path = folder / f"{name}.counters.json"
        self.process: asyncio.subprocess.Process | None = None
        self._seq = 0

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.process.pid

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        env = {**self.env, "BENCH_COUNTERS": str(self.counters_path)}
        with self.log_path.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, env=env, cwd=self.folder, stdin=asyncio.subprocess.DEVNULL,
                stdout=out, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip

    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def peak_rss(self) -> float:
        return status_mb(self.pid, "VmHWM")

    def rss(self) -> float:
        return status_mb(self.pid, "VmRSS")

    async def counters(self, within: float = 5.0) -> Counters:
        """Ask the child (SIGUSR1) to write its database counters, and read them."""
        self._seq += 1
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(self.counters_path.read_text())
                if data.pop("seq", 0) >= self._seq:
                    data["sql"] = Counter(data.get("sql") or {})
                    return Counters(**data)
            await asyncio.sleep(0.005)
        raise TimeoutError(f"{self.name} did not write its counters (see {self.log_path})")

    async def stop(self, grace: float = 15.0) -> int | None:
        """SIGTERM (the bot closes its gateway and database), SIGKILL after ``grace`` s."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                process.kill()
                await process.wait()
        return process.returncode

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def roundtable_child(
    name: str,
    emulator: Emulator,
    folder: Path,
    *,
    database: str | Path,
    shard_count: int | None = None,
    shard_ids: str | None = None,
    dev_guild_id: int | None = None,
    log_level: str = "WARNING",
    statements: bool = False,
    prototype: str | None = None,
) -> Child:
    """``python -m bot`` (with database counters) against ``emulator``: the shipped content,
    ``database`` an SQLite file or a ``postgresql://`` URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUR_VARIABLES)}
    code = compiled_copy()
    env.update(
        PYTHONPATH=f"{code}{os.pathsep}{REPO}",
        DISCORD_TOKEN=emulator.token,
        DISCORD_API_BASE=emulator.api_base,
        DISCORD_GATEWAY_URL=emulator.gateway_url,
        LOG_LEVEL=log_level,
    )
    if isinstance(database, str) and database.startswith("postgresql://"):
        env["DATABASE_URL"] = database
    else:
        env["DATABASE_PATH"] = str(database)
    if shard_count is not None:
        env["SHARD_COUNT"] = str(shard_count)
    if shard_ids is not None:
        env["SHARD_IDS"] = shard_ids
    if dev_guild_id is not None:
        env["DEV_GUILD_ID"] = str(dev_guild_id)
    if statements:
        env["BENCH_SQL"] = "1"
    if prototype:
        env["BENCH_PROTOTYPE"] = prototype
    argv = [sys.executable, str(code / "bench" / "roundtable_child.py")]
    return Child(name, argv, env, folder)


def bare_child(name: str, emulator: Emulator, folder: Path, channel_id: int) -> Child:
    """The bare discord.py bot (``bare_bot.py``), posting its question in ``channel_id``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUR_VARIABLES)}
    argv = [
        *(sys.executable, str(REPO / "bench" / "bare_bot.py")),
        *("--api", emulator.api_base, "--gateway", emulator.gateway_url),
        *("--token", emulator.token, "--channel", str(channel_id)),
    ]
    return Child(name, argv, env, folder)


async def wait_for(
    probe: Callable[[], Any], what: str, within: float, children: Sequence[Child] = ()
) -> Any:
    """Poll ``probe`` every 20 ms until it is truthy; fail early if a child died."""
    deadline = time.monotonic() + within
    while True:
        result = probe()
        if result:
            return result
        for child in children:
            if not child.running():
                raise RuntimeError(f"{child.name} exited while waiting for {what}:\n"
                                   f"{child.log_tail()}")  # fmt: skip
        if time.monotonic() > deadline:
            details = "".join(f"\n--- {c.name}:\n{c.log_tail()}" for c in children)
            raise TimeoutError(f"timed out after {within:g} s waiting for {what}{details}")
        await asyncio.sleep(0.02)


# --- clicks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Click:
    member: Member
    message: Message
    label: str


async def click_at_rate(clicks: Sequence[Click], rate: float) -> tuple[list[Interaction], float]:
    """Send the clicks ``1 / rate`` seconds apart (late ones at once, never bunched ahead of
    time); return the interactions and the rate achieved, from the first click sent to the
    last."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for index, click in enumerate(clicks):
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(click.member.click(click.message, click.label)))
    interactions = [result.interaction for result in await asyncio.gather(*tasks)]
    span = interactions[-1].created_monotonic - interactions[0].created_monotonic
    return interactions, (len(interactions) - 1) / span if span > 0 else math.inf


Check = Callable[[Interaction], Awaitable[str | None]]


class AckWatch:
    """Watches the emulator's interaction callback route (every first response to a click).

    ``check(interaction)`` runs after the emulator has recorded the acknowledgement and before
    the bot gets the answer to its request; a string it returns is kept as a problem. A check
    that reads the database there sees whatever the bot committed before it acknowledged.
    """

    def __init__(self, emulator: Emulator, check: Check | None = None) -> None:
        self.emulator = emulator
        self.check = check
        self.finished: set[int] = set()
        self.problems: list[str] = []
        self.checked = 0
        self._changed = asyncio.Event()
        routes = emulator.rest.routes
        index = next(i for i, r in enumerate(routes) if r.template == CALLBACK_ROUTE)
        original = routes[index].handler

        async def handler(call: Any) -> Any:
            interaction_id = int(call.params["interaction_id"])
            try:
                result = await original(call)
            except ApiError:
                self.finished.add(interaction_id)
                self._changed.set()
                raise
            interaction = emulator.interactions.get(interaction_id)
            if self.check is not None and interaction is not None:
                problem = await self.check(interaction)
                self.checked += 1
                if problem:
                    self.problems.append(problem)
            self.finished.add(interaction_id)
            self._changed.set()
            return result

        routes[index] = dataclasses.replace(routes[index], handler=handler)

    async def all_answered(self, interactions: Sequence[Interaction], within: float) -> None:
        """Wait until every interaction was acknowledged or refused (a 3-s expiry)."""
        wanted = {i.id for i in interactions}
        deadline = time.monotonic() + within
        while not wanted <= self.finished:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                missing = len(wanted - self.finished)
                raise TimeoutError(f"{missing} click(s) got no answer within {within:g} s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))


def reply_text(interaction: Interaction) -> str:
    """The content of the first response (empty when there was none)."""
    body = interaction.response_body or {}
    return str((body.get("data") or {}).get("content") or "")


def answered_round(interaction: Interaction) -> tuple[int, int]:
    """(round id, choice) of a click on a Roundtable answer button (``quiz:answer:<r>:<c>``)."""
    _, _, round_id, choice = str(interaction.data["custom_id"]).split(":")
    return int(round_id), int(choice)


# --- figures --------------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` 0.99: the value 99 % of the values are at most)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


@dataclass(frozen=True)
class Latencies:
    """Click → acknowledgement, seconds; a refused (expired) click counts as infinite."""

    values: list[float]

    @classmethod
    def of(cls, interactions: Sequence[Interaction]) -> Latencies:
        return cls(
            [
                float(i.responded_after) if i.responded_after is not None else math.inf
                for i in interactions
            ]
        )

    @property
    def p50(self) -> float:
        return percentile(self.values, 0.50)

    @property
    def p99(self) -> float:
        return percentile(self.values, 0.99)

    @property
    def max(self) -> float:
        return max(self.values)

    def over(self, seconds: float) -> int:
        return sum(1 for v in self.values if v > seconds)


def median(values: Iterable[float]) -> float:
    found = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(found) if found else math.nan


# --- profiling (py-spy, by hand) ------------------------------------------------------------------


class Profiler:
    """``py-spy record`` on a child while a burst lasts (``--profile DIR``; py-spy must be
    installed: ``.venv/bin/pip install py-spy``).

    Samples are taken 250 times a second (each pauses the process for a moment) and only from
    the thread holding the GIL (``--gil``), so a sample stands for ~4 ms of Python running:
    time a thread spends waiting (epoll, a queue, the GIL) is not counted, nor the kernel's
    share of a system call, nor SQLite's own C code running with the GIL released. Without
    ``--gil`` py-spy's idle detection counted a waiting event loop as busy, and the samples
    came to twice the CPU ``/proc`` measured. Stacks are written in py-spy's raw (collapsed)
    format, one file per burst, and summarised by :func:`summarise_profile`."""

    RATE = 250

    def __init__(self, pid: int, output: Path) -> None:
        self.pid = pid
        self.output = output
        self.process: asyncio.subprocess.Process | None = None

    @staticmethod
    def executable() -> str:
        found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(found).exists():
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        return found

    async def start(self) -> None:
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.process = await asyncio.create_subprocess_exec(
            self.executable(), "record", "--pid", str(self.pid), "--rate", str(self.RATE),
            "--format", "raw", "--threads", "--gil", "--output", str(self.output),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await asyncio.sleep(0.3)  # py-spy attaches

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), 15)


def summarise_profile(paths: Sequence[Path], clicks: int, top: int = 25) -> list[str]:
    """The functions with the most samples in raw py-spy files: inclusive ("in it or below")
    and own samples, as CPU milliseconds per click (a sample is 1/RATE s)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    lines_in = [line for path in paths for line in path.read_text().splitlines()]
    for line in lines_in:
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        threads[frames[0]] += count
        total += count
        names = [_frame_name(f) for f in frames[1:]]
        for name in set(names):
            inclusive[name] += count
        if names:
            own[names[-1]] += count
    per_click = 1000.0 / Profiler.RATE / max(clicks, 1)
    lines = [f"{total} samples holding the GIL = {total * per_click:.3f} ms per click; by thread: "
             + ", ".join(f"{t} {n * per_click:.3f}" for t, n in threads.most_common())]  # fmt: skip
    lines.append(f"{'ms/click in':>12} {'ms/click own':>13}  function")
    for name, count in inclusive.most_common(top):
        lines.append(f"{count * per_click:12.3f} {own[name] * per_click:13.3f}  {name}")
    lines.append("most own time:")
    for name, count in own.most_common(top // 2):
        lines.append(f"{inclusive[name] * per_click:12.3f} {count * per_click:13.3f}  {name}")
    return lines


def _where(file: str, name: str) -> tuple[str, str]:
    """(group, short name) of a cProfile entry: the package or module it belongs to."""
    if file == "~":
        return f"builtin {name.split(' of ')[0].strip('<>').replace('built-in method ', '')}", name
    path = file.replace("\\", "/")
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in path:
            rest = path.split(marker, 1)[1]
            top = rest.split("/", 1)[0].removesuffix(".py")
            return top, f"{name} ({rest})"
    for top in ("bot/", "cogs/", "bench/"):
        if f"/{top}" in path:
            rest = top + path.split(f"/{top}", 1)[1]
            return rest.rsplit("/", 1)[0] if top != "bench/" else "bench", f"{name} ({rest})"
    return path, name


def compare_cprofiles(
    files: dict[str, list[Path]], clicks: dict[str, int], names: dict[str, str], top: int = 18
) -> list[str]:
    """Side by side: each bot's profiled time per click by group (package, module or builtin)
    and the functions whose own time per click differs most between the two bots; waiting in
    ``epoll`` is left out."""
    import pstats

    groups: dict[str, Counter[str]] = {}
    functions: dict[str, Counter[str]] = {}
    for bot, paths in files.items():
        by_group: Counter[str] = Counter()
        by_function: Counter[str] = Counter()
        for path in paths:
            stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
            for (file, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
                group, short = _where(file, name)
                if "select.epoll" in name:  # waiting for events: idle, not work
                    continue
                micro = tottime * 1e6 / max(clicks[bot], 1)
                by_group[group] += micro
                by_function[short] += micro
        groups[bot], functions[bot] = by_group, by_function
    bots = list(files)
    a, b = bots[0], bots[1]
    lines = [f"{'own time by group':44}{names[a]:>12}{names[b]:>12}{'diff':>9}"]
    lines.append(
        f"{'  all':44}{sum(groups[a].values()):12.0f}{sum(groups[b].values()):12.0f}"
        f"{sum(groups[b].values()) - sum(groups[a].values()):9.0f}"
    )
    every = set(groups[a]) | set(groups[b])
    ranked = sorted(every, key=lambda g: -max(groups[a][g], groups[b][g]))[:top]
    for group in ranked:
        lines.append(f"  {group[:42]:42}{groups[a][group]:12.0f}{groups[b][group]:12.0f}"
                     f"{groups[b][group] - groups[a][group]:9.0f}")  # fmt: skip
    lines.append(f"{'functions whose own time differs most':44}")
    every = set(functions[a]) | set(functions[b])
    ranked = sorted(every, key=lambda f: -abs(functions[b][f] - functions[a][f]))[:top]
    for function in ranked:
        lines.append(f"  {function[:80]:80}{functions[a][function]:8.0f}"
                     f"{functions[b][function]:8.0f}")  # fmt: skip
    return lines


def _frame_name(frame: str) -> str:
    """``function (path/to/file.py:123)`` → ``function (file.py)``, the package kept short."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    file = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/wt-bench/", "/lib/python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{name} ({file})"


# --- PostgreSQL -----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def scratch_database(server: str, prefix: str = "bench") -> AsyncIterator[str]:
    """A new database on the server ``server`` names, dropped (WITH FORCE) afterwards."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(dsn=server, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        admin = await asyncpg.connect(dsn=server, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@dataclass(frozen=True)
class Backends:
    """The PostgreSQL server processes serving one database (same machine), for their CPU."""

    url: str

    async def read(self) -> dict[int, float]:
        import asyncpg

        name = urlsplit(self.url).path.strip("/")
        conn = await asyncpg.connect(dsn=self.url, timeout=10)
        try:
            pids = [
                r["pid"]
                for r in await conn.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> "
                    "pg_backend_pid()",
                    name,
                )
            ]
        finally:
            await conn.close()
        found = {}
        for pid in pids:
            with contextlib.suppress(OSError):
                found[pid] = cpu_seconds(pid)
        return found


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds a set of processes used between two readings (new ones from zero)."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def pack_choice(shown: int, choice_order: str | None) -> int:
    """The pack's choice a click on the ``shown`` button means: rounds show their choices in an
    order drawn for them (``quiz_rounds.choice_order``, a JSON list; None: the pack's order)."""
    import json

    return json.loads(choice_order)[shown] if choice_order else shown
