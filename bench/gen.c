/*
 * Deterministic generator of e-commerce journey logs for the benchmark.
 *
 *	bench-gen [-n EVENTS] [-s SEED] [-f csv|ndjson] [-u USERS] [-d DAYS]
 *
 * Writes EVENTS events (default 1000000) to standard output, as CSV with a
 * header row or as NDJSON: the same bytes for the same options with any
 * compiler and the same C library (libm's exp, log and sin take part).
 * USERS defaults to EVENTS/20, DAYS (the span of the log, starting
 * 2026-10-01T00:00:00Z) to 30.
 *
 * Columns: user_id, session_id, timestamp (RFC 3339, milliseconds, Z), event,
 * page, load_time_ms (page_view only), revenue (purchase only, currency
 * units with two decimals), country, device, target.  target holds the
 * clicked element on click, the form on form_start/form_submit, the topic on
 * support_contact and the error code on error; it is empty otherwise.  NDJSON
 * leaves empty fields out and writes load_time_ms and revenue as numbers.
 *
 * Sessions arrive as a Poisson process with a daily cycle; each picks a user
 * (a few power users return often) who has been idle for at least 30 minutes,
 * and walks a Markov chain over pages (home, category, search, product, cart,
 * checkout, confirmation, help), emitting the events of each page a few
 * seconds to minutes apart.  A user who left a full cart often comes back to
 * it in a later session.  All open sessions run at once and their events are
 * merged by time, so the output is sorted by time across users except for
 * about 2% of events held back and written up to an hour late, as a
 * collector's retries would.  The chain's probabilities give the funnel
 * view_item -> add_to_cart -> begin_checkout -> purchase roughly
 * 100% -> 35% -> 60% -> 50% of users with a one-day window.
 *
 * Nothing is allocated per event: open sessions live in a pool, pending and
 * late events in two binary heaps, and output goes through one buffer.
 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY_MS		86400000LL
#define MIN_MS		60000LL
#define SESSION_GAP_MS	(30 * MIN_MS)
#define MAX_PEND	16	/* events one page can emit */
#define MAX_PAGES	40	/* pages before a session surely ends */
#define LATE_RATE	0.02
#define LATE_MAX_MS	3600000LL
#define N_PRODUCTS	5000
#define N_CATEGORIES	40
#define EVENTS_PER_SESSION 5.8	/* measured; sets the arrival rate */

enum event {
	E_PAGE_VIEW, E_VIEW_ITEM, E_ADD_TO_CART, E_BEGIN_CHECKOUT, E_PURCHASE,
	E_SEARCH, E_CLICK, E_ERROR, E_SUPPORT, E_FORM_START, E_FORM_SUBMIT
};

static const char *const event_names[] = {
	"page_view", "view_item", "add_to_cart", "begin_checkout", "purchase",
	"search", "click", "error", "support_contact", "form_start",
	"form_submit"
};

enum page {
	P_HOME, P_CATEGORY, P_SEARCH, P_PRODUCT, P_CART, P_CHECKOUT, P_DONE,
	P_HELP, P_EXIT
};

static const char *const page_paths[] = {
	"/", "/c/", "/search", "/p/", "/cart", "/checkout",
	"/order/confirmation", "/help/contact"
};

/* Index 0 means no target. */
enum target {
	T_NONE, T_PROMO, T_NAV, T_FILTER_PRICE, T_FILTER_BRAND, T_SORT,
	T_GALLERY, T_SIZE, T_ADD_BUTTON, T_PAY, T_COUPON, T_NEWSLETTER_FORM,
	T_LOGIN_FORM, T_CHECKOUT_FORM, T_TOPIC_PAYMENT, T_TOPIC_DELIVERY,
	T_TOPIC_RETURNS, T_TOPIC_ACCOUNT, T_ERR_500, T_ERR_TIMEOUT,
	T_ERR_DECLINED
};

static const char *const target_names[] = {
	"", "promo-banner", "nav-menu", "filter-price", "filter-brand",
	"sort", "image-gallery", "size-select", "add-to-cart-button",
	"pay-button", "coupon-apply", "newsletter-form", "login-form",
	"checkout-form", "payment", "delivery", "returns", "account",
	"http_500", "timeout", "payment_declined"
};

