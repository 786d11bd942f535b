"""The package's background work (the writer's work on a store, the price catalog's loading) and
``os.fork``: a fork waits, up to ``FORK_WAIT`` seconds, until none is under way, and no new work
starts until the fork is done.

What a fork cuts in half stays broken in the child: a module half imported by a thread the child
does not have (its import fails, or waits for ever), and a sqlite file that, as the child's copy
of sqlite sees it, is locked by a transaction under way (every write the child makes is then
"database is locked"). So the writer works inside the gate while it opens a store (the imports,
creating the file, the price catalog) and while it reads or writes a sqlite file; waits that hold
nothing (a backoff between retries, a tracking server's answer) are outside it, so a fork never
waits on a store that is down."""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import time

_logger = logging.getLogger("autolog")

FORK_WAIT = 10.0  # seconds a fork waits for the work under way (the first batch opens the store)


class ForkGate:
    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(before=self._before_fork, after_in_parent=self._after_in_parent,
                                after_in_child=self._reset)

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._working = 0
        self._mine = threading.local()  # how deep the current thread is in work
        self._held = False

    @contextlib.contextmanager
    def work(self):
        self.enter()
        try:
            yield
        finally:
            self.leave()

    @contextlib.contextmanager
    def stepped_out(self):
        """Around a wait inside work that holds nothing a fork could cut in half."""
        depth = getattr(self._mine, "depth", 0)
        for _ in range(depth):
            self.leave()
        try:
            yield
        finally:
            for _ in range(depth):
                self.enter()

    def enter(self) -> None:
        with self._cond:
            self._working += 1
        self._mine.depth = getattr(self._mine, "depth", 0) + 1

    def leave(self) -> None:
        self._mine.depth = getattr(self._mine, "depth", 1) - 1
        with self._cond:
            self._working = max(0, self._working - 1)  # work begun before a fork ends in the child
            if not self._working:
                self._cond.notify_all()

    def _before_fork(self) -> None:
        try:
            self._cond.acquire()
            self._held = True
            mine = getattr(self._mine, "depth", 0)  # a thread that forks from inside work would wait for itself
            deadline = time.monotonic() + FORK_WAIT
            while self._working > mine:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    _logger.debug("autolog: forking while background work is still under way")
                    return
                self._cond.wait(remaining)
        except BaseException:  # noqa: B902 - a fork hook must not raise
            pass

    def _after_in_parent(self) -> None:
        if self._held:
            self._held = False
            self._cond.release()


GATE = ForkGate()
