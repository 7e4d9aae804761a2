/* simulator/process.c — what drugflow-sim does with a received file after
 * answering the upload (INTERFACE.md §6), on worker threads fed by a
 * bounded queue: signature (E_SIGNATURE), signer (E_SIGNER), header
 * enterprise (E_ENTERPRISE), schema (E_SCHEMA), then every record through
 * the converter's own rules (mapping/rules.h) against the enterprise's
 * catalogs, giving passed, partial or failed (the profile's states) with
 * at most the profile's errors_max record errors.
 * Records are streamed with xmlTextReader (schema validation attached), so
 * that only the signature check holds a DOM. */
#include "simulator/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>

#include "mapping/rules.h"
#include "writer/verify.h"

/* ---- the result being built ---- */

typedef struct result {
    long long total, passed, failed;
    int nerrors;
    sim_buf errors;
    const char *fatal; /* whole-file failure code, or NULL */
    int stopped;       /* the server is stopping: the file stays PENDING */
} result;

/* Stored as "seq US code US message RS" (sim.h); the separators never
 * stand in the text, which an answer shows in the profile's elements. */
static void add_error(result *r, int max, long long seq, const char *code, const char *msg)
{
    if (r->nerrors >= max)
        return;
    r->nerrors++;
    sim_buf_addf(&r->errors, "%lld\x1f%s\x1f", seq, code);
    size_t start = r->errors.len;
    sim_buf_add(&r->errors, msg, strlen(msg));
    for (size_t i = start; r->errors.p && i < r->errors.len; i++)
        if (r->errors.p[i] == '\x1e' || r->errors.p[i] == '\x1f')
            r->errors.p[i] = ' ';
    sim_buf_add(&r->errors, "\x1e", 1);
}

static void fail_file(result *r, const char *code, const char *msg)
{
    r->fatal = code;
    r->nerrors = 0;
    r->errors.len = 0;
    add_error(r, 1, 0, code, msg);
}

/* ---- the streaming pass ---- */

typedef struct stream_ctx {
    char first_error[400];
} stream_ctx;

static void reader_error(void *arg, xmlErrorPtr e)
{
    stream_ctx *c = arg;
    if (c->first_error[0] || !e)
        return;
    snprintf(c->first_error, sizeof c->first_error, "line %d: %s", e->line, e->message ? e->message : "error");
    size_t l = strlen(c->first_error);
    while (l && c->first_error[l - 1] == '\n')
        c->first_error[--l] = '\0';
}

#define ARENA 65536

static int name_is(xmlTextReaderPtr rd, const char *name)
{
    const xmlChar *n = xmlTextReaderConstLocalName(rd);
    return n && strcmp((const char *)n, name) == 0;
}

/* Between records: a stop (TERM) ends the pass at once; --record-delay-us
 * waits, in small steps that a stop also ends. */
static void between_records(sim_processor *pr, result *r)
{
    long left = pr->record_delay_us;
    while (left > 0 && !__atomic_load_n(&pr->stopping, __ATOMIC_RELAXED)) {
        long step = left < 20000 ? left : 20000;
        struct timespec ts = {0, step * 1000L};
        nanosleep(&ts, NULL);
        left -= step;
    }
    if (__atomic_load_n(&pr->stopping, __ATOMIC_RELAXED))
        r->stopped = 1;
}

/* Checks one record's collected values. */
static void check_record(sim_processor *pr, const df_doctype *dt, const df_catalog_set *cats, const char **vals,
                         const size_t *lens, long long seq, result *r)
{
    between_records(pr, r);
    df_check_result cr;
    df_check_reset(&cr);
    df_rules_check(pr->profile, dt, cats, vals, lens, &cr);
    r->total++;
    if (cr.reasons == 0) {
        r->passed++;
        return;
    }
    r->failed++;
    for (int i = 0; i < cr.nviolations && r->nerrors < pr->profile->protocol.errors_max; i++) {
        const df_violation *v = &cr.v[i];
        char msg[DF_DETAIL_MAX + 128];
        const char *fname = v->field >= 0 && v->field < dt->nfields ? dt->fields[v->field]->name : "";
        snprintf(msg, sizeof msg, "%s%s%s", fname, fname[0] ? " " : "", v->detail);
        add_error(r, pr->profile->protocol.errors_max, seq, df_reason_code(v->reason), msg);
    }
}

