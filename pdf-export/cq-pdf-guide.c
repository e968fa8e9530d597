/* SPDX-License-Identifier: EUPL-1.2 */
/* The blank interview guide: what an evaluator takes into a sitting on
 * paper — for every item of a protocol, its prompts, its rating guidance
 * with boxes to tick, room for the rationale and what is missing, and an
 * evidence table for and against. Nothing in it is pre-filled. */
#include "cq-pdf-private.h"
#include "cq-pdf-doc.h"

#include <string.h>

typedef struct {
  const CqInstrument *I;
  const CqProtocol *protocol;
  const CqRole *role;  /* only the items this role rates, or NULL for all */
  const char *lang;
} Guide;

static const char *
G (const Guide *g, const char *fr, const char *en)
{
  return g_strcmp0 (g->lang, "fr") == 0 ? fr : en;
}

/* A formatted text in the guide's language (formats stay literal). */
#define GF(g, fr, en, ...) (g_strcmp0 ((g)->lang, "fr") == 0 ? g_strdup_printf (fr, __VA_ARGS__) \
                                                          : g_strdup_printf (en, __VA_ARGS__))

static const char *
tr (const Guide *g, const CqText *t)
{
  return cq_text_get (t, g->lang);
}

static gboolean
shown (const Guide *g, const CqItem *it)
{
  return g->role == NULL || cq_item_rated_by (it, g->role->id);
}

/* Ruled lines to write on. */
static void
write_lines (CqDoc *d, guint n, double indent)
{
  cq_doc_ensure (d, n * 17.0 + 4);
  cq_doc_colour (d->cr, 0xaaaaaa);
  cairo_set_line_width (d->cr, 0.4);
  for (guint i = 0; i < n; i++)
    {
      d->y += 17;
      cairo_move_to (d->cr, CQ_DOC_MARGIN + indent, d->y);
      cairo_line_to (d->cr, CQ_DOC_PAGE_W - CQ_DOC_MARGIN, d->y);
      cairo_stroke (d->cr);
    }
  d->y += 4;
}

static void
cell (CqDoc *d, double x, double y, double w, const char *text, gboolean bold)
{
  PangoLayout *l = pango_cairo_create_layout (d->cr);
  PangoFontDescription *fd = pango_font_description_from_string (bold ? CQ_DOC_SANS " Bold 6.5"
                                                                      : CQ_DOC_SANS " 6.5");
  pango_layout_set_font_description (l, fd);
  pango_layout_set_width (l, (int) ((w - 4) * PANGO_SCALE));
  pango_layout_set_ellipsize (l, PANGO_ELLIPSIZE_END);
  pango_layout_set_text (l, text, -1);
  cq_doc_colour (d->cr, 0x333333);
  cairo_move_to (d->cr, x + 2, y + 2);
  pango_cairo_show_layout (d->cr, l);
  pango_font_description_free (fd);
  g_object_unref (l);
}

/* An empty table: a header row, then rows to fill in. widths are shares of
 * the text width. */
static void
table (CqDoc *d, guint ncols, const char *const *headers, const double *widths, guint rows)
{
  const double head_h = 12, row_h = 18;
  double total = 0;
  for (guint c = 0; c < ncols; c++)
    total += widths[c];
  cq_doc_ensure (d, head_h + row_h * MIN (rows, 2u) + 6);
  d->y += 3;
  for (guint r = 0; r <= rows; r++)
    {
      double h = r == 0 ? head_h : row_h;
      if (r > 0)
        cq_doc_ensure (d, h + 2);
      double x = CQ_DOC_MARGIN;
      cairo_set_line_width (d->cr, 0.4);
      for (guint c = 0; c < ncols; c++)
        {
          double w = CQ_DOC_TEXT_W * widths[c] / total;
          if (r == 0)
            {
              cq_doc_colour (d->cr, 0xe8edf3);
              cairo_rectangle (d->cr, x, d->y, w, h);
              cairo_fill (d->cr);
              cell (d, x, d->y, w, headers[c], TRUE);
            }
          cq_doc_colour (d->cr, 0x999999);
          cairo_rectangle (d->cr, x, d->y, w, h);
          cairo_stroke (d->cr);
          x += w;
        }
      d->y += h;
    }
  d->y += 4;
}

