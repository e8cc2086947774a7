/* SPDX-License-Identifier: MIT
 * CEQL (Cloud Elements' `where=` language) to a HubSpot CRM search body. A
 * bounded recursive-descent parser (explicit depth limit, caps on length,
 * comparisons and IN lists, everything in one arena) builds an n-ary AND/OR
 * tree; each comparison is translated once into a HubSpot filter, applying
 * the Cloud Elements conventions (lower-case property names, LIKE as
 * CONTAINS_TOKEN, `lastmodifieddate='<date>'` as "modified since", ISO dates
 * as epoch milliseconds). HubSpot wants an OR of ANDs, so the tree goes to
 * disjunctive normal form, and the one design idea is that the size of that
 * form is computed arithmetically first (saturating sums and products over
 * the tree): a query that would exceed HubSpot's 5 groups x 6 filters / 18
 * total is rejected with the exact size it needs, and the expansion itself
 * only ever runs on queries known to fit. */
#include "hub/ceql.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/strparse.h"

#define ECHO_MAX 40 /* bytes of user text quoted back in a message */
/* 9999-12-31T23:59:59.999Z: the largest epoch-ms value we accept. */
#define EPOCH_MS_MAX UINT64_C(253402300799999)

enum tok_kind {
    TK_END,
    TK_IDENT,
    TK_QIDENT, /* `back-quoted name` */
    TK_STRING,
    TK_NUMBER,
    TK_LPAREN,
    TK_RPAREN,
    TK_COMMA,
    TK_OP, /* = != <> < <= > >= */
    TK_AND,
    TK_OR,
    TK_NOT,
    TK_IN,
    TK_IS,
    TK_NULL,
    TK_LIKE,
    TK_TRUE,
    TK_FALSE,
};

enum cmp_op {
    OP_EQ,
    OP_NEQ,
    OP_LT,
    OP_LTE,
    OP_GT,
    OP_GTE,
    OP_LIKE,
    OP_IN,
    OP_NOT_IN,
    OP_IS_NULL,
    OP_IS_NOT_NULL,
};

struct tok {
    enum tok_kind kind;
    size_t start, end; /* byte span in the source */
    const char *text;  /* unescaped text of names, strings and numbers */
    enum cmp_op op;    /* TK_OP */
};

/* One comparison. values[] holds 1 value, an IN list, or none (IS NULL). */
struct cmp {
    const char *name; /* normalised: lower-case, no "properties." */
    enum cmp_op op;
    const char **values;
    size_t nvalues;
    size_t value_pos;
    json_t *filter; /* the HubSpot filter, built by the translation */
};

enum node_kind { NODE_CMP, NODE_AND, NODE_OR };

struct node {
    enum node_kind kind;
    struct cmp *cmp;    /* NODE_CMP */
    struct node *child; /* NODE_AND / NODE_OR: first operand */
    struct node *next;  /* next sibling operand */
};

struct parser {
    const char *src;
    size_t len, pos;
    struct tok tok;
    const char *what; /* "the where clause" or "orderBy", for messages */
    struct ed_arena *arena;
    struct cmp *cmps[CEQL_MAX_COMPARISONS];
    size_t ncmp;
    char *err;
    size_t errlen;
    struct names *names; /* ceql_rename: where each field name is */
};

/* Field names as they appear in the source (ceql_rename). */
#define NAMES_MAX (CEQL_MAX_COMPARISONS + 16)
struct names {
    size_t n;
    struct {
        size_t start, end;
        const char *text;
    } at[NAMES_MAX];
};

static void name_seen(struct parser *p)
{
    struct names *nm = p->names;
    if (!nm || nm->n == NAMES_MAX)
        return;
    nm->at[nm->n].start = p->tok.start;
    nm->at[nm->n].end = p->tok.end;
    nm->at[nm->n].text = p->tok.text;
    nm->n++;
}

/* ---- messages --------------------------------------------------------- */

static size_t utf8_seqlen(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0;
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF), the
 * same rule jansson applies to json_string(). */
static bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        size_t n = utf8_seqlen(u[i]);

        if (n == 0 || n > len - i)
            return false;
        for (size_t k = 1; k < n; k++)
            if ((u[i + k] & 0xC0) != 0x80)
                return false;
        if ((u[i] == 0xE0 && u[i + 1] < 0xA0) ||
            (u[i] == 0xED && u[i + 1] > 0x9F) ||
            (u[i] == 0xF0 && u[i + 1] < 0x90) ||
            (u[i] == 0xF4 && u[i + 1] > 0x8F))
            return false;
        i += n;
    }
    return true;
}

/* Drop an incomplete UTF-8 sequence left at the end by truncation. */
static void utf8_trim(char *s)
{
    size_t i = strlen(s), back = 0;

    while (i > 0 && back < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i > 0 && utf8_seqlen((unsigned char)s[i - 1]) != back + 1)
        s[i - 1] = '\0';
}

/* Bytes of s[0..len) to quote back: at most ECHO_MAX, whole characters. */
static int echo_len(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        size_t n = utf8_seqlen((unsigned char)s[i]);

        if (n == 0 || i + n > ECHO_MAX || i + n > len)
            break;
        i += n;
    }
    return (int)i;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (n < 0)
        err[0] = '\0';
    else if ((size_t)n >= errlen)
        utf8_trim(err);
}

#define PERR(p, ...) set_err((p)->err, (p)->errlen, __VA_ARGS__)

