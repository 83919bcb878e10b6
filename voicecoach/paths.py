"""The folders voicecoach keeps the user's files in, each with its override: every module that
needs one asks here, and names its own file or subfolder inside it.

- config_dir(): settings.toml, phrasebooks/ (VOICECOACH_CONFIG_DIR; ~/.config/voicecoach on Linux)
- cache_dir(): phrases/, music/, the voice digests (VOICECOACH_CACHE_DIR; ~/.cache/voicecoach)
- data_dir(): history.db (VOICECOACH_DATA_DIR; ~/.local/share/voicecoach)
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "voicecoach"


def _folder(override: str, platform_dir) -> Path:
    given = os.environ.get(override)
    if given:
        return Path(given)
    return Path(platform_dir(APP, appauthor=False))


def config_dir() -> Path:
    """What the user set: their settings and their own phrasebooks."""
    from platformdirs import user_config_dir

    return _folder("VOICECOACH_CONFIG_DIR", user_config_dir)


def cache_dir() -> Path:
    """What can be made again: synthesized phrases, decoded music."""
    from platformdirs import user_cache_dir

    return _folder("VOICECOACH_CACHE_DIR", user_cache_dir)


def data_dir() -> Path:
    """What the user keeps: the history of their sessions."""
    from platformdirs import user_data_dir

    return _folder("VOICECOACH_DATA_DIR", user_data_dir)
