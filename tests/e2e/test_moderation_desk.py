"""The moderation page worked from the keyboard, and what readers see of it: a queue of 100 cleared, by one
moderator and by two at once, a report kept, a reply featured, a spammer banned, a decision undone; readers
report and sort replies."""

import re
import time
from datetime import timedelta

import pytest
from django.db.models import Count
from playwright.sync_api import expect

from comments.models import Ban, Comment, ModerationEvent, Report
from tests.e2e.conftest import SCREENSHOTS, _staff_member
from tests.realistic_site import add_reply_threads, add_waiting_replies

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]

DESK = "/admin/comments/comment/moderate/"


def queue_count(page, queue):
    return page.get_by_role("navigation", name="Queues").locator(f'[data-count="{queue}"]')


def current(page):
    return page.locator(".mod-item.is-current")


def open_desk(page, address=DESK):
    page.goto(address)
    expect(current(page)).to_be_visible()  # the page's script is ready: the first reply is the current one


def press_decision(desk, key):
    """A decision from the keyboard: removing and marking as spam go through the reason picker."""
    desk.keyboard.press(key)
    if key == "r":
        desk.keyboard.press("4")  # the reason picker: 4 is "Personal attack"
    if key in "rs":
        desk.keyboard.press("Enter")  # spam comes with "Spam or advertising" already picked


def test_a_moderator_clears_100_waiting_replies_from_the_keyboard(seed_story, new_page, moderator, log_in, capsys):
    add_reply_threads(seed_story, 40)
    waiting = add_waiting_replies(seed_story, 100)
    plan = {reply.pk: "r" if n % 9 == 4 else "s" if n % 13 == 6 else "a" for n, reply in enumerate(waiting)}
    expected = {"a": "approved", "r": "removed", "s": "spam"}
    desk = log_in(new_page(), moderator)
    open_desk(desk, DESK + "?order=oldest")
    expect(queue_count(desk, "new")).to_have_text("100")

    started = time.monotonic()
    for left in range(99, -1, -1):
        reply_id = int(current(desk).get_attribute("data-reply"))
        press_decision(desk, plan[reply_id])
        again = desk.get_by_role("status").get_by_text("press again")
        expect(queue_count(desk, "new").get_by_text(str(left), exact=True).or_(again)).to_be_visible()
        if again.is_visible() and queue_count(desk, "new").inner_text() != str(left):
            press_decision(desk, plan[int(current(desk).get_attribute("data-reply"))])  # as the page asks
        expect(queue_count(desk, "new")).to_have_text(str(left))
        if left:
            expect(current(desk)).to_be_visible()  # the next reply, or the next page of the queue
    elapsed = time.monotonic() - started

    expect(desk.get_by_text("No replies in this queue.")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "moderation-keyboard.txt").write_text(f"100 replies decided from the keyboard in {elapsed:.1f} s\n")
    with capsys.disabled():
        print(f"\n100 waiting replies decided from the keyboard in {elapsed:.1f} s (the goal: under 180 s)")
    assert not Comment.objects.filter(status=Comment.Status.PENDING).exists()
    for reply in Comment.objects.filter(pk__in=plan):
        assert reply.status == expected[plan[reply.pk]], reply.pk
        decision = reply.events.get(moderator=moderator)
        assert (decision.from_status, decision.to_status) == ("pending", reply.status)
        assert decision.reason == {"approved": "", "removed": "attack", "spam": "spam"}[reply.status]
    assert desk.log.problems == [], "the browser reported errors or failed requests"


