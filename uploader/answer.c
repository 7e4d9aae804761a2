/* uploader/answer.c — streaming, distrustful parsing of the server's answers; see answer.h. */
#include "uploader/answer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

#define MAX_DEPTH 8
#define MAX_TEXT (64u << 10)

typedef struct walker walker;
struct walker {
    const df_protocol *pr; /* every name of the answer */
    xmlTextReaderPtr r;
    df_error *err;
    char parse_msg[256];
    const char *path[MAX_DEPTH];  /* names of the open elements (reader-owned, interned) */
    char *text;
    size_t text_len;
    int (*start)(walker *w, int depth, const char *name);
    int (*end)(walker *w, int depth, const char *name, const char *text, size_t len);
    void *ctx;
    df_answer *a;
};

static void on_error(void *arg, xmlErrorPtr e)
{
    walker *w = arg;
    if (!w->parse_msg[0] && e && e->message) {
        snprintf(w->parse_msg, sizeof w->parse_msg, "line %d: %s", e->line, e->message);
        size_t l = strlen(w->parse_msg);
        while (l && (w->parse_msg[l - 1] == '\n' || w->parse_msg[l - 1] == ' '))
            w->parse_msg[--l] = 0;
    }
}

static int append_text(walker *w, const char *s)
{
    size_t l = strlen(s);
    if (w->text_len + l > MAX_TEXT)
        return df_errorf(w->err, "the server's answer holds a text longer than %u bytes; refused", MAX_TEXT);
    char *n = realloc(w->text, w->text_len + l + 1);
    if (!n)
        return df_errorf(w->err, "out of memory");
    memcpy(n + w->text_len, s, l + 1);
    w->text = n;
    w->text_len += l;
    return 0;
}

/* Whether the prolog (before the root element) holds a DOCTYPE: checked
 * before libxml2 reads a byte of it, so that no entity is even declared. */
static int prolog_has_doctype(const char *buf, size_t len)
{
    size_t i = len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0; /* a UTF-8 BOM */
    while (i < len) {
        if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n') {
            i++;
            continue;
        }
        if (buf[i] != '<' || i + 1 >= len)
            return 0;
        if (buf[i + 1] == '?' || (len - i >= 4 && !memcmp(buf + i, "<!--", 4))) {
            const char *end = buf[i + 1] == '?' ? "?>" : "-->";
            const char *e = memmem(buf + i + 2, len - i - 2, end, strlen(end));
            if (!e)
                return 0;
            i = (size_t)(e - buf) + strlen(end);
            continue;
        }
        return len - i >= 9 && !memcmp(buf + i, "<!DOCTYPE", 9);
    }
    return 0;
}

