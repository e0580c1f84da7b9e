"""The reply posts at one connection with the mail server answering, hanging and down, taken in turns.

The machine's speed drifts by more than 10% over the minutes a bench takes (the same post costs 25 ms
of CPU in one run and 32 in the next), so three runs one after the other measure the drift as much as
the mail server. In turns (answering, hanging, down, answering, ...), every mode meets the same drift:
each mode's figure is the median of its turns' medians, and the spread between modes is read from those.
"""

import statistics

TURNS = 5


def take_turns(runner, posts, turns=TURNS):
    """{label: (median of its turns' medians in ms, [each turn's median])} of `posts` at one connection."""
    seconds = max(2, runner.args.seconds // 2)
    medians = {page.label: [] for page in posts}
    for _ in range(turns):
        for page in posts:
            result, _ = runner.load(page, 1, 1, seconds)
            medians[page.label].append(result["latency_us"]["p50"] / 1000)
    return {label: (statistics.median(each), each) for label, each in medians.items()}


def report(turns):
    """The lines that say whether the medians are within 10% of one another."""
    if len(turns) < 2:
        return []
    figures = {label: median for label, (median, _) in turns.items()}
    spread = max(figures.values()) / min(figures.values()) - 1
    lines = [
        f"Reply post median at 1 connection whatever the mail server does, {len(next(iter(turns.values()))[1])} turns "
        f"each, taken in turn (target: within 10%): "
        + ", ".join(f"{label[len('post a reply ('):-1]} {ms:.1f} ms" for label, ms in figures.items())
        + f"; the slowest {spread:.0%} above the fastest ({'met' if spread <= 0.10 else 'MISSED'}).",
        "",
        "| mail server | each turn's median, ms |",
        "|---|---|",
    ]
    lines += [f"| {label[len('post a reply (mail '):-1]} | {', '.join(f'{ms:.1f}' for ms in each)} |" for label, (_, each) in turns.items()]
    return lines
