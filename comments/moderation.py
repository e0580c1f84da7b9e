"""The one owner of a reply's life: whether a story takes replies, whether a post is admitted, what
becomes of the reply, and who is told.

Shaped like django-contrib-comments' CommentModerator: `allow()` says whether a
story takes replies now, `moderate()` gives the verdict, `notify()` tells the
moderators. `receive()` runs a post through all of it in one transaction; the
post view calls it and otherwise only speaks HTTP. After that: `report()` takes
a reader's report, `decide()` and `undo()` a moderator's decision, `ban()` a
commenter's ban or suspension; every one of them is recorded in the reply's history.

No answer may tell a stranger whether an email address has written here, is banned or is writing
right now, in any moderation mode. So nothing about an email is ever refused: a repeated reply is
recognised only from the same browser, and many replies from one email are held, not turned away.
And where replies are published at once, a reply held for who wrote it is told and shown to its
own browser as published (`Verdict.looks_published`); only the moderators see that it waits.
"""

from datetime import timedelta
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.template.defaultfilters import pluralize
from django.utils import timezone

import clientip
from articles.models import Article

from . import notifications, scores
from .conf import app_settings
from .decisions import DECISIONS, DecidedMeanwhile, Decisions  # noqa: F401 (the first two offered here to the pages)
from .models import (
    Ban,
    Comment,
    DiscussionSettings,
    ModerationEvent,
    Report,
    StoryDiscussion,
    Throttle,
    digest,
)
from .scores import LINK

THANKS = {
    Comment.Status.APPROVED: "Thank you. Your reply is published.",
    # Spam is told exactly like a pending reply: there is nothing to learn from the answer.
    Comment.Status.PENDING: "Thank you. Your reply is awaiting moderation.",
    Comment.Status.SPAM: "Thank you. Your reply is awaiting moderation.",
}
FORM_USED = "This form has already been used to post a reply. Your text is kept below: please post it again."
REPORT_THANKS = "Thank you for your report. A moderator will look at the reply; it stays up until they decide."
# How long a suspension may be chosen for; a ban lasts until a moderator lifts it.
SUSPENSIONS = {1: "1 day", 3: "3 days", 7: "7 days", 30: "30 days"}


class Refusal(NamedTuple):
    """Why a post was turned away, for the reader; its HTTP status and, for a limit, when to try again."""

    message: str
    status: int = 429
    retry_after: int = 0


class Verdict(NamedTuple):
    """The status a new reply gets, and why (recorded in its history for the moderators); `looks_published`
    when it is held only for who wrote it where its words alone would be published (see moderate())."""

    status: str
    reason: str
    looks_published: bool = False


class Received(NamedTuple):
    """What became of a post: the reply it made or merged into, or the refusal."""

    reply: Comment | None = None
    refusal: Refusal | None = None

    @property
    def thanks(self):
        return THANKS[Comment.Status.APPROVED if self.reply.looks_published else self.reply.status]