static void stream_records(sim_processor *pr, sim_ent *e, const char *path, const df_catalog_set *cats, result *r)
{
    const df_profile *p = pr->profile;
    stream_ctx sc = {{0}};
    xmlTextReaderPtr rd = xmlReaderForFile(path, NULL, XML_PARSE_NONET);
    if (!rd) {
        fail_file(r, "E_SCHEMA", "cannot read the stored file");
        return;
    }
    xmlTextReaderSetStructuredErrorHandler(rd, reader_error, &sc);
    if (pr->schema && xmlTextReaderSetSchema(rd, (xmlSchemaPtr)pr->schema) != 0) {
        xmlFreeTextReader(rd);
        fail_file(r, "E_SCHEMA", "cannot attach the schema");
        return;
    }
    char *arena = malloc(ARENA);
    if (!arena) {
        xmlFreeTextReader(rd);
        fail_file(r, "E_SCHEMA", "out of memory");
        return;
    }
    const df_doctype *dt = NULL;
    char enterprise[SIM_CODE_MAX * 2] = "", doctype[DF_NAME_MAX] = "";
    const char *vals[DF_MAX_FIELDS];
    size_t lens[DF_MAX_FIELDS];
    size_t used = 0;
    int in_header = 0, in_records = 0, in_record = 0, in_trailer = 0, header_checked = 0;
    int cur = -1; /* the record field whose text is being read, or -1 */
    long long declared = -1, seq = 0;
    int ret = 0;
    while (!r->stopped && (ret = xmlTextReaderRead(rd)) == 1 && !r->fatal) {
        int type = xmlTextReaderNodeType(rd);
        int depth = xmlTextReaderDepth(rd);
        if (type == XML_READER_TYPE_ELEMENT) {
            int empty = xmlTextReaderIsEmptyElement(rd);
            if (depth == 1) {
                in_header = name_is(rd, p->header);
                in_records = name_is(rd, p->records);
                in_trailer = name_is(rd, p->trailer);
                if (!in_header && !header_checked) {
                    header_checked = 1;
                    if (strcmp(enterprise, e->code) != 0) {
                        char m[300];
                        snprintf(m, sizeof m, "the header's enterprise code '%s' is not the uploading enterprise %s",
                                 enterprise, e->code);
                        fail_file(r, "E_ENTERPRISE", m);
                        break;
                    }
                    dt = df_profile_doctype(p, doctype);
                    if (!dt) {
                        char m[200];
                        snprintf(m, sizeof m, "unknown DocType '%s'", doctype);
                        fail_file(r, "E_SCHEMA", m);
                        break;
                    }
                }
            } else if (depth == 2 && in_header) {
                xmlChar *v = empty ? NULL : xmlTextReaderReadString(rd);
                const char *nm = (const char *)xmlTextReaderConstLocalName(rd);
                for (int i = 0; i < p->nheader; i++) {
                    if (strcmp(p->header_names[i], nm) != 0)
                        continue;
                    if (p->header_values[i] == DF_HV_ENTERPRISE_CODE)
                        snprintf(enterprise, sizeof enterprise, "%s", v ? (const char *)v : "");
                    else if (p->header_values[i] == DF_HV_DOC_TYPE)
                        snprintf(doctype, sizeof doctype, "%s", v ? (const char *)v : "");
                }
                xmlFree(v);
            } else if (depth == 2 && in_records && name_is(rd, p->record)) {
                seq++;
                for (int i = 0; i < DF_MAX_FIELDS; i++) {
                    vals[i] = "";
                    lens[i] = 0;
                }
                used = 0;
                cur = -1;
                in_record = !empty;
                if (empty && dt)
                    check_record(pr, dt, cats, vals, lens, seq, r);
            } else if (depth == 3 && in_record && dt) {
                /* The value's text nodes follow; they are appended in place
                 * (no allocation per field) until the element ends. */
                int fi = df_doctype_field_index(dt, (const char *)xmlTextReaderConstLocalName(rd));
                if (fi >= 0 && !empty && used < ARENA) {
                    cur = fi;
                    vals[fi] = arena + used;
                    lens[fi] = 0;
                }
            } else if (depth == 2 && in_trailer && name_is(rd, p->record_count)) {
                xmlChar *v = empty ? NULL : xmlTextReaderReadString(rd);
                declared = v ? strtoll((const char *)v, NULL, 10) : -1;
                xmlFree(v);
            }
        } else if (cur >= 0 && depth == 4 &&
                   (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || type == XML_READER_TYPE_WHITESPACE)) {
            const xmlChar *v = xmlTextReaderConstValue(rd);
            size_t l = v ? strlen((const char *)v) : 0;
            if (used + l + 1 > ARENA)
                l = ARENA - used - 1; /* a value this long fails its length rule anyway */
            memcpy(arena + used, v, l);
            used += l;
            lens[cur] += l;
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (depth == 3 && cur >= 0) {
                arena[used++] = '\0';
                cur = -1;
            } else if (depth == 2 && in_record && name_is(rd, p->record)) {
                in_record = 0;
                if (dt)
                    check_record(pr, dt, cats, vals, lens, seq, r);
            }
        }
    }
    if (!r->fatal && !r->stopped) {
        if (ret < 0) {
            fail_file(r, "E_SCHEMA", sc.first_error[0] ? sc.first_error : "the file is not well-formed XML");
        } else if (pr->schema && xmlTextReaderIsValid(rd) != 1) {
            char m[500];
            snprintf(m, sizeof m, "does not match the schema: %s", sc.first_error[0] ? sc.first_error : "invalid");
            fail_file(r, "E_SCHEMA", m);
        } else if (!header_checked) {
            fail_file(r, "E_SCHEMA", "no records element after the header");
        } else if (declared != r->total) {
            char m[200];
            snprintf(m, sizeof m, "the trailer's record count %lld is not the %lld records of the file", declared,
                     r->total);
            fail_file(r, "E_SCHEMA", m);
        }
    }
    free(arena);
    xmlFreeTextReader(rd);
}

