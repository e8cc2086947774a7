/* SPDX-License-Identifier: MIT
 * src/bulk/query.c (the bulk select) and src/bulk/files.c (results
 * encrypted at rest: chunked seal, append, truncate, read back). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bulk/bulk.h"
#include "check.h"
#include "core/config.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "domain/app.h"

static void test_select(void)
{
    struct bulk_query q;
    char err[300];
    CHECK_EQ_INT(bulk_query_parse("select * from contacts", NULL, NULL, &q, err,
                                  sizeof(err)),
                 ED_OK);
    CHECK_EQ_STR(q.object, "contacts");
    CHECK(q.fields == NULL && q.where == NULL && q.order == NULL);
    bulk_query_cleanup(&q);

    CHECK_EQ_INT(bulk_query_parse("  SELECT id, properties.email FROM "
                                  "contacts WHERE email = 'a order by b' "
                                  "AND x > 1 ORDER BY id",
                                  NULL, NULL, &q, err, sizeof(err)),
                 ED_OK);
    CHECK_EQ_STR(q.object, "contacts");
    CHECK_EQ_INT(json_array_size(q.fields), 2);
    CHECK_EQ_STR(json_string_value(json_array_get(q.fields, 1)),
                 "properties.email");
    CHECK_EQ_STR(q.where, "email = 'a order by b' AND x > 1");
    CHECK_EQ_STR(q.order, "id");
    bulk_query_cleanup(&q);

    /* date bounds on the object's last-modified field */
    CHECK_EQ_INT(bulk_query_parse("select * from contacts where a = 'b'",
                                  "2024-01-01T00:00:00Z", "2024-02-01", &q, err,
                                  sizeof(err)),
                 ED_OK);
    CHECK_EQ_STR(q.where, "(a = 'b') AND lastmodifieddate >= "
                          "'2024-01-01T00:00:00Z' AND lastmodifieddate <= "
                          "'2024-02-01'");
    bulk_query_cleanup(&q);
    CHECK_EQ_INT(bulk_query_parse("select * from deals", "2024-01-01", NULL, &q,
                                  err, sizeof(err)),
                 ED_OK);
    CHECK_EQ_STR(q.where, "hs_lastmodifieddate >= '2024-01-01'");
    bulk_query_cleanup(&q);
}

static void test_bad(void)
{
    static const struct {
        const char *q, *from, *frag;
    } cases[] = {
        {NULL, NULL, "q is required"},
        {"   ", NULL, "q is required"},
        {"update contacts", NULL, "select"},
        {"select from contacts", NULL, "field name"},
        {"select a,, b from contacts", NULL, "field name"},
        {"select * contacts", NULL, "'from"},
        {"select * from", NULL, "object name"},
        {"select * from a.b", NULL, "object name"},
        {"select * from contacts where", NULL, "condition"},
        {"select * from contacts where email = ", NULL, "invalid where"},
        {"select * from contacts order by", NULL, "order by"},
        {"select * from contacts limit 5", NULL, "unexpected text"},
        {"select * from myvdr", "2024-01-01", "not supported on 'myvdr'"},
        {"select * from contacts", "2024'01", "must be a date"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bulk_query q;
        char err[300] = "";
        CHECK_EQ_INT(bulk_query_parse(cases[i].q, cases[i].from, NULL, &q, err,
                                      sizeof(err)),
                     ED_ERR_INVALID);
        if (!strstr(err, cases[i].frag))
            fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, err,
                    cases[i].frag);
        CHECK(strstr(err, cases[i].frag) != NULL);
        CHECK(q.object == NULL && q.fields == NULL && q.where == NULL);
    }
    /* bounded: a long q and many fields */
    char *big = malloc(20000);
    memset(big, 'a', 19999);
    big[19999] = '\0';
    memcpy(big, "select ", 7);
    struct bulk_query q;
    char err[300];
    CHECK_EQ_INT(bulk_query_parse(big, NULL, NULL, &q, err, sizeof(err)),
                 ED_ERR_INVALID);
    free(big);
}

