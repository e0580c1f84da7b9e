"""The story form in the admin: who may set which status, and the refusal of a save over a newer one."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from articles.models import Article
from sanitize.editor import STANDFIRST_EXTENSIONS, RichTextWidget

from . import revisions

ONE_SECOND = timedelta(seconds=1)


class HttpsURLField(forms.URLField):
    """An address typed without its scheme is taken as https:// (what the canonical address must be)."""

    def __init__(self, **kwargs):
        super().__init__(assume_scheme="https", **kwargs)


class ArticleAdminForm(forms.ModelForm):
    """The story form of the admin: who may set which status, and no save over a newer version of the story.

    `edited_version` carries the story's save count from when the form was opened. A save
    from an older form is refused, with what changed in between, and the editor's text stays
    in the form; the form then carries the newer count, so saving again (after merging) works.
    """

    edited_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # A new story's key for its draft copy until it is saved (desk.js makes it up; the admin discards the copy on save).
    draft_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=36)

    # Set by ArticleAdmin.get_form for the person filling it in.
    can_publish = False
    user = None

    class Meta:
        model = Article
        fields = [
            "section", "kicker", "headline", "slug", "standfirst", "body", "lead_image",
            "status", "publish_at", "expire_at", "live_from", "live_until", "comments_enabled", "comments_close_at",
            "seo_title", "seo_description", "social_image", "social_title", "social_description", "canonical_url",
            "noindex",
        ]
        field_classes = {"canonical_url": HttpsURLField}
        widgets = {
            "standfirst": RichTextWidget(extensions=STANDFIRST_EXTENSIONS, attrs={"rows": 3}),
            "body": RichTextWidget(pictures=True),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stale = None  # (who saved in between, when, the changes) when a save is refused
        if self.instance.pk:
            self.fields["edited_version"].initial = self.instance.edit_version
        if "status" in self.fields and not self.can_publish:
            allowed = [(value, label) for value, label in Article.Status.choices if value in Article.WRITERS_STATUSES]
            self.fields["status"].choices = allowed
            self.fields["status"].help_text = "Send the story for review when it is ready: an editor publishes it."

    def clean_status(self):
        status = self.cleaned_data["status"]
        if not self.can_publish and status not in Article.WRITERS_STATUSES:
            raise forms.ValidationError("Only editors publish, schedule or take down stories.")
        return status

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            self._refuse_stale_save()
        status = cleaned_data.get("status")
        publish_at = cleaned_data.get("publish_at")
        expire_at = cleaned_data.get("expire_at")
        if status == Article.Status.PUBLISHED and publish_at and expire_at and expire_at <= publish_at:
            self.add_error("expire_at", "The take-down time must come after the publish time.")
        live_from, live_until = cleaned_data.get("live_from"), cleaned_data.get("live_until")
        if live_until and not live_from:
            self.add_error("live_from", "Give the time live coverage started, or leave both empty.")
        elif live_from and live_until and live_until <= live_from:
            self.add_error("live_until", "Live coverage must end after it starts.")
        stored = Article.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        # The form shows whole seconds: a time within a second of the stored one is the one the form showed.
        time_kept = stored is not None and publish_at is not None and abs(publish_at - stored.publish_at) < ONE_SECOND
        if status == Article.Status.PUBLISHED and time_kept and not stored.is_published() and publish_at <= timezone.now():
            # Published from the form with the time it was drafted: it goes out now, not backdated.
            cleaned_data["publish_at"] = timezone.now()
        return cleaned_data

    def _refuse_stale_save(self):
        # Locked until the save commits (the admin saves in one transaction): no save slips in between.
        current = Article.objects.select_for_update().filter(pk=self.instance.pk).first()
        if current is None:
            return
        loaded = self.cleaned_data.get("edited_version")
        if loaded is None or loaded == current.edit_version:
            return
        then = revisions.version_at(current, loaded)
        latest = revisions.history(current).first()
        before = revisions.snapshot_of_version(then) if then else None
        changes = [c for c in revisions.compare(before, revisions.snapshot_of_story(current)) if c.changed] if before else []
        who = latest.revision.user if latest and latest.revision.user else None
        self.stale = {"who": who, "when": current.modified_at, "changes": changes}
        # The re-shown form carries the story's count now: saving it again is a decision, not an accident.
        self.data = self.data.copy()
        self.data[self.add_prefix("edited_version")] = current.edit_version
        name = who.get_username() if who else "someone else"
        raise forms.ValidationError(
            f"This story was saved by {name} after you opened it, so your changes were not saved. "
            "Your text is still in the form below; what they changed is shown above it. "
            "Bring their changes into yours if they should stay, then save again.",
            code="stale",
        )
