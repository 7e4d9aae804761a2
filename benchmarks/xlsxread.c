/* benchmarks/xlsxread.c — reads an .xlsx sheet through the streaming reader
 * (converter/xlsx.h) and reports rows, seconds, rows/s, peak RSS and
 * whether the shared strings spilled to a file; --dump prints the rows
 * (tab-separated, with their sheet row numbers) for tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "converter/xlsx.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *path = NULL, *sheet = NULL;
    int dump = 0;
    df_xlsx_limits lim = df_xlsx_default_limits;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dump"))
            dump = 1;
        else if (!strcmp(argv[i], "--sheet") && i + 1 < argc)
            sheet = argv[++i];
        else if (!strcmp(argv[i], "--sst-memory") && i + 1 < argc)
            lim.sst_memory = (size_t)strtoull(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else {
            fprintf(stderr, "usage: xlsxread [--dump] [--sheet NAME] [--sst-memory BYTES] FILE.xlsx\n");
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: xlsxread [--dump] [--sheet NAME] [--sst-memory BYTES] FILE.xlsx\n");
        return 2;
    }
    double t0 = now();
    df_error err;
    df_xlsx *x;
    if (df_xlsx_open_limits(path, sheet, &lim, &x, &err) != 0) {
        fprintf(stderr, "xlsxread: %s\n", err.msg);
        return 1;
    }
    double t1 = now();
    static df_csv_row row;
    long rows = 0;
    unsigned long long bytes = 0;
    int rc;
    while ((rc = df_xlsx_next(x, &row, &err)) == 1) {
        rows++;
        for (int i = 0; i < row.kept; i++)
            bytes += row.len[i];
        if (dump) {
            printf("%ld", row.line);
            for (int i = 0; i < row.kept; i++)
                printf("\t%s", row.field[i]);
            if (row.nfields > row.kept)
                printf("\t(+%d)", row.nfields - row.kept);
            putchar('\n');
        }
    }
    double t2 = now();
    int spilled = df_xlsx_sst_spilled(x);
    df_xlsx_close(x);
    if (rc < 0) {
        fprintf(stderr, "xlsxread: %s\n", err.msg);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "xlsxread: %ld rows, %llu field bytes, open %.2f s, rows %.2f s, %.0f rows/s, peak RSS %ld KiB, "
                    "shared strings %s\n",
            rows, bytes, t1 - t0, t2 - t1, t2 > t1 ? rows / (t2 - t1) : 0.0, ru.ru_maxrss,
            spilled ? "spilled to a file" : "in memory");
    return 0;
}