/* "unexpected 'x' at position N; expected ..." for the current token. */
static bool unexpected(struct parser *p, const char *expected)
{
    const struct tok *t = &p->tok;
    size_t n = t->end - t->start;
    int shown;

    if (t->kind == TK_END) {
        PERR(p, "CEQL: unexpected end of %s; expected %s", p->what, expected);
        return false;
    }
    shown = echo_len(p->src + t->start, n);
    if (t->kind == TK_STRING) /* the span carries its own quotes */
        PERR(p, "CEQL: unexpected string %.*s%s at position %zu; expected %s",
             shown, p->src + t->start, (size_t)shown < n ? "..." : "",
             t->start + 1, expected);
    else
        PERR(p,
             "CEQL: unexpected token '%.*s%s' at position %zu; expected "
             "%s",
             shown, p->src + t->start, (size_t)shown < n ? "..." : "",
             t->start + 1, expected);
    return false;
}

/* ---- lexer ------------------------------------------------------------ */

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ident_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '.';
}

static const struct {
    const char *word;
    enum tok_kind kind;
} keywords[] = {
    {"and", TK_AND},   {"or", TK_OR},     {"not", TK_NOT},
    {"in", TK_IN},     {"is", TK_IS},     {"null", TK_NULL},
    {"like", TK_LIKE}, {"true", TK_TRUE}, {"false", TK_FALSE},
};

static bool lex_string(struct parser *p)
{
    size_t start = p->pos, i, n = 0;
    char *out;

    /* First pass finds the closing quote so the copy is sized exactly. */
    for (i = start + 1; i < p->len; i++) {
        if (p->src[i] == '\'') {
            if (i + 1 < p->len && p->src[i + 1] == '\'') {
                i++;
            } else {
                break;
            }
        }
        n++;
    }
    if (i >= p->len) {
        PERR(p, "CEQL: unterminated string starting at position %zu",
             start + 1);
        return false;
    }
    out = ed_arena_alloc(p->arena, n + 1);
    n = 0;
    for (size_t k = start + 1; k < i; k++) {
        out[n++] = p->src[k];
        if (p->src[k] == '\'')
            k++;
    }
    out[n] = '\0';
    p->tok.kind = TK_STRING;
    p->tok.text = out;
    p->pos = i + 1;
    return true;
}

static bool lex_qident(struct parser *p)
{
    size_t start = p->pos;
    const char *close = memchr(p->src + start + 1, '`', p->len - start - 1);

    if (!close) {
        PERR(p,
             "CEQL: unterminated back-quoted name starting at position "
             "%zu",
             start + 1);
        return false;
    }
    if (close == p->src + start + 1) {
        PERR(p, "CEQL: empty back-quoted name at position %zu", start + 1);
        return false;
    }
    p->tok.kind = TK_QIDENT;
    p->tok.text = ed_arena_strndup(p->arena, p->src + start + 1,
                                   (size_t)(close - (p->src + start + 1)));
    p->pos = (size_t)(close - p->src) + 1;
    return true;
}

static bool lex_number(struct parser *p)
{
    size_t start = p->pos, i = start;

    if (p->src[i] == '-')
        i++;
    if (i >= p->len || !is_digit(p->src[i])) {
        PERR(p, "CEQL: unexpected character '-' at position %zu", start + 1);
        return false;
    }
    while (i < p->len && is_digit(p->src[i]))
        i++;
    if (i < p->len && p->src[i] == '.' && i + 1 < p->len &&
        is_digit(p->src[i + 1])) {
        i++;
        while (i < p->len && is_digit(p->src[i]))
            i++;
    }
    if (i < p->len && is_ident_char(p->src[i])) {
        while (i < p->len && is_ident_char(p->src[i]))
            i++;
        PERR(p, "CEQL: malformed number '%.*s' at position %zu",
             echo_len(p->src + start, i - start), p->src + start, start + 1);
        return false;
    }
    p->tok.kind = TK_NUMBER;
    p->tok.text = ed_arena_strndup(p->arena, p->src + start, i - start);
    p->pos = i;
    return true;
}

static void lex_word(struct parser *p)
{
    size_t start = p->pos, i = start;
    char *w;

    while (i < p->len && is_ident_char(p->src[i]))
        i++;
    w = ed_arena_strndup(p->arena, p->src + start, i - start);
    p->tok.kind = TK_IDENT;
    p->tok.text = w;
    for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
        if (ed_strcaseeq(w, keywords[k].word))
            p->tok.kind = keywords[k].kind;
    p->pos = i;
}

static void lex_op(struct parser *p, enum cmp_op op, size_t n)
{
    p->tok.kind = TK_OP;
    p->tok.op = op;
    p->pos += n;
}