static const char *
role_label (const Guide *g, const CqRole *r)
{
  const char *l = tr (g, &r->label);
  return *l ? l : r->id;
}

static void
item_meta (CqDoc *d, const Guide *g, const CqItem *it)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint r = 0; r < it->n_raters; r++)
    g_string_append_printf (s, "%s%s", r ? ", " : "", role_label (g, it->raters[r]));
  g_autofree char *line = g_strdup_printf ("%s%s %s · %s · %s%s · %s%s %s",
    G (g, "Évalué par", "Rated by"), G (g, "\u202f:", ":"), s->str,
    cq_item_kind_name (it->kind), cq_timeframe_name (it->timeframe),
    it->dynamic ? G (g, ", dynamique", ", dynamic") : "",
    G (g, "compartiment", "compartment"), G (g, "\u202f:", ":"),
    it->compartment ? tr (g, &it->compartment->label) : "?");
  cq_doc_text (d, CQ_DOC_SMALL, 0, line);

  const CqExpr *scopes[] = { it->domain->module->relevant_when, it->domain->relevant_when,
                             it->relevant_when };
  for (guint i = 0; i < G_N_ELEMENTS (scopes); i++)
    if (scopes[i] != NULL)
      {
        g_autofree char *when = cq_doc_labelled (g->lang, G (g, "Posé si", "Asked when"),
                                                 scopes[i]->source);
        cq_doc_text (d, CQ_DOC_SMALL, 0, when);
      }
  for (guint i = 0; i < it->n_inferences; i++)
    {
      g_autofree char *inf = g_strdup_printf ("⚠ %s", tr (g, &it->inferences[i]->text));
      cq_doc_text (d, CQ_DOC_QUOTE, 0, inf);
    }
}

static const CqGuidance *
guidance_for (const CqItem *it, const char *level)
{
  for (guint i = 0; i < it->n_guidance; i++)
    if (strcmp (it->guidance[i].level, level) == 0)
      return &it->guidance[i];
  return NULL;
}

