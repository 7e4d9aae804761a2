/* converter/xlsx_cell.h — how an .xlsx cell's stored value reads as text:
 * numbers as Excel shows them unformatted, date serials as calendar dates,
 * and which number formats are dates (converter/xlsx.h says the rules). */
#ifndef DF_CONVERTER_XLSX_CELL_H
#define DF_CONVERTER_XLSX_CELL_H

#include <stddef.h>

enum df_xlsx_datekind { DF_XLSX_NOT_DATE = 0, DF_XLSX_DATE, DF_XLSX_DATETIME, DF_XLSX_TIME };

/* The kind of a built-in number format id (14-22, 45-47 are dates/times). */
enum df_xlsx_datekind df_xlsx_builtin_kind(long numfmt_id);
/* The kind of a custom format code: y/m/d/h/s outside quotes, brackets
 * ([Red], [$-804]; but [h] [mm] [ss] elapsed times count) and escapes. */
enum df_xlsx_datekind df_xlsx_format_kind(const char *code);

/* Formats the number text v (the cell's <v>) into out (at least 64 bytes):
 * integers plainly, else the shortest round-trip text of at most 15
 * significant digits. Returns its length, or -1 when v is not a number. */
int df_xlsx_number_text(const char *v, char *out, size_t cap);

/* The serial v as kind (date, date-time, time) in the 1900 or 1904 system
 * into out (at least 32 bytes). Returns the length, 0 when the serial is
 * outside the calendar (the caller keeps the number), -1 when v is not a
 * number. */
int df_xlsx_date_text(const char *v, enum df_xlsx_datekind kind, int date1904, char *out, size_t cap);

#endif