/* Drives the reader over the whole answer; the callbacks see elements by depth. */
static int walk(walker *w, const char *buf, size_t len, size_t limit)
{
    if (len == 0 || !buf)
        return df_errorf(w->err, "empty answer: HTTP 200 without a body, where the interface always answers "
                         "with a <%s>", df_an(w->pr, DF_AN_ROOT));
    if (len > limit)
        return df_errorf(w->err, "the server's answer is %zu bytes, more than the %zu allowed; refused", len, limit);
    if (len > 0x7fffffff)
        return df_errorf(w->err, "the server's answer is too large; refused");
    /* Answers are UTF-8: a prolog in another encoding could hide a DOCTYPE
     * from the scan below. */
    if (len >= 2 && (buf[0] == '\0' || buf[1] == '\0' || (unsigned char)buf[0] == 0xfe ||
                     (unsigned char)buf[0] == 0xff))
        return df_errorf(w->err, "the server's answer is not UTF-8; refused");
    if (prolog_has_doctype(buf, len))
        return df_errorf(w->err, "the server's answer has a DOCTYPE; refused (no DTD is accepted)");
    /* NONET: never fetch anything. Neither NOENT nor DTDLOAD nor DTDATTR:
     * entities are not substituted, no DTD is read. */
    w->r = xmlReaderForMemory(buf, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!w->r)
        return df_errorf(w->err, "out of memory");
    xmlTextReaderSetStructuredErrorHandler(w->r, on_error, w);
    int rc = 0, ret, saw_root = 0;
    while (rc == 0 && (ret = xmlTextReaderRead(w->r)) == 1) {
        int type = xmlTextReaderNodeType(w->r);
        int depth = xmlTextReaderDepth(w->r);
        switch (type) {
        case XML_READER_TYPE_DOCUMENT_TYPE:
            rc = df_errorf(w->err, "the server's answer has a DOCTYPE; refused (no DTD is accepted)");
            break;
        case XML_READER_TYPE_ENTITY_REFERENCE:
        case XML_READER_TYPE_ENTITY:
            rc = df_errorf(w->err, "the server's answer uses an entity; refused");
            break;
        case XML_READER_TYPE_ELEMENT: {
            const char *name = (const char *)xmlTextReaderConstName(w->r);
            if (depth >= MAX_DEPTH) {
                rc = df_errorf(w->err, "the server's answer nests deeper than %d elements; refused", MAX_DEPTH);
                break;
            }
            if (depth == 0) {
                if (saw_root || strcmp(name, df_an(w->pr, DF_AN_ROOT)) != 0) {
                    rc = df_errorf(w->err, "the server's answer is not a <%s> but <%s>", df_an(w->pr, DF_AN_ROOT),
                                   name);
                    break;
                }
                saw_root = 1;
            }
            w->path[depth] = name;
            w->text_len = 0;
            if (w->text)
                w->text[0] = 0;
            if (w->start)
                rc = w->start(w, depth, name);
            if (rc == 0 && xmlTextReaderIsEmptyElement(w->r) && w->end)
                rc = w->end(w, depth, name, "", 0);
            break;
        }
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: {
            const char *v = (const char *)xmlTextReaderConstValue(w->r);
            if (v)
                rc = append_text(w, v);
            break;
        }
        case XML_READER_TYPE_END_ELEMENT:
            if (w->end && depth < MAX_DEPTH)
                rc = w->end(w, depth, (const char *)xmlTextReaderConstName(w->r), w->text ? w->text : "",
                            w->text_len);
            w->text_len = 0;
            if (w->text)
                w->text[0] = 0;
            break;
        default:
            break;
        }
        if (ret != 1)
            break;
    }
    if (rc == 0 && ret != 0)
        rc = df_errorf(w->err, "the server's answer is not well-formed XML%s%s", w->parse_msg[0] ? ": " : "",
                       w->parse_msg);
    if (rc == 0 && !saw_root)
        rc = df_errorf(w->err, "the server's answer is empty");
    if (rc == 0 && w->a && w->a->code < 0)
        rc = df_errorf(w->err, "the server's answer has no <%s>", df_an(w->pr, DF_AN_CODE));
    xmlFreeTextReader(w->r);
    free(w->text);
    return rc;
}

static int parse_ll(walker *w, const char *what, const char *s, long long *out)
{
    char *end;
    errno = 0;
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ' || *end == '\n' || *end == '\t' || *end == '\r')
        end++;
    if (errno || end == s || *end)
        return df_errorf(w->err, "the server's answer has <%s>%.40s</%s>, not a number", what, s, what);
    *out = v;
    return 0;
}

/* The envelope's own children, at depth 1. */
static int envelope_end(walker *w, const char *name, const char *text, size_t len)
{
    df_answer *a = w->a;
    const df_protocol *pr = w->pr;
    long long v;
    if (!strcmp(name, df_an(pr, DF_AN_CODE))) {
        if (parse_ll(w, name, text, &v) != 0)
            return -1;
        if (v < 0 || v > 0x7fffffff)
            return df_errorf(w->err, "the server's answer has <%s>%lld</%s>, not a code", name, v, name);
        a->code = (int)v;
    } else if (!strcmp(name, df_an(pr, DF_AN_MESSAGE))) {
        snprintf(a->message, sizeof a->message, "%.*s", (int)len, text);
    } else if (!strcmp(name, df_an(pr, DF_AN_FILE_ID))) {
        if (len == 0 || len >= sizeof a->file_id)
            return df_errorf(w->err, "the server's answer has a <%s> of %zu bytes", name, len);
        memcpy(a->file_id, text, len + 1);
    } else if (!strcmp(name, df_an(pr, DF_AN_DUPLICATE))) {
        if (strcmp(text, pr->duplicate_true) != 0 && strcmp(text, pr->duplicate_false) != 0)
            return df_errorf(w->err, "the server's answer has <%s>%.40s</%s>, neither %s nor %s (the profile's "
                             "values)", name, text, name, pr->duplicate_true, pr->duplicate_false);
        a->duplicate = !strcmp(text, pr->duplicate_true);
    } else if (!strcmp(name, df_an(pr, DF_AN_VERSION))) {
        if (parse_ll(w, name, text, &v) != 0)
            return -1;
        a->version = v;
    }
    return 0;
}

