/* writer/header_scan.h — reading a data file's Header as a stream.
 *
 * A libxml2 SAX push parser fed piece by piece, without network, DTD or
 * entities (a DOCTYPE stops it): it checks the root element is the
 * profile's, finds the Header wherever it is among the root's children
 * (padding in front of it only costs the time to read it), and keeps the
 * text of each header field. With stop_after > 0 it stops once the Header
 * has ended and at least stop_after bytes were read, so a check at upload
 * costs about the Header's bytes, not the file's; with 0 it reads to the
 * end and the whole file must be well-formed. drugflow upload and
 * drugflow-sim's upload check share it. */
#ifndef DF_WRITER_HEADER_SCAN_H
#define DF_WRITER_HEADER_SCAN_H

#include <stddef.h>
#include "mapping/profile.h"

#define DF_HEADER_VALUE_MAX 1024  /* bytes of one header value (200 characters of UTF-8 fit) */

typedef struct df_header_scan {
    const df_profile *p;
    void *pc;                  /* xmlParserCtxtPtr */
    size_t stop_after, fed;
    int depth, seen_root, root_ok, doctype, errored, done;
    int header;                /* 0 not yet, 1 inside, 2 read */
    int cur;                   /* header field being read, or -1 */
    int seen[DF_MAX_HEADER];
    size_t len[DF_MAX_HEADER];
    char value[DF_MAX_HEADER][DF_HEADER_VALUE_MAX];
    char msg[300];             /* why the file is refused */
} df_header_scan;

/* 0, or -1 (out of memory, in s->msg). */
int df_header_scan_init(df_header_scan *s, const df_profile *p, size_t stop_after);
/* Feeds the next n bytes (last = 1 with the final piece). Returns 1 when
 * nothing more is needed (the Header was read and stop_after bytes, or the
 * file is refused already), 0 to go on. */
int df_header_scan_feed(df_header_scan *s, const void *buf, size_t n, int last);
/* 0 if what was read is well-formed, has the profile's root, no DOCTYPE,
 * and a Header read to its end with no field twice; else -1 with s->msg. */
int df_header_scan_finish(df_header_scan *s);
void df_header_scan_free(df_header_scan *s);

/* The text of the header field carrying v, or NULL if the Header had none. */
const char *df_header_scan_get(const df_header_scan *s, df_header_value v);

#endif
