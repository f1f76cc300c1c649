# Generates examples/checkout.csv: a small shop log with friction planted
# on purpose, one problem of each kind jfriction detects, each hitting its
# own users and costing them conversions:
#
#   slow            /shipping loads in 4.5 s     n % 5 != 4, 1 in 8 less buy
#   error+dead_end  card_declined at /payment    n % 7 == 0, none buy
#   rage_click      apply-coupon at /cart, 4x    n % 6 == 0, 2/3 buy
#   form_abandon    address-form at /checkout    n % 8 == 0, none buy
#   repeat_contact  refund, twice in 3 days      n % 9 == 0 (buyers)
#   loop            /cart <-> /shipping, 3 times n % 10 == 0, half buy
#   exit            /pricing, then gone          n % 11 == 0, none buy
#
# Everyone else views a product, adds it to the cart, checks out and buys
# (9 in 10) for 50.00.  Deterministic: awk -f make-checkout.awk > out.csv
function ts(t,   d, h, m, s) {
	d = int(t / 86400); t -= d * 86400
	h = int(t / 3600); t -= h * 3600
	m = int(t / 60); s = t - m * 60
	return sprintf("2026-10-%02dT%02d:%02d:%02dZ", d + 1, h, m, s)
}
function ev(name, page, load, rev, target, msg) {
	printf "u%04d,s%04d-%d,%s,%s,%s,%s,%s,%s,%s\n", n, n, sess, ts(t), \
	    name, page, load, rev, target, msg
	t += 20
}
function view(page, load) { ev("page_view", page, load, "", "", "") }
BEGIN {
	print "user_id,session_id,timestamp,event,page,load_time_ms,revenue,target,message"
	for (n = 1; n <= 600; n++) {
		t = (n % 6) * 86400 + n * 97
		sess = 1
		buy = (n % 10) != 3
		view("/", 800)
		if (n % 11 == 0) {
			view("/pricing", 900)
			continue
		}
		view("/p/" (n % 20), 1200)
		ev("view_item", "/p/" (n % 20), "", "", "", "")
		ev("add_to_cart", "/p/" (n % 20), "", "", "", "")
		view("/cart", 700)
		if (n % 6 == 0) {
			for (k = 0; k < 4; k++) {
				ev("click", "/cart", "", "", "apply-coupon", "")
				t -= 19.6
			}
			if (n % 18 == 0)
				buy = 0
		}
		if (n % 10 == 0) {
			view("/shipping", 900)
			view("/cart", 700)
			view("/shipping", 900)
			view("/cart", 700)
			if (n % 20 == 0)
				buy = 0
		}
		view("/shipping", n % 5 != 4 ? 4500 : 900)
		if (n % 5 != 4 && n % 8 == 5)
			buy = 0
		view("/checkout", 1000)
		ev("form_start", "/checkout", "", "", "address-form", "")
		if (n % 8 == 0)
			continue
		ev("form_submit", "/checkout", "", "", "address-form", "")
		view("/payment", 1100)
		if (n % 7 == 0) {
			ev("error", "/payment", "", "", "", "card_declined")
			continue
		}
		if (!buy)
			continue
		ev("purchase", "/payment", "", "50.00", "", "")
		if (n % 9 == 0) {
			sess = 2
			t += 86400
			ev("support_contact", "/help", "", "", "refund", "")
			sess = 3
			t += 2 * 86400
			ev("support_contact", "/help", "", "", "refund", "")
		}
	}
}