static void
answer_block (CqDoc *d, const Guide *g, const CqItem *it)
{
  const CqAnswerSpec *a = &it->answer;
  switch (a->type)
    {
    case CQ_ANSWER_RATING:
      cq_doc_text (d, CQ_DOC_LABEL, 0, G (g, "Cotation (une case)", "Rating (tick one)"));
      for (guint l = 0; l < a->scale->n_levels; l++)
        {
          const CqLevel *lv = a->scale->levels[l];
          const CqGuidance *gd = guidance_for (it, lv->id);
          g_autofree char *line = g_strdup_printf ("☐ %s%s%s", tr (g, &lv->label),
                                                   gd ? " — " : "", gd ? tr (g, &gd->text) : "");
          cq_doc_text (d, CQ_DOC_BODY, 8, line);
        }
      if (a->relevance != NULL)
        {
          g_autoptr (GString) rel = g_string_new (NULL);
          g_string_append_printf (rel, "%s%s ", tr (g, &a->relevance->label), G (g, "\u202f:", ":"));
          for (guint l = 0; l < a->relevance->n_levels; l++)
            g_string_append_printf (rel, "   ☐ %s", tr (g, &a->relevance->levels[l]->label));
          cq_doc_text (d, CQ_DOC_BODY, 8, rel->str);
        }
      cq_doc_text (d, CQ_DOC_LABEL, 0, G (g, "Justification (citer les éléments)",
                                          "Rationale (cite the evidence)"));
      write_lines (d, 3, 0);
      cq_doc_text (d, CQ_DOC_LABEL, 0, G (g, "Si information insuffisante : ce qui manque, et "
                                             "comment l’obtenir",
                                          "If insufficient information: what is missing, and how "
                                          "to obtain it"));
      write_lines (d, 2, 0);
      break;
    case CQ_ANSWER_CHOICE:
      cq_doc_text (d, CQ_DOC_LABEL, 0, a->multiple ? G (g, "Choix (plusieurs possibles)",
                                                        "Choice (several allowed)")
                                                   : G (g, "Choix (une case)", "Choice (tick one)"));
      for (guint l = 0; l < a->scale->n_levels; l++)
        {
          const CqLevel *lv = a->scale->levels[l];
          const CqGuidance *gd = guidance_for (it, lv->id);
          g_autofree char *line = g_strdup_printf ("☐ %s%s%s", tr (g, &lv->label),
                                                   gd ? " — " : "", gd ? tr (g, &gd->text) : "");
          cq_doc_text (d, CQ_DOC_BODY, 8, line);
        }
      break;
    case CQ_ANSWER_FREE_TEXT:
      {
        g_autofree char *lab = GF (g, "Texte libre (%u caractères au plus)",
                                    "Free text (at most %u characters)", a->max_length);
        cq_doc_text (d, CQ_DOC_LABEL, 0, lab);
        write_lines (d, it->kind == CQ_KIND_ACCOUNT ? 10 : 5, 0);
      }
      break;
    case CQ_ANSWER_NUMBER:
      {
        g_autoptr (GString) s = g_string_new (G (g, "Valeur : ________", "Value: ________"));
        if (a->unit)
          g_string_append_printf (s, " %s", a->unit);
        if (a->has_min || a->has_max)
          g_string_append_printf (s, "   (%s%g – %g)", a->integer ? G (g, "entier, ", "whole number, ")
                                                                   : "", a->min, a->max);
        cq_doc_text (d, CQ_DOC_BODY, 0, s->str);
      }
      break;
    case CQ_ANSWER_DATE:
      cq_doc_text (d, CQ_DOC_BODY, 0,
                   a->precision == CQ_DATE_YEAR ? G (g, "Année : ______", "Year: ______")
                   : a->precision == CQ_DATE_MONTH ? G (g, "Mois et année : ___ / ______",
                                                        "Month and year: ___ / ______")
                   : G (g, "Date : ___ / ___ / ______ (jour, mois, année)",
                        "Date: ______ - ___ - ___ (year, month, day)"));
      break;
    case CQ_ANSWER_RECORDS:
      {
        g_autofree char *lab = GF (g, "Une ligne par entrée (%u à %u)", "One row per entry (%u to %u)",
                                    a->records_min, a->records_max);
        cq_doc_text (d, CQ_DOC_LABEL, 0, lab);
        g_autofree const char **heads = g_new0 (const char *, a->n_fields + 1);
        g_autofree double *widths = g_new0 (double, a->n_fields + 1);
        g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
        for (guint f = 0; f < a->n_fields; f++)
          {
            const CqField *fl = a->fields[f];
            char *h = g_strdup_printf ("%s%s", tr (g, &fl->label), fl->required ? " *" : "");
            g_ptr_array_add (keep, h);
            heads[f] = h;
            widths[f] = fl->answer.type == CQ_ANSWER_FREE_TEXT ? 3 : 1.5;
          }
        table (d, a->n_fields, heads, widths, CLAMP (a->records_max, 3u, 6u));
      }
      break;
    }
}

