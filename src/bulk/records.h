/* SPDX-License-Identifier: MIT */
#ifndef ED_BULK_RECORDS_H
#define ED_BULK_RECORDS_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Upload records, one JSON object at a time, from any of the three upload
 * formats, fed in chunks (a push reader, like bulk/csv.h):
 * - CSV with a header row: each header names a member; a header that is a
 *   vendor path ("properties.email") builds the nested object; every value
 *   is a string (an empty cell is ""). Header names must be non-empty path
 *   segments, unique, and not clash ("a" and "a.b"): else a fatal error.
 * - a JSON array, read element by element (never the whole file as one
 *   document): each element within max_record bytes;
 * - JSON lines: one object per line (blank lines skipped, CRLF allowed).
 * The format is given (metaData "format": "csv", "json", "jsonl") or
 * sniffed from the first byte that is not a BOM or blank: '[' a JSON
 * array, '{' JSON lines, anything else CSV; "json" sniffs between the two
 * JSON forms. Records are numbered from 1 (a CSV's data rows; blank lines
 * are not counted).
 *
 * Per-record errors (the reader goes on): every CSV row error (bulk/csv.h),
 * invalid JSON, a JSON value that is not an object, a record over
 * max_record bytes (never held whole). Fatal errors stop the reader: a
 * broken CSV (open quote, bad header), a JSON array that is not one (no
 * '[', a trailing comma, text after ']', cut short), an empty file whose
 * format had to be sniffed. */

#define REC_MAX_RECORD_DEFAULT (16u << 20)
#define REC_MAX_PATH_DEPTH 16
#define REC_MAX_NAME 1024

enum rec_format {
    REC_AUTO = 0, /* sniff CSV, JSON array or JSON lines */
    REC_JSON,     /* sniff JSON array or JSON lines */
    REC_CSV,
    REC_JSON_ARRAY,
    REC_JSON_LINES,
};

/* metaData "format" (case-insensitive; NULL or "" is REC_AUTO): "csv",
 * "json", "jsonl"/"ndjson"/"json-lines". False for anything else. */
bool rec_format_parse(const char *s, enum rec_format *out);
const char *rec_format_name(enum rec_format f);

struct records;

struct rec_item {
    uint64_t row;    /* 1-based record number */
    uint64_t offset; /* byte offset of its first byte */
    uint64_t end;    /* byte offset just past it */
    json_t *obj;     /* the record (borrowed: incref to keep); NULL on error */
    const char *error; /* NULL, or why the record is refused (names the row) */
};

/* A non-zero return stops the reader (REC_STOPPED). */
typedef int (*rec_cb)(void *ud, const struct rec_item *it);

struct rec_opts {
    enum rec_format format;
    size_t max_cell;   /* CSV cell cap; 0: CSV_MAX_CELL_DEFAULT */
    size_t max_record; /* a CSV row or a JSON record; 0: default */
};

enum rec_status { REC_OK = 0, REC_ERROR, REC_STOPPED };

/* A resume position: where a later run starts reading again. */
struct rec_pos {
    enum rec_format format; /* decided: REC_CSV, REC_JSON_ARRAY or _LINES */
    uint64_t header_end;    /* CSV: the bytes [0, header_end) are fed first */
    uint64_t offset;        /* then the bytes from here on */
    uint64_t row;           /* the number the next record gets */
    bool after;             /* offset is the end of record row - 1 */
};

struct records *records_new(const struct rec_opts *o, rec_cb cb, void *ud);
void records_free(struct records *r);
enum rec_status records_feed(struct records *r, const void *data, size_t len);
enum rec_status records_finish(struct records *r);
/* Resume at pos (before anything is fed): the caller then feeds the bytes
 * [0, pos->header_end) (CSV only: the header) and next the bytes from
 * pos->offset to the end. False when bytes were fed or pos is unusable. */
bool records_resume(struct records *r, const struct rec_pos *pos);
/* The position to read `it` again (at) or to go on just after it. */
void records_pos_at(const struct records *r, const struct rec_item *it,
                    struct rec_pos *out);
void records_pos_after(const struct records *r, const struct rec_item *it,
                       struct rec_pos *out);
/* The format in use (REC_AUTO/REC_JSON until sniffed). */
enum rec_format records_format(const struct records *r);
const char *records_error(const struct records *r);
uint64_t records_error_row(const struct records *r);
/* Bytes the reader itself holds (its buffers; not the records handed out). */
size_t records_mem(const struct records *r);

/* A record as HubSpot's batch inputs take it: {"properties": {...}} with
 * the record's top-level "id" kept beside it. Property names are lower
 * case and come from flat members ("email"), vendor paths as keys
 * ("properties.email") and a nested "properties" object (CSV headers
 * "properties.email" build that one); values are kept as they are
 * (scalars, arrays, null). NULL with why ("row 7: ..." for a CSV, "record
 * 7: ..." otherwise) for a path that names no property ("properties.",
 * "a.b.c", an object as a value), a "properties" that is not an object,
 * or the same property twice. */
json_t *rec_hubspot_input(json_t *rec, uint64_t row, bool csv, char *why,
                          size_t whylen);

#endif