/* Advance to the next token; false (message set) on a lexical error. */
static bool lex_next(struct parser *p)
{
    char c, d;
    bool ok = true;

    while (p->pos < p->len &&
           (p->src[p->pos] == ' ' || p->src[p->pos] == '\t' ||
            p->src[p->pos] == '\r' || p->src[p->pos] == '\n'))
        p->pos++;
    memset(&p->tok, 0, sizeof(p->tok));
    p->tok.start = p->pos;
    if (p->pos >= p->len) {
        p->tok.kind = TK_END;
        p->tok.end = p->pos;
        return true;
    }
    c = p->src[p->pos];
    d = p->pos + 1 < p->len ? p->src[p->pos + 1] : '\0';
    switch (c) {
    case '(':
        p->tok.kind = TK_LPAREN;
        p->pos++;
        break;
    case ')':
        p->tok.kind = TK_RPAREN;
        p->pos++;
        break;
    case ',':
        p->tok.kind = TK_COMMA;
        p->pos++;
        break;
    case '=': lex_op(p, OP_EQ, 1); break;
    case '<':
        if (d == '=')
            lex_op(p, OP_LTE, 2);
        else if (d == '>')
            lex_op(p, OP_NEQ, 2);
        else
            lex_op(p, OP_LT, 1);
        break;
    case '>':
        if (d == '=')
            lex_op(p, OP_GTE, 2);
        else
            lex_op(p, OP_GT, 1);
        break;
    case '!':
        if (d == '=') {
            lex_op(p, OP_NEQ, 2);
            break;
        }
        PERR(p,
             "CEQL: unexpected character '!' at position %zu; did you "
             "mean '!='?",
             p->pos + 1);
        return false;
    case '\'': ok = lex_string(p); break;
    case '`': ok = lex_qident(p); break;
    default:
        if (c == '-' || is_digit(c)) {
            ok = lex_number(p);
        } else if (is_alpha(c)) {
            lex_word(p);
        } else {
            size_t n = utf8_seqlen((unsigned char)c);

            PERR(p, "CEQL: unexpected character '%.*s' at position %zu",
                 (int)(n ? n : 1), p->src + p->pos, p->pos + 1);
            return false;
        }
    }
    p->tok.end = p->pos;
    return ok;
}

/* ---- parser ----------------------------------------------------------- */

/* Lower-case ASCII and drop a "properties." prefix: CE field paths such as
 * properties.firstName name the HubSpot property firstname; `id` is
 * HubSpot's hs_object_id. */
static const char *name_normalise(struct parser *p, const char *name)
{
    char *s;

    if (ed_strcaseprefix(name, "properties.") && name[11] != '\0')
        name += 11;
    s = ed_arena_strdup(p->arena, name);
    for (char *c = s; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c + 32);
    /* the record id is hs_object_id in HubSpot's search */
    if (strcmp(s, "id") == 0)
        return "hs_object_id";
    return s;
}

static bool is_value_tok(enum tok_kind k)
{
    return k == TK_STRING || k == TK_NUMBER || k == TK_TRUE || k == TK_FALSE;
}

static const char *value_text(const struct tok *t)
{
    if (t->kind == TK_TRUE)
        return "true";
    if (t->kind == TK_FALSE)
        return "false";
    return t->text;
}

/* `( v1, v2, ... )` after IN / NOT IN; the current token is '('. */
static bool parse_in_list(struct parser *p, struct cmp *c)
{
    size_t open = p->tok.start;

    if (p->tok.kind != TK_LPAREN)
        return unexpected(p, "'(' to start the IN list");
    if (!lex_next(p))
        return false;
    if (p->tok.kind == TK_RPAREN) {
        PERR(p,
             "CEQL: empty IN list at position %zu; IN needs at least "
             "one value",
             open + 1);
        return false;
    }
    c->values = ed_arena_alloc(p->arena,
                               CEQL_MAX_IN_VALUES * sizeof(*c->values));
    for (;;) {
        if (!is_value_tok(p->tok.kind))
            return unexpected(p, "a value in the IN list");
        if (c->nvalues == CEQL_MAX_IN_VALUES) {
            PERR(p,
                 "CEQL: the IN list at position %zu has more than %d "
                 "values",
                 open + 1, CEQL_MAX_IN_VALUES);
            return false;
        }
        if (c->nvalues == 0)
            c->value_pos = p->tok.start + 1;
        c->values[c->nvalues++] = value_text(&p->tok);
        if (!lex_next(p))
            return false;
        if (p->tok.kind == TK_RPAREN)
            break;
        if (p->tok.kind != TK_COMMA)
            return unexpected(p, "',' or ')' in the IN list");
        if (!lex_next(p))
            return false;
    }
    return lex_next(p);
}

static bool parse_single_value(struct parser *p, struct cmp *c)
{
    if (!is_value_tok(p->tok.kind))
        return unexpected(p, "a value (a 'quoted string', a number, true "
                             "or false)");
    if (c->op == OP_LIKE && p->tok.kind != TK_STRING)
        return unexpected(p, "a quoted pattern after LIKE");
    c->values = ed_arena_alloc(p->arena, sizeof(*c->values));
    c->values[0] = value_text(&p->tok);
    c->nvalues = 1;
    c->value_pos = p->tok.start + 1;
    return lex_next(p);
}

/* `name op value`; the current token is the name. */
static struct node *parse_cmp(struct parser *p)
{
    struct cmp *c;
    struct node *n;
    bool ok;

    if (p->ncmp == CEQL_MAX_COMPARISONS) {
        PERR(p, "CEQL: too many comparisons; at most %d are allowed",
             CEQL_MAX_COMPARISONS);
        return NULL;
    }
    c = ed_arena_alloc(p->arena, sizeof(*c));
    c->name = name_normalise(p, p->tok.text);
    name_seen(p);
    if (!lex_next(p))
        return NULL;
    switch (p->tok.kind) {
    case TK_OP:
        c->op = p->tok.op;
        ok = lex_next(p) && parse_single_value(p, c);
        break;
    case TK_LIKE:
        c->op = OP_LIKE;
        ok = lex_next(p) && parse_single_value(p, c);
        break;
    case TK_IN:
        c->op = OP_IN;
        ok = lex_next(p) && parse_in_list(p, c);
        break;
    case TK_NOT:
        c->op = OP_NOT_IN;
        ok = lex_next(p) &&
             (p->tok.kind == TK_IN ? lex_next(p) && parse_in_list(p, c)
                                   : unexpected(p, "IN after NOT"));
        break;
    case TK_IS:
        c->op = OP_IS_NULL;
        ok = lex_next(p);
        if (ok && p->tok.kind == TK_NOT) {
            c->op = OP_IS_NOT_NULL;
            ok = lex_next(p);
        }
        ok = ok && (p->tok.kind == TK_NULL ? lex_next(p)
                                           : unexpected(p, "NULL after IS"));
        break;
    case TK_IDENT:
        PERR(p,
             "CEQL: unknown operator '%.*s' at position %zu; expected =, "
             "!=, <>, <, <=, >, >=, LIKE, IN, NOT IN or IS [NOT] NULL",
             echo_len(p->tok.text, strlen(p->tok.text)), p->tok.text,
             p->tok.start + 1);
        return NULL;
    default:
        ok = unexpected(p, "an operator (=, !=, <>, <, <=, >, >=, LIKE, IN, "
                           "NOT IN, IS [NOT] NULL)");
    }
    if (!ok)
        return NULL;
    p->cmps[p->ncmp++] = c;
    n = ed_arena_alloc(p->arena, sizeof(*n));
    n->kind = NODE_CMP;
    n->cmp = c;
    return n;
}

