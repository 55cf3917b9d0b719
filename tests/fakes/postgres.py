"""A throwaway PostgreSQL server from Debian's packages: `initdb` in a temporary folder,
`pg_ctl` on a free loopback port, run as an unprivileged user, stopped by its pid."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

USER = "cmr"


def postgres_bin() -> Path | None:
    """The newest installed server's bin folder (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> str | None:
    """initdb refuses root: as root, run the server as the `postgres` (or `nobody`) user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user to run PostgreSQL as")


class PostgresServer:
    def __init__(self, folder: Path) -> None:
        binaries = postgres_bin()
        if binaries is None:
            raise RuntimeError("PostgreSQL is not installed (make test installs it)")
        self.bin, self.folder, self.port = binaries, folder, _free_port()
        self.user = _run_as()
        self.pid: int | None = None

    def _call(self, *args: str) -> None:
        subprocess.run([str(self.bin / args[0]), *args[1:]], check=True, user=self.user,
                       capture_output=True, timeout=120, cwd="/")

    def start(self) -> None:
        data, sockets = self.folder / "data", self.folder / "sockets"
        sockets.mkdir(parents=True)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            for path in (self.folder, sockets):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._call("initdb", "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                   "--no-sync")
        options = (f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")
        self._call("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.folder / "log"),
                   "-w", "-t", "60", "start")
        self.pid = int((data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        """A fast shutdown by the postmaster's pid, waited for."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGINT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.pid = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    @contextmanager
    def fresh_database(self) -> Iterator[str]:
        """A new empty database for one test; dropped afterwards."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield self.url(name)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@contextmanager
def postgres_server(folder: Path) -> Iterator[PostgresServer]:
    server = PostgresServer(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
