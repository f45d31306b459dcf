#!/usr/bin/env bash
# Regenerates the committed media in this folder (Debian: apt-get install -y ffmpeg). Run once; the
# outputs are committed, so neither the seed nor the tests need ffmpeg. Text-free animated
# gradients (lavfi `gradients`) and sine tones, encoded small.
set -euo pipefail
cd "$(dirname "$0")"
q=(-hide_banner -loglevel error -y)
o=(-map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact)
# video_short: 6 s, vertical 360x640, H.264 + AAC
ffmpeg "${q[@]}" -f lavfi -i "gradients=s=360x640:r=24:speed=0.03:seed=7:n=4,format=yuv420p" \
  -f lavfi -i "sine=f=440:sample_rate=44100,volume=0.3" -t 6 \
  -c:v libx264 -preset veryslow -crf 30 -c:a aac -b:a 48k "${o[@]}" -movflags +faststart short.mp4
# video_long: 5 min, 640x360 at 2 fps, H.264, no audio
ffmpeg "${q[@]}" -f lavfi -i "gradients=s=640x360:r=2:speed=0.008:seed=11:n=3,format=yuv420p" -t 300 \
  -c:v libx264 -preset veryslow -crf 32 -g 600 "${o[@]}" -movflags +faststart long.mp4
# test fixtures: WebM (VP9 + Opus), QuickTime, a 2 s tiny MP4, an audio-only MP4, MP3, Ogg Opus
ffmpeg "${q[@]}" -f lavfi -i "gradients=s=320x320:r=24:speed=0.04:seed=3:n=5" \
  -f lavfi -i "sine=f=330:sample_rate=48000,volume=0.3" -t 4 -c:v libvpx-vp9 -crf 45 -b:v 0 -c:a libopus -b:a 24k "${o[@]}" short.webm
ffmpeg "${q[@]}" -f lavfi -i "gradients=s=240x160:r=12:speed=0.05:seed=5:n=2,format=yuv420p" -t 2 \
  -c:v libx264 -preset veryslow -crf 34 -f mov "${o[@]}" clip.mov
ffmpeg "${q[@]}" -f lavfi -i "gradients=s=160x90:r=8:speed=0.05:seed=9:n=2,format=yuv420p" -t 2 \
  -c:v libx264 -preset veryslow -crf 36 "${o[@]}" -movflags +faststart tiny.mp4
ffmpeg "${q[@]}" -f lavfi -i "sine=f=262:sample_rate=22050,volume=0.3" -t 2 -c:a aac -b:a 16k -ac 1 -f mp4 -brand isom "${o[@]}" audio-only.mp4
ffmpeg "${q[@]}" -f lavfi -i "sine=f=523:sample_rate=44100,volume=0.4" -t 3 -c:a libmp3lame -b:a 32k -ac 1 "${o[@]}" tone.mp3
ffmpeg "${q[@]}" -f lavfi -i "sine=f=392:sample_rate=48000,volume=0.4" -t 3 -c:a libopus -b:a 16k "${o[@]}" tone.ogg
ls -l
