"""Forms for editors in the admin."""

from datetime import timedelta

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from . import images
from .models import Article, Author, Image, LiveUpdate


class ImageAdminForm(forms.ModelForm):
    """An upload form where the file is checked and stripped before anything is stored.

    The field is a plain FileField, not Django's ImageField, so only the
    JPEG, PNG and WebP parsers in articles.images ever read the upload.
    What the picture's metadata said about its date and credit fills the
    editor's empty fields; anything the editor typed wins.
    """

    file = forms.FileField(
        label="Picture",
        widget=AdminFileWidget(attrs={"accept": images.ACCEPT_ATTRIBUTE}),
        help_text="A JPEG, PNG or WebP file. Location, camera details and other hidden data are removed on upload.",
    )

    class Meta:
        model = Image
        fields = ["file", "alt_text", "label", "caption", "taken_note", "taken_at", "credit"]
        labels = {"taken_at": "Date taken"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.master = None
        self.filled_from_metadata = []

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not isinstance(upload, UploadedFile):
            return upload  # The stored picture, unchanged.
        self.master = images.prepare_master(upload)
        return self.master.content

    def clean(self):
        cleaned_data = super().clean()
        if self.master:
            for name in ("taken_at", "credit"):
                offered = getattr(self.master, name)
                if offered and not cleaned_data.get(name) and name not in self.errors:
                    cleaned_data[name] = offered
                    self.filled_from_metadata.append(self.fields[name].label)
        return cleaned_data

    def save(self, commit=True):
        if self.master:
            self.instance.width, self.instance.height = self.master.width, self.master.height
        return super().save(commit)


ONE_SECOND = timedelta(seconds=1)


class ArticleAdminForm(forms.ModelForm):
    """The story form of the admin: who may set which status, and no save over a newer version of the story.

    `edited_version` carries the story's save count from when the form was opened. A save
    from an older form is refused, with what changed in between, and the editor's text stays
    in the form; the form then carries the newer count, so saving again (after merging) works.
    """

    edited_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Set by ArticleAdmin.get_form for the person filling it in.
    can_publish = False
    user = None

    class Meta:
        model = Article
        fields = [
            "section", "kicker", "headline", "slug", "standfirst", "body", "lead_image",
            "status", "publish_at", "expire_at", "live_from", "live_until", "comments_enabled", "comments_close_at",
        ]

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
        from . import revisions

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


class LiveUpdateForm(forms.ModelForm):
    """An update on a developing story, from the live desk: text, and optionally a headline, a picture
    (through the same checks and cleaning as any upload), a byline, a key-event tick and a later time."""

    picture = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": images.ACCEPT_ATTRIBUTE}),
        help_text="Optional. A JPEG, PNG or WebP file; hidden data such as the location is removed.",
    )
    picture_alt = forms.CharField(
        label="What the picture shows", max_length=250, required=False, help_text="Required with a picture, for readers who cannot see it."
    )
    picture_caption = forms.CharField(label="Caption", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    publish_at = forms.DateTimeField(
        label="Time",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty to post now; a time in the future schedules the update.",
    )

    class Meta:
        model = LiveUpdate
        fields = ["headline", "body", "author", "is_key_event", "publish_at"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.master = None
        self.fields["author"].queryset = Author.objects.order_by("name")
        if user is not None and not self.instance.pk:
            self.fields["author"].initial = Author.objects.filter(user=user).values_list("pk", flat=True).first()

    def clean_picture(self):
        upload = self.cleaned_data.get("picture")
        if upload:
            self.master = images.prepare_master(upload)
        return upload

    def clean(self):
        cleaned_data = super().clean()
        if self.master and not cleaned_data.get("picture_alt", "").strip():
            self.add_error("picture_alt", "Say what the picture shows, for readers who cannot see it.")
        if not cleaned_data.get("publish_at"):
            cleaned_data["publish_at"] = self.instance.publish_at if self.instance.pk else timezone.now()
        return cleaned_data

    def save(self, commit=True):
        if self.master:
            picture = Image(
                file=self.master.content,
                alt_text=self.cleaned_data["picture_alt"].strip(),
                caption=self.cleaned_data.get("picture_caption", "").strip(),
            )
            picture.width, picture.height = self.master.width, self.master.height
            picture.save()
            self.instance.image = picture
        return super().save(commit)
