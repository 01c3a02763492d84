"""PNG charts for ``/insights``, drawn with matplotlib in a child process.

Plain values in, PNG bytes out: no Discord, no SQL, no clock. matplotlib is imported only when
a chart is drawn (a bot that never draws one never loads it), through its object-oriented API
on the headless Agg canvas (no pyplot, no display, no global state), one chart at a time under
a lock.

The bot never draws on its own process: :class:`ChartWorker` hands each chart to a child
process (``python -m bot.charts``, started at the first chart and kept) over its stdin and
stdout. A worker thread would not do: matplotlib renders in C++ holding the GIL, so a thread
drawing a chart stalls the event loop for 50–150 ms at a time on the development VM, while a
child process leaves it free (see ``bench/bench_insights.py``).

Every chart is readable in Discord's dark and light themes: an opaque white card with dark
text (a transparent image would put dark text on a dark background), a title, labelled axes,
the figure written on every bar, and the Okabe–Ito colours, which stay apart for colour-blind
readers. Callers decide what a chart may show: only ``/insights member``, which is private to
the moderator who asks, puts a member's name in one.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import struct
import sys
import textwrap
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BACKGROUND: Final = "#ffffff"
TEXT: Final = "#1f2328"
MUTED: Final = "#57606a"
GRID: Final = "#d8dee4"
#: Okabe–Ito: blue, orange, bluish green, reddish purple, sky blue, vermillion.
PALETTE: Final = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
DPI: Final = 100
#: Width in inches per category and the bounds of a chart's width (at 100 dpi: 640–1600 px).
PER_CATEGORY: Final = 0.9
MIN_WIDTH, MAX_WIDTH, HEIGHT = 6.4, 16.0, 4.8
LABEL_WIDTH: Final = 14
#: Pixels per character of a bold 12-point title, and the pixels the y axis takes before it,
#: to wrap titles to the chart's width.
TITLE_CHAR_PX: Final = 12
TITLE_INDENT_PX: Final = 90

_DRAWING = threading.Lock()
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Series:
    """One set of bars: a name for the legend, a value per category (None: no data)."""

    name: str
    values: Sequence[float | None]


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width, break_long_words=True)) or text


def _figure_text(value: float | None, percent: bool) -> str:
    if value is None:
        return "n/a"
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def _style(ax: Axes, *, title: str, x_label: str, y_label: str) -> None:
    ax.set_facecolor(BACKGROUND)
    ax.set_title(title, color=TEXT, fontsize=12, fontweight="bold", loc="left")
    ax.set_xlabel(x_label, color=TEXT, fontsize=10)
    ax.set_ylabel(y_label, color=TEXT, fontsize=10)
    ax.tick_params(colors=TEXT, labelsize=9)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)


def _title_width(width: float, share: float = 1.0) -> int:
    """Characters of title that fit ``share`` of a chart ``width`` inches wide."""
    return max(20, int((width * DPI * share - TITLE_INDENT_PX) / TITLE_CHAR_PX))


def _integers(ax: Axes) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _render(draw: Callable[[Figure], None], width: float, height: float = HEIGHT) -> bytes:
    with _DRAWING:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(
            figsize=(width, height), dpi=DPI, facecolor=BACKGROUND, layout="constrained"
        )
        FigureCanvasAgg(figure)
        draw(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, facecolor=BACKGROUND)
        return buffer.getvalue()


def _bars(ax: Axes, categories: Sequence[str], series: Sequence[Series], *, percent: bool) -> None:
    count = max(len(series), 1)
    width = 0.8 / count
    positions = range(len(categories))
    for index, one in enumerate(series):
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        heights = [(v or 0.0) * (100 if percent else 1) for v in one.values]
        bars = ax.bar(
            offsets,
            heights,
            width * 0.92,
            label=one.name,
            color=PALETTE[index % len(PALETTE)],
            edgecolor=TEXT,
            linewidth=0.4,
        )
        ax.bar_label(
            bars,
            labels=[_figure_text(v, percent) for v in one.values],
            padding=2,
            color=TEXT,
            fontsize=8,
            zorder=4,
            bbox={"facecolor": BACKGROUND, "edgecolor": "none", "pad": 0.6},
        )
    ax.set_xticks(list(positions), [_wrap(c, LABEL_WIDTH) for c in categories])


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    percent: bool = True,
) -> bytes:
    """Grouped bars, one group per category, the figure on each bar; with ``percent`` the
    values are shares (0–1) drawn on a 0–100 % axis."""

    groups = max(len(categories), 1) * max(1, (len(series) + 1) // 2)
    width = _width(groups)

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        _style(ax, title=_wrap(title, _title_width(width)), x_label=x_label, y_label=y_label)
        _bars(ax, categories, series, percent=percent)
        if percent:
            ax.set_ylim(0, 112)
            ax.yaxis.set_major_formatter("{x:.0f}%")
        else:
            top = max((v or 0.0 for s in series for v in s.values), default=0.0)
            ax.set_ylim(0, max(top * 1.15, 1.0))
        if len(series) > 1:
            _legend(ax)

    return _render(draw, width)


def debate_chart(
    *,
    title: str,
    positions: Sequence[str],
    wins: Sequence[int],
    expected: Sequence[float],
    scores: Sequence[int],
) -> bytes:
    """Two panels: wins per position beside the wins chance alone would give, and how often
    judges gave each score from 1 to 10 (``scores[i]`` is the count of score ``i + 1``)."""

    width = _width(len(positions) + 6)

    def draw(figure: Figure) -> None:
        left, right = figure.subplots(1, 2, width_ratios=(max(len(positions), 2), 3))
        _style(left, title="Wins per position", x_label="Position", y_label="Debates won")
        labels = [
            f"{_wrap(p, LABEL_WIDTH)}\n(chance: {e:.1f})"
            for p, e in zip(positions, expected, strict=True)
        ]
        _bars(left, positions, [Series("Wins", [float(w) for w in wins])], percent=False)
        left.set_xticks(range(len(positions)), labels)
        for index, value in enumerate(expected):
            left.hlines(
                value, index - 0.42, index + 0.42, colors=PALETTE[5], linestyles="dashed",
                linewidth=1.6, label="Expected by chance" if index == 0 else None,
            )  # fmt: skip
        top = max([*wins, *expected, 1])
        left.set_ylim(0, top * 1.25)
        _integers(left)
        _legend(left)
        _style(right, title="Judges' speech scores", x_label="Score (1–10)",
               y_label="Scores given")  # fmt: skip
        bars = right.bar(range(1, 11), scores, 0.8, color=PALETTE[0], edgecolor=TEXT,
                         linewidth=0.4)  # fmt: skip
        right.bar_label(bars, labels=[str(n) for n in scores], padding=2, color=TEXT, fontsize=8)
        right.set_xticks(range(1, 11))
        right.set_ylim(0, max([*scores, 1]) * 1.2)
        _integers(right)
        figure.suptitle(_wrap(title, _title_width(width)), color=TEXT, fontsize=13,
                        fontweight="bold")  # fmt: skip

    return _render(draw, width)


def _legend(ax: Axes) -> None:
    legend = ax.legend(loc="upper right", fontsize=8, frameon=True, facecolor=BACKGROUND,
                       edgecolor=GRID, labelcolor=TEXT)  # fmt: skip
    legend.get_frame().set_alpha(1.0)


def _width(groups: int) -> float:
    return min(MAX_WIDTH, max(MIN_WIDTH, 1.5 + PER_CATEGORY * groups))


def png_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's (width, height) from its header, or None when ``data`` is not a PNG."""
    if len(data) < 24 or not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# --- the child process -------------------------------------------------------------------------

