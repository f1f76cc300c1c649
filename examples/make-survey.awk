# Adds survey answers to the bundled shop log (examples/shop.csv and
# examples/shop.ndjson, the same events in the same order): some sessions
# end with a `survey` event 20 seconds after their last event, carrying
# nps (0-10), csat (1-5) and ces (1-7) answers, not always all three,
# on the page of the session's latest event (where the survey showed, as
# a survey tool's "survey sent" event carries its page): the session's
# touchpoints, and where it ends, stay as they were.
#
#   plant      sessions that view /checkout (its delivery options) answer
#              lower: NPS about -40 where other sessions give about +35,
#              CSAT about 35% where others give about 80%, CES about 3
#              where others give about 5.5, even when they go on to buy;
#              they are asked more often (60% of them, 30% of others)
#
# A session's draws come from its session id alone (a Park-Miller
# generator seeded by the id's hex digits, the same in every awk), so the
# CSV and the NDJSON file get the same surveys.  The survey follows the
# session's last record in file order, dated after its latest time.  Run
# on a log that already has surveys, it drops them first, so that it
# regenerates the same file:
#
#   awk -f make-survey.awk shop.csv shop.csv > new.csv
#   awk -f make-survey.awk shop.ndjson shop.ndjson > new.ndjson
#
# (the file twice: the first pass finds each session's last record).
function next_rand() {
	x = (x * 16807) % 2147483647
	return x / 2147483647
}
function seed(id,   i, c, h) {
	x = 0
	for (i = 1; i <= length(id); i++) {
		h = index("0123456789abcdef", substr(id, i, 1)) - 1
		if (h < 0)
			h = 7
		x = (x * 16 + h) % 2147483647
	}
	if (x == 0)
		x = 1
	next_rand(); next_rand()
}
# An answer drawn from cumulative shares cum[lo..hi] (split by spaces).
function draw(spec, lo,   u, n, c, i) {
	u = next_rand()
	n = split(spec, c, " ")
	for (i = 1; i < n; i++)
		if (u < c[i])
			return lo + i - 1
	return lo + n - 1
}
# The record's field value: CSV by column, NDJSON by key.
function get(name,   m) {
	if (ndjson) {
		if (match($0, "\"" name "\":\"[^\"]*\"") == 0)
			return ""
		m = substr($0, RSTART + length(name) + 4, RLENGTH - \
		    length(name) - 5)
		return m
	}
	return $(col[name])
}
# Time in ms after 2026-10-00T00:00:00Z, and back (October only).
function ms(t) {
	return ((substr(t, 9, 2) * 24 + substr(t, 12, 2)) * 60 + \
	    substr(t, 15, 2)) * 60000 + substr(t, 18, 2) * 1000 + \
	    substr(t, 21, 3)
}
function stamp(v,   d, h, m, s) {
	d = int(v / 86400000); v -= d * 86400000
	h = int(v / 3600000); v -= h * 3600000
	m = int(v / 60000); v -= m * 60000
	s = int(v / 1000); v -= s * 1000
	return sprintf("2026-10-%02dT%02d:%02d:%02d.%03dZ", d, h, m, s, v)
}
function survey(sid,   plant, nps, csat, ces, t, u, c, d, p) {
	plant = sid in checkout
	seed(sid)
	if (next_rand() >= (plant ? 0.6 : 0.3))
		return
	nps = csat = ces = ""
	if (plant) {
		nps = draw(".05 .12 .2 .3 .4 .48 .55 .7 .85 .93 1", 0)
		csat = draw(".2 .45 .65 .85 1", 1)
		ces = draw(".1 .3 .55 .75 .88 .96 1", 1)
	} else {
		nps = draw(".005 .01 .02 .04 .07 .12 .2 .3 .45 .7 1", 0)
		csat = draw(".03 .08 .2 .55 1", 1)
		ces = draw(".01 .03 .07 .15 .35 .65 1", 1)
	}
	# not every survey asks all three
	if (next_rand() < 0.1)
		nps = ""
	if (next_rand() < 0.3)
		csat = ""
	if (next_rand() < 0.5 || (nps == "" && csat == ""))
		ces = ""
	if (nps == "" && csat == "" && ces == "")
		return
	t = stamp(last[sid] + 20000)
	u = user[sid]; c = country[sid]; d = device[sid]; p = lastpage[sid]
	if (ndjson) {
		printf "{\"user_id\":\"%s\",\"session_id\":\"%s\"," \
		    "\"timestamp\":\"%s\",\"event\":\"survey\"," \
		    "\"page\":\"%s\",\"country\":\"%s\",\"device\":\"%s\"", \
		    u, sid, t, p, c, d
		if (nps != "")
			printf ",\"nps\":%d", nps
		if (csat != "")
			printf ",\"csat\":%d", csat
		if (ces != "")
			printf ",\"ces\":%d", ces
		printf "}\n"
	} else {
		printf "%s,%s,%s,survey,%s,,,%s,%s,,%s,%s,%s\n", u, sid, t, p,
		    c, d, nps, csat, ces
	}
}
FNR == 1 {
	pass++
	ndjson = substr($0, 1, 1) == "{"
	if (!ndjson) {
		FS = ","
		$0 = $0
		for (i = 1; i <= NF; i++)
			col[$i] = i
		if (pass == 2)
			print "user_id,session_id,timestamp,event,page," \
			    "load_time_ms,revenue,country,device,target,nps," \
			    "csat,ces"
		next
	}
}
get("event") == "survey" { next }
pass == 1 {
	sid = get("session_id")
	end[sid] = FNR
	t = ms(get("timestamp"))
	if (!(sid in last) || t >= last[sid]) {
		last[sid] = t
		lastpage[sid] = get("page")
	}
	if (get("page") == "/checkout")
		checkout[sid] = 1
	user[sid] = get("user_id")
	country[sid] = get("country")
	device[sid] = get("device")
	next
}
{
	if (ndjson)
		print
	else
		print $1 "," $2 "," $3 "," $4 "," $5 "," $6 "," $7 "," $8 \
		    "," $9 "," $10 ",,,"
	sid = get("session_id")
	if (end[sid] == FNR)
		survey(sid)
}
