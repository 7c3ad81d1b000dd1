#!/usr/bin/env bash
# Renders the HTML report of pipelines/showcase.yaml to docs/report.png with
# headless Chromium (Debian: apt-get install chromium), for the README.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "install chromium first: apt-get install chromium" >&2; exit 1; }
swift build --product taskloop
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp pipelines/showcase.yaml "$work/"
.build/debug/taskloop run "$work/showcase.yaml" --report "$work/report.html" --trace "$work/trace.json" > /dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1260,620 \
    --screenshot="$PWD/docs/report.png" "file://$work/report.html" 2>/dev/null
echo "wrote docs/report.png"
