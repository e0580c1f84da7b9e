"""The admin's rich-text editor (django-prose-editor, ProseMirror): its buttons are exactly what the allow-list keeps.

The editor's extensions are named here beside the allow-list they must match (a test holds them to it),
and the page loads them through our own module, static/js/story-editor.js, which imports the package's
editor by its static address: no import map, so nothing inline for the Content-Security-Policy to allow.
Pasted text keeps its structure (paragraphs, headings, lists, quotes, links) and loses its styling,
since the editor knows no other marks; the server cleans whatever arrives again (clean_story_html).
"""

import json

from django import forms
from django.urls import reverse
from django_prose_editor.config import expand_extensions

# What the toolbar offers; StoryPicture (pictures from the library, in story bodies only) is our own.
EXTENSIONS = {
    "Heading": {"levels": [2, 3]},
    "Bold": True,
    "Italic": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "History": True,
}

# A standfirst is one paragraph: bold, italic and links (clean_standfirst_html keeps no more). Its document holds
# a single paragraph (an option static/js/story-editor.js gives the document), so Enter starts no second one.
STANDFIRST_EXTENSIONS = {
    "Document": {"content": "paragraph"},
    "Bold": True,
    "Italic": True,
    "Link": EXTENSIONS["Link"],
    "History": True,
}


class RichTextWidget(forms.Textarea):
    """A textarea that becomes the rich-text editor once its script runs (without JavaScript: the HTML itself).

    pictures=True adds the "Picture" button, which inserts pictures from the library (story bodies);
    extensions=STANDFIRST_EXTENSIONS gives the standfirst's small toolbar.
    """

    def __init__(self, *args, pictures=False, extensions=EXTENSIONS, **kwargs):
        self.pictures = pictures
        self.extensions = extensions
        super().__init__(*args, **kwargs)

    class Media:
        css = {"all": [
            "django_prose_editor/material-icons.css", "django_prose_editor/editor.css",
            "django_prose_editor/overrides.css", "css/story-editor.css",
        ]}
        js = [forms.Script("js/story-editor.js", type="module")]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        config = {"extensions": expand_extensions(self.extensions)}
        if self.pictures:
            config["extensions"]["StoryPicture"] = {"chooser": reverse("admin:pictures_image_choose")}
        context["widget"]["attrs"]["data-story-editor"] = json.dumps(config, separators=(",", ":"))
        return context

    def use_required_attribute(self, initial):
        return False  # the textarea is hidden behind the editor: the browser could not point at it
