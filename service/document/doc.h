/* doc.h — a document read into table rows and paragraphs, before any meaning is given. */
#ifndef ZEREN_DOC_H
#define ZEREN_DOC_H

#include <stddef.h>

/* Why a file could not be read as a responsibility list. */
enum doc_error {
	DOC_OK = 0,
	DOC_EMPTY,      /* no bytes, or nothing but white space */
	DOC_ENCODING,   /* text that is neither UTF-8 nor GB18030 */
	DOC_FORMAT,     /* a zip that is not a Word or Excel file, or a binary */
	DOC_ENCRYPTED,  /* a password-protected Office file or zip entry */
	DOC_TOO_LARGE,  /* over a size limit, or a zip bomb */
	DOC_BAD_XML,    /* the Office XML inside is broken */
	DOC_NOT_A_LIST, /* readable, but no table or numbered list of measures */
	DOC_NOMEM,
	DOC_WRONG_TYPE /* the content is not of the type the sender declared */
};

/* What the sender says the bytes are (an HTTP Content-Type); the content must agree. */
enum doc_declared {
	DOC_DECLARED_ANY = 0, /* tell by the content (the command line) */
	DOC_DECLARED_TEXT,    /* text, charset told by the content */
	DOC_DECLARED_UTF8,    /* text in UTF-8 */
	DOC_DECLARED_GB18030, /* text in GB18030 */
	DOC_DECLARED_DOCX,    /* a Word document */
	DOC_DECLARED_XLSX     /* an Excel workbook */
};

/* One clear line for e; a static string. */
const char *doc_error_message(enum doc_error e);

/* Limits every reader keeps to, so that memory stays bounded whatever the input. */
enum {
	DOC_MAX_INPUT = 32 * 1024 * 1024, /* bytes of the file itself */
	DOC_MAX_ENTRY = 64 * 1024 * 1024, /* expanded bytes of one zip entry */
	DOC_MAX_RATIO = 200,              /* expanded / compressed bytes of one entry */
	DOC_MAX_TEXT = 64 * 1024 * 1024,  /* bytes of text held in one doc_body */
	DOC_MAX_CELLS = 64,               /* cells in one table row */
	DOC_MAX_ROWS = 20000,             /* table rows (a plan has hundreds) */
	DOC_MAX_PARAS = 200000            /* paragraphs */
};

/* A table row: cells[i] is owned text (UTF-8, paragraphs joined by '\n'), "" for an empty
 * cell, or NULL for a cell that continues the one above (a vertical merge). */
struct doc_row {
	size_t ncells;
	char **cells;
};

/* Everything a reader found: the rows of every table in order, and the paragraphs outside
 * tables in order. Owns all its strings; free with doc_body_free. */
struct doc_body {
	struct doc_row *rows;
	size_t nrows, rows_cap;
	char **paras;
	size_t nparas, paras_cap;
	size_t text_bytes; /* held so far, checked against DOC_MAX_TEXT */
	size_t controls;   /* control characters replaced by spaces (see doc_body_add_row) */
};

void doc_body_init(struct doc_body *b);
void doc_body_free(struct doc_body *b);

/* Appends a row taking ownership of cells (ncells owned strings or NULLs, the array too);
 * on failure frees them. Here and in doc_body_add_para a control character other than tab,
 * line feed and carriage return (a form feed where a page broke, as pdftotext writes one) is
 * replaced by a space and counted in controls: the importer refuses text that holds one. */
enum doc_error doc_body_add_row(struct doc_body *b, char **cells, size_t ncells)
        __attribute__((warn_unused_result));

/* Appends a copy of the len bytes at text as a paragraph. */
enum doc_error doc_body_add_para(struct doc_body *b, const char *text, size_t len)
        __attribute__((warn_unused_result));

/* Counts text against the body's bound; DOC_TOO_LARGE when over. */
enum doc_error doc_body_charge(struct doc_body *b, size_t len) __attribute__((warn_unused_result));

/* A growing text buffer; s is owned (NULL until the first byte). */
struct doc_buf {
	char *s;
	size_t len, cap;
};

/* Appends len bytes, keeping s NUL-terminated; charges b (when not NULL) for them. */
enum doc_error doc_buf_add(struct doc_buf *buf, struct doc_body *b, const char *s, size_t len)
        __attribute__((warn_unused_result));
/* Hands over the text ("" when none) as a new string the caller frees; NULL on no memory. */
char *doc_buf_take(struct doc_buf *buf);
void doc_buf_free(struct doc_buf *buf);

#endif