static struct node *parse_or(struct parser *p, int depth);
static struct node *parse_chain(struct parser *p, int depth, enum tok_kind kw);

static struct node *parse_primary(struct parser *p, int depth)
{
    struct node *n;
    size_t open;

    switch (p->tok.kind) {
    case TK_LPAREN:
        if (depth >= CEQL_MAX_DEPTH) {
            PERR(p, "CEQL: parentheses nested deeper than %d at position %zu",
                 CEQL_MAX_DEPTH, p->tok.start + 1);
            return NULL;
        }
        open = p->tok.start;
        if (!lex_next(p) || !(n = parse_or(p, depth + 1)))
            return NULL;
        if (p->tok.kind != TK_RPAREN) {
            char what[64];

            snprintf(what, sizeof(what), "')' to close the '(' at position %zu",
                     open + 1);
            unexpected(p, what);
            return NULL;
        }
        return lex_next(p) ? n : NULL;
    case TK_IDENT:
    case TK_QIDENT: return parse_cmp(p);
    case TK_NOT:
        PERR(p,
             "CEQL: NOT is not supported by HubSpot search (position %zu); "
             "use !=, NOT IN or IS NOT NULL",
             p->tok.start + 1);
        return NULL;
    default: unexpected(p, "a field name or '('"); return NULL;
    }
}

/* Append operand x to the chain n. An operand of n's own kind (a
 * parenthesised AND inside an AND) is spliced in, so `(a AND b) AND c` is a
 * single AND and q='...' inside it still counts as top level. */
static void chain_add(struct node *n, struct node **last, struct node *x)
{
    struct node *first = x->kind == n->kind ? x->child : x;

    if (*last)
        (*last)->next = first;
    else
        n->child = first;
    for (*last = first; (*last)->next;)
        *last = (*last)->next;
}

static struct node *chain_operand(struct parser *p, int depth, enum tok_kind kw)
{
    return kw == TK_OR ? parse_chain(p, depth, TK_AND)
                       : parse_primary(p, depth);
}

/* One level of `operand (KW operand)*`, KW being AND or OR. */
static struct node *parse_chain(struct parser *p, int depth, enum tok_kind kw)
{
    struct node *x, *n, *last = NULL;

    x = chain_operand(p, depth, kw);
    if (!x || p->tok.kind != kw)
        return x;
    n = ed_arena_alloc(p->arena, sizeof(*n));
    n->kind = kw == TK_OR ? NODE_OR : NODE_AND;
    chain_add(n, &last, x);
    while (p->tok.kind == kw) {
        if (!lex_next(p) || !(x = chain_operand(p, depth, kw)))
            return NULL;
        chain_add(n, &last, x);
    }
    return n;
}

static struct node *parse_or(struct parser *p, int depth)
{
    return parse_chain(p, depth, TK_OR);
}

static void parser_init(struct parser *p, struct ed_arena *arena, char *err,
                        size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->arena = arena;
    p->err = err;
    p->errlen = errlen;
}

/* Point the lexer at text (NULL = empty) after the length and UTF-8
 * checks, and read the first token. what names the input in messages. */
static bool parser_start(struct parser *p, const char *text, const char *what)
{
    size_t n = text ? strnlen(text, CEQL_MAX_LEN + 1) : 0;

    if (n > CEQL_MAX_LEN) {
        PERR(p, "CEQL: %s is longer than %d bytes", what, CEQL_MAX_LEN);
        return false;
    }
    if (!utf8_valid(text, n)) {
        PERR(p, "CEQL: %s is not valid UTF-8", what);
        return false;
    }
    p->src = text ? text : "";
    p->what = what;
    p->len = n;
    p->pos = 0;
    return lex_next(p);
}

/* Parse a where clause into *root (NULL when blank). */
static bool parse_where(struct parser *p, const char *where, struct node **root)
{
    *root = NULL;
    if (!parser_start(p, where, "the where clause"))
        return false;
    if (p->tok.kind == TK_END)
        return true;
    if (!(*root = parse_or(p, 0)))
        return false;
    if (p->tok.kind != TK_END)
        return unexpected(p, "AND, OR or the end of the query");
    return true;
}

/* ---- dates ------------------------------------------------------------ */

/* Exactly n ASCII digits at s. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : dim[m - 1];
}

/* ISO-8601 `YYYY-MM-DD[(T| )HH:MM:SS[.f+][Z|±HH:MM|±HHMM]]` to epoch ms; a
 * missing zone means UTC. False when malformed or out of range. */
