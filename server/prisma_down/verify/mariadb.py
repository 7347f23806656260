"""A private, throwaway MariaDB server on a unix socket, and Prisma's way of running a script.

Like ``verify.postgres``: ``mariadb-install-db`` into a temporary directory, ``mariadbd``
with ``--skip-networking`` (no TCP port at all), run as an unprivileged account when we are
root, and gone (files and process) after ``stop()``.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from prisma_down.core.statements import split
from prisma_down.verify.processes import run_as_user, short_tmp
from prisma_down.verify.roundtrip import failed_at

if TYPE_CHECKING:
    import pymysql.connections

_INSTALL = ("mariadb-install-db", "mysql_install_db")
_SERVER = ("mariadbd", "mysqld")
_SBIN = ("/usr/sbin", "/usr/libexec", "/usr/local/sbin", "/usr/local/bin")
_START_TIMEOUT = 60.0


class MariaDBUnavailable(Exception):
    """MariaDB's server programs could not be found or would not start."""


def _find(names: tuple[str, ...]) -> Path:
    for name in names:
        found = shutil.which(name)
        if found:
            return Path(found)
        for directory in _SBIN:
            candidate = Path(directory) / name
            if candidate.exists():
                return candidate
    raise MariaDBUnavailable(
        f"{' / '.join(names)} not found: install MariaDB's server "
        "(`apt-get install mariadb-server` on Debian/Ubuntu, `brew install mariadb` on macOS)."
    )


class MariaDBServer:
    """A MariaDB server in a temporary directory, reachable only through a unix socket."""

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._user: pwd.struct_passwd | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._admin: pymysql.connections.Connection[Any] | None = None
        self.version: str = ""
        self.start_seconds: float | None = None

    def __enter__(self) -> MariaDBServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def directory(self) -> Path:
        if self._dir is None:
            raise RuntimeError("the MariaDB server is not started")
        return self._dir

    @property
    def socket(self) -> str:
        return str(self.directory / "mysqld.sock")

    def start(self) -> None:
        """Install a data directory, start ``mariadbd`` and return when it answers."""
        if self._dir is not None:
            return
        began = time.perf_counter()
        install, server = _find(_INSTALL), _find(_SERVER)
        self._user = run_as_user()
        self._dir = Path(tempfile.mkdtemp(prefix="prisma-down-my-", dir=short_tmp()))
        try:
            if self._user is not None:
                os.chown(self._dir, self._user.pw_uid, self._user.pw_gid)
            data = self._dir / "data"
            scratch = self._dir / "tmp"  # its own temporary tables, not the shared /tmp's
            scratch.mkdir()
            if self._user is not None:
                os.chown(scratch, self._user.pw_uid, self._user.pw_gid)
            self._run(
                install, "--no-defaults", f"--datadir={data}",
                "--auth-root-authentication-method=normal", "--skip-test-db",
                "--skip-name-resolve",
            )  # fmt: skip
            log = self._dir / "mariadb.log"
            user = self._user
            self._process = subprocess.Popen(
                [
                    str(server),
                    "--no-defaults",
                    f"--datadir={data}",
                    f"--socket={self.socket}",
                    f"--tmpdir={scratch}",
                    "--skip-networking",
                    f"--pid-file={self._dir / 'mysqld.pid'}",
                    f"--log-error={log}",
                    "--skip-log-bin",
                    "--innodb-buffer-pool-size=64M",
                    "--innodb-flush-log-at-trx-commit=0",
                    "--innodb-doublewrite=0",
                    "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_unicode_ci",
                    "--skip-name-resolve",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self._dir,
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
                start_new_session=True,
            )
            self._wait_ready(log)
        except BaseException:
            self.stop()
            raise
        atexit.register(self.stop)  # a forgotten stop() must not leave a server running
        self.start_seconds = time.perf_counter() - began

    def stop(self) -> None:
        """Stop the server at once (nothing in it is worth keeping) and delete its directory."""
        if self._admin is not None:
            with suppress(Exception):
                self._admin.close()
            self._admin = None
        directory = self._dir
        if directory is None:
            return
        atexit.unregister(self.stop)
        try:
            process = self._process
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGKILL)
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=_START_TIMEOUT)
        finally:
            self._process = None
            self._dir = None
            shutil.rmtree(directory, ignore_errors=True)

    def _run(self, program: Path, *args: str) -> None:
        user = self._user
        try:
            subprocess.run(
                [str(program), *args],
                check=True,
                capture_output=True,
                text=True,
                cwd=self._dir,
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
            )
        except OSError as error:
            raise MariaDBUnavailable(f"{program} could not be run: {error}") from error
        except subprocess.CalledProcessError as error:
            output = (error.stderr or error.stdout or "").strip()[-2000:]
            raise MariaDBUnavailable(f"{program.name} failed: {output}") from error

    def _wait_ready(self, log: Path) -> None:
        import pymysql

        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                break
            if Path(self.socket).exists():
                try:
                    conn = self.connect()
                except pymysql.err.OperationalError:
                    pass
                else:
                    with conn.cursor() as cur:
                        cur.execute("SELECT VERSION()")
                        row = cur.fetchone()
                    self.version = str(row[0]) if row else ""
                    conn.close()
                    return
            time.sleep(0.01)
        tail = log.read_text(errors="replace").strip()[-2000:] if log.exists() else ""
        raise MariaDBUnavailable(f"the MariaDB server did not start: {tail}")

    # -- databases ------------------------------------------------------------------------

    def url(self, database: str) -> str:
        """A ``mysql://`` URL in the form Prisma accepts for a unix socket."""
        return f"mysql://root@localhost/{database}?socket={self.socket}"

    def connect(self, database: str | None = None) -> pymysql.connections.Connection[Any]:
        """An autocommit connection over the unix socket, as root."""
        import pymysql

        return pymysql.connect(
            unix_socket=self.socket,
            user="root",
            database=database,
            autocommit=True,
            charset="utf8mb4",
        )

    def _admin_connection(self) -> pymysql.connections.Connection[Any]:
        if self._admin is None or not self._admin.open:
            self._admin = self.connect()
        return self._admin

    def create_database(self, name: str) -> None:
        with self._admin_connection().cursor() as cur:
            cur.execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )

    def drop_database(self, name: str) -> None:
        with self._admin_connection().cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")

    @contextmanager
    def database(self, name: str) -> Iterator[str]:
        self.create_database(name)
        try:
            yield name
        finally:
            self.drop_database(name)


def apply(conn: pymysql.connections.Connection[Any], script: str) -> str | None:
    """Run a script one statement at a time, as Prisma's schema engine does for MySQL.

    MySQL commits every DDL statement on its own: a failing script leaves the statements
    before it applied. Returns None on success, else the error and where it happened.
    """
    import pymysql

    with conn.cursor() as cur:
        for st in split(script, "mysql").statements:
            try:
                cur.execute(st.text)  # no arguments: PyMySQL leaves % alone
                while cur.nextset():
                    pass
            except pymysql.err.MySQLError as error:
                args: tuple[object, ...] = tuple(error.args)
                message = str(args[1]) if len(args) > 1 else str(error)
                return failed_at(message, script, st.span.start)
    return None
