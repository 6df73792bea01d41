#!/usr/bin/env bash
# Set up this checkout: system packages (with apt-get, where root allows) and a virtual
# environment in .venv. Quick when everything is already there.
#   scripts/setup.sh            runtime only (the app and `assistant transcribe`)
#   scripts/setup.sh dev        runtime + training, export and test tools, Kokoro TTS
#   scripts/setup.sh tts        dev + every TTS engine apt offers (corpus synthesis)
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-runtime}"
venv=".venv"
python="${PYTHON:-python3}"

# PortAudio and libsndfile for audio; the libraries Qt's xcb and offscreen platforms load
apt_packages="libportaudio2 libsndfile1 libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 \
libfontconfig1 libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0 python3-venv"
case "$profile" in
  # espeak-ng speaks test commands, Xvfb shows the window, PulseAudio is the virtual microphone
  # of the end-to-end test (scripts/start_virtual_mic.sh)
  dev) apt_packages="$apt_packages espeak-ng xvfb xauth pulseaudio pulseaudio-utils libasound2-plugins" ;;
  tts) apt_packages="$apt_packages espeak-ng xvfb xauth pulseaudio pulseaudio-utils libasound2-plugins flite festival festvox-kallpc16k libttspico-utils \
festvox-kdlpc16k festvox-rablpc16k festvox-don festvox-us-slt-hts festvox-us1 festvox-us2 festvox-us3 \
festvox-en1 rhvoice rhvoice-english mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 sox \
mbrola-af1 mbrola-nl2 mbrola-fr1 mbrola-fr4 mbrola-de1 mbrola-de2 mbrola-de3 mbrola-de4 mbrola-de5 \
mbrola-de6 mbrola-gr2 mbrola-hu1 mbrola-pl1 mbrola-ro1 mbrola-sw1 mbrola-sw2" ;;
esac

if [ "$profile" = tts ] && [ "$(id -u)" = 0 ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
  # pico and MBROLA live in Debian's non-free and contrib components
  sed -i 's/^Components: main$/Components: main contrib non-free/' /etc/apt/sources.list.d/debian.sources
fi
# shellcheck disable=SC2086  # one word per package
scripts/apt_install.sh --who setup $apt_packages || [ $? = 2 ] || exit 1  # 2: not root, go on

if ! command -v "$python" >/dev/null; then
  echo "setup: needs Python 3.10 or newer, and there is no $python. Install it, or set" \
    "PYTHON=/path/to/python3.X" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "setup: needs Python 3.10 or newer; $python is $("$python" --version 2>&1)." \
    "Set PYTHON=/path/to/python3.X" >&2
  exit 1
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
extras=""
case "$profile" in
  dev|tts) extras="[train,dev,tts]" ;;
esac
# reinstall only when pyproject.toml or the profile changed
stamp="$venv/.setup-$profile-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  case "$profile" in
    runtime) size="about 400 MB, a minute or two" ;;
    *) size="about 6 GB (torch and its CUDA libraries, even on a CPU-only machine), 5-15 minutes" ;;
  esac
  echo "setup: installing Python packages ($profile) into $venv: $size" >&2
  # (pip warns once per package about find-links folders that lack it; that is noise)
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -e ".$extras" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  touch "$stamp"
fi
