"""A private, throwaway PostgreSQL server on a unix socket.

Used by the tests and by ``prisma-down verify``: migrations are applied to a real server
because only PostgreSQL itself knows exactly what a script does. The server lives in a
temporary directory, listens on no TCP port, and is gone (files and processes) after
``stop()``.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from prisma_down.verify.processes import run_as_user, short_tmp

if TYPE_CHECKING:
    import psycopg

_BINARIES = ("initdb", "pg_ctl", "postgres")
_PORT = 5432  # only names the socket file; the socket directory is private
_SUPERUSER = "postgres"
_START_TIMEOUT = 30.0


class PostgresUnavailable(Exception):
    """PostgreSQL's server programs could not be found or would not start."""


def find_bin_dir() -> Path:
    """The directory holding initdb, pg_ctl and postgres: PATH first, else the newest Debian one."""
    on_path = shutil.which("initdb")
    if on_path is not None:
        directory = Path(on_path).resolve().parent
        if all((directory / name).exists() for name in _BINARIES):
            return directory
    candidates = glob.glob("/usr/lib/postgresql/*/bin")

    def version(path: str) -> tuple[int, ...]:
        numbers = re.findall(r"\d+", Path(path).parent.name)
        return tuple(int(n) for n in numbers)

    for directory_name in sorted(candidates, key=version, reverse=True):
        directory = Path(directory_name)
        if all((directory / name).exists() for name in _BINARIES):
            return directory
    raise PostgresUnavailable(
        "PostgreSQL server programs (initdb, pg_ctl, postgres) were not found: install them "
        "(`apt-get install postgresql` on Debian/Ubuntu, `brew install postgresql` on macOS) "
        "or pass --database-url."
    )


