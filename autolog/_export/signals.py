"""SIGTERM (``docker stop``, systemd, Kubernetes): the recorded traces are written before the
process ends, within the exit bound, and the process then ends by SIGTERM as it would have.

Python's default for SIGTERM ends the process at once, without exit handlers, so without this
every queued trace is lost. The handler is installed only where the application has none of its
own (a program that handles SIGTERM itself, such as gunicorn or uvicorn, keeps its handler, and
the exit flush covers its orderly exit), only from the main thread (the only one that may set
one), and ``autolog.autolog(flush_on_sigterm=False)`` leaves signals alone."""
from __future__ import annotations

import logging
import os
import signal
import threading

_logger = logging.getLogger("autolog")

_wanted = True


def _on_sigterm(signum, frame) -> None:
    from .exporter import EXPORTER

    try:
        EXPORTER.at_exit()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)


def installed() -> bool:
    return signal.getsignal(signal.SIGTERM) is _on_sigterm


def configure(flush_on_sigterm: bool | None) -> None:
    """None keeps the last choice (on, at first)."""
    global _wanted
    if flush_on_sigterm is not None:
        _wanted = flush_on_sigterm
    if not hasattr(signal, "SIGTERM") or threading.current_thread() is not threading.main_thread():
        return
    try:
        current = signal.getsignal(signal.SIGTERM)
        if _wanted and current in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, _on_sigterm)
        elif not _wanted and current is _on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except (ValueError, OSError):
        _logger.debug("autolog: could not set the SIGTERM handler", exc_info=True)
