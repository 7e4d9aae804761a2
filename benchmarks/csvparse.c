/* benchmarks/csvparse.c — the parse-only ceiling for the converter.
 *
 * `csvparse FILE...` reads each file with read(2) into one fixed 256 KiB
 * buffer and feeds it to libcsv, whose callbacks only count fields and rows.
 * Space trimming is disabled, as in the converter. Nothing is decoded,
 * validated or written, so the time this takes bounds from below what any
 * libcsv-based converter can reach on the same file. Prints per file:
 *   rows=N fields=M bytes=B FILE
 * where rows counts every CSV record, the header row included. */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { READ_BUFFER_SIZE = 256 * 1024 };

struct parse_counts {
    size_t rows;
    size_t fields;
    size_t bytes;
};

static void count_field(void *field, size_t len, void *data)
{
    (void)field;
    (void)len;
    ((struct parse_counts *)data)->fields++;
}

static void count_row(int terminator, void *data)
{
    (void)terminator;
    ((struct parse_counts *)data)->rows++;
}

/* libcsv trims spaces and tabs around unquoted fields unless told otherwise;
 * the converter keeps every byte, so the ceiling does the same. */
static int no_space_is_trimmed(unsigned char c)
{
    (void)c;
    return 0;
}

/* Parses one file; returns 0 and fills *counts, or -1 after printing why. */
static int parse_file(const char *path, unsigned char *buffer, struct parse_counts *counts)
{
    memset(counts, 0, sizeof *counts);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "csvparse: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct csv_parser parser;
    if (csv_init(&parser, 0) != 0) {
        fprintf(stderr, "csvparse: csv_init failed\n");
        close(fd);
        return -1;
    }
    csv_set_space_func(&parser, no_space_is_trimmed);

    int result = 0;
    for (;;) {
        ssize_t got = read(fd, buffer, READ_BUFFER_SIZE);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "csvparse: cannot read %s: %s\n", path, strerror(errno));
            result = -1;
            break;
        }
        if (got == 0)
            break;
        counts->bytes += (size_t)got;
        if (csv_parse(&parser, buffer, (size_t)got, count_field, count_row, counts) != (size_t)got) {
            fprintf(stderr, "csvparse: %s: %s\n", path, csv_strerror(csv_error(&parser)));
            result = -1;
            break;
        }
    }
    if (result == 0 && csv_fini(&parser, count_field, count_row, counts) != 0) {
        fprintf(stderr, "csvparse: %s: %s\n", path, csv_strerror(csv_error(&parser)));
        result = -1;
    }
    csv_free(&parser);
    close(fd);
    return result;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: csvparse FILE...\n"
                "Parse-only ceiling: libcsv over each FILE (256 KiB read(2) buffer,\n"
                "no space trimming, callbacks only count). Prints per file:\n"
                "  rows=N fields=M bytes=B FILE\n"
                "rows counts every CSV record, the header row included.\n");
        return argc < 2 ? 2 : 0;
    }
    static unsigned char buffer[READ_BUFFER_SIZE];
    int status = 0;
    for (int i = 1; i < argc; i++) {
        struct parse_counts counts;
        if (parse_file(argv[i], buffer, &counts) != 0) {
            status = 1;
            continue;
        }
        printf("rows=%zu fields=%zu bytes=%zu %s\n", counts.rows, counts.fields, counts.bytes, argv[i]);
    }
    if (fflush(stdout) != 0)
        status = 1;
    return status;
}
