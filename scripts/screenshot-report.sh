#!/usr/bin/env bash
# Renders the HTML report of pipelines/showcase.yaml to docs/report.png with
# headless Chromium (installed with apt-get when missing), for the README.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null; then
    apt-get update -qq && apt-get install -y -qq chromium > /dev/null
fi
swift build --product taskloop
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp pipelines/showcase.yaml "$work/"
.build/debug/taskloop run "$work/showcase.yaml" --report "$work/report.html" --trace "$work/trace.json" > /dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" --window-size=1340,880 \
    --screenshot="$PWD/docs/report.png" "file://$work/report.html" 2>/dev/null
echo "wrote docs/report.png"
