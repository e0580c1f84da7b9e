"""The one rule for a request's client address, and for which addresses count as one client: for login
lockouts, flood control and bans by IP address. It imports no app."""

import ipaddress

from django.conf import settings

# An IPv6 subscriber gets a whole /64 (18 billion billion addresses): counting each address apart would
# let one person take a fresh one for every attempt.
IPV6_PREFIX = 64


def client_ip(request):
    """REMOTE_ADDR, or behind a trusted proxy the address that proxy appended to X-Forwarded-For.

    Only the right-most entry is the proxy's own; anything left of it was sent by the
    client and would let an attacker pick a fresh address for every attempt.
    """
    if settings.NEWSROOM_TRUST_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def network(address):
    """The address that stands for every address of one client: an IPv4 address itself, an IPv6 address's
    /64 network (its first address, e.g. "2001:db8:1:2::"). An IPv4 address written as IPv6
    (::ffff:192.0.2.1) is that IPv4 address. '' for anything that is not an address."""
    try:
        ip = ipaddress.ip_address(str(address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 4:
        return str(ip)
    return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False).network_address)


def client_network(request):
    """The client's address as login lockouts count it (django-axes' AXES_CLIENT_IP_CALLABLE): its network()."""
    return network(client_ip(request)) or None
