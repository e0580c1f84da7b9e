"""The "Leave a Reply" form: security fields in a base form, what the reader writes (and the emails they ask for) in ReplyForm."""

import secrets
import time

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.core import signing
from django.core.validators import MaxLengthValidator, URLValidator
from django.urls import reverse

from .conf import app_settings
from .models import Comment, Report, Subscription, normalize_email

TIMESTAMP_SALT = "comments.form-timestamp"
REMEMBER_LABEL = "Save my name, email, and website in this browser for the next time I comment."
# The reader's boxes for emails about replies (both off), and what each asks for.
SUBSCRIPTION_BOXES = {
    "notify_replies": ("Email me when someone replies to me", Subscription.Kind.REPLIES_TO_ME),
    "notify_story": ("Email me about new replies to this story", Subscription.Kind.STORY),
}


def issue_timestamp(story_id, issued_at=None):
    """A signed note of when the form was shown, for which story, and a random nonce: one form, one reply."""
    issued_at = int(issued_at if issued_at is not None else time.time())
    return signing.dumps([story_id, issued_at, secrets.token_hex(8)], salt=TIMESTAMP_SALT)


class WebAddressField(forms.URLField):
    """A URL a reader's name may link to: http or https only, never javascript:, data: or ftp:."""

    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {"invalid": "Enter a web address starting with http:// or https://."}


