/* writer/chunk_writer.h — one XML data file (INTERFACE.md §4) on disk.
 *
 * The chunk is written with libxml2's xmlTextWriter in exactly the bytes of
 * its Canonical XML 1.0 form (after the XML declaration): no empty-element
 * tags, C14N escaping, LF line ends, no whitespace outside the root. That
 * lets the writer feed the very bytes it writes to the profile's digest
 * (SHA-256 in gd-v1), which is the enveloped signature's reference digest
 * once the Signature element is left out: streaming signing without
 * re-reading or a DOM.
 *
 * Records arrive pre-rendered (df_render_record) in blocks, so the hot path
 * is one digest update and one write(2) per block, straight from the
 * caller's block: xmlTextWriter writes the header and trailer only, and the
 * records never pass through its buffer. The file appears atomically
 * (base/atomic_file.h) when finished. */
#ifndef DF_WRITER_CHUNK_WRITER_H
#define DF_WRITER_CHUNK_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <libxml/xmlwriter.h>
#include <openssl/evp.h>

#include "base/atomic_file.h"
#include "base/error.h"
#include "mapping/profile.h"
#include "writer/chunk.h"

typedef struct df_chunk_writer {
    const df_profile *profile;
    df_atomic_file file;
    xmlTextWriterPtr xw;
    EVP_MD_CTX *c14n;      /* digest of canonical bytes, or NULL */
    EVP_MD_CTX *whole;     /* digest of every byte written */
    int digesting;         /* c14n digest takes bytes now */
    size_t skip;           /* bytes of the XML declaration not yet passed */
    char *out;             /* own write buffer in front of the fd */
    size_t out_len;
    int io_failed;
    int discarding;        /* aborted: further output is dropped */
    df_error io_err;
    uint64_t records;
    uint64_t bytes;
} df_chunk_writer;

/* What to digest while writing (flags for df_chunk_open). */
#define DF_CHUNK_C14N_DIGEST 1 /* the reference digest, for the streaming signer */
#define DF_CHUNK_FILE_DIGEST 2 /* SHA-256 of the file's bytes, for the journal */

/* Opens path (atomically: nothing appears under it until finish) and writes
 * the declaration, root and header; digests are computed as the bytes are
 * written, as `digests` asks. */
int df_chunk_open(df_chunk_writer *w, const df_profile *p, const df_chunk_meta *m, int chunk_seq,
                  const char *path, int digests, df_error *err);

/* Appends nrecords pre-rendered records (df_render_record output). */
int df_chunk_write_records(df_chunk_writer *w, const char *xml, size_t len, uint64_t nrecords,
                           df_error *err);

/* Writes the trailer, the signature (if sign != NULL, which needs
 * canonical_digest) and the root end; fsyncs and renames into place. */
int df_chunk_finish(df_chunk_writer *w, df_sign_fn sign, void *sign_ctx, df_chunk_result *res,
                    df_error *err);

/* The same up to the last byte written, without the commit: the file is
 * handed over in *file, still under its temporary name, for the caller to
 * df_atomic_commit (fsync and rename, e.g. on a thread that only waits for
 * the disk) or df_atomic_abort. On failure nothing is handed over. */
int df_chunk_finish_uncommitted(df_chunk_writer *w, df_sign_fn sign, void *sign_ctx, df_chunk_result *res,
                                df_atomic_file *file, df_error *err);

/* Drops the temporary file. Safe after a failed open/write/finish. */
void df_chunk_abort(df_chunk_writer *w);

/* Renders one record, `<Record><F1>v1</F1>…</Record>\n`, escaping values as
 * Canonical XML does (& < > and CR). Returns the length, or 0 if it would
 * not fit in cap (the caller flushes its block and retries, or for a single
 * record larger than any block reports it). */
size_t df_render_record(const df_profile *p, const df_doctype *dt, const char *const *vals,
                        const size_t *lens, char *buf, size_t cap);

/* Appends s escaped for canonical text content; returns bytes written or
 * (size_t)-1 if cap is too small. */
size_t df_c14n_escape_text(const char *s, size_t len, char *out, size_t cap);

#endif