static bool date_parse(const char *s, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, oh = 0, om = 0, sign = 0;

    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d))
        return false;
    s += 10;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return false;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        if (!digits(s + 1, 2, &h) || s[3] != ':' || !digits(s + 4, 2, &mi) ||
            s[6] != ':' || !digits(s + 7, 2, &sec))
            return false;
        s += 9;
        if (h > 23 || mi > 59 || sec > 59)
            return false;
        if (*s == '.') {
            int nd = 0;

            for (s++; is_digit(*s); s++, nd++)
                if (nd < 3)
                    frac = frac * 10 + (*s - '0');
            if (nd == 0 || nd > 9)
                return false;
            for (; nd < 3; nd++)
                frac *= 10;
        }
        if (*s == 'Z' || *s == 'z') {
            s++;
        } else if (*s == '+' || *s == '-') {
            sign = *s == '+' ? 1 : -1;
            if (!digits(s + 1, 2, &oh))
                return false;
            s += 3;
            if (*s == ':')
                s++;
            if (!digits(s, 2, &om))
                return false;
            s += 2;
            if (oh > 23 || om > 59)
                return false;
        }
    }
    if (*s != '\0')
        return false;
    *ms = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) -
           (int64_t)sign * (oh * 3600 + om * 60)) *
              1000 +
          frac;
    return true;
}

static bool looks_like_iso(const char *s)
{
    int y;

    return digits(s, 4, &y) && s[4] == '-';
}

/* ---- translation of one comparison ----------------------------------- */

struct xlate {
    struct ed_arena *arena;
    const char *lm_prop; /* the object's last-modified property */
    bool lm_sort;        /* a lastmodifieddate='...' asks for newest first */
    char *err;
    size_t errlen;
};

#define XERR(x, ...) set_err((x)->err, (x)->errlen, __VA_ARGS__)

static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);

    /* Inputs are validated UTF-8, so only OOM gets here (policy: abort). */
    if (!j)
        abort();
    return j;
}

static const char *const op_names[] = {
    [OP_EQ] = "EQ",
    [OP_NEQ] = "NEQ",
    [OP_LT] = "LT",
    [OP_LTE] = "LTE",
    [OP_GT] = "GT",
    [OP_GTE] = "GTE",
    [OP_LIKE] = "CONTAINS_TOKEN",
    [OP_IN] = "IN",
    [OP_NOT_IN] = "NOT_IN",
    [OP_IS_NULL] = "NOT_HAS_PROPERTY",
    [OP_IS_NOT_NULL] = "HAS_PROPERTY",
};

static bool is_lastmodified(const char *name)
{
    return strcmp(name, "lastmodifieddate") == 0 ||
           strcmp(name, "hs_lastmodifieddate") == 0;
}

static bool is_date_prop(const char *name)
{
    return strcmp(name, "createdate") == 0 || strcmp(name, "closedate") == 0 ||
           strcmp(name, "hs_createdate") == 0;
}

/* value → epoch ms text for a date property. Last-modified values must be
 * dates or epoch ms; other date properties convert only ISO-looking text. */
static bool date_value(struct xlate *x, const struct cmp *c, bool lm,
                       const char *v, char *buf, size_t n, const char **out)
{
    uint64_t u;
    int64_t ms;

    *out = v;
    if (lm && ed_parse_u64(v, EPOCH_MS_MAX, &u)) {
        snprintf(buf, n, "%" PRIu64, u);
        *out = buf;
        return true;
    }
    if (!lm && !looks_like_iso(v))
        return true;
    if (!date_parse(v, &ms)) {
        XERR(x,
             "CEQL: %s needs an ISO-8601 date (2026-01-31, "
             "2026-01-31T12:00:00Z or with an offset like +02:00)%s; got "
             "'%.*s' at position %zu",
             c->name, lm ? " or epoch milliseconds" : "",
             echo_len(v, strlen(v)), v, c->value_pos);
        return false;
    }
    snprintf(buf, n, "%" PRId64, ms);
    *out = buf;
    return true;
}

/* LIKE: '%' only at the ends; '_' (any one character) has no HubSpot
 * equivalent. Sets the operator and value (NULL value: HAS_PROPERTY). */
static bool like_value(struct xlate *x, const struct cmp *c, const char **op,
                       const char **out)
{
    const char *v = c->values[0], *end = v + strlen(v);
    bool lead = false, trail = false;
    char *buf;
    size_t n;

    if (strchr(v, '_')) {
        XERR(x,
             "CEQL: the '_' wildcard in LIKE is not supported by HubSpot "
             "search (pattern at position %zu); use '%%'",
             c->value_pos);
        return false;
    }
    while (*v == '%') {
        v++;
        lead = true;
    }
    while (end > v && end[-1] == '%') {
        end--;
        trail = true;
    }
    if (memchr(v, '%', (size_t)(end - v))) {
        XERR(x,
             "CEQL: LIKE supports '%%' only at the start and end of the "
             "pattern (position %zu) with HubSpot search",
             c->value_pos);
        return false;
    }
    if (end == v && (lead || trail)) {
        *op = "HAS_PROPERTY"; /* '%' matches any value */
        *out = NULL;
        return true;
    }
    *op = lead || trail ? "CONTAINS_TOKEN" : "EQ";
    n = (size_t)(end - v);
    buf = ed_arena_alloc(x->arena, n + 3);
    snprintf(buf, n + 3, "%s%.*s%s", lead ? "*" : "", (int)n, v,
             trail ? "*" : "");
    *out = buf;
    return true;
}

