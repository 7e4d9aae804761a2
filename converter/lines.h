/* converter/lines.h — where each record of a chunk came from, compactly.
 *
 * A chunk's records are rows of the inputs in input order, so their
 * (input index, physical line) pairs only ever move forward: they are
 * stored as deltas, runs of consecutive lines as one token. The encoding is
 * a sequence of unsigned LEB128 varints, read with a state (input, line)
 * that starts at (0, 0):
 *
 *   0, I, L     one record at input I, line L (a new input, or the start)
 *   2·D         one record at line + D (D >= 1)
 *   2·N + 1     N records at line + 1, line + 2, … line + N (N >= 1)
 *
 * A chunk of rows on consecutive lines takes a handful of bytes whatever
 * its size; a reject, a blank or a multi-line row between two records
 * costs one or two more. The decoder is public: df_chunk_lines_decode in
 * convert.h. */
#ifndef DF_CONVERTER_LINES_H
#define DF_CONVERTER_LINES_H

#include <stddef.h>
#include <stdint.h>

typedef struct df_lines_enc {
    unsigned char *buf;
    size_t len, cap;
    int input;
    long line;
    uint64_t run;      /* records on consecutive lines not yet written */
    int failed;        /* out of memory: the blob is dropped */
} df_lines_enc;

/* Starts a chunk's list (buf NULL, state (0, 0)). */
void df_lines_enc_init(df_lines_enc *e);
/* The next record of the chunk. */
void df_lines_enc_add(df_lines_enc *e, int input, long line);
/* Ends the list: *blob (malloc'd, caller frees) and *len; NULL/0 if it
 * could not be built. The encoder is left empty. */
void df_lines_enc_finish(df_lines_enc *e, unsigned char **blob, size_t *len);
void df_lines_enc_free(df_lines_enc *e);

#endif
