/* doctor/doctor.h — `drugflow doctor`: everything a month's batch needs,
 * checked before the deadline, each failure with what to do.
 *
 * In order: the configuration and the profile load; the enterprise is
 * named; the server CA is readable; the certificate and key (on a token:
 * reachable, PIN accepted) load and match; the certificate is issued to
 * the enterprise, not expired nor near its end, allowed to sign and to
 * authenticate TLS clients, and chains to certificate.ca when given; the
 * endpoint resolves; the way to the server, step by step
 * (uploader/diagnose.h: DNS, TCP, TLS, the first request, the clock); the
 * catalogs are there and recent; the workspace is writable with room for
 * the batch; the journal holds no chunk left unsent or refused. `drugflow
 * config check` is the same without catalogs, disk and journal. */
#ifndef DF_DOCTOR_DOCTOR_H
#define DF_DOCTOR_DOCTOR_H

#include <stdint.h>
#include <stdio.h>
#include "uploader/diagnose.h"

typedef struct df_doctor_options {
    const char *config, *profile, *workspace, *endpoint, *ca; /* overrides, or NULL */
    int offline;                 /* no network step */
    int prompt;                  /* ask for a passphrase or PIN on the terminal */
    int config_check;            /* only what `drugflow config check` shows */
    const char *const *inputs;   /* this month's exports, to size the output by; may be NULL */
    int ninputs;
    uint64_t expect_bytes;       /* the batch's expected output; 0: from inputs or the journal */
    long catalog_max_age_days;   /* 0: DF_DOCTOR_CATALOG_AGE_DAYS */
    long max_clock_skew_s;       /* 0: DF_DOCTOR_MAX_SKEW_S */
} df_doctor_options;

#define DF_DOCTOR_CATALOG_AGE_DAYS 7
#define DF_DOCTOR_MAX_SKEW_S 300
/* The data files of a batch are about this many times the CSV export's
 * size (measured on the sample exports: XML tags around every field). */
#define DF_DOCTOR_OUTPUT_RATIO 3

typedef struct df_doctor_item {
    char check[24];              /* "certificate", "tls", … */
    df_diag_status status;
    int network;                 /* a step on the way to the server */
    char message[1400];
    char fix[600];               /* what to do, when not ok */
} df_doctor_item;

#define DF_DOCTOR_MAX_ITEMS 48

typedef struct df_doctor_report {
    int n, failed, failed_network, warned;
    df_doctor_item items[DF_DOCTOR_MAX_ITEMS];
} df_doctor_report;

/* Runs every check. Never fails itself: each problem is an item. */
void df_doctor_run(const df_doctor_options *o, df_doctor_report *r);

/* One line per check, "check  ok|WARN|FAIL|skip  message", and "  → fix"
 * under each that is not ok. */
void df_doctor_print(const df_doctor_report *r, FILE *f);
/* {"checks": [{"check", "status", "ok", "message", "fix"}…], "failed", "warnings", "exit"} */
void df_doctor_json(const df_doctor_report *r, int exit_code, FILE *f);

/* The report's items (internal to doctor/). */
df_doctor_item *df_doctor_add(df_doctor_report *r, const char *check, df_diag_status st, const char *fix,
                              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
