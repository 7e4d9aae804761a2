/* writer/header_scan.c — a data file's Header read with a SAX push parser;
 * see header_scan.h. */
#include "writer/header_scan.h"

#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

static df_header_scan *scan_of(void *ctx)
{
    return ((xmlParserCtxtPtr)ctx)->_private;
}

static void stop(df_header_scan *s)
{
    s->done = 1;
    xmlStopParser(s->pc);
}

static void refuse(df_header_scan *s, const char *msg)
{
    if (!s->msg[0])
        snprintf(s->msg, sizeof s->msg, "%s", msg);
    s->errored = 1;
    stop(s);
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri, int nns,
                     const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
    (void)prefix, (void)uri, (void)nns, (void)ns, (void)nattr, (void)ndef, (void)attrs;
    df_header_scan *s = scan_of(ctx);
    const char *name = (const char *)local;
    if (s->depth == 0) {
        s->seen_root = 1;
        s->root_ok = strcmp(name, s->p->root) == 0;
        if (!s->root_ok) {
            char m[200];
            snprintf(m, sizeof m, "root element is <%.60s>, not <%s>", name, s->p->root);
            refuse(s, m);
        }
    } else if (s->depth == 1 && s->header == 0 && !strcmp(name, s->p->header)) {
        s->header = 1;
    } else if (s->depth == 2 && s->header == 1) {
        for (int i = 0; i < s->p->nheader; i++)
            if (!strcmp(s->p->header_names[i], name)) {
                if (s->seen[i]) {
                    char m[200];
                    snprintf(m, sizeof m, "the %s has <%s> twice", s->p->header, name);
                    refuse(s, m);
                }
                s->seen[i] = 1;
                s->cur = i;
            }
    }
    s->depth++;
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    (void)local, (void)prefix, (void)uri;
    df_header_scan *s = scan_of(ctx);
    s->depth--;
    s->cur = -1;
    if (s->depth == 1 && s->header == 1) {
        s->header = 2;
        if (s->stop_after && xmlByteConsumed(s->pc) >= (long)s->stop_after)
            stop(s);
    }
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
    df_header_scan *s = scan_of(ctx);
    if (s->cur < 0 || s->depth != 3)
        return;
    size_t *l = &s->len[s->cur];
    if (*l + (size_t)len >= DF_HEADER_VALUE_MAX) {
        char m[200];
        snprintf(m, sizeof m, "the %s's <%s> is longer than %d bytes", s->p->header, s->p->header_names[s->cur],
                 DF_HEADER_VALUE_MAX - 1);
        refuse(s, m);
        return;
    }
    memcpy(s->value[s->cur] + *l, ch, (size_t)len);
    *l += (size_t)len;
    s->value[s->cur][*l] = '\0';
}

static void on_subset(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
    (void)name, (void)eid, (void)sid;
    df_header_scan *s = scan_of(ctx);
    s->doctype = 1;
    refuse(s, "a DOCTYPE declaration is not allowed");
}

static void on_error(void *ctx, xmlErrorPtr e)
{
    df_header_scan *s = scan_of(ctx);
    if (!e || e->code == XML_ERR_USER_STOP || e->level < XML_ERR_ERROR || s->done)
        return;
    s->errored = 1;
    if (!s->msg[0]) {
        snprintf(s->msg, sizeof s->msg, "not well-formed XML: line %d: %s", e->line, e->message ? e->message : "");
        size_t l = strlen(s->msg);
        while (l && (s->msg[l - 1] == '\n' || s->msg[l - 1] == ' '))
            s->msg[--l] = '\0';
    }
}

int df_header_scan_init(df_header_scan *s, const df_profile *p, size_t stop_after)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->stop_after = stop_after;
    s->cur = -1;
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_chars;
    sax.cdataBlock = on_chars;
    sax.internalSubset = on_subset;
    sax.serror = on_error;
    xmlParserCtxtPtr pc = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, "datafile.xml");
    if (!pc) {
        snprintf(s->msg, sizeof s->msg, "out of memory");
        return -1;
    }
    pc->_private = s; /* the callbacks get the parser context */
    xmlCtxtUseOptions(pc, XML_PARSE_NONET);
    s->pc = pc;
    return 0;
}

int df_header_scan_feed(df_header_scan *s, const void *buf, size_t n, int last)
{
    /* In pieces: one chunk of many MiB makes libxml2's push parser give up
     * with "Huge input lookup". */
    const char *b = buf;
    const size_t piece = 64 * 1024;
    size_t off = 0;
    do {
        size_t k = n - off < piece ? n - off : piece;
        int end = last && off + k == n;
        if (!s->done)
            xmlParseChunk(s->pc, b + off, (int)k, end);
        off += k;
        s->fed += k;
        if (s->errored || !((xmlParserCtxtPtr)s->pc)->wellFormed)
            s->done = 1;
        else if (!s->done && s->header == 2 && s->stop_after && s->fed >= s->stop_after)
            stop(s);
    } while (off < n && !s->done);
    return s->done;
}

int df_header_scan_finish(df_header_scan *s)
{
    xmlParserCtxtPtr pc = s->pc;
    /* Stopped by us after the Header: libxml2 may count the stop as a fault. */
    int wf = !s->errored && (s->done && s->header == 2 ? 1 : pc->wellFormed);
    if (s->msg[0])
        return -1;
    if (!s->seen_root || !wf) {
        snprintf(s->msg, sizeof s->msg, "not well-formed XML%s", s->seen_root ? "" : " (no root element)");
        return -1;
    }
    if (s->header != 2) {
        snprintf(s->msg, sizeof s->msg, "no complete <%s> in the <%s>", s->p->header, s->p->root);
        return -1;
    }
    return 0;
}

void df_header_scan_free(df_header_scan *s)
{
    if (s->pc)
        xmlFreeParserCtxt(s->pc);
    s->pc = NULL;
}

const char *df_header_scan_get(const df_header_scan *s, df_header_value v)
{
    for (int i = 0; i < s->p->nheader; i++)
        if (s->p->header_values[i] == v)
            return s->seen[i] ? s->value[i] : NULL;
    return NULL;
}
