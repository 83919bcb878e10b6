#!/usr/bin/env bash
# Install what the tests need (into ./.venv) and run them. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev --no-session
exec .venv/bin/python -m pytest "$@"
