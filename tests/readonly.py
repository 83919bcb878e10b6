"""Disks that refuse, for real. A folder nobody can write, even root: a command run with
`read_only(folder)` sees the folder on a read-only bind mount of its own (a private mount
namespace, `unshare -m`), which is what a read-only file system does; without root, the folder's
permissions are enough. A small disk: `on_small_disk` runs a script with a tmpfs of a few KB
mounted in a private mount namespace, so the disk really fills (ENOSPC)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

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


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--mount", "--map-root-user", "sh", "-c",
                            "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt"], capture_output=True)
    return probe.returncode == 0


needs_small_disk = pytest.mark.skipif(not _namespaces_work(),
                                      reason="cannot mount a private tmpfs here (unshare --mount --map-root-user)")


def on_small_disk(mount_point: Path, size_kb: int, script: str, env: dict[str, str] | None = None):
    """Run a shell script in a private mount namespace where mount_point is a real disk of size_kb.

    The script gets the voicecoach command as $VC; the disk exists only inside it, so the script
    itself reports what is left on it."""
    mount_point.mkdir(exist_ok=True)
    env = {**(env or os.environ), "VC": f"{sys.executable} -m voicecoach", "DISK": str(mount_point)}
    return subprocess.run(["unshare", "--mount", "--map-root-user", "sh", "-c",
                           f'mount -t tmpfs -o size={size_kb}k tmpfs "$DISK" && {script}'],
                          capture_output=True, text=True, env=env, timeout=300)
