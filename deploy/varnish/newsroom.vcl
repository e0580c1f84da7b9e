vcl 4.1;
# Varnish in front of Newsroom (Debian's varnish 7.1 with varnish-modules for xkey): README "Varnish in front".
#
# It keeps what the site marks shared (Cache-Control public, s-maxage) and nothing else: a request that
# carries anything personal, and every answer the site marks private, goes straight through and is never
# stored. The site names what each page shows in Surrogate-Key (story-12 section-3 site ...), and its
# background worker purges by those keys within a second of a change (pagecache/proxy.py).
#
# Listen sockets: the one named "https" takes what the TLS terminator (hitch, haproxy) hands on with the
# PROXY protocol, so client.ip is the reader's address; any other socket is plain http. Name it (Debian's
# unit names none, so every reader would be sent to https again and again). For example:
#   varnishd -a http=:80 -a https=127.0.0.1:8443,PROXY -f /etc/varnish/newsroom.vcl

import cookie;
import std;
import xkey;

include "backend.vcl";  # the backend and the purgers' ACL, searched in vcl_path (/etc/varnish first)

# The cookies that make a request personal, so it is never answered from the cache nor stored in it:
# Django's session (a signed-in editor, reporter or moderator) and its messages ("Your reply awaits
# moderation"). The site's own list is pagecache.PERSONAL_COOKIES (an app may add to it in its apps.py);
# tests/test_varnish.py checks that the two agree. Every other cookie (csrftoken, the reply author's token,
# analytics) changes nothing in a shared page, and is dropped before the cache is looked up.
sub personal_cookies_only {
    cookie.keep("sessionid,messages");
}

sub vcl_recv {
    call trusted_headers_only;

    if (req.method == "PURGE") {
        call purge_by_key;
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);  # replies, reports, sign-ins, the admin's forms
    }
    # Never shared, whatever they answer: the admin (the live desk with it), previews of stories not out,
    # everything about replies (posting, reporting, a browser's own replies, email links), the health checks.
    if (req.url ~ "^/(admin|preview|comments)/" || req.url ~ "^/healthz") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    if (req.http.Cookie) {
        cookie.parse(req.http.Cookie);
        call personal_cookies_only;
        if (cookie.get_string() != "") {
            return (pass);  # with every cookie it came with: the site needs them all
        }
    }
    # What is left is an anonymous reader's GET: the same page for everyone.
    unset req.http.Cookie;
    call canonical_url;
    return (hash);
}

# Only what this Varnish knows itself reaches the site as the client's address and scheme: the site
# trusts the right-most X-Forwarded-For address (clientip/) and X-Forwarded-Proto (DJANGO_TRUST_PROXY).
# Whatever a client sent in these headers, or in others that servers read as a host or scheme, is dropped.
sub trusted_headers_only {
    set req.http.X-Forwarded-For = client.ip;
    if (local.socket == "https") {
        set req.http.X-Forwarded-Proto = "https";
    } else {
        set req.http.X-Forwarded-Proto = "http";
    }
    unset req.http.Forwarded;
    unset req.http.X-Forwarded-Host;
    unset req.http.X-Forwarded-Port;
    unset req.http.X-Forwarded-Server;
    unset req.http.X-Forwarded-Protocol;  # gunicorn reads these two as a scheme
    unset req.http.X-Forwarded-Ssl;
    unset req.http.X-Real-Ip;
    if (req.http.Host ~ "[[:upper:]]") {
        set req.http.Host = req.http.Host.lower();
    }
}

# PURGE with an xkey-purge header (space-separated keys) drops every page stored with any of them;
# xkey-softpurge keeps them for their grace. Only from the purgers' addresses (backend.vcl).
sub purge_by_key {
    if (client.ip !~ purgers) {
        return (synth(403, "Forbidden"));
    }
    if (req.http.xkey-purge) {
        return (synth(200, "Purged " + xkey.purge(req.http.xkey-purge)));
    }
    if (req.http.xkey-softpurge) {
        return (synth(200, "Soft-purged " + xkey.softpurge(req.http.xkey-softpurge)));
    }
    return (synth(400, "PURGE needs an xkey-purge or xkey-softpurge header"));
}

# Parameters the site's pages never read (campaign tags, click ids, unique per click) are dropped, and the
# rest put in one order, so a reader who followed a link from a newsletter or a social network gets the
# page every other reader shares (the site serves the same page for them: pagecache.canonical_query).
sub canonical_url {
    set req.url = regsuball(req.url, "(?i)([?&])(utm_[a-z_]*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid)=[^&]*", "\1");
    set req.url = regsuball(req.url, "&{2,}", "&");
    set req.url = regsub(req.url, "\?&", "?");
    set req.url = regsub(req.url, "[?&]$", "");
    set req.url = std.querysort(req.url);
}

# https and http pages are kept apart (the site answers plain http with a redirect).
sub vcl_hash {
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);  # a pass: nothing is stored
    }
    # Only what the site marks shared is stored, and only without a cookie or a per-cookie variant.
    if (beresp.http.Cache-Control !~ "(?i)(^|,)\s*public\s*(,|$)"
        || beresp.http.Cache-Control ~ "(?i)private|no-store|no-cache"
        || beresp.http.Set-Cookie
        || beresp.http.Vary ~ "(?i)cookie|\*") {
        call vcl_beresp_hitmiss;  # not stored; for two minutes this address goes to the site at once
    }
    call vcl_beresp_stale;
    # The TTL is the site's s-maxage (Varnish's own rule); a page is served stale while it is fetched again
    # only as long as the site's stale-while-revalidate allows, not Varnish's default 10 s.
    if (beresp.http.Cache-Control !~ "(?i)stale-while-revalidate") {
        set beresp.grace = 0s;
    }
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    return (deliver);
}

sub vcl_deliver {
    # The keys are for this cache alone; and a shared cache further on (a company's proxy) would keep a
    # page for s-maxage without hearing of purges, so what leaves here says only what browsers may do.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    if (resp.http.Cache-Control ~ "(?i)(s-maxage|stale-while-revalidate)=") {
        set resp.http.Cache-Control = regsuball(resp.http.Cache-Control, "(?i),?\s*(s-maxage|stale-while-revalidate)=[0-9]+", "");
    }
    # For operators with curl and for the bench: HIT (from the cache), MISS (fetched and stored), PASS
    # (went through: personal, or the site said not to keep it). Age and X-Varnish say as much, less plainly.
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
