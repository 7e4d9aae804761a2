/* simulator/upload_check.c — drugflow-sim's check of an uploaded file
 * before it is stored (answer 2003 when it fails): well-formed XML, the
 * profile's root element, no DOCTYPE (parsed with no network, no DTD, no
 * entities), and the header's Period for the archived-period rule. */
#include "simulator/sim.h"

#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

typedef struct xml_check {
    const df_profile *p;
    int depth, root_ok, doctype, in_header, in_period, seen_root;
    char period[32];
    size_t period_len;
    char msg[300];
} xml_check;

static void xc_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri, int nns,
                     const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
    (void)prefix, (void)uri, (void)nns, (void)ns, (void)nattr, (void)ndef, (void)attrs;
    xmlParserCtxtPtr pc = ctx;
    xml_check *x = pc->_private;
    if (x->depth == 0) {
        x->seen_root = 1;
        x->root_ok = strcmp((const char *)local, x->p->root) == 0;
        if (!x->root_ok) {
            snprintf(x->msg, sizeof x->msg, "root element is <%.60s>, not <%s>", local, x->p->root);
            xmlStopParser(pc);
        }
    } else if (x->depth == 1) {
        x->in_header = strcmp((const char *)local, x->p->header) == 0;
    } else if (x->depth == 2 && x->in_header) {
        for (int i = 0; i < x->p->nheader; i++)
            if (x->p->header_values[i] == DF_HV_PERIOD && strcmp(x->p->header_names[i], (const char *)local) == 0)
                x->in_period = 1;
    }
    x->depth++;
}

static void xc_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    (void)local, (void)prefix, (void)uri;
    xml_check *x = ((xmlParserCtxtPtr)ctx)->_private;
    x->depth--;
    x->in_period = 0;
    if (x->depth == 1)
        x->in_header = 0;
}

static void xc_chars(void *ctx, const xmlChar *ch, int len)
{
    xml_check *x = ((xmlParserCtxtPtr)ctx)->_private;
    if (!x->in_period)
        return;
    size_t room = sizeof x->period - 1 - x->period_len;
    size_t n = (size_t)len < room ? (size_t)len : room;
    memcpy(x->period + x->period_len, ch, n);
    x->period_len += n;
    x->period[x->period_len] = '\0';
}

static void xc_subset(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
    (void)name, (void)eid, (void)sid;
    xmlParserCtxtPtr pc = ctx;
    xml_check *x = pc->_private;
    x->doctype = 1;
    snprintf(x->msg, sizeof x->msg, "a DOCTYPE declaration is not allowed");
    xmlStopParser(pc);
}

static void xc_serror(void *ctx, xmlErrorPtr e)
{
    xml_check *x = ((xmlParserCtxtPtr)ctx)->_private;
    if (!x->msg[0] && e) {
        snprintf(x->msg, sizeof x->msg, "not well-formed XML: line %d: %s", e->line, e->message ? e->message : "");
        size_t l = strlen(x->msg);
        while (l && x->msg[l - 1] == '\n')
            x->msg[--l] = '\0';
    }
}

/* 0 if acceptable; -1 with x->msg set otherwise. prefix > 0: only the
 * first prefix bytes are parsed (root, DOCTYPE, header); the rest of the
 * file's well-formedness is then left to processing (E_SCHEMA). */
static int check_xml(const df_profile *p, const unsigned char *buf, size_t len, size_t prefix, xml_check *x)
{
    memset(x, 0, sizeof *x);
    x->p = p;
    if (len > 0x7fffffff) {
        snprintf(x->msg, sizeof x->msg, "file too large");
        return -1;
    }
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = xc_start;
    sax.endElementNs = xc_end;
    sax.characters = xc_chars;
    sax.internalSubset = xc_subset;
    sax.serror = xc_serror;
    xmlParserCtxtPtr pc = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, "upload.xml");
    if (!pc) {
        snprintf(x->msg, sizeof x->msg, "out of memory");
        return -1;
    }
    pc->_private = x; /* the callbacks get the parser context (userData) */
    xmlCtxtUseOptions(pc, XML_PARSE_NONET);
    /* Fed in pieces: one chunk of many MiB makes libxml2's push parser
     * give up with "Huge input lookup" on a 20,000-record file. */
    size_t end = prefix > 0 && len > prefix ? prefix : len, off = 0;
    const size_t piece = 64 * 1024;
    while (off < end && pc->wellFormed) {
        size_t n = end - off < piece ? end - off : piece;
        int last = off + n == end && end == len;
        xmlParseChunk(pc, (const char *)buf + off, (int)n, last);
        off += n;
    }
    if (end == 0)
        xmlParseChunk(pc, (const char *)buf, 0, 1);
    int wf = pc->wellFormed;
    xmlFreeParserCtxt(pc);
    if (x->doctype || (x->seen_root && !x->root_ok))
        return -1;
    if (!wf || !x->seen_root) {
        if (!x->msg[0])
            snprintf(x->msg, sizeof x->msg, "not well-formed XML");
        return -1;
    }
    return 0;
}

int sim_check_upload(const df_profile *p, const unsigned char *buf, size_t len, size_t prefix, char period[32],
                     char msg[300])
{
    xml_check x;
    int rc = check_xml(p, buf, len, prefix, &x);
    memcpy(period, x.period, sizeof x.period);
    memcpy(msg, x.msg, sizeof x.msg);
    return rc;
}

