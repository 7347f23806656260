"""Running a command without the power to read what file permissions forbid."""

from __future__ import annotations

import os
import shutil

import pytest


def unprivileged(argv: list[str]) -> list[str]:
    """``argv`` made to obey file permissions (chmod 000 means unreadable).

    Root reads a chmod 000 folder anyway; dropping the two capabilities that let it
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) makes the refusal real, while the interpreter
    in root's home stays reachable (another account, as ``verify`` runs servers under,
    could not start it there).
    """
    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root needs setpriv (util-linux) to drop read capabilities")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *argv]
