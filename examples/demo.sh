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
