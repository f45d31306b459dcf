#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/browser, driven by puppeteer-core; no browser
# download). Idempotent and quiet: does nothing when /usr/bin/chromium (or TEST_CHROMIUM_PATH) is
# already there; otherwise installs the `chromium` package with apt-get.
set -euo pipefail

CHROMIUM="${TEST_CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ -n "${TEST_CHROMIUM_PATH:-}" ]; then
  echo "[chromium] TEST_CHROMIUM_PATH=$TEST_CHROMIUM_PATH is not an executable" >&2
  exit 1
fi

echo "[chromium] installing Debian package chromium"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q chromium >/dev/null 2>&1; then
  apt-get update -q >/dev/null
  apt-get install -y -q chromium >/dev/null
fi
# The wrapper script prints a harmless shell warning on some machines; the version is what counts.
"$CHROMIUM" --version 2>/dev/null | sed 's/^/[chromium] /'