/* Cumulative weights in thousandths. */
static const char *const countries[] = {
	"US", "GB", "DE", "FR", "IN", "BR", "CA", "JP", "AU", "ES", "IT",
	"NL", "MX", "SE", "PL"
};
static const int country_cum[] = {
	320, 420, 500, 565, 640, 700, 745, 790, 825, 855, 885, 910, 940,
	960, 1000
};
static const char *const devices[] = { "mobile", "desktop", "tablet" };
static const int device_cum[] = { 560, 940, 1000 };

struct ev {
	int64_t		ts;		/* ms since the epoch */
	uint32_t	user;
	uint32_t	sess;
	uint32_t	pageid;		/* product or category number */
	uint32_t	load;		/* load_time_ms, 0 for none */
	uint32_t	revenue;	/* cents, 0 for none */
	uint8_t		type;		/* enum event */
	uint8_t		page;		/* enum page */
	uint8_t		target;		/* enum target */
	uint8_t		country;
	uint8_t		device;
};

struct late {
	int64_t		release;	/* write when output gets here */
	struct ev	ev;
};

struct session {
	struct ev	pend[MAX_PEND];	/* events of the current page */
	int		npend;
	int		next;		/* first not yet written */
	int		state;		/* enum page */
	int		pages;
	int		carted;		/* cart filled, not bought */
	int64_t		t;		/* of the last event made */
	uint32_t	user;
	uint32_t	sess;
	uint32_t	product;
	uint8_t		country;
	uint8_t		device;
};

static uint64_t rng[4];
static uint64_t salt;		/* seeds the per-user hash */

static struct session *pool;
static size_t npool, cappool;
static size_t *freelist;
static size_t nfree;
static size_t *heap;		/* session indices, by next event time */
static size_t nheap;
static struct late *lates;
static size_t nlate, caplate;

static uint32_t *user_free;	/* seconds from start until free */
static uint8_t *user_intent;	/* left a full cart */

static int ndjson;
static char outbuf[1 << 20];
static size_t outpos;
static int64_t cached_day = INT64_MIN;
static char day_text[48];

static void
die(const char *msg)
{
	fprintf(stderr, "bench-gen: %s\n", msg);
	exit(2);
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		die("out of memory");
	return p;
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: fast, and well spread in every bit. */
static uint64_t
next64(void)
{
	uint64_t r, t;

	r = rotl(rng[1] * 5, 7) * 9;
	t = rng[1] << 17;
	rng[2] ^= rng[0];
	rng[3] ^= rng[1];
	rng[1] ^= rng[2];
	rng[0] ^= rng[3];
	rng[2] ^= t;
	rng[3] = rotl(rng[3], 45);
	return r;
}

/* Uniform in [0, 1). */
static double
unif(void)
{
	return (double)(next64() >> 11) * 0x1.0p-53;
}

static uint32_t
below(uint32_t n)
{
	return (uint32_t)(((next64() >> 32) * n) >> 32);
}

static double
expo(double mean)
{
	return -log(1.0 - unif()) * mean;
}

static double
lognormal(double median, double sigma)
{
	double u1, u2;

	u1 = 1.0 - unif();
	u2 = unif();
	return median * exp(sigma * sqrt(-2.0 * log(u1)) *
	    cos(6.283185307179586 * u2));
}

static int
pick(const int *cum, int n, uint32_t r)
{
	int i;

	r %= 1000;
	for (i = 0; i < n - 1 && (int)r >= cum[i]; i++)
		;
	return i;
}

/* A stable per-user hash, so a user keeps a country and a usual device. */
static uint64_t
user_hash(uint32_t user)
{
	uint64_t x = salt ^ ((uint64_t)user << 20);

	return splitmix64(&x);
}

/* Skewed popularity: low product numbers sell much more. */
static uint32_t
popular(uint32_t n)
{
	double u = unif();

	return 1 + (uint32_t)(u * u * u * n);
}

static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void
flush_out(void)
{
	if (outpos > 0 && fwrite(outbuf, 1, outpos, stdout) != outpos)
		die("write error");
	outpos = 0;
}

static void
put_str(const char *s)
{
	size_t n = strlen(s);

	memcpy(outbuf + outpos, s, n);
	outpos += n;
}

static void
put_u32(uint32_t v)
{
	char tmp[12];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0)
		outbuf[outpos++] = tmp[--n];
}

