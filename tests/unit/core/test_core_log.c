/* SPDX-License-Identifier: MIT
 * core/log: the level threshold filters before formatting, lines are
 * key=value with the request id, and an over-long line is cut but still
 * ends with a newline (so the next line is not glued to it). */
#include <unistd.h>

#include "check.h"
#include "core/log.h"

static char out[16384];

/* Run fn with stderr sent to a temporary file; out gets what was written. */
static void capture(void (*fn)(void))
{
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    CHECK(tmp && saved >= 0);
    CHECK(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    fn();
    CHECK(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, sizeof(out) - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
}

static int side_effects;

static const char *count_call(void)
{
    side_effects++;
    return "x";
}

static void write_levels(void)
{
    ed_log_threshold = ED_LOG_WARN;
    ed_info("r1", "msg=hidden v=%s", count_call());
    ed_warn("r2", "msg=shown n=%d", 7);
    ed_error(NULL, "msg=\"no id\"");
    ed_log_threshold = ED_LOG_INFO;
}

static void test_levels(void)
{
    side_effects = 0;
    capture(write_levels);
    CHECK_EQ_INT(side_effects, 0); /* arguments not even evaluated */
    CHECK(strstr(out, "hidden") == NULL);
    CHECK(strstr(out, " level=warn reqid=r2 msg=shown n=7\n") != NULL);
    CHECK(strstr(out, " level=error reqid=- msg=\"no id\"\n") != NULL);
}

static void write_access(void)
{
    ed_log_access("0123456789abcdef01234567", "GET", "/elements/{keyOrId}",
                  200, 1.5, 0.0);
}

static void test_access(void)
{
    capture(write_access);
    CHECK(strstr(out, " access reqid=0123456789abcdef01234567 method=GET "
                      "route=/elements/{keyOrId} status=200 ms=1.50 "
                      "upstream_ms=0.00\n") != NULL);
}

static void write_long(void)
{
    char method[3000];
    memset(method, 'M', sizeof(method) - 1);
    method[sizeof(method) - 1] = '\0';
    ed_log_access("id1", method, "-", 405, 0.1, 0.0);
    ed_log_write(ED_LOG_ERROR, "id2", "msg=%s", method);
    ed_log_access("id3", "GET", "/health", 200, 0.1, 0.0);
}

static void test_long_lines_end_with_newline(void)
{
    capture(write_long);
    char *l1 = out, *e1 = strchr(l1, '\n');
    CHECK(e1 != NULL);
    CHECK(strstr(l1, "reqid=id1") != NULL && strstr(l1, "reqid=id1") < e1);
    char *l2 = e1 + 1, *e2 = strchr(l2, '\n');
    CHECK(e2 != NULL);
    CHECK(strstr(l2, "reqid=id2") != NULL && strstr(l2, "reqid=id2") < e2);
    char *l3 = e2 + 1;
    CHECK(strstr(l3, " access reqid=id3 method=GET route=/health status=200") !=
          NULL);
    CHECK(strchr(l3, '\n') != NULL && strchr(l3, '\n')[1] == '\0');
}

int main(void)
{
    enum ed_log_level lvl;
    CHECK(ed_log_level_parse("debug", &lvl) == 0 && lvl == ED_LOG_DEBUG);
    CHECK(ed_log_level_parse("error", &lvl) == 0 && lvl == ED_LOG_ERROR);
    CHECK(ed_log_level_parse("verbose", &lvl) == -1);
    CHECK(ed_log_level_parse("INFO", &lvl) == -1);
    RUN(test_levels);
    RUN(test_access);
    RUN(test_long_lines_end_with_newline);
    return 0;
}
