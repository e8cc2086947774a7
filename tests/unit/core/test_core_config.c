/* SPDX-License-Identifier: MIT
 * core/config: defaults, then ELEMENTSD_* environment, then flags (both
 * "--x y" and "--x=y"); bad values and unknown flags are errors. */
#include <stdarg.h>

#include "check.h"
#include "core/config.h"

static const char *const envs[] = {
    "ELEMENTSD_LISTEN", "ELEMENTSD_DATA_DIR", "ELEMENTSD_DB",
    "ELEMENTSD_HUBSPOT_APP_URL", "ELEMENTSD_HUBSPOT_API_URL",
    "ELEMENTSD_LOG_LEVEL", "ELEMENTSD_MAX_BODY", "ELEMENTSD_SESSION_TTL",
    "ELEMENTSD_THREADS", "ELEMENTSD_SHUTDOWN_GRACE", NULL};

static void clear_env(void)
{
    for (size_t i = 0; envs[i]; i++)
        unsetenv(envs[i]);
}

static enum ed_err load(struct ed_config *cfg, char **why, int argc, ...)
{
    char *argv[16];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    return config_load(cfg, argc, argv, why);
}

static void test_defaults(void)
{
    struct ed_config cfg;
    char *why = NULL;
    clear_env();
    CHECK_EQ_INT(config_load(&cfg, 0, NULL, &why), ED_OK);
    CHECK(why == NULL);
    CHECK_EQ_STR(cfg.listen, "127.0.0.1:8080");
    CHECK_EQ_STR(cfg.data_dir, "./var");
    CHECK_EQ_STR(cfg.db, "sqlite:./var/elementsd.db");
    CHECK_EQ_STR(cfg.hubspot_app_url, "https://app.hubspot.com");
    CHECK_EQ_STR(cfg.hubspot_api_url, "https://api.hubapi.com");
    CHECK_EQ_STR(cfg.log_level, "info");
    CHECK_EQ_INT(cfg.max_body, 1048576);
    CHECK_EQ_INT(cfg.session_ttl, 3600);
    CHECK_EQ_INT(cfg.threads, 0);
    CHECK_EQ_INT(cfg.shutdown_grace, 10);
    config_cleanup(&cfg);
    CHECK(cfg.listen == NULL);
}

static void test_env_override(void)
{
    struct ed_config cfg;
    char *why = NULL;
    clear_env();
    setenv("ELEMENTSD_LISTEN", "0.0.0.0:9000", 1);
    setenv("ELEMENTSD_DATA_DIR", "/tmp/x", 1);
    setenv("ELEMENTSD_MAX_BODY", "2048", 1);
    CHECK_EQ_INT(config_load(&cfg, 0, NULL, &why), ED_OK);
    CHECK_EQ_STR(cfg.listen, "0.0.0.0:9000");
    CHECK_EQ_STR(cfg.data_dir, "/tmp/x");
    CHECK_EQ_STR(cfg.db, "sqlite:/tmp/x/elementsd.db"); /* follows data dir */
    CHECK_EQ_INT(cfg.max_body, 2048);
    config_cleanup(&cfg);
    clear_env();
}

static void test_flag_beats_env(void)
{
    struct ed_config cfg;
    char *why = NULL;
    clear_env();
    setenv("ELEMENTSD_LISTEN", "0.0.0.0:9000", 1);
    setenv("ELEMENTSD_LOG_LEVEL", "debug", 1);
    CHECK_EQ_INT(load(&cfg, &why, 6, "--listen", "127.0.0.1:1234",
                      "--max-body=4096", "--db", "sqlite:/tmp/other.db",
                      "--hubspot-app-url=http://127.0.0.1:9/app"),
                 ED_OK);
    CHECK_EQ_STR(cfg.listen, "127.0.0.1:1234");
    CHECK_EQ_INT(cfg.max_body, 4096);
    CHECK_EQ_STR(cfg.db, "sqlite:/tmp/other.db");
    CHECK_EQ_STR(cfg.hubspot_app_url, "http://127.0.0.1:9/app");
    CHECK_EQ_STR(cfg.log_level, "debug"); /* env kept where no flag */
    config_cleanup(&cfg);
    clear_env();
}

