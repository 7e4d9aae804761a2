/* simulator/main.c — drugflow-sim's command line: `serve` runs the practice
 * server (foreground or --daemon), `seed`, `catalog-add` and
 * `catalog-delete` maintain an enterprise's catalogs. Signals: SIGTERM and
 * SIGINT shut down cleanly, SIGUSR1 processes the files left PENDING. */
#include "simulator/sim.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"

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

static void serve_usage(FILE *o)
{
    fprintf(o,
            "usage: drugflow-sim serve --data DIR (--pki DIR | --ca F --cert F --key F) [options]\n"
            "Serves /data/clientAccept/{toOperationCommodity.do, toContactsBusiness.do,\n"
            "toUploadFile.do, toDowloadFileDeal.do} over HTTPS (TLS 1.2+), requiring a client\n"
            "certificate issued by the --ca; its subject CN is the enterprise (DIR/<CN>/).\n\n"
            "  --data DIR            enterprise folders (drugflow-sim seed creates them)\n"
            "  --pki DIR             shorthand for --ca DIR/ca.pem --cert DIR/server.pem\n"
            "                        --key DIR/server.key (samples/pki/make-pki.sh output)\n"
            "  --ca F                CA certificate(s), PEM: client certificates and signatures\n"
            "  --cert F --key F      server certificate and unencrypted key, PEM\n"
            "  --profile F           interface profile (default samples/profile/gd-v1.yaml, else\n"
            "                        PREFIX/share/drugflow/profile/gd-v1.yaml)\n"
            "  --schema F            data file schema (default samples/schema/gd-v1.xsd, else\n"
            "                        PREFIX/share/drugflow/schema/gd-v1.xsd)\n"
            "  --listen ADDR         address to listen on (default 127.0.0.1)\n"
            "  --port N              port (default 20830; 0 = any free port)\n"
            "  --port-file F         write the port number to F (atomically) once listening\n"
            "  --log F               request log (default standard error)\n"
            "  --daemon              run in the background (after listening)\n"
            "  --pid-file F          write the server's process id to F\n"
            "  --max-upload BYTES    file size limit, answered 2002 (default 32M; K/M/G suffixes)\n"
            "  --archived PERIOD     a period (YYYY-MM) whose new data answers 2004; repeatable,\n"
            "                        or comma-separated\n"
            "  --workers N           processing threads (default: the CPUs, 2 to 8)\n"
            "  --queue N             processing queue length; a full queue answers 5000 (default 1024)\n"
            "  --defer-processing    leave received files PENDING (until SIGUSR1, or a restart\n"
            "                        without this option)\n"
            "  --max-connections N   concurrent connections (default 256)\n"
            "  --max-inflight BYTES  upload bytes held in memory at once; an upload beyond\n"
            "                        answers 5000 busy (default 1G, at least --max-upload)\n"
            "  --upload-check MODE   header (default): the first 64 KiB must be well-formed XML\n"
            "                        with the right root, no DOCTYPE and a header (else 2003);\n"
            "                        a fault further on is FAILED E_SCHEMA in processing.\n"
            "                        full: the whole file is parsed at upload (about 2.5x the\n"
            "                        server CPU per upload)\n"
            "Fault injection (for clients' tests; deterministic for a --fault-seed and request order):\n"
            "  --fault-5xx SHARE     answer this share of requests (0..1) with HTTP 500 or 503\n"
            "  --fault-reset SHARE   reset this share of connections in the middle of the request body\n"
            "  --fault-stall SHARE   never answer this share of requests\n"
            "  --latency-ms N        add N ms before answering each request\n"
            "  --fault-seed N        seed of the fault draws (default 1)\n\n"
            "Prints 'port=N' on standard output once listening. One log line per request:\n"
            "time, enterprise, entry, outcome (code=C http=S, or the fault), milliseconds.\n"
            "Signals: TERM/INT stop cleanly (files being processed finish, queued ones stay\n"
            "PENDING and resume on restart); USR1 processes the PENDING files now; HUP reopens\n"
            "the --log file.\n"
            "Exit status: 0 stopped by a signal, 1 could not start, 2 usage error.\n");
}

static volatile int g_dummy;

/* Sizes like 32M, 512K, 1G, or plain bytes; -1 if malformed. */
static long long parse_size(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v < 0)
        return -1;
    if (*end == 'K' || *end == 'k')
        v <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        v <<= 20, end++;
    else if (*end == 'G' || *end == 'g')
        v <<= 30, end++;
    if (*end == 'i' && end[-1] != '\0')
        end++;
    if (*end == 'B')
        end++;
    return *end ? -1 : v;
}

static int parse_share(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v < 0 || v > 1)
        return -1;
    *out = v;
    return 0;
}

