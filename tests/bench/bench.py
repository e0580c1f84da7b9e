"""Load benchmark: every kind of public page, against a minimal Django view, under gunicorn, loaded by wrk.

Run with `make bench`. It builds a throwaway site in a temporary folder with
production settings (SQLite in WAL mode, or the PostgreSQL database named by
BENCH_DATABASE_URL, which it creates and drops; Redis from BENCH_REDIS_URL or
REDIS_URL as the cache, under a key prefix it deletes afterwards), fills it
like a busy newsroom (2,000 stories, the seed story with 500 threaded replies,
one story with 20,000), starts gunicorn with newsroom/gunicorn.conf.py and two
sync workers on loopback, and asks each address with the same two wrk lines,
`wrk -t2 -c20 -d20s --latency` and `wrk -t1 -c1 -d20s --latency`, each after a
short warm-up. Every figure is also given as a share of the minimal view's
requests per second in the same run: the minimal view passes through the same
middleware, so the share is what the page itself costs over the framework's
fixed price. At 20 connections the minimal view is measured again after each
page, and each page is compared with the runs just before and after it, so a
machine whose speed drifts during the run does not favour the first pages.
Then issue 22's rows (mix.py): a cold render of each kind of page, and a newsroom's mix of readers
over 54 addresses, alone, while a moderator decides two replies a second, and through Varnish when
varnishd and the project's VCL are there, each against the static file served in the same run, with
the issue's targets marked met or missed. Last, the reply scores (scores.py): their precision and recall
on the labelled replies, and the time one reply's scores take. Results go to stdout and to test-results/bench/.

BENCH_SECONDS (or --seconds) shortens the timed runs for a quick look; the
figures to compare are those of the default 20 seconds.
"""

import argparse
import contextlib
import dataclasses
import gzip
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests import gunicorn_server  # noqa: E402
from tests.bench import live_desk, mix, post_turns, scores, varnish  # noqa: E402
from tests.bench.middleware import REQUEST_HEADER, RESPONSE_HEADER  # noqa: E402
from tests.mail_server import MailServer  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = REPO / "test-results" / "bench"
WORKERS = 2
# The two load levels, the same for every address: (label, wrk threads, connections).
LEVELS = [("20 connections", 2, 20), ("1 connection", 1, 1)]
# A page slower than wrk's default 2 s would be counted as a timeout and left out of the latency
# figures; gunicorn gives up on a request after 30 s, so wrk waits as long.
WRK_TIMEOUT = "30s"
POST_EMAIL_DOMAIN = "bench.example.org"
# The bench server lets one address post as fast as wrk can (flood control would rightly refuse it)
# and takes forms of any age up to a day: each pre-signed form has its own issue time, one second apart.
POSTING_RULES = {
    "NEWSROOM_COMMENTS_FLOOD_SECONDS": "0",
    "NEWSROOM_COMMENTS_HOURLY_CAP": "10000000",
    "NEWSROOM_COMMENTS_MIN_SECONDS": "0",
    "NEWSROOM_COMMENTS_FORM_MAX_AGE": str(24 * 3600),
}


@dataclass
class Page:
    key: str
    label: str
    path: str
    method: str = "GET"
    headers: tuple = ()  # (name, value) pairs sent with every request, e.g. a conditional request's If-None-Match
    mail: str = ""  # for posts: the state of the mail server the background worker sends the moderators' email to


class BenchError(Exception):
    """A reason the benchmark cannot run or its figures cannot be trusted; printed without a traceback."""


# -- wrk ------------------------------------------------------------------------------------------------------


def find_wrk():
    """The wrk binary; installed with apt when running as root, else the reason it is missing."""
    if path := shutil.which("wrk"):
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is not installed: apt-get install -y wrk ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env).returncode:
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False)
        if path := shutil.which("wrk"):
            return path
    raise BenchError(
        "The benchmark needs wrk (https://github.com/wg/wrk), the load generator: a Python client on the same "
        "cores would steal the server's CPU.\nInstall it with `sudo apt-get install wrk` (Debian, Ubuntu), "
        "`brew install wrk` (macOS) or `dnf install wrk` (Fedora), then run `make bench` again."
    )


def wrk_script(name, directory):
    """tests/bench/wrk/<name>.lua with the shared reporting code in front, written into `directory`."""
    path = Path(directory) / f"{name}.lua"
    path.write_text((HERE / "wrk" / "report.lua").read_text() + "\n" + (HERE / "wrk" / f"{name}.lua").read_text())
    return path


