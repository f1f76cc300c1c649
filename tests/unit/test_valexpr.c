/*
 * Tests of --value texts: one field, a product, a sum, blanks around the
 * operands, the exact name winning when the record has it, texts that
 * are names only, and the events that have no value (an absent or
 * non-numeric operand, an overflow).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/record.h"
#include "journey/valexpr.h"

static struct jn_schema schema;
static struct jn_record rec;

/* Set the field name to value (NULL: absent) in rec. */
static void
put(const char *name, const char *value)
{
	int slot = jn_schema_field(&schema, name);

	assert_true(slot >= 0);
	rec.vals[slot].ptr = value;
	rec.vals[slot].len = value ? strlen(value) : 0;
}

static struct jn_valexpr
expr(const char *text)
{
	struct jn_valexpr e;

	assert_int_equal(jn_valexpr_init(&e, &schema, text), 0);
	return e;
}

/* e's value in rec, or -1e300 when it has none. */
static double
get(const struct jn_valexpr *e)
{
	double d;

	return jn_valexpr_get(e, &rec, &d) == 0 ? d : -1e300;
}

static int
setup(void **state)
{
	(void)state;
	jn_schema_init(&schema);
	memset(&rec, 0, sizeof rec);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	jn_schema_release(&schema);
	return 0;
}

static void
test_field(void **state)
{
	struct jn_valexpr e = expr("revenue");

	(void)state;
	assert_int_equal(e.op, 0);
	assert_int_equal(e.lhs, -1);
	put("revenue", "19.90");
	assert_true(get(&e) == 19.9);
	put("revenue", " 19.90");
	assert_true(get(&e) == -1e300);
	put("revenue", "");
	assert_true(get(&e) == -1e300);
	put("revenue", NULL);
	assert_true(get(&e) == -1e300);
}

static void
test_product_and_sum(void **state)
{
	struct jn_valexpr p = expr("Quantity*UnitPrice");
	struct jn_valexpr s = expr(" net +\ttax ");
	struct jn_valexpr q = expr("properties.qty * items.0.price");

	(void)state;
	assert_int_equal(p.op, '*');
	assert_int_equal(s.op, '+');
	/* the operands are ordinary fields of the schema */
	assert_int_equal(p.lhs, jn_schema_field(&schema, "Quantity"));
	assert_int_equal(s.rhs, jn_schema_field(&schema, "tax"));
	assert_int_equal(q.lhs, jn_schema_field(&schema, "properties.qty"));
	put("Quantity", "6");
	put("UnitPrice", "2.55");
	assert_true(get(&p) == 6 * 2.55);
	put("net", "10");
	put("tax", "-2.5");
	assert_true(get(&s) == 7.5);
	put("properties.qty", "3");
	put("items.0.price", "1e2");
	assert_true(get(&q) == 300);
	/* an operand absent or not a number: no value */
	put("UnitPrice", NULL);
	assert_true(get(&p) == -1e300);
	put("UnitPrice", "x");
	assert_true(get(&p) == -1e300);
	put("UnitPrice", "");
	assert_true(get(&p) == -1e300);
	/* an overflow: no value */
	put("UnitPrice", "1e300");
	put("Quantity", "1e300");
	assert_true(get(&p) == -1e300);
	put("Quantity", "-1e300");
	assert_true(get(&p) == -1e300);
}

static void
test_exact_name_wins(void **state)
{
	struct jn_valexpr e = expr("a*b");

	(void)state;
	put("a", "2");
	put("b", "3");
	assert_true(get(&e) == 6);
	put("a*b", "7");
	assert_true(get(&e) == 7);
	/* present but not a number: no value, not the product */
	put("a*b", "");
	assert_true(get(&e) == -1e300);
	put("a*b", NULL);
	assert_true(get(&e) == 6);
}

static void
test_names_only(void **state)
{
	static const char *const names[] = {
		"a*b+c", "a**b", "*b", "a+", " + ", "a++b", "+",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof names / sizeof *names; i++) {
		struct jn_valexpr e = expr(names[i]);

		assert_int_equal(e.op, 0);
		assert_int_equal(e.lhs, -1);
		assert_int_equal(e.rhs, -1);
		assert_int_equal(e.slot, jn_schema_field(&schema, names[i]));
		put(names[i], "4");
		assert_true(get(&e) == 4);
	}
	/* a slot alone */
	{
		struct jn_valexpr e;

		jn_valexpr_slot(&e, jn_schema_field(&schema, "amount"));
		put("amount", "1.5");
		assert_true(get(&e) == 1.5);
	}
}

static void
test_schema_full(void **state)
{
	struct jn_valexpr e;
	char name[16];
	int i;

	(void)state;
	for (i = 0; schema.nslots < JN_MAX_SLOTS - 2; i++) {
		snprintf(name, sizeof name, "f%d", i);
		assert_true(jn_schema_field(&schema, name) >= 0);
	}
	/* the whole text and one operand fit, the other does not */
	assert_int_equal(jn_valexpr_init(&e, &schema, "x*y"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_product_and_sum, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exact_name_wins, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_names_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_schema_full, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