static int parse_int(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

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

static int cmd_serve(int argc, char **argv)
{
    enum {
        O_DATA = 256, O_PKI, O_CA, O_CERT, O_KEY, O_PROFILE, O_SCHEMA, O_LISTEN, O_PORT, O_PORT_FILE, O_LOG,
        O_DAEMON, O_PID_FILE, O_MAX_UPLOAD, O_ARCHIVED, O_WORKERS, O_QUEUE, O_DEFER, O_MAXCONN, O_F5XX, O_FRESET,
        O_FSTALL, O_LATENCY, O_FSEED, O_CHECK, O_INFLIGHT
    };
    static const struct option opts[] = {
        {"data", required_argument, 0, O_DATA},          {"pki", required_argument, 0, O_PKI},
        {"ca", required_argument, 0, O_CA},              {"cert", required_argument, 0, O_CERT},
        {"key", required_argument, 0, O_KEY},            {"profile", required_argument, 0, O_PROFILE},
        {"schema", required_argument, 0, O_SCHEMA},      {"listen", required_argument, 0, O_LISTEN},
        {"port", required_argument, 0, O_PORT},          {"port-file", required_argument, 0, O_PORT_FILE},
        {"log", required_argument, 0, O_LOG},            {"daemon", no_argument, 0, O_DAEMON},
        {"pid-file", required_argument, 0, O_PID_FILE},  {"max-upload", required_argument, 0, O_MAX_UPLOAD},
        {"archived", required_argument, 0, O_ARCHIVED},  {"workers", required_argument, 0, O_WORKERS},
        {"queue", required_argument, 0, O_QUEUE},        {"defer-processing", no_argument, 0, O_DEFER},
        {"max-connections", required_argument, 0, O_MAXCONN},
        {"fault-5xx", required_argument, 0, O_F5XX},     {"fault-reset", required_argument, 0, O_FRESET},
        {"fault-stall", required_argument, 0, O_FSTALL}, {"latency-ms", required_argument, 0, O_LATENCY},
        {"fault-seed", required_argument, 0, O_FSEED},   {"upload-check", required_argument, 0, O_CHECK},
        {"max-inflight", required_argument, 0, O_INFLIGHT}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    static sim_config cfg;
    static char pki_ca[1100], pki_cert[1100], pki_key[1100], prof_buf[1100], schema_buf[1100];
    memset(&cfg, 0, sizeof cfg);
    cfg.listen_addr = "127.0.0.1";
    cfg.port = 20830;
    cfg.max_upload = 32LL << 20;
    cfg.max_inflight = 1LL << 30;
    cfg.check_prefix = 1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.workers = ncpu < 2 ? 2 : ncpu > 8 ? 8 : (int)ncpu;
    cfg.queue_cap = 1024;
    cfg.fault_seed = 1;
    cfg.max_connections = 256;
    const char *pid_file = NULL;
    int daemonize = 0, c;
    long long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case O_DATA: cfg.data_dir = optarg; break;
        case O_PKI:
            snprintf(pki_ca, sizeof pki_ca, "%s/ca.pem", optarg);
            snprintf(pki_cert, sizeof pki_cert, "%s/server.pem", optarg);
            snprintf(pki_key, sizeof pki_key, "%s/server.key", optarg);
            cfg.ca_path = pki_ca, cfg.cert_path = pki_cert, cfg.key_path = pki_key;
            break;
        case O_CA: cfg.ca_path = optarg; break;
        case O_CERT: cfg.cert_path = optarg; break;
        case O_KEY: cfg.key_path = optarg; break;
        case O_PROFILE: cfg.profile_path = optarg; break;
        case O_SCHEMA: cfg.schema_path = optarg; break;
        case O_LISTEN: cfg.listen_addr = optarg; break;
        case O_PORT: bad = parse_int(optarg, 0, 65535, &v); cfg.port = (int)v; break;
        case O_PORT_FILE: cfg.port_file = optarg; break;
        case O_LOG: cfg.log_path = optarg; break;
        case O_DAEMON: daemonize = 1; break;
        case O_PID_FILE: pid_file = optarg; break;
        case O_MAX_UPLOAD: bad = (cfg.max_upload = parse_size(optarg)) <= 0; break;
        case O_ARCHIVED: {
            char tmp[1024];
            snprintf(tmp, sizeof tmp, "%s", optarg);
            for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (cfg.narchived == SIM_MAX_ARCHIVED || strlen(t) != 7) {
                    bad = 1;
                    break;
                }
                snprintf(cfg.archived[cfg.narchived++], sizeof cfg.archived[0], "%s", t);
            }
            break;
        }
        case O_WORKERS: bad = parse_int(optarg, 1, 64, &v); cfg.workers = (int)v; break;
        case O_QUEUE: bad = parse_int(optarg, 1, 1 << 20, &v); cfg.queue_cap = (size_t)v; break;
        case O_DEFER: cfg.defer = 1; break;
        case O_MAXCONN: bad = parse_int(optarg, 1, 10000, &v); cfg.max_connections = (int)v; break;
        case O_F5XX: bad = parse_share(optarg, &cfg.fault_5xx); break;
        case O_FRESET: bad = parse_share(optarg, &cfg.fault_reset); break;
        case O_FSTALL: bad = parse_share(optarg, &cfg.fault_stall); break;
        case O_LATENCY: bad = parse_int(optarg, 0, 600000, &v); cfg.latency_ms = (int)v; break;
        case O_FSEED: bad = parse_int(optarg, 0, (long long)(~0ULL >> 1), &v); cfg.fault_seed = (unsigned long long)v; break;
        case O_INFLIGHT: bad = (cfg.max_inflight = parse_size(optarg)) <= 0; break;
        case O_CHECK:
            bad = strcmp(optarg, "full") != 0 && strcmp(optarg, "header") != 0;
            cfg.check_prefix = strcmp(optarg, "header") == 0;
            break;
        case 'h': serve_usage(stdout); return 0;
        default: serve_usage(stderr); return EXIT_USAGE;
        }
        if (bad) {
            fprintf(stderr, "drugflow-sim serve: bad value '%s' for --%s\n", optarg, opts[c - O_DATA].name);
            return EXIT_USAGE;
        }
    }
    if (optind != argc || !cfg.data_dir || !cfg.ca_path || !cfg.cert_path || !cfg.key_path) {
        fprintf(stderr, "drugflow-sim serve: --data and --pki (or --ca, --cert, --key) are required\n");
        serve_usage(stderr);
        return EXIT_USAGE;
    }
    if (cfg.max_inflight < cfg.max_upload + 65536)
        cfg.max_inflight = cfg.max_upload + 65536; /* one upload always fits */
    if (!cfg.profile_path)
        cfg.profile_path = sim_default_path("samples/profile/gd-v1.yaml", "profile/gd-v1.yaml", prof_buf,
                                        sizeof prof_buf);
    if (!cfg.schema_path)
        cfg.schema_path = sim_default_path("samples/schema/gd-v1.xsd", "schema/gd-v1.xsd", schema_buf,
                                       sizeof schema_buf);
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

    /* --daemon: the child does everything and reports the port (or a
     * failure) through a pipe; the parent prints it and exits. */
    int report = -1;
    if (daemonize) {
        int fds[2];
        if (pipe(fds) != 0) {
            perror("drugflow-sim: pipe");
            return 1;
        }
        pid_t pid = fork();
        if (pid < 0) {
            perror("drugflow-sim: fork");
            return 1;
        }
        if (pid > 0) {
            close(fds[1]);
            char line[128];
            ssize_t n = read(fds[0], line, sizeof line - 1);
            close(fds[0]);
            if (n <= 0)
                return 1; /* the child said why on stderr */
            line[n] = '\0';
            fputs(line, stdout);
            return 0;
        }
        close(fds[0]);
        report = fds[1];
        setsid();
    }

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
    sim_server *srv = NULL;
    if (sim_server_start(&cfg, &prof, &pr, &reg, &srv, &err) != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        sim_processor_stop(&pr);
        sim_processor_free(&pr);
        return 1;
    }
    int port = sim_server_port(srv);
    char line[64];
    int ll = snprintf(line, sizeof line, "port=%d\n", port);
    if (cfg.port_file) {
        char num[32];
        int nl = snprintf(num, sizeof num, "%d\n", port);
        if (df_atomic_write_file(cfg.port_file, num, (size_t)nl, &err) != 0)
            fprintf(stderr, "drugflow-sim: %s\n", err.msg);
    }
    if (pid_file) {
        char num[32];
        int nl = snprintf(num, sizeof num, "%ld\n", (long)getpid());
        if (df_atomic_write_file(pid_file, num, (size_t)nl, &err) != 0)
            fprintf(stderr, "drugflow-sim: %s\n", err.msg);
    }
    if (report >= 0) {
        if (write(report, line, (size_t)ll) < 0)
            g_dummy = 1;
        close(report);
        FILE *f = freopen("/dev/null", "r", stdin);
        f = freopen("/dev/null", "w", stdout);
        f = freopen(cfg.log_path ? cfg.log_path : "/dev/null", "a", stderr);
        (void)f;
    } else {
        fputs(line, stdout);
        fflush(stdout);
    }

    scan_arg sa = {&pr, &reg};
    pthread_t scanner;
    int scanning = 0;
    if (!cfg.defer)
        scanning = pthread_create(&scanner, NULL, scan_thread, &sa) == 0;
    for (;;) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGUSR1) {
            sim_processor_resume(&pr);
            if (scanning) {
                pthread_join(scanner, NULL);
                scanning = 0;
            }
            scanning = pthread_create(&scanner, NULL, scan_thread, &sa) == 0;
            continue;
        }
        if (sig == SIGHUP) {
            sim_server_reopen_log(srv);
            continue;
        }
        break;
    }
    sim_server_stop(srv);
    sim_processor_stop(&pr);
    if (scanning)
        pthread_join(scanner, NULL);
    sim_processor_free(&pr);
    sim_registry_free(&reg);
    if (pid_file)
        unlink(pid_file);
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
