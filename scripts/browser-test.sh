#!/usr/bin/env bash
# The HTML report in a real browser: renders the report of a small run
# (pipelines/showcase.yaml) and of a 2,000-step run in headless Chromium, and
# checks that the page's script ran without an error, that step names are in
# the rendered page, that the step search finds a step, that the report loads
# nothing from the network, and that a screenshot renders.
#
#   scripts/browser-test.sh [TASKLOOP]    # default .build/debug/taskloop
#
# Installs Chromium (Debian package `chromium`) with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
taskloop=${1:-.build/debug/taskloop}
if ! command -v chromium >/dev/null; then
    apt-get update -qq && apt-get install -y -qq chromium > /dev/null
fi
[ -x "$taskloop" ] || swift build --product taskloop
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

chrome() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --user-data-dir="$work/profile" "$@" 2>> "$work/chromium.log"
}
fail() { echo "browser test: $*" >&2; exit 1; }

# check NAME HTML STEP...: the page renders, its script finishes, the steps are named.
check() {
    local name=$1 html=$2; shift 2
    local dom="$work/$name.dom.html"
    grep -Eq '(src|href)=' "$html" && fail "$name: the report refers to another file or the network"
    chrome --dump-dom "file://$html" > "$dom"
    grep -q 'data-report-ready="yes"' "$dom" || fail "$name: the report's script did not finish (see $dom)"
    if grep -o 'data-report-error="[^"]*"' "$dom"; then fail "$name: the report's script threw an error"; fi
    for step in "$@"; do
        grep -Eq ">$step</text>" "$dom" || fail "$name: step $step is not named in the chart"
    done
    # The search box, opened at a step by the page's address: it zooms there and outlines it.
    local target=${*: -1}
    chrome --dump-dom "file://$html#find=$target" > "$dom"
    grep -Eq "id=\"search-status\">$target (ok|failed)" "$dom" || fail "$name: searching for $target did not find it"
    grep -q 'id="found" class="found" x="[0-9.]*" y="[0-9.]*" width="[1-9]' "$dom" || fail "$name: the step found is not outlined"
    chrome --window-size=1340,1000 --screenshot="$work/$name.png" "file://$html" > /dev/null
    [ "$(stat -c %s "$work/$name.png")" -gt 20000 ] || fail "$name: the screenshot is blank"
    echo "browser test: $name report renders ($(stat -c %s "$html") bytes; screenshot $(stat -c %s "$work/$name.png") bytes)"
}

# A small run: one row per step, named.
cp pipelines/showcase.yaml "$work/"
"$taskloop" run "$work/showcase.yaml" --report "$work/small.html" > /dev/null
check small "$work/small.html" fetch-a unpack crunch-3 lint publish

# 2,000 steps: sleeps of 1 to 40 ms, 64 at a time, every tenth needing the step
# ten before it, and one tolerated failure.
{
    echo "name: two-thousand"
    echo "limits: { io: 64 }"
    echo "steps:"
    for i in $(seq 1 2000); do
        if [ "$i" -eq 1000 ]; then
            echo "  step-$i: { continue-on-error: true, shell: 'exit 3' }"
        elif [ $((i % 10)) -eq 0 ] && [ "$i" -gt 10 ]; then
            echo "  step-$i: { needs: step-$((i - 10)), sleep: $(( (i * 37) % 40 + 1 ))ms }"
        else
            echo "  step-$i: { sleep: $(( (i * 37) % 40 + 1 ))ms }"
        fi
    done
} > "$work/big.yaml"
"$taskloop" run "$work/big.yaml" --report "$work/big.html" > /dev/null
named=$(chrome --dump-dom "file://$work/big.html" | grep -c 'class="in" ' || true)
[ "$named" -ge 100 ] || fail "big: only $named bars show their step's name"
check big "$work/big.html" step-1999
echo "browser test passed"