static json_t *lower_values(struct xlate *x, const struct cmp *c)
{
    json_t *a = json_array();

    for (size_t i = 0; i < c->nvalues; i++) {
        /* HubSpot: IN / NOT_IN string values must be lower-case. */
        char *s = ed_arena_strdup(x->arena, c->values[i]);

        for (char *k = s; *k; k++)
            if (*k >= 'A' && *k <= 'Z')
                *k = (char)(*k + 32);
        json_array_append_new(a, jstr(s));
    }
    return a;
}

/* Build c->filter, the HubSpot filter for one comparison. */
static bool cmp_translate(struct xlate *x, struct cmp *c)
{
    const char *prop = c->name, *op = op_names[c->op], *value = NULL;
    bool lm = is_lastmodified(c->name);
    char buf[32];
    json_t *f;

    if (lm)
        prop = x->lm_prop;
    switch (c->op) {
    case OP_IS_NULL:
    case OP_IS_NOT_NULL:
    case OP_IN:
    case OP_NOT_IN: break;
    case OP_LIKE:
        if (!like_value(x, c, &op, &value))
            return false;
        break;
    default:
        value = c->values[0];
        if ((lm || is_date_prop(c->name)) &&
            !date_value(x, c, lm, value, buf, sizeof(buf), &value))
            return false;
        if (lm && c->op == OP_EQ) {
            /* CE pollers: lastmodifieddate='<t>' means "modified since t". */
            op = "GTE";
            x->lm_sort = true;
        }
    }
    f = json_object();
    json_object_set_new(f, "propertyName", jstr(prop));
    json_object_set_new(f, "operator", jstr(op));
    if (c->op == OP_IN || c->op == OP_NOT_IN)
        json_object_set_new(f, "values", lower_values(x, c));
    else if (value)
        json_object_set_new(f, "value", jstr(value));
    c->filter = f;
    return true;
}

/* ---- free-text `q` ---------------------------------------------------- */

static bool is_query_name(const char *name)
{
    return strcmp(name, "q") == 0;
}

static bool is_query_cmp(const struct node *n)
{
    return n->kind == NODE_CMP && is_query_name(n->cmp->name);
}

static bool has_query_cmp(const struct node *n)
{
    if (n->kind == NODE_CMP)
        return is_query_cmp(n);
    for (const struct node *c = n->child; c; c = c->next)
        if (has_query_cmp(c))
            return true;
    return false;
}

/* CE's `q='text'` (free-text search) becomes HubSpot's `query`; it has to
 * be a top-level AND operand since `query` applies to the whole search. */
static bool take_query(struct node **root, const char **query, char *err,
                       size_t errlen)
{
    struct node *n = *root, **link;
    const struct cmp *q = NULL;

    *query = NULL;
    if (!n)
        return true;
    if (is_query_cmp(n)) {
        q = n->cmp;
        *root = NULL;
    } else if (n->kind == NODE_AND) {
        for (link = &n->child; *link;) {
            if (!is_query_cmp(*link)) {
                link = &(*link)->next;
                continue;
            }
            if (q) {
                set_err(err, errlen,
                        "CEQL: only one q='...' (free-text "
                        "search) is allowed");
                return false;
            }
            q = (*link)->cmp;
            *link = (*link)->next;
        }
        if (!n->child)
            *root = NULL;
    }
    if (*root && has_query_cmp(*root)) {
        set_err(err, errlen,
                "CEQL: q='...' (free-text search) can only be "
                "joined to the rest of the query with AND");
        return false;
    }
    if (q && (q->op != OP_EQ || q->nvalues != 1)) {
        set_err(err, errlen,
                "CEQL: q (free-text search) only supports "
                "q='text'");
        return false;
    }
    *query = q ? q->values[0] : NULL;
    return true;
}

/* ---- disjunctive normal form ------------------------------------------ */

struct dnf_size {
    uint64_t groups; /* OR'd filter groups */
    uint64_t width;  /* filters in the widest group */
    uint64_t total;  /* filters over all groups */
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

/* Size of the DNF of n without building it. Recursion depth is bounded by
 * the parser's nesting limit (two node levels per parenthesis). */
static struct dnf_size dnf_measure(const struct node *n)
{
    struct dnf_size r = {1, 1, 1}, s;

