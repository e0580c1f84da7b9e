"""Run the project as `make serve` does (gunicorn on a free loopback port, the background worker), for tests and the bench.

The server gets its own data directory (SQLite file in WAL mode, media) or
the DATABASE_URL it is given, so it never touches the developer's var/.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECRET = "gunicorn-test-secret-key-" + "x" * 40  # noqa: S105 (a throwaway key for a loopback test server)


def program_or_skip(path, package):
    """`path` if it can be run; else the test is skipped, or fails on CI (.ci/run installs `package`)."""
    import pytest  # only the tests ask: the bench imports this module too

    if not os.access(path, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"{path} not found")
        pytest.skip(f"{path} not found; install Debian's {package}")
    return path


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(data_dir, **overrides):
    """The inherited environment with production settings, SQLite in `data_dir`, plain HTTP, and `overrides`."""
    # The suite's DATABASE_URL names the developer's database: a server here gets SQLite unless told otherwise.
    dropped = ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    env = {key: value for key, value in os.environ.items() if key not in dropped and not key.startswith("AWS_")}
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_DATA_DIR=str(data_dir),
        DJANGO_STATIC_ROOT=str(Path(data_dir) / "static"),
        # No TLS on loopback: the proxy's part is left out.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def manage(env, *args):
    """Run a manage.py command in the server's environment; its stdout."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ask(env, expression, imports):
    """The value of a Python expression evaluated by `manage.py shell` in the server's environment."""
    out = manage(env, "shell", "--no-imports", "-c", f"{imports}; print('=>', repr({expression}))")
    return next(line[3:] for line in reversed(out.splitlines()) if line.startswith("=> "))


def prepare_site(env):
    """Collect static files, migrate and load the seed story, as `make serve` would; the story's path."""
    manage(env, "collectstatic", "--no-input")
    manage(env, "migrate", "--no-input")
    manage(env, "load_seed_story")
    return ask(env, "Article.objects.published().get().get_absolute_url()", "from articles.models import Article").strip("'")


class ServerURL(str):
    """The server's base URL, which also knows the gunicorn master's process id."""

    pid: int


@contextmanager
def gunicorn(env, log_path, workers=1, threads=1, startup_seconds=30):
    """Start gunicorn with newsroom/gunicorn.conf.py; yield its base URL (a ServerURL); stop it on exit."""
    port = free_port()
    env = {**env, "PORT": str(port), "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads)}
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "newsroom.wsgi", "--config", "newsroom/gunicorn.conf.py"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = ServerURL(f"http://127.0.0.1:{port}")
        base.pid = server.pid
        try:
            deadline = time.monotonic() + startup_seconds
            while True:
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310 (loopback)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not start:\n" + Path(log_path).read_text()) from None
                    time.sleep(0.2)
            yield base
        finally:
            stop(server)


def stop(process):
    """Ask a process started here to stop; kill it if it has not within 20 seconds."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def db_worker(env, log_path):
    """Start the background workers as `make serve` does (one for the "pages" queue, one for the rest), both
    writing to `log_path`; yield the one that runs the rest (emails, the schedule); stop both on exit."""
    with open(log_path, "w") as log:
        workers = [
            subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-reload", *queues], cwd=REPO, env=env,
                             stdout=log, stderr=subprocess.STDOUT)
            for queues in (["--queue-name", "pages"], ["--exclude-queues", "pages"])
        ]
        try:
            yield workers[1]
        finally:
            for worker in workers:
                stop(worker)
