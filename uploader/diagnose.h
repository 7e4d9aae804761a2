/* uploader/diagnose.h — the way to the server, one step at a time, for
 * `drugflow doctor`: the name resolves (DNS), a TCP connection opens, the
 * TLS handshake succeeds with the client certificate (server certificate
 * and host name verified), the server answers over mutual TLS and knows
 * the enterprise, and its clock (the answer's Date) agrees with ours.
 * Through a proxy, DNS and TCP are the proxy's; the rest goes through it.
 * Each step says what failed and what to do; after a failed step the
 * later ones are skipped. */
#ifndef DF_UPLOADER_DIAGNOSE_H
#define DF_UPLOADER_DIAGNOSE_H

#include "uploader/client.h"

typedef enum { DF_DIAG_OK, DF_DIAG_WARN, DF_DIAG_FAIL, DF_DIAG_SKIP } df_diag_status;

typedef struct df_diag_step {
    const char *name;      /* "dns", "tcp", "tls", "server", "clock" */
    df_diag_status status;
    char message[1400];
    char fix[600];         /* what to do, when not ok */
} df_diag_step;

#define DF_DIAG_STEPS 5

typedef struct df_diag_report {
    df_diag_step steps[DF_DIAG_STEPS];
    long skew_s;           /* our clock minus the server's, when known */
    int have_skew;
} df_diag_report;

/* Runs the steps; a clock further off than max_skew_s fails. Never fails
 * itself: every problem is a step's status and message. */
void df_client_diagnose(df_client *c, long connect_timeout_s, long max_skew_s, df_diag_report *r);

#endif