int sim_process_file(sim_processor *pr, sim_ent *e, const char *id, df_error *err)
{
    char path[DF_PATH_MAX];
    sim_file_path(e, id, path, sizeof path);
    if (sim_file_set_status(e, id, DF_STATE_PROCESSING, err) != 0)
        return -1;
    result r;
    memset(&r, 0, sizeof r);
    df_verify_result v;
    if (df_verify_file_sig(path, pr->ca_path, &pr->profile->signature, &v, err) != 0) {
        sim_file_set_status(e, id, DF_STATE_PENDING, NULL);
        return -1;
    }
    if (!v.valid) {
        fail_file(&r, v.malformed ? "E_SCHEMA" : "E_SIGNATURE", v.reason);
    } else if (strcmp(v.signer_cn, e->code) != 0) {
        char m[600];
        snprintf(m, sizeof m, "signed by %s, not by the uploading enterprise %s", v.signer_cn, e->code);
        fail_file(&r, "E_SIGNER", m);
    } else {
        sim_catsnap *snap = sim_catalogs_acquire(e, pr->profile, err);
        if (!snap) {
            sim_file_set_status(e, id, DF_STATE_PENDING, NULL);
            sim_buf_free(&r.errors);
            return -1;
        }
        stream_records(pr, e, path, &snap->set, &r);
        sim_catsnap_release(e, snap);
    }
    if (r.stopped || __atomic_load_n(&pr->stopping, __ATOMIC_RELAXED)) {
        /* Not finished: pending again, processed from the start after a restart. */
        sim_buf_free(&r.errors);
        return sim_file_set_status(e, id, DF_STATE_PENDING, err);
    }
    df_server_state status;
    if (r.fatal) {
        status = DF_STATE_FAILED;
        r.passed = 0;
        r.failed = r.total;
    } else if (r.failed == 0) {
        status = DF_STATE_PASSED;
    } else {
        status = DF_STATE_PARTIAL;
    }
    pr->records_done += r.total;
    pr->files_done++;
    int rc = sim_file_set_result(e, id, status, r.total, r.passed, r.failed, r.errors.p ? r.errors.p : "", err);
    sim_buf_free(&r.errors);
    return rc;
}