def test_two_moderators_clear_100_waiting_replies_together_none_decided_twice_none_missed(
    seed_story, new_page, moderator, log_in, django_user_model, settings, capsys
):
    """Both work the same queue from the keyboard at the same time, each pressing as soon as their page shows
    a reply: each page moves past the reply the other has open, drops the replies the other decided, and
    a decision that lost a race anyway is told, not applied."""
    settings.NEWSROOM_COMMENTS_QUEUE_CHECK_SECONDS = 1
    anna = _staff_member(django_user_model, "anna-moderator", "Moderators")
    waiting = add_waiting_replies(seed_story, 100)
    plan = {reply.pk: "r" if n % 9 == 4 else "s" if n % 13 == 6 else "a" for n, reply in enumerate(waiting)}
    expected = {"a": "approved", "r": "removed", "s": "spam"}
    desks = [log_in(new_page(), moderator), log_in(new_page(), anna)]
    for desk in desks:
        open_desk(desk, DESK + "?order=oldest")

    # Anna opens the reply Moe has open (she is told he is looking at it), and both decide it at once.
    moes = current(desks[0]).get_attribute("data-reply")
    desks[1].locator(f"#comment-{moes}").click()
    expect(current(desks[1])).to_contain_text("moe-moderator is looking at this")
    for desk in desks:
        press_decision(desk, plan[int(moes)])
    for desk in desks:
        expect(desk.locator(f"#comment-{moes}")).to_be_hidden()
    statuses = [desk.get_by_role("status").inner_text() for desk in desks]
    assert sum("Already" in status for status in statuses) == 1, statuses  # the one who lost the race is told

    started, told = time.monotonic(), 0
    while Comment.objects.filter(status=Comment.Status.PENDING).exists():
        assert time.monotonic() - started < 120, "two moderators took more than two minutes"
        pressed = []
        for desk in desks:  # both press before either waits: their decisions cross on the server
            reply_id = current(desk).get_attribute("data-reply", timeout=2_000) if current(desk).count() else None
            if reply_id:
                press_decision(desk, plan[int(reply_id)])
                pressed.append((desk, reply_id))
        for desk, reply_id in pressed:
            # Decided (or told it was already), or, when the other had just taken that reply and the page
            # moved on under the key, asked to press again for the reply shown now.
            decided = desk.locator(f'.mod-item[data-reply="{reply_id}"][hidden]')
            expect(decided.or_(desk.get_by_role("status").get_by_text("press again")).first).to_be_attached()
            told += "Already" in desk.get_by_role("status").inner_text()
        if not pressed:
            desks[0].wait_for_timeout(200)  # both pages between pages of the queue: look again shortly
    elapsed = time.monotonic() - started

    for desk in desks:  # the other's last decisions reach each page: nothing is left on either
        expect(desk.get_by_text("No replies in this queue.")).to_be_visible()
        expect(queue_count(desk, "new")).to_have_text("0")
    with capsys.disabled():
        print(f"\n100 waiting replies decided by two moderators at once in {elapsed:.1f} s ({told} lost races told)")
    decisions = ModerationEvent.objects.filter(comment__in=plan, action=ModerationEvent.Action.STATUS)
    assert set(decisions.values("comment").annotate(n=Count("pk")).values_list("n", flat=True)) == {1}
    assert decisions.count() == 100
    by_moderator = dict(decisions.values_list("moderator__username").annotate(n=Count("pk")))
    assert set(by_moderator) == {"moe-moderator", "anna-moderator"} and min(by_moderator.values()) >= 20, by_moderator
    for reply in Comment.objects.filter(pk__in=plan):
        assert reply.status == expected[plan[reply.pk]], reply.pk
    for desk in desks:  # a lost race answers 409, which the page tells; nothing else may fail
        assert [problem for problem in desk.log.problems if "409" not in problem] == []


