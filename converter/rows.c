/* converter/rows.c — one row of an export: decode, map, check against the
 * rules and catalogs, then render it into the block as a record or format
 * it as a rejects.csv line; see pipeline.h. Runs on every worker, with
 * state of its own (df_rows) and everything else shared read-only. */
#include "converter/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "converter/bytes.h"
#include "converter/header_diag.h"
#include "converter/unmatched.h"
#include "converter/xlsx.h"
#include "mapping/row_filter.h"
#include "mapping/transform.h"

/* The fixed parts of a record between its values: "<Record><F1>",
 * "</F1><F2>", …, "</Fn></Record>\n" (what df_render_record writes). */
static int build_tags(df_rows *r, const df_profile *p, df_error *err)
{
    df_buf b = {0};
    const df_doctype *dt = r->dt;
    int ok = 1;
    for (int i = 0; i <= dt->nfields && ok; i++) {
        r->tag_off[i] = b.len;
        if (i == 0)
            ok = df_buf_append(&b, "<", 1) == 0 && df_buf_append(&b, p->record, strlen(p->record)) == 0 &&
                 df_buf_append(&b, ">", 1) == 0;
        else
            ok = df_buf_append(&b, "</", 2) == 0 &&
                 df_buf_append(&b, dt->fields[i - 1]->name, (size_t)dt->fields[i - 1]->name_len) == 0 &&
                 df_buf_append(&b, ">", 1) == 0;
        if (ok && i < dt->nfields)
            ok = df_buf_append(&b, "<", 1) == 0 &&
                 df_buf_append(&b, dt->fields[i]->name, (size_t)dt->fields[i]->name_len) == 0 &&
                 df_buf_append(&b, ">", 1) == 0;
        if (ok && i == dt->nfields)
            ok = df_buf_append(&b, "</", 2) == 0 && df_buf_append(&b, p->record, strlen(p->record)) == 0 &&
                 df_buf_append(&b, ">\n", 2) == 0;
    }
    r->tag_off[dt->nfields + 1] = b.len;
    if (!ok) {
        df_buf_free(&b);
        return df_errorf(err, "out of memory");
    }
    r->tags = b.data;
    return 0;
}

int df_rows_init(df_rows *r, const df_convert_options *o, df_error *err)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    r->dt = o->mapping->dt;
    /* Each catalog's key is hashed once its last field is mapped. */
    const df_catalog_set *cats = o->catalogs;
    for (int c = 0; cats && c < o->profile->ncatalogs && c < cats->n; c++) {
        r->cat_last[c] = -1;
        if (!cats->cat[c].loaded || !r->dt->catalog_applies[c])
            continue;
        for (int k = 0; k < cats->cat[c].def->nkey; k++)
            if (r->dt->catalog_fields[c][k] > r->cat_last[c])
                r->cat_last[c] = r->dt->catalog_fields[c][k];
        r->ncat = c + 1;
    }
    r->dec.cd = r->utf8.cd = (iconv_t)-1;
    if (df_decoder_open(&r->utf8, DF_ENC_UTF8, err) != 0 || df_decoder_open(&r->dec, o->mapping->encoding, err) != 0)
        return -1;
    if (build_tags(r, o->profile, err) != 0) {
        df_decoder_close(&r->dec);
        return -1;
    }
    return 0;
}

void df_rows_free(df_rows *r)
{
    df_decoder_close(&r->dec);
    df_decoder_close(&r->utf8);
    free(r->arena);
    free(r->scratch);
    free(r->tags);
    r->arena = r->scratch = r->tags = NULL;
}

/* The decoder of an input's bytes: the mapping's encoding, or UTF-8 for a
 * workbook (its cells are UTF-8 whatever the mapping says). */
static df_decoder *dec_of(df_rows *r, const df_input *in)
{
    return in->mapping.encoding == r->dec.enc ? &r->dec : &r->utf8;
}

static int ensure_arena(df_rows *r, size_t need, df_error *err)
{
    if (need <= r->arena_cap)
        return 0;
    size_t ncap = r->arena_cap ? r->arena_cap : 65536;
    while (ncap < need)
        ncap *= 2;
    char *n = realloc(r->arena, ncap);
    if (!n)
        return df_errorf(err, "out of memory");
    r->arena = n;
    r->arena_cap = ncap;
    return 0;
}

