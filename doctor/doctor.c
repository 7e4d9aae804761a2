/* doctor/doctor.c — running the checks in order and reporting them; see doctor.h. */
#include "doctor/doctor.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "doctor/checks.h"
#include "uploader/client.h"

df_doctor_item *df_doctor_add(df_doctor_report *r, const char *check, df_diag_status st, const char *fix,
                              const char *fmt, ...)
{
    static df_doctor_item overflow;
    df_doctor_item *it = r->n < DF_DOCTOR_MAX_ITEMS ? &r->items[r->n++] : &overflow;
    memset(it, 0, sizeof *it);
    snprintf(it->check, sizeof it->check, "%s", check);
    it->status = st;
    snprintf(it->fix, sizeof it->fix, "%s", st == DF_DIAG_OK || !fix ? "" : fix);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->message, sizeof it->message, fmt, ap);
    va_end(ap);
    r->failed += st == DF_DIAG_FAIL;
    r->warned += st == DF_DIAG_WARN;
    return it;
}

static int check_config(df_doctor_state *st)
{
    const df_doctor_options *o = st->o;
    df_error err;
    if (df_config_load(&st->cfg, o->config, &err) != 0 || df_config_set(&st->cfg, "workspace", o->workspace, &err) ||
        df_config_set(&st->cfg, "endpoint", o->endpoint, &err) || df_config_set(&st->cfg, "tls.ca", o->ca, &err)) {
        df_doctor_add(st->r, "config", DF_DIAG_FAIL, "correct the file at the line named (README \"Configuration\")",
                      "%s", err.msg);
        return -1;
    }
    const df_config *c = &st->cfg;
    df_doctor_add(st->r, "config", DF_DIAG_OK, NULL, "%s", c->source[0] ? c->source : "no file (defaults and environment)");
    int named = c->enterprise_code[0] && c->enterprise_name[0];
    df_doctor_add(st->r, "enterprise", named ? DF_DIAG_OK : DF_DIAG_FAIL,
                  "set 'enterprise: {code: …, name: …}' (the unified social credit code and the name)", "%s",
                  named ? "" : "the enterprise code or name is missing");
    if (named)
        snprintf(st->r->items[st->r->n - 1].message, sizeof st->r->items[0].message, "%s %s", c->enterprise_code,
                 c->enterprise_name);
    char profile[DF_PATH_MAX];
    st->profile = malloc(sizeof *st->profile);
    if (!st->profile)
        snprintf(err.msg, sizeof err.msg, "out of memory");
    if (!st->profile || df_config_profile_path(c, o->profile, profile, sizeof profile, &err) != 0 ||
        df_profile_load(st->profile, profile, &err) != 0) {
        free(st->profile);
        st->profile = NULL;
        df_doctor_add(st->r, "profile", DF_DIAG_FAIL, "correct the profile at the line named, or remove 'profile:'"
                      " to use the shipped one", "%s", err.msg);
    } else {
        df_doctor_add(st->r, "profile", DF_DIAG_OK, NULL, "%s", profile);
    }
    int ca_ok = !c->ca[0] || access(c->ca, R_OK) == 0;
    df_doctor_add(st->r, "ca", ca_ok ? DF_DIAG_OK : DF_DIAG_FAIL, "set tls.ca to the CA bundle (PEM) that signs "
                  "the server's certificate", "%s%s", c->ca[0] ? c->ca : "system CA store",
                  ca_ok ? "" : ": the server CA file is missing or unreadable");
    return 0;
}