#: The charts a worker draws, by the name a request gives.
CHARTS: Final[Mapping[str, Callable[..., bytes]]] = {"bar": bar_chart, "debate": debate_chart}
_LENGTH = struct.Struct(">I")
#: The folder holding the ``bot`` package, so the child finds it wherever the bot runs from.
_ROOT = str(Path(__file__).resolve().parent.parent)
_REPLY = struct.Struct(">BI")
OK, FAILED = 0, 1


class ChartError(Exception):
    """A chart could not be drawn (the worker said why, or stopped answering)."""


def render(chart: str, args: Mapping[str, Any]) -> bytes:
    """Draw chart ``chart`` from JSON-ready ``args`` (a bar chart's series as dicts)."""
    values = dict(args)
    if "series" in values:
        values["series"] = [Series(**one) for one in values["series"]]
    return CHARTS[chart](**values)


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """The worker's loop: a length-prefixed JSON request in, a status, a length and the PNG
    (or the error's text) out, until ``requests`` ends."""
    while header := requests.read(_LENGTH.size):
        if len(header) < _LENGTH.size:
            return
        (size,) = _LENGTH.unpack(header)
        request = json.loads(requests.read(size))
        try:
            status, payload = OK, render(request["chart"], request["args"])
        except Exception as error:  # the worker answers every request and keeps going
            status, payload = FAILED, f"{type(error).__name__}: {error}".encode()
        replies.write(_REPLY.pack(status, len(payload)) + payload)
        replies.flush()