/* A workbook's header lacks mapped columns: the cells read, and the row
 * of the sheet's first DF_HEADER_DIAG_ROWS that has them all, if any
 * (skip_rows counts the sheet's non-empty rows, as the reader gives them). */
static void diagnose_sheet(const df_input *in, const char *const *names, const size_t *lens, int n, df_error *err)
{
    df_xlsx *x = NULL;
    df_error e;
    df_csv_row *row = malloc(sizeof *row);
    if (!row || df_xlsx_open(in->path, in->mapping.sheet[0] ? in->mapping.sheet : NULL, &x, &e) != 0) {
        free(row);
        return;
    }
    size_t at = strlen(err->msg);
    at += (size_t)snprintf(err->msg + at, sizeof err->msg - at, "\nthe header row read (sheet %s): ",
                           df_xlsx_sheet_name(x));
    for (int i = 0; i < n && at < sizeof err->msg; i++)
        at += (size_t)snprintf(err->msg + at, sizeof err->msg - at, "%s«%.*s»", i ? ", " : "", (int)lens[i],
                               names[i]);
    const char *wanted[DF_MAX_FIELDS];
    for (int k = 0; k < DF_HEADER_DIAG_ROWS && at < sizeof err->msg && df_xlsx_next(x, row, &e) == 1; k++)
        if (k != in->mapping.skip_rows &&
            df_mapping_missing_columns(&in->mapping, (const char *const *)row->field, row->len, row->kept, wanted,
                                       DF_MAX_FIELDS) == 0) {
            snprintf(err->msg + at, sizeof err->msg - at, "\nthe header looks like it is on row %ld of sheet %s: "
                     "set skip_rows: %d", row->line, df_xlsx_sheet_name(x), k);
            break;
        }
    df_xlsx_close(x);
    free(row);
}

/* Columns missing from the header: the header row read, and why it may
 * differ (a BOM, the encoding, the header further down), appended to err.
 * A pipe cannot be read again: its message stays as it is. */
static void diagnose_header(const df_input *in, const char *const *names, const size_t *lens, int n, df_error *err)
{
    const char *wanted[DF_MAX_FIELDS];
    int nw = df_mapping_missing_columns(&in->mapping, names, lens, n, wanted, DF_MAX_FIELDS);
    struct stat st;
    if (nw > 0 && in->xlsx)
        diagnose_sheet(in, names, lens, n, err);
    if (nw == 0 || in->xlsx || stat(in->path, &st) != 0 || !S_ISREG(st.st_mode))
        return;
    unsigned char *head = malloc(DF_HEADER_DIAG_HEAD);
    char *why = malloc(sizeof err->msg);
    FILE *f = head && why ? fopen(in->path, "rb") : NULL;
    if (f) {
        size_t len = fread(head, 1, DF_HEADER_DIAG_HEAD, f);
        fclose(f);
        df_header_diagnose(head, len, df_encoding_name(in->mapping.encoding), in->mapping.skip_rows,
                           in->mapping.delimiter, wanted, nw, why, sizeof err->msg);
        size_t used = strlen(err->msg);
        snprintf(err->msg + used, sizeof err->msg - used, "\n%s", why);
        used = strlen(err->msg);
        while (used && err->msg[used - 1] == '\n')
            err->msg[--used] = 0;
    }
    free(head);
    free(why);
}

