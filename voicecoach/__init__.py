"""voicecoach: an eyes-free exercise coach that speaks a timed session."""

__version__ = "0.1.0"