static void answer_init(df_answer *a)
{
    memset(a, 0, sizeof *a);
    a->code = -1;
    a->version = -1;
}

static int plain_end(walker *w, int depth, const char *name, const char *text, size_t len)
{
    return depth == 1 ? envelope_end(w, name, text, len) : 0;
}

int df_answer_parse(const df_protocol *pr, const char *buf, size_t len, size_t limit, df_answer *a, df_error *err)
{
    answer_init(a);
    walker w = {.pr = pr, .err = err, .end = plain_end, .a = a};
    return walk(&w, buf, len, limit);
}

/* ---- results ---- */

typedef struct results_ctx {
    df_file_result f;
    int (*fn)(void *arg, const df_file_result *f);
    void *arg;
    long long err_seq;
    char err_code[48];
} results_ctx;

static int results_start(walker *w, int depth, const char *name)
{
    results_ctx *c = w->ctx;
    const df_protocol *pr = w->pr;
    if (depth == 2 && !strcmp(name, df_an(pr, DF_AN_FILE)) && !strcmp(w->path[1], df_an(pr, DF_AN_FILES))) {
        memset(&c->f, 0, sizeof c->f);
        c->f.state = -1;
    } else if (depth == 4 && !strcmp(name, df_an(pr, DF_AN_ERROR)) && !strcmp(w->path[3], df_an(pr, DF_AN_ERRORS))) {
        xmlChar *s = xmlTextReaderGetAttribute(w->r, (const xmlChar *)df_an(pr, DF_AN_ERROR_SEQ));
        xmlChar *code = xmlTextReaderGetAttribute(w->r, (const xmlChar *)df_an(pr, DF_AN_ERROR_CODE));
        c->err_seq = s ? atoll((const char *)s) : 0;
        snprintf(c->err_code, sizeof c->err_code, "%s", code ? (const char *)code : "");
        xmlFree(s);
        xmlFree(code);
    }
    return 0;
}

