"""Load benchmark: the story page against a minimal Django view, both served by gunicorn on loopback.

Run with `make bench` (BENCH_ARGS="--requests 3000 --concurrency 16" to change
the load). It builds a throwaway site (SQLite in a temporary folder, or
BENCH_DATABASE_URL), loads the seed story, starts gunicorn with the
production config, and sends a bounded number of requests from a small
threaded client using keep-alive where the server allows it. Results go to
stdout; nothing is asserted, so it is not part of the test suite.

The minimal view goes through the same middleware stack, so the ratio
between the two shows what the story page itself costs (queries,
templates, the reply thread) over the framework's fixed price.
"""

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import gunicorn_server  # noqa: E402

LOOPBACK = "127.0.0.1"


def hammer(base, path, total, concurrency, max_seconds):
    """Send `total` GETs for `path` over `concurrency` connections, stopping early after `max_seconds`."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    assert host == LOOPBACK, "the benchmark only ever targets loopback"
    latencies, statuses, errors = [], {}, []
    lock = threading.Lock()
    remaining = [total]
    deadline = time.monotonic() + max_seconds

    def worker():
        connection = http.client.HTTPConnection(host, port, timeout=30)
        while True:
            with lock:
                if remaining[0] <= 0 or time.monotonic() > deadline:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Host": f"{LOOPBACK}:{port}"})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                with lock:
                    errors.append(type(error).__name__)
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
        connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {"wall": wall, "latencies": latencies, "statuses": statuses, "errors": errors}


def summary(name, result):
    latencies = sorted(result["latencies"])
    done = len(latencies)
    if not done:
        return f"{name:<10} no successful requests; errors: {result['errors'][:5]}", 0.0
    quantiles = statistics.quantiles(latencies, n=100) if done > 1 else [latencies[0]] * 99
    rate = done / result["wall"]
    line = (
        f"{name:<10} {done:>6} req in {result['wall']:6.2f} s = {rate:8.1f} req/s   "
        f"p50 {quantiles[49] * 1000:7.1f} ms  p90 {quantiles[89] * 1000:7.1f} ms  "
        f"p99 {quantiles[98] * 1000:7.1f} ms  max {latencies[-1] * 1000:7.1f} ms   "
        f"statuses {dict(sorted(result['statuses'].items()))}  errors {len(result['errors'])}"
    )
    return line, rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per target (default 1000)")
    parser.add_argument("--concurrency", type=int, default=8, help="client connections (default 8)")
    parser.add_argument("--max-seconds", type=float, default=60, help="time cap per target (default 60)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="newsroom-bench-") as data_dir:
        env = gunicorn_server.server_env(
            data_dir, DJANGO_SETTINGS_MODULE="tests.bench.settings", DJANGO_LOG_LEVEL="WARNING"
        )
        if os.environ.get("BENCH_DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        print("preparing: collectstatic, migrate, seed story ...", flush=True)
        story = gunicorn_server.prepare_site(env)

        targets = {"minimal": "/bench/minimal/", "front": "/", "story": story}
        log_path = Path(data_dir) / "gunicorn.log"
        with gunicorn_server.gunicorn(env, log_path, workers=args.workers) as base:
            print(
                f"gunicorn {args.workers} sync worker(s) at {base}; {args.requests} requests per target over "
                f"{args.concurrency} connections, at most {args.max_seconds:.0f} s each; "
                f"database {'PostgreSQL' if 'DATABASE_URL' in env else 'SQLite (WAL)'}",
                flush=True,
            )
            rates = {}
            for name, path in targets.items():
                hammer(base, path, min(50, args.requests), args.concurrency, 10)  # warm-up
                line, rates[name] = summary(name, hammer(base, path, args.requests, args.concurrency, args.max_seconds))
                print(line, flush=True)
        if rates.get("minimal") and rates.get("story"):
            print(f"story page throughput is {rates['story'] / rates['minimal']:.1%} of the minimal view's")


if __name__ == "__main__":
    main()
