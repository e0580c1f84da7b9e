"""What the reply scores are worth and what they cost: precision and recall at the default thresholds on the
labelled replies (tests/comments/labelled_replies.py), and the time one reply's scores take.

Run `.venv/bin/python tests/bench/scores.py` (SQLite; DATABASE_URL for PostgreSQL). Like moderation_pages.py it
makes a throwaway test database (dropped afterwards); there it stores half the labelled replies as a moderator's
decisions, trains the spam classifier through its task, and scores the other half as the reply form does
(comments.scores.score(), with the query that looks for a newer version). The offensive-language model, which
learns nothing from the site, is measured on every reply. `--json` prints the figures for the bench
(`make bench` runs it as the row "scores"); `--seconds` is how long the timing loop runs.
"""

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROW = "scores"


def measure(seconds):
    """The figures, in the test database this process set up."""
    from django.contrib.auth.models import User

    from comments import scores
    from comments.models import Comment, DiscussionSettings
    from tests.comments.labelled_replies import halves, labelled_replies, precision_recall, store_decisions
    from tests.stories import make_story

    rules = DiscussionSettings.current()
    replies = labelled_replies()
    learned_from, measured_on = halves(replies)
    moderator = User.objects.create_user("scoring-moderator", is_staff=True)
    started = time.perf_counter()
    store_decisions(make_story("Labelled replies"), learned_from, moderator)
    outcome = scores.retrain_spam_classifier.call()
    trained_seconds = time.perf_counter() - started

    def unsaved(reply):
        return Comment(name=reply.name, website=reply.website, body=reply.body)

    scores.score(unsaved(replies[0]))  # loads both models, as a worker's first reply does
    offensive = [(scores.score(unsaved(reply)).offensive, reply.label == "removed") for reply in replies]
    spam = [(scores.score(unsaved(reply)).spam, reply.label == "spam") for reply in measured_on]
    times, deadline, cpu_started = [], time.monotonic() + seconds, time.process_time()
    while time.monotonic() < deadline or not times:
        for reply in measured_on:
            reply = unsaved(reply)
            start = time.perf_counter()
            scores.score(reply)
            times.append((time.perf_counter() - start) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / len(times)  # this process's CPU: less moved by others' load
    times.sort()
    figures = {"replies": len(replies), "each": len(replies) // 3, "trained": outcome, "train_seconds": trained_seconds}
    for what, scored, threshold in (("offensive", offensive, rules.offensive_threshold), ("spam", spam, rules.spam_threshold)):
        precision, recall, true_positive, false_positive, false_negative = precision_recall(scored, threshold)
        figures[what] = {"threshold": threshold, "measured_on": len(scored), "precision": precision, "recall": recall,
                         "true_positive": true_positive, "false_positive": false_positive, "false_negative": false_negative}
    figures["ms_per_reply"] = {"median": statistics.median(times), "p99": times[int(len(times) * 0.99) - 1],
                               "cpu": cpu_ms, "samples": len(times), "load_average": os.getloadavg()[0]}
    return figures


def lines(figures):
    """The figures in Markdown lines (the bench's report and this script's output)."""
    out = [f"## Reply scores ({figures['replies']} labelled replies, {figures['each']} of each kind)", "",
           "| score | measured on | threshold | precision | recall | false positives | missed |", "|---|---:|---:|---:|---:|---:|---:|"]
    for what in ("offensive", "spam"):
        f = figures[what]
        out.append(f"| {what} | {f['measured_on']} | {f['threshold']:.2f} | {f['precision']:.1%} | {f['recall']:.1%} | "
                   f"{f['false_positive']} | {f['false_negative']} |")
    timing = figures["ms_per_reply"]
    out += ["", f"The other half stored as a moderator's decisions and learned from in {figures['train_seconds']:.2f} s "
            f"({figures['trained']}). Both scores of one reply: {timing['median']:.2f} ms at the median, {timing['p99']:.2f} ms "
            f"at p99, {timing['cpu']:.2f} ms of CPU ({timing['samples']:,} replies scored; load average "
            f"{timing['load_average']:.1f}).", ""]
    return out


def run(env, seconds):
    """The bench's row: this script in the bench's environment (its kind of database), its figures."""
    result = subprocess.run([sys.executable, str(Path(__file__)), "--json", "--seconds", str(seconds)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=True)
    return json.loads(result.stdout.splitlines()[-1])


def report(figures):
    return lines(figures) if figures else []


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to time the scoring (default 5)")
    parser.add_argument("--json", action="store_true", help="print the figures as one line of JSON")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    logging.disable(logging.WARNING)
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        figures = measure(args.seconds)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    print(json.dumps(figures) if args.json else "\n".join(lines(figures)))


if __name__ == "__main__":
    main()
