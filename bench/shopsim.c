/*
 * A simulated online shop whose friction has a known true cost: the test
 * bed of jfriction and jscore (issue 22), beside bench/gen.c, which only
 * makes volume.
 *
 *	shopsim [-n USERS] [-s SEED] [-k SESSIONS] [-d DAYS]
 *	    [-f csv|ndjson|none] [--fix NAME]... [--truth FILE]
 *
 * Built alone, like bench/gen.c: cc -O2 -o build/shopsim bench/shopsim.c -lm
 *
 * Writes the event log of USERS users (default 80000) to standard output,
 * as CSV with a header row or as NDJSON; -f none writes no log.  Each user
 * has 1..SESSIONS sessions (default 4; half have one) over DAYS days
 * (default 30) from 2026-10-01T00:00:00Z.  Events are in time order, users
 * interleaved; the same options give the same bytes.
 *
 * Columns: user_id, session_id, timestamp (RFC 3339, milliseconds, Z),
 * event, page, load_time_ms (page_view), revenue (purchase, two decimals),
 * device, country, target (clicked element, or form on form_start and
 * form_submit), message (error), topic (support_contact).  NDJSON leaves
 * empty fields out and writes load_time_ms and revenue as numbers.
 *
 * The world.  A session lands on the home page, a category or a product;
 * walks categories (/category/shoes), the search page and one to eight
 * products (/product/123: ids in paths, so touchpoints need cleaning);
 * may add to the cart (/cart), then goes through /checkout/address (the
 * address-form), /checkout/shipping and /checkout/payment (pay-button) to
 * a purchase on /checkout/complete.  Each step has a baseline drop-off,
 * the pay click too (4% are lost in the bank's 3-D Secure check).
 * About 1.2% of sessions end with a support contact on /help/contact about
 * delivery, returns, account or payment, whatever happened.
 *
 * The confounder is device (one per user: 55% mobile, 38% desktop, 7%
 * tablet).  Mobile sessions add to the cart, go on to checkout and finish
 * each checkout step less often, for reasons of their own, AND meet most
 * of the planted causes more often.
 *
 * Five planted causes (the truth file names each as jfriction would):
 *   promo_expired  error at /cart "promo code expired": 18% of carts apply
 *                  a promo code; 30% of them then abandon, 12% of those
 *                  contact support (topic promotions).
 *   qty_stepper    rage_click at /cart on qty-stepper: the quantity
 *                  stepper ignores taps (12% mobile, 8% tablet, 4% desktop
 *                  carts); 30% abandon.
 *   address_form   form_abandon at /checkout/address, address-form: the
 *                  postcode check rejects good addresses (22%/8%/12%); 40%
 *                  give up without submitting, the rest submit late.
 *   slow_shipping  slow /checkout/shipping: a slow shard serves 40%/18%/28%
 *                  of the loads in 2.1-9s; 22% of those abandon.
 *   payment_error  error at /checkout/payment "payment failed: gateway
 *                  timeout" after the pay click (14%/8%/10%); half then
 *                  rage-click pay-button, 55% abandon (a dead end, or a
 *                  support contact on topic payment for 35% of them), the
 *                  rest retry and buy, 6% of whom contact support after.
 * A cart can meet both cart causes and then every checkout cause: they
 * overlap, and the checkout ones happen only to units that came far.
 *
 * Six look-alikes, harmless by construction (no other draw reads them):
 *   slow_search     slow /search for 60%/25%/40% of loads (p75 over 2s).
 *   reviews_error   error "reviews widget failed to load" on product pages.
 *   pixel_error     error "tracking pixel blocked" at /checkout/shipping,
 *                   mostly desktop (ad blockers), deep in the journey.
 *   newsletter_form form_abandon of the newsletter-form on the home page.
 *   size_guide_loop loop /product/:id <-> /size-guide, three visits.
 *   gallery_rage    rage_click on image-gallery on product pages.
 *
 * Common random numbers.  Every draw is a hash of (seed, user, session,
 * site, index): splitmix64's finalizer over a counter, not a stream, so a
 * draw is the same whatever happened before it.  A session draws whether
 * it meets a cause and whether it then abandons in every world; --fix NAME
 * only stops the cause from acting.  Switching a cause off therefore
 * changes the sessions that met it and nothing else, and the difference
 * between two worlds is that cause's effect, without sampling noise.
 * Sessions, their number and their start times do not depend on what
 * happened in earlier sessions.
 *
 * The truth (--truth FILE, CSV).  The world as given (all causes on, less
 * any --fix) is run once, then once more per cause and look-alike with it
 * also fixed.  Per item: revenue_lost, orders_lost and buyers_lost are the
 * fixed world's revenue, purchases and purchasing users minus the base
 * world's (positive: a cost), tickets_caused the base world's support
 * contacts minus the fixed world's; sessions_affected and users_affected
 * count the units that met it in the base world.  Three checks ride along:
 * sessions_changed (whose events differ between the worlds),
 * outcome_changed (whose purchase, revenue or contacts differ) and
 * changed_unaffected (sessions that changed without meeting it: always 0).
 * A first row, role "world", holds the base world's totals.  For slow
 * items the detail is jfriction's "p75 N.NNs" of the base world's loads.
 * Effects are whole-world differences, interactions included: fixing a
 * cart cause lets more sessions reach the payment error, so its
 * tickets_caused can be a little below 0, and fixing all five together
 * gains more than the sum of the five.  bench/shopsim-check recomputes
 * every row from the logs of the fixed worlds.
 */

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS		86400000LL
#define MAX_SESS_EV	256	/* a session has fewer than 120 events */
#define N_PRODUCTS	2000

enum device { DEV_MOBILE, DEV_DESKTOP, DEV_TABLET };