int df_rows_header(df_rows *r, df_input *in, const df_csv_row *row, long line, df_error *err)
{
    in->ncols = row->nfields;
    /* Header names in UTF-8, to match the mapping's column names. */
    size_t total = 0;
    for (int i = 0; i < row->kept; i++)
        total += row->len[i] * 3 + 1;
    if (ensure_arena(r, total + 1, err) != 0)
        return -1;
    char **names = calloc((size_t)row->kept + 1, sizeof *names);
    size_t *lens = calloc((size_t)row->kept + 1, sizeof *lens);
    if (!names || !lens) {
        free(names);
        free(lens);
        return df_errorf(err, "out of memory");
    }
    size_t off = 0;
    for (int i = 0; i < row->kept; i++) {
        lens[i] = df_decode_lossy(dec_of(r, in), row->field[i], row->len[i], r->arena + off, r->arena_cap - off);
        names[i] = r->arena + off;
        off += lens[i] + 1;
    }
    if (df_mapping_bind_header(&in->mapping, in->path, line, (const char *const *)names, lens, row->kept, err) != 0) {
        diagnose_header(in, (const char *const *)names, lens, row->kept, err);
        free(names);
        free(lens);
        return -1;
    }
    /* Kept for rejects.csv's header row (the first input's counts). */
    for (int i = 0; i < row->kept; i++) {
        char *c = malloc(lens[i] + 1);
        if (!c) {
            for (int k = 0; k < i; k++)
                free(names[k]);
            free(names);
            free(lens);
            return df_errorf(err, "out of memory");
        }
        memcpy(c, names[i], lens[i]);
        c[lens[i]] = 0;
        names[i] = c;
    }
    in->hdr_names = names;
    in->hdr_lens = lens;
    in->hdr_n = row->kept;
    in->hdr_event = 1;
    return 0;
}

/* A rejected row into the block: its rejects.csv text and the unmatched
 * catalog keys, behind a df_rej_head. */
static int reject(df_rows *r, const df_input *in, const df_csv_row *row, uint32_t line, df_check_result *res,
                  const char *const *vals, const size_t *lens, df_block *b, df_error *err)
{
    const df_profile *pf = r->o->profile;
    const df_doctype *dt = in->mapping.dt;
    if (b->rej.len >= DF_BLOCK_REJECTS)
        return DF_ROW_FULL;
    size_t at = b->rej.len;
    df_rej_head h = {.line = line};
    df_check_message(res, dt, r->message, sizeof r->message);
    /* A preview prints the row here, in input order (it streams alone);
     * its unmatched keys still go to the sequencer, for the summary. */
    size_t split = 0;
    if (r->o->preview) {
        df_row_outcome out = {in->path, b->abs_base + (long)line - 1, 0, vals, lens, res, r->message};
        if (r->o->preview(r->o->preview_ctx, &out, err) != 0)
            return -1;
    }
    if (df_buf_append(&b->rej, &h, sizeof h) != 0 ||
        (!r->o->preview && df_rejects_format(&b->rej, &split, row, dec_of(r, in), res, r->message,
                                             (df_csv_format)r->o->rejects_format, &r->scratch,
                                             &r->scratch_cap) != 0))
        goto oom;
    h.len = (uint32_t)(b->rej.len - at - sizeof h);
    h.split = (uint32_t)split;
    /* The unmatched catalog keys the user must add. */
    for (int c = 0; vals && c < pf->ncatalogs; c++) {
        const df_catalog_def *def = &pf->catalogs[c];
        if (!(res->reasons & (1u << def->reason)) || !dt->catalog_applies[c])
            continue;
        const char *parts[DF_MAX_KEY];
        size_t plens[DF_MAX_KEY];
        for (int k = 0; k < def->nkey; k++) {
            parts[k] = vals[dt->catalog_fields[c][k]];
            plens[k] = lens[dt->catalog_fields[c][k]];
        }
        char key[2048], cols[4096];
        df_rej_key kh = {.catalog = (uint32_t)c};
        kh.len = (uint32_t)df_catalog_join_key(def, parts, plens, key, sizeof key);
        kh.cols_len = (uint32_t)df_unmatched_columns(r->unmatched, c, vals, lens, cols, sizeof cols);
        if (df_buf_append(&b->rej, &kh, sizeof kh) != 0 || df_buf_append(&b->rej, key, kh.len) != 0 ||
            df_buf_append(&b->rej, cols, kh.cols_len) != 0)
            goto oom;
        h.nkeys++;
    }
    memcpy(b->rej.data + at, &h, sizeof h);
    b->rows++;
    b->rejected++;
    for (int k = 0; k < DF_R_COUNT; k++)
        if (res->reasons & (1u << k))
            b->by_reason[k]++;
    return DF_ROW_OK;
oom:
    b->rej.len = at;
    return df_errorf(err, "out of memory");
}

