/* SPDX-License-Identifier: EUPL-1.2 */
/* Page layout shared by the documents colloquy prints. */
#include "cq-pdf-doc.h"

#include <cairo-pdf.h>
#include <string.h>



static cairo_status_t
to_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  GByteArray *b = closure;
  if (b != NULL)
    g_byte_array_append (b, data, length);
  return CAIRO_STATUS_SUCCESS;
}

void
cq_doc_colour (cairo_t *cr, guint32 rgb)
{
  cairo_set_source_rgb (cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                        (rgb & 0xff) / 255.0);
}

static void
footer (CqDoc *d)
{
  const char *left = d->info->footer ? d->info->footer : "";
  g_autofree char *right = d->total ? g_strdup_printf ("%d / %d", d->page, d->total)
                                    : g_strdup_printf ("%d", d->page);
  PangoLayout *l = pango_cairo_create_layout (d->cr);
  PangoFontDescription *fd = pango_font_description_from_string (CQ_DOC_SANS " 7.5");
  pango_layout_set_font_description (l, fd);
  cq_doc_colour (d->cr, 0x666666);
  pango_layout_set_width (l, (int) ((CQ_DOC_TEXT_W - 50) * PANGO_SCALE));
  pango_layout_set_ellipsize (l, PANGO_ELLIPSIZE_END);
  pango_layout_set_text (l, left, -1);
  cairo_move_to (d->cr, CQ_DOC_MARGIN, CQ_DOC_PAGE_H - 40);
  pango_cairo_show_layout (d->cr, l);
  pango_layout_set_width (l, -1);
  pango_layout_set_text (l, right, -1);
  int w, h;
  pango_layout_get_pixel_size (l, &w, &h);
  cairo_move_to (d->cr, CQ_DOC_PAGE_W - CQ_DOC_MARGIN - w, CQ_DOC_PAGE_H - 40);
  pango_cairo_show_layout (d->cr, l);
  cairo_move_to (d->cr, CQ_DOC_MARGIN, CQ_DOC_PAGE_H - 46);
  cairo_line_to (d->cr, CQ_DOC_PAGE_W - CQ_DOC_MARGIN, CQ_DOC_PAGE_H - 46);
  cairo_set_line_width (d->cr, 0.4);
  cairo_stroke (d->cr);
  pango_font_description_free (fd);
  g_object_unref (l);
}

void
cq_doc_new_page (CqDoc *d)
{
  footer (d);
  cairo_show_page (d->cr);
  d->page++;
  d->y = CQ_DOC_MARGIN;
}

void
cq_doc_ensure (CqDoc *d, double h)
{
  if (d->y + h > CQ_DOC_BOTTOM)
    cq_doc_new_page (d);
}