static const char *const devices[] = { "mobile", "desktop", "tablet" };
static const int device_cum[] = { 550, 930, 1000 };	/* thousandths */
static const char *const countries[] = {
	"US", "GB", "DE", "FR", "ES", "IT", "NL", "CA"
};
static const int country_cum[] = { 400, 550, 680, 780, 850, 910, 960, 1000 };

enum event {
	E_PAGE_VIEW, E_VIEW_ITEM, E_SEARCH, E_CLICK, E_ADD_TO_CART,
	E_BEGIN_CHECKOUT, E_FORM_START, E_FORM_SUBMIT, E_ERROR, E_SUPPORT,
	E_PURCHASE
};

static const char *const event_names[] = {
	"page_view", "view_item", "search", "click", "add_to_cart",
	"begin_checkout", "form_start", "form_submit", "error",
	"support_contact", "purchase"
};

enum page {
	P_HOME, P_CATEGORY, P_SEARCH, P_PRODUCT, P_SIZE_GUIDE, P_CART,
	P_ADDRESS, P_SHIPPING, P_PAYMENT, P_COMPLETE, P_HELP
};

static const char *const page_paths[] = {
	"/", "/category/", "/search", "/product/", "/size-guide", "/cart",
	"/checkout/address", "/checkout/shipping", "/checkout/payment",
	"/checkout/complete", "/help/contact"
};

static const char *const categories[] = {
	"shoes", "shirts", "jackets", "jeans", "bags", "watches", "hats",
	"socks"
};

enum target {
	T_NONE, T_NAV, T_FILTER, T_GALLERY, T_ADD, T_QTY, T_COUPON,
	T_CHECKOUT, T_PAY, T_NEWSLETTER_FORM, T_ADDRESS_FORM
};

static const char *const target_names[] = {
	"", "nav-menu", "filter", "image-gallery", "add-to-cart-button",
	"qty-stepper", "coupon-apply", "checkout-button", "pay-button",
	"newsletter-form", "address-form"
};

enum message { M_NONE, M_PROMO, M_PAYMENT, M_REVIEWS, M_PIXEL };

static const char *const messages[] = {
	"", "promo code expired", "payment failed: gateway timeout",
	"reviews widget failed to load", "tracking pixel blocked"
};

enum topic { O_NONE, O_PAYMENT, O_PROMO, O_DELIVERY, O_RETURNS, O_ACCOUNT };

static const char *const topics[] = {
	"", "payment", "promotions", "delivery", "returns", "account"
};

/* Causes first, then look-alikes; a bit each in a world's `off` mask. */
enum item {
	F_PROMO, F_QTY, F_ADDRESS, F_SLOW_SHIP, F_PAYMENT,
	F_SLOW_SEARCH, F_REVIEWS, F_PIXEL, F_NEWSLETTER, F_SIZE_LOOP,
	F_GALLERY, N_ITEMS
};
#define N_CAUSES	5

struct item_info {
	const char	*name;
	const char	*kind;
	const char	*touchpoint;
	const char	*detail;	/* NULL: p75 of the touchpoint */
	const char	*symptoms;	/* what else it shows as, ';' apart */
};

static const struct item_info items[N_ITEMS] = {
	{ "promo_expired", "error", "/cart", "promo code expired",
	    "exit /cart; support_contact topic promotions" },
	{ "qty_stepper", "rage_click", "/cart", "qty-stepper",
	    "exit /cart" },
	{ "address_form", "form_abandon", "/checkout/address", "address-form",
	    "exit /checkout/address" },
	{ "slow_shipping", "slow", "/checkout/shipping", NULL,
	    "exit /checkout/shipping" },
	{ "payment_error", "error", "/checkout/payment",
	    "payment failed: gateway timeout",
	    "rage_click /checkout/payment pay-button; "
	    "dead_end /checkout/payment; exit /checkout/payment; "
	    "support_contact topic payment" },
	{ "slow_search", "slow", "/search", NULL, "" },
	{ "reviews_error", "error", "/product/:id",
	    "reviews widget failed to load", "" },
	{ "pixel_error", "error", "/checkout/shipping",
	    "tracking pixel blocked", "" },
	{ "newsletter_form", "form_abandon", "/", "newsletter-form", "" },
	{ "size_guide_loop", "loop", "/size-guide", "3+ visits", "" },
	{ "gallery_rage", "rage_click", "/product/:id", "image-gallery", "" },
};

/*
 * Draw sites: each random choice of a session has its own, so that no
 * draw depends on how many were made before it.  Per-product draws add the
 * product's index in the session.
 */
enum site {
	D_DEVICE, D_COUNTRY, D_NSESS, D_START,
	D_LAND, D_HOME_LOAD, D_HOME_EXIT, D_HOME_DT, D_NL, D_NL_SUBMIT,
	D_NL_DT, D_CAT, D_CAT_LOAD, D_CAT_FILTER, D_CAT_EXIT, D_CAT_DT,
	D_SEARCH, D_SEARCH_LOAD, D_SEARCH_SLOW, D_SEARCH_SLOW_LOAD,
	D_MORE, D_BACK, D_PROD, D_PROD_LOAD, D_PROD_DT, D_REV, D_GAL,
	D_GAL_N, D_GAL_DT, D_SIZE, D_SIZE_DT, D_ADD, D_CART_VALUE,
	D_CART_LOAD, D_CART_DT, D_QTY, D_QTY_N, D_QTY_DT, D_QTY_AB,
	D_PROMO, D_PROMO_AB, D_PROMO_TICKET, D_CART_GO,
	D_ADDR_LOAD, D_ADDR_LEAVE, D_ADDR_DT, D_ADDR_BUG, D_ADDR_AB,
	D_SHIP_LOAD, D_SHIP_SLOW, D_SHIP_SLOW_LOAD, D_SHIP_AB, D_PIXEL,
	D_SHIP_LEAVE, D_SHIP_DT,
	D_PAY_LOAD, D_PAY_LEAVE, D_PAY_DT, D_PAY_ERR, D_PAY_RAGE,
	D_PAY_RAGE_N, D_PAY_AB, D_PAY_TICKET, D_PAY_TICKET2, D_PAY_3DS,
	D_DONE_DT, D_SUPPORT, D_TOPIC, D_HELP_DT
};

