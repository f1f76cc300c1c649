#!/bin/sh
# Count a funnel over shards of whole users with GNU parallel, on this
# machine or on several over ssh, and merge the shards' states into
# exactly the table of one run:
#
#	sh examples/cluster/parallel.sh N LOG JFUNNEL-OPTIONS...
#	HOSTS=alice,bob sh examples/cluster/parallel.sh 8 events.csv -s view_item -s purchase
#
# jshard splits LOG by a hash of the user into N shards; each shard is
# counted by `jfunnel --partial` (on the HOSTS, each with journey
# installed, when HOSTS is set: the shard travels there and its state
# back); `jfunnel --merge` adds the states up.  Without GNU parallel the
# shards run here, through xargs -P, with the same result.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 N LOG JFUNNEL-OPTIONS..." >&2; exit 2; }
n=$1 log=$2
shift 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/journey-shards.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
jshard -n "$n" -p "$tmp/shard-" "$log"
# the options, quoted once for the shell that runs each shard
opts=
for a in "$@"; do
	opts="$opts '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
done
if command -v parallel >/dev/null 2>&1; then
	if [ -n "${HOSTS:-}" ]; then
		parallel --will-cite -S "$HOSTS" --transferfile {} \
		    --return {}.state --cleanup \
		    "jfunnel --partial $opts {} > {}.state" ::: "$tmp"/shard-*.*
	else
		parallel --will-cite "jfunnel --partial $opts {} > {}.state" \
		    ::: "$tmp"/shard-*.*
	fi
else
	[ -z "${HOSTS:-}" ] || { echo "$0: HOSTS needs GNU parallel" >&2; exit 2; }
	ls "$tmp"/shard-*.* | xargs -P "$n" -I{} \
	    sh -c "jfunnel --partial $opts {} > {}.state"
fi
jfunnel --merge "$@" "$tmp"/shard-*.state
