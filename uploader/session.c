/* uploader/session.c — opening configuration, profile, key, client and journal together; see session.h. */
#include "uploader/session.h"

#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uploader/client.h"
#include "writer/sigalg.h"

static int apply_overrides(df_session *s, const df_session_options *o, df_error *err)
{
    if (df_config_set(&s->cfg, "workspace", o->workspace, err) != 0 ||
        df_config_set(&s->cfg, "endpoint", o->endpoint, err) != 0 || df_config_set(&s->cfg, "tls.ca", o->ca, err) != 0)
        return -1;
    if (o->parallel > 0)
        s->cfg.uploads = (int)o->parallel;
    if (o->attempts > 0)
        s->cfg.attempts = (int)o->attempts;
    return 0;
}

static int open_key(df_session *s, int prompt, df_error *err)
{
    if (!s->cfg.key[0])
        return df_errorf(err, "no enterprise certificate: set 'certificate: key:' (a .p12/.pfx, or a PEM key with "
                         "'cert:') in the configuration, or DRUGFLOW_KEY");
    df_key_options k;
    df_key_options_from_config(&s->cfg, prompt, &k);
    k.kind = df_signer_key_kind(&s->profile->signature);
    if (df_key_load(&s->key, &k, err) != 0 || df_signer_new(&s->signer, s->key, &s->profile->signature, err) != 0)
        return -1;
    if (!s->cfg.tls_key[0])
        return 0;
    /* A TLS identity of its own (an SM2 signing key cannot do TLS with most servers). */
    k.key_path = s->cfg.tls_key;
    k.cert_path = s->cfg.tls_cert[0] ? s->cfg.tls_cert : NULL;
    k.kind = DF_KEY_TLS;
    if (df_key_load(&s->tls_key, &k, err) != 0)
        return df_error_prefix(err, "tls.key");
    return 0;
}

int df_session_open(df_session *s, const df_session_options *o, df_error *err)
{
    memset(s, 0, sizeof *s);
    s->lock.fd = -1;
    if (df_config_load(&s->cfg, o->config, err) != 0 || apply_overrides(s, o, err) != 0)
        return -1;
    /* Before the key (and its prompt): a second process learns at once that
     * the workspace is busy. */
    if (o->need_journal &&
        df_workspace_lock_take(&s->lock, s->cfg.workspace, o->command ? o->command : "?", o->lock_wait, err) != 0)
        return -1;
    char profile[DF_PATH_MAX];
    if (df_config_profile_path(&s->cfg, o->profile, profile, sizeof profile, err) != 0)
        goto fail;
    s->profile = malloc(sizeof *s->profile);
    if (!s->profile) {
        df_errorf(err, "out of memory");
        goto fail;
    }
    if (df_profile_load(s->profile, profile, err) != 0)
        goto fail;
    df_log_debug("configuration %s; profile %s; workspace %s; endpoint %s", s->cfg.source[0] ? s->cfg.source : "(none)",
                 profile, s->cfg.workspace[0] ? s->cfg.workspace : "(none)", s->cfg.endpoint);
    if ((o->need_key || o->need_client) && open_key(s, o->prompt, err) != 0)
        goto fail;
    if (o->need_client && !s->tls_key && !df_sigalg_is_rsa(s->profile->signature.algorithm)) {
        df_errorf(err, "the signing key is %s, which the TLS server does not take: set 'tls: key:' (and 'cert:' "
                  "for a PEM key) to the enterprise's TLS certificate", df_sig_alg_name(s->profile->signature.algorithm));
        goto fail;
    }
    if (o->need_client) {
        df_client_options co = {
            .profile = s->profile,
            .endpoint = s->cfg.endpoint,
            .ca = s->cfg.ca,
            .identity = s->tls_key ? s->tls_key : s->key,
            .connect_timeout = s->cfg.connect_timeout,
            .transfer_timeout = s->cfg.transfer_timeout,
            .proxy = s->cfg.proxy,
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
    df_workspace_lock_release(&s->lock);
    df_client_free(s->client);
    df_signer_free(s->signer);
    df_key_free(s->key);
    df_key_free(s->tls_key);
    free(s->profile);
    s->journal = NULL;
    s->client = NULL;
    s->signer = NULL;
    s->key = NULL;
    s->tls_key = NULL;
    s->profile = NULL;
}