struct ev {
	int64_t		ts;		/* ms since the epoch */
	uint32_t	order;		/* creation order: ties in ts */
	uint32_t	user;
	uint32_t	sess;		/* global session number */
	uint32_t	pageid;		/* product number, category index */
	uint32_t	load;		/* ms, 0 for none */
	uint32_t	revenue;	/* cents, 0 for none */
	uint8_t		type, page, target, message, topic;
	uint8_t		device, country;
};

/* One session being walked. */
struct sess {
	uint64_t	key;		/* hash of (seed, user, session) */
	uint32_t	user, sess;
	int		dev, country;
	int		page;		/* of the events added next */
	uint32_t	pageid;
	int64_t		t;		/* of the last event */
	uint32_t	cart;		/* cart value, cents */
	uint32_t	met;		/* items that acted on it, by bit */
	int		bought, tickets;
	uint32_t	revenue;
	int		nev;
	struct ev	ev[MAX_SESS_EV];	/* last: not cleared per session */
};

/* What one run of the world gives, per session and in total. */
struct outcome {
	uint64_t	hash;		/* of the session's events */
	uint32_t	met;
	uint32_t	user;
	uint32_t	revenue;	/* cents, 0 when nothing bought */
	uint8_t		tickets;
};

struct world {
	uint64_t	salt;
	uint32_t	users;
	int		maxsess;
	int		days;
	uint32_t	off;		/* fixed items, by bit */
	int		keep;		/* keep events for the log */
	struct ev	*ev;
	size_t		nev, capev;
	uint32_t	*loads[2];	/* /checkout/shipping, /search */
	size_t		nloads[2], caploads[2];
	struct outcome	*out;		/* per session */
	uint32_t	nsess;
	/* totals */
	int64_t		revenue;	/* cents */
	uint64_t	orders, buyers, tickets;
};

static int ndjson, nolog;
static char outbuf[1 << 16];
static size_t outpos;

static void
die(const char *msg)
{
	fprintf(stderr, "shopsim: %s\n", msg);
	exit(2);
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		die("out of memory");
	return p;
}

/* splitmix64's finalizer: a bijection that spreads every input bit. */
static uint64_t
mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
user_key(const struct world *w, uint32_t user)
{
	return mix(w->salt ^ mix(user));
}

/* Uniform in [0, 1) for (key, site, index): the same in every world. */
static double
draw_at(uint64_t key, int site, uint32_t k)
{
	uint64_t h = mix(key ^ mix(((uint64_t)site << 32) | k));

	return (double)(h >> 11) * 0x1.0p-53;
}

static double
U(const struct sess *s, int site)
{
	return draw_at(s->key, site, 0);
}

static double
UK(const struct sess *s, int site, uint32_t k)
{
	return draw_at(s->key, site, k);
}

/*
 * A log-normal value by Box-Muller from the draws of one site at indices
 * 2k and 2k+1.
 */
static double
lognormal_at(const struct sess *s, int site, uint32_t k, double median,
    double sigma)
{
	double u1 = 1.0 - UK(s, site, 2 * k), u2 = UK(s, site, 2 * k + 1);

	return median * exp(sigma * sqrt(-2.0 * log(u1)) *
	    cos(6.283185307179586 * u2));
}

/* Integer in [lo, hi] from a draw. */
static int64_t
span(double u, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(u * (double)(hi - lo + 1));
}

static int
pick(const int *cum, int n, double u)
{
	int i, r = (int)(u * 1000);

	for (i = 0; i < n - 1 && r >= cum[i]; i++)
		;
	return i;
}

/* Appends an event dt ms after the session's last, on its current page. */
static struct ev *
add(struct sess *s, int type, int64_t dt)
{
	struct ev *e;

	if (s->nev == MAX_SESS_EV)
		die("a session outgrew its buffer");
	e = &s->ev[s->nev++];
	memset(e, 0, sizeof(*e));
	s->t += dt;
	e->ts = s->t;
	e->user = s->user;
	e->sess = s->sess;
	e->type = (uint8_t)type;
	e->page = (uint8_t)s->page;
	e->pageid = s->pageid;
	e->device = (uint8_t)s->dev;
	e->country = (uint8_t)s->country;
	return e;
}

static void
view(struct sess *s, int page, uint32_t pageid, int64_t dt, double load)
{
	struct ev *e;

	s->page = page;
	s->pageid = pageid;
	if (load > 30000)
		load = 30000;
	e = add(s, E_PAGE_VIEW, dt);
	e->load = 1 + (uint32_t)load;
}

/* A normal page load: a bit slower on mobile networks. */
static double
load_at(const struct sess *s, int site, uint32_t k, double median)
{
	double f = s->dev == DEV_MOBILE ? 1.3 : 1.0;

	return f * lognormal_at(s, site, k, median, 0.35);
}

/* Think time before the next page: seconds to a couple of minutes. */
static int64_t
think(const struct sess *s, int site, uint32_t k)
{
	return span(UK(s, site, k), 3000, 90000);
}

/* n clicks on one target, each 150-700 ms after the last. */
static void
clicks(struct sess *s, int target, int n, int site, uint32_t k)
{
	int i;

	for (i = 0; i < n; i++)
		add(s, E_CLICK, span(UK(s, site, k * 16 + i), 150, 700))->
		    target = (uint8_t)target;
}

