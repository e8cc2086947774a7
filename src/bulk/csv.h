/* SPDX-License-Identifier: MIT */
#ifndef ED_BULK_CSV_H
#define ED_BULK_CSV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A streaming RFC 4180 reader (a push parser): the caller feeds the file in
 * chunks of any size and gets one callback per row, the fields as
 * (ptr, len) pairs valid during the callback only. The first row is the
 * header (row 0); data rows are numbered from 1. Quoted fields with ""
 * escapes, CRLF, LF or CR line ends, a leading UTF-8 BOM skipped, blank
 * lines skipped (not counted). Feeding 1 byte at a time gives the same rows
 * as feeding the whole file.
 *
 * Per-row errors (the reader goes on with the next row): a row with fewer
 * or more fields than the header, invalid UTF-8, a cell over max_cell bytes
 * (the cell is cut at the cap, never held whole), a row over max_row bytes,
 * more than max_cols fields, text after a closing quote. Fatal errors (the
 * reader stops): a quote left open at the end of the file (with the row
 * where it opened), any per-row error in the header, a file with no header.
 * Memory: the reader holds one row at a time (bounded by max_row). */

#define CSV_MAX_CELL_DEFAULT (10u << 20)
#define CSV_MAX_ROW_DEFAULT (16u << 20)
#define CSV_MAX_COLS_DEFAULT 1000u

struct csv;

struct csv_field {
    const char *ptr;
    size_t len;
};

enum csv_row_err {
    CSV_ROW_OK = 0,
    CSV_ROW_FEW_FIELDS,    /* fewer fields than the header */
    CSV_ROW_MANY_FIELDS,   /* more fields than the header */
    CSV_ROW_BAD_UTF8,      /* a field is not valid UTF-8 */
    CSV_ROW_CELL_TOO_BIG,  /* a cell over max_cell bytes */
    CSV_ROW_TOO_BIG,       /* the row over max_row bytes */
    CSV_ROW_TOO_MANY_COLS, /* more than max_cols fields */
    CSV_ROW_BAD_QUOTE,     /* text after the closing quote of a field */
};

struct csv_row {
    uint64_t row;    /* 0: the header; data rows from 1 */
    uint64_t offset; /* byte offset of the row's first byte (BOM counted) */
    uint64_t end;    /* just past the CR or LF that ended it (a LF after a
                      * CR is not counted) or the end of the file */
    const struct csv_field *fields;
    size_t nfields;
    enum csv_row_err err; /* CSV_ROW_OK, or why the row is refused */
    size_t err_field;     /* 1-based field the error is about (0: none) */
    const char *message;  /* the error in words ("" when OK) */
};

/* Called per row; a non-zero return stops the reader (csv_feed and
 * csv_finish then return CSV_STOPPED). */
typedef int (*csv_row_cb)(void *ud, const struct csv_row *row);

struct csv_opts {
    size_t max_cell; /* 0: CSV_MAX_CELL_DEFAULT */
    size_t max_row;  /* 0: CSV_MAX_ROW_DEFAULT (at least max_cell) */
    size_t max_cols; /* 0: CSV_MAX_COLS_DEFAULT */
};

enum csv_status { CSV_OK = 0, CSV_ERROR, CSV_STOPPED };

/* opts may be NULL (defaults). Never NULL (allocation failure aborts). */
struct csv *csv_new(const struct csv_opts *opts, csv_row_cb cb, void *ud);
void csv_free(struct csv *p);
/* Feed the next len bytes. After CSV_ERROR or CSV_STOPPED, feeding again
 * returns the same status and reads nothing. */
enum csv_status csv_feed(struct csv *p, const void *data, size_t len);
/* The end of the file: emits a last row without a line end, checks for an
 * open quote and for the header. */
enum csv_status csv_finish(struct csv *p);
/* Resume at a data row given by an earlier run (its `row` and `offset`),
 * called before anything is fed: the caller then feeds the header's bytes
 * (from byte 0 to the header row's `end`, no further) and next the bytes
 * from `offset` on; the header is read again and the first data row read
 * is numbered `row`. Returns false once bytes were fed or when offset
 * or row is 0. */
bool csv_resume_at(struct csv *p, uint64_t row, uint64_t offset);
/* Whether the header row has been read. */
bool csv_header_done(const struct csv *p);
/* The fatal error in words ("" if none) and the row it is about. */
const char *csv_error(const struct csv *p);
uint64_t csv_error_row(const struct csv *p);
/* Number of fields in the header (0 before it is read). */
size_t csv_header_count(const struct csv *p);
/* Bytes the reader itself holds on the heap now (struct and buffers). */
size_t csv_mem(const struct csv *p);

#endif
