"""Issue 22's rows: readers spread over the site, some of them with a reply of their own; the same while a
moderator decides two replies a second; the same through Varnish. And the cold renders (cold.py).

The mix: wrk at 20 connections over 54 addresses (the front page, the sections, the seed story, the story
with 20,000 replies and its second page, the live story, 30 other stories, the topics, the authors and
four feeds), the breaking ones weighted up (addresses()), and 5% of requests carrying the cookies of a reader
who posted a reply in set-up (tests/bench/wrk/mix.lua). Each row's requests per second are compared with
the static file served by the same gunicorn, measured just before and just after it.

The moderator signs in to the admin and sends what the moderation page's keys send (a POST to
/admin/comments/comment/moderate/decide/ asking for JSON), two a second on a clock, approving three
replies in four and removing the fourth, from the replies data.py left waiting on the mix's stories.
"""

import contextlib
import functools
import gzip
import http.cookiejar
import json
import statistics
import threading
import time
import urllib.parse
import urllib.request

from tests.bench import bench, cold, varnish
from tests.bench.middleware import AS_IT_COMES, REQUEST_HEADER, RESPONSE_HEADER

ROWS = ("cold", "mix", "mix-moderated", "varnish")
THREADS, CONNECTIONS = 2, 20
COOKIE_SHARE = 0.05
DECISIONS_PER_SECOND = 2
DECIDE = "/admin/comments/comment/moderate/decide/"
WARM_TRIES = 12
POLL_EVERY, POLL_LIMIT = 0.02, 10.0  # seconds: how often a reader's page is asked for an approved reply, how long
# Targets from issue 22: each mix row's share of the static file (a multiple of it through Varnish), and more.
MIX_SHARE, MODERATED_SHARE, MODERATED_P99_MS = 0.50, 0.40, 50
VARNISH_MULTIPLE, VARNISH_HITS, APPROVAL_TO_PAGE_S = 5.0, 0.98, 1.0


def timed_runs(rows):
    """How many timed wrk runs `rows` make: each mix row, and the static file before the first and after each."""
    mixes = len([row for row in rows if row != "cold"])
    return 2 * mixes + 1 if mixes else 0


def addresses(site):
    """(weight, path) of each address in the mix: a reader draws one in proportion to its weight."""
    mix, busy = site["mix"], site["busy_story"]["path"]
    return [
        (8, "/"), (8, site["seed_story"]["path"]), (8, busy), (2, busy + "?cpage=2"), (4, site["live_story"]["path"]),
        *((2, path) for path in mix["sections"]), *((1, path) for path in mix["stories"]),
        *((1, path) for path in mix["topics"]), *((1, path) for path in mix["authors"]), *((2, path) for path in mix["feeds"]),
    ]


def warm(base, site):
    """Ask each address until it is served from the cache (no SQL query) three times running, so the timed
    runs start from the cached pages a site has after a while, on every worker; (requests, addresses never
    served from the cache)."""
    asked, never = 0, 0
    for _, path in addresses(site):
        running = 0
        for _ in range(WARM_TRIES):
            headers = bench.fetch(base, path, headers={REQUEST_HEADER: AS_IT_COMES})[1]
            asked += 1
            running = running + 1 if headers.get(RESPONSE_HEADER.lower()) == "0" else 0
            if running == 3:
                break
        never += running < 3
    return asked, never


def check_addresses(base, site):
    """Every address answers 200 to a reader with no cookie, and the front page and the seed story to each
    reader who posted (their pages may be rendered for them alone: asking all would take minutes)."""
    asked = [(path, "") for _, path in addresses(site)]
    asked += [(path, jar) for jar in site["cookie_readers"] for path in ("/", site["seed_story"]["path"])]
    for path, jar in asked:
        status = bench.fetch(base, path, headers={"Cookie": jar} if jar else None)[0]
        if status != 200:
            raise bench.BenchError(f"the mix's {path} answered {status}" + (" to a reader who posted" if jar else ""))