static int
fixed(const struct world *w, int item)
{
	return (w->off >> item) & 1;
}

static void
keep_load(struct world *w, int which, uint32_t load)
{
	if (w->nloads[which] == w->caploads[which]) {
		w->caploads[which] = w->caploads[which] ?
		    2 * w->caploads[which] : 4096;
		w->loads[which] = xrealloc(w->loads[which],
		    w->caploads[which] * sizeof(uint32_t));
	}
	w->loads[which][w->nloads[which]++] = load;
}

static void
contact(struct sess *s, int topic, int64_t dt)
{
	view(s, P_HELP, 0, dt, load_at(s, D_HELP_DT, 7, 700));
	add(s, E_SUPPORT, span(U(s, D_HELP_DT), 20000, 120000))->topic =
	    (uint8_t)topic;
	s->tickets++;
}

/* Rates by device: mobile, desktop, tablet. */
static const double home_exit[] = { 0.30, 0.22, 0.25 };
static const double nl_rate[] = { 0.06, 0.04, 0.05 };
static const double add_rate[] = { 0.20, 0.32, 0.26 };
static const double cart_go[] = { 0.55, 0.70, 0.62 };
static const double addr_leave[] = { 0.12, 0.07, 0.09 };
static const double ship_leave[] = { 0.08, 0.05, 0.06 };
static const double pay_leave[] = { 0.10, 0.06, 0.08 };
static const double rev_rate[] = { 0.08, 0.05, 0.06 };
static const double gal_rate[] = { 0.05, 0.03, 0.04 };
static const double cart_median[] = { 55, 75, 65 };
/* Causes meet mobile more: */
static const double qty_rate[] = { 0.12, 0.04, 0.08 };
static const double addr_rate[] = { 0.16, 0.06, 0.09 };
static const double ship_slow[] = { 0.40, 0.18, 0.28 };
static const double pay_err[] = { 0.20, 0.12, 0.15 };
/* Look-alikes too, or the reverse: */
static const double search_slow[] = { 0.60, 0.25, 0.40 };
static const double pixel_rate[] = { 0.06, 0.30, 0.10 };

/*
 * Walks one session from its landing page to where it ends, filling s.
 * Returns at the session's last page; support contacts that are not about
 * a cause are added by the caller.
 */