class ReplyModerator(Decisions):
    enable_field = "comments_enabled"
    auto_close_field = "comments_close_at"
    # Opening and closing.

    def closes_at(self, article):
        """When the story stops taking replies: its own date, else some days after publication, else never."""
        if override := getattr(article, self.auto_close_field):
            return override
        if days := app_settings.CLOSE_AFTER_DAYS:
            return article.publish_at + timedelta(days=days)
        return None

    def allow(self, article, discussion=None):
        """Whether `article` takes replies now: public, switched on by its editors, not closed by a
        moderator (its StoryDiscussion, read when not given), and not past its closing time.

        A draft or an embargoed story seen in an editor's preview takes none: its form would post nowhere.
        """
        discussion = discussion or StoryDiscussion.for_story(article)
        closes_at = self.closes_at(article)
        return (
            article.is_published()
            and bool(getattr(article, self.enable_field))
            and discussion.closed_at is None
            and (closes_at is None or timezone.now() < closes_at)
        )

    def next_closing(self):
        """The next moment a public story stops taking replies by itself, or None: its page changes then."""
        now = timezone.now()
        open_stories = Article.objects.published().filter(**{self.enable_field: True})
        moments = [
            open_stories.filter(**{f"{self.auto_close_field}__gt": now})
            .aggregate(soonest=Min(self.auto_close_field))["soonest"]
        ]
        if days := app_settings.CLOSE_AFTER_DAYS:
            oldest_open = (
                open_stories.filter(**{f"{self.auto_close_field}__isnull": True}, publish_at__gt=now - timedelta(days=days))
                .aggregate(oldest=Min("publish_at"))["oldest"]
            )
            moments.append(oldest_open and oldest_open + timedelta(days=days))
        return min((moment for moment in moments if moment), default=None)

    # A reply's arrival.

    def receive(self, reply, author_token, form_nonce, discussion=None):
        """Admit, judge and store a new reply in one transaction; tell the moderators once it is stored.

        `reply` is unsaved; `author_token` is the random token of the author's browser,
        `form_nonce` the random part of the form it came from, `discussion` the story's
        StoryDiscussion (read when not given).
        """
        reply.author_token = Comment.hash_token(author_token)
        reply.offensive_score, reply.spam_score = scores.score(reply)  # before the locks: a few milliseconds
        try:
            with transaction.atomic():
                if same := self._repeated_from_this_browser(reply):
                    return Received(reply=same)  # a second press of the button: quietly the same reply
                if Comment.objects.filter(form_nonce=form_nonce).exists():
                    return Received(refusal=Refusal(FORM_USED, status=200))
                if refusal := self._over_the_limits(reply):
                    return Received(refusal=refusal)
                verdict = self.moderate(
                    reply,
                    email_is_flooding=self._email_is_flooding(reply),
                    ban=self.ban_on(reply),
                    discussion=discussion or StoryDiscussion.for_story(reply.article),
                )
                reply.status, reply.looks_published = verdict.status, verdict.looks_published
                # Published before a moderator read it (post-moderation, a returning author): the Unmoderated
                # queue keeps it until one approves or removes it. A staff member's own reply is read.
                reply.unmoderated = reply.is_public and not reply.is_by_staff
                reply.form_nonce, reply.created_at = form_nonce, timezone.now()
                reply.save()
                note = verdict.reason + ("; its author sees it as published" if verdict.looks_published else "")
                ModerationEvent.objects.create(
                    comment=reply, at=reply.created_at, action=ModerationEvent.Action.VERDICT,
                    from_status="", to_status=verdict.status, note=note[:300],
                )
                if reply.status == Comment.Status.PENDING:
                    self.notify(reply)
        except IntegrityError:
            # The same form posted twice at the same moment: the other post took it.
            return Received(refusal=Refusal(FORM_USED, status=200))
        return Received(reply=reply)

    @staticmethod
    def _repeated_from_this_browser(reply):
        return (
            Comment.objects.filter(article=reply.article, author_token=reply.author_token, body=reply.body)
            .exclude(status=Comment.Status.REMOVED)
            .first()
        )

    # Flood control: per address (an IPv6 address: per /64, clientip.network), refused (the sender's own
    # address tells nothing about anyone else).

    def _over_the_limits(self, reply):
        """Count this post against its address's limits; a Refusal when one is exceeded, else None."""
        return self._limit(
            "ip:" + digest("ip", clientip.network(reply.ip_address) or "unknown"),
            app_settings.HOURLY_CAP,
            app_settings.FLOOD_SECONDS,
            "You have posted a lot of replies in the last hour. Please try again later.",
            "You are posting replies too quickly. Please wait {seconds} seconds and try again.",
        )

    @staticmethod
    def _limit(key, hourly_cap, flood_seconds, too_many, too_quick):
        """Count one post (a reply, a report) against `key`'s limits, held in the database so every worker
        counts the same; a Refusal (429, with when to try again) when one is exceeded, else None."""
        throttle = Throttle.locked(key)
        now = timezone.now()  # once the lock is ours: an earlier post may have just counted
        if throttle.posts_in_the_hour(now) >= hourly_cap:
            return Refusal(too_many, 429, 3600 - int((now - throttle.hour_started_at).total_seconds()))
        if flood_seconds and throttle.seconds_since_last_post(now) < flood_seconds:
            return Refusal(too_quick.format(seconds=flood_seconds), 429, flood_seconds)
        throttle.count_post(now)
        return None

    def _email_is_flooding(self, reply):
        """Whether this email posted a moment ago, from anywhere: such a reply is held, never refused."""
        throttle = Throttle.locked("email:" + digest("email", reply.email))
        now = timezone.now()
        flood_seconds = app_settings.FLOOD_SECONDS
        flooding = bool(flood_seconds) and throttle.seconds_since_last_post(now) < flood_seconds
        throttle.count_post(now)
        return flooding

    # The verdict.

    def moderate(self, reply, email_is_flooding=False, ban=None, discussion=None):
        """Pending, approved or spam for a reply not yet saved, in the order WordPress checks them.

        A signed-in staff member's reply is published. Then the rules that hold a reply (`_holds()`): a ban
        or the disallowed words send it to spam; too many links, the moderation words or a flood from its
        email make it wait, and so does a score above the moderators' threshold (comments/scores.py), as a hold
        for who wrote it. The story's own moderation (its StoryDiscussion) decides after the rules:
        pre-moderation holds every reply, post-moderation publishes what no rule held, and otherwise the
        site's settings do.

        A hold for who wrote it, rather than for what they wrote, must not tell anyone about an email: where
        the words alone would be published, the reply is held but `looks_published`, told and shown to its
        own browser exactly as a published reply.
        """
        if reply.user_id:
            return Verdict(Comment.Status.APPROVED, "written by a signed-in staff member")
        rules = DiscussionSettings.current()
        holds = self._holds(reply, rules, email_is_flooding, ban)
        by_the_story = self._story_rule(reply, rules, discussion)
        if not holds:
            return by_the_story
        for_the_words = next((verdict for verdict, about_the_writer in holds if not about_the_writer), by_the_story)
        verdict, _ = holds[0]  # the rules that send to spam come first
        return verdict._replace(looks_published=for_the_words.status == Comment.Status.APPROVED)

    def _holds(self, reply, rules, email_is_flooding, ban):
        """Every rule that holds the reply, in order, each as (Verdict, whether it is about who wrote it:
        their email, their address, the reply of theirs it answers, rather than the words they wrote).

        Every rule is checked whichever holds first, so a post takes as long whatever its email.
        """
        links = len(LINK.findall(reply.body))
        checks = [
            (ban, True, Comment.Status.SPAM, ban and f"{ban.describe_target()} ({ban.describe()}): {ban.reason}"),
            *self._word_checks(reply, rules.keys(rules.disallowed_keys), Comment.Status.SPAM, "disallowed words"),
            (links > rules.max_links, False, Comment.Status.PENDING, f"{links} links (more than {rules.max_links})"),
            *self._word_checks(reply, rules.keys(rules.moderation_keys), Comment.Status.PENDING, "moderation words"),
            (
                email_is_flooding, True, Comment.Status.PENDING,
                f"another reply from the same email less than {app_settings.FLOOD_SECONDS} seconds before",
            ),
            (
                reply.parent is not None and not reply.parent.is_public, True, Comment.Status.PENDING,
                "answers a reply that waits for a moderator",
            ),
            # A score holds, never marks as spam. Its author is not told: a score is a machine's guess, partly
            # learned from other readers' replies, and an answer that moved with it would let anyone probe it.
            *(
                (True, True, Comment.Status.PENDING, f"likely {what}, {score:.2f} (above {threshold:.2f})")
                for what, score, threshold in reply.scores_over(rules.offensive_threshold, rules.spam_threshold)
            ),
        ]
        return [(Verdict(status, reason), about_the_writer) for held, about_the_writer, status, reason in checks if held]

    @staticmethod
    def _word_checks(reply, keys, status, listed):
        """One word list's two checks: a key in the words the reader wrote (name, website, reply), and a
        key in who they are (in the email, or the IP address itself)."""
        written = "\n".join([reply.name, reply.website, reply.body]).casefold()
        in_words = next((key for key in keys if key.casefold() in written), None)
        in_writer = next((key for key in keys if key.casefold() in reply.email.casefold() or key == reply.ip_address), None)
        return [
            (in_words, False, status, f"contains “{in_words}” from the {listed}"),
            (in_writer, True, status, f"its email or IP address matches “{in_writer}” from the {listed}"),
        ]

    def _story_rule(self, reply, rules, discussion):
        """The verdict when no rule holds the reply: the story's own moderation, else the site's settings."""
        story_rule = discussion.moderation if discussion else StoryDiscussion.Moderation.SITE
        if story_rule == StoryDiscussion.Moderation.PRE:
            return Verdict(Comment.Status.PENDING, "pre-moderation on this story: every reply waits for a moderator")
        if story_rule == StoryDiscussion.Moderation.POST:
            return Verdict(Comment.Status.APPROVED, "post-moderation on this story: no rule held it")
        if rules.hold_all:
            return Verdict(Comment.Status.PENDING, "every reply waits for a moderator")
        if not self.is_returning_author(reply):
            return Verdict(Comment.Status.PENDING, "no earlier approved reply from this browser and email")
        return Verdict(Comment.Status.APPROVED, "returning author: an earlier reply from this browser and email was approved")

    @staticmethod
    def is_returning_author(reply):
        """An approved reply came from this browser (its token) under this email: never name and email alone."""
        return (
            bool(reply.author_token)
            and Comment.objects.public().filter(author_token=reply.author_token, email=reply.email).exists()
        )

    # Staff.

    @staticmethod
    def staff_author(user):
        """The signed-in staff member writing a reply (it carries the "Staff" badge), or None for a reader."""
        return user if user.is_authenticated and user.is_active and user.is_staff else None

    def staff_author_fields(self, user):
        """Name and email to start a staff member's reply form with; {} for a reader."""
        if not self.staff_author(user):
            return {}
        return {"name": user.get_full_name() or user.get_username(), "email": user.email}

    @staticmethod
    def may_decide(user):
        """Whether `user` may approve, remove and feature replies (staff with the right to change replies)."""
        return user.is_authenticated and user.is_active and user.is_staff and user.has_perm("comments.change_comment")

    # Readers' reports.

    def report(self, reply, reason, note, author_token, ip_address):
        """A reader's report about a public reply, at most one per browser (its token) and reply, counted
        against the address's limits for reports; the Refusal when over them, else None.

        Reports from a banned address are thanked like any other and kept nowhere. Who reported is never
        stored: only the hash of the browser's token.
        """
        with transaction.atomic():
            refusal = self._limit(
                "report-ip:" + digest("ip", clientip.network(ip_address) or "unknown"),
                app_settings.REPORTS_HOURLY_CAP,
                app_settings.REPORT_FLOOD_SECONDS,
                "You have sent a lot of reports in the last hour. Please try again later.",
                "You are sending reports too quickly. Please wait {seconds} seconds and try again.",
            )
        if refusal:
            return refusal
        token = Comment.hash_token(author_token) if author_token else ""
        if Ban.objects.active().matching(ips=[ip_address], tokens=[token]).exists():
            return None
        report = Report(comment=reply, reason=reason, note=note, reporter=Comment.hash_token(author_token))
        try:
            with transaction.atomic():
                report.save()
                ModerationEvent.objects.create(
                    comment=reply, at=report.created_at, action=ModerationEvent.Action.REPORT,
                    from_status=reply.status, to_status=reply.status, note=report.describe()[:300],
                )
        except IntegrityError:
            pass  # this browser reported the reply before: one report counts once
        return None

    # Bans and suspensions.

    @staticmethod
    def ban_on(reply):
        """The ban in force on the reply's email, IP address or browser, or None: one query either way."""
        return Ban.objects.active().matching([reply.email], [reply.ip_address], [reply.author_token]).first()

    def ban(self, reply, moderator, *, by_email, by_ip, days, reason, by_browser=False, spam_waiting=False):
        """Ban (days=None) or suspend for `days` the author of `reply` by email, IP address and/or browser,
        recorded in the reply's history; with `spam_waiting`, their replies that wait are marked spam. The bans made."""
        until = timezone.now() + timedelta(days=days) if days else None
        common = {"reason": reason, "until": until, "created_by": moderator, "comment": reply}
        with transaction.atomic():
            bans = []
            if by_email and reply.email:
                bans.append(Ban.objects.create(email=reply.email, **common))
            if by_ip and reply.ip_address:
                bans.append(Ban.objects.create(ip_address=reply.ip_address, **common))
            if by_browser and reply.author_token:
                bans.append(Ban.objects.create(author_token=reply.author_token, **common))
            if not bans:
                return []
            waiting = Comment.objects.none()
            if spam_waiting:
                waiting = Comment.objects.pending().matching_author(
                    [reply.email] if by_email else [], [reply.ip_address] if by_ip else [],
                    [reply.author_token] if by_browser else [],
                )
            spammed = waiting.moderate(Comment.Status.SPAM, moderator, ModerationEvent.Reason.SPAM) if spam_waiting else 0
            reply.refresh_from_db(fields=["status"])
            what = "; ".join(f"{ban.describe_target()} ({ban.describe()})" for ban in bans)
            note = f"{what}: {reason}"
            if spammed:
                note = f"{spammed} waiting repl{pluralize(spammed, 'y,ies')} marked spam; " + note
            ModerationEvent.objects.create(
                comment=reply, moderator=moderator, action=ModerationEvent.Action.BAN,
                from_status=reply.status, to_status=reply.status, note=note[:300],
            )
        return bans

    # Telling the moderators.

    def notify(self, reply):
        """Enqueue an email to the moderators, sent by the background worker (never while the reader waits)."""
        notifications.queue(reply)


moderator = ReplyModerator()