class Moderator:
    """A moderator's browser, signed in to the admin, deciding replies at DECISIONS_PER_SECOND."""

    def __init__(self, base, credentials, waiting):
        self.base, self.waiting = base, iter(waiting)
        self.jar = http.cookiejar.CookieJar()
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.browser.open(base + "/admin/login/", timeout=30).read()
        username, password = credentials
        landed = self.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
        if "/admin/login/" in landed.url:
            raise bench.BenchError("the bench's moderator could not sign in to the admin")

    def post(self, path, fields, headers=None):
        csrf = next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": csrf}).encode()
        return self.browser.open(urllib.request.Request(self.base + path, body, headers or {}), timeout=60)

    @contextlib.contextmanager
    def at_work(self, decisions, on_approval=None):
        """Decide replies on a clock while the block runs, each noted in `decisions` as (seconds the POST took,
        whether it was decided); `on_approval(reply_id, story path, sent at)` after each approval of a reply that
        shows on its story's first page. As the moderation page's keys do, a decision does not wait for the
        answer to the one before: a slow server slows the answers, not the moderator."""
        stop, sent = threading.Event(), []
        clock = threading.Thread(target=self._work, args=(decisions, stop, on_approval, sent), daemon=True)
        clock.start()
        try:
            yield
        finally:
            stop.set()
            clock.join()
            for decision in sent:
                decision.join(timeout=120)

    def _work(self, decisions, stop, on_approval, sent):
        started = time.monotonic()
        for n, (reply_id, path, first_page) in enumerate(self.waiting):
            if stop.wait(max(0.0, started + n / DECISIONS_PER_SECOND - time.monotonic())):
                return
            decision = "remove" if n % 4 == 3 else "approve"
            watch = on_approval if decision == "approve" and first_page else None
            sent.append(threading.Thread(target=self._decide, args=(reply_id, path, decision, decisions, watch), daemon=True))
            sent[-1].start()
        print("  the moderator has no reply left waiting: data.PENDING_REPLIES is too small for this run", flush=True)

    def _decide(self, reply_id, path, decision, decisions, on_approval):
        sent = time.monotonic()
        try:
            # A removal carries its reason, as the page's reason picker sends it.
            why = {"reason": "offensive"} if decision == "remove" else {}
            with self.post(DECIDE, {"reply": reply_id, "decision": decision, **why}, {"Accept": "application/json"}) as answer:
                decided = json.load(answer).get("decided") is True
        except OSError:
            decided = False
        decisions.append((time.monotonic() - sent, decided))
        if decided and on_approval:
            on_approval(reply_id, path, sent)


class Watcher:
    """A reader who keeps reloading a story after each approval, until the approved reply is on the page."""

    def __init__(self, base):
        self.base, self.seconds, self.missed, self.polls, self.asked = base, [], 0, [], []

    def __call__(self, reply_id, path, sent):
        poll = threading.Thread(target=self._poll, args=(reply_id, path, sent), daemon=True)
        poll.start()
        self.polls.append(poll)

    def _poll(self, reply_id, path, sent):
        marker, asked = f'id="comment-{reply_id}"'.encode(), 0
        while time.monotonic() - sent < POLL_LIMIT:
            _, headers, body = bench.fetch(self.base, path)
            asked += 1
            if marker in (gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body):
                self.seconds.append(time.monotonic() - sent)
                break
            time.sleep(POLL_EVERY)
        else:
            self.missed += 1
        self.asked.append(asked)

    def join(self):
        for poll in self.polls:
            poll.join()


# -- the rows -------------------------------------------------------------------------------------------------


def run(runner, site, rows, data_dir, front=None, front_unavailable="", cold_samples=5):
    """The rows asked for, in order; `front` is a running Varnish (varnish.py), else `front_unavailable` says
    why not. Returns {"cold": [...] or None, "rows": [...], "static": [...]} for report()."""
    results = {"cold": None, "rows": [], "static": [], "cold_samples": cold_samples, "skipped": {},
               "addresses": len(addresses(site))}
    if "cold" in rows:
        print(f"cold renders: the first request after a change, {cold_samples} samples of each page", flush=True)
        results["cold"] = cold.measure(runner.base, site, cold_samples, bench.fetch)
    wanted = [row for row in ROWS[1:] if row in rows]
    if "varnish" in wanted and front is None:
        print(f"  varnish: skipped: {front_unavailable}", flush=True)
        results["skipped"]["varnish"] = front_unavailable
        wanted.remove("varnish")
    if not wanted:
        return results
    script = bench.wrk_script("mix", data_dir)
    (data_dir / "mix-addresses.txt").write_text("".join(f"{weight} {path}\n" for weight, path in addresses(site)))
    (data_dir / "mix-cookies.txt").write_text("".join(f"{jar}\n" for jar in site["cookie_readers"]))
    check_addresses(runner.base, site)
    moderator = Moderator(runner.base, site["moderator"], site["waiting"]) if {"mix-moderated", "varnish"} & set(wanted) else None
    static = bench.Page("static", "static file (WhiteNoise)", site["static"])

    def load(base, seed, prefix=()):
        arguments = (data_dir / "mix-addresses.txt", data_dir / "mix-cookies.txt", COOKIE_SHARE, seed)
        return lambda seconds: bench.run_wrk(runner.wrk, base + "/", THREADS, CONNECTIONS, seconds, script, arguments,
                                             prefix=prefix)

    def static_rate():
        rate = bench.rate_of(runner.timed(static, THREADS, CONNECTIONS)[0])
        results["static"].append(rate)
        print(f"  {static.label:<34} {rate:9.1f} req/s (the reference, at {CONNECTIONS} connections)", flush=True)
        return rate

    before = static_rate()
    for n, key in enumerate(wanted):
        decisions, extra = [], {}
        asked, never = warm(runner.base, site)
        print(f"  warmed the page cache: {asked} requests; {never} addresses not served from it three times running "
              f"in {WARM_TRIES} tries", flush=True)
        base, during, prefix = runner.base, contextlib.nullcontext, ()
        if key == "mix-moderated":
            during = functools.partial(moderator.at_work, decisions)
        elif key == "varnish":
            base, during = front.base, functools.partial(through_varnish, front, moderator, decisions, extra)
            prefix = varnish.IDLE
        result, _, server_cpu, others = runner.measured(load(base, n, prefix), during)
        after = static_rate()
        row = measured_row(key, result, (before + after) / 2, server_cpu, others, decisions, extra)
        results["rows"].append(row)
        print("  " + summary(row), flush=True)
        before = after
    return results