static void
walk(struct world *w, struct sess *s)
{
	int d = s->dev, i, n, k;
	uint32_t cat, prod = 0;
	double u, load;
	struct ev *e;

	/* Landing: home, a category, or a product from an ad. */
	u = U(s, D_LAND);
	cat = (uint32_t)(U(s, D_CAT) * U(s, D_CAT) * 8);
	if (u < 0.45) {
		view(s, P_HOME, 0, 0, load_at(s, D_HOME_LOAD, 0, 700));
		if (U(s, D_NL) < nl_rate[d]) {
			add(s, E_FORM_START, span(U(s, D_NL_DT), 3000,
			    15000))->target = T_NEWSLETTER_FORM;
			if (fixed(w, F_NEWSLETTER) ||
			    U(s, D_NL_SUBMIT) < 0.3)
				add(s, E_FORM_SUBMIT, span(UK(s, D_NL_DT, 1),
				    10000, 40000))->target =
				    T_NEWSLETTER_FORM;
			else
				s->met |= 1u << F_NEWSLETTER;
		}
		if (U(s, D_HOME_EXIT) < home_exit[d])
			return;
		add(s, E_CLICK, span(U(s, D_HOME_DT), 2000, 20000))->target =
		    T_NAV;
	}
	if (u < 0.75) {
		view(s, P_CATEGORY, cat, u < 0.45 ? 800 : 0,
		    load_at(s, D_CAT_LOAD, 0, 800));
		if (U(s, D_CAT_FILTER) < 0.25)
			add(s, E_CLICK, span(U(s, D_CAT_DT), 2000, 15000))->
			    target = T_FILTER;
		if (U(s, D_CAT_EXIT) < 0.18)
			return;
		if (U(s, D_SEARCH) < 0.25) {
			load = load_at(s, D_SEARCH_LOAD, 0, 900);
			if (U(s, D_SEARCH_SLOW) < search_slow[d] &&
			    !fixed(w, F_SLOW_SEARCH)) {
				load = 2100 + lognormal_at(s,
				    D_SEARCH_SLOW_LOAD, 0, 1800, 0.5);
				s->met |= 1u << F_SLOW_SEARCH;
			}
			view(s, P_SEARCH, 0, think(s, D_CAT_DT, 1), load);
			keep_load(w, 1, s->ev[s->nev - 1].load);
			add(s, E_SEARCH, span(UK(s, D_CAT_DT, 2), 2000, 9000));
		}
	}

	/* One to eight products, sometimes back to the category between. */
	for (n = 1; n < 8 && UK(s, D_MORE, (uint32_t)n) < 0.5; n++)
		;
	for (i = 0; i < n; i++) {
		if (i > 0 && UK(s, D_BACK, (uint32_t)i) < 0.3)
			view(s, P_CATEGORY, cat, think(s, D_PROD_DT,
			    (uint32_t)(100 + i)), load_at(s, D_CAT_LOAD,
			    (uint32_t)i, 800));
		u = UK(s, D_PROD, (uint32_t)i);
		prod = 1 + (uint32_t)(u * u * u * N_PRODUCTS);
		view(s, P_PRODUCT, prod, s->nev == 0 ? 0 :
		    think(s, D_PROD_DT, (uint32_t)i), load_at(s, D_PROD_LOAD,
		    (uint32_t)i, 900));
		add(s, E_VIEW_ITEM, span(UK(s, D_PROD_DT, (uint32_t)(200 + i)),
		    5, 60));
		if (UK(s, D_REV, (uint32_t)i) < rev_rate[d] &&
		    !fixed(w, F_REVIEWS)) {
			e = add(s, E_ERROR, span(UK(s, D_PROD_DT,
			    (uint32_t)(300 + i)), 200, 3000));
			e->message = M_REVIEWS;
			s->met |= 1u << F_REVIEWS;
		}
		if (UK(s, D_GAL, (uint32_t)i) < gal_rate[d]) {
			/* Flicking through the photos, fast. */
			add(s, E_CLICK, span(UK(s, D_GAL_DT, (uint32_t)i),
			    3000, 20000))->target = T_GALLERY;
			if (!fixed(w, F_GALLERY)) {
				k = 2 + (int)(UK(s, D_GAL_N, (uint32_t)i) * 4);
				clicks(s, T_GALLERY, k, D_GAL_DT,
				    (uint32_t)(i + 1));
				s->met |= 1u << F_GALLERY;
			}
		}
		if (i == 0 && U(s, D_SIZE) < 0.04 &&
		    !fixed(w, F_SIZE_LOOP)) {
			/* Back and forth to the size guide, three times. */
			for (k = 0; k < 3; k++) {
				view(s, P_SIZE_GUIDE, 0, span(UK(s, D_SIZE_DT,
				    (uint32_t)k), 4000, 20000), 600);
				view(s, P_PRODUCT, prod, span(UK(s, D_SIZE_DT,
				    (uint32_t)(10 + k)), 4000, 20000), 500);
			}
			s->met |= 1u << F_SIZE_LOOP;
		}
	}
	if (U(s, D_ADD) >= add_rate[d])
		return;
	add(s, E_CLICK, think(s, D_CART_DT, 0))->target = T_ADD;
	add(s, E_ADD_TO_CART, span(U(s, D_CART_DT), 20, 300));
	s->cart = 500 + (uint32_t)(100 * lognormal_at(s, D_CART_VALUE, 0,
	    cart_median[d], 0.6));

	/* The cart: the quantity stepper, then the promo code. */
	view(s, P_CART, 0, span(UK(s, D_CART_DT, 1), 500, 3000),
	    load_at(s, D_CART_LOAD, 0, 800));
	if (U(s, D_QTY) < qty_rate[d]) {
		add(s, E_CLICK, span(UK(s, D_QTY_DT, 0), 2000, 10000))->
		    target = T_QTY;
		if (!fixed(w, F_QTY)) {
			s->met |= 1u << F_QTY;
			clicks(s, T_QTY, 3 + (int)(U(s, D_QTY_N) * 4),
			    D_QTY_DT, 1);
			if (U(s, D_QTY_AB) < 0.30)
				return;
		}
	}
	if (U(s, D_PROMO) < 0.18) {
		add(s, E_CLICK, span(UK(s, D_CART_DT, 2), 3000, 20000))->
		    target = T_COUPON;
		if (!fixed(w, F_PROMO)) {
			s->met |= 1u << F_PROMO;
			add(s, E_ERROR, span(UK(s, D_CART_DT, 3), 200,
			    1500))->message = M_PROMO;
			if (U(s, D_PROMO_AB) < 0.22) {
				if (U(s, D_PROMO_TICKET) < 0.12)
					contact(s, O_PROMO, think(s,
					    D_CART_DT, 4));
				return;
			}
		}
	}
	if (U(s, D_CART_GO) >= cart_go[d])
		return;
	add(s, E_CLICK, span(UK(s, D_CART_DT, 5), 3000, 30000))->target =
	    T_CHECKOUT;

	/* Address. */
	view(s, P_ADDRESS, 0, span(UK(s, D_ADDR_DT, 0), 500, 3000),
	    load_at(s, D_ADDR_LOAD, 0, 1000));
	add(s, E_BEGIN_CHECKOUT, span(UK(s, D_ADDR_DT, 1), 10, 200));
	if (U(s, D_ADDR_LEAVE) < addr_leave[d])
		return;
	add(s, E_FORM_START, span(UK(s, D_ADDR_DT, 2), 2000, 8000))->target =
	    T_ADDRESS_FORM;
	if (U(s, D_ADDR_BUG) < addr_rate[d] && !fixed(w, F_ADDRESS)) {
		/* The postcode is refused; retyping it takes a while. */
		s->met |= 1u << F_ADDRESS;
		s->t += span(UK(s, D_ADDR_DT, 3), 40000, 150000);
		if (U(s, D_ADDR_AB) < 0.35)
			return;
	}
	add(s, E_FORM_SUBMIT, span(UK(s, D_ADDR_DT, 4), 20000, 60000))->
	    target = T_ADDRESS_FORM;

	/* Shipping. */
	load = load_at(s, D_SHIP_LOAD, 0, 900);
	if (U(s, D_SHIP_SLOW) < ship_slow[d] && !fixed(w, F_SLOW_SHIP)) {
		s->met |= 1u << F_SLOW_SHIP;
		load = 2100 + lognormal_at(s, D_SHIP_SLOW_LOAD, 0, 2000, 0.5);
	}
	view(s, P_SHIPPING, 0, span(UK(s, D_SHIP_DT, 0), 300, 2000), load);
	keep_load(w, 0, s->ev[s->nev - 1].load);
	if ((s->met >> F_SLOW_SHIP & 1) && U(s, D_SHIP_AB) < 0.22)
		return;
	if (U(s, D_PIXEL) < pixel_rate[d] && !fixed(w, F_PIXEL)) {
		s->met |= 1u << F_PIXEL;
		add(s, E_ERROR, span(UK(s, D_SHIP_DT, 1), 100, 900))->message =
		    M_PIXEL;
	}
	if (U(s, D_SHIP_LEAVE) < ship_leave[d])
		return;

	/* Payment. */
	view(s, P_PAYMENT, 0, span(UK(s, D_SHIP_DT, 2), 8000, 40000),
	    load_at(s, D_PAY_LOAD, 0, 900));
	if (U(s, D_PAY_LEAVE) < pay_leave[d])
		return;
	add(s, E_CLICK, span(UK(s, D_PAY_DT, 0), 15000, 60000))->target =
	    T_PAY;
	if (U(s, D_PAY_ERR) < pay_err[d] && !fixed(w, F_PAYMENT)) {
		s->met |= 1u << F_PAYMENT;
		add(s, E_ERROR, span(UK(s, D_PAY_DT, 1), 1000, 4000))->message =
		    M_PAYMENT;
		if (U(s, D_PAY_RAGE) < 0.5)
			clicks(s, T_PAY, 3 + (int)(U(s, D_PAY_RAGE_N) * 4),
			    D_PAY_DT, 2);
		if (U(s, D_PAY_AB) < 0.60) {
			if (U(s, D_PAY_TICKET) < 0.35)
				contact(s, O_PAYMENT, think(s, D_PAY_DT, 3));
			return;
		}
		add(s, E_CLICK, span(UK(s, D_PAY_DT, 4), 5000, 20000))->
		    target = T_PAY;
	}
	/* The bank's 3-D Secure check loses a few, error or not. */
	if (U(s, D_PAY_3DS) < 0.04)
		return;
	view(s, P_COMPLETE, 0, span(U(s, D_DONE_DT), 1000, 4000),
	    load_at(s, D_DONE_DT, 1, 700));
	add(s, E_PURCHASE, span(UK(s, D_DONE_DT, 5), 5, 500))->revenue =
	    s->cart;
	s->bought = 1;
	s->revenue = s->cart;
	if ((s->met >> F_PAYMENT & 1) && U(s, D_PAY_TICKET2) < 0.06)
		contact(s, O_PAYMENT, think(s, D_PAY_DT, 5));
}

