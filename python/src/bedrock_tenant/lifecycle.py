"""Flushing every live sink when the process stops, whatever stops it.

What holds where:

* **AWS Lambda.** The handler flushes in ``finally`` at the end of every
  invocation, so nothing is buffered while the environment is frozen, and nothing
  is left when Lambda shuts it down. (Lambda does not run ``atexit`` at shutdown;
  it sends the runtime SIGTERM only when an extension is registered, and then
  allows it 300 ms, 500 ms with an internal extension, before SIGKILL:
  https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-shutdown,
  https://github.com/aws-samples/graceful-shutdown-with-aws-lambda.) The SIGTERM
  handler below is a second line there, not the guarantee.
* **Containers, EC2, process managers.** SIGTERM (``docker stop``, ECS, systemd,
  Kubernetes) flushes every live sink within :data:`SHUTDOWN_FLUSH_SECONDS`, then
  does what SIGTERM did before: calls the handler that was installed, or ignores
  the signal if it was ignored, or terminates the process as the default action
  does. A normal exit flushes through ``atexit``. Between those, sinks flush on a
  timer and when their buffer holds a batch, so a SIGKILL or a crash loses at most
  what was emitted within one flush interval.

The SIGTERM handler is installed once, when the first sink registers in the main
thread (Python only lets the main thread set handlers), and only if the current
handler was set from Python or is a default, so it can be chained. A handler that
your code installs later replaces it: call :func:`flush_all` from it.

Records are never dropped by these paths: what cannot reach CloudWatch in time is
written to the sink's fallback (stdout).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import weakref
from types import FrameType
from typing import Any, Protocol

__all__ = ["SHUTDOWN_FLUSH_SECONDS", "Stoppable", "after_restore", "before_snapshot", "flush_all", "register"]

logger = logging.getLogger(__name__)

# Time a stopping process gives its sinks: inside `docker stop`'s 10 s and
# Kubernetes' 30 s grace periods, with room for the application's own shutdown.
SHUTDOWN_FLUSH_SECONDS = 5.0


class Stoppable(Protocol):
    """What the registry needs from a sink's writer."""

    def stop_flush(self, timeout_s: float) -> None:
        """Write what is buffered within ``timeout_s``; never raises, never waits
        for a write that the stopping signal interrupted."""

    def after_fork_in_child(self) -> None:
        """Forget the parent's buffer, locks, clients and threads."""

    def before_snapshot(self, timeout_s: float) -> None:
        """Write what is buffered within ``timeout_s`` and drop clients (SnapStart)."""

    def after_restore(self) -> None:
        """Take what must be unique per environment anew (SnapStart)."""


_live: weakref.WeakSet[Stoppable] = weakref.WeakSet()
_lock = threading.Lock()
_previous_handler: Any = None
_installed = False


def register(target: Stoppable) -> None:
    """Flush ``target`` when the process stops (held weakly: registering keeps nothing alive)."""
    with _lock:
        _live.add(target)
    _install_sigterm_handler()


def flush_all(timeout_s: float = SHUTDOWN_FLUSH_SECONDS) -> None:
    """Flush every live sink; for your own SIGTERM handler or shutdown hook."""
    for target in list(_live):
        try:
            target.stop_flush(timeout_s)
        except Exception as exc:  # one sink must not keep the others from flushing
            logger.warning("could not flush a sink at shutdown: %s", type(exc).__name__)


def before_snapshot(timeout_s: float = SHUTDOWN_FLUSH_SECONDS) -> None:
    """Before a SnapStart snapshot: flush every live sink and drop its clients."""
    for target in list(_live):
        try:
            target.before_snapshot(timeout_s)
        except Exception as exc:  # one sink must not keep the others from flushing
            logger.warning("could not prepare a sink for the snapshot: %s", type(exc).__name__)


def after_restore() -> None:
    """After a SnapStart restore: every live sink takes a stream and clients of its own."""
    for target in list(_live):
        target.after_restore()


def _install_sigterm_handler() -> None:
    global _previous_handler, _installed  # one handler per process
    with _lock:
        if _installed or threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGTERM)
        if previous is None:  # set by C code: Python cannot call it, so leave it alone
            return
        signal.signal(signal.SIGTERM, _on_sigterm)
        _previous_handler, _installed = previous, True


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    flush_all()
    previous = _previous_handler
    if callable(previous):
        previous(signum, frame)
    elif previous != signal.SIG_IGN:
        # SIG_DFL: terminate as SIGTERM would have, with the status a supervisor expects.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)


def _after_fork_in_child() -> None:
    global _lock  # noqa: PLW0603 - a lock held by another thread at fork time stays held in the child
    _lock = threading.Lock()
    for target in list(_live):
        target.after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)
