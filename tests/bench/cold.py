"""Cold renders: how long the first reader waits for each kind of page after the site has changed.

A change every page shows (a section saved, as an editor would in the admin) makes every cached page out
of date, on every worker; the next request for a page renders it. Each sample makes that change, lets a
moment pass for the workers to hear of it, and times one request from this process (a new connection on
loopback, `Accept-Encoding: gzip`), counting the SQL queries of that very request. A sample answered
with no query was served from a cache, not rendered: it is counted and shown, never hidden.
"""

import statistics
import time

from tests.bench.middleware import AS_IT_COMES, REQUEST_HEADER, RESPONSE_HEADER

# Workers hear of a change through the shared cache (with Redis, a message on a channel): give it this long.
HEARING_SECONDS = 0.3


def kinds(site):
    """(label, path) of each kind of page a reader opens."""
    return [
        ("front page", "/"),
        ("section page", site["section"]),
        ("story, 500 replies", site["seed_story"]["path"]),
        ("story, 20,000 replies", site["busy_story"]["path"]),
        ("live story, 60 updates", site["live_story"]["path"]),
        ("topic page", site["topic"]),
        ("author page", site["author"]),
        ("RSS feed", "/feeds/latest/"),
        ("search", "/search/?q=market"),
    ]


def change_site():
    """What an editor's save of a section does: every page shows the sections, so every page is out of date.
    Runs in this process with the server's settings (bench.django_with(env) has set them up)."""
    from articles.models import Section

    Section.objects.order_by("pk").first().save()


def measure(base, site, samples, fetch):
    """Every kind of page, `samples` times each: [{label, path, ms: [...], queries: [...], cached}]."""
    rows = []
    for label, path in kinds(site):
        times, queries = [], []
        for _ in range(samples):
            change_site()
            time.sleep(HEARING_SECONDS)
            started = time.perf_counter()
            status, headers, _ = fetch(base, path, headers={REQUEST_HEADER: AS_IT_COMES})
            times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status} after a change")
            queries.append(int(headers.get(RESPONSE_HEADER.lower(), "-1")))
        row = {"label": label, "path": path, "ms": times, "queries": queries, "cached": sum(q == 0 for q in queries)}
        rows.append(row)
        print(f"  cold {label:<24} median {statistics.median(times):8.1f} ms  max {max(times):8.1f} ms  "
              f"{statistics.median(queries):.0f} queries" + (f"  ({row['cached']} served from a cache)" if row["cached"] else ""),
              flush=True)
    return rows


def table(rows, samples):
    lines = [
        f"| page | median ms | max ms | SQL queries | samples served from a cache (of {samples}) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        queries = sorted(set(r["queries"]))
        lines.append(f"| {r['label']} | {statistics.median(r['ms']):.1f} | {max(r['ms']):.1f} | "
                     f"{'–'.join(map(str, (queries[0], queries[-1]) if len(queries) > 1 else queries))} | {r['cached']} |")
    return "\n".join(lines)
