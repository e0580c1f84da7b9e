# Where Varnish finds the site, and who may purge it: the one file an operator edits (newsroom.vcl includes it).
#
# The backend is gunicorn (`make serve`, or the newsroom-web unit). The purgers are the machines whose
# background worker sends PURGE when pages change (pagecache/proxy.py, NEWSROOM_PURGE_URLS): this one,
# and each gunicorn/worker host when they run elsewhere. Nobody else may purge.

backend gunicorn {
    .host = "127.0.0.1";
    .port = "8000";
    # gunicorn gives up on a request after 30 s (GUNICORN_TIMEOUT): wait a little longer than it does.
    .first_byte_timeout = 35s;
}

acl purgers {
    "localhost";
    # "192.0.2.10";  # another gunicorn and worker host
}
