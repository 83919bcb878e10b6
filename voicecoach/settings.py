"""Where the user's own files live: the config folder (platformdirs; VOICECOACH_CONFIG_DIR overrides)."""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    """The user's voicecoach config folder, for example ~/.config/voicecoach on Linux."""
    override = os.environ.get("VOICECOACH_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("voicecoach", appauthor=False))
