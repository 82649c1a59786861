#!/usr/bin/env bash
# Rebuilds test/fixtures/soxr/*.f32 from libsoxr (Debian: apt-get install libsoxr-dev). See README.md here.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${SER_SHARED:?point SER_SHARED at the shared/ folder (it holds fixtures/librosa/speech_22k_3s.wav)}"
bin="$(mktemp -d)/soxr_reference"
gcc -O2 -Wall -Wextra -o "$bin" scripts/soxr-reference/soxr_reference.c -lsoxr -lm
out=test/fixtures/soxr
mkdir -p "$out"
"$bin" resample "$SER_SHARED/fixtures/librosa/speech_22k_3s.wav" 22050 48000 "$out/speech_22k_3s_to_48k.f32"
"$bin" synth 44100 48000 0.5 19845 15000 "$out/synth_44100_to_48000.f32"
"$bin" synth 48000 16000 0.5 7200 12000 "$out/synth_48000_to_16000.f32"
