/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_LOG_H
#define ED_CORE_LOG_H

/* Diagnostic log: key=value lines on stderr, level checked before formatting.
 * Never pass a secret to these macros. The access log (one line per request)
 * is written by http/ through ed_log_access(). */
enum ed_log_level { ED_LOG_DEBUG, ED_LOG_INFO, ED_LOG_WARN, ED_LOG_ERROR };

extern enum ed_log_level ed_log_threshold;

/* Parse "debug|info|warn|error"; returns 0 on success, -1 otherwise. */
int ed_log_level_parse(const char *s, enum ed_log_level *out);
void ed_log_write(enum ed_log_level lvl, const char *reqid, const char *fmt,
                  ...) __attribute__((format(printf, 3, 4)));
void ed_log_access(const char *reqid, const char *method, const char *route,
                   int status, double ms, double upstream_ms);
/* Buffer access lines and write them every 100 ms from a flusher thread
 * (the server); stop flushes what is left. Without start, lines are
 * written at once. */
void ed_log_access_start(void);
void ed_log_access_stop(void);

#define ED_LOG(lvl, reqid, ...)                                                \
    do {                                                                       \
        if ((lvl) >= ed_log_threshold)                                         \
            ed_log_write((lvl), (reqid), __VA_ARGS__);                         \
    } while (0)
#define ed_debug(reqid, ...) ED_LOG(ED_LOG_DEBUG, reqid, __VA_ARGS__)
#define ed_info(reqid, ...) ED_LOG(ED_LOG_INFO, reqid, __VA_ARGS__)
#define ed_warn(reqid, ...) ED_LOG(ED_LOG_WARN, reqid, __VA_ARGS__)
#define ed_error(reqid, ...) ED_LOG(ED_LOG_ERROR, reqid, __VA_ARGS__)

#endif
