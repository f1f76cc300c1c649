#!/bin/sh
# Nightly KPI watch, for cron: flag yesterday if it broke the pattern.
#
#   30 2 * * *  sh /opt/journey/examples/watch-nightly.sh /var/log/shop/last-90-days.csv.gz
#
# Builds the daily series of every KPI from LOG (the last weeks of events:
# the detector learns the weekly pattern from them), prints the flagged
# rows of the whole history for context and exits 1 when the last day is
# flagged, so that cron mails the output; 2, saying why, when LOG is
# unusable (empty, its records rejected, a .gz cut short).  Silent and 0
# on a quiet night.
# Usage: watch-nightly.sh LOG [JWATCH OPTIONS...]
set -eu
if [ $# -lt 1 ]; then
	echo "usage: watch-nightly.sh LOG [JWATCH OPTIONS...]" >&2
	exit 2
fi
log=$1
shift
out=$(mktemp "${TMPDIR:-/tmp}/jwatch.XXXXXX")
trap 'rm -f "$out"' EXIT
trap 'exit 2' HUP INT TERM
status=0
# not a pipe: jwatch's own status (1 flagged, 2 unusable) decides
jwatch --goal purchase --only-flagged --check-last 1 -o table "$@" "$log" \
    > "$out" || status=$?
if [ "$status" -eq 2 ]; then
	echo "watch-nightly.sh: no KPI series from $log" >&2
	exit 2
fi
if [ "$status" -eq 1 ]; then
	echo "watch-nightly.sh: the last day of $log broke the pattern:"
	cat "$out"
fi
exit "$status"