static void expect_error(const char *needle, int argc, char *a0, char *a1)
{
    struct ed_config cfg;
    char *why = NULL;
    char *argv[2] = {a0, a1};
    CHECK(config_load(&cfg, argc, argv, &why) != ED_OK);
    CHECK(why != NULL);
    if (!strstr(why, needle)) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", why, needle);
        CHECK(0);
    }
    free(why);
    config_cleanup(&cfg);
}

static void test_errors(void)
{
    clear_env();
    expect_error("--max-body", 2, "--max-body", "12abc");
    expect_error("--max-body", 1, "--max-body=-5", NULL);
    expect_error("--max-body", 1, "--max-body=10", NULL); /* below min 1024 */
    expect_error("--threads", 1, "--threads=99999999999999999999", NULL);
    expect_error("unknown option", 1, "--nope=1", NULL);
    expect_error("unexpected argument", 1, "positional", NULL);
    expect_error("needs a value", 1, "--listen", NULL);
    /* a bad environment value is an error too */
    setenv("ELEMENTSD_SESSION_TTL", "soon", 1);
    {
        struct ed_config cfg;
        char *why = NULL;
        CHECK(config_load(&cfg, 0, NULL, &why) != ED_OK);
        CHECK(why && strstr(why, "session-ttl"));
        free(why);
        config_cleanup(&cfg);
    }
    clear_env();
}

/* The transformation script pool's flags (transform/script.h). */
static void test_script_flags(void)
{
    struct ed_config cfg;
    char *why = NULL;
    clear_env();
    unsetenv("ELEMENTSD_SCRIPT_CPU_MS");
    CHECK_EQ_INT(config_load(&cfg, 0, NULL, &why), ED_OK);
    CHECK_EQ_INT(cfg.script_threads, 2);
    CHECK_EQ_INT(cfg.script_cpu_ms, 200);
    CHECK_EQ_INT(cfg.script_memory_mb, 32);
    config_cleanup(&cfg);
    setenv("ELEMENTSD_SCRIPT_CPU_MS", "50", 1);
    CHECK_EQ_INT(load(&cfg, &why, 2, "--script-threads=4",
                      "--script-memory-mb=8"),
                 ED_OK);
    CHECK_EQ_INT(cfg.script_threads, 4);
    CHECK_EQ_INT(cfg.script_cpu_ms, 50);
    CHECK_EQ_INT(cfg.script_memory_mb, 8);
    config_cleanup(&cfg);
    unsetenv("ELEMENTSD_SCRIPT_CPU_MS");
    expect_error("--script-threads", 1, "--script-threads=0", NULL);
    expect_error("--script-memory-mb", 1, "--script-memory-mb=0", NULL);
}

static void test_print(void)
{
    struct ed_config cfg;
    char *why = NULL;
    char buf[16384] = {0};
    clear_env();
    CHECK_EQ_INT(load(&cfg, &why, 1, "--listen=127.0.0.1:1"), ED_OK);
    FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
    config_print(&cfg, f);
    fclose(f);
    CHECK(strstr(buf, "listen=127.0.0.1:1\n"));
    CHECK(strstr(buf, "max-body=1048576\n"));
    memset(buf, 0, sizeof(buf));
    f = fmemopen(buf, sizeof(buf) - 1, "w");
    config_print_help(f);
    fclose(f);
    for (size_t i = 0; envs[i]; i++)
        CHECK(strstr(buf, envs[i]));
    CHECK(strstr(buf, "ELEMENTSD_MASTER_KEY"));
    config_cleanup(&cfg);
}

int main(void)
{
    RUN(test_defaults);
    RUN(test_env_override);
    RUN(test_flag_beats_env);
    RUN(test_errors);
    RUN(test_print);
    RUN(test_script_flags);
    return 0;
}
