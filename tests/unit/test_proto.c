/* Request parsing and parameter validation (lib/proto.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include "proto.h"

static int parse(const char *s, struct ls_req *rq, struct ls_err *e)
{
	memset(e, 0, sizeof(*e));
	return ls_req_parse(s, strlen(s), rq, e);
}

static void test_valid(void **st)
{
	struct ls_req rq;
	struct ls_err e;

	(void)st;
	assert_int_equal(parse("{\"method\":\"hist\",\"id\":\"x\",\"cpu\":1}", &rq, &e), 0);
	assert_string_equal(rq.method, "hist");
	assert_non_null(rq.id);
	assert_string_equal(json_object_get_string(rq.id), "x");
	ls_req_free(&rq);
}

static void expect_code(const char *line, const char *code)
{
	struct ls_req rq;
	struct ls_err e;

	assert_int_equal(parse(line, &rq, &e), -1);
	assert_non_null(e.code);
	assert_string_equal(e.code, code);
	assert_true(strlen(e.msg) > 0);
	ls_req_free(&rq);
}

static void test_malformed(void **st)
{
	(void)st;
	expect_code("", LS_E_PARSE);
	expect_code("hello", LS_E_PARSE);
	expect_code("{\"method\":", LS_E_PARSE);
	expect_code("{\"method\":\"a\"} {}", LS_E_PARSE);
	expect_code("[1,2]", LS_E_PARSE);
	expect_code("\"status\"", LS_E_PARSE);
	expect_code("{}", LS_E_BAD_REQUEST);
	expect_code("{\"method\":null}", LS_E_BAD_REQUEST);
	expect_code("{\"method\":[\"status\"]}", LS_E_BAD_REQUEST);
	/* embedded NUL: the length, not strlen, bounds parsing */
	{
		struct ls_req rq;
		struct ls_err e = { 0 };
		const char buf[] = "{\"method\":\"status\"}\0junk";

		assert_int_equal(ls_req_parse(buf, sizeof(buf) - 1, &rq, &e), -1);
		assert_string_equal(e.code, LS_E_PARSE);
		ls_req_free(&rq);
	}
}

static void test_id_kept_on_error(void **st)
{
	struct ls_req rq;
	struct ls_err e;

	(void)st;
	assert_int_equal(parse("{\"id\":9,\"method\":3}", &rq, &e), -1);
	assert_non_null(rq.id);
	assert_int_equal(json_object_get_int(rq.id), 9);
	ls_req_free(&rq);
}

static void test_too_large(void **st)
{
	size_t n = LS_PROTO_MAX_REQUEST + 10;
	char *big = malloc(n);
	struct ls_req rq;
	struct ls_err e = { 0 };

	(void)st;
	memset(big, ' ', n);
	assert_int_equal(ls_req_parse(big, n, &rq, &e), -1);
	assert_string_equal(e.code, LS_E_TOO_LARGE);
	free(big);
}

static void test_params(void **st)
{
	static const char *const allowed[] = { "cpu", "key", NULL };
	struct ls_req rq;
	struct ls_err e;
	uint64_t v = 0;
	const char *s;

	(void)st;
	assert_int_equal(parse("{\"method\":\"m\",\"cpu\":3,\"key\":\"NET_RX\"}", &rq, &e), 0);
	assert_int_equal(ls_req_check_members(&rq, allowed, &e), 0);
	assert_int_equal(ls_req_uint(&rq, "cpu", 7, &v, &e), 1);
	assert_int_equal(v, 3);
	assert_int_equal(ls_req_uint(&rq, "cpu", 2, &v, &e), -1);
	assert_string_equal(e.code, LS_E_BAD_PARAMS);
	assert_int_equal(ls_req_uint(&rq, "absent", 7, &v, &e), 0);
	assert_int_equal(ls_req_num_or_str(&rq, "key", &v, &s, &e), 1);
	assert_string_equal(s, "NET_RX");
	assert_int_equal(ls_req_str(&rq, "cpu", &s, &e), -1);
	ls_req_free(&rq);

	assert_int_equal(parse("{\"method\":\"m\",\"cpu\":-1,\"key\":2.5,\"zz\":1}", &rq, &e), 0);
	assert_int_equal(ls_req_check_members(&rq, allowed, &e), -1);
	assert_non_null(strstr(e.msg, "zz"));
	assert_int_equal(ls_req_uint(&rq, "cpu", 7, &v, &e), -1);
	assert_int_equal(ls_req_num_or_str(&rq, "key", &v, &s, &e), -1);
	ls_req_free(&rq);

	/* beyond int64: json-c clamps; must still be rejected */
	assert_int_equal(parse("{\"method\":\"m\",\"cpu\":99999999999999999999999}", &rq, &e), 0);
	assert_int_equal(ls_req_uint(&rq, "cpu", UINT64_MAX, &v, &e), -1);
	ls_req_free(&rq);
}

static void test_responses(void **st)
{
	json_object *id = json_object_new_int(5);
	struct ls_err e;
	size_t len = 0;
	char *r;

	(void)st;
	r = ls_resp_ok(id, json_object_new_string("x"), &len);
	assert_string_equal(r, "{\"ok\":true,\"id\":5,\"result\":\"x\"}\n");
	assert_int_equal(len, strlen(r));
	free(r);
	ls_err_set(&e, LS_E_NOT_FOUND, "no \"%s\"", "q");
	r = ls_resp_err(NULL, &e, &len);
	assert_string_equal(r, "{\"ok\":false,\"error\":{\"code\":\"not_found\",\"message\":\"no \\\"q\\\"\"}}\n");
	free(r);
	json_object_put(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_id_kept_on_error),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_responses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
