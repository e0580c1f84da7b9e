"""How a commenter is recognised without keeping more than needed: a normalised email, keyed digests."""


from django.utils.crypto import salted_hmac


def normalize_email(email):
    """How an address is stored and compared: trimmed, lower case, so one person is one address."""
    return email.strip().lower()


def digest(kind, value):
    """A keyed hash (HMAC with the secret key) of an email or IP address: comparable, not reversible."""
    return salted_hmac(f"comments.{kind}", value).hexdigest()
