/* SPDX-License-Identifier: MIT
 * hub/paging.c's walk plan and hub/jsonfilter.c's page pieces it relies
 * on: for every page a number reaches (page * size <= 10,000, size 1-100)
 * the planned calls number ceil(page * size / 100) <= 100, every call asks
 * at most 100 records, the last call ends exactly at the page's end and
 * holds the whole page at its tail; a page's leading elements are left out
 * and records get their classic id in the same pass. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hub/jsonfilter.h"
#include "hub/paging.h"

static void test_plan(void)
{
    for (long size = 1; size <= HUB_PAGE_SIZE_MAX; size++) {
        for (long page = 1; page * size <= HUB_PAGE_REACH_MAX; page++) {
            struct hub_paging pg = {.size = size, .page = (uint64_t)page,
                                    .skip = (page - 1) * size};
            long read = 0, calls = 0, limit;
            for (;;) {
                limit = hub_paging_next(&pg, 100);
                calls++;
                CHECK(limit >= 1 && limit <= 100);
                read += limit;
                if (pg.offset >= 0)
                    break;
                pg.skip -= limit; /* HubSpot gave all it was asked */
            }
            CHECK(read == page * size);          /* ends at the page's end */
            CHECK(limit - pg.offset == size);    /* the page is the tail */
            CHECK(calls == (page * size + 99) / 100);
            CHECK(calls <= HUB_PAGE_CALLS_MAX);
        }
    }
    /* larger HubSpot limits (owners 500, engagements 250): fewer calls */
    struct hub_paging pg = {.size = 100, .page = 100, .skip = 9900};
    CHECK(hub_paging_next(&pg, 500) == 500 && pg.offset == -1);
}

static char *page_of(const char *in, const char *classic, size_t offset, size_t *count)
{
    struct ed_buf out;
    struct jsonfilter_page pg;
    ed_buf_init(&out, 1 << 20);
    CHECK(jsonfilter_page(in, strlen(in), true, classic, offset, &out, &pg) == ED_OK);
    *count = pg.count;
    return ed_buf_take(&out);
}

static void test_page_pieces(void)
{
    const char *in = "{\"results\":[{\"id\":\"7\",\"a\":null},{\"id\":\"8\"} , "
                     "{\"id\" : \"9\",\"p\":{\"id\":\"1\"}},{\"id\":\"x\\\"10\"},"
                     "{\"id\":\"012\"},{\"id\":\"5\",\"vid\":3},{\"id\":11}],"
                     "\"paging\":{\"next\":{\"after\":\"12\"}}}";
    size_t n;
    char *s = page_of(in, "vid", 0, &n);
    CHECK_EQ_STR(s, "[{\"id\":\"7\",\"vid\":7},{\"id\":\"8\",\"vid\":8},"
                    "{\"id\":\"9\",\"p\":{\"id\":\"1\"},\"vid\":9},{\"id\":\"x\\\"10\"},"
                    "{\"id\":\"012\"},{\"id\":\"5\",\"vid\":3},{\"id\":11}]");
    CHECK(n == 7);
    free(s);
    s = page_of(in, "vid", 2, &n);
    CHECK_EQ_STR(s, "[{\"id\":\"9\",\"p\":{\"id\":\"1\"},\"vid\":9},{\"id\":\"x\\\"10\"},"
                    "{\"id\":\"012\"},{\"id\":\"5\",\"vid\":3},{\"id\":11}]");
    CHECK(n == 5);
    free(s);
    s = page_of(in, NULL, 7, &n);
    CHECK_EQ_STR(s, "[]");
    CHECK(n == 0);
    free(s);
    s = page_of(in, NULL, 100, &n);
    CHECK_EQ_STR(s, "[]");
    free(s);
}

int main(void)
{
    RUN(test_plan);
    RUN(test_page_pieces);
    fprintf(stderr, "test_hub_paging: all passed\n");
    return 0;
}
