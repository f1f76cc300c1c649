#!/bin/sh
# A funnel as a Hadoop Streaming job: the mapper keys every event by a
# hash of its user (jshard --key), the shuffle brings each user's events
# to one reducer, each reducer writes the state of its users (jfunnel
# --partial), and one `jfunnel --merge` over the reducers' output gives
# the table of a single run.
#
#	sh examples/cluster/hadoop-streaming.sh R INPUT OUTPUT JFUNNEL-OPTIONS...
#	sh examples/cluster/hadoop-streaming.sh --local R LOG JFUNNEL-OPTIONS...
#
# INPUT is NDJSON on HDFS (a CSV split after the first has no header: use
# NDJSON, or ship the header and prepend it in the mapper).  The job needs
# journey on every node and HADOOP_STREAMING set to the streaming jar.
# --local runs the same mapper, shuffle and reducers here, with sort
# doing the shuffle's sort by key and each key wholly in one of R
# reducers, as Hadoop's partitioner puts it: the test of this recipe.
set -eu
local_run=0
if [ "${1:-}" = --local ]; then
	local_run=1
	shift
fi
[ $# -ge 3 ] || { echo "usage: $0 [--local] R INPUT [OUTPUT] JFUNNEL-OPTIONS..." >&2; exit 2; }
r=$1 input=$2
shift 2
opts=
for a in "$@"; do
	opts="$opts '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
done
mapper="jshard --key -I ndjson"
reducer="cut -f2- | jfunnel --partial -I ndjson"

if [ "$local_run" = 0 ]; then
	output=$1
	shift
	hadoop jar "${HADOOP_STREAMING:?set HADOOP_STREAMING to the streaming jar}" \
	    -D mapreduce.job.reduces="$r" \
	    -input "$input" -output "$output" \
	    -mapper "$mapper" -reducer "sh -c \"$reducer $opts\""
	hdfs dfs -cat "$output"/part-* | jfunnel --merge "$@"
	exit
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/journey-hadoop.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
tab=$(printf '\t')
# map, then shuffle: sort by key, each distinct key to reducer (k mod R)
$mapper < "$input" | LC_ALL=C sort -t "$tab" -k1,1 -s |
    awk -F "$tab" -v r="$r" -v dir="$tmp" '
	$1 != last { k++; last = $1 }
	{ print > (dir "/reduce-" (k % r)) }'
# reduce: every reducer runs, even one that got no key
i=0
while [ "$i" -lt "$r" ]; do
	touch "$tmp/reduce-$i"
	sh -c "$reducer $opts" < "$tmp/reduce-$i" > "$tmp/part-$i"
	i=$((i + 1))
done
cat "$tmp"/part-* | jfunnel --merge "$@"
