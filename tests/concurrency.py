"""Run calls at the same moment, each in a thread with its own database connection and
transaction: the races that row locks and constraints must decide."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def at_once(*calls: Callable, hand_barrier: bool = False) -> list:
    """Run `calls` in threads of their own, released together; returns what each returned or
    raised. With `hand_barrier`, each call gets the barrier instead and waits on it itself
    (to line up at a later point, e.g. after a check and before its write)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n: int, call: Callable) -> None:
        try:
            if hand_barrier:
                results[n] = call(barrier)
            else:
                barrier.wait()
                results[n] = call()
        except Exception as error:
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