/* Zero-padded to eight digits, like the ids of a real user table. */
static void
put_u32_8(uint32_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		outbuf[outpos + i] = (char)('0' + v % 10);
		v /= 10;
	}
	outpos += 8;
}

/*
 * Session ids look random, as a client's are, yet stay unique: the session
 * number goes through an invertible mix of 48 bits, written as 12 hex
 * digits.
 */
static void
put_session(uint32_t sess)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t x = sess, m = (1ULL << 48) - 1;
	int i;

	x = (x * 0x9e3779b97f4bULL) & m;
	x ^= x >> 23;
	x = (x * 0x5bd1e995ULL) & m;
	x ^= x >> 29;
	for (i = 11; i >= 0; i--) {
		outbuf[outpos + i] = hex[x & 15];
		x >>= 4;
	}
	outpos += 12;
}

static void
put_2(int v)
{
	outbuf[outpos++] = (char)('0' + v / 10);
	outbuf[outpos++] = (char)('0' + v % 10);
}

static void
put_time(int64_t ms)
{
	int64_t day = ms >= 0 ? ms / DAY_MS : (ms - DAY_MS + 1) / DAY_MS;
	int y, m, d, rest;

	if (day != cached_day) {
		civil_from_days(day, &y, &m, &d);
		snprintf(day_text, sizeof(day_text), "%04d-%02d-%02dT", y, m,
		    d);
		cached_day = day;
	}
	memcpy(outbuf + outpos, day_text, 11);
	outpos += 11;
	rest = (int)(ms - day * DAY_MS);
	put_2(rest / 3600000);
	outbuf[outpos++] = ':';
	put_2(rest / 60000 % 60);
	outbuf[outpos++] = ':';
	put_2(rest / 1000 % 60);
	outbuf[outpos++] = '.';
	outbuf[outpos++] = (char)('0' + rest % 1000 / 100);
	put_2(rest % 100);
	outbuf[outpos++] = 'Z';
}

static void
put_page(const struct ev *e)
{
	put_str(page_paths[e->page]);
	if (e->page == P_CATEGORY || e->page == P_PRODUCT)
		put_u32(e->pageid);
}

static void
put_revenue(uint32_t cents)
{
	put_u32(cents / 100);
	outbuf[outpos++] = '.';
	put_2((int)(cents % 100));
}

static void
write_csv(const struct ev *e)
{
	outbuf[outpos++] = 'u';
	put_u32_8(e->user);
	outbuf[outpos++] = ',';
	put_session(e->sess);
	outbuf[outpos++] = ',';
	put_time(e->ts);
	outbuf[outpos++] = ',';
	put_str(event_names[e->type]);
	outbuf[outpos++] = ',';
	put_page(e);
	outbuf[outpos++] = ',';
	if (e->load > 0)
		put_u32(e->load);
	outbuf[outpos++] = ',';
	if (e->revenue > 0)
		put_revenue(e->revenue);
	outbuf[outpos++] = ',';
	put_str(countries[e->country]);
	outbuf[outpos++] = ',';
	put_str(devices[e->device]);
	outbuf[outpos++] = ',';
	put_str(target_names[e->target]);
	outbuf[outpos++] = '\n';
}

static void
write_ndjson(const struct ev *e)
{
	put_str("{\"user_id\":\"u");
	put_u32_8(e->user);
	put_str("\",\"session_id\":\"");
	put_session(e->sess);
	put_str("\",\"timestamp\":\"");
	put_time(e->ts);
	put_str("\",\"event\":\"");
	put_str(event_names[e->type]);
	put_str("\",\"page\":\"");
	put_page(e);
	outbuf[outpos++] = '"';
	if (e->load > 0) {
		put_str(",\"load_time_ms\":");
		put_u32(e->load);
	}
	if (e->revenue > 0) {
		put_str(",\"revenue\":");
		put_revenue(e->revenue);
	}
	put_str(",\"country\":\"");
	put_str(countries[e->country]);
	put_str("\",\"device\":\"");
	put_str(devices[e->device]);
	outbuf[outpos++] = '"';
	if (e->target != T_NONE) {
		put_str(",\"target\":\"");
		put_str(target_names[e->target]);
		outbuf[outpos++] = '"';
	}
	put_str("}\n");
}

