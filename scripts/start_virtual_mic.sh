#!/usr/bin/env bash
# Start a private PulseAudio server with a null sink whose monitor serves as a virtual
# microphone, for the end-to-end tests (pytest -m e2e). Works as root (CI containers).
#
#   source scripts/start_virtual_mic.sh     exports the variables below into this shell
#   scripts/start_virtual_mic.sh            prints them as `export NAME=value` lines
#   scripts/start_virtual_mic.sh --stop     stops the server started from this shell's env
#
# Exports: XDG_RUNTIME_DIR PULSE_SERVER PULSE_SOURCE VIRTUAL_MIC_SINK VIRTUAL_MIC_PID
# Play into the sink with `paplay -d "$VIRTUAL_MIC_SINK" FILE.wav`; PortAudio's "pulse" device
# (ALSA's PulseAudio plugin, libasound2-plugins) then captures it from $PULSE_SOURCE.
# Returns non-zero (without exiting a sourcing shell) when PulseAudio cannot be started.

_vmic_main() {
  local sink="assistant_virtual_sink"
  if [ "${1:-}" = "--stop" ]; then
    [ -n "${VIRTUAL_MIC_PID:-}" ] && kill "$VIRTUAL_MIC_PID" 2>/dev/null
    case "${XDG_RUNTIME_DIR:-}" in
      */virtual-mic.*) rm -rf "$XDG_RUNTIME_DIR" ;;
    esac
    return 0
  fi
  bash "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh" --who start_virtual_mic \
    pulseaudio pulseaudio-utils libasound2-plugins libportaudio2 || return 1
  local runtime
  runtime="$(mktemp -d "${TMPDIR:-/tmp}/virtual-mic.XXXXXX")" || return 1
  chmod 700 "$runtime"
  # -n: no default.pa; user mode even as root; never exit when idle; no real sound card.
  XDG_RUNTIME_DIR="$runtime" HOME="$runtime" pulseaudio -n --daemonize=no --system=false \
    --exit-idle-time=-1 --disallow-exit=false --log-target=file:"$runtime/pulse.log" \
    -L "module-null-sink sink_name=$sink rate=48000 channels=1" \
    -L "module-native-protocol-unix auth-anonymous=1 socket=$runtime/native" \
    -L "module-always-sink" >/dev/null 2>&1 &
  local pid=$! tries=0
  until PULSE_SERVER="unix:$runtime/native" pactl info >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 50 ] || ! kill -0 "$pid" 2>/dev/null; then  # 5 s at most
      echo "start_virtual_mic: PulseAudio did not start; log: $runtime/pulse.log" >&2
      kill "$pid" 2>/dev/null
      return 1
    fi
    sleep 0.1
  done
  PULSE_SERVER="unix:$runtime/native" pactl set-default-source "$sink.monitor" >/dev/null 2>&1
  export XDG_RUNTIME_DIR="$runtime" PULSE_SERVER="unix:$runtime/native"
  export PULSE_SOURCE="$sink.monitor" VIRTUAL_MIC_SINK="$sink" VIRTUAL_MIC_PID="$pid"
  echo "start_virtual_mic: PulseAudio $pid, capture from $PULSE_SOURCE" >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -u
  _vmic_main "$@" || exit 1
  [ "${1:-}" = "--stop" ] && exit 0
  for name in XDG_RUNTIME_DIR PULSE_SERVER PULSE_SOURCE VIRTUAL_MIC_SINK VIRTUAL_MIC_PID; do
    printf 'export %s=%q\n' "$name" "${!name}"
  done
else
  _vmic_main "$@"
fi
