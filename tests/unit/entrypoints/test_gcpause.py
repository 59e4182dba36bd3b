"""``gc_paused``: the collector is off inside, back after the last pause, untouched if it
was off already."""

import gc
import threading

from entrypoints.http.gcpause import gc_paused


def test_nested_and_concurrent_pauses_bring_the_collector_back_once():
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    with gc_paused():
        assert not gc.isenabled()
        worker = threading.Thread(target=other)
        worker.start()
        inside.wait(5)
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's pause still runs
    release.set()
    worker.join(5)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_inside_still_brings_it_back():
    try:
        with gc_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()
