/*
 * poskoctl's control client (ctl/client.c) against a fake poskod: a REP
 * socket in a thread of this test, on an ipc:// socket under $TMPDIR.
 * What the request carries, a reply, a refusal with its reason, silence
 * (timeout, and the warning that a write may still be applied), a missing
 * or stale socket file, replies poskoctl cannot read, and a reply larger
 * than nanomsg's default 1 MiB receive limit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

#include "ctl/client.c"
#include "ctl/lang.c"

enum mode { OK, REFUSE, SILENT, GARBAGE, OTHER_VERSION, BIG };

static struct {
	pthread_t thread;
	volatile int stop;
	volatile enum mode mode;
	char url[128];
	char path[96];
	char last[4096]; /* the last request received */
	pthread_mutex_t lock;
	int ready;
} fake;

static void *
serve(void *arg)
{
	(void)arg;
	int s = nn_socket(AF_SP, NN_REP);
	int to = 50;
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &to, sizeof to);
	if (nn_bind(s, fake.url) < 0)
		return NULL;
	__atomic_store_n(&fake.ready, 1, __ATOMIC_SEQ_CST);
	while (!fake.stop) {
		char *req = NULL;
		int n = nn_recv(s, &req, NN_MSG, 0);
		if (n < 0)
			continue;
		pthread_mutex_lock(&fake.lock);
		snprintf(fake.last, sizeof fake.last, "%.*s", n, req);
		pthread_mutex_unlock(&fake.lock);
		json_t *r = json_loadb(req, (size_t)n, 0, NULL);
		nn_freemsg(req);
		const char *id = json_string_value(json_object_get(r, "id"));
		char *reply = NULL;
		switch (fake.mode) {
		case OK:
			reply = NULL;
			if (asprintf(&reply,
			             "{\"v\":1,\"ok\":true,\"id\":\"%s\","
			             "\"data\":{\"people\":{\"present\":42}}}\n",
			             id ? id : "") < 0)
				reply = NULL;
			break;
		case REFUSE:
			reply = strdup("{\"v\":1,\"ok\":false,\"error\":{\"code\":"
			               "\"not_found\",\"field\":\"args.shelter\","
			               "\"message\":\"no shelter SH-9999\"}}");
			break;
		case GARBAGE:
			reply = strdup("this is not json");
			break;
		case OTHER_VERSION:
			reply = strdup("{\"v\":2,\"ok\":true,\"data\":{}}");
			break;
		case BIG: {
			size_t len = 3 * 1024 * 1024;
			reply = malloc(len + 64);
			int o = sprintf(reply,
			                "{\"v\":1,\"ok\":true,\"data\":{\"pad\":\"");
			memset(reply + o, 'x', len);
			strcpy(reply + o + len, "\"}}");
			break;
		}
		case SILENT:
			break;
		}
		json_decref(r);
		if (reply)
			nn_send(s, reply, strlen(reply), 0);
		free(reply);
	}
	nn_close(s);
	return NULL;
}

static int
setup(void **state)
{
	(void)state;
	const char *t = getenv("TMPDIR");
	snprintf(fake.path, sizeof fake.path, "%s/ctl-%d.sock", t ? t : "/tmp",
	         (int)getpid());
	unlink(fake.path);
	snprintf(fake.url, sizeof fake.url, "ipc://%s", fake.path);
	fake.stop = 0;
	fake.ready = 0;
	fake.mode = OK;
	pthread_mutex_init(&fake.lock, NULL);
	pthread_create(&fake.thread, NULL, serve, NULL);
	for (int i = 0; i < 200 && !__atomic_load_n(&fake.ready, __ATOMIC_SEQ_CST);
	     i++)
		usleep(5000);
	return fake.ready ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	fake.stop = 1;
	pthread_join(fake.thread, NULL);
	pthread_mutex_destroy(&fake.lock);
	unlink(fake.path);
	return 0;
}

static client_cfg
cfg(void)
{
	client_cfg c;
	client_cfg_defaults(&c);
	snprintf(c.control, sizeof c.control, "%s", fake.url);
	c.control_ro[0] = '\0';
	c.timeout_ms = 2000;
	c.operator = "siti";
	return c;
}

