/* converter/xlsx_part.h — one part (zip entry) of an .xlsx workbook read as
 * a stream of XML nodes: libzip's zip_fread under libxml2's xmlTextReader,
 * with the part's size and compression ratio capped (zip bombs), reading
 * stopped past its declared size, and no DTD, network or entities. */
#ifndef DF_CONVERTER_XLSX_PART_H
#define DF_CONVERTER_XLSX_PART_H

#include <libxml/xmlreader.h>
#include <stdint.h>
#include <zip.h>

#include "base/error.h"
#include "converter/xlsx.h"

typedef struct df_xlsx_part {
    char name[512];
    zip_file_t *zf;
    xmlTextReaderPtr r;
    uint64_t declared, comp, done;
    int prolog;             /* still before the root element: looking for <!DOCTYPE */
    char tail[16];          /* last bytes of the previous read, for a <!DOCTYPE across reads */
    char io_err[512];       /* why reading the zip stopped */
    char xml_err[512];      /* the parser's first error */
    int xml_line;
} df_xlsx_part;

/* Opens the entry name (case-insensitive, as OPC part names are) of za.
 * Returns 1, 0 when there is no such entry and !required, -1 with err
 * ("NAME: why", the caller prefixes the file). */
int df_xlsx_part_open(zip_t *za, const char *name, const df_xlsx_limits *lim, int required,
                      df_xlsx_part *p, df_error *err);
/* The next node: 1, 0 at the end of the part, -1 with err (a DTD, a zip
 * read error, malformed XML: "NAME: why"). */
int df_xlsx_part_read(df_xlsx_part *p, df_error *err);
void df_xlsx_part_close(df_xlsx_part *p);

/* Copies the values of the named attributes (local names) of the current
 * element into bufs[i] (cap bytes each, cut short beyond; "" when absent).
 * Returns the mask of those present (bit i for names[i]). */
unsigned df_xlsx_attrs(xmlTextReaderPtr r, const char *const *names, char **bufs, size_t cap, int n);
/* The current node's type, and its local name when it is an element's
 * start or end ("" otherwise): one look per node on the hot path. */
const char *df_xlsx_node(xmlTextReaderPtr r, int *type);
/* Is the current node of type (start or end element) and named local? */
int df_xlsx_is(xmlTextReaderPtr r, int type, const char *local);

#endif
