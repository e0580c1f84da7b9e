"""Debian's varnishd in front of the bench's gunicorn, with the project's own VCL.

The VCL is read from deploy/varnish/newsroom.vcl (BENCH_VARNISH_VCL names another), with the files it
includes from its folder (backend.vcl). They are copied into the run's folder with every backend pointed
at the bench's gunicorn; everything else runs as written. The site purges through PURGE_SETTING, which the
bench sets for gunicorn and the background worker before they start, so a moderator's decision reaches
this varnishd the way it would reach production's (`make serve-varnish` runs it the same way).
"""

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests import gunicorn_server

REPO = Path(__file__).resolve().parents[2]
VCL = REPO / "deploy" / "varnish" / "newsroom.vcl"
PURGE_SETTING = "NEWSROOM_PURGE_URLS"
STORAGE = "malloc,256m"
SETTLE_SECONDS, SETTLE_LIMIT = 1, 15
# Varnish and the readers' wrk stand for machines of their own in front of the origin: on this one, they run
# under Linux's idle scheduling class, taking only the cycles gunicorn, its workers, the database and the cache
# server leave, as on separate hosts they would not take the origin's at all. (`nice 10` was not enough: its
# weight counts per thread, and varnishd's dozens of busy threads outweighed the origin's few, so the
# moderator's decisions and the cache server's answers waited on a run queue.)
IDLE = ("chrt", "--idle", "0")
# varnishd's processes: the manager and the child that serves, for the CPU meter.
PROCESSES = [("varnishd", ""), ("cache-main", "")]


def vcl_path():
    return Path(os.environ.get("BENCH_VARNISH_VCL") or VCL)


def unavailable():
    """Why the Varnish row cannot run here, or None."""
    if not shutil.which("varnishd"):
        return "varnishd is not installed (Debian: apt-get install varnish varnish-modules)"
    if not vcl_path().is_file():
        return f"no VCL at {vcl_path()} (the project's VCL has not landed; BENCH_VARNISH_VCL names another)"
    return None


def with_backend(vcl, port):
    """The VCL with its backends' host and port (in VCL only a backend has them) set to the bench's gunicorn."""
    vcl = re.sub(r'\.host\s*=\s*"[^"]*"', '.host = "127.0.0.1"', vcl)
    return re.sub(r'\.port\s*=\s*"[^"]*"', f'.port = "{port}"', vcl)


def copy_vcl(folder, port):
    """The project's VCL files, pointed at gunicorn's `port`, written into `folder`: the main file's copy."""
    declared = False
    for source in vcl_path().parent.glob("*.vcl"):
        text = source.read_text()
        declared = declared or bool(re.search(r"^\s*backend\s+\w+\s*\{", text, re.M))
        (folder / source.name).write_text(with_backend(text, port))
    if not declared:
        raise RuntimeError(f"no VCL file in {vcl_path().parent} declares a backend to point at gunicorn")
    return folder / vcl_path().name


class Varnish:
    """A running varnishd: its base URL and its counters."""

    def __init__(self, workdir, port):
        self.workdir, self.base = workdir, f"http://127.0.0.1:{port}"

    def counters(self, settled=False):
        """varnishstat's counters: {name: value}. A worker thread adds its counts to them only between jobs,
        and a keep-alive connection under load is one long job: `settled` waits, after a run, until the
        requests counted stop changing (the last connections' counts are in)."""
        now = self._read()
        deadline = time.monotonic() + SETTLE_LIMIT
        while settled and time.monotonic() < deadline:
            time.sleep(SETTLE_SECONDS)
            before, now = now, self._read()
            if now.get("MAIN.client_req") == before.get("MAIN.client_req"):
                break
        return now

    def _read(self):
        out = subprocess.run(["varnishstat", "-n", str(self.workdir), "-j", "-1"], capture_output=True, text=True, timeout=30)
        data = json.loads(out.stdout)
        counters = data.get("counters", data)  # Varnish 6.5+ nests them; earlier versions did not
        return {name: c["value"] for name, c in counters.items() if isinstance(c, dict) and "value" in c}


COUNTED = {"requests": "MAIN.client_req", "hits": "MAIN.cache_hit", "misses": "MAIN.cache_miss",
           "hit-for-miss": "MAIN.cache_hitmiss", "hit-for-pass": "MAIN.cache_hitpass", "passes": "MAIN.s_pass"}


def counted(before, after):
    """What varnishd did between two snapshots of its counters: {name in COUNTED: how many}."""
    return {name: after.get(counter, 0) - before.get(counter, 0) for name, counter in COUNTED.items()}


def hit_ratio(done):
    """Hits among the requests that looked in the cache (hits, misses, hits on a hit-for-pass object: a
    hit-for-miss is counted as a miss too); those the VCL passes (anything personal: a session, a POST,
    the admin) never look and are not counted. None when nothing looked."""
    looked = done["hits"] + done["misses"] + done["hit-for-pass"]
    return done["hits"] / looked if looked else None


def describe(done):
    return (f"Varnish took {done['requests']:,} requests: {done['hits']:,} hits, {done['misses']:,} misses "
            f"({done['hit-for-miss']:,} on a hit-for-miss), {done['hit-for-pass']:,} hit-for-pass, {done['passes']:,} passed")


@contextlib.contextmanager
def varnishd(data_dir, port, backend_port, log_path):
    """Start varnishd on `port` in front of gunicorn at `backend_port`; yield a Varnish; stop it on exit."""
    folder = Path(data_dir) / "varnish"
    folder.mkdir()
    vcl = copy_vcl(folder, backend_port)
    workdir = folder / "work"
    command = [*IDLE, "varnishd", "-F", "-j", "none", "-n", str(workdir), "-a", f"http=127.0.0.1:{port}", "-f", str(vcl),
               "-p", f"vcl_path={folder}:/usr/share/varnish/vcl", "-s", STORAGE, "-T", "none"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"varnishd did not start ({' '.join(command)}):\n{Path(log_path).read_text()}")
                time.sleep(0.2)
            yield Varnish(workdir, port)
        finally:
            gunicorn_server.stop(process)
