/*
 * A daily event log with planted anomalies of known days and sizes: the
 * test bed of jwatch (issue 28), beside bench/gen.c, which only makes
 * volume.
 *
 *	watchgen [-d DAYS] [-n SESSIONS] [-s SEED] [-t TRUTH]
 *
 * Built alone: cc -O2 -o build/watchgen bench/watchgen.c -lm
 *
 * Writes CSV to standard output: user_id, session_id, timestamp (RFC
 * 3339, Z), event, device, revenue.  DAYS days (default 70) from Monday
 * 2026-01-05; SESSIONS sessions on a weekday (default 400; Saturdays and
 * Sundays 60% of it, each day's count drawn within +-5%).  A session
 * (from a pool of 20,000 users; 60% on mobile) is a page_view, then with
 * probability 0.65 one to four more (the others bounce); of all sessions,
 * 12% on weekdays and 15% at weekends buy (a session that goes on, with
 * probability 0.12 / 0.65: event purchase, revenue 20 to 120), and 2%
 * have an event error.  The same options give the same bytes.
 *
 * The planted truth, written to TRUTH as day,kpi,flag rows:
 *  - day 30 (a Wednesday): 1% of mobile sessions buy: conversion low
 *    (about 5.4% against 12%), carried by device=mobile;
 *  - day 45 (a Thursday): 15% of sessions hit an error: error_rate high;
 *  - day 58 (a Tuesday): 2.5 times the sessions, buying as usual: events,
 *    users and sessions high, conversion not an anomaly;
 *  - the weekly pattern (weekends 60% of the traffic, converting more) is
 *    no anomaly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY0 1767571200LL	/* 2026-01-05T00:00:00Z, a Monday */
#define CONV_FALL_DAY 30
#define ERROR_DAY 45
#define SPIKE_DAY 58

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double
unif(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

static void
stamp(char *buf, size_t size, long long t)
{
	long long d = t / 86400, s = t % 86400;
	/* civil from days (Hinnant) */
	long long z = d + 719468, era = z / 146097, doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 -
	    yoe / 100), mp = (5 * doy + 2) / 153;
	long long dd = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 :
	    mp - 9;

	y += m <= 2;
	snprintf(buf, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", y, m,
	    dd, s / 3600, s / 60 % 60, s % 60);
}

int
main(int argc, char **argv)
{
	int days = 70, base = 400, opt, day;
	long long sid = 0;
	const char *truth = NULL;
	char ts[32];

	while ((opt = getopt(argc, argv, "d:n:s:t:")) != -1) {
		switch (opt) {
		case 'd':
			days = atoi(optarg);
			break;
		case 'n':
			base = atoi(optarg);
			break;
		case 's':
			rng_state ^= strtoull(optarg, NULL, 10) * 0x9E3779B97F4A7C15ULL;
			if (rng_state == 0)
				rng_state = 1;
			break;
		case 't':
			truth = optarg;
			break;
		default:
			fputs("usage: watchgen [-d DAYS] [-n SESSIONS] [-s SEED] "
			    "[-t TRUTH]\n", stderr);
			return 2;
		}
	}
	if (truth != NULL) {
		FILE *t = fopen(truth, "w");
		char d1[32], d2[32], d3[32];

		if (t == NULL) {
			perror(truth);
			return 2;
		}
		stamp(d1, sizeof d1, DAY0 + CONV_FALL_DAY * 86400LL);
		stamp(d2, sizeof d2, DAY0 + ERROR_DAY * 86400LL);
		stamp(d3, sizeof d3, DAY0 + SPIKE_DAY * 86400LL);
		fprintf(t, "day,kpi,flag\n%.10s,conversion,low\n"
		    "%.10s,error_rate,high\n%.10s,events,high\n"
		    "%.10s,users,high\n%.10s,sessions,high\n", d1, d2, d3, d3,
		    d3);
		fclose(t);
	}
	puts("user_id,session_id,timestamp,event,device,revenue");
	for (day = 0; day < days; day++) {
		int weekend = day % 7 >= 5, n, s;
		double f = (weekend ? 0.6 : 1.0) * (0.95 + 0.1 * unif());

		if (day == SPIKE_DAY)
			f *= 2.5;
		n = (int)(base * f + 0.5);
		for (s = 0; s < n; s++) {
			long long t = DAY0 + day * 86400LL + (long long)(unif() *
			    86000);
			unsigned user = (unsigned)(next() % 20000);
			int mobile = unif() < 0.6, more = 0, k;
			double pbuy = weekend ? 0.15 : 0.12;
			double perr = day == ERROR_DAY ? 0.15 : 0.02;
			const char *dev = mobile ? "mobile" : "desktop";

			if (day == CONV_FALL_DAY && mobile)
				pbuy = 0.01;
			sid++;
			stamp(ts, sizeof ts, t);
			printf("u%05u,s%lld,%s,page_view,%s,\n", user, sid, ts,
			    dev);
			if (unif() < 0.65)
				more = 1 + (int)(next() % 4);
			for (k = 0; k < more; k++) {
				t += 20 + (long long)(next() % 100);
				stamp(ts, sizeof ts, t);
				printf("u%05u,s%lld,%s,page_view,%s,\n", user,
				    sid, ts, dev);
			}
			if (more > 0 && unif() < perr / 0.65) {
				t += 5;
				stamp(ts, sizeof ts, t);
				printf("u%05u,s%lld,%s,error,%s,\n", user, sid,
				    ts, dev);
			}
			if (more > 0 && unif() < pbuy / 0.65) {
				t += 30;
				stamp(ts, sizeof ts, t);
				printf("u%05u,s%lld,%s,purchase,%s,%.2f\n",
				    user, sid, ts, dev, 20 + unif() * 100);
			}
		}
	}
	return ferror(stdout) ? 2 : 0;
}