static void
evidence_block (CqDoc *d, const Guide *g, const CqItem *it)
{
  if (it->answer.type != CQ_ANSWER_RATING)
    return;
  g_autofree char *head = GF (g, "Éléments pour et contre — au moins %u, de %u source(s) "
                                "indépendante(s)",
                             "Evidence for and against — at least %u, from %u independent source(s)",
                             it->evidence_min, MAX (it->evidence_min_sources, 1u));
  g_autoptr (GString) req = g_string_new (head);
  if (it->evidence_sources != CQ_SOURCE_ALL && it->evidence_sources != 0)
    {
      g_string_append (req, G (g, " ; sources : ", "; sources: "));
      gboolean first = TRUE;
      for (guint b = 1; b <= CQ_SOURCE_INTELLIGENCE; b <<= 1)
        if (it->evidence_sources & b)
          {
            g_string_append_printf (req, "%s%s", first ? "" : ", ", cq_source_name (b));
            first = FALSE;
          }
    }
  cq_doc_text (d, CQ_DOC_LABEL, 0, req->str);
  const char *note = tr (g, &it->evidence_note);
  if (*note)
    cq_doc_text (d, CQ_DOC_SMALL, 0, note);
  static const double widths[] = { 1.1, 1.1, 1.1, 1.1, 0.8, 0.6, 3.4 };
  const char *heads[] = {
    G (g, "Pour / contre", "For / against"), G (g, "Fait / appréc.", "Fact / assess."),
    G (g, "Source", "Source"), G (g, "Origine", "Origin"), G (g, "Date", "Date"),
    G (g, "Fiab.", "Rel."), G (g, "Énoncé", "Statement"),
  };
  table (d, G_N_ELEMENTS (widths), heads, widths, MAX (it->evidence_min + 1, 3u));
}

static void
item_block (CqDoc *d, const Guide *g, const CqItem *it)
{
  cq_doc_ensure (d, 120);
  g_autofree char *title = g_strdup_printf ("%s — %s", it->id, tr (g, &it->label));
  cq_doc_text (d, CQ_DOC_H3, 0, title);
  item_meta (d, g, it);
  if (it->n_prompts > 0)
    {
      cq_doc_text (d, CQ_DOC_LABEL, 0, G (g, "Pistes de dialogue", "Suggested prompts"));
      for (guint p = 0; p < it->n_prompts; p++)
        {
          g_autofree char *q = GF (g, "« %s »", "“%s”", tr (g, &it->prompts[p]));
          cq_doc_text (d, CQ_DOC_QUOTE, 8, q);
        }
    }
  answer_block (d, g, it);
  evidence_block (d, g, it);
  for (guint c = 0; c < it->n_constraints; c++)
    {
      g_autofree char *chk = cq_doc_labelled (g->lang, G (g, "À vérifier", "Check"),
                                              tr (g, &it->constraints[c].message));
      cq_doc_text (d, CQ_DOC_SMALL, 0, chk);
    }
  cq_doc_rule (d);
}

static gboolean
domain_shown (const Guide *g, const CqDomain *dm)
{
  for (guint i = 0; i < dm->n_items; i++)
    if (shown (g, dm->items[i]))
      return TRUE;
  return FALSE;
}