    if (n->kind == NODE_OR) {
        r = (struct dnf_size){0, 0, 0};
        for (const struct node *c = n->child; c; c = c->next) {
            s = dnf_measure(c);
            r.groups = sat_add(r.groups, s.groups);
            r.width = r.width > s.width ? r.width : s.width;
            r.total = sat_add(r.total, s.total);
        }
    } else if (n->kind == NODE_AND) {
        r = (struct dnf_size){1, 0, 0};
        for (const struct node *c = n->child; c; c = c->next) {
            s = dnf_measure(c);
            /* every group of r meets every group of s */
            r.total = sat_add(sat_mul(r.total, s.groups),
                              sat_mul(s.total, r.groups));
            r.groups = sat_mul(r.groups, s.groups);
            r.width = sat_add(r.width, s.width);
        }
    }
    return r;
}

static bool limit_check(const char *what, uint64_t max, uint64_t need,
                        char *err, size_t errlen)
{
    if (need <= max)
        return true;
    if (need == UINT64_MAX)
        set_err(err, errlen,
                "CEQL: HubSpot search allows at most %" PRIu64
                " %s; this query needs astronomically more",
                max, what);
    else
        set_err(err, errlen,
                "CEQL: HubSpot search allows at most %" PRIu64
                " %s; this query needs %" PRIu64,
                max, what, need);
    return false;
}

struct dnf {
    size_t ngroups;
    size_t width[CEQL_HS_MAX_GROUPS];
    const struct cmp *f[CEQL_HS_MAX_GROUPS][CEQL_HS_MAX_FILTERS_PER_GROUP];
};

/* Expand n into out. Only called once dnf_measure showed the result fits;
 * every intermediate form is no larger than the final one (groups and
 * widths only grow going up the tree), and the checks are a backstop. */
static bool dnf_build(const struct node *n, struct dnf *out)
{
    struct dnf c, r;

    memset(out, 0, sizeof(*out));
    if (n->kind == NODE_CMP) {
        out->ngroups = 1;
        out->width[0] = 1;
        out->f[0][0] = n->cmp;
        return true;
    }
    if (n->kind == NODE_AND)
        out->ngroups = 1; /* one empty group: the identity of AND */
    for (const struct node *k = n->child; k; k = k->next) {
        if (!dnf_build(k, &c))
            return false;
        if (n->kind == NODE_OR) {
            if (out->ngroups + c.ngroups > CEQL_HS_MAX_GROUPS)
                return false;
            memcpy(&out->width[out->ngroups], c.width,
                   c.ngroups * sizeof(c.width[0]));
            memcpy(&out->f[out->ngroups], c.f, c.ngroups * sizeof(c.f[0]));
            out->ngroups += c.ngroups;
            continue;
        }
        if (out->ngroups * c.ngroups > CEQL_HS_MAX_GROUPS)
            return false;
        memset(&r, 0, sizeof(r));
        for (size_t i = 0; i < out->ngroups; i++) {
            for (size_t j = 0; j < c.ngroups; j++) {
                size_t g = r.ngroups++, wi = out->width[i], wj = c.width[j];

                if (wi + wj > CEQL_HS_MAX_FILTERS_PER_GROUP)
                    return false;
                memcpy(r.f[g], out->f[i], wi * sizeof(r.f[g][0]));
                memcpy(&r.f[g][wi], c.f[j], wj * sizeof(r.f[g][0]));
                r.width[g] = wi + wj;
            }
        }
        *out = r;
    }
    return true;
}

/* The filterGroups array of d (NULL: no filter, an empty array). */
static json_t *dnf_to_json(const struct dnf *d)
{
    json_t *groups = json_array();

    for (size_t g = 0; d && g < d->ngroups; g++) {
        json_t *filters = json_array(), *group = json_object();

        for (size_t i = 0; i < d->width[g]; i++)
            json_array_append_new(filters, json_deep_copy(d->f[g][i]->filter));
        json_object_set_new(group, "filters", filters);
        json_array_append_new(groups, group);
    }
    return groups;
}

/* ---- orderBy ---------------------------------------------------------- */

/* A one-element sorts array. */
static json_t *sort_new(const char *prop, const char *direction)
{
    json_t *sorts = json_array(), *s = json_object();

    json_object_set_new(s, "propertyName", jstr(prop));
    json_object_set_new(s, "direction", jstr(direction));
    json_array_append_new(sorts, s);
    return sorts;
}

/* `name [asc|desc] (, name [asc|desc])*` into a sorts array (NULL when
 * blank); HubSpot search honours a single sort. */
static bool parse_order_by(struct parser *p, const char *order_by,
                           const char *lm_prop, json_t **sorts)
{
    const char *name = NULL, *dir = "ASCENDING";
    size_t count = 0;

    *sorts = NULL;
    if (!parser_start(p, order_by, "orderBy"))
        return false;
    while (p->tok.kind != TK_END) {
        if (p->tok.kind != TK_IDENT && p->tok.kind != TK_QIDENT)
            return unexpected(p, "a field name in orderBy");
        if (count++ == 0)
            name = name_normalise(p, p->tok.text);
        name_seen(p);
        if (!lex_next(p))
            return false;
        if (p->tok.kind == TK_IDENT && (ed_strcaseeq(p->tok.text, "asc") ||
                                        ed_strcaseeq(p->tok.text, "desc"))) {
            if (count == 1 && ed_strcaseeq(p->tok.text, "desc"))
                dir = "DESCENDING";
            if (!lex_next(p))
                return false;
        }
        if (p->tok.kind == TK_END)
            break;
        if (p->tok.kind != TK_COMMA)
            return unexpected(p, "ASC, DESC, ',' or the end of orderBy");
        if (!lex_next(p))
            return false;
        if (p->tok.kind == TK_END)
            return unexpected(p, "a field name after ','");
    }
    if (count > CEQL_HS_MAX_SORTS) {
        PERR(p,
             "CEQL: HubSpot search allows only %d sort field; orderBy "
             "has %zu",
             CEQL_HS_MAX_SORTS, count);
        return false;
    }
    if (count == 0)
        return true;
    *sorts = sort_new(is_lastmodified(name) ? lm_prop : name, dir);
    return true;
}

/* ---- public API ------------------------------------------------------- */

static const char *default_lm_prop(const struct ceql_options *opt)
{
    if (opt && opt->lastmodified_prop && *opt->lastmodified_prop)
        return opt->lastmodified_prop;
    if (opt && opt->object_type && strcmp(opt->object_type, "contacts") == 0)
        return "lastmodifieddate";
    return "hs_lastmodifieddate";
}

/* Check HubSpot's limits on the DNF of root before anything is expanded. */
static bool dnf_fits(const struct node *root, char *err, size_t errlen)
{
    struct dnf_size size = dnf_measure(root);

    return limit_check("filter groups (OR)", CEQL_HS_MAX_GROUPS, size.groups,
                       err, errlen) &&
           limit_check("filters per group (AND)", CEQL_HS_MAX_FILTERS_PER_GROUP,
                       size.width, err, errlen) &&
           limit_check("filters in total", CEQL_HS_MAX_FILTERS, size.total, err,
                       errlen);
}

enum ed_err ceql_translate(const char *where, const char *order_by,
                           const struct ceql_options *opt, json_t **out,
                           char *err, size_t errlen)
{
    struct ed_arena *arena = ed_arena_new();
    struct parser *p = ed_arena_alloc(arena, sizeof(*p));
    struct xlate x = {.arena = arena, .err = err, .errlen = errlen};
    struct dnf *dnf = ed_arena_alloc(arena, sizeof(*dnf));
    struct node *root = NULL;
    const char *query = NULL;
    json_t *body = NULL, *sorts = NULL;
    enum ed_err rc = ED_ERR_INVALID;

    x.lm_prop = default_lm_prop(opt);
    parser_init(p, arena, err, errlen);
    if (!out) {
        set_err(err, errlen, "CEQL: no output given");
        goto out;
    }
    if (!parse_where(p, where, &root) ||
        !parse_order_by(p, order_by, x.lm_prop, &sorts) ||
        !take_query(&root, &query, err, errlen))
        goto out;
    for (size_t i = 0; i < p->ncmp; i++)
        if (!is_query_name(p->cmps[i]->name) && !cmp_translate(&x, p->cmps[i]))
            goto out;
    if (root && !dnf_fits(root, err, errlen))
        goto out;
    if (root && !dnf_build(root, dnf)) {
        set_err(err, errlen,
                "CEQL: the query is too complex for HubSpot "
                "search");
        goto out;
    }
    body = json_object();
    json_object_set_new(body, "filterGroups", dnf_to_json(root ? dnf : NULL));
    if (!sorts && x.lm_sort)
        sorts = sort_new(x.lm_prop, "DESCENDING");
    if (sorts)
        json_object_set(body, "sorts", sorts);
    if (query)
        json_object_set_new(body, "query", jstr(query));
    *out = body;
    body = NULL;
    rc = ED_OK;
out:
    json_decref(body);
    json_decref(sorts);
    for (size_t i = 0; i < p->ncmp; i++)
        json_decref(p->cmps[i]->filter);
    ed_arena_free(arena);
    return rc;
}

enum ed_err ceql_check(const char *where, char *err, size_t errlen)
{
    struct ed_arena *arena = ed_arena_new();
    struct parser *p = ed_arena_alloc(arena, sizeof(*p));
    struct node *root;
    enum ed_err rc;

