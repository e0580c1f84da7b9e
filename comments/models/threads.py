"""A story's replies as threads: the orders a reader may choose, and one page of threads."""

from collections import Counter
from dataclasses import dataclass, field

# The orders a reader may choose for a story's threads (?sort=), the first being the default.
SORTS = {"oldest": "Oldest first", "newest": "Newest first", "replies": "Most replied to"}
# The same orders for the top-level replies in SQL ("answers": its thread's public replies, see thread_page).
THREAD_ORDER = {
    "oldest": ("created_at", "pk"),
    "newest": ("-created_at", "-pk"),
    "replies": ("-answers", "created_at", "pk"),
}



def build_threads(replies):
    """Top-level replies, each with .children in order; replies whose parent is not shown are left out."""
    by_id = {reply.pk: reply for reply in replies}
    threads = []
    for reply in replies:
        reply.children = []
    for reply in replies:
        if reply.parent_id is None:
            threads.append(reply)
        elif reply.parent_id in by_id:
            by_id[reply.parent_id].children.append(reply)
    return threads


def order_threads(threads, sort, replies):
    """The threads in the order THREAD_ORDER gave their top-level replies in SQL (`replies`: all that were read)."""
    if sort == "newest":
        return sorted(threads, key=lambda reply: (reply.created_at, reply.pk), reverse=True)
    if sort == "replies":
        answers = Counter(reply.root_id for reply in replies if reply.root_id and reply.is_public)
        return sorted(threads, key=lambda reply: (-answers[reply.pk], reply.created_at, reply.pk))
    return threads


@dataclass
class ThreadPage:
    """A page of threads under a story, for the template."""

    number: int
    pages: int
    public_count: int  # the story's public replies, all pages together
    threads: list
    sort: str = "oldest"
    featured: list = field(default_factory=list)  # the story's featured replies, on the first page
    discussion: object = None  # the story's StoryDiscussion, when it has one

    def query(self, cpage=None, replyto=None):
        """The query string for another page (or a reply form) of these threads in the same order."""
        params = []
        if self.sort != "oldest":
            params.append(f"sort={self.sort}")
        if cpage and cpage > 1:
            params.append(f"cpage={cpage}")
        if replyto:
            params.append(f"replyto={replyto}")
        return "?" + "&".join(params) if params else "?"

    @property
    def heading(self):
        """The title over the threads: "3 replies", "Replies" (only the reader's own, not yet public), or none yet."""
        if self.public_count:
            return f"{self.public_count} repl{'y' if self.public_count == 1 else 'ies'}"
        return "Replies" if self.threads else "No replies yet"

    def placed(self, replies):
        """(reply, the reply it answers or None, the reply just before it among its siblings or None) for each
        of `replies` on this page, in reading order: where a script puts each into the thread a page shows."""
        wanted = {reply.pk for reply in replies}
        places = []

        def walk(siblings, parent):
            for before, reply in zip([None, *siblings], siblings, strict=False):
                if reply.pk in wanted:
                    places.append((reply, parent and parent.pk, before and before.pk))
                walk(reply.children, reply)

        walk(self.threads, None)
        return places

    @property
    def sorts(self):
        """(sort, label, link, is it the current one) for the reader's choice of order."""
        return [(name, label, f"?sort={name}" if name != "oldest" else "?", name == self.sort) for name, label in SORTS.items()]

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages

    def rows(self):
        """Every reply of the page in reading order, as (reply, lists to close after it): a flat loop for
        the template, which nests the lists without including itself once per reply."""
        rows = []

        def walk(reply):
            rows.append([reply, 0])
            for child in reply.children:
                walk(child)
            if reply.children:
                rows[-1][1] += 1

        for thread in self.threads:
            walk(thread)
        return [(reply, range(closes)) for reply, closes in rows]
