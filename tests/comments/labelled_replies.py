"""A labelled set of replies to measure the scores with: clean, offensive and spam, made from fixed parts
with a seeded random generator, so every run (a test, tests/bench/scores.py) gets the same few hundred.

Each reply is (name, website, body, label), the label what a moderator would decide: "approved" (clean),
"removed" (offensive) or "spam". Offensive replies quote the words the offensive-language model was made
for; spam advertises, with links or without.
"""

import random
from typing import NamedTuple

SEED = 23
EACH = 120  # replies of each label


class Labelled(NamedTuple):
    name: str
    website: str
    body: str
    label: str


NAMES = ["Aigerim", "Dana K", "Marat", "Sofia L.", "Timur", "Olga", "Ben Carter", "Nurlan", "Ruth", "A reader"]
PLACES = ["the square", "Abay Avenue", "the airport road", "Medeu", "the old market", "the station", "Dostyk", "our block"]
SEEN = [
    "the trams stopped at noon", "the shops closed early", "we heard shots until the evening", "the police blocked the bridge",
    "the phones worked again after six", "our neighbours took in a family from the centre", "the bakery stayed open",
    "the buses were running by morning", "there were long queues at the pharmacy", "the schools sent the children home",
]
THOUGHTS = [
    "Thank you for the careful reporting.", "Stay safe, everyone.", "Is there a number to call for missing relatives?",
    "Your map of the closed roads helped us get home.", "The second paragraph has the wrong date, I think.",
    "Please keep the live updates coming.", "I hope the hospital gets the blood it asked for.",
    "Could you say where the shelters are?", "My cousin says the same about the west of the city.", "",
]
INSULTS = [
    "You are a fucking idiot", "Shut the fuck up", "What a load of bullshit", "The writer is a stupid moron",
    "Fuck you and your lies", "Go to hell, you worthless piece of shit", "Only a dumb ass would believe this crap",
    "You stupid bastards", "This is fucking garbage", "Damn liars, the lot of you", "Eat shit, reporter",
    "Whoever wrote this is a retarded asshole",
]
AFTER_INSULTS = ["", "!", "!!", ".", " and everyone here knows it.", ", get a real job.", " Nobody reads this rag."]
PRODUCTS = [
    "cheap watches", "replica handbags", "diet pills", "crypto signals", "casino bonuses", "car insurance quotes",
    "SEO backlinks", "essay writing", "loans with no credit check", "followers for your profile",
]
PITCHES = [
    "Best {product} online, 90% off today only: {url}", "Earn $500 a day from home! Details at {url}",
    "Looking for {product}? Visit {url} now", "BUY {product} CHEAP!!! {url} {url}",
    "Great article. By the way, we sell {product}, see {url}", "Hot offer on {product} -> {url}",
    "Need {product}? Call +7 700 123 4567 or write to our agent on WhatsApp", "Click here for free {product}: {url}",
]
DOMAINS = ["best-deals", "cheap-shop", "win-big", "top-offer", "promo-club", "fast-cash"]


def labelled_replies(each=EACH, seed=SEED):
    """`each` replies of each label, shuffled: the same list on every call with the same arguments."""
    rng = random.Random(seed)
    replies = []
    for _ in range(each):
        body = f"I live by {rng.choice(PLACES)}: {rng.choice(SEEN)}. {rng.choice(THOUGHTS)}".strip()
        replies.append(Labelled(rng.choice(NAMES), "", body, "approved"))
    for _ in range(each):
        body = f"{rng.choice(INSULTS)}{rng.choice(AFTER_INSULTS)}"
        if rng.random() < 0.5:
            body = f"{rng.choice(SEEN).capitalize()}? {body}"
        replies.append(Labelled(rng.choice(NAMES), "", body, "removed"))
    for _ in range(each):
        domain = f"{rng.choice(DOMAINS)}{rng.randint(1, 99)}.example"
        url = f"https://{domain}/{rng.choice(['offer', 'deal', 'go', 'p'])}{rng.randint(1, 999)}"
        body = rng.choice(PITCHES).format(product=rng.choice(PRODUCTS), url=url)
        website = f"https://{domain}/" if rng.random() < 0.6 else ""
        replies.append(Labelled(rng.choice(["Best Deals", "Sara", "Promo Team", "John"]), website, body, "spam"))
    rng.shuffle(replies)
    return replies


def halves(replies):
    """(learned from, measured on): every other reply, so both halves hold each label."""
    return replies[::2], replies[1::2]


def precision_recall(scored, threshold):
    """(precision, recall, true positives, false positives, false negatives) of `scored` pairs (score, is it
    what is looked for) at `threshold`: a score above it counts as a positive."""
    true_positive = sum(1 for score, wanted in scored if score > threshold and wanted)
    false_positive = sum(1 for score, wanted in scored if score > threshold and not wanted)
    false_negative = sum(1 for score, wanted in scored if score <= threshold and wanted)
    precision = true_positive / ((true_positive + false_positive) or 1)
    recall = true_positive / ((true_positive + false_negative) or 1)
    return precision, recall, true_positive, false_positive, false_negative


def store_decisions(story, replies, moderator):
    """Store `replies` on `story` as waiting, then decide each as its label says, as `moderator` (in bulk: one
    decision recorded per reply, as the admin's actions do); the replies stored."""
    from comments.models import Comment

    stored = Comment.objects.bulk_create(
        Comment(article=story, name=reply.name, website=reply.website, body=reply.body, body_html=reply.body,
                email=f"labelled{number}@example.org", status=Comment.Status.PENDING)
        for number, reply in enumerate(replies)
    )
    for label in {reply.label for reply in replies}:
        chosen = [row.pk for row, reply in zip(stored, replies, strict=True) if reply.label == label]
        Comment.objects.filter(pk__in=chosen).moderate(label, moderator)
    return stored
