"""A real varnishd with the shipped VCL (deploy/varnish/), in front of a test gunicorn, for tests and the bench.

It listens as in production: a plain http socket (where the worker's purges arrive from this machine)
and an "https" socket that takes the PROXY protocol, as from a TLS terminator; `Reader` connects there
as a reader at any address. The shipped backend.vcl is used with only its port changed.
"""

import http.client
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.gunicorn_server import REPO, free_port, program_or_skip, stop

VCL = REPO / "deploy" / "varnish"
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"


@dataclass
class Varnish:
    """Where varnishd listens: plain http (purges from this machine), and the TLS terminator's socket."""

    plain_port: int
    https_port: int

    @classmethod
    def on_free_ports(cls):
        return cls(free_port(), free_port())

    @property
    def purge_url(self):
        return f"http://127.0.0.1:{self.plain_port}/"


@contextmanager
def varnish(ports, backend, folder):
    """varnishd on `ports` (a Varnish) with deploy/varnish/newsroom.vcl, in front of `backend` (a base URL on
    loopback); stopped on exit."""
    folder, backend_port = Path(folder), urlsplit(backend).port
    (folder / "vcl").mkdir(exist_ok=True)
    shipped = (VCL / "backend.vcl").read_text()
    assert '.port = "8000";' in shipped
    (folder / "vcl" / "backend.vcl").write_text(shipped.replace('.port = "8000";', f'.port = "{backend_port}";'))
    command = [
        program_or_skip(VARNISHD, "varnish and varnish-modules"), "-F", "-j", "none", "-n", str(folder / "work"),
        "-a", f"http=127.0.0.1:{ports.plain_port}", "-a", f"https=127.0.0.1:{ports.https_port},PROXY",
        "-f", str(VCL / "newsroom.vcl"), "-p", f"vcl_path={folder / 'vcl'}:{VCL}",
        "-s", "malloc,64m", "-T", "none",
        # Few threads, quickly started: a test's load is a handful of requests.
        "-p", "thread_pools=1", "-p", "thread_pool_min=10", "-p", "thread_pool_max=100",
    ]
    with open(folder / "varnish.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", ports.plain_port, timeout=2)
                    connection.request("GET", "/healthz")
                    connection.getresponse().read()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("varnishd did not start:\n" + (folder / "varnish.log").read_text()) from None
                    time.sleep(0.1)
            yield ports
        finally:
            stop(process)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def hit(self):
        """Served from the cache: X-Varnish names this request and the one that stored the page."""
        return len(self.headers["X-Varnish"].split()) == 2


class Reader(http.client.HTTPConnection):
    """A connection to the "https" socket as the TLS terminator makes one: a PROXY line with the reader's address."""

    def __init__(self, port, address):
        super().__init__("127.0.0.1", port, timeout=20)
        self.address = address

    def connect(self):
        super().connect()
        self.sock.sendall(f"PROXY TCP4 {self.address} 127.0.0.1 50000 443\r\n".encode())


def ask(connection, path, method="GET", cookies=None, headers=None, body=None):
    """One request on a new connection; its Answer."""
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode())
    finally:
        connection.close()
