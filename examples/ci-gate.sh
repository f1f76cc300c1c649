#!/bin/sh
# A CI step that fails the build when the checkout funnel regresses against
# the baseline committed with the code.  In GitHub Actions:
#
#   - name: conversion gate
#     run: sh examples/ci-gate.sh test-data/events.ndjson ci/funnel-baseline.csv
#
# The comparison goes to the job log as a markdown table, and to the job's
# summary page too when GITHUB_STEP_SUMMARY is set.  Exit 1 (a step
# regressed) fails the step; so does 2 (the events or the baseline are
# unusable, said on standard error).
# Usage: ci-gate.sh EVENTS BASELINE
set -eu
if [ $# -ne 2 ]; then
	echo "usage: ci-gate.sh EVENTS BASELINE" >&2
	exit 2
fi
events=$1 baseline=$2
report=$(mktemp "${TMPDIR:-/tmp}/jcompare.XXXXXX")
trap 'rm -f "$report"' EXIT
status=0
# a jfunnel failure leaves jcompare an empty table: status 2 either way
jfunnel -w 1d -s view_item -s add_to_cart -s purchase "$events" |
    jcompare -o markdown --max-drop 0.02 --alpha 0.05 "$baseline" - \
    > "$report" || status=$?
cat "$report"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	cat "$report" >> "$GITHUB_STEP_SUMMARY"
fi
exit "$status"
