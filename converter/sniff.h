/* converter/sniff.h — what an unknown export looks like, for `drugflow
 * mapping init`: its encoding (from its bytes: a byte order mark, valid
 * UTF-8, else valid GBK, else GB18030), its delimiter (the one that splits
 * the first lines alike), and its first rows decoded to UTF-8, as a
 * df_sample (mapping/wizard.h). Each guess comes with its reason, for the
 * draft's comments. */
#ifndef DF_CONVERTER_SNIFF_H
#define DF_CONVERTER_SNIFF_H

#include "base/error.h"
#include "mapping/wizard.h"

/* Reads up to max_rows (≤ DF_SAMPLE_MAX_ROWS) non-blank rows of path. Fails
 * naming the file for an unreadable or empty file, UTF-16 (save as UTF-8 or
 * GBK), or bytes valid in none of the encodings. */
int df_sniff_file(const char *path, int max_rows, df_sample *s, df_error *err);

/* The same, and an .xlsx workbook (converter/xlsx.h: by its name or its
 * zip magic) read from sheet (NULL: the first), its name in s->sheet. An
 * old .xls or a broken workbook fails as the conversion would. */
int df_sniff_export(const char *path, const char *sheet, int max_rows, df_sample *s, df_error *err);

#endif
