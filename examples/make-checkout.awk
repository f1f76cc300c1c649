# Generates examples/checkout.csv: a small shop log with friction planted
# on purpose, one problem of each kind jfriction detects, each on its own
# users (n is the user number, 1 to 600; b = n % 20 picks the plant):
#
#   plant           where                         users        lost buyers
#   error+dead_end  card_declined at /payment     b in 0-2        all 90
#   form_abandon    address-form at /checkout     b in 3-4        all 60
#   loop            /shipping <-> /delivery, 3x   b == 8          all 30
#   exit            /pricing, then gone           n % 40 == 9     all 15
#   rage_click      apply-coupon at /cart, 4x     b in 5-7        60 of 90
#   slow            /shipping loads in 4.5 s      b in 10-17      none
#   repeat_contact  refund, twice in 3 days       b in 18-19      none
#
# Everyone else views a product, adds it to the cart, checks out and buys
# for 50.00.  The buyers each plant loses are therefore known: error (90)
# > form (60) > rage_click (60 of 90 hit) > loop (30) > exit (15), and
# jfriction | jscore must rank them in that order
# (tests/cli/jscore/022-planted-order).
# Deterministic: awk -f make-checkout.awk > checkout.csv
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
		b = n % 20
		t = (n % 6) * 86400 + n * 97
		sess = 1
		view("/", 800)
		if (n % 40 == 9) {
			view("/pricing", 900)
			continue
		}
		view("/p/" (n % 20), 1200)
		ev("view_item", "/p/" (n % 20), "", "", "", "")
		ev("add_to_cart", "/p/" (n % 20), "", "", "", "")
		view("/cart", 700)
		if (b >= 5 && b <= 7) {
			for (k = 0; k < 4; k++) {
				ev("click", "/cart", "", "", "apply-coupon", "")
				t -= 19.6
			}
			if (b == 6 || b == 7)
				continue
		}
		view("/shipping", b >= 10 && b <= 17 ? 4500 : 900)
		if (b == 8) {
			view("/delivery", 900)
			view("/shipping", 900)
			view("/delivery", 900)
			view("/shipping", 900)
			continue
		}
		view("/checkout", 1000)
		ev("form_start", "/checkout", "", "", "address-form", "")
		if (b == 3 || b == 4)
			continue
		ev("form_submit", "/checkout", "", "", "address-form", "")
		view("/payment", 1100)
		if (b <= 2) {
			ev("error", "/payment", "", "", "", "card_declined")
			continue
		}
		ev("purchase", "/payment", "", "50.00", "", "")
		if (b == 18 || b == 19) {
			sess = 2
			t += 86400
			ev("support_contact", "/help", "", "", "refund", "")
			sess = 3
			t += 2 * 86400
			ev("support_contact", "/help", "", "", "refund", "")
		}
	}
}