def main() -> None:
    """``python -m bot.charts``: serve requests on stdin/stdout, at a lower CPU priority than
    the bot. Anything else that writes to stdout (a library's warning) is sent to stderr, so
    the replies stay clean."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)  # background work: the bot's own process comes first on a busy machine
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError):
        serve(sys.stdin.buffer, replies)


class ChartWorker:
    """The bot's side of the child process that draws charts.

    Started at the first chart and kept for the next ones; one chart at a time. A worker that
    died or stopped answering within ``timeout`` seconds is replaced and the chart asked once
    more; a chart the worker could not draw raises :class:`ChartError`.
    """

    def __init__(self, *, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def draw(self, chart: str, **args: Any) -> bytes:
        if chart not in CHARTS:
            raise ValueError(f"unknown chart {chart!r}")
        request = json.dumps({"chart": chart, "args": _plain(args)}).encode()
        async with self._lock:
            for attempt in (1, 2):
                try:
                    process = await self._started()
                    return await asyncio.wait_for(self._ask(process, request), self.timeout)
                except asyncio.CancelledError:
                    self._discard()  # a reply may still come: never read it as the next one's
                    raise
                except (OSError, EOFError, asyncio.IncompleteReadError, TimeoutError) as error:
                    log.warning("the chart worker failed (%s); starting another", error)
                    await self._stop()
                    if attempt == 2:
                        raise ChartError("the chart worker stopped answering") from error
        raise AssertionError("unreachable")

    async def _started(self) -> asyncio.subprocess.Process:
        if self._process is None or self._process.returncode is not None:
            path = os.environ.get("PYTHONPATH")
            env = {**os.environ, "MPLBACKEND": "Agg",
                   "PYTHONPATH": _ROOT + (os.pathsep + path if path else "")}  # fmt: skip
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.charts",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
            )  # fmt: skip
        return self._process

    @staticmethod
    async def _ask(process: asyncio.subprocess.Process, request: bytes) -> bytes:
        if process.stdin is None or process.stdout is None:
            raise EOFError("the chart worker has no pipes")
        process.stdin.write(_LENGTH.pack(len(request)) + request)
        await process.stdin.drain()
        status, size = _REPLY.unpack(await process.stdout.readexactly(_REPLY.size))
        payload = await process.stdout.readexactly(size)
        if status != OK:
            raise ChartError(payload.decode("utf-8", "replace"))
        return payload

    def _discard(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.kill()

    async def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()

    async def close(self) -> None:
        """Stop the worker (it ends when its stdin closes)."""
        async with self._lock:
            await self._stop()


def _plain(value: Any) -> Any:
    if isinstance(value, Series):
        return asdict(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


if __name__ == "__main__":
    main()