/* FNV-1a over the bytes of the session's events that the log shows. */
static uint64_t
hash_events(const struct sess *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const struct ev *e;
	unsigned char b[32];
	int i;
	size_t j;

	for (i = 0; i < s->nev; i++) {
		e = &s->ev[i];
		memcpy(b, &e->ts, 8);
		memcpy(b + 8, &e->pageid, 4);
		memcpy(b + 12, &e->load, 4);
		memcpy(b + 16, &e->revenue, 4);
		b[20] = e->type;
		b[21] = e->page;
		b[22] = e->target;
		b[23] = e->message;
		b[24] = e->topic;
		for (j = 0; j < 25; j++)
			h = (h ^ b[j]) * 0x100000001b3ULL;
	}
	return h;
}

/* Sessions of a user: 1 with chance 1/2, 2 with 1/4 ..., at most max. */
static int
user_sessions(const struct world *w, uint64_t ukey)
{
	double u = draw_at(ukey, D_NSESS, 0);
	int n = 1;

	while (n < w->maxsess && u >= 0.5) {
		u = (u - 0.5) * 2;
		n++;
	}
	return n;
}

/*
 * Runs the world: every user's sessions, in user order.  Fills w->out per
 * session and the totals; with w->keep, the events too.
 */
static void
run(struct world *w)
{
	static struct sess s;
	uint64_t ukey;
	uint32_t u, sid = 0, order = 0;
	int64_t start, slot;
	int i, j, n, dev, country, bought;
	size_t need;

	start = (int64_t)20727 * DAY_MS;	/* 2026-10-01 */
	w->revenue = 0;
	w->orders = w->buyers = w->tickets = 0;
	w->nev = 0;
	w->nloads[0] = w->nloads[1] = 0;
	for (u = 0; u < w->users; u++) {
		ukey = user_key(w, u);
		dev = pick(device_cum, 3, draw_at(ukey, D_DEVICE, 0));
		country = pick(country_cum, 8, draw_at(ukey, D_COUNTRY, 0));
		n = user_sessions(w, ukey);
		/*
		 * The period is cut into n slots; a session starts in the
		 * first part of its slot, so it ends (well under two hours
		 * later) before the next can start, whatever happens in it.
		 */
		slot = (int64_t)w->days * DAY_MS / n;
		bought = 0;
		for (j = 0; j < n; j++) {
			memset(&s, 0, offsetof(struct sess, ev));
			s.key = mix(ukey ^ mix(0x5e55000000000000ULL |
			    (uint64_t)j));
			s.user = u;
			s.sess = sid;
			s.dev = dev;
			s.country = country;
			s.nev = 0;
			s.t = start + j * slot + span(draw_at(ukey, D_START,
			    (uint32_t)j), 0, slot - 3 * 3600000LL);
			walk(w, &s);
			if (U(&s, D_SUPPORT) < 0.012) {
				double t = U(&s, D_TOPIC);

				contact(&s, t < 0.1 ? O_PAYMENT : t < 0.5 ?
				    O_DELIVERY : t < 0.8 ? O_RETURNS :
				    O_ACCOUNT, think(&s, D_HELP_DT, 1));
			}
			if (sid == w->nsess) {
				w->out = xrealloc(w->out, (size_t)(sid + 1) *
				    sizeof(*w->out));
				w->nsess = sid + 1;
			}
			w->out[sid].hash = hash_events(&s);
			w->out[sid].met = s.met;
			w->out[sid].user = u;
			w->out[sid].revenue = s.revenue;
			w->out[sid].tickets = (uint8_t)s.tickets;
			w->revenue += s.revenue;
			w->orders += (uint64_t)s.bought;
			w->tickets += (uint64_t)s.tickets;
			bought |= s.bought;
			if (w->keep) {
				need = w->nev + (size_t)s.nev;
				if (need > w->capev) {
					w->capev = need > 2 * w->capev ?
					    need : 2 * w->capev;
					w->ev = xrealloc(w->ev, w->capev *
					    sizeof(*w->ev));
				}
				for (i = 0; i < s.nev; i++) {
					s.ev[i].order = order++;
					w->ev[w->nev++] = s.ev[i];
				}
			}
			sid++;
		}
		w->buyers += (uint64_t)bought;
	}
	if (sid != w->nsess)
		die("session count changed between worlds");
}