static void
cover (CqDoc *d, const Guide *g)
{
  const CqInstrument *I = g->I;
  d->y = CQ_DOC_MARGIN + 20;
  cq_doc_text (d, CQ_DOC_TITLE, 0, G (g, "Guide d’entretien (vierge)", "Interview guide (blank)"));
  cq_doc_text (d, CQ_DOC_H2, 0, tr (g, &I->title));
  g_autofree char *proto = cq_doc_labelled (g->lang, G (g, "Protocole", "Protocol"),
                                            tr (g, &g->protocol->title));
  cq_doc_text (d, CQ_DOC_LABEL, 0, proto);
  cq_doc_rule (d);
  g_autofree char *ver = g_strdup_printf ("%s %s (%s) — SHA-256 %s", I->id, I->version,
                                          cq_validation_name (I->validation), I->sha256);
  cq_doc_kv (d, G (g, "Instrument", "Instrument"), ver);
  cq_doc_kv (d, G (g, "Pour le rôle", "For the role"), g->role ? role_label (g, g->role)
                                                               : G (g, "toute l’équipe", "the whole team"));
  cq_doc_kv (d, G (g, "Statut de validation", "Validation status"), tr (g, &I->validation_note));
  cq_doc_kv (d, G (g, "Usage prévu", "Intended use"), tr (g, &I->intended_use));
  cq_doc_kv (d, G (g, "Limites", "Limitations"), tr (g, &I->limitations));

  cq_doc_heading (d, 2, G (g, "Avant l’entretien", "Before the sitting"));
  static const char *const fr[] = {
    "Chaque discipline cote seule, avant toute mise en commun ; le consensus garde les désaccords.",
    "Aucune case n’est cochée d’avance. « Information insuffisante » est une cotation légitime : "
    "dire alors ce qui manque et comment l’obtenir.",
    "Chaque cotation s’appuie sur des éléments datés et sourcés, pour et contre, en distinguant "
    "les faits des appréciations.",
    "La religion est un contexte, jamais un marqueur de risque : pratique, tenue, alimentation ou "
    "observance ne sont jamais des indices de risque.",
    "Un constat de dissimulation exige deux sources indépendantes et un écart concret documenté, "
    "quelle que soit l’idéologie.",
    "Les indicateurs calculés sont des aide-mémoire ; le jugement appartient à la commission.",
  };
  static const char *const en[] = {
    "Each discipline rates alone, before any discussion; the consensus keeps disagreements visible.",
    "No box is ticked in advance. “Insufficient information” is a legitimate rating: say what is "
    "missing and how to obtain it.",
    "Every rating rests on dated, sourced evidence, for and against, keeping facts apart from "
    "assessments.",
    "Religion is context, never a risk marker: practice, dress, diet or observance never "
    "evidence risk.",
    "A concealment concern needs two independent sources and a documented concrete "
    "discrepancy, whatever the ideology.",
    "Computed indicators are aide-mémoire only; the judgment belongs to the commission.",
  };
  for (guint i = 0; i < G_N_ELEMENTS (fr); i++)
    {
      g_autofree char *line = g_strdup_printf ("• %s", G (g, fr[i], en[i]));
      cq_doc_text (d, CQ_DOC_BODY, 0, line);
    }
  if (I->n_inferences > 0)
    {
      cq_doc_text (d, CQ_DOC_LABEL, 0, G (g, "Inférences interdites par cet instrument",
                                          "Inferences this instrument prohibits"));
      for (guint i = 0; i < I->n_inferences; i++)
        {
          g_autofree char *line = g_strdup_printf ("⚠ %s", tr (g, &I->inferences[i]->text));
          cq_doc_text (d, CQ_DOC_BODY, 0, line);
        }
    }
  cq_doc_heading (d, 2, G (g, "Séance", "Sitting"));
  static const char *const fields_fr[] = { "Dossier (référence pseudonyme)", "Date", "Évaluateur",
                                           "Cadre", "Interprète" };
  static const char *const fields_en[] = { "Case (pseudonymous reference)", "Date", "Evaluator",
                                           "Setting", "Interpreter" };
  for (guint i = 0; i < G_N_ELEMENTS (fields_fr); i++)
    {
      g_autofree char *line = g_strdup_printf ("%s%s ______________________________",
                                               G (g, fields_fr[i], fields_en[i]), G (g, "\u202f:", ":"));
      cq_doc_text (d, CQ_DOC_BODY, 0, line);
      d->y += 4;
    }
}

