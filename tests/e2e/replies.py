"""The reply form as a reader sees it: found by its button, filled by its labels."""

import re

from playwright.sync_api import expect

AWAITING_MODERATION = re.compile(r"await(s|ing) moderation", re.IGNORECASE)
REMEMBER_ME = "Save my name, email, and website in this browser for the next time I comment."

# Anchored, because the remember-me checkbox's label also contains "name", "email" and "website".
NAME = re.compile(r"^\s*Name")
EMAIL = re.compile(r"^\s*Email\s*\*?\s*$")  # not "Email me when someone replies to me"
WEBSITE = re.compile(r"^\s*Website")
COMMENT = re.compile(r"^\s*Comment")


def reply_form(page):
    return page.locator("form").filter(has=page.get_by_role("button", name="Post Comment"))


def write_reply(page, *, name="", email="", website="", comment="", remember=False):
    """Fill in the form as a person would and press "Post Comment"."""
    form = reply_form(page)
    expect(form).to_be_visible()
    form.get_by_label(NAME).fill(name)
    form.get_by_label(EMAIL).fill(email)
    form.get_by_label(WEBSITE).fill(website)
    form.get_by_label(COMMENT).fill(comment)
    if remember:
        form.get_by_label(REMEMBER_ME).check()
    form.get_by_role("button", name="Post Comment").click()
    return form
