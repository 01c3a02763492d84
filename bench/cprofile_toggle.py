"""SIGUSR2 turns cProfile on in a benchmark child, and the next SIGUSR2 off (stats written).

Imported by ``bare_bot.py`` and ``roundtable_child.py`` (nothing heavy: both bots pay the same).
The file is the one ``BENCH_CPROFILE`` names. The profiler sees only the main thread (the event
loop) and times it with the wall clock (a CPU clock, ``time.thread_time``, is a system call per
event and tripled the bot's CPU): waiting shows as ``select.epoll.poll`` and is left out of the
totals, and a thread descheduled by the kernel counts against whatever it was running. It
roughly doubles the time of the code it watches, so a profiled burst is for finding where the
time goes, never for the figures.
"""

from __future__ import annotations

import cProfile
import os
import signal
from types import FrameType

_PROFILE: list[cProfile.Profile] = []


def _toggle(signum: int, frame: FrameType | None) -> None:
    target = os.environ.get("BENCH_CPROFILE")
    if not target:
        return
    if _PROFILE:
        profile = _PROFILE.pop()
        profile.disable()
        profile.dump_stats(f"{target}.tmp")
        os.replace(f"{target}.tmp", target)
    else:
        profile = cProfile.Profile()
        _PROFILE.append(profile)
        profile.enable()


def install() -> None:
    signal.signal(signal.SIGUSR2, _toggle)
