/* uploader/answer.h — parsing the server's XML answers (INTERFACE.md §2, §3, §6).
 *
 * Answers come from the network, so they are read as a stream with
 * xmlTextReader and trusted with nothing: no network access, no DTD, no
 * entity substitution (a DOCTYPE or an entity reference is refused, which
 * stops billion-laughs and external-entity answers before anything is
 * expanded), a nesting limit, and a size limit checked before parsing. Every
 * name — the envelope's, the results', a catalog's list, item and columns,
 * the op values, the states, the duplicate flag's values — comes from the
 * profile (`protocol: answer`, `states`, `catalogs:`); a value the profile
 * does not name is an error, not a guess. */
#ifndef DF_UPLOADER_ANSWER_H
#define DF_UPLOADER_ANSWER_H

#include <stddef.h>
#include "base/error.h"
#include "mapping/profile.h"

#define DF_ANSWER_MAX_SMALL (4u << 20)     /* upload answers */
#define DF_ANSWER_MAX_RESULTS (64u << 20)  /* results of up to 100 files */
#define DF_ANSWER_MAX_CATALOG (512u << 20) /* a whole catalog */
#define DF_MAX_RECORD_ERRORS DF_MAX_ERRORS_PER_FILE

typedef struct df_answer {
    int code;             /* -1 if the answer had none */
    char message[512];
    char file_id[64];
    int duplicate;
    long long version;    /* catalogs; -1 if none */
} df_answer;

/* An answer to the upload entry (or any answer: code and message only). */
int df_answer_parse(const df_protocol *pr, const char *buf, size_t len, size_t limit, df_answer *a, df_error *err);

typedef struct df_file_result {
    char file_id[64];
    char file_name[256];
    int state;            /* df_server_state: the profile's name for it was in the answer */
    long long total, passed, failed;
    int nerrors;
    struct df_answer_error {
        long long seq;
        char code[48];
        char message[2048];  /* a record's message quotes whole values */
    } errors[DF_MAX_RECORD_ERRORS];
} df_file_result;

/* An answer to the results entry: fn is called for each file. */
int df_answer_parse_results(const df_protocol *pr, const char *buf, size_t len, size_t limit, df_answer *a,
                            int (*fn)(void *arg, const df_file_result *f), void *arg, df_error *err);

/* An answer to a catalog entry: fn is called for each item with its op
 * (from the profile's op attribute and values; an item without the
 * attribute is an addition) and its columns in def's order ("" if absent);
 * a->version gets the version element. fn returning -1 stops with its
 * error. */
typedef int (*df_catalog_item_fn)(void *arg, df_catalog_op op, const char *const *cols, const size_t *lens,
                                  df_error *err);
int df_answer_parse_catalog(const df_protocol *pr, const char *buf, size_t len, size_t limit,
                            const df_catalog_def *def, df_answer *a, df_catalog_item_fn fn, void *arg, df_error *err);

#endif
