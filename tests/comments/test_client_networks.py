"""One client, one count: an IPv6 subscriber's whole /64 counts as one address for flood limits (replies and
reports), bans by IP address and admin login lockouts; an IPv4 address counts by itself."""

import pytest
from django.test import Client

from clientip import network
from comments.models import Ban, Comment
from tests.comments.support import make_reply, post_reply
from tests.test_production import PASSWORD, attempt_login, chief  # noqa: F401 (chief is a fixture)

pytestmark = pytest.mark.django_db

ONE_NETWORK = ["2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2:abcd::9"]
NEXT_NETWORK = "2001:db8:1:3::1"


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),
        ("2001:DB8:1:2::", "2001:db8:1:2::"),
        ("::ffff:192.0.2.1", "192.0.2.1"),  # IPv4 written as IPv6 is that IPv4 address
        ("not an address", ""),
        (None, ""),
    ],
)
def test_an_ipv6_address_counts_as_its_64_and_an_ipv4_address_as_itself(address, counted_as):
    assert network(address) == counted_as


def test_new_addresses_in_one_64_do_not_escape_the_reply_flood_limit(story, settings):
    settings.NEWSROOM_COMMENTS_FLOOD_SECONDS = 30
    assert post_reply(Client(), story, ip=ONE_NETWORK[0], body="First.").status_code == 303
    for address in ONE_NETWORK[1:]:
        assert post_reply(Client(), story, ip=address, body="Again from next door.").status_code == 429
    assert post_reply(Client(), story, ip=NEXT_NETWORK, body="Another subscriber.").status_code == 303


def test_new_addresses_in_one_64_do_not_escape_the_hourly_cap(story, settings):
    settings.NEWSROOM_COMMENTS_HOURLY_CAP = 2
    for address in ONE_NETWORK[:2]:
        assert post_reply(Client(), story, ip=address).status_code == 303
    assert post_reply(Client(), story, ip=ONE_NETWORK[2]).status_code == 429


def test_new_addresses_in_one_64_do_not_escape_the_report_flood_limit(story, settings):
    settings.NEWSROOM_COMMENTS_REPORT_FLOOD_SECONDS = 30
    reply = make_reply(story)

    def report_from(address):
        return Client().post(f"/comments/report/{reply.pk}/", {"reason": "abusive"}, REMOTE_ADDR=address).status_code

    assert report_from(ONE_NETWORK[0]) == 303
    assert [report_from(address) for address in ONE_NETWORK[1:]] == [429, 429]
    assert report_from(NEXT_NETWORK) == 303


def test_a_ban_by_ipv6_address_covers_its_64(story):
    ban = Ban.objects.create(ip_address=ONE_NETWORK[0], reason="Flooding")
    assert ban.target == "2001:db8:1:2::/64"
    for n, address in enumerate([*ONE_NETWORK[1:], NEXT_NETWORK]):
        post_reply(Client(), story, ip=address, body=f"Reply {n} from {address}.")
    statuses = [reply.status for reply in Comment.objects.order_by("pk")]
    assert statuses == [Comment.Status.SPAM, Comment.Status.SPAM, Comment.Status.PENDING]


def test_a_ban_by_ipv4_address_covers_that_address_only(story):
    Ban.objects.create(ip_address="192.0.2.7", reason="Flooding")
    post_reply(Client(), story, ip="192.0.2.7", body="Banned.")
    post_reply(Client(), story, ip="192.0.2.8", body="Next door.")
    assert [r.status for r in Comment.objects.order_by("pk")] == [Comment.Status.SPAM, Comment.Status.PENDING]


def test_login_failures_from_one_64_lock_out_its_other_addresses(client, chief, settings):  # noqa: F811
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt_login(client, f"guess{n}", "wrong-guess", f"2001:db8:1:2::{n + 1:x}")
    assert attempt_login(client, "chief", PASSWORD, "2001:db8:1:2:9999::1").status_code == 429
    assert attempt_login(client, "chief", PASSWORD, NEXT_NETWORK).status_code == 302
