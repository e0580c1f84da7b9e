"""Writing in the admin's rich-text editor as a reporter does: click into it and type, with its keys."""

from playwright.sync_api import expect


def editor_of(page, label):
    """The editable area of the rich-text field labelled `label` (e.g. "Body:"), once its script has made it."""
    box = page.get_by_role("textbox", name=label, exact=True)
    expect(box).to_have_attribute("contenteditable", "true")
    return box


def write_in_editor(page, label, text):
    """Type `text` into the editor: each block on its own, blocks apart by a blank line. The editor's own
    shortcuts turn "## " into a sub-heading, "> " into a quote and "- " into a list as they are typed."""
    box = editor_of(page, label)
    box.click()
    blocks = text.split("\n\n")
    for n, block in enumerate(blocks):
        page.keyboard.type(block)
        if n < len(blocks) - 1:
            page.keyboard.press("Enter")
    return box


def rewrite_in_editor(page, label, text):
    """Select everything in the editor labelled `label` and type `text` over it, as a writer replacing a line does."""
    box = editor_of(page, label)
    box.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
    expect(box).to_have_text(text)
    return box