static void
write_ev(const struct ev *e)
{
	/* A record is well under 512 bytes. */
	if (outpos > sizeof(outbuf) - 512)
		flush_out();
	if (ndjson)
		write_ndjson(e);
	else
		write_csv(e);
}

/* Min-heap of sessions keyed by the time of their next event. */
static int64_t
sess_key(size_t i)
{
	return pool[i].pend[pool[i].next].ts;
}

static int
sess_before(size_t a, size_t b)
{
	int64_t ka = sess_key(a), kb = sess_key(b);

	return ka < kb || (ka == kb && pool[a].sess < pool[b].sess);
}

static void
heap_up(size_t k)
{
	size_t p, x = heap[k];

	while (k > 0 && sess_before(x, heap[p = (k - 1) / 2])) {
		heap[k] = heap[p];
		k = p;
	}
	heap[k] = x;
}

static void
heap_down(size_t k)
{
	size_t c, x = heap[k];

	while ((c = 2 * k + 1) < nheap) {
		if (c + 1 < nheap && sess_before(heap[c + 1], heap[c]))
			c++;
		if (!sess_before(heap[c], x))
			break;
		heap[k] = heap[c];
		k = c;
	}
	heap[k] = x;
}

static void
late_push(const struct ev *e, int64_t release)
{
	size_t k, p;
	struct late x;

	if (nlate == caplate) {
		caplate = caplate ? 2 * caplate : 1024;
		lates = xrealloc(lates, caplate * sizeof(*lates));
	}
	x.release = release;
	x.ev = *e;
	for (k = nlate++; k > 0 && release < lates[p = (k - 1) / 2].release;
	    k = p)
		lates[k] = lates[p];
	lates[k] = x;
}

static void
late_pop(void)
{
	size_t k = 0, c;
	struct late x = lates[--nlate];

	while ((c = 2 * k + 1) < nlate) {
		if (c + 1 < nlate && lates[c + 1].release < lates[c].release)
			c++;
		if (lates[c].release >= x.release)
			break;
		lates[k] = lates[c];
		k = c;
	}
	if (nlate > 0)
		lates[k] = x;
}

/* Writes the late events whose time has come, oldest release first. */
static void
late_flush(int64_t upto)
{
	while (nlate > 0 && lates[0].release <= upto) {
		write_ev(&lates[0].ev);
		late_pop();
	}
}

static void
emit(const struct ev *e)
{
	if (unif() < LATE_RATE) {
		late_push(e, e->ts + 1000 + (int64_t)below(LATE_MAX_MS - 1000));
		return;
	}
	late_flush(e->ts);
	write_ev(e);
}

/*
 * Appends an event dt milliseconds after the session's last one.  The
 * session's page and product fill the page fields.
 */
static struct ev *
add(struct session *s, int type, int64_t dt, int target)
{
	struct ev *e;

	if (s->npend == MAX_PEND)
		return &s->pend[MAX_PEND - 1];
	e = &s->pend[s->npend++];
	s->t += dt;
	e->ts = s->t;
	e->user = s->user;
	e->sess = s->sess;
	e->type = (uint8_t)type;
	e->page = (uint8_t)s->state;
	e->pageid = s->state == P_PRODUCT ? s->product : 0;
	e->load = 0;
	e->revenue = 0;
	e->target = (uint8_t)target;
	e->country = s->country;
	e->device = s->device;
	return e;
}

static void
page_view(struct session *s, int64_t dt, double median)
{
	struct ev *e;
	double load;

	load = lognormal(median, 0.6);
	if (s->device == 0)
		load *= 1.3;
	if (load > 30000)
		load = 30000;
	e = add(s, E_PAGE_VIEW, dt, T_NONE);
	e->load = 1 + (uint32_t)load;
}

/* Three to six clicks on one element, each well within a second. */
static void
rage(struct session *s, int target)
{
	int i, n = 3 + (int)below(4);

	for (i = 0; i < n; i++)
		add(s, E_CLICK, 150 + below(500), target);
}

/* Think time between pages: mostly seconds, never a session gap. */
static int64_t
think(void)
{
	double t = 2000 + expo(35000);

	return t > 20 * MIN_MS ? 20 * MIN_MS : (int64_t)t;
}

