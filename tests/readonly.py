"""A folder nobody can write, even root: a command run with `read_only(folder)` sees the folder on a
read-only bind mount of its own (a private mount namespace, `unshare -m`), which is what a
read-only file system does; without root, the folder's permissions are enough."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

import pytest


def can_make_read_only() -> bool:
    if os.geteuid() != 0:
        return True
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


needs_read_only = pytest.mark.skipif(not can_make_read_only(), reason="root without mount namespaces (unshare -m)")


def read_only(folder, argv: list[str]) -> list[str]:
    """argv, run so that folder (and everything in it) cannot be written."""
    if os.geteuid() != 0:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        return argv
    where = shlex.quote(str(folder))
    return ["unshare", "-m", "sh", "-c",
            f"mount --bind {where} {where} && mount -o remount,ro,bind {where} {where} && exec \"$@\"", "sh", *argv]
