/* simulator/sim.h — the parts of drugflow-sim, the local practice server
 * that plays the provincial side of the interface (INTERFACE.md §2, §3, §6):
 * the per-enterprise store, catalog seeding, file processing and the HTTPS
 * server. main.c parses the command line and wires them together. */
#ifndef DF_SIMULATOR_SIM_H
#define DF_SIMULATOR_SIM_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/path.h"
#include "base/queue.h"
#include "mapping/catalog.h"
#include "mapping/mapping.h"
#include "mapping/profile.h"

#define SIM_CODE_MAX 64
#define SIM_FILEID_LEN 32
#define SIM_MAX_ARCHIVED 64

/* ---- store.c: one folder per enterprise, DATA/<code>/{state.db,files/} ---- */

/* A catalog snapshot shared by processing jobs (reference counted). */
typedef struct sim_catsnap {
    int refs;
    long long versions[DF_MAX_CATALOGS];
    df_catalog_set set;
} sim_catsnap;

typedef struct sim_ent {
    char code[SIM_CODE_MAX];
    char dir[DF_PATH_MAX];
    sqlite3 *db;
    pthread_mutex_t mu;  /* serialises use of db */
    sim_catsnap *snap;   /* latest catalog snapshot, or NULL */
    struct sim_ent *next;
} sim_ent;

/* 1 if code is a plausible credit code usable as a folder name. */
int sim_code_ok(const char *code);

/* Opens DATA/<code>; create = 1 makes the folder if missing. Returns 0,
 * 1 when the enterprise does not exist (and !create), -1 on error. */
int sim_ent_open(const char *data_dir, const char *code, int create, sim_ent **out, df_error *err);
void sim_ent_close(sim_ent *e);

/* Registry of opened enterprises for the server (opened on first use). */
typedef struct sim_registry {
    char data_dir[DF_PATH_MAX];
    pthread_mutex_t mu;
    sim_ent *head;
} sim_registry;

void sim_registry_init(sim_registry *r, const char *data_dir);
/* The enterprise, or NULL with *missing = 1 when there is no folder. */
sim_ent *sim_registry_get(sim_registry *r, const char *code, int *missing, df_error *err);
void sim_registry_free(sim_registry *r);
/* Calls fn for every enterprise folder in the data dir. */
int sim_registry_each(sim_registry *r, int (*fn)(sim_ent *e, void *arg), void *arg, df_error *err);

/* Catalogs. A row is the catalog's columns in profile order. */
typedef struct sim_catrow {
    char *cols[DF_MAX_CATALOG_COLUMNS];
} sim_catrow;

/* Applies rows as a new version. replace = 1: entries not in rows are
 * deleted (a seed); 0: rows are added or updated (catalog-add). *changes
 * gets the number of entries added, updated or deleted. */
int sim_catalog_apply(sim_ent *e, const df_catalog_def *def, const sim_catrow *rows, size_t n, int replace,
                      long *changes, df_error *err);
/* Deletes one entry by key parts; *found = 0 if it was not there. */
int sim_catalog_delete(sim_ent *e, const df_catalog_def *def, const char *const *key, int *found,
                       df_error *err);
long long sim_catalog_version(sim_ent *e, const df_catalog_def *def);

/* Receives each change after since (an addition, update or deletion),
 * the columns joined with U+001F. Returns the current version in *version. */
typedef int (*sim_catalog_cb)(void *arg, df_catalog_op op, const char *cols, size_t len);
int sim_catalog_changes(sim_ent *e, const df_catalog_def *def, long long since, long long *version,
                        sim_catalog_cb cb, void *arg, df_error *err);

/* The current catalogs as hash sets for df_rules_check; release with
 * sim_catsnap_release. Rebuilt only when a catalog's version changed. */
sim_catsnap *sim_catalogs_acquire(sim_ent *e, const df_profile *p, df_error *err);
void sim_catsnap_release(sim_ent *e, sim_catsnap *s);

/* Files. */
/* File states are stored as df_server_state numbers and record errors as
 * "seq US code US message RS …" (U+001F, U+001E): the profile names them
 * only in answers, so a data folder does not depend on the profile's names. */