void
cq_doc_text (CqDoc *d, CqDocStyle st, double indent, const char *str)
{
  static const struct { const char *font; double size; guint32 colour; double before; } styles[] = {
    [CQ_DOC_TITLE] = { CQ_DOC_SANS " Bold", 20, 0x1d3557, 0 },
    [CQ_DOC_H1] = { CQ_DOC_SANS " Bold", 14, 0x1d3557, 14 },
    [CQ_DOC_H2] = { CQ_DOC_SANS " Bold", 11.5, 0x1d3557, 10 },
    [CQ_DOC_H3] = { CQ_DOC_SANS " Bold", 9.5, 0x222222, 6 },
    [CQ_DOC_BODY] = { CQ_DOC_SERIF, 9.5, 0x111111, 2 },
    [CQ_DOC_SMALL] = { CQ_DOC_SERIF, 8, 0x444444, 1 },
    [CQ_DOC_LABEL] = { CQ_DOC_SANS " Bold", 8.5, 0x444444, 3 },
    [CQ_DOC_QUOTE] = { CQ_DOC_SERIF " Italic", 9.5, 0x222222, 3 },
  };
  if (str == NULL || *str == '\0')
    return;
  /* Shaping is most of the work: each paragraph is shaped once, in the
   * first pass, and its layout reused in the second. */
  g_autofree char *key = g_strdup_printf ("%d|%.1f|%s", st, indent, str);
  PangoLayout *l = g_hash_table_lookup (d->shaped, key);
  if (l == NULL)
    {
      l = pango_layout_new (d->pango);
      PangoFontDescription *fd = pango_font_description_from_string (styles[st].font);
      pango_font_description_set_size (fd, (gint) (styles[st].size * PANGO_SCALE));
      pango_layout_set_font_description (l, fd);
      pango_font_description_free (fd);
      pango_layout_set_width (l, (int) ((CQ_DOC_TEXT_W - indent) * PANGO_SCALE));
      pango_layout_set_wrap (l, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_text (l, str, -1);
      g_hash_table_insert (d->shaped, g_steal_pointer (&key), l);
    }
  d->y += styles[st].before;
  /* Headings keep with what follows. */
  if (st <= CQ_DOC_H3)
    cq_doc_ensure (d, 60);
  cq_doc_colour (d->cr, styles[st].colour);
  PangoLayoutIter *it = pango_layout_get_iter (l);
  do
    {
      PangoRectangle logical;
      pango_layout_iter_get_line_extents (it, NULL, &logical);
      double h = logical.height / (double) PANGO_SCALE;
      cq_doc_ensure (d, h);
      double baseline = (pango_layout_iter_get_baseline (it) - logical.y) / (double) PANGO_SCALE;
      cairo_move_to (d->cr, CQ_DOC_MARGIN + indent + logical.x / (double) PANGO_SCALE, d->y + baseline);
      pango_cairo_show_layout_line (d->cr, pango_layout_iter_get_line_readonly (it));
      d->y += h;
    }
  while (pango_layout_iter_next_line (it));
  pango_layout_iter_free (it);
}

void
cq_doc_heading (CqDoc *d, int level, const char *str)
{
  cq_doc_text (d, level == 1 ? CQ_DOC_H1 : level == 2 ? CQ_DOC_H2 : CQ_DOC_H3, 0, str);
  if (d->final && level <= 2)
    {
      g_autofree char *link = g_strdup_printf ("page=%d pos=[%.0f %.0f]", d->page, CQ_DOC_MARGIN,
                                               MAX (0.0, d->y - 24));
      int parent = level == 1 ? CAIRO_PDF_OUTLINE_ROOT : d->outline[1];
      d->outline[level] = cairo_pdf_surface_add_outline (d->surface, parent, str, link,
                                                         level == 1 ? CAIRO_PDF_OUTLINE_FLAG_OPEN : 0);
    }
  d->y += 2;
}

/* "Label: value", with French spacing in French. */
char *
cq_doc_labelled (const char *lang, const char *key, const char *value)
{
  return g_strdup_printf ("%s%s %s", key, g_strcmp0 (lang, "fr") == 0 ? "\u202f:" : ":", value);
}

void
cq_doc_kv (CqDoc *d, const char *key, const char *value)
{
  if (value == NULL || *value == '\0')
    return;
  g_autofree char *line = cq_doc_labelled (d->info->lang, key, value);
  cq_doc_text (d, CQ_DOC_BODY, 0, line);
}

void
cq_doc_rule (CqDoc *d)
{
  cq_doc_ensure (d, 8);
  d->y += 4;
  cq_doc_colour (d->cr, 0xbbbbbb);
  cairo_move_to (d->cr, CQ_DOC_MARGIN, d->y);
  cairo_line_to (d->cr, CQ_DOC_PAGE_W - CQ_DOC_MARGIN, d->y);
  cairo_set_line_width (d->cr, 0.3);
  cairo_stroke (d->cr);
  d->y += 4;
}

gboolean
cq_doc_typeset (const CqDocInfo *info, CqDocRender render, gconstpointer data, GByteArray *out)
{
  int total = 0;
  g_autoptr (GHashTable) shaped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         g_object_unref);
  PangoFontMap *fm = pango_cairo_font_map_get_default ();
  PangoContext *pango = pango_font_map_create_context (fm);
  /* Metrics as for print: no hinting, so both passes lay out alike. */
  cairo_font_options_t *fo = cairo_font_options_create ();
  cairo_font_options_set_hint_metrics (fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (fo, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (pango, fo);
  cairo_font_options_destroy (fo);
  for (int pass = 0; pass < 2; pass++)
    {
      CqDoc d = { 0 };
      d.info = info;
      d.pango = pango;
      d.shaped = shaped;
      d.final = pass == 1;
      d.total = total;
      d.page = 1;
      d.surface = cairo_pdf_surface_create_for_stream (to_bytes, pass ? out : NULL, CQ_DOC_PAGE_W, CQ_DOC_PAGE_H);
      cairo_pdf_surface_restrict_to_version (d.surface, CAIRO_PDF_VERSION_1_5);
      if (d.final)
        {
          cairo_pdf_surface_set_metadata (d.surface, CAIRO_PDF_METADATA_TITLE, info->title);
          cairo_pdf_surface_set_metadata (d.surface, CAIRO_PDF_METADATA_AUTHOR, "colloquy");
          cairo_pdf_surface_set_metadata (d.surface, CAIRO_PDF_METADATA_SUBJECT, info->subject);
          cairo_pdf_surface_set_metadata (d.surface, CAIRO_PDF_METADATA_KEYWORDS, info->keywords);
          cairo_pdf_surface_set_metadata (d.surface, CAIRO_PDF_METADATA_CREATOR, "colloquy " CQ_VERSION);
        }
      d.cr = cairo_create (d.surface);
      render (&d, data);
      footer (&d);
      cairo_show_page (d.cr);
      total = d.page;
      cairo_destroy (d.cr);
      cairo_surface_finish (d.surface);
      cairo_status_t st = cairo_surface_status (d.surface);
      cairo_surface_destroy (d.surface);
      if (st != CAIRO_STATUS_SUCCESS)
        {
          g_object_unref (pango);
          return FALSE;
        }
    }
  g_hash_table_remove_all (shaped); /* the layouts hold the context */
  g_object_unref (pango);
  return TRUE;
}