def run_wrk(wrk, url, threads, connections, seconds, script, script_args=(), headers=(), prefix=()):
    """One wrk run; its exact totals (from report.lua) and its text output. `prefix` goes before the command
    (varnish.IDLE for readers who stand for other machines)."""
    command = [
        *prefix, wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", WRK_TIMEOUT,
        *(part for name, value in headers for part in ("-H", f"{name}: {value}")),
        "-s", str(script), url,
    ]
    if script_args:
        command += ["--", *map(str, script_args)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON ")), None)
    if result.returncode or line is None:
        raise BenchError(f"wrk failed ({' '.join(command)}):\n{result.stdout}\n{result.stderr}")
    return json.loads(line.removeprefix("BENCH_JSON ")), result.stdout


# -- the throwaway site ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def database(env):
    """SQLite in the data folder, or a fresh PostgreSQL database named by BENCH_DATABASE_URL, dropped at the end.

    Yields a description for the report.
    """
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        yield {"name": "sqlite", "label": f"SQLite {sqlite3.sqlite_version} (WAL, a file in a temporary folder)",
               "services": []}
        return
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql") or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise BenchError(f"BENCH_DATABASE_URL must be postgres://user@host:port/name, with a plain name; got {url!r}")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    try:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise BenchError(
                f"Database {name!r} already exists. The benchmark creates and drops its own database and never "
                f"reuses one; if an interrupted run left it, drop it with:  psql {admin_url!r} -c 'DROP DATABASE \"{name}\"'"
            )
        version = admin.execute("SHOW server_version").fetchone()[0]
        admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = url
        try:
            yield {"name": "postgresql", "label": f"PostgreSQL {version} ({parts.hostname}:{parts.port or 5432})",
                   "services": [("postgres", f" {name} ")]}
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


@contextlib.contextmanager
def cache(env):
    """Redis from BENCH_REDIS_URL or REDIS_URL under a key prefix of this run's own, deleted at the end; or the
    embedded default (files in the site's data folder). Yields a description for the report."""
    url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL")
    env.pop("REDIS_URL", None)
    if not url:
        yield "files on disk, shared by the workers (the embedded default; REDIS_URL not set)"
        return
    import redis

    client = redis.Redis.from_url(url)
    version = client.info("server")["redis_version"]
    prefix = f"newsroom-bench-{uuid.uuid4().hex[:8]}"
    env.update(REDIS_URL=url, BENCH_CACHE_KEY_PREFIX=prefix)
    where = urllib.parse.urlsplit(url)
    try:
        yield f"Redis {version} ({where.hostname}:{where.port or 6379}, db {where.path.lstrip('/') or 0}, keys {prefix}:*)"
    finally:
        for keys in batched(client.scan_iter(match=f"{prefix}:*", count=1000), 1000):
            client.delete(*keys)
        client.close()


def batched(items, size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def build_site(env):
    """collectstatic, migrate and the seed story as `make serve` does, then the newsroom's content (data.py)."""
    started = time.monotonic()
    gunicorn_server.prepare_site(env)
    out = gunicorn_server.manage(
        env, "shell", "--no-imports", "-c",
        "import json; from tests.bench import data; print('BENCH_SITE', json.dumps(data.build()))",
    )
    site = json.loads(next(line for line in out.splitlines() if line.startswith("BENCH_SITE ")).split(" ", 1)[1])
    manifest = json.loads((Path(env["DJANGO_STATIC_ROOT"]) / "staticfiles.json").read_text())
    site["static"] = "/static/" + manifest["paths"]["css/site.css"]
    site["seconds"] = time.monotonic() - started
    return site


def pages(site):
    busy = site["busy_story"]["path"]
    return [
        Page("minimal", "minimal view", "/bench/minimal/"),
        Page("static", "static file (WhiteNoise)", site["static"]),
        Page("front", "front page", "/"),
        Page("section", "section page", site["section"]),
        Page("story", "story, 500 replies", site["seed_story"]["path"]),
        Page("busy", "story, 20,000 replies", busy),
        Page("busy2", "20,000 replies, page 2", busy + "?cpage=2"),
        Page("live", "live story, 60 updates", site["live_story"]["path"]),
        Page("check", "update check", site["live_story"]["check"]),
        # What an open live page asks every few seconds: with the ETag it holds, answered 304 while nothing changed.
        Page("check304", "update check, 304", site["live_story"]["check"]),
        Page("rss", "RSS feed", "/feeds/latest/"),
        # Each post enqueues the moderators' email; the worker sends it to a mail server that answers, hangs or is down.
        *(Page(key, f"post a reply (mail {mail})", f"/comments/post/{site['seed_story']['id']}/", "POST", mail=mail)
          for key, mail in (("post", "answering"), ("post-hanging", "hanging"), ("post-down", "down"))),
    ]


# -- posting --------------------------------------------------------------------------------------------------


def reply_forms(env, story_id, csrf_token, count):
    """`count` url-encoded reply forms, each with its own signed timestamp, email and text.

    Signed here with the server's own settings (same DJANGO_SECRET_KEY) by the form's own
    issue_timestamp, as if each form had been shown to a reader a minute or more ago.
    """
    django_with(env)
    import random

    from comments.forms import issue_timestamp
    from tests.realistic_site import words

    rng = random.Random(13)
    shown_at = int(time.time()) - 60
    forms = []
    for n in range(count):
        forms.append(
            urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": csrf_token,
                    "timestamp": issue_timestamp(story_id, shown_at - n),
                    "name": "Bench reader",
                    "email": f"reader-{n}@{POST_EMAIL_DOMAIN}",
                    "body": f"Reply {n}. {words(rng, 200, 600)}",
                }
            )
        )
    if len(set(forms)) != count:
        raise BenchError("the pre-signed reply forms are not all different")
    return forms


