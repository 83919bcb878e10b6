"""One opening of a sound device at a time, in the whole process.

ALSA's library, with its PulseAudio plugin, can deadlock when two threads open devices at once: play's
first sound (simpleaudio opening a playback PCM) and the microphone's thread (PortAudio starting, which
opens every ALSA device to list them) were caught both waiting inside ALSA for good (py-spy, in a
stress run of three loops of cold `play` starts: 1 hang in 130; the CI's `play` hung the same way at
its first line). Every opening and closing of a sound device by voicecoach's own code takes this
lock: the other waits the 0.1-0.3 s the first takes. (The quiet._LOCK, where both are taken, is
always taken first.)"""

from __future__ import annotations

import threading

OPENING = threading.Lock()