/* ---- worker pool ---- */

static void *worker(void *arg)
{
    sim_processor *pr = arg;
    for (;;) {
        pthread_mutex_lock(&pr->mu);
        while (!pr->stopping && pr->paused)
            pthread_cond_wait(&pr->resumed, &pr->mu);
        pthread_mutex_unlock(&pr->mu);
        sim_job j;
        if (df_queue_pop(&pr->queue, &j) <= 0)
            return NULL;
        df_error err = {{0}};
        if (sim_process_file(pr, j.ent, j.id, &err) != 0)
            fprintf(stderr, "drugflow-sim: processing %s/%s: %s\n", j.ent->code, j.id, err.msg);
    }
}

int sim_processor_start(sim_processor *pr, const df_profile *p, const char *ca, const char *schema, int nworkers,
                        size_t queue_cap, int deferred, df_error *err)
{
    memset(pr, 0, sizeof *pr);
    pr->profile = p;
    snprintf(pr->ca_path, sizeof pr->ca_path, "%s", ca);
    snprintf(pr->schema_path, sizeof pr->schema_path, "%s", schema);
    if (df_xmlsec_init(err) != 0)
        return -1;
    xmlSchemaParserCtxtPtr sp = xmlSchemaNewParserCtxt(schema);
    if (!sp)
        return df_errorf(err, "%s: cannot read the schema", schema);
    pr->schema = xmlSchemaParse(sp);
    xmlSchemaFreeParserCtxt(sp);
    if (!pr->schema)
        return df_errorf(err, "%s: not a valid XML schema", schema);
    if (nworkers < 1)
        nworkers = 1;
    if (nworkers > 64)
        nworkers = 64;
    if (df_queue_init(&pr->queue, queue_cap ? queue_cap : 1024, sizeof(sim_job), err) != 0)
        return -1;
    pthread_mutex_init(&pr->mu, NULL);
    pthread_cond_init(&pr->resumed, NULL);
    pr->paused = deferred;
    for (int i = 0; i < nworkers; i++) {
        if (pthread_create(&pr->threads[i], NULL, worker, pr) != 0) {
            sim_processor_stop(pr);
            sim_processor_free(pr);
            return df_errorf(err, "cannot start worker threads");
        }
        pr->nworkers++;
    }
    return 0;
}

int sim_processor_reserve(sim_processor *pr)
{
    return df_queue_reserve(&pr->queue) == 1;
}

void sim_processor_unreserve(sim_processor *pr)
{
    df_queue_unreserve(&pr->queue);
}

void sim_processor_push(sim_processor *pr, sim_ent *e, const char *id, int reserved)
{
    sim_job j = {.ent = e};
    snprintf(j.id, sizeof j.id, "%s", id);
    if (reserved)
        df_queue_push_reserved(&pr->queue, &j);
    else
        df_queue_push(&pr->queue, &j);
}

void sim_processor_resume(sim_processor *pr)
{
    pthread_mutex_lock(&pr->mu);
    pr->paused = 0;
    pthread_cond_broadcast(&pr->resumed);
    pthread_mutex_unlock(&pr->mu);
}

void sim_processor_stop(sim_processor *pr)
{
    pthread_mutex_lock(&pr->mu);
    pr->stopping = 1;
    pthread_cond_broadcast(&pr->resumed);
    pthread_mutex_unlock(&pr->mu);
    df_queue_abort(&pr->queue);
    for (int i = 0; i < pr->nworkers; i++)
        pthread_join(pr->threads[i], NULL);
    pr->nworkers = 0;
}

void sim_processor_free(sim_processor *pr)
{
    if (pr->schema)
        xmlSchemaFree((xmlSchemaPtr)pr->schema);
    pr->schema = NULL;
    df_queue_destroy(&pr->queue);
}
