"""The built-in plans (voicecoach/plan.py reads them)."""
