#!/bin/sh
# make demo: the tools piped together over the bundled example.
# Usage: sh examples/demo.sh BUILD_DIR
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
PATH=$build:$PATH
export PATH

echo '$ jfunnel -s view_item -s add_to_cart -s begin_checkout -s purchase -o table examples/shop.csv'
jfunnel -s view_item -s add_to_cart -s begin_checkout -s purchase -o table examples/shop.csv
echo
echo '$ jsegment -o table --preset rfm examples/shop.ndjson'
jsegment -o table --preset rfm examples/shop.ndjson
echo
echo '$ jsegment --preset lifecycle --period 2d --tag examples/shop.ndjson | jfunnel -o table --by segment --value revenue -s view_item -s add_to_cart -s purchase'
jsegment --preset lifecycle --period 2d --tag examples/shop.ndjson |
    jfunnel -o table --by segment --value revenue -s view_item -s add_to_cart -s purchase
echo
echo '$ jfriction examples/checkout.csv | jscore -o table --top 6'
jfriction examples/checkout.csv | jscore -o table --top 6
echo
echo '$ jpath -o table --top 6 --goal purchase examples/shop.csv'
jpath -o table --top 6 --goal purchase examples/shop.csv
echo
echo '$ jretain -o table --period day examples/shop.csv'
jretain -o table --period day examples/shop.csv
echo
echo '$ jwatch -o table --goal purchase --kpis sessions,conversion,error_rate --only-flagged examples/watch.csv'
jwatch -o table --goal purchase --kpis sessions,conversion,error_rate --only-flagged examples/watch.csv
echo
echo "$ # the nightly report: funnels, a comparison, the backlog, segments, the journey map, retention and a KPI watch on one page"
echo '$ S="-s view_item -s add_to_cart -s begin_checkout -s purchase"'
echo '$ jfunnel --meta $S --until 2026-10-04 examples/shop.csv > baseline.csv'
echo '$ { jfunnel --meta $S examples/shop.csv; jfunnel --by device $S examples/shop.csv;'
echo '    jfunnel $S --since 2026-10-04 examples/shop.csv | jcompare baseline.csv -;'
echo '    jfriction examples/checkout.csv | jscore; jsegment --preset rfm examples/shop.ndjson;'
echo '    jpath --view steps --depth 4 --top 12 examples/shop.csv; jretain --period day examples/shop.csv;'
echo '    jwatch --goal purchase --kpis sessions,conversion,error_rate examples/watch.csv; } | jreport --title "Shop: nightly report" > report.html'
S="-s view_item -s add_to_cart -s begin_checkout -s purchase"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
jfunnel --meta $S --until 2026-10-04 examples/shop.csv > "$tmp/baseline.csv"
# shellcheck disable=SC2086
{
	jfunnel --meta $S examples/shop.csv
	jfunnel --by device $S examples/shop.csv
	# a fall is exit 1, and the report shows it: not an error here
	jfunnel $S --since 2026-10-04 examples/shop.csv |
	    jcompare "$tmp/baseline.csv" - 2>/dev/null || [ $? -eq 1 ]
	jfriction examples/checkout.csv | jscore
	jsegment --preset rfm examples/shop.ndjson
	jpath --view steps --depth 4 --top 12 examples/shop.csv
	jretain --period day examples/shop.csv
	jwatch --goal purchase --kpis sessions,conversion,error_rate examples/watch.csv
} | jreport --title "Shop: nightly report" > "$build/report.html"
echo "report.html written in the build directory (build/ for make demo)"
echo
echo '$ jpath -o html examples/shop.csv > journey.html'
jpath -o html examples/shop.csv > "$build/journey.html"
echo "journey.html (the shop's journey graph) written beside it"
