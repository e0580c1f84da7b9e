"""The picture upload form: what an editor gives, and what the picture's own data may fill in."""


from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.core.files.uploadedfile import UploadedFile

from . import images
from .models import Image


class ImageAdminForm(forms.ModelForm):
    """An upload form where the file is checked and stripped before anything is stored.

    The field is a plain FileField, not Django's ImageField, so only the
    JPEG, PNG and WebP parsers in pictures.images ever read the upload.
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
