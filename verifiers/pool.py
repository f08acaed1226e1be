"""A persistent pool of worker processes that runs symbolic checks under hard wall-clock limits.

Why not `concurrent.futures.ProcessPoolExecutor`: it cannot kill one stuck task without breaking the whole pool.
Here each worker is a process with its own pipe; a task that runs past its timeout gets its worker killed and
replaced, and the caller gets `CheckTimeout`. No signals are used in the calling process, so the pool is safe to
use from any thread (RL reward threads, async code via `asyncio.to_thread`), and a worker that dies (memory cap,
crash) is replaced the same way.

Workers are started with the `forkserver` method where available (fast, no inherited threads or CUDA state) and
preload `verifiers.symbolic`, so each check pays only the IPC cost. Each worker caps its address space at
`WORKER_MEMORY_BYTES` on Linux, so a runaway expansion fails alone.

>>> get_pool().run("verifiers.symbolic:judge", ("1/2", "2/4"), timeout=30)
('correct', 'symbolic: identical')
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import queue
import threading

from verifiers.limits import WORKER_MEMORY_BYTES
from verifiers.verdict import CheckTimeout, VerifierError

__all__ = ["SymbolicPool", "get_pool", "default_workers"]


class WorkerDied(VerifierError):
    """The worker process exited while running a check (memory cap or crash)."""


def default_workers() -> int:
    """Default pool size: one worker per CPU, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def _worker_main(conn, memory_bytes: int) -> None:
    """Worker loop: receive (function, args), send ("ok", result) or ("error", type, message)."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):
        pass  # not Linux, or a lower hard limit already applies
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        function, args = message
        try:
            if isinstance(function, str):  # "module:function", so callers need not import the module
                import importlib

                module_name, _, name = function.partition(":")
                function = getattr(importlib.import_module(module_name), name)
            reply = ("ok", function(*args))
        except Exception as error:  # report any failure of the check to the caller, keep serving
            reply = ("error", type(error).__name__, str(error)[:300])
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _context():
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["verifiers.symbolic", "verifiers.compare"])
        return ctx
    return multiprocessing.get_context("spawn")


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child, WORKER_MEMORY_BYTES), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.kill()


class SymbolicPool:
    """`size` worker processes, started lazily; `run` is thread-safe and blocks until a worker is free."""

    def __init__(self, size: int | None = None):
        self.size = size or default_workers()
        if self.size < 1:
            raise ValueError("SymbolicPool needs at least one worker; pass size >= 1")
        self._ctx = _context()
        self._idle: queue.Queue = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(self.size):
            self._idle.put(None)  # None = a slot whose worker is not started yet

    def grow(self, size: int) -> None:
        """Add worker slots until the pool has `size` of them (never shrinks)."""
        with self._lock:
            for _ in range(size - self.size):
                self._idle.put(None)
            self.size = max(self.size, size)

    def run(self, function, args: tuple, timeout: float):
        """Run `function(*args)` in a worker (`function` may be a "module:function" string); raises `CheckTimeout` after `timeout` seconds of work,
        `WorkerDied` if the worker crashed, `VerifierError` if the function raised."""
        if self._closed:
            raise RuntimeError("this SymbolicPool was closed; create a new one")
        worker = self._idle.get()
        try:
            if worker is None or not worker.process.is_alive():
                worker = self._start()
            worker.conn.send((function, args))
            if not worker.conn.poll(timeout):
                self._discard(worker)
                worker = None
                raise CheckTimeout(f"symbolic check exceeded {timeout:g} s")
            reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._discard(worker)
            worker = None
            raise WorkerDied("the worker process died during the check (memory cap or crash)") from None
        finally:
            self._idle.put(worker)
        if reply[0] == "ok":
            return reply[1]
        raise VerifierError(f"{reply[1]}: {reply[2]}")

    def _start(self) -> _Worker:
        worker = _Worker(self._ctx)
        with self._lock:
            self._all.add(worker)
        return worker

    def _discard(self, worker: _Worker | None) -> None:
        if worker is None:
            return
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def close(self) -> None:
        """Stop every worker; the pool cannot be used afterwards."""
        self._closed = True
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()


_DEFAULT: SymbolicPool | None = None
_DEFAULT_LOCK = threading.Lock()


def get_pool(min_size: int | None = None) -> SymbolicPool:
    """The process-wide shared pool, created on first use (grown, never shrunk, to `min_size` workers)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = SymbolicPool(max(min_size or 0, default_workers()))
        elif min_size and _DEFAULT.size < min_size:
            _DEFAULT.grow(min_size)
        return _DEFAULT


@atexit.register
def _shutdown() -> None:
    if _DEFAULT is not None:
        _DEFAULT.close()