class ReplySecurityForm(forms.Form):
    """The fields a reader never fills in: a signed timestamp and a honeypot (after django-contrib-comments)."""

    timestamp = forms.CharField(widget=forms.HiddenInput)
    homepage = forms.CharField(
        required=False, label="Leave this field empty", widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    def __init__(self, article, *args, shared=False, **kwargs):
        """`shared`: the form in a page every reader gets, with no timestamp (and no CSRF token): the site's
        JavaScript fills both in when the reader starts writing; without it, the first post comes back
        with the text kept and both filled in (comments.views.post_without_its_token)."""
        self.article = article
        self.form_nonce = None
        self.shared = shared
        super().__init__(*args, **kwargs)
        self.initial["timestamp"] = "" if shared else issue_timestamp(article.pk)

    def full_clean(self):
        super().full_clean()
        if self._errors:
            self.show_again()

    def show_again(self):
        """Give the form a fresh timestamp before it is shown again, so the reader can post it as it is."""
        self.data = self.data.copy()
        self.data[self.add_prefix("timestamp")] = issue_timestamp(self.article.pk)

    def clean(self):
        # Security problems are form-wide errors: the fields they concern are hidden.
        if self.cleaned_data.get("homepage"):
            raise forms.ValidationError(
                "Your reply was not posted because a field meant to stay empty was filled in. "
                "Please clear your browser's autofill for this page and post again.",
                code="honeypot",
            )
        self._check_timestamp(self.cleaned_data.get("timestamp", ""))
        return self.cleaned_data

    def _check_timestamp(self, value):
        try:
            story_id, issued_at, self.form_nonce = signing.loads(value, salt=TIMESTAMP_SALT)
            issued_at = int(issued_at)
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError(
                "The form could not be verified. Please post your reply again.", code="bad_timestamp"
            ) from None
        age = time.time() - issued_at
        if story_id != self.article.pk:
            raise forms.ValidationError("This form belongs to another story. Please post your reply again.")
        if age < app_settings.MIN_SECONDS:
            raise forms.ValidationError(
                "That was quick: please read your reply once more, then post it again.", code="too_fast"
            )
        if age > app_settings.FORM_MAX_AGE:
            raise forms.ValidationError(
                "This form has expired because it was open for a long time. Your text is kept below: "
                "please post it again.",
                code="expired",
            )


class ReplyForm(ReplySecurityForm):
    """Name, email, website and the reply itself, plus the reply it answers and the remember-me box."""

    name = forms.CharField(label="Name", min_length=2, max_length=80)
    email = forms.EmailField(label="Email", max_length=254)
    website = WebAddressField(label="Website", required=False, max_length=200, assume_scheme="https")
    body = forms.CharField(label="Comment", min_length=2, widget=forms.Textarea(attrs={"rows": 6}))
    remember = forms.BooleanField(label=REMEMBER_LABEL, required=False)
    notify_replies = forms.BooleanField(label=SUBSCRIPTION_BOXES["notify_replies"][0], required=False)
    notify_story = forms.BooleanField(label=SUBSCRIPTION_BOXES["notify_story"][0], required=False)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = [
        "name", "email", "website", "body", "remember", "notify_replies", "notify_story", "homepage", "timestamp", "parent",
    ]
    KEPT_FIELDS = ("name", "email", "website", "body", "parent", "notify_replies", "notify_story")

    def __init__(self, article, *args, author_token="", **kwargs):
        self.author_token = author_token  # the browser's: it may answer its own replies that look published
        super().__init__(article, *args, **kwargs)
        body = self.fields["body"]
        body.max_length = app_settings.MAX_LENGTH
        body.validators.append(MaxLengthValidator(body.max_length))
        body.widget.attrs["maxlength"] = str(body.max_length)
        self.helper = self._helper()

    def _helper(self):
        helper = FormHelper()
        helper.form_action = reverse("comments:post", kwargs={"article_id": self.article.pk})
        helper.form_id = "commentform"
        helper.attrs = {"novalidate": ""}
        helper.disable_csrf = self.shared
        helper.layout = Layout(
            "name",
            "email",
            "website",
            "body",
            "remember",
            *SUBSCRIPTION_BOXES,
            Div(Field("homepage"), css_class="reply-honeypot", aria_hidden="true"),
            "timestamp",
            "parent",
            StrictButton("Post Comment", type="submit", css_class="btn-primary"),
        )
        return helper

    @classmethod
    def kept(cls, article, data, remembered=None):
        """A fresh form holding what the reader typed, for a post that never reached the checks (no valid
        security token, a story that stopped taking replies while they wrote): their text is not lost.
        The details this browser asked to be `remembered` fill the fields the reader left empty."""
        initial = {field: data.get(field, "") for field in cls.KEPT_FIELDS}
        for field, value in (remembered or {}).items():
            initial[field] = initial[field] or value
        initial["remember"] = bool(remembered or data.get("remember"))
        return cls(article, initial=initial)

    def full_clean(self):
        super().full_clean()
        if "parent" in self._errors:
            # The reply it answered is gone: shown again, the form posts a new top-level reply.
            self.data[self.add_prefix("parent")] = ""

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])

    def clean_parent(self):
        """The reply being answered: a reply on the same story that this browser sees as published, or none."""
        parent_id = self.cleaned_data.get("parent")
        if parent_id is None:
            return None
        answerable = Comment.objects.seen_as_published_by(self.author_token)
        parent = answerable.filter(pk=parent_id, article=self.article).select_related("parent").first()
        if parent is None:
            raise forms.ValidationError("The reply you are answering is no longer shown.")
        return parent

    def clean(self):
        super().clean()
        if "parent" in self.errors:
            # Hidden field: say it where the reader looks.
            raise forms.ValidationError(
                "The reply you were answering is no longer shown; your text is kept, post it as a new reply."
            )
        return self.cleaned_data

    def subscription_kinds(self):
        """The emails about replies the reader ticked (Subscription.Kind), double opt-in."""
        return [kind for name, (_, kind) in SUBSCRIPTION_BOXES.items() if self.cleaned_data.get(name)]

    def build_reply(self, ip_address, user_agent):
        """An unsaved Comment from the cleaned fields and where it came from."""
        data = self.cleaned_data
        reply = Comment(
            article=self.article,
            name=data["name"].strip(),
            email=data["email"],
            website=data["website"],
            body=data["body"],
            ip_address=ip_address,
            user_agent=user_agent,
        )
        reply.attach_to(data["parent"])
        return reply


class ReportForm(forms.Form):
    """A reader's report about a reply: a reason, and a short note when none of the reasons fits."""

    reason = forms.ChoiceField(
        label="Why should a moderator look at this reply?",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason."},
    )
    note = forms.CharField(
        label="What is wrong with it?",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": "300"}),
        help_text="Needed when none of the reasons fits. Only moderators read it; at most 300 characters.",
    )

    def __init__(self, reply, *args, **kwargs):
        self.reply = reply
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse("comments:report", kwargs={"reply_id": reply.pk})
        self.helper.form_id = "reportform"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout("reason", "note", StrictButton("Send report", type="submit", css_class="btn-primary"))

    def clean(self):
        data = super().clean()
        if data.get("reason") == Report.Reason.OTHER and not data.get("note", "").strip():
            self.add_error("note", "Say in a few words what is wrong with the reply.")
        return data
