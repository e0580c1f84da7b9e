"""How a commenter is recognised without keeping more than needed: a normalised email, keyed digests, and
the one mailbox an address stands for (for bans)."""

from typing import NamedTuple

from django.utils.crypto import salted_hmac


def normalize_email(email):
    """How an address is stored and compared: trimmed, lower case, so one person is one address."""
    return email.strip().lower()


class Provider(NamedTuple):
    """How a mail provider reads the part of an address before the @: which domain the mailbox is under,
    whether "name+anything" is delivered to "name", and whether dots are ignored ("j.doe" is "jdoe")."""

    domain: str
    drops_plus_tags: bool = True
    ignores_dots: bool = False


def _providers(*domains, **rules):
    return {domain: Provider(domains[0], **rules) for domain in domains}


# The providers known to deliver every spelling of one mailbox to it, from their own documentation; a ban
# on one spelling holds for every other. Only these: elsewhere "a.b+c@" may well be someone else's mailbox.
# Gmail ignores dots and +tags, and googlemail.com is gmail.com; Outlook/Hotmail, Fastmail, Proton and
# iCloud deliver +tags (sub-addressing) to the mailbox itself. Yahoo's tags use "-" and are left alone.
EMAIL_PROVIDERS = {
    **_providers("gmail.com", "googlemail.com", ignores_dots=True),
    **_providers("outlook.com"), **_providers("hotmail.com"), **_providers("live.com"), **_providers("msn.com"),
    **_providers("fastmail.com"), **_providers("fastmail.fm"),
    **_providers("proton.me"), **_providers("protonmail.com"), **_providers("pm.me"),
    **_providers("icloud.com"), **_providers("me.com"), **_providers("mac.com"),
}


def canonical_email(email):
    """The mailbox an address is delivered to, as bans compare addresses: normalised, and for the
    EMAIL_PROVIDERS with their +tags (and Gmail's dots) dropped. Stored beside a ban's email, so a lookup
    by it stays indexed; never shown."""
    email = normalize_email(email or "")
    local, at, domain = email.rpartition("@")
    provider = EMAIL_PROVIDERS.get(domain)
    if not at or not local or provider is None:
        return email
    if provider.drops_plus_tags:
        local = local.split("+", 1)[0]
    if provider.ignores_dots:
        local = local.replace(".", "")
    return f"{local}@{provider.domain}" if local else email


def digest(kind, value):
    """A keyed hash (HMAC with the secret key) of an email or IP address: comparable, not reversible."""
    return salted_hmac(f"comments.{kind}", value).hexdigest()
