/* uploader/session.h — what the network commands share: the configuration,
 * the profile, the enterprise key (with its signer), the HTTPS client and
 * the workspace journal, opened in that order from one set of options. */
#ifndef DF_UPLOADER_SESSION_H
#define DF_UPLOADER_SESSION_H

#include "base/error.h"
#include "config/config.h"
#include "mapping/profile.h"
#include "workspace/journal.h"
#include "workspace/lock.h"
#include "writer/key.h"
#include "writer/signer.h"

struct df_client;

typedef struct df_session_options {
    const char *config;         /* --config (NULL: the usual lookup, config.h) */
    const char *profile;        /* --profile (NULL: the configuration's, else the shipped one) */
    const char *workspace;      /* overrides the configuration */
    const char *endpoint;       /* overrides the configuration */
    const char *ca;             /* overrides the configuration */
    long parallel, attempts;    /* > 0: override the configuration */
    int need_key;               /* load the enterprise key (signing, TLS) */
    int need_client;            /* open the HTTPS client (needs the key) */
    int need_journal;           /* also takes the workspace lock (workspace/lock.h) */
    const char *command;        /* for the lock's message: "run", "upload" */
    long lock_wait;             /* seconds to wait for another process's lock (0: none) */
    int prompt;                 /* ask for the passphrase on the terminal if needed */
} df_session_options;

typedef struct df_session {
    df_config cfg;
    df_profile *profile;
    df_key *key;                /* the signing key (certificate.key) */
    df_signer *signer;          /* over key */
    df_key *tls_key;            /* tls.key, when TLS uses another certificate; else NULL */
    struct df_client *client;
    df_journal *journal;
    df_workspace_lock lock;
} df_session;

/* Loads the configuration and opens what o asks for. On failure everything
 * opened is closed again. */
int df_session_open(df_session *s, const df_session_options *o, df_error *err);
void df_session_close(df_session *s);

#endif