@contextlib.contextmanager
def through_varnish(front, moderator, decisions, extra):
    """The moderator at work while readers come through Varnish: its cache lookups during the block, and how
    long each approval took to reach a reader's page through it."""
    watcher = Watcher(front.base)
    before = front.counters(settled=True)
    with moderator.at_work(decisions, watcher):
        yield
    watcher.join()
    done = varnish.counted(before, front.counters(settled=True))  # the polls' requests too: they are readers
    extra.update(hits=varnish.hit_ratio(done), varnish=done, approval_s=watcher.seconds, approvals_unseen=watcher.missed,
                 polls=sum(watcher.asked))


def measured_row(key, result, static_rate, server_cpu, others, decisions, extra):
    threads = result.get("threads", [])
    sent = sum(t["sent"] for t in threads)
    rate = bench.rate_of(result)
    return {
        "key": key,
        "label": {"mix": "mix, 5% with a reply author's cookies", "mix-moderated": "… while a moderator decides 2 replies/s",
                  "varnish": "… through Varnish"}[key],
        "rate": rate, "requests": result["requests"], "static": static_rate, "share": rate / static_rate if static_rate else 0.0,
        "p50_ms": result["latency_us"]["p50"] / 1000, "p99_ms": result["latency_us"]["p99"] / 1000,
        "errors": ", ".join(f"{n} {kind}" for kind, n in result["errors"].items() if n),
        "cookied": sum(t["cookied"] for t in threads) / sent if sent else 0.0,
        "cpu_ms": None if server_cpu is None or not result["requests"] else server_cpu / result["requests"] * 1000,
        "others": others,
        "decisions": len(decisions), "decided": sum(ok for _, ok in decisions),
        "decision_ms": sorted(s * 1000 for s, _ in decisions),
        **extra,
    }


def summary(row):
    text = (f"{row['label']:<42} {row['rate']:9.1f} req/s {row['share']:7.1%} of the static file  p50 {row['p50_ms']:7.2f} ms  "
            f"p99 {row['p99_ms']:7.2f} ms  {row['cookied']:.1%} with cookies  {row['errors']}")
    if row["decisions"]:
        text += f"; {decision_text(row)}"
    if "hits" in row:
        text += f"; {hits_text(row)}; {approval_text(row)}; {varnish.describe(row['varnish'])}"
    return text


def decision_text(row):
    ms = row["decision_ms"]
    return (f"{row['decisions']} decisions sent at {DECISIONS_PER_SECOND}/s, {row['decisions'] - row['decided']} not decided; "
            f"each POST {statistics.median(ms):.0f} ms median, {max(ms):.0f} ms max")


def hits_text(row):
    done = row["varnish"]
    looked = done["hits"] + done["misses"] + done["hit-for-pass"]
    text = "no cache lookups" if row["hits"] is None else f"{row['hits']:.1%} hits of {looked:,} cache lookups"
    text += f", {row['polls']:,} requests of the reader polling after approvals among them at most"
    if done["requests"] < row["requests"] + row["polls"]:  # varnishstat had not counted them all: say so
        text += f"; COUNTERS INCOMPLETE: Varnish counted {done['requests']:,} requests, wrk and the polls made more"
    return text