static int
choose(const double *p, int n)
{
	double u = unif();
	int i;

	for (i = 0; i < n - 1; i++) {
		if (u < p[i])
			break;
		u -= p[i];
	}
	return i;
}

/*
 * Fills the session's pending list with the events of page `state`, entered
 * dt milliseconds after the previous event.
 */
static void
enter(struct session *s, int state, int64_t dt)
{
	struct ev *e;
	uint32_t cat;
	int tg;

	/*
	 * Never two random draws among one call's arguments: their order is
	 * unspecified, and compilers differ, which would change the output.
	 */
	s->npend = s->next = 0;
	s->state = state;
	s->pages++;
	if (unif() < 0.015) {
		/* The page failed; the user sees an error and reloads. */
		page_view(s, dt, 4000);
		tg = unif() < 0.6 ? T_ERR_500 : T_ERR_TIMEOUT;
		add(s, E_ERROR, 5 + below(50), tg);
		dt = 3000 + below(20000);
	}
	switch (state) {
	case P_HOME:
		page_view(s, dt, 600);
		if (unif() < 0.15) {
			tg = unif() < 0.5 ? T_PROMO : T_NAV;
			add(s, E_CLICK, 1000 + below(8000), tg);
		}
		if (unif() < 0.03) {
			add(s, E_FORM_START, 2000 + below(10000),
			    T_NEWSLETTER_FORM);
			if (unif() < 0.4)
				add(s, E_FORM_SUBMIT, 5000 + below(20000),
				    T_NEWSLETTER_FORM);
		}
		break;
	case P_CATEGORY:
		cat = popular(N_CATEGORIES);
		page_view(s, dt, 800);
		s->pend[s->npend - 1].pageid = cat;
		if (unif() < 0.3) {
			tg = T_FILTER_PRICE + (int)below(3);
			e = add(s, E_CLICK, 1500 + below(10000), tg);
			e->pageid = cat;
		}
		break;
	case P_SEARCH:
		page_view(s, dt, 700);
		add(s, E_SEARCH, below(2) ? 0 : 1 + below(400), T_NONE);
		break;
	case P_PRODUCT:
		s->product = popular(N_PRODUCTS);
		page_view(s, dt, 900);
		s->pend[s->npend - 1].pageid = s->product;
		/* Often logged in the same millisecond as the page view. */
		add(s, E_VIEW_ITEM, below(2) ? 0 : 1 + below(30), T_NONE);
		if (unif() < 0.25) {
			tg = unif() < 0.6 ? T_GALLERY : T_SIZE;
			add(s, E_CLICK, 2000 + below(15000), tg);
		}
		break;
	case P_CART:
		/* The add happens on the product page, then the cart opens. */
		if (s->product > 0) {
			s->state = P_PRODUCT;
			add(s, E_CLICK, dt, T_ADD_BUTTON);
			add(s, E_ADD_TO_CART, 20 + below(300), T_NONE);
			s->state = P_CART;
			dt = 500 + below(3000);
		}
		s->carted = 1;
		page_view(s, dt, 800);
		if (unif() < 0.02)
			rage(s, T_COUPON);
		break;
	case P_CHECKOUT:
		page_view(s, dt, 1100);
		add(s, E_BEGIN_CHECKOUT, 10 + below(200), T_NONE);
		if (unif() < 0.3) {
			add(s, E_FORM_START, 1000 + below(4000),
			    T_LOGIN_FORM);
			if (unif() < 0.85)
				add(s, E_FORM_SUBMIT, 8000 + below(30000),
				    T_LOGIN_FORM);
		}
		add(s, E_FORM_START, 2000 + below(10000), T_CHECKOUT_FORM);
		if (unif() < 0.08) {
			add(s, E_CLICK, 30000 + below(120000), T_PAY);
			add(s, E_ERROR, 800 + below(3000), T_ERR_DECLINED);
			if (unif() < 0.4)
				rage(s, T_PAY);
		}
		break;
	case P_DONE:
		s->state = P_CHECKOUT;
		add(s, E_CLICK, dt, T_PAY);
		add(s, E_FORM_SUBMIT, 5 + below(40), T_CHECKOUT_FORM);
		e = add(s, E_PURCHASE, below(3) ? 0 : 1 + below(900), T_NONE);
		e->revenue = 100 + (uint32_t)(lognormal(5500, 0.7));
		s->state = P_DONE;
		page_view(s, 300 + below(1500), 700);
		s->carted = 0;
		break;
	case P_HELP:
		page_view(s, dt, 700);
		tg = T_TOPIC_PAYMENT + (int)below(4);
		add(s, E_SUPPORT, 20000 + below(120000), tg);
		break;
	}
}

