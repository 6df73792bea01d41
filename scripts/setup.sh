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
libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0"
case "$profile" in
  dev) apt_packages="$apt_packages espeak-ng xvfb xauth" ;;
  tts) apt_packages="$apt_packages espeak-ng xvfb xauth flite festival festvox-kallpc16k libttspico-utils \
festvox-kdlpc16k festvox-rablpc16k festvox-don festvox-us-slt-hts festvox-us1 festvox-us2 festvox-us3 \
festvox-en1 rhvoice rhvoice-english mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 sox \
mbrola-af1 mbrola-nl2 mbrola-fr1 mbrola-fr4 mbrola-de1 mbrola-de2 mbrola-de3 mbrola-de4 mbrola-de5 \
mbrola-de6 mbrola-gr2 mbrola-hu1 mbrola-pl1 mbrola-ro1 mbrola-sw1 mbrola-sw2" ;;
esac

missing=""
for p in $apt_packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    if [ "$profile" = tts ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
      # pico and MBROLA live in Debian's non-free and contrib components
      sed -i 's/^Components: main$/Components: main contrib non-free/' /etc/apt/sources.list.d/debian.sources
    fi
    echo "setup: installing system packages:$missing" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "setup: please install these system packages:$missing (not root, skipping)" >&2
  fi
fi

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
extras=""
case "$profile" in
  dev|tts) extras="[train,dev,tts]" ;;
esac
# reinstall only when pyproject.toml or the profile changed
stamp="$venv/.setup-$profile-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages ($profile)" >&2
  # (pip warns once per package about find-links folders that lack it; that is noise)
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -e ".$extras" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  touch "$stamp"
fi