/* ---- the log ---- */

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

static void
put_2(int v)
{
	outbuf[outpos++] = (char)('0' + v / 10);
	outbuf[outpos++] = (char)('0' + v % 10);
}

/* u00000042: zero-padded like the ids of a user table. */
static void
put_user(uint32_t v)
{
	int i;

	outbuf[outpos++] = 'u';
	for (i = 7; i >= 0; i--) {
		outbuf[outpos + i] = (char)('0' + v % 10);
		v /= 10;
	}
	outpos += 8;
}

/* Session ids look random yet stay unique: an invertible 48-bit mix. */
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
put_time(int64_t ms)
{
	int64_t day = ms / DAY_MS;
	int y, m, d, rest;

	civil_from_days(day, &y, &m, &d);
	put_u32((uint32_t)y);
	outbuf[outpos++] = '-';
	put_2(m);
	outbuf[outpos++] = '-';
	put_2(d);
	outbuf[outpos++] = 'T';
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
	if (e->page == P_CATEGORY)
		put_str(categories[e->pageid]);
	else if (e->page == P_PRODUCT)
		put_u32(e->pageid);
}

static void
put_revenue(uint32_t cents)
{
	put_u32(cents / 100);
	outbuf[outpos++] = '.';
	put_2((int)(cents % 100));
}

/* No value holds a comma, a quote or a newline: none needs quoting. */
static void
write_csv(const struct ev *e)
{
	put_user(e->user);
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
	put_str(devices[e->device]);
	outbuf[outpos++] = ',';
	put_str(countries[e->country]);
	outbuf[outpos++] = ',';
	put_str(target_names[e->target]);
	outbuf[outpos++] = ',';
	put_str(messages[e->message]);
	outbuf[outpos++] = ',';
	put_str(topics[e->topic]);
	outbuf[outpos++] = '\n';
}

static void
put_json_field(const char *name, const char *value)
{
	if (*value == '\0')
		return;
	put_str(",\"");
	put_str(name);
	put_str("\":\"");
	put_str(value);
	outbuf[outpos++] = '"';
}

static void
write_ndjson(const struct ev *e)
{
	put_str("{\"user_id\":\"");
	put_user(e->user);
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
	put_json_field("device", devices[e->device]);
	put_json_field("country", countries[e->country]);
	put_json_field("target", target_names[e->target]);
	put_json_field("message", messages[e->message]);
	put_json_field("topic", topics[e->topic]);
	put_str("}\n");
}

static int
ev_cmp(const void *pa, const void *pb)
{
	const struct ev *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Sorts by time (creation order breaks ties: a total order) and writes. */
static void
write_log(struct world *w)
{
	size_t i;

	qsort(w->ev, w->nev, sizeof(*w->ev), ev_cmp);
	if (!ndjson)
		put_str("user_id,session_id,timestamp,event,page,"
		    "load_time_ms,revenue,device,country,target,message,"
		    "topic\n");
	for (i = 0; i < w->nev; i++) {
		if (outpos > sizeof(outbuf) - 512)
			flush_out();
		if (ndjson)
			write_ndjson(&w->ev[i]);
		else
			write_csv(&w->ev[i]);
	}
	flush_out();
}

/* ---- the truth ---- */

static int
u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

/* p75 as jfriction computes it: linear between closest ranks, in s. */
static double
p75(uint32_t *v, size_t n)
{
	double rank, r;
	size_t a;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), u32_cmp);
	rank = 0.75 * (double)(n - 1);
	a = (size_t)rank;
	r = v[a];
	if (a + 1 < n)
		r += (rank - (double)a) * ((double)v[a + 1] - r);
	return r / 1000;
}

static void
fprint_money(FILE *fp, int64_t cents)
{
	if (cents < 0) {
		fputc('-', fp);
		cents = -cents;
	}
	fprintf(fp, "%lld.%02lld", (long long)(cents / 100),
	    (long long)(cents % 100));
}

/*
 * Writes the truth table of the base world w (already run) to path: one
 * more run per item with it fixed as well.
 */