static void
render_guide (CqDoc *d, gconstpointer data)
{
  const Guide *g = data;
  cover (d, g);
  for (guint m = 0; m < g->protocol->n_modules; m++)
    {
      const CqModule *mod = g->protocol->modules[m];
      gboolean any = FALSE;
      for (guint k = 0; k < mod->n_domains; k++)
        any |= domain_shown (g, mod->domains[k]);
      if (!any)
        continue;
      cq_doc_new_page (d);
      cq_doc_heading (d, 1, tr (g, &mod->title));
      cq_doc_text (d, CQ_DOC_BODY, 0, tr (g, &mod->description));
      for (guint k = 0; k < mod->n_domains; k++)
        {
          const CqDomain *dm = mod->domains[k];
          if (!domain_shown (g, dm))
            continue;
          cq_doc_heading (d, 2, tr (g, &dm->title));
          cq_doc_text (d, CQ_DOC_BODY, 0, tr (g, &dm->description));
          if (dm->n_counterparts > 0)
            {
              g_autoptr (GString) cps = g_string_new (NULL);
              for (guint c = 0; c < dm->n_counterparts; c++)
                g_string_append_printf (cps, "%s%s", c ? ", " : "", tr (g, &dm->counterparts[c]->title));
              g_autofree char *line = cq_doc_labelled (g->lang, G (g, "À mettre en regard de "
                                                                     "(facteurs de protection)",
                                                                   "Weigh against (protective "
                                                                   "factors)"), cps->str);
              cq_doc_text (d, CQ_DOC_SMALL, 0, line);
            }
          for (guint i = 0; i < dm->n_items; i++)
            if (shown (g, dm->items[i]))
              item_block (d, g, dm->items[i]);
        }
    }
}

gboolean
cq_pdf_guide (const CqInstrument *I, const char *protocol, const char *role, const char *lang,
              const char *path, GError **error)
{
  Guide g = { I, NULL, NULL, lang ? lang : I->languages[0] };
  for (guint i = 0; i < I->n_protocols; i++)
    if (protocol == NULL || strcmp (I->protocols[i]->id, protocol) == 0)
      {
        g.protocol = I->protocols[i];
        break;
      }
  if (g.protocol == NULL)
    {
      g_autoptr (GString) ids = g_string_new (NULL);
      for (guint i = 0; i < I->n_protocols; i++)
        g_string_append_printf (ids, "%s%s", i ? ", " : "", I->protocols[i]->id);
      g_set_error (error, CQ_PDF_ERROR, CQ_PDF_ERROR_INVALID,
                   "instrument '%s' has no protocol '%s' (it has: %s)", I->id,
                   protocol ? protocol : "", ids->str);
      return FALSE;
    }
  if (role != NULL)
    {
      g.role = cq_instrument_role (I, role);
      if (g.role == NULL)
        {
          g_autoptr (GString) ids = g_string_new (NULL);
          for (guint i = 0; i < I->n_roles; i++)
            g_string_append_printf (ids, "%s%s", i ? ", " : "", I->roles[i]->id);
          g_set_error (error, CQ_PDF_ERROR, CQ_PDF_ERROR_INVALID,
                       "instrument '%s' has no role '%s' (it has: %s)", I->id, role, ids->str);
          return FALSE;
        }
    }

  g_autofree char *title = g_strdup_printf ("%s — %s", G (&g, "Guide d’entretien", "Interview guide"),
                                            tr (&g, &I->title));
  g_autofree char *keywords = g_strdup_printf ("colloquy; interview guide; instrument=%s %s; "
                                               "protocol=%s", I->id, I->version, g.protocol->id);
  g_autofree char *footer = g_strdup_printf ("%s — %s %s — %s%s", G (&g, "Guide d’entretien vierge",
                                                                     "Blank interview guide"),
                                             I->id, I->version, tr (&g, &g.protocol->title),
                                             I->validation == CQ_VALIDATION_ILLUSTRATIVE
                                             ? G (&g, " — illustratif, non validé",
                                                  " — illustrative, not validated") : "");
  CqDocInfo info = { g.lang, title, tr (&g, &I->title), keywords, footer };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  if (!cq_doc_typeset (&info, render_guide, &g, out))
    {
      g_set_error (error, CQ_PDF_ERROR, CQ_PDF_ERROR_RENDER, "the guide could not be typeset");
      return FALSE;
    }
  return cq_pdf_write_file (path, out->data, out->len, error);
}
