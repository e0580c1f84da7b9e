"""What every admin page of replies, decisions and bans shares: the rule that a reply's email and IP address
show only to staff who may change replies (ContactRule), a list address holding a NUL answered as a bad filter
(FiltersWithoutNul), how one decision reads (DecisionColumns) and rows shown only to read (ReadOnlyInline).

Apart from admin.py so the pages of each noun (admin_bans.py, admin_discussions.py, admin_events.py) take these
without importing the replies' own admin.
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Value

from .models import Comment, ModerationEvent


class ContactRule:
    """Emails and IP addresses, shown or searched, only for staff who may change replies: the fields named
    in `contact_fields` leave the forms and the search for anyone else, and every row says whether the
    staff member asking may see them (`contact_shown`)."""

    contact_fields = ["email", "ip_address"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(contact_shown=Value(Comment.contact_visible_to(request.user)))

    def get_fields(self, request, obj=None):
        return self._without_contact(request, super().get_fields(request, obj))

    def get_search_fields(self, request):
        return self._without_contact(request, super().get_search_fields(request))

    def _without_contact(self, request, names):
        if Comment.contact_visible_to(request.user):
            return names
        return [name for name in names if name not in self.contact_fields]



class FiltersWithoutNul:
    """A list whose address holds a NUL character is answered as for any other bad filter (the admin's
    "?e=1"), not with the database's error: PostgreSQL refuses NUL in text, which would be a 500."""

    def get_changelist_instance(self, request):
        if any("\x00" in name or "\x00" in "".join(values) for name, values in request.GET.lists()):
            raise IncorrectLookupParameters("A NUL character in the address.")
        return super().get_changelist_instance(request)



class DecisionColumns(ContactRule):
    """What the reply's history and the list of decisions show of one decision."""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("moderator", "comment")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of who decided what is kept

    @admin.display(description="by")
    def who(self, event):
        if event.moderator:
            return event.moderator.get_username()
        return "A reader" if event.action == ModerationEvent.Action.REPORT else "Newsroom (automatic)"

    @admin.display(description="note")
    def why(self, event):
        """The note, with the reply's email and IP address blanked out for staff who may not see them."""
        return event.note if event.contact_shown else event.note_without_contact()



class ReadOnlyInline(admin.TabularInline):
    """Rows shown under an object for reading only: nothing added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
