"""Reader replies and everything that decides their fate.

Owns: replies and their threads, the reply form (forms.py: security fields in the base form), the post
view, moderation (moderation.py owns a reply's whole life: allowed, held, approved, spam), the
moderation page (queue.py), the scores each reply gets on arrival (scores.py: offensive language, spam,
and the spam classifier's training), reports, bans, limits, notifications to moderators, privacy tools.
May import: articles (a reply belongs to a story: a foreign key and a template tag) and the shared
modules (pagecache, sanitize, clientip). Nothing else imports comments but pages and the project.
"""
