# 28 days of NPS answers, 200 a day: promoters 50%, passives 30%,
# detractors 20% (NPS +30); day 20 (2026-03-21) planted: promoters 20%,
# detractors 50% (NPS -30); day 10 (2026-03-11) only 5 answers
# (1 promoter, 2 passives, 2 detractors: NPS -20).  A fixed LCG, so
# every awk draws the same.
function rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
BEGIN {
	seed = 42
	print "user_id,timestamp,event,nps"
	for (d = 1; d <= 28; d++) {
		day = sprintf("2026-03-%02d", d)
		if (d == 11) {
			split("10 7 8 3 5", a, " ")
			for (i = 1; i <= 5; i++)
				printf "u%d_%d,%sT12:00:00Z,survey,%d\n", d, i, day, a[i]
			continue
		}
		pp = d == 21 ? 0.2 : 0.5; pq = d == 21 ? 0.5 : 0.2
		for (i = 1; i <= 200; i++) {
			r = rnd()
			s = r < pp ? 9 + int(rnd() * 2) : r < pp + (1 - pp - pq) ? 7 + int(rnd() * 2) : int(rnd() * 7)
			printf "u%d_%d,%sT%02d:%02d:00Z,survey,%d\n", d, i, day, int(i / 10), i % 60, s
		}
	}
}
