/* exports_write.h — an export's two file formats, written from the loaded data. */
#ifndef ZEREN_EXPORTS_WRITE_H
#define ZEREN_EXPORTS_WRITE_H

#include <stddef.h>

#include "exports_repo.h"

/* The list as CSV (UTF-8 with a BOM, CRLF): 0 with *body (owned, free it) of *len bytes. */
int export_csv_write(const struct export_data *d, char **body, size_t *len)
        __attribute__((warn_unused_result));
/* The workbook (the list, then the unit scorecards) written to the file at path; 0 on
 * success. */
int export_xlsx_write(const struct export_data *d, const char *path)
        __attribute__((warn_unused_result));

#endif
