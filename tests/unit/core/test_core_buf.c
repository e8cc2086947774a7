/* SPDX-License-Identifier: MIT
 * core/buf: the capped buffer never grows past its cap, and a refused
 * append leaves the content exactly as it was. */
#include "check.h"
#include "core/buf.h"

static void test_append_and_nul(void)
{
    struct ed_buf b;
    ed_buf_init(&b, 64);
    CHECK_EQ_INT(ed_buf_appends(&b, "abc"), ED_OK);
    CHECK_EQ_INT(ed_buf_append(&b, "de", 2), ED_OK);
    CHECK_EQ_INT(b.len, 5);
    CHECK_EQ_STR(b.data, "abcde");
    CHECK_EQ_INT(ed_buf_printf(&b, "-%d-", 42), ED_OK);
    CHECK_EQ_STR(b.data, "abcde-42-");
    ed_buf_reset(&b);
    CHECK_EQ_INT(b.len, 0);
    CHECK_EQ_STR(b.data, "");
    ed_buf_cleanup(&b);
    CHECK(b.data == NULL);
    ed_buf_cleanup(&b); /* twice is harmless */
}

static void test_cap_exact_and_over(void)
{
    struct ed_buf b;
    ed_buf_init(&b, 8);
    CHECK_EQ_INT(ed_buf_appends(&b, "12345678"), ED_OK); /* exactly the cap */
    CHECK_EQ_INT(ed_buf_appends(&b, "9"), ED_ERR_TOO_LARGE);
    CHECK_EQ_INT(b.len, 8);
    CHECK_EQ_STR(b.data, "12345678");
    CHECK(b.alloc <= b.cap + 1);
    ed_buf_cleanup(&b);
}

static void test_too_large_leaves_content(void)
{
    struct ed_buf b;
    ed_buf_init(&b, 10);
    CHECK_EQ_INT(ed_buf_appends(&b, "hello"), ED_OK);
    CHECK_EQ_INT(ed_buf_appends(&b, "world!"), ED_ERR_TOO_LARGE);
    CHECK_EQ_STR(b.data, "hello");
    CHECK_EQ_INT(b.len, 5);
    /* a printf that would overflow is refused too, content kept */
    CHECK_EQ_INT(ed_buf_printf(&b, "%s", "0123456789"), ED_ERR_TOO_LARGE);
    CHECK_EQ_STR(b.data, "hello");
    /* a huge n does not wrap around the cap check */
    CHECK_EQ_INT(ed_buf_append(&b, "x", (size_t)-1), ED_ERR_TOO_LARGE);
    CHECK_EQ_STR(b.data, "hello");
    /* what still fits is accepted */
    CHECK_EQ_INT(ed_buf_appends(&b, "world"), ED_OK);
    CHECK_EQ_STR(b.data, "helloworld");
    ed_buf_cleanup(&b);
}

static void test_big_printf_and_take(void)
{
    struct ed_buf b;
    char big[1500];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ed_buf_init(&b, 4096);
    CHECK_EQ_INT(ed_buf_printf(&b, "<%s>", big), ED_OK); /* > 512 bytes path */
    CHECK_EQ_INT(b.len, sizeof(big) + 1);
    CHECK(b.data[0] == '<' && b.data[b.len - 1] == '>');
    char *s = ed_buf_take(&b);
    CHECK(b.data == NULL && b.len == 0);
    CHECK_EQ_INT(strlen(s), sizeof(big) + 1);
    free(s);
    /* taking an empty buffer gives an empty heap string */
    s = ed_buf_take(&b);
    CHECK_EQ_STR(s, "");
    free(s);
}

static void test_growth(void)
{
    struct ed_buf b;
    ed_buf_init(&b, 100000);
    for (int i = 0; i < 10000; i++)
        CHECK_EQ_INT(ed_buf_appends(&b, "0123456789"), ED_OK);
    CHECK_EQ_INT(b.len, 100000);
    CHECK_EQ_INT(ed_buf_appends(&b, "x"), ED_ERR_TOO_LARGE);
    CHECK(b.data[99999] == '9' && b.data[100000] == '\0');
    ed_buf_cleanup(&b);
}

int main(void)
{
    RUN(test_append_and_nul);
    RUN(test_cap_exact_and_over);
    RUN(test_too_large_leaves_content);
    RUN(test_big_printf_and_take);
    RUN(test_growth);
    return 0;
}
