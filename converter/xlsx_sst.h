/* converter/xlsx_sst.h — an .xlsx workbook's shared strings, compact and
 * bounded: one byte arena plus offsets in memory up to a limit, beyond it
 * both moved to unlinked temporary files read through a small block cache,
 * so memory stays bounded whatever the table's size. */
#ifndef DF_CONVERTER_XLSX_SST_H
#define DF_CONVERTER_XLSX_SST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "base/error.h"

#define DF_SST_BLOCK (16u * 1024)
#define DF_SST_CACHE_BLOCKS 256   /* per file: 4 MiB of data, 4 MiB of offsets */

typedef struct df_sst_file {
    int fd;
    FILE *w;                                  /* while adding */
    uint64_t size;
    int64_t tag[DF_SST_CACHE_BLOCKS];         /* block number cached in each slot, -1 none */
    char *blocks;                             /* DF_SST_CACHE_BLOCKS * DF_SST_BLOCK */
} df_sst_file;

typedef struct df_sst {
    size_t limit;        /* bytes of arena + offsets held in memory */
    uint64_t count;      /* strings added */
    char *arena;         /* in memory: string bytes */
    size_t arena_len, arena_cap;
    uint64_t *off;       /* in memory: start of string i; off[count] = arena_len */
    size_t off_cap;
    int spilled;
    df_sst_file data, index;
} df_sst;

void df_sst_init(df_sst *s, size_t limit);
/* Appends one string. */
int df_sst_add(df_sst *s, const char *text, size_t len, df_error *err);
/* Ends adding (flushes the files when spilled). */
int df_sst_finish(df_sst *s, df_error *err);
/* The length of string i, and its bytes copied to dst (room for len). */
int df_sst_get(df_sst *s, uint64_t i, char *dst, size_t cap, size_t *len, df_error *err);
void df_sst_free(df_sst *s);

#endif