def django_with(env):
    """Django set up in this process with the server's settings (its database, its cache), once."""
    import django
    from django.apps import apps

    if not apps.ready:
        os.environ.update(env)
        django.setup()


def csrf_from(base, story_id):
    """The CSRF cookie and the form's token, as a reader's browser gets them when it starts writing
    (the story page every reader shares carries none: /comments/for-me/<story>/ gives them)."""
    status, headers, body = fetch(base, f"/comments/for-me/{story_id}/", headers={"Accept": "application/json"})
    if headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    cookie = re.search(r"csrftoken=([^;]+)", headers.get("set-cookie", ""))
    token = json.loads(body).get("csrf_token") if status == 200 else None
    if not cookie or not token:
        raise BenchError(f"/comments/for-me/ ({status}) gave no CSRF cookie or token to post with")
    return cookie.group(1), token


def posts_in_log(log_path):
    """Statuses of the reply posts the server answered, from its access log (written even when wrk had hung up)."""
    statuses = {}
    for match in re.finditer(r'"POST /comments/post/\d+/ HTTP/1\.[01]" (\d{3}) ', log_path.read_text()):
        statuses[match.group(1)] = statuses.get(match.group(1), 0) + 1
    return statuses


# -- asking the server ----------------------------------------------------------------------------------------


def fetch(base, path, method="GET", body=None, headers=None):
    """One request on loopback, nothing decoded: status, headers (lower-case names), body as sent."""
    where = urllib.parse.urlsplit(base)
    assert where.hostname == "127.0.0.1", "the benchmark only ever targets loopback"
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
    try:
        connection.request(method, path, body=body, headers={"Accept-Encoding": "gzip", **(headers or {})})
        response = connection.getresponse()
        content = response.read()
        headers = {}
        for name, value in response.getheaders():  # repeated headers (Set-Cookie) joined, as HTTP allows
            headers[name.lower()] = f"{headers[name.lower()]}, {value}" if name.lower() in headers else value
        return response.status, headers, content
    finally:
        connection.close()


def probe(base, page, post_form=None, cookie=None):
    """Ask once with the query counter on: status, queries, bytes of the body as sent, its encoding."""
    headers = {REQUEST_HEADER: "1"}
    if page.method == "POST":
        headers.update({"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"})
    headers.update(dict(page.headers))
    status, response_headers, body = fetch(base, page.path, page.method, post_form, headers)
    expected = 303 if page.method == "POST" else 304 if "If-None-Match" in headers else 200
    if status != expected:
        raise BenchError(f"{page.method} {page.path} answered {status}, not {expected}:\n{body[:2000]!r}")
    return {
        "status": status,
        "queries": int(response_headers.get(RESPONSE_HEADER.lower(), "-1")),
        "body_bytes": len(body),
        "encoding": response_headers.get("content-encoding", "none"),
        "cache_control": response_headers.get("cache-control", ""),
    }