static void
write_truth(struct world *w, const char *path)
{
	struct world f;
	FILE *fp;
	char detail[64];
	double p[2];
	uint64_t sessions, users, changed, outcome, outside;
	uint32_t i, last;
	int it;

	p[0] = p75(w->loads[0], w->nloads[0]);
	p[1] = p75(w->loads[1], w->nloads[1]);
	if ((fp = fopen(path, "w")) == NULL) {
		fprintf(stderr, "shopsim: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	fputs("name,role,kind,touchpoint,detail,sessions_affected,"
	    "users_affected,revenue_lost,orders_lost,buyers_lost,"
	    "tickets_caused,sessions_changed,outcome_changed,"
	    "changed_unaffected,symptoms\n", fp);
	fprintf(fp, "world,world,,,,%u,%u,", w->nsess, w->users);
	fprint_money(fp, w->revenue);
	fprintf(fp, ",%llu,%llu,%llu,0,0,0,\n", (unsigned long long)w->orders,
	    (unsigned long long)w->buyers, (unsigned long long)w->tickets);
	memset(&f, 0, sizeof(f));
	for (it = 0; it < N_ITEMS; it++) {
		if (fixed(w, it))
			continue;
		f.salt = w->salt;
		f.users = w->users;
		f.maxsess = w->maxsess;
		f.days = w->days;
		f.off = w->off | 1u << it;
		f.keep = 0;
		run(&f);
		sessions = users = changed = outcome = outside = 0;
		last = UINT32_MAX;
		for (i = 0; i < w->nsess; i++) {
			const struct outcome *a = &w->out[i], *b = &f.out[i];

			if (a->met >> it & 1) {
				sessions++;
				/* A user's sessions are consecutive. */
				if (a->user != last)
					users++;
				last = a->user;
			}
			if (a->hash != b->hash) {
				changed++;
				if (!(a->met >> it & 1))
					outside++;
			}
			if (a->revenue != b->revenue ||
			    a->tickets != b->tickets)
				outcome++;
		}
		if (items[it].detail == NULL)
			snprintf(detail, sizeof(detail), "p75 %.2fs",
			    p[it == F_SLOW_SHIP ? 0 : 1]);
		else
			snprintf(detail, sizeof(detail), "%s",
			    items[it].detail);
		fprintf(fp, "%s,%s,%s,%s,%s,", items[it].name,
		    it < N_CAUSES ? "cause" : "lookalike", items[it].kind,
		    items[it].touchpoint, detail);
		fprintf(fp, "%llu,%llu,", (unsigned long long)sessions,
		    (unsigned long long)users);
		fprint_money(fp, f.revenue - w->revenue);
		fprintf(fp, ",%lld,%lld,%lld,%llu,%llu,%llu,%s\n",
		    (long long)f.orders - (long long)w->orders,
		    (long long)f.buyers - (long long)w->buyers,
		    (long long)w->tickets - (long long)f.tickets,
		    (unsigned long long)changed, (unsigned long long)outcome,
		    (unsigned long long)outside, items[it].symptoms);
	}
	free(f.out);
	free(f.loads[0]);
	free(f.loads[1]);
	if (fclose(fp) != 0) {
		fprintf(stderr, "shopsim: %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

/* ---- main ---- */

static void
usage(FILE *fp, int status)
{
	int i;

	fputs("usage: shopsim [-n USERS] [-s SEED] [-k SESSIONS] [-d DAYS]\n"
	    "               [-f csv|ndjson|none] [--fix NAME]... "
	    "[--truth FILE]\n"
	    "Causes and look-alikes for --fix:", fp);
	for (i = 0; i < N_ITEMS; i++)
		fprintf(fp, " %s", items[i].name);
	fputc('\n', fp);
	exit(status);
}

static unsigned long long
number(const char *opt, const char *s, unsigned long long lo,
    unsigned long long hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v < lo ||
	    v > hi) {
		fprintf(stderr, "shopsim: bad %s '%s'\n", opt, s);
		exit(2);
	}
	return v;
}

/* The argument of option argv[*i]: "--opt=ARG" or the next word. */
static const char *
arg(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 >= argc) {
		fprintf(stderr, "shopsim: %s needs an argument\n", name);
		exit(2);
	}
	return argv[++*i];
}

static int
is_opt(const char *a, const char *name)
{
	size_t n = strlen(name);

	return strncmp(a, name, n) == 0 && (a[n] == '\0' ||
	    (name[1] == '-' && a[n] == '='));
}

int
main(int argc, char **argv)
{
	static struct world w;
	unsigned long long seed = 1;
	const char *truth = NULL, *a;
	int i, j;

	w.users = 80000;
	w.maxsess = 4;
	w.days = 30;
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (is_opt(a, "-h") || is_opt(a, "--help"))
			usage(stdout, 0);
		else if (is_opt(a, "-n"))
			w.users = (uint32_t)number("-n", arg(argc, argv, &i,
			    "-n"), 1, 50000000);
		else if (is_opt(a, "-s"))
			seed = number("-s", arg(argc, argv, &i, "-s"), 0,
			    UINT64_MAX);
		else if (is_opt(a, "-k"))
			w.maxsess = (int)number("-k", arg(argc, argv, &i,
			    "-k"), 1, 20);
		else if (is_opt(a, "-d"))
			w.days = (int)number("-d", arg(argc, argv, &i, "-d"),
			    1, 3650);
		else if (is_opt(a, "-f")) {
			a = arg(argc, argv, &i, "-f");
			if (strcmp(a, "ndjson") == 0)
				ndjson = 1;
			else if (strcmp(a, "none") == 0)
				nolog = 1;
			else if (strcmp(a, "csv") != 0) {
				fprintf(stderr, "shopsim: bad format '%s'\n",
				    a);
				exit(2);
			}
		} else if (is_opt(a, "--fix")) {
			a = arg(argc, argv, &i, "--fix");
			for (j = 0; j < N_ITEMS; j++)
				if (strcmp(a, items[j].name) == 0)
					break;
			if (j == N_ITEMS) {
				fprintf(stderr, "shopsim: no cause or "
				    "look-alike named '%s'\n", a);
				usage(stderr, 2);
			}
			w.off |= 1u << j;
		} else if (is_opt(a, "--truth"))
			truth = arg(argc, argv, &i, "--truth");
		else
			usage(stderr, 2);
	}
	if ((int64_t)w.days * 24 < 4LL * w.maxsess) {
		/* Each session needs a slot of 4 hours or more. */
		fprintf(stderr, "shopsim: %d sessions do not fit in %d days\n",
		    w.maxsess, w.days);
		exit(2);
	}
	w.salt = mix(seed ^ 0x73686f7073696dULL);
	w.keep = !nolog;
	run(&w);
	if (truth != NULL)
		write_truth(&w, truth);
	if (!nolog)
		write_log(&w);
	free(w.ev);
	free(w.out);
	free(w.loads[0]);
	free(w.loads[1]);
	if (fclose(stdout) != 0)
		die("write error");
	return 0;
}
