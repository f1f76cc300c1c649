"""A funnel on Spark through RDD.pipe: jshard --key keys each event by a
hash of its user, partitionBy brings each user's events to one partition,
each partition pipes its events through `jfunnel --partial`, and one
`jfunnel --merge` over the collected states gives the single run's table.

    spark-submit examples/cluster/spark-pipe.py R INPUT.ndjson STEP STEP ...

journey must be installed on every executor.  The pipeline is the one of
hadoop-streaming.sh; `sh examples/cluster/hadoop-streaming.sh --local`
runs the same map, shuffle and reduce here, and its test checks the
result against a single run.
"""
import shlex
import subprocess
import sys

from pyspark import SparkContext


def main():
    r, path, steps = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    funnel = []
    for s in steps:
        funnel += ["-s", s]
    sc = SparkContext(appName="journey-funnel")
    keyed = (sc.textFile(path)
             .pipe("jshard --key -I ndjson")
             .map(lambda line: tuple(line.split("\t", 1))))
    partial = " ".join(["jfunnel", "--partial", "-I", "ndjson"] +
                       [shlex.quote(a) for a in funnel])
    states = (keyed.partitionBy(r)
              .values()
              .pipe(partial)
              .collect())
    merged = subprocess.run(["jfunnel", "--merge"] + funnel,
                            input="\n".join(states) + "\n", text=True,
                            capture_output=True, check=True)
    sys.stdout.write(merged.stdout)


if __name__ == "__main__":
    main()
