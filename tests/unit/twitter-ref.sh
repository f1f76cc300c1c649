#!/bin/sh
# Exports the AnomalyDetection package's bundled example series (data/
# raw_data.rda, GPL-3, not copied into this BSD-licensed tree) to CSV for
# test_anomaly's reproduction of the package's test expectations, and
# runs the unit test on it.  Needs R (Debian: r-base-core) and a checkout
# of https://github.com/twitter/AnomalyDetection.
# Usage: sh tests/unit/twitter-ref.sh PACKAGE_DIR [BUILD_DIR]
set -eu
pkg=${1:?usage: twitter-ref.sh PACKAGE_DIR [BUILD_DIR]}
build=${2:-build}
out=$build/twitter
mkdir -p "$out"
Rscript -e 'load(commandArgs(TRUE)[1]); x <- raw_data;
write.csv(data.frame(timestamp = format(x[[1]], "%Y-%m-%dT%H:%M:%SZ"),
    count = sprintf("%.17g", x[[2]])), commandArgs(TRUE)[2],
    row.names = FALSE, quote = FALSE)' "$pkg/data/raw_data.rda" \
    "$out/raw_data.csv"
JN_TWITTER_RAW=$out/raw_data.csv "$build/tests/test_anomaly"
