/* doctor/checks.h — what the doctor's checks share while they run (internal
 * to doctor/): the configuration, profile, key and journal opened by the
 * earlier checks for the later ones. */
#ifndef DF_DOCTOR_CHECKS_H
#define DF_DOCTOR_CHECKS_H

#include "config/config.h"
#include "doctor/doctor.h"
#include "mapping/profile.h"
#include "workspace/journal.h"
#include "writer/key.h"

typedef struct df_doctor_state {
    const df_doctor_options *o;
    df_doctor_report *r;
    df_config cfg;
    df_profile *profile;    /* NULL if it did not load */
    df_key *key;            /* NULL if it did not load */
    df_key *tls_key;        /* tls.key when it is set and loaded, else NULL */
    df_journal *journal;    /* NULL if the workspace is not usable */
} df_doctor_state;

/* token, certificate, identity, expiry, key usage, chain (doctor/certificate.c). */
void df_doctor_check_certificate(df_doctor_state *st);
/* tls key: tls.key/tls.cert, or the lack of one for an SM2 signing key. */
void df_doctor_check_tls_key(df_doctor_state *st);
/* workspace, disk, catalogs, journal (doctor/workspace.c). */
void df_doctor_check_workspace(df_doctor_state *st);
void df_doctor_check_batch(df_doctor_state *st);

#endif