def test_a_moderator_keeps_a_report_features_a_reply_bans_a_spammer_and_undoes_a_slip_from_the_keyboard(
    seed_story, new_page, moderator, log_in, axe, screenshot
):
    add_reply_threads(seed_story, 12)
    reported = Comment.objects.filter(article=seed_story).first()
    Report.objects.create(comment=reported, reason="off_topic", reporter="r" * 64)
    good = Comment.objects.create(
        article=seed_story, name="Dana", email="dana@example.org", ip_address="192.0.2.40",
        body="I live by the square: the trams stopped at noon and the shops are shut.",
        created_at=seed_story.publish_at, status=Comment.Status.PENDING,
    )
    spam = [
        Comment.objects.create(
            article=seed_story, name="Lucky Winner", email="winner@spam.example", ip_address="203.0.113.66",
            body=f"Casino bonus number {n}, click now.", status=Comment.Status.PENDING,
        )
        for n in range(3)
    ]
    desk = log_in(new_page(), moderator)

    open_desk(desk, DESK + "?queue=reported")
    expect(current(desk)).to_contain_text("Reported 1 time: Off topic")
    assert axe(desk) == [], "the moderation page has serious accessibility problems"
    screenshot(desk, "moderation-reported-queue")
    desk.keyboard.press("a")  # keep it: the report is dismissed
    expect(queue_count(desk, "reported")).to_have_text("0")
    expect(desk.get_by_role("status")).to_contain_text("Approved: the reply by")

    open_desk(desk, DESK + "?queue=new&order=oldest")
    desk.keyboard.press("?")
    expect(desk.get_by_text("Undo the last decision (for a few seconds)")).to_be_visible()
    desk.keyboard.press("?")
    expect(current(desk)).to_contain_text("I live by the square")
    screenshot(desk, "moderation-page", for_docs=True)
    desk.keyboard.press("f")
    expect(queue_count(desk, "featured")).to_have_text("1")
    expect(current(desk)).to_contain_text("Casino bonus number 0")

    desk.keyboard.press("a")  # a slip: approving spam
    expect(queue_count(desk, "new")).to_have_text("2")
    desk.keyboard.press("u")
    expect(desk.get_by_role("status")).to_contain_text("Undone")
    expect(queue_count(desk, "new")).to_have_text("3")
    expect(current(desk)).to_contain_text("Casino bonus number 0")

    desk.keyboard.press("r")  # removing asks why; Escape changes its mind
    picker = desk.get_by_role("group", name="Why remove this reply?")
    expect(picker).to_be_visible()
    expect(picker.get_by_role("radio", name="1 Offensive")).to_be_focused()
    assert axe(desk) == [], "the reason picker has serious accessibility problems"
    desk.keyboard.press("Escape")
    expect(picker).to_be_hidden()
    expect(queue_count(desk, "new")).to_have_text("3")
    expect(current(desk)).to_contain_text("Casino bonus number 0")
    current(desk).get_by_role("button", name="Remove").click()  # the buttons ask too
    expect(picker).to_be_visible()
    picker.get_by_text("Duplicate").click()
    picker.get_by_role("button", name="Remove").click()
    expect(queue_count(desk, "new")).to_have_text("2")
    expect(desk.get_by_role("status")).to_contain_text("Removed: the reply by Lucky Winner")
    desk.keyboard.press("u")
    expect(queue_count(desk, "new")).to_have_text("3")
    expect(current(desk)).to_contain_text("Casino bonus number 0")

    desk.keyboard.press("b")
    expect(desk.get_by_role("heading", name=re.compile("Ban or suspend the author"))).to_be_visible()
    desk.keyboard.type("Casino spam from several addresses")  # the reason field has the focus
    desk.keyboard.press("Enter")
    expect(desk.get_by_text(re.compile("Ban set on the author"))).to_be_visible()
    expect(queue_count(desk, "new")).to_have_text("0")
    assert desk.log.problems == [], "the browser reported errors or failed requests"

    assert Comment.objects.get(pk=good.pk).is_featured
    assert set(Comment.objects.filter(pk__in=[s.pk for s in spam]).values_list("status", flat=True)) == {"spam"}
    assert Ban.objects.get().email == "winner@spam.example"
    history = list(ModerationEvent.objects.filter(comment=spam[0]).values_list("action", flat=True))
    assert history == ["status", "undo", "status", "undo", "status", "ban"]
    assert ModerationEvent.objects.get(comment=spam[0], to_status="removed").reason == "duplicate"
    assert Report.objects.get().upheld is False

    # What it looks like to a reader: the featured reply first.
    reader = new_page()
    reader.goto(seed_story.get_absolute_url())
    featured = reader.get_by_role("region", name="Featured")
    expect(featured).to_contain_text("I live by the square")
    expect(reader.get_by_text("Casino bonus")).to_have_count(0)


def test_a_reply_that_arrives_while_the_moderator_works_shows_up_without_a_reload(seed_story, new_page, moderator, log_in, settings):
    settings.NEWSROOM_COMMENTS_QUEUE_CHECK_SECONDS = 1
    for name in ("Dana", "Erlan"):
        Comment.objects.create(article=seed_story, name=name, email=f"{name}@example.org", body=f"{name}'s words.")
    desk = log_in(new_page(), moderator)
    open_desk(desk, DESK + "?order=oldest")
    desk.keyboard.press("a")
    expect(desk.get_by_role("status")).to_contain_text("Approved: the reply by Dana.")

    Comment.objects.create(article=seed_story, name="Farida", email="farida@example.org", body="Farida's words, just in.")
    expect(desk.get_by_text("Farida's words, just in.")).to_be_visible()
    expect(desk.get_by_text("1 more reply in this queue.")).to_be_visible()
    expect(queue_count(desk, "new")).to_have_text("2")
    expect(desk.get_by_role("status")).to_contain_text("Approved: the reply by Dana.")  # the same page, not reloaded
    desk.keyboard.press("a")
    expect(current(desk)).to_contain_text("Farida's words, just in.")
    assert desk.log.problems == []