def processes():
    """(pid, ppid, name, CPU ticks used, CPU ticks of its reaped children) of every process, from /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, fields = text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1].split()
        yield int(stat.parent.name), int(fields[1]), name, int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def worker_cpu_ticks(master_pid):
    """CPU time (clock ticks) used so far by the gunicorn master's worker processes."""
    return sum(ticks for _, ppid, _, ticks, _ in processes() if ppid == master_pid)


class CpuMeter:
    """CPU used during a timed run. The server's: gunicorn and its workers, and the database's backends
    serving this run and the cache server, when there are such. And other processes', in cores: anything
    but the server, wrk and this script; on a shared machine a busy neighbour lowers the figures, and this
    says by how much it was there. Server CPU per request holds up better than requests per second then."""

    def __init__(self, master_pid, services):
        """`services`: (process name, text its command line must hold, or "") of the database and cache."""
        self.master_pid, self.services = master_pid, services
        self.hz = os.sysconf("SC_CLK_TCK")
        self.enabled = Path("/proc/stat").exists()

    def _is_service(self, pid, name):
        for service, marker in self.services:
            if name == service:
                if not marker:
                    return True
                with contextlib.suppress(OSError):
                    return marker in Path(f"/proc/{pid}/cmdline").read_text()
        return False

    def snapshot(self):
        if not self.enabled:
            return None
        cpu = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        busy = sum(cpu) - cpu[3] - cpu[4]  # all but idle and iowait
        server, workers, mine = {}, set(), 0
        for pid, ppid, name, ticks, reaped in processes():
            if pid == self.master_pid:
                server[pid] = ticks + reaped  # reaped: workers recycled during the run, their whole lives
            elif ppid == self.master_pid:
                server[pid], workers = ticks, workers | {pid}
            elif self._is_service(pid, name):
                server[pid] = ticks
            elif pid == os.getpid():
                mine = ticks
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
        return busy, server, mine + (children.ru_utime + children.ru_stime) * self.hz, time.monotonic(), workers

    def measure(self, before, after):
        """(server CPU seconds, other processes' CPU in cores) between two snapshots.

        Counted process by process: a database backend replaced during the run (a connection reaches
        DATABASE_CONN_MAX_AGE) starts from zero, and the one it replaced is left out, not subtracted
        whole; what it used between the first snapshot and its exit is missed, so this is a floor.
        """
        if before is None or after is None:
            return None, None
        server = sum(max(0, ticks - before[1].get(pid, 0)) for pid, ticks in after[1].items())
        # A worker recycled during the run came back whole in the master's reaped time: less what it had used before.
        server -= sum(before[1][pid] for pid in before[4] - after[1].keys())
        busy, ours, seconds = after[0] - before[0], after[2] - before[2], after[3] - before[3]
        return server / self.hz, max(0.0, (busy - server - ours) / self.hz / seconds)


def wait_until_idle(master_pid, limit=90):
    """Wait until the workers stop using CPU: wrk hangs up at the end of a run, but requests it had
    already sent stay queued and are still served, and must not eat into the next run."""
    if not Path("/proc/self/stat").exists():
        time.sleep(3)
        return
    deadline = time.monotonic() + limit
    quiet = 0
    before = worker_cpu_ticks(master_pid)
    while quiet < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
        now = worker_cpu_ticks(master_pid)
        quiet = quiet + 1 if now - before <= 1 else 0
        before = now


# -- report ---------------------------------------------------------------------------------------------------


def load_average():
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def machine(db, cache_label, wrk):
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        cpu = next(
            (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
             if line.startswith("model name")),
            cpu,
        )
    import django
    import gunicorn

    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True)
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("Copyright")[0].strip()
    return {
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "wrk": wrk_version,
        "database": db["label"],
        "cache": cache_label,
        "commit": commit.stdout.strip() or "unknown",
        "load_before": load_average(),
    }


def row(page, result, minimal_rate, probed, server_cpu, others):
    rate = rate_of(result)
    errors = result["errors"]
    problems = [f"{n} {kind}" for kind, n in errors.items() if n]
    if page.method == "POST" and (other := sum(t["other"] for t in result.get("threads", []))):
        problems.append(f"{other} not 303")
    return {
        "label": page.label,
        "rate": rate,
        "ratio": rate / minimal_rate if minimal_rate else None,
        "p50_ms": result["latency_us"]["p50"] / 1000,
        "p99_ms": result["latency_us"]["p99"] / 1000,
        "bytes": result["bytes"] / result["requests"] if result["requests"] else 0,
        "queries": probed["queries"],
        "problems": ", ".join(problems) or "",
        "cpu_ms": "-" if server_cpu is None or not result["requests"] else f"{server_cpu / result['requests'] * 1000:.2f}",
        "others": "-" if others is None else f"{others:.2f}",
    }