/* Chooses the page after the current one, or P_EXIT. */
static int
transition(struct session *s)
{
	static const int home_to[] = { P_CATEGORY, P_SEARCH, P_PRODUCT,
	    P_EXIT };
	static const double home_p[] = { 0.40, 0.22, 0.20, 0.18 };
	static const int cat_to[] = { P_PRODUCT, P_CATEGORY, P_SEARCH,
	    P_EXIT };
	static const double cat_p[] = { 0.55, 0.12, 0.08, 0.25 };
	static const int search_to[] = { P_PRODUCT, P_SEARCH, P_EXIT };
	static const double search_p[] = { 0.58, 0.12, 0.30 };
	static const int cart_to[] = { P_CHECKOUT, P_PRODUCT, P_EXIT };
	static const double cart_p[] = { 0.50, 0.15, 0.35 };
	static const int checkout_to[] = { P_DONE, P_HELP, P_EXIT };
	static const double checkout_p[] = { 0.45, 0.06, 0.49 };
	double p[5];
	int last_error;

	if (s->pages >= MAX_PAGES)
		return P_EXIT;
	last_error = s->npend > 0 && (s->pend[s->npend - 1].type == E_ERROR ||
	    s->pend[s->npend - 1].target == T_PAY);
	if (last_error && unif() < 0.15)
		return P_HELP;
	switch (s->state) {
	case P_HOME:
		return home_to[choose(home_p, 4)];
	case P_CATEGORY:
		return cat_to[choose(cat_p, 4)];
	case P_SEARCH:
		return search_to[choose(search_p, 3)];
	case P_PRODUCT:
		p[0] = s->carted ? 0.05 : 0.09;	/* add to cart */
		p[1] = 0.30;			/* another product */
		p[2] = 0.12;			/* back to a category */
		p[3] = 0.05;			/* search */
		p[4] = 1 - p[0] - p[1] - p[2] - p[3];
		switch (choose(p, 5)) {
		case 0:
			return P_CART;
		case 1:
			return P_PRODUCT;
		case 2:
			return P_CATEGORY;
		case 3:
			return P_SEARCH;
		}
		/* Someone with a full cart may still check out. */
		return s->carted && unif() < 0.3 ? P_CART : P_EXIT;
	case P_CART:
		return cart_to[choose(cart_p, 3)];
	case P_CHECKOUT:
		return checkout_to[choose(checkout_p, 3)];
	case P_DONE:
		return unif() < 0.15 ? P_HOME : P_EXIT;
	case P_HELP:
		return unif() < 0.3 ? P_HOME : P_EXIT;
	}
	return P_EXIT;
}

static size_t
session_new(void)
{
	if (nfree > 0)
		return freelist[--nfree];
	if (npool == cappool) {
		cappool = cappool ? 2 * cappool : 256;
		pool = xrealloc(pool, cappool * sizeof(*pool));
		heap = xrealloc(heap, cappool * sizeof(*heap));
		freelist = xrealloc(freelist, cappool * sizeof(*freelist));
	}
	return npool++;
}

/* Opens a session at time t if a user is free; 1 if one was opened. */
static int
session_start(int64_t t, int64_t start, uint32_t nusers, uint32_t *nsess)
{
	static const int land_to[] = { P_HOME, P_CATEGORY, P_SEARCH,
	    P_PRODUCT };
	static const double land_p[] = { 0.35, 0.20, 0.15, 0.30 };
	struct session *s;
	uint64_t h;
	uint32_t u, now = (uint32_t)((t - start) / 1000);
	size_t i;
	int tries;

	for (tries = 0; ; tries++) {
		if (tries == 4)
			return 0;
		/* A fifth of the sessions come from 5% of the users. */
		if (unif() < 0.2)
			u = below(nusers / 20 + 1);
		else
			u = below(nusers);
		if (user_free[u] <= now)
			break;
	}
	/* Busy until the session ends and 30 idle minutes pass. */
	user_free[u] = UINT32_MAX;
	i = session_new();
	s = &pool[i];
	s->user = u;
	s->sess = ++*nsess;
	s->t = t;
	s->pages = 0;
	s->product = 0;
	s->carted = user_intent[u];
	h = user_hash(u);
	s->country = (uint8_t)pick(country_cum, 15, (uint32_t)h);
	s->device = (uint8_t)pick(device_cum, 3, (uint32_t)(h >> 32));
	if (unif() < 0.15)
		s->device = (uint8_t)below(3);
	if (s->carted && unif() < 0.45) {
		/* Back to the cart left last time. */
		s->product = 0;
		enter(s, P_CART, 0);
	} else
		enter(s, land_to[choose(land_p, 4)], 0);
	heap[nheap++] = i;
	heap_up(nheap - 1);
	return 1;
}