static void
test_request_and_reply(void **state)
{
	(void)state;
	client_cfg c = cfg();
	client_error err;
	json_t *data = NULL;
	json_t *args = json_pack("{s:s}", "shelter", "SH-0001");
	fake.mode = OK;
	assert_int_equal(client_call(&c, "shelter.close", args, &data, &err),
	                 CLIENT_OK);
	assert_int_equal(json_integer_value(json_object_get(
	                         json_object_get(data, "people"), "present")),
	                 42);
	json_decref(data);
	/* The request as protocol.md §2 has it, with the operator. */
	pthread_mutex_lock(&fake.lock);
	json_t *req = json_loads(fake.last, 0, NULL);
	pthread_mutex_unlock(&fake.lock);
	assert_non_null(req);
	assert_int_equal(json_integer_value(json_object_get(req, "v")), 1);
	assert_string_equal(json_string_value(json_object_get(req, "cmd")),
	                    "shelter.close");
	assert_string_equal(json_string_value(json_object_get(req, "operator")),
	                    "siti");
	assert_string_equal(json_string_value(json_object_get(
	                            json_object_get(req, "args"), "shelter")),
	                    "SH-0001");
	assert_true(json_is_string(json_object_get(req, "id")));
	json_decref(req);
	/* args are borrowed */
	assert_int_equal(args->refcount, 1);
	json_decref(args);
	/* No args: an empty object. */
	assert_int_equal(client_call(&c, "status", NULL, &data, &err),
	                 CLIENT_OK);
	json_decref(data);
	pthread_mutex_lock(&fake.lock);
	assert_non_null(strstr(fake.last, "\"args\":{}"));
	pthread_mutex_unlock(&fake.lock);
}

static void
test_refused(void **state)
{
	(void)state;
	client_cfg c = cfg();
	client_error err;
	json_t *data = NULL;
	fake.mode = REFUSE;
	assert_int_equal(client_call(&c, "shelter.show", NULL, &data, &err),
	                 CLIENT_REFUSED);
	assert_null(data);
	assert_string_equal(err.code, "not_found");
	assert_string_equal(err.field, "args.shelter");
	assert_string_equal(err.message, "no shelter SH-9999");
}

static void
test_silence_read_and_write(void **state)
{
	(void)state;
	client_cfg c = cfg();
	c.timeout_ms = 300;
	client_error err;
	json_t *data = NULL;
	fake.mode = SILENT;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(client_call(&c, "status", NULL, &data, &err),
	                 CLIENT_UNREACHABLE);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 250 && ms < 5000);
	assert_string_equal(err.code, "timeout");
	assert_non_null(strstr(err.message, "is it running?"));
	assert_non_null(strstr(err.message, fake.url));
	assert_false(err.maybe_applied);
	/* A write that was not answered may still be carried out. */
	assert_int_equal(client_call(&c, "stock.receive", NULL, &data, &err),
	                 CLIENT_UNREACHABLE);
	assert_true(err.maybe_applied);
	assert_non_null(strstr(err.message, "before you repeat it"));
}

static void
test_unreadable_replies(void **state)
{
	(void)state;
	client_cfg c = cfg();
	client_error err;
	json_t *data = NULL;
	fake.mode = GARBAGE;
	assert_int_equal(client_call(&c, "status", NULL, &data, &err),
	                 CLIENT_PROTOCOL);
	assert_string_equal(err.code, "protocol");
	fake.mode = OTHER_VERSION;
	assert_int_equal(client_call(&c, "status", NULL, &data, &err),
	                 CLIENT_PROTOCOL);
	assert_non_null(strstr(err.message, "same version"));
}

static void
test_big_reply(void **state)
{
	(void)state;
	client_cfg c = cfg();
	client_error err;
	json_t *data = NULL;
	fake.mode = BIG;
	assert_int_equal(client_call(&c, "household.find", NULL, &data, &err),
	                 CLIENT_OK);
	assert_int_equal(json_string_length(json_object_get(data, "pad")),
	                 3 * 1024 * 1024);
	json_decref(data);
}

static void
test_no_socket(void **state)
{
	(void)state;
	client_cfg c = cfg();
	char path[104];
	snprintf(c.control, sizeof c.control, "ipc://%s.missing", fake.path);
	client_error err;
	json_t *data = NULL;
	assert_int_equal(client_call(&c, "status", NULL, &data, &err),
	                 CLIENT_UNREACHABLE);
	assert_string_equal(err.code, "no_socket");
	assert_non_null(strstr(err.message, "systemctl start poskod"));
	/* A socket file nobody listens on: left over from a crash. */
	snprintf(path, sizeof path, "%s.stale", fake.path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	close(fd); /* bound, never listening: connect is refused */
	snprintf(c.control, sizeof c.control, "ipc://%s", path);
	assert_int_equal(client_call(&c, "status", NULL, &data, &err),
	                 CLIENT_UNREACHABLE);
	assert_string_equal(err.code, "no_socket");
	assert_non_null(strstr(err.message, "earlier run"));
	unlink(path);
}

static void
test_readonly_commands(void **state)
{
	(void)state;
	assert_true(client_cmd_readonly("status"));
	assert_true(client_cmd_readonly("report.spm"));
	assert_true(client_cmd_readonly("household.find"));
	assert_false(client_cmd_readonly("shelter.close"));
	assert_false(client_cmd_readonly("import.households"));
	assert_false(client_cmd_readonly("alerts.ack"));
	assert_string_equal(client_ipc_path("ipc:///run/posko/x.sock"),
	                    "/run/posko/x.sock");
	assert_null(client_ipc_path("tcp://127.0.0.1:5555"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_and_reply),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_silence_read_and_write),
		cmocka_unit_test(test_unreadable_replies),
		cmocka_unit_test(test_big_reply),
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_readonly_commands),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
