/* converter/xlsx_part.c — an .xlsx part as a stream of XML nodes, with the
 * defences against hostile zips and XML (converter/xlsx_part.h). */
#include "converter/xlsx_part.h"

#include <stdio.h>
#include <string.h>

#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
#define RATIO_FLOOR (64u * 1024)   /* smaller parts may compress as they like */

/* Finds <!DOCTYPE before the root element in what was just read (the tail
 * of the previous read joined on). Cheap, and stops a DTD before libxml2
 * parses its internal subset; the reader's node check below backs it up
 * (UTF-16 parts). */
static int prolog_has_doctype(df_xlsx_part *p, const char *buf, size_t n)
{
    char win[sizeof p->tail + 64];
    for (size_t off = 0; off < n && p->prolog;) {
        size_t tl = strlen(p->tail), k = n - off < 64 ? n - off : 64;
        memcpy(win, p->tail, tl);
        memcpy(win + tl, buf + off, k);
        size_t wl = tl + k;
        for (size_t i = 0; i + 1 < wl; i++) {
            if (win[i] != '<')
                continue;
            if (wl - i >= 9 && !memcmp(win + i, "<!DOCTYPE", 9))
                return 1;
            if (win[i + 1] != '?' && win[i + 1] != '!' && win[i + 1] != '<') {
                p->prolog = 0;
                break;
            }
        }
        size_t keep = wl < sizeof p->tail - 1 ? wl : sizeof p->tail - 1;
        memcpy(p->tail, win + wl - keep, keep);
        p->tail[keep] = '\0';
        off += k;
    }
    return 0;
}

static int io_read(void *ctx, char *buf, int len)
{
    df_xlsx_part *p = ctx;
    zip_int64_t n = zip_fread(p->zf, buf, (zip_uint64_t)len);
    if (n < 0) {
        snprintf(p->io_err, sizeof p->io_err, "cannot read it from the zip: %s", zip_file_strerror(p->zf));
        return -1;
    }
    p->done += (uint64_t)n;
    if (p->done > p->declared) {
        snprintf(p->io_err, sizeof p->io_err,
                 "it holds more than the %llu bytes the zip declares (a damaged or hostile file)",
                 (unsigned long long)p->declared);
        return -1;
    }
    if (p->prolog && prolog_has_doctype(p, buf, (size_t)n)) {
        snprintf(p->io_err, sizeof p->io_err, "it has a DTD (<!DOCTYPE), which .xlsx parts never have; refused");
        return -1;
    }
    return (int)n;
}

static int io_close(void *ctx)
{
    (void)ctx;
    return 0;
}

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
    df_xlsx_part *p = ctx;
    if (p->xml_err[0] || !e || e->level < XML_ERR_ERROR)
        return;
    snprintf(p->xml_err, sizeof p->xml_err, "%s", e->message ? e->message : "malformed XML");
    size_t l = strlen(p->xml_err);
    while (l > 0 && (p->xml_err[l - 1] == '\n' || p->xml_err[l - 1] == ' '))
        p->xml_err[--l] = '\0';
    p->xml_line = e->line;
}

