#!/usr/bin/env bash
# Set up voicecoach in ./.venv on a Debian or Ubuntu machine, then show a session.
#
#   bash scripts/setup.sh                 # install, then show the beginning session
#   bash scripts/setup.sh intermediate    # install, then show another program
#   bash scripts/setup.sh --dev --no-session   # what scripts/test.sh uses
#
# System packages come from apt (with sudo when not root); Python packages go into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
session=1
program=beginning
for arg in "$@"; do
  case "$arg" in
    --dev) extras="[dev]" ;;
    --no-session) session=0 ;;
    -*) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
    *) program="$arg" ;;
  esac
done

# Debian packages the project needs: Python's venv module (Debian ships it separately) and the
# eSpeak NG speech engine; for the tests, ffmpeg and sox read the audio files back independently.
packages=()
command -v python3 >/dev/null 2>&1 || packages+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
command -v espeak-ng >/dev/null 2>&1 || packages+=(espeak-ng)
if [ -n "$extras" ]; then
  command -v ffprobe >/dev/null 2>&1 || packages+=(ffmpeg)
  command -v soxi >/dev/null 2>&1 || packages+=(sox)
fi
if [ ${#packages[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: please install ${packages[*]} with your package manager" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${packages[*]} with apt-get..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check --editable ".$extras"

if [ "$session" -eq 1 ]; then
  .venv/bin/voicecoach list
  echo
  .venv/bin/voicecoach show "$program"
  echo
  echo "Installed. Run it as .venv/bin/voicecoach (or 'source .venv/bin/activate', then voicecoach)."
fi
