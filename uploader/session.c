/* uploader/session.c — opening configuration, profile, key, client and journal together; see session.h. */
#include "uploader/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void df_session_key_options(const df_config *cfg, int prompt, df_key_options *k)
{
    memset(k, 0, sizeof *k);
    k->key_path = cfg->key;
    k->cert_path = cfg->cert[0] ? cfg->cert : NULL;
    k->pass_env = cfg->passphrase_env[0] ? cfg->passphrase_env : NULL;
    k->pass_file = cfg->passphrase_file[0] ? cfg->passphrase_file : NULL;
    k->pass_prompt = prompt;
    k->allow_open_perms = cfg->allow_open_key_perms;
}

int df_session_open(df_session *s, const df_session_options *o, df_error *err)
{
    s->profile = NULL;
    s->signer = NULL;
    s->client = NULL;
    s->journal = NULL;
    if (o->workspace)
        snprintf(s->cfg.workspace, sizeof s->cfg.workspace, "%s", o->workspace);
    if (o->endpoint)
        snprintf(s->cfg.endpoint, sizeof s->cfg.endpoint, "%s", o->endpoint);
    if (o->ca)
        snprintf(s->cfg.ca, sizeof s->cfg.ca, "%s", o->ca);
    s->profile = malloc(sizeof *s->profile);
    if (!s->profile)
        return df_errorf(err, "out of memory");
    if (df_profile_load(s->profile, o->profile_path, err) != 0)
        goto fail;
    if (o->need_key || o->need_client) {
        if (!s->cfg.key[0]) {
            df_errorf(err, "no enterprise certificate: set 'certificate: key:' (a .p12/.pfx, or a PEM key with "
                      "'cert:') in the configuration, or DRUGFLOW_KEY");
            goto fail;
        }
        df_key_options k;
        df_session_key_options(&s->cfg, o->prompt, &k);
        if (df_signer_load(&s->signer, &k, err) != 0)
            goto fail;
    }
    if (o->need_client) {
        df_client_options co = {
            .profile = s->profile,
            .endpoint = s->cfg.endpoint,
            .ca = s->cfg.ca,
            .identity = s->signer,
            .connect_timeout = s->cfg.connect_timeout,
            .transfer_timeout = s->cfg.transfer_timeout,
        };
        if (df_client_open(&s->client, &co, err) != 0)
            goto fail;
    }
    if (o->need_journal && df_journal_open(&s->journal, s->cfg.workspace, err) != 0)
        goto fail;
    return 0;
fail:
    df_session_close(s);
    return -1;
}

void df_session_close(df_session *s)
{
    df_journal_close(s->journal);
    df_client_free(s->client);
    df_signer_free(s->signer);
    free(s->profile);
    s->journal = NULL;
    s->client = NULL;
    s->signer = NULL;
    s->profile = NULL;
}
