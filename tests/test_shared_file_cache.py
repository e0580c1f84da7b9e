"""The shared cache of a site without Redis: of the workers that add the same key at the same instant, one
succeeds, as the page cache's single flight needs (one render of a changed page; pagecache/files.py)."""

import multiprocessing

from pagecache.files import SharedFileCache

WORKERS, ROUNDS = 6, 15


def add_when_all_are_ready(location, key, ready, answers):
    cache = SharedFileCache(str(location), {})
    ready.wait()
    answers.put(cache.add(key, "render lock", 30))


def test_of_the_workers_adding_a_key_at_once_only_one_succeeds(tmp_path):
    processes = multiprocessing.get_context("fork")
    for round_ in range(ROUNDS):
        ready, answers = processes.Barrier(WORKERS), processes.Queue()
        workers = [processes.Process(target=add_when_all_are_ready, args=(tmp_path, f"page-{round_}", ready, answers))
                   for _ in range(WORKERS)]
        for worker in workers:
            worker.start()
        won = [answers.get(timeout=30) for _ in workers]
        for worker in workers:
            worker.join()
        assert won.count(True) == 1, f"round {round_}: {won.count(True)} of {WORKERS} workers took the lock"


def test_a_key_that_has_expired_can_be_added_again(tmp_path):
    cache = SharedFileCache(str(tmp_path), {})
    assert cache.add("page", "first", 30) and not cache.add("page", "second", 30)
    cache.set("page", "old", -1)  # expired
    assert cache.add("page", "third", 30) and cache.get("page") == "third"
    cache.clear()
    assert cache.add("page", "after a clear", 30)