static char dir[] = "/tmp/ed-bulk-files-XXXXXX";

static int collect(void *ud, const char *data, size_t n)
{
    FILE *f = ud;
    fwrite(data, 1, n, f);
    return 0;
}

static int stop_at_once(void *ud, const char *data, size_t n)
{
    (void)ud, (void)data, (void)n;
    return 1;
}

static void test_files(void)
{
    uint8_t key[ED_KEY_BYTES] = {7};
    struct ed_config cfg = {0};
    struct ed_app app = {0};
    cfg.data_dir = dir;
    app.cfg = &cfg;
    app.keys = crypto_keyring_from_key(key);
    char name[64];
    bulk_file_name(42, name, sizeof(name));
    CHECK_EQ_STR(name, "job-42.bin");

    /* 150 KiB: three chunks; then a second append */
    size_t n = 150 * 1024;
    char *pt = malloc(n);
    for (size_t i = 0; i < n; i++)
        pt[i] = (char)('a' + i % 26);
    int64_t len = 0, len1 = 0;
    CHECK_EQ_INT(bulk_file_append(&app, name, pt, n, &len1), ED_OK);
    CHECK_EQ_INT(len1, (int64_t)(n + 3 * (4 + ED_SEAL_OVERHEAD)));
    CHECK_EQ_INT(bulk_file_append(&app, name, "tail\n", 5, &len), ED_OK);
    CHECK(len > len1);

    /* at rest: no plaintext */
    char path[512];
    snprintf(path, sizeof(path), "%s/bulk/%s", dir, name);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    char *raw = malloc((size_t)len);
    CHECK_EQ_INT(fread(raw, 1, (size_t)len, f), len);
    fclose(f);
    CHECK(memmem(raw, (size_t)len, "abcdefghij", 10) == NULL);
    CHECK(memmem(raw, (size_t)len, "tail", 4) == NULL);

    /* read back */
    char *back = NULL;
    size_t backn = 0;
    f = open_memstream(&back, &backn);
    CHECK_EQ_INT(bulk_file_read(&app, name, collect, f), ED_OK);
    fclose(f);
    CHECK_EQ_INT(backn, n + 5);
    CHECK(memcmp(back, pt, n) == 0 && memcmp(back + n, "tail\n", 5) == 0);
    free(back);
    CHECK_EQ_INT(bulk_file_read(&app, name, stop_at_once, NULL),
                 ED_ERR_TOO_LARGE);

    /* truncate to a checkpoint: the tail goes */
    CHECK_EQ_INT(bulk_file_truncate(&app, name, len1), ED_OK);
    f = open_memstream(&back, &backn);
    CHECK_EQ_INT(bulk_file_read(&app, name, collect, f), ED_OK);
    fclose(f);
    CHECK_EQ_INT(backn, n);
    free(back);
    CHECK_EQ_INT(bulk_file_truncate(&app, name, len1 + 1), ED_ERR_IO);

    /* tampering is detected */
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    char c = 0;
    CHECK_EQ_INT(pwrite(fd, &c, 1, 100), 1);
    close(fd);
    f = open_memstream(&back, &backn);
    CHECK_EQ_INT(bulk_file_read(&app, name, collect, f), ED_ERR_CRYPTO);
    fclose(f);
    free(back);

    CHECK_EQ_INT(bulk_file_delete(&app, name), ED_OK);
    CHECK_EQ_INT(bulk_file_read(&app, name, collect, NULL), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(bulk_file_delete(&app, name), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(bulk_file_append(&app, "../x", "a", 1, &len), ED_ERR_IO);

    free(raw);
    free(pt);
    crypto_keyring_free(app.keys);
    snprintf(path, sizeof(path), "%s/bulk", dir);
    rmdir(path);
    rmdir(dir);
}

int main(void)
{
    ed_log_threshold = ED_LOG_ERROR + 1;
    CHECK_EQ_INT(crypto_init(), ED_OK);
    CHECK(mkdtemp(dir) != NULL);
    RUN(test_select);
    RUN(test_bad);
    RUN(test_files);
    return 0;
}