def test_a_moderator_opens_the_authors_panel_beside_a_reply_and_notes_the_author(seed_story, new_page, moderator, log_in):
    for n, status in enumerate(["approved", "removed", "pending"]):
        Comment.objects.create(
            article=seed_story, name="Walt", email="walt@example.org", body=f"Walt's reply number {n}.", status=status,
            created_at=seed_story.publish_at + timedelta(minutes=n),
        )
    desk = log_in(new_page(), moderator)
    open_desk(desk)
    desk.get_by_role("link", name="All replies, notes and bans of Walt").click()
    panel = desk.get_by_role("region", name=re.compile("Walt"))
    expect(panel.get_by_role("list").last.get_by_role("listitem")).to_have_count(3)
    expect(panel).to_contain_text("Removed")
    expect(panel).to_contain_text("walt@example.org")  # a moderator may see the email
    panel.get_by_label("Note for the other moderators").fill("Asked by phone to stop naming victims.")
    panel.get_by_role("button", name="Add the note").click()
    expect(desk.get_by_text("The note is added.")).to_be_visible()  # back on the moderation page
    expect(queue_count(desk, "new")).to_have_text("1")
    desk.get_by_role("link", name="All replies, notes and bans of Walt").click()
    expect(desk.get_by_role("paragraph").filter(has_text="Asked by phone to stop naming victims.")).to_be_visible()
    desk.get_by_role("link", name="Moderators’ dashboard").click()
    expect(desk.get_by_role("heading", name="By hour")).to_be_visible()
    assert desk.log.problems == []


def test_a_reader_reports_a_reply_and_sorts_the_replies_without_javascript(seed_story, new_page, screenshot):
    add_reply_threads(seed_story, 8)
    Comment.objects.filter(pk=Comment.objects.filter(article=seed_story, parent__isnull=True).last().pk).update(
        name="Newest Nadia"
    )
    Comment.public_replies_changed([seed_story.pk])
    reader = new_page(javascript=False)
    reader.goto(seed_story.get_absolute_url())
    reader.get_by_role("navigation", name="Order of replies").get_by_role("link", name="Newest first").click()
    expect(reader).to_have_url(re.compile(r"\?sort=newest"))
    expect(reader.locator(".reply-list > .reply").first).to_contain_text("Newest Nadia")

    reader.get_by_role("link", name="Report Newest Nadia’s reply").click()
    expect(reader.get_by_role("heading", name="Report a reply")).to_be_visible()
    reader.get_by_role("button", name="Send report").click()
    expect(reader.get_by_text("Choose a reason.")).to_be_visible()
    reader.get_by_label("Something else").check()
    reader.get_by_label(re.compile("What is wrong with it")).fill("It gives a neighbour's home address.")
    screenshot(reader, "report-a-reply")
    reader.get_by_role("button", name="Send report").click()
    expect(reader.get_by_text("Thank you for your report.")).to_be_visible()
    expect(reader.get_by_text("Newest Nadia").first).to_be_visible()
    stored = Report.objects.get()
    assert (stored.comment.name, stored.reason, stored.note) == ("Newest Nadia", "other", "It gives a neighbour's home address.")
    assert reader.log.problems == []


def test_a_moderator_signed_in_decides_on_the_story_page_itself(seed_story, new_page, moderator, log_in):
    Comment.objects.create(article=seed_story, name="Dana", email="d@example.org", body="Approved words.", status="approved")
    Comment.objects.create(article=seed_story, name="Walt", email="w@example.org", body="Waiting words.")
    desk = log_in(new_page(), moderator)
    desk.goto(seed_story.get_absolute_url())
    desk.get_by_role("button", name="Approve Walt’s reply").click()
    expect(desk.get_by_text("Approved: the reply by Walt.")).to_be_visible()
    desk.get_by_role("button", name="Feature Dana’s reply").click()
    expect(desk.get_by_role("region", name="Featured")).to_contain_text("Approved words.")

    reader = new_page()
    reader.goto(seed_story.get_absolute_url())
    expect(reader.get_by_text("Waiting words.")).to_be_visible()
    expect(reader.get_by_role("button", name=re.compile("Approve|Remove|Feature"))).to_have_count(0)
    assert desk.log.problems == [] and reader.log.problems == []
