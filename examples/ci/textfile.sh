#!/bin/sh
# Funnel and regression metrics for Prometheus, through node_exporter's
# textfile collector (--collector.textfile.directory=DIR).  For cron:
#
#   */30 * * * *  sh /opt/journey/examples/ci/textfile.sh /var/lib/node_exporter/textfile_collector /var/log/shop/today.csv /var/lib/journey/baseline.csv
#
# writes DIR/journey_funnel.prom (step counts, conversions, median times:
# journey_jfunnel_*) and DIR/journey_compare.prom (baseline and current
# rates, p-values and journey_jcompare_gate_failed, 1 on a regression,
# for an alert rule).  --output writes each file beside its name and
# renames it into place, as the collector asks, so a scrape never reads
# half a file; a run that fails (status 2: an unusable log or baseline)
# leaves the last good file in place, and node_textfile_mtime_seconds
# shows how old it is.  A regression (status 1) still writes its
# metrics: alerting on them is Prometheus' job.
# Usage: textfile.sh DIR EVENTS BASELINE
set -u
if [ $# -ne 3 ]; then
	echo "usage: textfile.sh DIR EVENTS BASELINE" >&2
	exit 2
fi
dir=$1 events=$2 baseline=$3
funnel=$(mktemp "${TMPDIR:-/tmp}/jfunnel.XXXXXX") || exit 2
trap 'rm -f "$funnel"' EXIT
status=0
jfunnel --meta -w 1d -s view_item -s add_to_cart -s purchase "$events" \
    > "$funnel" || exit 2
jfunnel -o prometheus --output "$dir/journey_funnel.prom" -w 1d \
    -s view_item -s add_to_cart -s purchase "$events" || status=$?
[ "$status" -eq 2 ] && exit 2
jcompare -o prometheus --output "$dir/journey_compare.prom" \
    "$baseline" "$funnel" || status=$?
exit "$status"