typedef struct sim_file_info {
    char id[SIM_FILEID_LEN + 1];
    char name[256];
    char received[40];
    int state;    /* df_server_state */
    long long total, passed, failed;
    char *errors; /* stored record errors, or NULL */
} sim_file_info;

/* Path of a stored file: DATA/<code>/files/<id>.xml */
void sim_file_path(const sim_ent *e, const char *id, char *buf, size_t n);
/* Records a received file as pending; *duplicate = 1 if id was known. */
int sim_file_record(sim_ent *e, const char *id, const char *sha_hex, const char *name, long long size,
                    const char *period, int *duplicate, df_error *err);
int sim_file_exists(sim_ent *e, const char *id);
int sim_file_set_status(sim_ent *e, const char *id, df_server_state state, df_error *err);
int sim_file_set_result(sim_ent *e, const char *id, df_server_state state, long long total, long long passed,
                        long long failed, const char *errors, df_error *err);
/* Looks up ids (NULL-terminated list) or, if ids is NULL, files received
 * at or after since_unix; cb gets each. */
int sim_file_query(sim_ent *e, const char *const *ids, long long since_unix,
                   int (*cb)(void *arg, const sim_file_info *f), void *arg, df_error *err);
/* Ids of files still pending or processing, oldest first. */
int sim_file_pending(sim_ent *e, int (*cb)(void *arg, sim_ent *e, const char *id), void *arg, df_error *err);

/* ---- seed.c: the seed, catalog-add and catalog-delete commands ---- */
int sim_cmd_seed(int argc, char **argv, int mode);
int sim_cmd_catalog_delete(int argc, char **argv);
/* Loads a portal CSV export into rows (columns in def's order). */
int sim_load_catalog_csv(const char *path, const df_catalog_def *def, df_encoding enc, sim_catrow **rows,
                         size_t *n, df_error *err);
void sim_free_rows(sim_catrow *rows, size_t n);

/* ---- process.c: processing after the answer, on worker threads ---- */
typedef struct sim_job {
    sim_ent *ent;
    char id[SIM_FILEID_LEN + 1];
} sim_job;

typedef struct sim_processor {
    const df_profile *profile;
    char ca_path[DF_PATH_MAX]; /* trusted CA(s) of the signatures */
    char schema_path[DF_PATH_MAX];
    void *schema; /* xmlSchemaPtr, parsed once */
    int nworkers;
    pthread_t threads[64];
    df_queue queue;      /* of sim_job */
    pthread_mutex_t mu;
    pthread_cond_t resumed;
    int stopping;        /* read between records: a stop leaves the file PENDING */
    int paused; /* deferred processing: jobs are not taken until resumed */
    int record_delay_us; /* --record-delay-us */
    _Atomic long long records_done, files_done;
} sim_processor;

int sim_processor_start(sim_processor *pr, const df_profile *p, const char *ca, const char *schema,
                        int nworkers, size_t queue_cap, int deferred, df_error *err);
/* Reserves a queue slot for an upload about to be accepted; 0 = busy. */
int sim_processor_reserve(sim_processor *pr);
void sim_processor_unreserve(sim_processor *pr);
/* Pushes a job into a reserved slot (reserved = 1) or waits for room. */
void sim_processor_push(sim_processor *pr, sim_ent *e, const char *id, int reserved);
/* Starts taking jobs (after --defer-processing, on SIGUSR1). */
void sim_processor_resume(sim_processor *pr);
/* Finishes the jobs being processed, leaves the queued ones pending;
 * pushes return at once from then on. */
void sim_processor_stop(sim_processor *pr);
/* Frees the queue and schema once nothing pushes any more. */
void sim_processor_free(sim_processor *pr);
/* Processes one stored file now (used by workers and tests). */
int sim_process_file(sim_processor *pr, sim_ent *e, const char *id, df_error *err);

