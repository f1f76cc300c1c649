// The benchmark's baseline: the funnel jfunnel computes by default, done in
// DuckDB the way an analyst would script it, over the same CSV or NDJSON file.
//
//	node bench/duckdb_funnel.mjs FILE WINDOW_SECONDS STEP STEP [STEP...]
//
// Each STEP is an event name (the event field equals it); WINDOW_SECONDS 0
// means no window.  Writes `step,name,count` rows to standard output, one per
// step, where count is the number of users whose level is at least the step.
//
// The level is ClickHouse windowFunnel(window) in its default mode: the
// furthest k such that events matching steps 1..k occur in that order (equal
// timestamps in step order, so "at or after"), the last within the window of
// the first, inclusive.  For a fixed step-1 event, taking at each step the
// earliest later match can only leave more room for the next one, so a
// chain of ASOF joins finds the best chain from every step-1 event; a user
// reaches step k when any of its chains does.  Times are compared as epoch
// milliseconds.  DuckDB uses every core (its default); DUCKDB_THREADS
// overrides.

import { DuckDBInstance } from '@duckdb/node-api';

const [file, windowArg, ...steps] = process.argv.slice(2);
if (!file || windowArg === undefined || steps.length < 2) {
	console.error('usage: duckdb_funnel.mjs FILE WINDOW_SECONDS STEP ' +
	    'STEP [STEP...]');
	process.exit(2);
}
const windowMs = Math.round(Number(windowArg) * 1000);
if (!Number.isFinite(windowMs) || windowMs < 0) {
	console.error(`duckdb_funnel.mjs: bad window '${windowArg}'`);
	process.exit(2);
}

const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;

// Only the three columns the funnel needs are typed; the reader skips the
// rest.  The CSV reader needs the whole header, so it is sniffed and the
// three overridden; the NDJSON reader reads just the named keys.
const ndjson = /\.(nd)?jsonl?(\.gz)?$/.test(file);
const source = ndjson ?
    `read_json(${lit(file)}, format = 'newline_delimited', columns = {
	user_id: 'VARCHAR', timestamp: 'TIMESTAMPTZ', event: 'VARCHAR'})` :
    `read_csv(${lit(file)}, header = true, types = {
	'user_id': 'VARCHAR', 'timestamp': 'TIMESTAMPTZ', 'event': 'VARCHAR'})`;

const within = (first) => windowMs > 0 ? `WHERE s.t <= ${first} + ${windowMs}`
    : '';
const ctes = [
	`ev AS MATERIALIZED (SELECT user_id AS u, epoch_ms("timestamp") AS t,
	    event AS e FROM ${source}
	    WHERE event IN (${steps.map(lit).join(', ')}))`,
];
steps.forEach((name, i) => {
	ctes.push(`s${i + 1} AS (SELECT u, t FROM ev WHERE e = ${lit(name)})`);
});
// l1 holds every step-1 event as a chain start t1 at level 1; l(k) extends
// each chain of l(k-1) by the first step-k event at or after its last time.
ctes.push('l1 AS MATERIALIZED (SELECT u, t AS t1, t AS tk FROM s1)');
for (let k = 2; k <= steps.length; k++) {
	ctes.push(`l${k} AS MATERIALIZED (SELECT l.u, l.t1, s.t AS tk
	    FROM l${k - 1} l ASOF JOIN s${k} s ON l.u = s.u AND l.tk <= s.t
	    ${within('l.t1')})`);
}
const counts = steps.map((_, i) =>
    `SELECT ${i + 1} AS step, count(DISTINCT u) AS n FROM l${i + 1}`);
const sql = `WITH ${ctes.join(',\n')}\n${counts.join('\nUNION ALL\n')}
ORDER BY step`;

const config = {};
if (process.env.DUCKDB_THREADS)
	config.threads = process.env.DUCKDB_THREADS;
const instance = await DuckDBInstance.create(':memory:', config);
const conn = await instance.connect();
// The CTE's row estimate is tiny, so without this DuckDB turns the ASOF
// joins into nested-loop joins, ten times slower on NDJSON: a user tuning
// the query would set it.
await conn.run('SET asof_loop_join_threshold = 0');
const reader = await conn.runAndReadAll(sql);
const out = ['step,name,count'];
for (const [step, n] of reader.getRows())
	out.push(`${step},${steps[Number(step) - 1]},${n}`);
process.stdout.write(out.join('\n') + '\n');