/* Hashes catalog c's key of the record and starts loading its slot, as
 * soon as the key's fields are mapped, so that the lookup at the end of
 * the check finds it in cache. */
static void catalog_hash(const df_rows *r, int c, const char *const *vals, const size_t *lens, uint64_t skip,
                         df_rules_known *kn)
{
    const df_catalog *cat = &r->o->catalogs->cat[c];
    const df_doctype *dt = r->dt;
    const char *parts[DF_MAX_KEY];
    size_t plens[DF_MAX_KEY];
    for (int k = 0; k < cat->def->nkey; k++) {
        int fi = dt->catalog_fields[c][k];
        parts[k] = vals[fi];
        plens[k] = lens[fi];
        if (lens[fi] == 0 || (skip & (1ULL << fi)))
            return; /* judged already: not looked up */
    }
    kn->cat_hash[c] = df_catalog_key_hash(cat, parts, plens);
    kn->hashed |= 1u << c;
    df_catalog_prefetch(cat, kn->cat_hash[c], 0);
}

/* Decodes and transforms the mapped fields into vals/lens; problems go into res. */
static int map_fields(df_rows *r, const df_input *in, const df_csv_row *row, const char **vals, size_t *lens,
                      df_check_result *res, uint64_t *dated, df_rules_known *kn, df_error *err)
{
    const df_mapping *m = &in->mapping;
    const df_doctype *dt = m->dt;
    size_t need = 0;
    for (int i = 0; i < dt->nfields; i++)
        if (m->src[i].mapped && m->src[i].column >= 0 && m->src[i].column < row->kept)
            need += row->len[m->src[i].column] * 7 + 96;
    if (ensure_arena(r, need + 64, err) != 0)
        return -1;
    char *arena = r->arena;
    size_t off = 0;
    for (int i = 0; i < dt->nfields; i++) {
        const df_field_source *src = &m->src[i];
        vals[i] = "";
        lens[i] = 0;
        if (!src->mapped)
            continue;
        const char *inp = "";
        size_t inlen = 0;
        if (!src->has_constant) {
            if (src->column >= row->kept) {
                df_check_add(res, DF_R_COLUMNS, i, "column %d is beyond the %d kept", src->column + 1,
                             DF_CSV_MAX_FIELDS);
                res->skip_fields |= 1ULL << i;
                continue;
            }
            size_t bad = 0, cap = row->len[src->column] * 3 + 16;
            if (m->encoding == DF_ENC_UTF8 && dt->fields[i]->type == DF_FT_TEXT) {
                /* UTF-8 text is validated once, by the text rule, which
                 * reports bad bytes as E_ENCODING with their offset. */
                inp = row->field[src->column];
                inlen = row->len[src->column];
            } else if (df_decode(dec_of(r, in), row->field[src->column], row->len[src->column], arena + off, cap, &inp,
                                 &inlen, &bad) != 0) {
                df_check_add(res, DF_R_ENCODING, i, "(column %d) has bytes that are not valid %s at byte %zu",
                             src->column + 1, df_encoding_name(m->encoding), bad + 1);
                res->skip_fields |= 1ULL << i;
                continue;
            }
            if (inp == arena + off)
                off += inlen;
        }
        const char *v;
        size_t vl;
        df_tx_status st = df_transform(src, inp, inlen, arena + off, inlen + 64, &v, &vl);
        if (v == arena + off)
            off += vl;
        vals[i] = v;
        lens[i] = vl;
        if (st == DF_TX_OK && vl && src->ndate_formats && !src->has_constant)
            *dated |= 1ULL << i; /* df_date_parse made it, and checked the day */
        if (st != DF_TX_OK) {
            char q[DF_DETAIL_MAX / 2];
            df_quote_value(q, sizeof q, v, vl, df_field_quote_chars(dt->fields[i]));
            if (st == DF_TX_BAD_DATE)
                df_check_add(res, DF_R_FORMAT, i, "%s matches none of the mapping's date formats", q);
            else if (st == DF_TX_BAD_DECIMAL)
                df_check_add(res, DF_R_FORMAT, i, "%s is not a number", q);
            else
                df_check_add(res, DF_R_FORMAT, i, "%s is not in the mapping's value map", q);
            res->skip_fields |= 1ULL << i;
        }
        for (int c = 0; c < r->ncat; c++)
            if (r->cat_last[c] == i)
                catalog_hash(r, c, vals, lens, res->skip_fields, kn);
    }
    return 0;
}