    parser_init(p, arena, err, errlen);
    rc = parse_where(p, where, &root) ? ED_OK : ED_ERR_INVALID;
    ed_arena_free(arena);
    return rc;
}

/* Copy src with every recorded name replaced by fn's answer (back-quoted
 * unless it is a plain name); NULL with err set when fn refuses one. */
static char *rename_copy(struct parser *p, const struct names *nm,
                         ceql_rename_fn fn, void *ud, char *err, size_t errlen)
{
    struct ed_buf b;
    size_t at = 0;
    ed_buf_init(&b, 4 * CEQL_MAX_LEN);
    for (size_t i = 0; i < nm->n; i++) {
        const char *to;
        if (is_query_name(nm->at[i].text))
            to = nm->at[i].text; /* free-text search: not a field */
        else if (!(to = fn(ud, nm->at[i].text, err, errlen)))
            goto fail;
        bool plain = *to != '\0';
        for (const char *c = to; *c; c++)
            plain = plain && is_ident_char(*c);
        if (!plain && strchr(to, '`')) {
            set_err(err, errlen, "CEQL: field '%.*s' cannot be queried",
                    echo_len(nm->at[i].text, strlen(nm->at[i].text)),
                    nm->at[i].text);
            goto fail;
        }
        if (ed_buf_append(&b, p->src + at, nm->at[i].start - at) ||
            (!plain && ed_buf_appends(&b, "`")) || ed_buf_appends(&b, to) ||
            (!plain && ed_buf_appends(&b, "`"))) {
            set_err(err, errlen, "CEQL: the translated query is too long");
            goto fail;
        }
        at = nm->at[i].end;
    }
    if (ed_buf_append(&b, p->src + at, p->len - at)) {
        set_err(err, errlen, "CEQL: the translated query is too long");
        goto fail;
    }
    return ed_buf_take(&b);
fail:
    ed_buf_cleanup(&b);
    return NULL;
}

enum ed_err ceql_rename(const char *where, const char *order_by,
                        ceql_rename_fn fn, void *ud, char **where_out,
                        char **order_out, char *err, size_t errlen)
{
    struct ed_arena *arena = ed_arena_new();
    struct parser *p = ed_arena_alloc(arena, sizeof(*p));
    struct names *nm = ed_arena_alloc(arena, sizeof(*nm));
    struct node *root;
    json_t *sorts = NULL;
    enum ed_err rc = ED_ERR_INVALID;

    *where_out = *order_out = NULL;
    parser_init(p, arena, err, errlen);
    p->names = nm;
    nm->n = 0;
    if (where && *where) {
        if (!parse_where(p, where, &root) ||
            !(*where_out = rename_copy(p, nm, fn, ud, err, errlen)))
            goto out;
    }
    nm->n = 0;
    if (order_by && *order_by) {
        if (!parse_order_by(p, order_by, "", &sorts) ||
            !(*order_out = rename_copy(p, nm, fn, ud, err, errlen)))
            goto out;
    }
    rc = ED_OK;
out:
    if (rc != ED_OK) {
        free(*where_out);
        *where_out = NULL;
    }
    json_decref(sorts);
    ed_arena_free(arena);
    return rc;
}
