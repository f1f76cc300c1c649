#!/bin/sh
# Nightly conversion check, for cron:
#
#   15 2 * * *  sh /opt/journey/examples/nightly.sh /var/log/shop/$(date -d yesterday +\%F).csv.gz /var/lib/journey/baseline.csv
#
# Runs the checkout funnel on LOG, compares it with the stored BASELINE
# funnel, prints the comparison, and exits 1 (so that cron mails the
# output) when a step's conversion fell significantly; 2, saying why,
# when LOG is unusable (empty, its records rejected, a .gz cut short, no
# user at the first step: a broken export, not a night without visitors)
# or BASELINE is (not a funnel of the same steps).  With --update, a run
# that did not regress becomes the new baseline (written beside it, then
# renamed over it); a failed or empty run never does.  A slow decline,
# less than --max-drop a night, then passes every night, so update rarely
# (say, after a release was checked) rather than every night.  With
# --report FILE, the night's funnel and its comparison are also written
# to FILE as an HTML page (jreport), for the people who read a page.
# Usage: nightly.sh [--update] [--report FILE] LOG BASELINE
set -eu
update=0 report=
while [ $# -gt 0 ]; do
	case $1 in
	--update) update=1; shift ;;
	--report) [ $# -ge 2 ] || break; report=$2; shift 2 ;;
	*) break ;;
	esac
done
if [ $# -ne 2 ]; then
	echo "usage: nightly.sh [--update] [--report FILE] LOG BASELINE" >&2
	exit 2
fi
log=$1 baseline=$2
today=$(mktemp "${TMPDIR:-/tmp}/funnel.XXXXXX")
new=
trap 'rm -f "$today" ${new:+"$new"}' EXIT
trap 'exit 2' HUP INT TERM
# jfunnel fails (2) on an export it cannot use: empty, a header alone,
# every record or most of them rejected; its messages say what it saw.
# --meta: the table says how it was made, so that jcompare refuses a
# baseline of other steps, window or filters (make the baseline so too)
if ! jfunnel --meta -w 1d -s view_item -s add_to_cart -s begin_checkout \
    -s purchase "$log" > "$today"; then
	echo "nightly.sh: no funnel from $log: nothing compared" >&2
	exit 2
fi
users=$(awk -F, '!/^#/ && ++n == 2 { print $3; exit }' "$today")
if [ -z "$users" ] || [ "$users" -eq 0 ]; then
	echo "nightly.sh: $log: no user reached the first step (baseline" \
	    "kept)" >&2
	exit 2
fi
status=0
jcompare -o table "$baseline" - < "$today" || status=$?
if [ "$status" -eq 2 ]; then
	echo "nightly.sh: $baseline and tonight's funnel cannot be" \
	    "compared" >&2
fi
if [ -n "$report" ]; then
	cmp=$(mktemp "${TMPDIR:-/tmp}/compare.XXXXXX")
	{ [ "$status" -eq 2 ] || jcompare "$baseline" - < "$today" \
	    > "$cmp" 2>/dev/null || [ $? -eq 1 ]; } &&
	    jreport --title "Nightly funnel: $log" "$today" "$cmp" \
	    > "$report" || { rm -f "$cmp"; exit 2; }
	rm -f "$cmp"
fi
if [ "$status" -eq 0 ] && [ "$update" -eq 1 ]; then
	new=$(mktemp "$baseline.XXXXXX") || exit 2
	# the copy takes the baseline's mode first, then today's table
	cp -p "$baseline" "$new" && cp "$today" "$new" &&
	    mv -f "$new" "$baseline" || exit 2
	new=
fi
exit "$status"