/* A file's element at depth 3. */
static int file_field(walker *w, df_file_result *f, const char *name, const char *text, size_t len)
{
    const df_protocol *pr = w->pr;
    if (!strcmp(name, df_an(pr, DF_AN_FILE_ID)))
        snprintf(f->file_id, sizeof f->file_id, "%.*s", (int)len, text);
    else if (!strcmp(name, df_an(pr, DF_AN_FILE_NAME)))
        snprintf(f->file_name, sizeof f->file_name, "%.*s", (int)len, text);
    else if (!strcmp(name, df_an(pr, DF_AN_STATUS))) {
        char st[DF_PROTO_NAME_MAX];
        const char *b = text, *e = text + len;
        while (b < e && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
            e--;
        snprintf(st, sizeof st, "%.*s", (int)(e - b), b);
        f->state = (size_t)(e - b) < sizeof st ? df_protocol_state(pr, st) : -1;
        if (f->state < 0)
            return df_errorf(w->err, "the server's answer has <%s>%.40s</%s>, a state the profile does not name",
                             name, st, name);
    } else if (!strcmp(name, df_an(pr, DF_AN_TOTAL)))
        return parse_ll(w, name, text, &f->total);
    else if (!strcmp(name, df_an(pr, DF_AN_PASSED)))
        return parse_ll(w, name, text, &f->passed);
    else if (!strcmp(name, df_an(pr, DF_AN_FAILED)))
        return parse_ll(w, name, text, &f->failed);
    return 0;
}

static int results_end(walker *w, int depth, const char *name, const char *text, size_t len)
{
    results_ctx *c = w->ctx;
    df_file_result *f = &c->f;
    const df_protocol *pr = w->pr;
    if (depth == 1)
        return envelope_end(w, name, text, len);
    if (depth < 2 || strcmp(w->path[1], df_an(pr, DF_AN_FILES)) != 0)
        return 0;
    if (depth == 2 && !strcmp(name, df_an(pr, DF_AN_FILE))) {
        if (!f->file_id[0])
            return df_errorf(w->err, "the server's answer has a <%s> without <%s>", name, df_an(pr, DF_AN_FILE_ID));
        if (f->state < 0)
            return df_errorf(w->err, "the server's answer has a <%s> without <%s>", name, df_an(pr, DF_AN_STATUS));
        return c->fn(c->arg, f) ? df_errorf(w->err, "%s", "stopped") : 0;
    }
    if (depth == 3)
        return file_field(w, f, name, text, len);
    if (depth == 4 && !strcmp(name, df_an(pr, DF_AN_ERROR)) && f->nerrors < pr->errors_max) {
        struct df_answer_error *e = &f->errors[f->nerrors++];
        e->seq = c->err_seq;
        snprintf(e->code, sizeof e->code, "%s", c->err_code);
        snprintf(e->message, sizeof e->message, "%.*s", (int)len, text);
    }
    return 0;
}

int df_answer_parse_results(const df_protocol *pr, const char *buf, size_t len, size_t limit, df_answer *a,
                            int (*fn)(void *arg, const df_file_result *f), void *arg, df_error *err)
{
    answer_init(a);
    results_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return df_errorf(err, "out of memory");
    c->fn = fn;
    c->arg = arg;
    walker w = {.pr = pr, .err = err, .start = results_start, .end = results_end, .ctx = c, .a = a};
    int rc = walk(&w, buf, len, limit);
    free(c);
    return rc;
}

/* ---- catalogs ---- */

typedef struct catalog_ctx {
    const df_catalog_def *def;
    df_catalog_item_fn fn;
    void *arg;
    df_catalog_op op;
    char *cols[DF_MAX_CATALOG_COLUMNS];
    size_t lens[DF_MAX_CATALOG_COLUMNS];
} catalog_ctx;

static void catalog_clear(catalog_ctx *c)
{
    for (int i = 0; i < DF_MAX_CATALOG_COLUMNS; i++) {
        free(c->cols[i]);
        c->cols[i] = NULL;
        c->lens[i] = 0;
    }
}

static int catalog_start(walker *w, int depth, const char *name)
{
    catalog_ctx *c = w->ctx;
    if (depth == 2 && !strcmp(name, c->def->item) && !strcmp(w->path[1], c->def->list)) {
        catalog_clear(c);
        xmlChar *op = xmlTextReaderGetAttribute(w->r, (const xmlChar *)df_an(w->pr, DF_AN_OP));
        int k = op ? df_protocol_op(w->pr, (const char *)op) : DF_CATOP_ADD;
        if (k < 0) {
            df_errorf(w->err, "the server's answer has a <%s %s=\"%.40s\">, a change the profile does not name (%s, "
                      "%s or %s)", name, df_an(w->pr, DF_AN_OP), (const char *)op, w->pr->ops[DF_CATOP_ADD],
                      w->pr->ops[DF_CATOP_UPDATE], w->pr->ops[DF_CATOP_DELETE]);
            xmlFree(op);
            return -1;
        }
        c->op = (df_catalog_op)k;
        xmlFree(op);
    }
    return 0;
}

static int catalog_end(walker *w, int depth, const char *name, const char *text, size_t len)
{
    catalog_ctx *c = w->ctx;
    if (depth == 1)
        return envelope_end(w, name, text, len);
    if (depth < 2 || strcmp(w->path[1], c->def->list) != 0 || strcmp(w->path[2], c->def->item) != 0)
        return 0;
    if (depth == 2) {
        const char *cols[DF_MAX_CATALOG_COLUMNS];
        for (int i = 0; i < c->def->ncolumns; i++)
            cols[i] = c->cols[i] ? c->cols[i] : "";
        return c->fn(c->arg, c->op, cols, c->lens, w->err);
    }
    if (depth == 3) {
        for (int i = 0; i < c->def->ncolumns; i++) {
            if (strcmp(name, c->def->columns[i]) != 0)
                continue;
            free(c->cols[i]);
            c->cols[i] = malloc(len + 1);
            if (!c->cols[i])
                return df_errorf(w->err, "out of memory");
            memcpy(c->cols[i], text, len + 1);
            c->lens[i] = len;
        }
    }
    return 0;
}

int df_answer_parse_catalog(const df_protocol *pr, const char *buf, size_t len, size_t limit,
                            const df_catalog_def *def, df_answer *a, df_catalog_item_fn fn, void *arg, df_error *err)
{
    answer_init(a);
    catalog_ctx c = {.def = def, .fn = fn, .arg = arg};
    walker w = {.pr = pr, .err = err, .start = catalog_start, .end = catalog_end, .ctx = &c, .a = a};
    int rc = walk(&w, buf, len, limit);
    catalog_clear(&c);
    return rc;
}
