/* writer/chunk_writer.c — data files in canonical form, digested as written;
 * see chunk_writer.h for why the bytes are exactly C14N. */
#include "writer/chunk_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writer/sigalg.h"

#define OUT_BUF_SIZE (256 * 1024)
static const char XML_DECL[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

int df_buf_reserve(df_buf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 4096;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        char *nd = realloc(b->data, ncap);
        if (!nd)
            return -1;
        b->data = nd;
        b->cap = ncap;
    }
    return 0;
}

int df_buf_append(df_buf *b, const void *p, size_t n)
{
    if (df_buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

void df_buf_free(df_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

size_t df_c14n_escape_text(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    const char *p = s, *e = s + len;
    while (p < e) {
        /* Copy the run of bytes that need no escaping in one go. */
        const char *q = p;
        /* Eight bytes at a time while none is & < > or CR. */
        while (e - q >= 8) {
            uint64_t w;
            memcpy(&w, q, 8);
            const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
            uint64_t a = w ^ ('&' * ones), b = w ^ ('<' * ones), c = w ^ ('>' * ones), d = w ^ ('\r' * ones);
            uint64_t hit = ((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c) | ((d - ones) & ~d);
            if (hit & highs)
                break;
            q += 8;
        }
        while (q < e && *q != '&' && *q != '<' && *q != '>' && *q != '\r')
            q++;
        size_t run = (size_t)(q - p);
        if (o + run > cap)
            return (size_t)-1;
        memcpy(out + o, p, run);
        o += run;
        if (q == e)
            break;
        const char *rep;
        size_t rl;
        switch (*q) {
        case '&': rep = "&amp;"; rl = 5; break;
        case '<': rep = "&lt;"; rl = 4; break;
        case '>': rep = "&gt;"; rl = 4; break;
        default: rep = "&#xD;"; rl = 5; break;
        }
        if (o + rl > cap)
            return (size_t)-1;
        memcpy(out + o, rep, rl);
        o += rl;
        p = q + 1;
    }
    return o;
}

size_t df_render_record(const df_profile *p, const df_doctype *dt, const char *const *vals,
                        const size_t *lens, char *buf, size_t cap)
{
    size_t o = 0, rl = p->record_len;
#define PUT(s, n)                                                                                  \
    do {                                                                                           \
        if (o + (n) > cap)                                                                         \
            return 0;                                                                              \
        memcpy(buf + o, (s), (n));                                                                 \
        o += (n);                                                                                  \
    } while (0)
    PUT("<", 1);
    PUT(p->record, rl);
    PUT(">", 1);
    for (int i = 0; i < dt->nfields; i++) {
        const char *name = dt->fields[i]->name;
        size_t nl = (size_t)dt->fields[i]->name_len;
        PUT("<", 1);
        PUT(name, nl);
        PUT(">", 1);
        size_t w = df_c14n_escape_text(vals[i], lens[i], buf + o, cap - o);
        if (w == (size_t)-1)
            return 0;
        o += w;
        PUT("</", 2);
        PUT(name, nl);
        PUT(">", 1);
    }
    PUT("</", 2);
    PUT(p->record, rl);
    PUT(">\n", 2);
#undef PUT
    return o;
}

/* ---- output: xmlTextWriter → our buffer → digests → file ------------- */

static int flush_out(df_chunk_writer *w)
{
    if (w->out_len && !w->io_failed) {
        if (df_atomic_write(&w->file, w->out, w->out_len, &w->io_err) != 0)
            w->io_failed = 1;
    }
    w->out_len = 0;
    return w->io_failed ? -1 : 0;
}

/* Every byte of the file passes here once: into the digests. */
static void digest_bytes(df_chunk_writer *w, const char *p, size_t n)
{
    if (w->whole)
        EVP_DigestUpdate(w->whole, p, n);
    if (w->c14n && w->digesting) {
        size_t skip = w->skip < n ? w->skip : n;
        w->skip -= skip;
        if (n > skip)
            EVP_DigestUpdate(w->c14n, p + skip, n - skip);
    }
    w->bytes += n;
}

static int io_write(void *ctx, const char *buf, int len)
{
    df_chunk_writer *w = ctx;
    if (w->discarding)
        return len; /* an aborted chunk: swallow quietly, libxml2 would print an I/O error */
    if (w->io_failed)
        return -1;
    size_t n = (size_t)len;
    const char *p = buf;
    digest_bytes(w, p, n);
    if (w->out_len + n > OUT_BUF_SIZE && flush_out(w) != 0)
        return -1;
    if (n >= OUT_BUF_SIZE) {
        if (df_atomic_write(&w->file, p, n, &w->io_err) != 0) {
            w->io_failed = 1;
            return -1;
        }
        return len;
    }
    memcpy(w->out + w->out_len, p, n);
    w->out_len += n;
    return len;
}

static int io_close(void *ctx)
{
    (void)ctx;
    return 0;
}

static int xw_fail(df_chunk_writer *w, df_error *err, const char *what)
{
    if (w->io_failed)
        return df_errorf(err, "%s", w->io_err.msg);
    return df_errorf(err, "%s: xmlTextWriter failed while writing %s", w->file.final_path, what);
}

/* Writes "<name>escaped value</name>\n" with xmlTextWriter for the element
 * and raw canonical text for the value. */
static int write_text_element(df_chunk_writer *w, const char *name, const char *value, df_error *err)
{
    char esc[4096];
    size_t n = df_c14n_escape_text(value, strlen(value), esc, sizeof esc - 1);
    if (n == (size_t)-1)
        return df_errorf(err, "%s: value of %s is too long for a header", w->file.final_path, name);
    esc[n] = 0;
    if (xmlTextWriterStartElement(w->xw, BAD_CAST name) < 0 ||
        (n && xmlTextWriterWriteRawLen(w->xw, BAD_CAST esc, (int)n) < 0) ||
        xmlTextWriterFullEndElement(w->xw) < 0 || xmlTextWriterWriteRaw(w->xw, BAD_CAST "\n") < 0)
        return xw_fail(w, err, name);
    return 0;
}

int df_chunk_open(df_chunk_writer *w, const df_profile *p, const df_chunk_meta *m, int chunk_seq,
                  const char *path, int digests, df_error *err)
{
    memset(w, 0, sizeof *w);
    w->profile = p;
    w->file.fd = -1;
    if (df_atomic_open(&w->file, path, err) != 0)
        return -1;
    w->out = malloc(OUT_BUF_SIZE);
    if (digests & DF_CHUNK_FILE_DIGEST)
        w->whole = EVP_MD_CTX_new();
    if (digests & DF_CHUNK_C14N_DIGEST)
        w->c14n = EVP_MD_CTX_new();
    if (!w->out || ((digests & DF_CHUNK_FILE_DIGEST) && !w->whole) ||
        ((digests & DF_CHUNK_C14N_DIGEST) && !w->c14n) ||
        (w->whole && !EVP_DigestInit_ex(w->whole, EVP_sha256(), NULL)) ||
        (w->c14n && !EVP_DigestInit_ex(w->c14n, df_sigalg_md(p->signature.digest), NULL))) {
        df_chunk_abort(w);
        return df_errorf(err, "%s: out of memory", path);
    }
    w->digesting = 1;
    w->skip = sizeof XML_DECL - 1;
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(io_write, io_close, w, NULL);
    if (!ob || !(w->xw = xmlNewTextWriter(ob))) {
        if (ob)
            xmlOutputBufferClose(ob);
        df_chunk_abort(w);
        return df_errorf(err, "%s: cannot create the XML writer", path);
    }
    char seq[32];
    snprintf(seq, sizeof seq, "%d", chunk_seq);
    const char *hv[DF_HV_COUNT] = {
        [DF_HV_ENTERPRISE_CODE] = m->enterprise_code, [DF_HV_ENTERPRISE_NAME] = m->enterprise_name,
        [DF_HV_DOC_TYPE] = m->doc_type,               [DF_HV_PERIOD] = m->period,
        [DF_HV_BATCH_ID] = m->batch_id,               [DF_HV_CHUNK_SEQ] = seq,
        [DF_HV_CREATED_AT] = m->created_at,
    };
    /* The declaration is written raw: xmlTextWriterStartDocument would put
     * an encoder in the output path that copies every byte once more. */
    if (xmlTextWriterWriteRaw(w->xw, BAD_CAST XML_DECL) < 0 ||
        xmlTextWriterStartElement(w->xw, BAD_CAST p->root) < 0 ||
        xmlTextWriterWriteAttribute(w->xw, BAD_CAST p->version_attribute, BAD_CAST p->version) < 0 ||
        xmlTextWriterWriteRaw(w->xw, BAD_CAST "\n") < 0 ||
        xmlTextWriterStartElement(w->xw, BAD_CAST p->header) < 0 ||
        xmlTextWriterWriteRaw(w->xw, BAD_CAST "\n") < 0) {
        xw_fail(w, err, "the header");
        df_chunk_abort(w);
        return -1;
    }
    for (int i = 0; i < p->nheader; i++) {
        if (write_text_element(w, p->header_names[i], hv[p->header_values[i]] ? hv[p->header_values[i]] : "",
                               err) != 0) {
            df_chunk_abort(w);
            return -1;
        }
    }
    if (xmlTextWriterFullEndElement(w->xw) < 0 || xmlTextWriterWriteRaw(w->xw, BAD_CAST "\n") < 0 ||
        xmlTextWriterStartElement(w->xw, BAD_CAST p->records) < 0 ||
        xmlTextWriterWriteRaw(w->xw, BAD_CAST "\n") < 0) {
        xw_fail(w, err, "the header");
        df_chunk_abort(w);
        return -1;
    }
    return 0;
}

/* Bytes that bypass xmlTextWriter: digested and written like io_write's,
 * large ones straight from the caller's memory. */
static int write_direct(df_chunk_writer *w, const char *p, size_t n)
{
    digest_bytes(w, p, n);
    if (n < OUT_BUF_SIZE / 4 && w->out_len + n <= OUT_BUF_SIZE) {
        memcpy(w->out + w->out_len, p, n);
        w->out_len += n;
        return 0;
    }
    if (flush_out(w) != 0)
        return -1;
    if (df_atomic_write(&w->file, p, n, &w->io_err) != 0) {
        w->io_failed = 1;
        return -1;
    }
    return 0;
}

int df_chunk_write_records(df_chunk_writer *w, const char *xml, size_t len, uint64_t nrecords,
                           df_error *err)
{
    /* What xmlTextWriter holds goes first, so that the order is kept. */
    if (xmlTextWriterFlush(w->xw) < 0)
        return xw_fail(w, err, "records");
    if (w->io_failed || (len && write_direct(w, xml, len) != 0))
        return xw_fail(w, err, "records");
    w->records += nrecords;
    return 0;
}

int df_chunk_finish_uncommitted(df_chunk_writer *w, df_sign_fn sign, void *sign_ctx, df_chunk_result *res,
                                df_atomic_file *file, df_error *err)
{
    const df_profile *p = w->profile;
    char count[32];
    snprintf(count, sizeof count, "%llu", (unsigned long long)w->records);
    if (xmlTextWriterFullEndElement(w->xw) < 0 || xmlTextWriterWriteRaw(w->xw, BAD_CAST "\n") < 0 ||
        xmlTextWriterStartElement(w->xw, BAD_CAST p->trailer) < 0 ||
        xmlTextWriterWriteElement(w->xw, BAD_CAST p->record_count, BAD_CAST count) < 0 ||
        xmlTextWriterFullEndElement(w->xw) < 0 || xmlTextWriterWriteRaw(w->xw, BAD_CAST "\n") < 0 ||
        xmlTextWriterFlush(w->xw) < 0) {
        xw_fail(w, err, "the trailer");
        df_chunk_abort(w);
        return -1;
    }
    /* The canonical form ends with the root's end tag; the Signature comes
     * between and is left out by the enveloped-signature transform. */
    char end[DF_NAME_MAX + 4];
    int endl = snprintf(end, sizeof end, "</%s>", p->root);
    if (w->c14n) {
        EVP_DigestUpdate(w->c14n, end, (size_t)endl);
        unsigned int dl = 0;
        EVP_DigestFinal_ex(w->c14n, res->c14n_digest, &dl);
        res->c14n_digest_len = dl;
    }
    w->digesting = 0;
    if (sign) {
        if (!w->c14n) {
            df_chunk_abort(w);
            return df_errorf(err, "%s: signing needs the canonical digest", w->file.final_path);
        }
        df_buf sig = {0};
        if (sign(sign_ctx, res->c14n_digest, res->c14n_digest_len, &sig, err) != 0) {
            df_buf_free(&sig);
            df_error_prefix(err, "%s", w->file.final_path);
            df_chunk_abort(w);
            return -1;
        }
        int rc = xmlTextWriterWriteRawLen(w->xw, BAD_CAST sig.data, (int)sig.len);
        df_buf_free(&sig);
        if (rc < 0) {
            xw_fail(w, err, "the signature");
            df_chunk_abort(w);
            return -1;
        }
    }
    /* End the root ourselves: xmlTextWriterEndDocument would add nothing but
     * a newline, which we write with it. */
    if (xmlTextWriterWriteRawLen(w->xw, BAD_CAST end, endl) < 0 ||
        xmlTextWriterWriteRaw(w->xw, BAD_CAST "\n") < 0 || xmlTextWriterFlush(w->xw) < 0) {
        xw_fail(w, err, "the end");
        df_chunk_abort(w);
        return -1;
    }
    /* The root element is still open in xmlTextWriter's view; freeing the
     * writer only flushes and closes its output buffer, writing nothing. */
    xmlFreeTextWriter(w->xw);
    w->xw = NULL;
    if (w->io_failed || flush_out(w) != 0) {
        df_errorf(err, "%s", w->io_err.msg);
        df_chunk_abort(w);
        return -1;
    }
    unsigned int dl = 0;
    if (w->whole) {
        EVP_DigestFinal_ex(w->whole, res->file_sha256, &dl);
        res->has_file_sha256 = 1;
    }
    snprintf(res->path, sizeof res->path, "%s", w->file.final_path);
    res->records = w->records;
    res->bytes = w->bytes;
    *file = w->file; /* handed over: abort below no longer sees it */
    w->file.fd = -1;
    w->file.tmp_path[0] = 0;
    df_chunk_abort(w); /* frees buffers */
    return 0;
}

int df_chunk_finish(df_chunk_writer *w, df_sign_fn sign, void *sign_ctx, df_chunk_result *res,
                    df_error *err)
{
    df_atomic_file file;
    if (df_chunk_finish_uncommitted(w, sign, sign_ctx, res, &file, err) != 0)
        return -1;
    return df_atomic_commit(&file, err);
}

void df_chunk_abort(df_chunk_writer *w)
{
    if (w->xw) {
        w->discarding = 1; /* drop whatever the writer still flushes */
        xmlFreeTextWriter(w->xw);
        w->xw = NULL;
    }
    df_atomic_abort(&w->file);
    free(w->out);
    w->out = NULL;
    if (w->c14n)
        EVP_MD_CTX_free(w->c14n);
    if (w->whole)
        EVP_MD_CTX_free(w->whole);
    w->c14n = w->whole = NULL;
}

void df_xml_init(void)
{
    xmlInitParser();
}

void df_xml_cleanup(void)
{
    xmlCleanupParser();
}
