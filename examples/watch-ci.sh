#!/bin/sh
# A CI step that fails when the newest period of a test or staging log
# breaks the KPIs' pattern.  In GitHub Actions:
#
#   - name: KPI watch
#     run: sh examples/watch-ci.sh test-data/events.ndjson --period hour
#
# The flagged rows go to the job log as a markdown table, and to the job's
# summary page too when GITHUB_STEP_SUMMARY is set.  Exit 1 (the last
# period is flagged) fails the step; so does 2 (the events are unusable,
# said on standard error).
# Usage: watch-ci.sh EVENTS [JWATCH OPTIONS...]
set -eu
if [ $# -lt 1 ]; then
	echo "usage: watch-ci.sh EVENTS [JWATCH OPTIONS...]" >&2
	exit 2
fi
events=$1
shift
report=$(mktemp "${TMPDIR:-/tmp}/jwatch.XXXXXX")
trap 'rm -f "$report"' EXIT
status=0
jwatch --goal purchase --only-flagged --check-last 1 -o markdown "$@" \
    "$events" > "$report" || status=$?
cat "$report"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	cat "$report" >> "$GITHUB_STEP_SUMMARY"
fi
exit "$status"
