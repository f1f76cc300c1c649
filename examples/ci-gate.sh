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
funnel=$(mktemp "${TMPDIR:-/tmp}/jfunnel.XXXXXX")
trap 'rm -f "$report" "$funnel"' EXIT
status=0
# not a pipe: jfunnel's own status (2 on events it cannot use: empty, a
# header alone, records rejected) must fail the step, not jcompare's.
# --meta: jcompare refuses a baseline made with other options (make the
# baseline with --meta too)
if ! jfunnel --meta -w 1d -s view_item -s add_to_cart -s purchase \
    "$events" > "$funnel"; then
	echo "ci-gate.sh: no funnel from $events: nothing compared" >&2
	exit 2
fi
jcompare -o markdown --max-drop 0.02 --alpha 0.05 "$baseline" - \
    < "$funnel" > "$report" || status=$?
if [ "$status" -eq 2 ]; then
	echo "ci-gate.sh: $baseline and the funnel of $events cannot be" \
	    "compared" >&2
fi
cat "$report"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	cat "$report" >> "$GITHUB_STEP_SUMMARY"
fi
exit "$status"
