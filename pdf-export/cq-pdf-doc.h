/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* Page layout shared by the documents colloquy prints (the synthesis, the
 * blank interview guide): A4 pages in two passes (the first counts pages
 * for "page N / M", the second draws, with outline and metadata), each
 * paragraph shaped by Pango once for both passes. */

#include <cairo.h>
#include <glib.h>
#include <pango/pangocairo.h>

G_BEGIN_DECLS

#define CQ_DOC_PAGE_W 595.28
#define CQ_DOC_PAGE_H 841.89
#define CQ_DOC_MARGIN 56.0
#define CQ_DOC_BOTTOM (CQ_DOC_PAGE_H - 64.0)
#define CQ_DOC_TEXT_W (CQ_DOC_PAGE_W - 2 * CQ_DOC_MARGIN)
#define CQ_DOC_SERIF "DejaVu Serif, Noto Naskh Arabic, Noto Sans"
#define CQ_DOC_SANS "DejaVu Sans, Noto Naskh Arabic, Noto Sans"

typedef enum {
  CQ_DOC_TITLE, CQ_DOC_H1, CQ_DOC_H2, CQ_DOC_H3, CQ_DOC_BODY, CQ_DOC_SMALL, CQ_DOC_LABEL,
  CQ_DOC_QUOTE,
} CqDocStyle;

typedef struct {
  const char *lang;     /* "fr": French spacing before colons */
  const char *title, *subject, *keywords; /* PDF metadata */
  const char *footer;   /* left of every footer */
} CqDocInfo;

typedef struct {
  cairo_surface_t *surface;
  cairo_t *cr;
  double y;
  int page;
  int total;           /* known in the second pass */
  gboolean final;      /* the second pass: outline and metadata */
  int outline[3];      /* current outline parents per level */
  const CqDocInfo *info;
  PangoContext *pango; /* shared by both passes */
  GHashTable *shaped;  /* "style|indent|text" -> PangoLayout, shaped once */
} CqDoc;

typedef void (*CqDocRender) (CqDoc *d, gconstpointer data);

/* Runs render twice (it starts on page 1; the last page is closed for it)
 * and appends the PDF to out. */
gboolean cq_doc_typeset (const CqDocInfo *info, CqDocRender render, gconstpointer data,
                         GByteArray *out);

void cq_doc_colour (cairo_t *cr, guint32 rgb);
void cq_doc_new_page (CqDoc *d);
/* A new page unless h points fit above the bottom margin. */
void cq_doc_ensure (CqDoc *d, double h);
void cq_doc_text (CqDoc *d, CqDocStyle style, double indent, const char *text);
/* A heading; levels 1 and 2 also go to the outline (bookmarks). */
void cq_doc_heading (CqDoc *d, int level, const char *text);
/* "Key: value" (nothing when value is empty). */
void cq_doc_kv (CqDoc *d, const char *key, const char *value);
char *cq_doc_labelled (const char *lang, const char *key, const char *value);
void cq_doc_rule (CqDoc *d);

G_END_DECLS
