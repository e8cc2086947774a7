/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_TIMEUTIL_H
#define ED_CORE_TIMEUTIL_H
#include <stddef.h>
#include <stdint.h>

/* Wall clock in milliseconds / seconds since the epoch, and a monotonic clock. */
int64_t ed_now_ms(void);
int64_t ed_now_s(void);
double ed_mono_ms(void);
/* Format epoch seconds as ISO-8601 UTC "YYYY-MM-DDTHH:MM:SSZ" (buf >= 21). */
void ed_iso8601(int64_t epoch_s, char *buf, size_t n);

#endif