/* Session arrival rate relative to the mean, by hour of the day (UTC). */
static double
daily_cycle(int64_t t)
{
	double h = (double)(t % DAY_MS) / 3600000.0;

	return 1.0 + 0.6 * sin(6.283185307179586 * (h - 13.0) / 24.0);
}

static void
usage(void)
{
	fputs("usage: bench-gen [-n EVENTS] [-s SEED] [-f csv|ndjson] "
	    "[-u USERS] [-d DAYS]\n", stderr);
	exit(2);
}

static unsigned long long
number(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	unsigned long long n = 1000000, seed = 1, users = 0, days = 30;
	uint64_t x, done = 0;
	int64_t start, next_arrival;
	double rate;
	uint32_t nsess = 0;
	struct session *s;
	size_t i;
	int c, state;

	while ((c = getopt(argc, argv, "n:s:f:u:d:")) != -1) {
		switch (c) {
		case 'n':
			n = number(optarg);
			break;
		case 's':
			seed = number(optarg);
			break;
		case 'f':
			if (strcmp(optarg, "ndjson") == 0)
				ndjson = 1;
			else if (strcmp(optarg, "csv") != 0)
				usage();
			break;
		case 'u':
			users = number(optarg);
			break;
		case 'd':
			days = number(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || days == 0 || days > 3650)
		usage();
	if (users == 0)
		users = n / 20 > 0 ? n / 20 : 1;
	if (users > UINT32_MAX / 2)
		usage();
	x = seed;
	for (c = 0; c < 4; c++)
		rng[c] = splitmix64(&x);
	salt = splitmix64(&x);
	user_free = xrealloc(NULL, users * sizeof(*user_free));
	memset(user_free, 0, users * sizeof(*user_free));
	user_intent = xrealloc(NULL, users);
	memset(user_intent, 0, users);

	/*
	 * Sessions per millisecond at the peak of the daily cycle; at least
	 * ten sessions over the span, so that tiny logs still start in it.
	 */
	start = days_from_civil(2026, 10, 1) * DAY_MS;
	rate = (double)n / EVENTS_PER_SESSION;
	if (rate < 10)
		rate = 10;
	rate *= 1.6 / ((double)days * DAY_MS);
	if (!ndjson)
		put_str("user_id,session_id,timestamp,event,page,load_time_ms,"
		    "revenue,country,device,target\n");
	next_arrival = start + (int64_t)expo(1.0 / rate);
	while (done < n) {
		if (nheap == 0 || next_arrival <= sess_key(heap[0])) {
			/* Thinning gives the daily cycle. */
			if (unif() * 1.6 < daily_cycle(next_arrival))
				session_start(next_arrival, start,
				    (uint32_t)users, &nsess);
			next_arrival += 1 + (int64_t)expo(1.0 / rate);
			continue;
		}
		i = heap[0];
		s = &pool[i];
		emit(&s->pend[s->next++]);
		done++;
		if (s->next < s->npend) {
			heap_down(0);
			continue;
		}
		state = transition(s);
		if (state != P_EXIT) {
			enter(s, state, think());
			heap_down(0);
			continue;
		}
		user_free[s->user] = (uint32_t)((s->t - start +
		    SESSION_GAP_MS) / 1000 + 1);
		user_intent[s->user] = (uint8_t)s->carted;
		heap[0] = heap[--nheap];
		if (nheap > 0)
			heap_down(0);
		freelist[nfree++] = i;
	}
	late_flush(INT64_MAX);
	flush_out();
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write error");
	return 0;
}
