/* converter/provenance.h — where each record of a chunk came from: the
 * (input index, physical line) of every record, in record order, as a
 * compact blob that travels with the chunk's result (df_chunk_result.lines)
 * into the journal, so that a server error naming a chunk and a record
 * sequence number can be traced back to the ERP export's row.
 *
 * Records of one input come in increasing line order, mostly on
 * consecutive lines, so the blob is a list of runs of consecutive lines,
 * each two unsigned LEB128 varints:
 *     head  = gap << 1 | switched      gap: lines skipped before the run
 *     count = records in the run (>= 1)
 * with, when `switched`, the new input's index as a third varint between
 * them (the line counter restarts at 0 for a new input). A run starts at
 * line prev + 1 + gap, where prev is the last line of the previous run.
 * A chunk of one file without rejects is a few bytes; with 2% rejected
 * rows spread evenly, about 2 bytes per 50 records. */
#ifndef DF_CONVERTER_PROVENANCE_H
#define DF_CONVERTER_PROVENANCE_H

#include <stddef.h>
#include <stdint.h>
#include "base/error.h"

/* The encoder of one chunk's lines (zero-initialised = empty). */
typedef struct df_lines_enc {
    unsigned char *buf;
    size_t len, cap;
    int input;               /* input of the last flushed run (0 at first) */
    long long prev;          /* its last line (0 at first) */
    int run_input;           /* the open run: input, first line, records */
    long long run_start, run_count;
} df_lines_enc;

/* Appends a record read from input `input` at physical line `line` (from
 * 1). Lines of one input must increase. 0, or -1 when out of memory or
 * the order is broken (err says which). */
int df_lines_enc_add(df_lines_enc *e, int input, long line, df_error *err);
/* Hands the finished blob over (*blob is malloc'ed, NULL when no record
 * was added) and resets the encoder for the next chunk. 0 or -1 (memory). */
int df_lines_enc_finish(df_lines_enc *e, unsigned char **blob, size_t *len, df_error *err);
void df_lines_enc_free(df_lines_enc *e);

/* Reads a blob record by record. */
typedef struct df_lines_cursor {
    const unsigned char *p, *end;
    int input;
    long long line;          /* the last record's line */
    long long left;          /* records left in the current run */
    uint64_t record;         /* records read so far (the last one's seq, from 1) */
} df_lines_cursor;

void df_lines_cursor_init(df_lines_cursor *c, const unsigned char *blob, size_t len);
/* The next record: 1 with *input and *line set, 0 at the end, -1 if the blob is
 * malformed. */
int df_lines_cursor_next(df_lines_cursor *c, int *input, long *line);

/* Calls fn for every record (seq from 1 in the chunk); fn returning
 * non-zero stops. 0, or -1 with err when the blob is malformed. */
typedef int (*df_line_fn)(void *arg, uint64_t seq, int input, long line);
int df_chunk_lines_decode(const unsigned char *blob, size_t len, df_line_fn fn, void *arg, df_error *err);

#endif