/* The endpoint, then the way to it step by step. */
static void check_network(df_doctor_state *st)
{
    df_error err;
    char base[1100];
    if (!st->profile)
        return;
    if (df_endpoint_resolve(st->profile, st->cfg.endpoint, base, sizeof base, &err) != 0) {
        df_doctor_add(st->r, "endpoint", DF_DIAG_FAIL, "set endpoint: practice, production or https://host:port/path/",
                      "%s", err.msg);
        return;
    }
    df_doctor_add(st->r, "endpoint", DF_DIAG_OK, NULL, "%s", base);
    if (st->o->offline)
        return;
    const df_key *identity = st->tls_key ? st->tls_key : st->cfg.tls_key[0] ? NULL : st->key;
    df_client_options co = {st->profile, st->cfg.endpoint, st->cfg.ca, identity, st->cfg.connect_timeout,
                            st->cfg.connect_timeout + 15, st->cfg.proxy};
    df_client *cl = NULL;
    if (!identity) {
        df_doctor_add(st->r, "server", DF_DIAG_SKIP, NULL, "not contacted: the enterprise certificate did not load");
        return;
    }
    if (df_client_open(&cl, &co, &err) != 0) {
        df_doctor_add(st->r, "server", DF_DIAG_FAIL, "correct tls.proxy or the certificate settings", "%s", err.msg)
            ->network = 1;
        return;
    }
    df_diag_report d;
    df_client_diagnose(cl, st->cfg.connect_timeout,
                       st->o->max_clock_skew_s > 0 ? st->o->max_clock_skew_s : DF_DOCTOR_MAX_SKEW_S, &d);
    for (int i = 0; i < DF_DIAG_STEPS; i++) {
        const df_diag_step *s = &d.steps[i];
        df_doctor_item *it = df_doctor_add(st->r, s->name, s->status, s->fix, "%s", s->message);
        it->network = 1;
        st->r->failed_network += s->status == DF_DIAG_FAIL;
    }
    df_client_free(cl);
}

void df_doctor_run(const df_doctor_options *o, df_doctor_report *r)
{
    memset(r, 0, sizeof *r);
    df_doctor_state *st = calloc(1, sizeof *st);
    if (!st) {
        df_doctor_add(r, "doctor", DF_DIAG_FAIL, NULL, "out of memory");
        return;
    }
    st->o = o;
    st->r = r;
    if (check_config(st) == 0) {
        df_doctor_check_certificate(st);
        df_doctor_check_tls_key(st);
        df_doctor_check_workspace(st);
        check_network(st);
        if (!o->config_check)
            df_doctor_check_batch(st);
    }
    df_journal_close(st->journal);
    df_key_free(st->key);
    df_key_free(st->tls_key);
    free(st->profile);
    free(st);
}

static const char *status_word(df_diag_status s)
{
    switch (s) {
    case DF_DIAG_OK: return "ok  ";
    case DF_DIAG_WARN: return "WARN";
    case DF_DIAG_FAIL: return "FAIL";
    default: return "skip";
    }
}

void df_doctor_print(const df_doctor_report *r, FILE *f)
{
    for (int i = 0; i < r->n; i++) {
        const df_doctor_item *it = &r->items[i];
        fprintf(f, "%-12s %s  %s\n", it->check, status_word(it->status), it->message);
        if (it->fix[0])
            fprintf(f, "%-12s       → %s\n", "", it->fix);
    }
}

void df_doctor_json(const df_doctor_report *r, int exit_code, FILE *f)
{
    static const char *const names[] = {"ok", "warn", "fail", "skip"};
    fputc('{', f);
    df_json_version(f);
    fprintf(f, "\"checks\": [");
    for (int i = 0; i < r->n; i++) {
        const df_doctor_item *it = &r->items[i];
        fprintf(f, "%s\n{\"check\": \"%s\", \"status\": \"%s\", \"ok\": %s, \"message\": ", i ? "," : "",
                it->check, names[it->status], it->status == DF_DIAG_FAIL ? "false" : "true");
        df_json_str(f, it->message);
        fprintf(f, ", \"fix\": ");
        df_json_str(f, it->fix);
        fputc('}', f);
    }
    fprintf(f, "\n], \"failed\": %d, \"warnings\": %d, \"exit\": %d}\n", r->failed, r->warned, exit_code);
}
