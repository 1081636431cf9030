"""The producer thread of the COPY chunks: order, errors, stopping early."""

from __future__ import annotations

import threading
from collections.abc import Generator

import pytest
from sqlite_pg.prefetch import Prefetch


def test_chunks_in_order_and_generator_finished() -> None:
    done: list[bool] = []

    def chunks() -> Generator[bytes, None, None]:
        yield from (str(i).encode() for i in range(100))
        done.append(True)

    prefetch = Prefetch(chunks())
    assert list(prefetch) == [str(i).encode() for i in range(100)]
    prefetch.close()
    assert done == [True]


def test_producer_exception_is_raised_unchanged() -> None:
    error = ValueError("bad row")

    def chunks() -> Generator[bytes, None, None]:
        yield b"a"
        raise error

    prefetch = Prefetch(chunks())
    assert next(prefetch) == b"a"
    with pytest.raises(ValueError) as caught:
        next(prefetch)
    assert caught.value is error
    prefetch.close()


def test_close_stops_and_closes_the_generator_in_its_thread() -> None:
    closed_in: list[str] = []

    def chunks() -> Generator[bytes, None, None]:
        try:
            while True:
                yield b"x" * 10
        finally:
            closed_in.append(threading.current_thread().name)

    prefetch = Prefetch(chunks())
    assert next(prefetch) == b"x" * 10
    prefetch.close()
    assert closed_in == ["sqlite-to-copy"]
    with pytest.raises(StopIteration):
        next(prefetch)