/* Text as df_valid_utf8_text has it (UTF-8, shortest forms, no
 * surrogates, no controls but tab, LF and CR, no U+FFFE/U+FFFF), in the one
 * pass over the bytes that also counts characters and sees whether a byte
 * needs escaping (& < > CR). 1 valid, 0 not (the rules then say why). */
/* ASCII in text: 0 as is, 1 escaped by canonical XML (& < > CR), 2 not
 * allowed (controls but tab, LF and CR; DEL). */
static const unsigned char ascii_class[128] = {
    2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 2, 2, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
};

int df_text_scan(const char *str, size_t len, size_t *chars, int *escape)
{
    const unsigned char *s = (const unsigned char *)str, *e = s + len;
    size_t n = 0;
    int esc = 0;
    while (s < e) {
        unsigned c = *s;
        if (c < 0x80) {
            unsigned k = ascii_class[c];
            if (k == 2)
                return 0;
            esc |= (int)k;
            s++;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (e - s < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
                return 0;
            if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) ||
                (c == 0xEF && s[1] == 0xBF && s[2] >= 0xBE))
                return 0; /* overlong, surrogate, U+FFFE/U+FFFF */
            s += 3;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (e - s < 2 || (s[1] & 0xC0) != 0x80 || (c == 0xC2 && s[1] < 0xA0))
                return 0; /* C1 controls U+0080–U+009F */
            s += 2;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (e - s < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80 ||
                (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
                return 0;
            s += 4;
        } else {
            return 0;
        }
        n++;
    }
    *chars = n;
    *escape = esc;
    return 1;
}

/* Renders an accepted record at out (cap bytes): the precomputed tags and
 * the values, copied as they are when bit i of plain says no byte of
 * value i needs escaping. 0 if it does not fit. */
static size_t render(const df_rows *r, const char *const *vals, const size_t *lens, uint64_t plain, char *out,
                     size_t cap)
{
    const df_doctype *dt = r->dt;
    size_t o = 0;
    for (int i = 0; i <= dt->nfields; i++) {
        size_t tl = r->tag_off[i + 1] - r->tag_off[i];
        if (o + tl > cap)
            return 0;
        df_copy_bytes(out + o, r->tags + r->tag_off[i], tl);
        o += tl;
        if (i == dt->nfields)
            break;
        if (plain & (1ULL << i)) {
            if (o + lens[i] > cap)
                return 0;
            df_copy_bytes(out + o, vals[i], lens[i]);
            o += lens[i];
            continue;
        }
        size_t w = df_c14n_escape_text(vals[i], lens[i], out + o, cap - o);
        if (w == (size_t)-1)
            return 0;
        o += w;
    }
    return o;
}

static void catalog_prefetch_keys(const df_rows *r, const df_rules_known *kn)
{
    for (int c = 0; kn->hashed >> c; c++)
        if (kn->hashed & (1u << c))
            df_catalog_prefetch(&r->o->catalogs->cat[c], kn->cat_hash[c], 1);
}

/* The checks: text once (with what rendering needs), then the rules. */
static void check(df_rows *r, const char *const *vals, const size_t *lens, df_rules_known *known,
                  uint64_t *plain, df_check_result *res)
{
    const df_doctype *dt = r->dt;
    df_rules_known kn = *known;
    size_t *chars = (size_t *)kn.chars;
    uint64_t pl = 0;
    for (int i = 0; i < dt->nfields; i++) {
        uint64_t bit = 1ULL << i;
        if (dt->fields[i]->type != DF_FT_TEXT || lens[i] == 0) {
            pl |= bit; /* a valid code, date or decimal has nothing to escape */
            continue;
        }
        int esc;
        if (!(res->skip_fields & bit) && df_text_scan(vals[i], lens[i], &chars[i], &esc)) {
            kn.text |= bit;
            if (!esc)
                pl |= bit;
        }
    }
    catalog_prefetch_keys(r, &kn);
    df_rules_check_known(r->o->profile, dt, r->o->catalogs, vals, lens, &kn, res);
    *plain = pl;
}

int df_rows_not_data(df_rows *r, const df_input *in, const df_csv_row *row, df_error *err)
{
    const df_mapping *m = &in->mapping;
    if (!m->nfilters)
        return 0;
    if (m->encoding == DF_ENC_UTF8)
        return df_row_filter_skip(m, row->field, row->len, row->kept, NULL);
    size_t need = 1;
    for (int i = 0; i < row->kept; i++)
        need += row->len[i] * 3 + 1;
    if (ensure_arena(r, need, err) != 0)
        return -1;
    const char *f[DF_CSV_MAX_FIELDS];
    size_t l[DF_CSV_MAX_FIELDS], off = 0;
    for (int i = 0; i < row->kept; i++) {
        l[i] = df_decode_lossy(dec_of(r, in), row->field[i], row->len[i], r->arena + off, r->arena_cap - off);
        f[i] = r->arena + off;
        off += l[i] + 1;
    }
    return df_row_filter_skip(m, f, l, row->kept, NULL);
}

static int process(df_rows *r, const df_input *in, const df_csv_row *row, uint32_t line, df_block *b,
                   df_error *err)
{
    const df_mapping *m = &in->mapping;
    int nd = df_rows_not_data(r, in, row, err);
    if (nd != 0) {
        b->skipped += nd > 0;
        return nd > 0 ? DF_ROW_OK : -1;
    }
    df_check_result res;
    df_check_reset(&res);
    if (row->nfields != in->ncols) {
        df_check_add(&res, DF_R_COLUMNS, -1, "the row has %d columns, the %s has %d", row->nfields,
                     m->header ? "header" : "first row", in->ncols);
        return reject(r, in, row, line, &res, NULL, NULL, b, err);
    }
    const char *vals[DF_MAX_FIELDS];
    size_t lens[DF_MAX_FIELDS], chars[DF_MAX_FIELDS];
    uint64_t plain = 0;
    df_rules_known kn = {.chars = chars};
    if (map_fields(r, in, row, vals, lens, &res, &kn.date, &kn, err) != 0)
        return -1;
    check(r, vals, lens, &kn, &plain, &res);
    if (res.reasons)
        return reject(r, in, row, line, &res, vals, lens, b, err);
    if (r->o->preview) {
        df_row_outcome out = {in->path, b->abs_base + (long)line - 1, 1, vals, lens, NULL, NULL};
        if (r->o->preview(r->o->preview_ctx, &out, err) != 0)
            return -1;
        b->rows++;
        b->accepted++;
        return DF_ROW_OK;
    }
    if (b->nrec >= DF_BLOCK_RECORDS)
        return DF_ROW_FULL;
    size_t room = DF_BLOCK_XML - b->xml_len, cap = room < DF_MAX_RECORD ? room : DF_MAX_RECORD;
    size_t n = render(r, vals, lens, plain, b->xml + b->xml_len, cap);
    if (n == 0) {
        if (cap < DF_MAX_RECORD)
            return DF_ROW_FULL;
        df_check_add(&res, DF_R_TOO_LONG, -1, "the record is larger than %u bytes", DF_MAX_RECORD);
        return reject(r, in, row, line, &res, vals, lens, b, err);
    }
    b->rec_len[b->nrec] = (uint32_t)n;
    b->rec_line[b->nrec] = line;
    b->nrec++;
    b->xml_len += n;
    b->rows++;
    b->accepted++;
    return DF_ROW_OK;
}

int df_rows_process(df_rows *r, const df_input *in, const df_csv_row *row, uint32_t line, df_block *b,
                    df_error *err)
{
    if (!r->timing)
        return process(r, in, row, line, b, err);
    double t0 = df_now();
    int rc = process(r, in, row, line, b, err);
    r->rows_s += df_now() - t0;
    return rc;
}