/* ---- server.c: the HTTPS server ---- */
typedef struct sim_config {
    const char *data_dir;
    const char *profile_path;
    const char *schema_path;
    const char *ca_path, *cert_path, *key_path;
    const char *signature_ca_path; /* trusted CA(s) of the signatures (default ca_path) */
    const char *listen_addr;
    int port;
    const char *port_file;
    const char *log_path;
    long long max_upload;
    long long max_inflight; /* upload bytes held in memory at once; beyond: 5000 */
    int workers;
    size_t queue_cap;
    int defer;
    int check_prefix; /* --upload-check header (default): parse 64 KiB, and on to the Header's end */
    int narchived;
    char archived[SIM_MAX_ARCHIVED][16];
    double fault_5xx, fault_reset, fault_stall, fault_empty;
    int latency_ms;
    unsigned long long fault_seed;
    int max_connections;
    int max_per_ip;         /* connections from one address */
    int conn_timeout;       /* seconds without traffic, the TLS handshake included */
    int handshake_timeout;  /* seconds for the whole TLS handshake, however it trickles */
    int record_delay_us;    /* processing waits this long after each record (a slow province) */
    char fault_results[16]; /* results that cannot be true, for clients' tests: counts, negative, total, fileid */
} sim_config;

typedef struct sim_server sim_server;

/* ---- upload_check.c ---- */
/* The check of an uploaded file before it is stored (answered with the
 * profile's bad_xml code when it fails): well-formed, the profile's root
 * element, no DOCTYPE (parsed with no network, no DTD, no entities), a
 * header with a period YYYY-MM, found wherever it is. prefix > 0: parsing
 * stops once the header has been read and at least prefix bytes (the
 * rest's well-formedness is left to processing, E_SCHEMA); 0: the whole
 * file must be well-formed. 0 with the header's period in period; -1 with
 * the reason in msg. No sockets: also for tests and the fuzz harness. */
int sim_check_upload(const df_profile *p, const unsigned char *buf, size_t len, size_t prefix, char period[32],
                     char msg[300]);
#define SIM_UPLOAD_CHECK_PREFIX (64 * 1024)

/* ---- faults.c: which injected fault a request gets ---- */
typedef struct sim_fault_plan {
    int latency_ms;      /* wait before answering */
    int stall;           /* never answer */
    unsigned int http;   /* answer this 5xx status, or 0 */
    int reset;           /* reset the connection in the middle of the body */
    int empty;           /* answer HTTP 200 with an empty body */
} sim_fault_plan;
/* The faults of request number n (in arrival order), from the seed. */
void sim_faults_plan(const sim_config *cfg, unsigned long long n, sim_fault_plan *out);
/* --fault-results: a processed file's result as the lie says (f is a copy
 * to change); returns f. */
const sim_file_info *sim_faults_results(const sim_config *cfg, sim_file_info *f);

int sim_server_start(const sim_config *cfg, const df_profile *p, sim_processor *pr, sim_registry *reg,
                     sim_server **out, df_error *err);
int sim_server_port(const sim_server *s);
/* Reopens --log (after the file was rotated away). */
void sim_server_reopen_log(sim_server *s);
/* Stops accepting, wakes stalled requests, closes connections. */
void sim_server_stop(sim_server *s);

/* ---- util (store.c) ---- */
/* Formats a Unix time as local ISO-8601 with offset: 2026-11-01T02:00:00+08:00 */
void sim_iso_time(long long t, char *buf, size_t n);
/* Parses ISO-8601 date or date-time (Z or ±hh:mm, or local); -1 if bad. */
long long sim_parse_iso(const char *s);
/* Appends XML-escaped text to a growing buffer. */
typedef struct sim_buf {
    char *p;
    size_t len, cap;
    int oom;
} sim_buf;
void sim_buf_add(sim_buf *b, const char *s, size_t n);
void sim_buf_addf(sim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_buf_esc(sim_buf *b, const char *s, size_t n);
void sim_buf_free(sim_buf *b);
/* <name>escaped text</name> and <name>number</name>. */
void sim_elem(sim_buf *b, const char *name, const char *text);
void sim_elem_int(sim_buf *b, const char *name, long long v);
/* The path the entries are served under: that of the profile's practice
 * address ("/data/clientAccept/" in gd-v1), ending in '/'. */
void sim_entry_base(const df_profile *p, char *out, size_t n);

#endif
