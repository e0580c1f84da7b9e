"""An update from the live desk: text, and optionally a headline, a picture uploaded on the spot, a byline; and the
story's "What we know" summary."""


from django import forms
from django.utils import timezone

from articles.models import Author
from pictures import images
from pictures.models import Image

from .models import LiveSummary, LiveUpdate


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


class LiveSummaryForm(forms.ModelForm):
    """The story's "What we know", kept current from the live desk."""

    prefix = "summary"

    class Meta:
        model = LiveSummary
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
