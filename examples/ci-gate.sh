#!/bin/sh
# A CI step that fails the build when the checkout funnel regresses against
# the baseline committed with the code.  In GitHub Actions:
#
#   - name: conversion gate
#     run: sh examples/ci-gate.sh test-data/events.ndjson ci/funnel-baseline.csv
#
# The comparison goes to the job log as a markdown table; exit 1 fails the
# step when a step regressed, 2 when the inputs are unusable.
# Usage: ci-gate.sh EVENTS BASELINE
set -eu
events=$1 baseline=$2
jfunnel -w 1d -s view_item -s add_to_cart -s purchase "$events" |
    jcompare -o markdown --max-drop 0.02 --alpha 0.05 "$baseline" -
