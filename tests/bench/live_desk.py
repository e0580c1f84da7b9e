"""Issue 24's row: the update check while the desk posts one update every 5 seconds.

Open pages of the live story (wrk, tests/bench/wrk/open_page.lua, one page per thread) ask the check with the
ETag they hold and, when the version moved, what changed since theirs, as static/js/live.js does; meanwhile an
editor signed in to the admin posts an update from the live desk every POST_EVERY seconds. The row gives the
requests per second as a share of the minimal view (the mean of its runs in this bench), and the bytes an open
page fetched per update posted (the check's 200 and the answer of what changed, headers included).
"""

import contextlib
import http.cookiejar
import threading
import time
import urllib.parse
import urllib.request

from tests.bench import bench

ROW = "check-desk"
THREADS, CONNECTIONS = 2, 20
POST_EVERY = 5.0


class Desk:
    """An editor's browser, signed in to the admin, posting an update from the live desk every POST_EVERY seconds."""

    def __init__(self, base, credentials, desk_path):
        self.base, self.desk_path = base, desk_path
        self.jar = http.cookiejar.CookieJar()
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.browser.open(base + "/admin/login/", timeout=30).read()
        username, password = credentials
        landed = self.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
        if "/admin/login/" in landed.url:
            raise bench.BenchError("the bench's editor could not sign in to the admin")
        self.posted = []  # seconds each post took

    def post(self, path, fields):
        csrf = next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": csrf}).encode()
        return self.browser.open(urllib.request.Request(self.base + path, body), timeout=60)

    @contextlib.contextmanager
    def at_work(self):
        stop = threading.Event()
        clock = threading.Thread(target=self._work, args=(stop,), daemon=True)
        clock.start()
        try:
            yield
        finally:
            stop.set()
            clock.join()

    def _work(self, stop):
        started, n = time.monotonic(), 0
        while not stop.wait(max(0.0, started + n * POST_EVERY - time.monotonic())):
            sent = time.monotonic()
            with self.post(self.desk_path, {"action": "post", "body": f"Bench update {n}: what we know now."}):
                pass
            self.posted.append(time.monotonic() - sent)
            n += 1


def run(runner, site, data_dir, minimal_rate):
    """The row, measured like the others (a warm-up, then a timed wrk run), against `minimal_rate`."""
    live = site["live_story"]
    script = bench.wrk_script("open_page", data_dir)
    desk = Desk(runner.base, site["editor"], live["desk"])

    def load(seconds):
        return bench.run_wrk(runner.wrk, runner.base + live["check"], THREADS, CONNECTIONS, seconds, script,
                             (live["check"], live["changes"]))

    posted_before = len(desk.posted)
    result, _, server_cpu, others = runner.measured(load, desk.at_work)
    posts = len(desk.posted) - posted_before
    threads = result.get("threads", [])
    rate = bench.rate_of(result)
    fresh = sum(thread["fresh_bytes"] for thread in threads)
    row = {
        "key": ROW, "label": "update check while the desk posts every 5 s", "rate": rate,
        "share": rate / minimal_rate if minimal_rate else None,
        "p50_ms": result["latency_us"]["p50"] / 1000, "p99_ms": result["latency_us"]["p99"] / 1000,
        "posts": posts, "followed": sum(thread["followed"] for thread in threads),
        "bytes_per_update": fresh / len(threads) / posts if threads and posts else None,
        "errors": ", ".join(f"{n} {kind}" for kind, n in result["errors"].items() if n),
        "cpu_ms": None if server_cpu is None or not result["requests"] else server_cpu / result["requests"] * 1000,
        "others": others,
    }
    print("  " + summary(row), flush=True)
    return row


def summary(row):
    share = f"{row['share']:.1%} of the minimal view" if row["share"] is not None else "no minimal view"
    per_update = f"{row['bytes_per_update']:,.0f} B per page per update" if row["bytes_per_update"] else "no update seen"
    return (f"{row['label']:<44} {row['rate']:9.1f} req/s {share}  p50 {row['p50_ms']:.2f} ms  p99 {row['p99_ms']:.2f} ms  "
            f"{row['posts']} posts, {per_update}  {row['errors']}")