def approval_text(row):
    seen = row["approval_s"]
    if not seen:
        return f"no approval seen on a page ({row['approvals_unseen']} waited for {POLL_LIMIT:.0f} s)"
    return (f"approval to page {statistics.median(seen):.2f} s median, {max(seen):.2f} s max over {len(seen)} approvals"
            + (f", {row['approvals_unseen']} not on the page after {POLL_LIMIT:.0f} s" if row["approvals_unseen"] else ""))


def targets(results):
    """(row, figure, target, met) for every target of issue 22 item 7; met is None for a row skipped here."""
    rows = {row["key"]: row for row in results["rows"]}
    out = []
    if mix := rows.get("mix"):
        out.append(("mix, 5% with cookies: share of the static file", f"{mix['share']:.1%}", f"≥ {MIX_SHARE:.0%}",
                    mix["share"] >= MIX_SHARE))
    if moderated := rows.get("mix-moderated"):
        out += [("… with 2 decisions/s: share of the static file", f"{moderated['share']:.1%}", f"≥ {MODERATED_SHARE:.0%}",
                 moderated["share"] >= MODERATED_SHARE),
                ("… with 2 decisions/s: p99", f"{moderated['p99_ms']:.1f} ms", f"< {MODERATED_P99_MS} ms",
                 moderated["p99_ms"] < MODERATED_P99_MS)]
    if through := rows.get("varnish"):
        seen = through["approval_s"]
        worst = max(seen) if seen and not through["approvals_unseen"] else None
        out += [("through Varnish: multiple of the gunicorn static file", f"{through['share']:.2f}×", f"≥ {VARNISH_MULTIPLE:.0f}×",
                 through["share"] >= VARNISH_MULTIPLE),
                ("through Varnish: hits for anonymous readers", hits_text(through), f"≥ {VARNISH_HITS:.0%}",
                 through["hits"] is not None and through["hits"] >= VARNISH_HITS),
                ("through Varnish: approval to page, slowest", approval_text(through), f"< {APPROVAL_TO_PAGE_S:.0f} s",
                 worst is not None and worst < APPROVAL_TO_PAGE_S)]
    elif reason := results["skipped"].get("varnish"):
        out.append(("through Varnish", f"skipped: {reason}", f"≥ {VARNISH_MULTIPLE:.0f}×, ≥ {VARNISH_HITS:.0%} hits, "
                    f"approval to page < {APPROVAL_TO_PAGE_S:.0f} s", None))
    return out


def report(results):
    """The rows' part of the report, in Markdown lines."""
    out = []
    if results["cold"]:
        out += ["## Cold renders: the first request after a change", "",
                f"Each sample saves a section (a change every page shows), waits {cold.HEARING_SECONDS} s, and times one "
                "request on a new connection; SQL queries of that request.", "", cold.table(results["cold"], results["cold_samples"]), ""]
    if results["rows"] or results["skipped"]:
        static = results["static"]
        out += ["## The newsroom's mix", "",
                f"wrk `-t{THREADS} -c{CONNECTIONS}` over {results['addresses']} addresses "
                f"(tests/bench/mix.py, tests/bench/wrk/mix.lua), {COOKIE_SHARE:.0%} of requests with a reply author's cookies; "
                "each against the static file served by the same gunicorn just before and after it"
                + (f" ({min(static):,.0f} to {max(static):,.0f} req/s in this run)" if static else "") + ".", "",
                "| row | req/s | of the static file | p50 ms | p99 ms | with cookies | server CPU ms/req | others' CPU | errors | more |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
        for r in results["rows"]:
            more = "; ".join(filter(None, [r["decisions"] and decision_text(r), "hits" in r and hits_text(r),
                                           "hits" in r and approval_text(r), "hits" in r and varnish.describe(r["varnish"])]))
            cpu = "-" if r["cpu_ms"] is None else f"{r['cpu_ms']:.2f}"
            others = "-" if r["others"] is None else f"{r['others']:.2f}"
            out.append(f"| {r['label']} | {r['rate']:,.1f} | {r['share']:.1%} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                       f"{r['cookied']:.1%} | {cpu} | {others} | {r['errors']} | {more} |")
        out += ["", "## Issue 22's targets", "", "| what | measured | target | |", "|---|---|---|---|"]
        out += [f"| {what} | {figure} | {target} | {'not run' if met is None else 'met' if met else 'MISSED'} |" for what, figure, target, met in targets(results)]
        out.append("")
    return out