int df_xlsx_part_open(zip_t *za, const char *name, const df_xlsx_limits *lim, int required,
                      df_xlsx_part *p, df_error *err)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    zip_int64_t idx = zip_name_locate(za, name, ZIP_FL_NOCASE);
    if (idx < 0)
        return required ? df_errorf(err, "%s: missing (the workbook is incomplete or not an .xlsx)", name) : 0;
    zip_stat_t st;
    if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        !(st.valid & ZIP_STAT_COMP_SIZE))
        return df_errorf(err, "%s: cannot read its zip entry: %s", name, zip_strerror(za));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return df_errorf(err, "%s: encrypted; save the workbook without a password", name);
    if (st.size > lim->part_max)
        return df_errorf(err, "%s: %llu bytes uncompressed, over the limit of %llu; refused (zip bomb?)", name,
                         (unsigned long long)st.size, (unsigned long long)lim->part_max);
    if (st.size > RATIO_FLOOR && st.size / (st.comp_size ? st.comp_size : 1) > lim->ratio_max)
        return df_errorf(err, "%s: compressed %llu:1 (%llu bytes to %llu), over the limit of %u:1; refused (zip bomb?)",
                         name, (unsigned long long)(st.size / (st.comp_size ? st.comp_size : 1)),
                         (unsigned long long)st.comp_size, (unsigned long long)st.size, lim->ratio_max);
    p->declared = st.size;
    p->comp = st.comp_size;
    p->prolog = 1;
    p->zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (!p->zf)
        return df_errorf(err, "%s: cannot open its zip entry: %s", name, zip_strerror(za));
    p->r = xmlReaderForIO(io_read, io_close, p, name, NULL, PARSE_OPTIONS);
    if (!p->r) {
        df_xlsx_part_close(p);
        return df_errorf(err, "%s: not XML (or out of memory)", name);
    }
    xmlTextReaderSetStructuredErrorHandler(p->r, on_xml_error, p);
    return 1;
}

int df_xlsx_part_read(df_xlsx_part *p, df_error *err)
{
    int rc = xmlTextReaderRead(p->r);
    if (rc == 1 && xmlTextReaderNodeType(p->r) == XML_READER_TYPE_DOCUMENT_TYPE)
        return df_errorf(err, "%s: it has a DTD (<!DOCTYPE), which .xlsx parts never have; refused", p->name);
    if (rc >= 0 && !p->io_err[0] && !(rc == 0 && p->xml_err[0]))
        return rc;
    if (p->io_err[0])
        return df_errorf(err, "%s: %s", p->name, p->io_err);
    if (p->xml_err[0])
        return df_errorf(err, "%s: not well-formed XML (line %d: %s)", p->name, p->xml_line, p->xml_err);
    return df_errorf(err, "%s: not well-formed XML", p->name);
}

void df_xlsx_part_close(df_xlsx_part *p)
{
    if (p->r)
        xmlFreeTextReader(p->r);
    if (p->zf)
        zip_fclose(p->zf);
    p->r = NULL;
    p->zf = NULL;
}

unsigned df_xlsx_attrs(xmlTextReaderPtr r, const char *const *names, char **bufs, size_t cap, int n)
{
    unsigned mask = 0;
    for (int i = 0; i < n; i++)
        bufs[i][0] = '\0';
    if (xmlTextReaderMoveToFirstAttribute(r) != 1)
        return 0;
    do {
        const char *ln = (const char *)xmlTextReaderConstLocalName(r);
        for (int i = 0; i < n; i++)
            if (!(mask & (1u << i)) && ln && !strcmp(ln, names[i])) {
                const char *v = (const char *)xmlTextReaderConstValue(r);
                size_t l = v ? strlen(v) : 0;
                l = l < cap ? l : cap - 1;
                memcpy(bufs[i], v ? v : "", l);
                bufs[i][l] = '\0';
                mask |= 1u << i;
            }
    } while (xmlTextReaderMoveToNextAttribute(r) == 1);
    xmlTextReaderMoveToElement(r);
    return mask;
}

const char *df_xlsx_node(xmlTextReaderPtr r, int *type)
{
    *type = xmlTextReaderNodeType(r);
    if (*type != XML_READER_TYPE_ELEMENT && *type != XML_READER_TYPE_END_ELEMENT)
        return "";
    const char *ln = (const char *)xmlTextReaderConstLocalName(r);
    return ln ? ln : "";
}

int df_xlsx_is(xmlTextReaderPtr r, int type, const char *local)
{
    if (xmlTextReaderNodeType(r) != type)
        return 0;
    const char *ln = (const char *)xmlTextReaderConstLocalName(r);
    return ln && !strcmp(ln, local);
}
