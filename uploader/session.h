/* uploader/session.h — what the network commands share: the configuration,
 * the profile, the enterprise key, the HTTPS client and the workspace
 * journal, opened in that order from one set of options. */
#ifndef DF_UPLOADER_SESSION_H
#define DF_UPLOADER_SESSION_H

#include "base/error.h"
#include "config/config.h"
#include "mapping/profile.h"
#include "uploader/client.h"
#include "workspace/journal.h"
#include "writer/signer.h"

typedef struct df_session_options {
    const char *profile_path;   /* resolved by the caller */
    const char *workspace;      /* overrides the configuration */
    const char *endpoint;       /* overrides the configuration */
    const char *ca;             /* overrides the configuration */
    int need_key;               /* load the enterprise key (signing, TLS) */
    int need_client;            /* open the HTTPS client (needs the key) */
    int need_journal;
    int prompt;                 /* ask for the passphrase on the terminal if needed */
} df_session_options;

typedef struct df_session {
    df_config cfg;              /* loaded by the caller (df_config_load) */
    df_profile *profile;
    df_signer *signer;
    df_client *client;
    df_journal *journal;
} df_session;

/* s->cfg must be loaded. On failure everything opened is closed again. */
int df_session_open(df_session *s, const df_session_options *o, df_error *err);
void df_session_close(df_session *s);

/* The key options the configuration describes. */
void df_session_key_options(const df_config *cfg, int prompt, df_key_options *k);

#endif