class PostgresServer:
    """A PostgreSQL cluster in a temporary directory, reachable only through a unix socket."""

    def __init__(
        self,
        bin_dir: str | os.PathLike[str] | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self._bin_dir = Path(bin_dir) if bin_dir is not None else None
        self._settings = dict(settings or {})
        self._dir: Path | None = None
        self._user: pwd.struct_passwd | None = None
        self._admin: psycopg.Connection[Any] | None = None
        self.start_seconds: float | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> PostgresServer:
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
        """The temporary directory: data in ``data/``, the socket and the log at the top."""
        if self._dir is None:
            raise RuntimeError("the PostgreSQL server is not started")
        return self._dir

    @property
    def socket_dir(self) -> str:
        return str(self.directory)

    @property
    def port(self) -> int:
        return _PORT

    def start(self) -> None:
        """initdb into a fresh temporary directory and start the server; return when ready."""
        if self._dir is not None:
            return
        began = time.perf_counter()
        bin_dir = self._bin_dir or find_bin_dir()
        missing = [name for name in _BINARIES if not (bin_dir / name).exists()]
        if missing:
            raise PostgresUnavailable(f"{bin_dir} does not hold {', '.join(missing)}.")
        self._user = run_as_user()
        self._dir = Path(tempfile.mkdtemp(prefix="prisma-down-pg-", dir=short_tmp()))
        try:
            if self._user is not None:
                os.chown(self._dir, self._user.pw_uid, self._user.pw_gid)
            data = self._dir / "data"
            self._run(
                bin_dir / "initdb",
                "-D", str(data), "-A", "trust", "-U", _SUPERUSER, "--no-sync",
                "-E", "UTF8", "--locale=C",
            )  # fmt: skip
            settings = {
                "listen_addresses": "",  # no TCP at all
                "unix_socket_directories": str(self._dir),
                "port": str(_PORT),
                "fsync": "off",
                "synchronous_commit": "off",
                "full_page_writes": "off",
                **self._settings,
            }
            # pg_ctl hands these to /bin/sh, hence the shell quoting.
            options = " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in settings.items())
            log = self._dir / "postgres.log"
            self._run(bin_dir / "pg_ctl", "start", "-D", str(data), "-l", str(log), "-W",
                      "-o", options)  # fmt: skip
            self._wait_ready(data, log)
        except BaseException:
            self.stop()
            raise
        atexit.register(self.stop)  # a forgotten stop() must not leave a server running
        self.start_seconds = time.perf_counter() - began

    def stop(self) -> None:
        """Stop the server at once (nothing in it is worth keeping) and delete its directory."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        directory = self._dir
        if directory is None:
            return
        atexit.unregister(self.stop)
        pid_file = directory / "data" / "postmaster.pid"
        try:
            if pid_file.exists():
                bin_dir = self._bin_dir or find_bin_dir()
                # -W and our own 2 ms polling: pg_ctl -w polls every 100 ms.
                try:
                    self._run(bin_dir / "pg_ctl", "stop", "-D", str(pid_file.parent),
                              "-m", "immediate", "-W")  # fmt: skip
                except PostgresUnavailable:
                    _kill_postmaster(pid_file)  # pg_ctl could not; do not leave it running
                deadline = time.monotonic() + _START_TIMEOUT
                while pid_file.exists() and time.monotonic() < deadline:
                    time.sleep(0.002)
        finally:
            self._dir = None
            shutil.rmtree(directory, ignore_errors=True)

    def _run(self, program: Path, *args: str) -> None:
        """Run a PostgreSQL program, as the unprivileged account when we are root."""
        user = self._user
        try:
            subprocess.run(
                [str(program), *args],
                check=True,
                capture_output=True,
                text=True,
                cwd=self._dir,
                env={**os.environ, "LC_ALL": "C"},
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
            )
        except OSError as error:
            raise PostgresUnavailable(f"{program} could not be run: {error}") from error
        except subprocess.CalledProcessError as error:
            output = (error.stderr or error.stdout or "").strip()
            raise PostgresUnavailable(f"{program.name} failed: {output}") from error

    def _wait_ready(self, data: Path, log: Path) -> None:
        """Poll postmaster.pid for the "ready" status, as pg_ctl -w does but every 2 ms."""
        deadline = time.monotonic() + _START_TIMEOUT
        pid_file = data / "postmaster.pid"
        while time.monotonic() < deadline:
            try:
                lines = pid_file.read_text().splitlines()
            except FileNotFoundError:
                lines = []
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
            if lines and lines[0].isdigit() and not _alive(int(lines[0])):
                break
            if _log_says_fatal(log):
                break
            time.sleep(0.002)
        tail = log.read_text(errors="replace").strip()[-2000:] if log.exists() else ""
        raise PostgresUnavailable(f"the PostgreSQL server did not start: {tail}")

    # -- databases ------------------------------------------------------------------------

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq connection string (also accepted by psycopg and psql)."""
        return f"host={_quote_value(self.socket_dir)} port={_PORT} user={_SUPERUSER} " + (
            f"dbname={_quote_value(dbname)}"
        )

    def url(self, dbname: str = "postgres") -> str:
        """A ``postgresql://`` URL in the form Prisma accepts for a unix socket."""
        return f"postgresql://{_SUPERUSER}@localhost:{_PORT}/{quote(dbname, safe='')}" + (
            f"?host={quote(self.socket_dir)}"
        )

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        """An autocommit connection over the unix socket."""
        import psycopg

        return psycopg.connect(
            host=self.socket_dir, port=_PORT, user=_SUPERUSER, dbname=dbname, autocommit=True
        )

    def _admin_connection(self) -> psycopg.Connection[Any]:
        if self._admin is None or self._admin.closed:
            self._admin = self.connect("postgres")
        return self._admin

    def create_database(self, name: str) -> None:
        from psycopg import sql

        self._admin_connection().execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop_database(self, name: str) -> None:
        """Drop even if sessions are still connected (a test may have leaked one)."""
        from psycopg import sql

        self._admin_connection().execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    @contextmanager
    def database(self, name: str) -> Iterator[str]:
        """A database that exists for the duration of the ``with`` block."""
        self.create_database(name)
        try:
            yield name
        finally:
            self.drop_database(name)

    def apply(self, target: psycopg.Connection[Any] | str, script: str) -> str | None:
        """Run a script the way Prisma does; see the module-level :func:`apply`."""
        if isinstance(target, str):
            with self.connect(target) as conn:
                return apply(conn, script)
        return apply(target, script)


def apply(conn: psycopg.Connection[Any], script: str) -> str | None:
    """Run a whole script in one simple-query call, as Prisma's schema engine does.

    Without explicit BEGIN/COMMIT PostgreSQL runs a multi-statement simple query as one
    implicit transaction, so a failing script leaves nothing behind. Returns None on
    success, else the error message; the connection is usable again either way.
    """
    import psycopg
    from psycopg import pq

    try:
        # No parameters: psycopg sends the text as a simple query, several statements allowed.
        conn.execute(script.encode(), prepare=False)
    except psycopg.Error as error:
        if not conn.closed and conn.info.transaction_status == pq.TransactionStatus.INERROR:
            conn.rollback()
        return describe_error(error, script)
    return None


def describe_error(error: Any, script: str, start: int = 0) -> str:
    """The error's first line, plus where in the script it happened and its detail/context.

    ``start``: where in ``script`` the text sent to the server began (one statement of it).
    """
    diag = error.diag
    message = diag.message_primary or str(error).splitlines()[0]
    parts = [message]
    if diag.statement_position:
        offset = start + int(diag.statement_position) - 1  # 1-based, in characters
        line = script.count("\n", 0, offset) + 1
        column = offset - (script.rfind("\n", 0, offset) + 1) + 1
        parts.append(f"at line {line}, column {column}")
    if diag.message_detail:
        parts.append(diag.message_detail)
    if diag.context:
        parts.append(diag.context.strip().splitlines()[0])
    return "; ".join(parts)


def _kill_postmaster(pid_file: Path) -> None:
    with suppress(OSError, ValueError, IndexError):  # already gone, or never wrote its pid
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _log_says_fatal(log: Path) -> bool:
    try:
        with log.open(errors="replace") as handle:
            return any(" FATAL: " in line or " PANIC: " in line for line in handle)
    except FileNotFoundError:
        return False


def _quote_value(value: str) -> str:
    """Quote a libpq key=value value when it needs it."""
    if value and not re.search(r"[\s'\\]", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