def table(rows):
    lines = [
        "| page | req/s | of minimal | p50 ms | p99 ms | bytes/response | SQL queries | server CPU ms/req "
        "| others' CPU | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ratio = f"{r['ratio']:.1%}" if r["ratio"] is not None else "-"
        lines.append(
            f"| {r['label']} | {r['rate']:,.1f} | {ratio} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
            f"{r['bytes']:,.0f} | {r['queries']} | {r['cpu_ms']} | {r['others']} | {r['problems']} |"
        )
    return "\n".join(lines)


def report(m, site, seconds, warmup, tables, probes, posting, restarts, minimal_runs):
    out = [
        f"# Newsroom load benchmark, {m['started']}",
        "",
        f"- machine: {m['cpus']} CPUs ({m['cpu']}), {m['os']}, load average before the run {m['load_before']}, "
        f"after {m['load_after']}",
        f"- software: Python {m['python']}, Django {m['django']}, gunicorn {m['gunicorn']} "
        f"({WORKERS} sync workers, newsroom/gunicorn.conf.py), {m['wrk']}; commit {m['commit']}",
        f"- database: {m['database']}",
        f"- cache: {m['cache']}",
        f"- data: {site['stories']:,} published stories; seed story {site['replies']['seed']:,} replies; "
        f"busiest story {site['replies']['busy']:,} replies (built in {site['seconds']:.0f} s)",
        f"- load: `wrk -t2 -c20 -d{seconds}s --latency` and `wrk -t1 -c1 -d{seconds}s --latency` (both with "
        f"`--timeout {WRK_TIMEOUT}`), each after a {warmup} s warm-up at the same level; "
        "every request sends `Accept-Encoding: gzip`",
        "- bytes/response: bytes wrk read per response, headers included; SQL queries: what rendering the page costs "
        "when it is not in the page cache, counted once before the load (bench middleware, off during the timed "
        "runs; a page served from the cache takes none); server CPU: gunicorn's, its database "
        "backends' and the cache server's CPU time per request; others' CPU: cores used by any other process "
        "(but wrk) during the timed run, a busy neighbour that lowers the figures",
        f"- of minimal: at {LEVELS[0][0]}, each page against the mean of the minimal view's runs just before and "
        f"after it; the minimal view ran {len(minimal_runs)} times, {min(minimal_runs):,.0f} to "
        f"{max(minimal_runs):,.0f} req/s (its row: the first run against the mean of all); at {LEVELS[1][0]}, "
        "against the minimal view's one run",
        f"- gunicorn worker restarts during the run: {restarts}",
        "",
    ]
    for label, rows in tables.items():
        out += [f"## {label}", "", table(rows), ""]
    out += ["## Each address, asked once", "", "| page | path | status | body bytes | encoding | Cache-Control |",
            "|---|---|---:|---:|---|---|"]
    for page, p in probes:
        out.append(f"| {page.label} | `{page.path}` | {p['status']} | {p['body_bytes']:,} | {p['encoding']} | "
                   f"{p['cache_control'] or '-'} |")
    if posting:
        out += ["", "## Posting: none lost?", "", posting["summary"]]
        out += ["", *post_turns.report(posting["turns"])]
    return "\n".join(out) + "\n"


def write_results(text, data, db_name, stamp):
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench-{db_name}-{stamp}.md"
    path.write_text(text)
    path.with_suffix(".json").write_text(json.dumps(data, indent=2, default=str))
    for latest in (RESULTS / "latest.md", RESULTS / f"latest-{db_name}.md"):
        latest.write_text(text)
    return path


# -- the run --------------------------------------------------------------------------------------------------


def terminate_on_sigterm():
    """SIGTERM unwinds like Ctrl-C, so the server is stopped and the temporary data removed."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 20)),
                        help="length of each timed wrk run (default 20, or BENCH_SECONDS)")
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP_SECONDS", 2)),
                        help="warm-up before each timed run (default 2 s)")
    parser.add_argument("--only", default="", help="comma-separated pages and rows to run (minimal is always run): "
                        "static,front,section,story,busy,busy2,live,check,check304,rss,post,post-hanging,post-down, "
                        "and issue 22's rows: " + ",".join(mix.ROWS) + ", the reply scores: " + scores.ROW
                        + f", and issue 24's: {live_desk.ROW}")
    parser.add_argument("--cold-samples", type=int, default=5, help="cold renders of each page (default 5)")
    parser.add_argument("--post-forms", type=int, default=40_000, help="pre-signed reply forms (default 40,000)")
    args = parser.parse_args()

    wrk = find_wrk()
    terminate_on_sigterm()
    started = datetime.now()
    with contextlib.ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="newsroom-bench-")))
        mail = MailServer()
        stack.callback(mail.close)
        env = gunicorn_server.server_env(
            data_dir, DJANGO_SETTINGS_MODULE="tests.bench.settings", DJANGO_LOG_LEVEL="WARNING", **POSTING_RULES,
            EMAIL_HOST="127.0.0.1", EMAIL_PORT=mail.port, EMAIL_USE_TLS="0",
        )
        db = stack.enter_context(database(env))
        cache_label = stack.enter_context(cache(env))
        info = machine(db, cache_label, wrk)
        info["started"] = started.strftime("%Y-%m-%d %H:%M")
        print(f"Newsroom load benchmark: {db['label']}; cache {cache_label}", flush=True)
        if os.getloadavg()[0] > 0.5:
            print(f"  note: the machine is busy (load average {info['load_before']}); the figures will be lower "
                  "and noisier, see the others' CPU column", flush=True)
        print("building the site: collectstatic, migrate, seed story, 2,000 stories, 20,500 replies ...", flush=True)
        site = build_site(env)
        print(f"  built in {site['seconds']:.0f} s", flush=True)
        selected = pages(site)
        rows = mix.ROWS
        if args.only:
            wanted = {"minimal", *args.only.split(",")}
            selected = [page for page in selected if page.key in wanted]
            rows = [row for row in rows if row in wanted]
        front_unavailable = varnish.unavailable() if "varnish" in rows else None
        front_port = gunicorn_server.free_port() if "varnish" in rows and not front_unavailable else None
        env.pop(varnish.PURGE_SETTING, None)  # the site purges the bench's own varnishd, or nothing
        if front_port:
            env[varnish.PURGE_SETTING] = f"http://127.0.0.1:{front_port}/"

        log_path = data_dir / "gunicorn.log"
        base = stack.enter_context(gunicorn_server.gunicorn(env, log_path, workers=WORKERS))
        stack.enter_context(gunicorn_server.db_worker(env, data_dir / "worker.log"))
        front = None
        if front_port:
            front = stack.enter_context(varnish.varnishd(data_dir, front_port, urllib.parse.urlsplit(base).port,
                                                         data_dir / "varnish.log"))
            print(f"varnishd at {front.base} with {varnish.vcl_path()}, in front of gunicorn", flush=True)
        print(f"gunicorn: {WORKERS} sync workers at {base}; each timed run {args.seconds} s after {args.warmup} s "
              f"of warm-up; about {minutes(len(selected) * 3 - 1 + mix.timed_runs(rows), args)} minutes", flush=True)
        booted_at_start = log_path.read_text().count("Booting worker")

        posting = None
        if posts := [page for page in selected if page.method == "POST"]:
            gunicorn_server.manage(env, "shell", "-c", "from django.contrib.auth.models import User; "
                                   f"User.objects.create_superuser('moderator', 'moderator@{POST_EMAIL_DOMAIN}', None)")
            cookie, token = csrf_from(base, site["seed_story"]["id"])
            forms = reply_forms(env, site["seed_story"]["id"], token, args.post_forms)
            forms_path = data_dir / "reply-forms.txt"
            forms_path.write_text("\n".join(forms[len(posts):]) + "\n")  # the first ones are the probes'
            posting = {"cookie": cookie, "probe_forms": forms[:len(posts)], "path": forms_path, "next": 1, "runs": [],
                       "mail": mail}

        # The conditional check carries the ETag a reader's browser holds after its first check.
        etag = fetch(base, site["live_story"]["check"])[1].get("etag")
        selected = [dataclasses.replace(page, headers=(("If-None-Match", etag),)) if page.key == "check304" else page
                    for page in selected]
        scripts = {"GET": wrk_script("get", data_dir), "POST": wrk_script("post", data_dir)}
        probes = []
        for page in selected:
            if page.method == "POST":
                probes.append((page, probe(base, page, posting["probe_forms"][posts.index(page)], posting["cookie"])))
            else:
                probes.append((page, probe(base, page)))

        meter = CpuMeter(base.pid, services=db["services"] + ([("redis-server", "")] if "REDIS_URL" in env else [])
                         + (varnish.PROCESSES if front else []))
        runner = Runner(wrk, base, args, scripts, posting, meter)
        tables, raw, minimal_runs = run_pages(runner, probes)
        if posting:
            posting["turns"] = post_turns.take_turns(runner, posts)
        django_with(env)
        newsroom_rows = mix.run(runner, site, rows, data_dir, front, front_unavailable, args.cold_samples)
        score_figures = None
        if not args.only or scores.ROW in args.only.split(","):
            print("reply scores: the labelled replies, learned from and scored as the reply form does", flush=True)
            score_figures = scores.run(env, args.seconds)
        desk_row = None
        if not args.only or live_desk.ROW in args.only.split(","):
            desk_row = live_desk.run(runner, site, data_dir, sum(minimal_runs) / len(minimal_runs))

        log_text = log_path.read_text()
        restarts = log_text.count("Booting worker") - booted_at_start
        if posting:
            posting["summary"] = check_posts(env, posting, log_path)
            print(f"  the mail server took {mail.messages:,} moderators' emails from the worker", flush=True)
        info["load_after"] = load_average()

    text = report(info, site, args.seconds, args.warmup, tables, probes, posting, restarts, minimal_runs)
    text += "\n".join(["", *mix.report(newsroom_rows), *scores.report(score_figures)])
    if desk_row:
        text += "\n\n" + live_desk.summary(desk_row) + "\n"
    print("\n" + text)
    data = {"machine": info, "site": site, "tables": tables, "probes": [(p.label, p.path, r) for p, r in probes],
            "runs": raw, "minimal_runs": minimal_runs, "worker_restarts": restarts, "issue22": newsroom_rows, "scores": score_figures,
            "issue24": desk_row,
            "posting": posting and {"summary": posting["summary"], "runs": posting["runs"], "turns": posting["turns"]}}
    path = write_results(text, data, db["name"], started.strftime("%Y%m%d-%H%M%S"))
    print(f"written to {path.relative_to(REPO)} (and latest.md beside it)")
    if posting and "LOST" in posting["summary"]:
        return 1
    return 0


def minutes(runs, args):
    """Roughly how long `runs` timed runs take, each with its warm-up and the wait for the server to be idle."""
    return runs * (args.seconds + args.warmup + 2) // 60 + 1


@dataclass
class Runner:
    """What every timed run needs: wrk, the server, the run lengths, the scripts, the reply forms, the CPU meter."""

    wrk: str
    base: str
    args: argparse.Namespace
    scripts: dict
    posting: dict
    meter: "CpuMeter"

    def timed(self, page, threads, connections):
        """A warm-up, then one timed run: (wrk's totals, its text, server CPU seconds, others' CPU)."""
        return self.measured(lambda seconds: self.load(page, threads, connections, seconds))

    def measured(self, load, during=contextlib.nullcontext):
        """`load(seconds)` (one wrk run) as a warm-up, then timed with the CPU meter and the context `during()`
        around it (e.g. a moderator at work): (wrk's totals, its text, server CPU seconds, others' CPU)."""
        load(self.args.warmup)
        wait_until_idle(self.base.pid)
        with during():
            before = self.meter.snapshot()
            result, text = load(self.args.seconds)
            server_cpu, others = self.meter.measure(before, self.meter.snapshot())
        wait_until_idle(self.base.pid)
        return result, text, server_cpu, others

    def load(self, page, threads, connections, seconds):
        """One wrk run against `page`; a run of posts takes the next unused reply forms."""
        if page.method != "POST":
            return run_wrk(self.wrk, self.base + page.path, threads, connections, seconds, self.scripts["GET"],
                           headers=page.headers)
        posting = self.posting
        posting["mail"].set_mode(page.mail)
        script_args = (posting["path"], posting["next"], threads, posting["cookie"])
        result, text = run_wrk(self.wrk, self.base + page.path, threads, connections, seconds, self.scripts["POST"],
                               script_args)
        posting["next"] += threads * max(t["sent"] for t in result["threads"])
        posting["runs"].append(result)
        return result, text


def rate_of(result):
    """Requests per second in one wrk run."""
    seconds = result["duration_us"] / 1e6
    return result["requests"] / seconds if seconds else 0.0


def run_pages(runner, probes):
    """Every page at every level, with the minimal view measured again beside each page where the targets are.

    The machine's speed drifts over a run of several minutes (by 15% and more on a shared machine), so
    at 20 connections each page is compared with the mean of the minimal view's runs just before and
    just after it. At one connection the figures are latencies, and the minimal view is measured once.
    """
    (minimal, minimal_probe), *others = probes
    bracketed = LEVELS[0]
    tables = {label: [] for label, _, _ in LEVELS}
    raw = []
    minimal_runs = []  # rates of the minimal view at the bracketed level, in order

    def record(page, probed, level, run, reference):
        label, threads, connections = level
        result, text, server_cpu, others_cpu = run
        r = row(page, result, reference, probed, server_cpu, others_cpu)
        tables[label].append(r)
        raw.append({"page": page.label, "path": page.path, "level": label, "result": result, "wrk": text})
        ratio = f"{r['ratio']:6.1%}" if r["ratio"] is not None else "     -"
        print(f"  {page.label:<24} {label:<15} {r['rate']:9.1f} req/s {ratio} of minimal  "
              f"p50 {r['p50_ms']:8.2f} ms  p99 {r['p99_ms']:8.2f} ms  {r['bytes']:9,.0f} B/resp  "
              f"{r['queries']} queries  {r['cpu_ms']} CPU ms/req  others' CPU {r['others']} {r['problems']}", flush=True)

    def minimal_at(level):
        label, threads, connections = level
        run = runner.timed(minimal, threads, connections)
        raw.append({"page": minimal.label, "path": minimal.path, "level": label, "result": run[0], "wrk": run[1]})
        return run

    first = {}
    for level in LEVELS:
        first[level] = minimal_at(level)
        if level == bracketed:
            minimal_runs.append(rate_of(first[level][0]))
    for page, probed in others:
        runs = {level: runner.timed(page, level[1], level[2]) for level in LEVELS}
        after = minimal_at(bracketed)
        before_rate, after_rate = minimal_runs[-1], rate_of(after[0])
        minimal_runs.append(after_rate)
        print(f"  {minimal.label:<24} {bracketed[0]:<15} {after_rate:9.1f} req/s (measured again)", flush=True)
        for level, run in runs.items():
            reference = (before_rate + after_rate) / 2 if level == bracketed else rate_of(first[level][0])
            record(page, probed, level, run, reference)
    # The minimal view's own row: its first run, against the mean of all its runs at the bracketed level.
    for level in LEVELS:
        reference = sum(minimal_runs) / len(minimal_runs) if level == bracketed else rate_of(first[level][0])
        record(minimal, minimal_probe, level, first[level], reference)
        tables[level[0]].insert(0, tables[level[0]].pop())
    return tables, raw, minimal_runs


def check_posts(env, posting, log_path):
    """Every reply the server acknowledged with a 303 is stored, and wrk saw no other answer."""
    stored = int(gunicorn_server.ask(
        env, f"Comment.objects.filter(email__endswith='@{POST_EMAIL_DOMAIN}').count()",
        "from comments.models import Comment",
    ))
    server = posts_in_log(log_path)
    threads = [t for run in posting["runs"] for t in run["threads"]]
    sent = sum(t["sent"] for t in threads) + len(posting["probe_forms"])  # and the probes
    seen_303 = sum(t["s303"] for t in threads) + len(posting["probe_forms"])
    other = sum(t["other"] for t in threads)
    exhausted = sum(t["exhausted"] for t in threads)
    unanswered = sent - seen_303 - other
    server_303 = server.get("303", 0)
    fine = stored == server_303 and seen_303 <= server_303 <= seen_303 + unanswered and not other
    verdict = "none lost" if fine else "LOST OR REFUSED REPLIES"
    return (
        f"{verdict}: {sent:,} posts sent (warm-ups included); wrk saw {seen_303:,} answered 303 and {other:,} "
        f"other answers; {unanswered:,} were still in flight when wrk stopped. The server's access log shows "
        f"{server_303:,} posts answered 303 (statuses {dict(sorted(server.items()))}), and {stored:,} replies "
        f"from the run are stored." + (f" {exhausted:,} posts found no fresh form left." if exhausted else "")
    )


def cli():
    try:
        return main()
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; the server is stopped and its temporary data removed.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    # Run as tests.bench.bench, the name mix.py imports it by, so both share one module (and one BenchError).
    from tests.bench.bench import cli as bench_cli

    sys.exit(bench_cli())
