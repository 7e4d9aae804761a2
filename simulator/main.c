/* simulator/main.c — drugflow-sim's command line: `serve` runs the practice
 * server (foreground or --daemon), `seed`, `catalog-add` and
 * `catalog-delete` maintain an enterprise's catalogs. Signals: SIGTERM and
 * SIGINT shut down cleanly, SIGUSR1 processes the files left PENDING. */
#include "simulator/sim.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "base/cmdline.h"
#include "base/path.h"
#include "config/values.h"

#define EXIT_USAGE 2

static void main_usage(FILE *o)
{
    fprintf(o,
            "usage: drugflow-sim COMMAND [OPTIONS]\n"
            "A local practice server playing the provincial side of the Guangdong drug\n"
            "distribution data interface over mutual TLS.\n\n"
            "Commands:\n"
            "  serve           run the HTTPS server (see drugflow-sim serve --help)\n"
            "  seed            register an enterprise and load its catalogs from CSV\n"
            "  catalog-add     add or update catalog rows from CSV\n"
            "  catalog-delete  delete one catalog entry\n"
            "  help            this text\n\n"
            "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static volatile int g_dummy;

typedef struct scan_arg {
    sim_processor *pr;
    sim_registry *reg;
} scan_arg;

static int scan_push(void *arg, sim_ent *e, const char *id)
{
    sim_processor *pr = arg;
    sim_processor_push(pr, e, id, 0);
    return __atomic_load_n(&pr->stopping, __ATOMIC_RELAXED) ? 1 : 0;
}

static int scan_ent(sim_ent *e, void *arg)
{
    scan_arg *a = arg;
    df_error err = {{0}};
    if (sim_file_pending(e, scan_push, a->pr, &err) != 0)
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
    return __atomic_load_n(&a->pr->stopping, __ATOMIC_RELAXED) ? 1 : 0;
}

/* Queues every PENDING or PROCESSING file of every enterprise. */
static void *scan_thread(void *arg)
{
    scan_arg *a = arg;
    df_error err = {{0}};
    if (sim_registry_each(a->reg, scan_ent, a, &err) != 0 && err.msg[0])
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
    return NULL;
}

/* A period list for --archived: repeatable, or comma-separated. */
static int add_archived(sim_config *cfg, const char *arg)
{
    char tmp[1024], why[128];
    snprintf(tmp, sizeof tmp, "%s", arg);
    for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (cfg->narchived == SIM_MAX_ARCHIVED || df_period_check(t, why, sizeof why) != 0) {
            fprintf(stderr, "drugflow-sim serve: --archived '%s': %s\n", t,
                    cfg->narchived == SIM_MAX_ARCHIVED ? "too many periods" : why);
            return -1;
        }
        snprintf(cfg->archived[cfg->narchived++], sizeof cfg->archived[0], "%s", t);
    }
    return 0;
}

typedef struct serve_args {
    const char *pki, *check, *pid_file;
    df_arg_list archived;
    long port, workers, queue, maxconn, maxperip, conn_timeout, hs_timeout, record_delay, latency, seed;
    const char *fault_results;
    uint64_t max_upload, max_inflight;
    double f5xx, freset, fstall, fempty;
    int daemon, defer;
} serve_args;

static const char serve_about[] =
    "Serves /data/clientAccept/{toOperationCommodity.do, toContactsBusiness.do,\n"
    "toUploadFile.do, toDowloadFileDeal.do} over HTTPS (TLS 1.2+), requiring a client\n"
    "certificate issued by the --ca; its subject CN is the enterprise (DIR/<CN>/).\n";
static const char serve_epilog[] =
    "Prints 'port=N' on standard output once listening. One log line per request:\n"
    "time, enterprise, entry, outcome (code=C http=S, or the fault), milliseconds.\n"
    "Signals: TERM/INT stop within moments (a file being processed stops between two\n"
    "records and, like the queued ones, stays PENDING and is processed after a restart);\n"
    "USR1 processes the PENDING files now; HUP reopens the --log file.\n"
    "Exit status: 0 stopped by a signal, 1 could not start, 2 usage error.\n";

/* What the options leave implicit: the PKI files, the shipped profile and
 * schema, the derived limits. 0, or a usage error. */
static int serve_settle(const df_command_spec *spec, sim_config *cfg, const serve_args *a)
{
    static char pki_ca[DF_PATH_MAX], pki_cert[DF_PATH_MAX], pki_key[DF_PATH_MAX], prof_buf[DF_PATH_MAX],
        schema_buf[DF_PATH_MAX];
    for (int i = 0; i < a->archived.n; i++)
        if (add_archived(cfg, a->archived.v[i]) != 0)
            return EXIT_USAGE;
    if (a->pki) {
        snprintf(pki_ca, sizeof pki_ca, "%s/ca.pem", a->pki);
        snprintf(pki_cert, sizeof pki_cert, "%s/server.pem", a->pki);
        snprintf(pki_key, sizeof pki_key, "%s/server.key", a->pki);
        cfg->ca_path = pki_ca, cfg->cert_path = pki_cert, cfg->key_path = pki_key;
    }
    if (!cfg->data_dir || !cfg->ca_path || !cfg->cert_path || !cfg->key_path)
        return df_cmdline_usage_error(spec, "--data and --pki (or --ca, --cert, --key) are required");
    if (!cfg->profile_path && df_find_shipped("profile/gd-v1.yaml", prof_buf, sizeof prof_buf) == 0)
        cfg->profile_path = prof_buf;
    if (!cfg->schema_path && df_find_shipped("schema/gd-v1.xsd", schema_buf, sizeof schema_buf) == 0)
        cfg->schema_path = schema_buf;
    if (!cfg->profile_path || !cfg->schema_path)
        return df_cmdline_usage_error(spec, "no shipped profile or schema found: give --profile and --schema");
    cfg->port = (int)a->port;
    cfg->max_upload = (long long)a->max_upload;
    cfg->max_inflight = (long long)a->max_inflight;
    if (cfg->max_inflight < cfg->max_upload + 65536)
        cfg->max_inflight = cfg->max_upload + 65536; /* one upload always fits */
    cfg->check_prefix = !a->check || !strcmp(a->check, "header");
    cfg->workers = (int)a->workers;
    cfg->queue_cap = (size_t)a->queue;
    cfg->defer = a->defer;
    cfg->max_connections = (int)a->maxconn;
    cfg->max_per_ip = (int)a->maxperip;
    cfg->conn_timeout = (int)a->conn_timeout;
    cfg->handshake_timeout = (int)a->hs_timeout;
    cfg->record_delay_us = (int)a->record_delay;
    snprintf(cfg->fault_results, sizeof cfg->fault_results, "%s", a->fault_results ? a->fault_results : "none");
    cfg->fault_5xx = a->f5xx, cfg->fault_reset = a->freset, cfg->fault_stall = a->fstall;
    cfg->fault_empty = a->fempty;
    cfg->latency_ms = (int)a->latency;
    cfg->fault_seed = (unsigned long long)a->seed;
    return 0;
}

/* Parses serve's options into cfg; 0, -1 after --help, or the exit status. */
static int serve_options(int argc, char **argv, sim_config *cfg, serve_args *a)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    *a = (serve_args){.port = 20830, .workers = ncpu < 2 ? 2 : ncpu > 8 ? 8 : ncpu, .queue = 1024,
                      .maxconn = 256, .maxperip = 64, .conn_timeout = 15, .hs_timeout = 10, .seed = 1, .max_upload = 32ULL << 20, .max_inflight = 1ULL << 30};
    memset(cfg, 0, sizeof *cfg);
    cfg->listen_addr = "127.0.0.1";
    const df_opt opts[] = {
        {.name = "data", .type = DF_ARG_STRING, .dest = &cfg->data_dir, .arg = "DIR",
         .help = "enterprise folders (drugflow-sim seed creates them)"},
        {.name = "pki", .type = DF_ARG_STRING, .dest = &a->pki, .arg = "DIR",
         .help = "shorthand for --ca DIR/ca.pem --cert DIR/server.pem\n--key DIR/server.key (samples/pki/make-pki.sh output)"},
        {.name = "ca", .type = DF_ARG_STRING, .dest = &cfg->ca_path, .arg = "F",
         .help = "CA certificate(s), PEM: client certificates and signatures"},
        {.name = "cert", .type = DF_ARG_STRING, .dest = &cfg->cert_path, .arg = "F", .help = "server certificate, PEM"},
        {.name = "key", .type = DF_ARG_STRING, .dest = &cfg->key_path, .arg = "F", .help = "server key, unencrypted PEM"},
        {.name = "profile", .type = DF_ARG_STRING, .dest = &cfg->profile_path, .arg = "F",
         .help = "interface profile (default: the shipped profile/gd-v1.yaml)"},
        {.name = "schema", .type = DF_ARG_STRING, .dest = &cfg->schema_path, .arg = "F",
         .help = "data file schema (default: the shipped schema/gd-v1.xsd)"},
        {.name = "listen", .type = DF_ARG_STRING, .dest = &cfg->listen_addr, .arg = "ADDR",
         .help = "address to listen on (default 127.0.0.1)"},
        {.name = "port", .type = DF_ARG_INT, .dest = &a->port, .min = 0, .max = 65535,
         .help = "port (default 20830; 0 = any free port)"},
        {.name = "port-file", .type = DF_ARG_STRING, .dest = &cfg->port_file, .arg = "F",
         .help = "write the port number to F (atomically) once listening"},
        {.name = "log", .type = DF_ARG_STRING, .dest = &cfg->log_path, .arg = "F",
         .help = "request log (default standard error)"},
        {.name = "daemon", .type = DF_ARG_FLAG, .dest = &a->daemon, .help = "run in the background (after listening)"},
        {.name = "pid-file", .type = DF_ARG_STRING, .dest = &a->pid_file, .arg = "F",
         .help = "write the server's process id to F"},
        {.name = "max-upload", .type = DF_ARG_SIZE, .dest = &a->max_upload, .arg = "BYTES", .min = 1,
         .max = 1LL << 40, .help = "file size limit, answered 2002 (default 32M; K/M/G suffixes)"},
        {.name = "archived", .type = DF_ARG_LIST, .dest = &a->archived, .arg = "PERIOD",
         .help = "a period (YYYY-MM) whose new data answers 2004; repeatable,\nor comma-separated"},
        {.name = "workers", .type = DF_ARG_INT, .dest = &a->workers, .min = 1, .max = 64,
         .help = "processing threads (default: the CPUs, 2 to 8)"},
        {.name = "queue", .type = DF_ARG_INT, .dest = &a->queue, .min = 1, .max = 1 << 20,
         .help = "processing queue length; a full queue answers 5000 (default 1024)"},
        {.name = "defer-processing", .type = DF_ARG_FLAG, .dest = &a->defer,
         .help = "leave received files PENDING (until SIGUSR1, or a restart\nwithout this option)"},
        {.name = "max-connections", .type = DF_ARG_INT, .dest = &a->maxconn, .min = 1, .max = 10000,
         .help = "concurrent connections (default 256)"},
        {.name = "max-connections-per-ip", .type = DF_ARG_INT, .dest = &a->maxperip, .min = 1, .max = 10000,
         .help = "concurrent connections from one address (default 64), so\nthat one address cannot take them all"},
        {.name = "connection-timeout", .type = DF_ARG_INT, .dest = &a->conn_timeout, .arg = "S", .min = 1,
         .max = 3600, .help = "close a connection silent for S seconds, in the TLS\nhandshake too (default 15)"},
        {.name = "handshake-timeout", .type = DF_ARG_INT, .dest = &a->hs_timeout, .arg = "S", .min = 1, .max = 3600,
         .help = "close a connection whose TLS handshake takes longer than S\nseconds, however it trickles (default 10)"},
        {.name = "record-delay-us", .type = DF_ARG_INT, .dest = &a->record_delay, .arg = "N", .min = 0,
         .max = 10000000, .help = "processing waits N microseconds after each record (to\nrehearse a slow province)"},
        {.name = "max-inflight", .type = DF_ARG_SIZE, .dest = &a->max_inflight, .arg = "BYTES", .min = 1,
         .max = 1LL << 42, .help = "upload bytes held in memory at once; an upload beyond\nanswers 5000 busy "
                                   "(default 1G, at least --max-upload)"},
        {.name = "upload-check", .type = DF_ARG_CHOICE, .dest = &a->check, .arg = "MODE", .choices = "header|full",
         .help = "header (default): the first 64 KiB, and on to the end of\nthe Header wherever it is, must be "
                 "well-formed XML with the\nright root, no DOCTYPE and a Period (else 2003); a fault\nfurther on is "
                 "FAILED E_SCHEMA in processing.\nfull: the whole file is parsed at upload (about 2.5x the\nserver CPU "
                 "per upload)"},
        {.section = "Fault injection (for clients' tests; deterministic for a --fault-seed and request order):",
         .name = "fault-5xx", .type = DF_ARG_DOUBLE, .dest = &a->f5xx, .arg = "SHARE", .min = 0, .max = 1,
         .help = "answer this share of requests (0..1) with HTTP 500 or 503"},
        {.name = "fault-reset", .type = DF_ARG_DOUBLE, .dest = &a->freset, .arg = "SHARE", .min = 0, .max = 1,
         .help = "reset this share of connections in the middle of the request body"},
        {.name = "fault-stall", .type = DF_ARG_DOUBLE, .dest = &a->fstall, .arg = "SHARE", .min = 0, .max = 1,
         .help = "never answer this share of requests"},
        {.name = "fault-empty", .type = DF_ARG_DOUBLE, .dest = &a->fempty, .arg = "SHARE", .min = 0, .max = 1,
         .help = "answer this share of requests with HTTP 200 and an empty body"},
        {.name = "fault-results", .type = DF_ARG_CHOICE, .dest = &a->fault_results, .arg = "LIE",
         .choices = "none|counts|negative|total|fileid",
         .help = "answer results that cannot be true: counts (Passed+Failed\n!= Total), negative (Failed -1), total "
                 "(Total one more than\nthe records), fileid (one FileId for every upload)"},
        {.name = "latency-ms", .type = DF_ARG_INT, .dest = &a->latency, .arg = "N", .min = 0, .max = 600000,
         .help = "add N ms before answering each request"},
        {.name = "fault-seed", .type = DF_ARG_INT, .dest = &a->seed, .arg = "N", .min = 0, .max = 0x7fffffffffffffffLL,
         .help = "seed of the fault draws (default 1)"},
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow-sim", .name = "serve", .opts = opts, .max_operands = 0, .about = serve_about,
        .usage = "--data DIR (--pki DIR | --ca F --cert F --key F) [options]", .epilog = serve_epilog,
    };
    int first, k = df_cmdline_parse(&spec, argc, argv, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? -1 : EXIT_USAGE;
    return serve_settle(&spec, cfg, a);
}

/* --daemon: the child does everything and reports the port (or a failure)
 * through a pipe; the parent prints it. In the child, returns the pipe's
 * write end; in the parent (or on failure) -1 with *parent_status set. */
static int daemonize(int *parent_status)
{
    int fds[2];
    *parent_status = -1;
    if (pipe(fds) != 0) {
        perror("drugflow-sim: pipe");
        return *parent_status = 1, -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("drugflow-sim: fork");
        return *parent_status = 1, -1;
    }
    if (pid > 0) {
        close(fds[1]);
        char line[128];
        ssize_t n = read(fds[0], line, sizeof line - 1);
        close(fds[0]);
        if (n <= 0)
            return *parent_status = 1, -1; /* the child said why on stderr */
        line[n] = '\0';
        fputs(line, stdout);
        return *parent_status = 0, -1;
    }
    close(fds[0]);
    setsid();
    return fds[1];
}

/* Once listening: the port and pid files, and the port to the parent or stdout. */
static void announce(const sim_config *cfg, int port, const char *pid_file, int report)
{
    df_error err = {{0}};
    char line[64], num[32];
    int ll = snprintf(line, sizeof line, "port=%d\n", port), nl;
    if (cfg->port_file && (nl = snprintf(num, sizeof num, "%d\n", port)) > 0 &&
        df_atomic_write_file(cfg->port_file, num, (size_t)nl, &err) != 0)
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
    if (pid_file && (nl = snprintf(num, sizeof num, "%ld\n", (long)getpid())) > 0 &&
        df_atomic_write_file(pid_file, num, (size_t)nl, &err) != 0)
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
    if (report < 0) {
        fputs(line, stdout);
        fflush(stdout);
        return;
    }
    if (write(report, line, (size_t)ll) < 0)
        g_dummy = 1;
    close(report);
    FILE *f = freopen("/dev/null", "r", stdin);
    f = freopen("/dev/null", "w", stdout);
    f = freopen(cfg->log_path ? cfg->log_path : "/dev/null", "a", stderr);
    (void)f;
}

/* Until TERM or INT: USR1 processes the PENDING files, HUP reopens the log. */
static void signal_loop(const sigset_t *sigs, const sim_config *cfg, sim_server *srv, sim_processor *pr,
                        scan_arg *sa)
{
    pthread_t scanner;
    int scanning = !cfg->defer && pthread_create(&scanner, NULL, scan_thread, sa) == 0;
    for (;;) {
        int sig = 0;
        if (sigwait(sigs, &sig) != 0)
            continue;
        if (sig == SIGUSR1) {
            sim_processor_resume(pr);
            if (scanning)
                pthread_join(scanner, NULL);
            scanning = pthread_create(&scanner, NULL, scan_thread, sa) == 0;
            continue;
        }
        if (sig == SIGHUP) {
            sim_server_reopen_log(srv);
            continue;
        }
        break;
    }
    sim_server_stop(srv);
    sim_processor_stop(pr);
    if (scanning)
        pthread_join(scanner, NULL);
}

static int cmd_serve(int argc, char **argv)
{
    static sim_config cfg;
    serve_args a;
    int rc = serve_options(argc, argv, &cfg, &a);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    struct stat st;
    if (stat(cfg.data_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "drugflow-sim: data directory %s does not exist (drugflow-sim seed creates it)\n",
                cfg.data_dir);
        return 1;
    }
    static df_profile prof;
    df_error err = {{0}};
    if (df_profile_load(&prof, cfg.profile_path, &err) != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        return 1;
    }
    int parent_status = -1, report = a.daemon ? daemonize(&parent_status) : -1;
    if (parent_status >= 0)
        return parent_status;
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGUSR1);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    static sim_processor pr;
    static sim_registry reg;
    sim_registry_init(&reg, cfg.data_dir);
    if (sim_processor_start(&pr, &prof, cfg.ca_path, cfg.schema_path, cfg.workers, cfg.queue_cap, cfg.defer,
                            &err) != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        return 1;
    }
    pr.record_delay_us = cfg.record_delay_us;
    sim_server *srv = NULL;
    if (sim_server_start(&cfg, &prof, &pr, &reg, &srv, &err) != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        sim_processor_stop(&pr);
        sim_processor_free(&pr);
        return 1;
    }
    announce(&cfg, sim_server_port(srv), a.pid_file, report);
    scan_arg sa = {&pr, &reg};
    signal_loop(&sigs, &cfg, srv, &pr, &sa);
    sim_processor_free(&pr);
    sim_registry_free(&reg);
    if (a.pid_file)
        unlink(a.pid_file);
    fprintf(stderr, "drugflow-sim: stopped (%lld files, %lld records processed)\n", (long long)pr.files_done,
            (long long)pr.records_done);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        main_usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "seed") == 0)
        return sim_cmd_seed(argc - 1, argv + 1, 1);
    if (strcmp(cmd, "catalog-add") == 0)
        return sim_cmd_seed(argc - 1, argv + 1, 0);
    if (strcmp(cmd, "catalog-delete") == 0)
        return sim_cmd_catalog_delete(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        main_usage(stdout);
        return 0;
    }
    fprintf(stderr, "drugflow-sim: unknown command '%s'\n", cmd);
    main_usage(stderr);
    return EXIT_USAGE;
}
