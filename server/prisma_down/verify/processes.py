"""What the private database servers share: an unprivileged account and a short temp root.

PostgreSQL and MariaDB both refuse to run as root, and both listen on a unix socket whose
path must stay under ~100 bytes.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import tempfile

RUN_AS = ("prisma_down", "nobody")  # tried in order; the first is created if neither exists


def run_as_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run a server as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in RUN_AS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", RUN_AS[0]],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(RUN_AS[0])


def short_tmp() -> str | None:
    """A temp root short enough for a unix socket path (about 100 bytes; macOS's is long)."""
    default = tempfile.gettempdir()
    if len(default) <= 60 or not os.path.isdir("/tmp"):
        return None
    return "/tmp"
