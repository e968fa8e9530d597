/* SPDX-License-Identifier: EUPL-1.2 */
/* The synthesis: gathered from the store, typeset with Pango and Cairo. */
#include "cq-pdf-private.h"
#include "cq-pdf-doc.h"

#include <cairo-pdf.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "cq-case.h"
#include "cq-eval.h"
#include "cq-score.h"

G_DEFINE_QUARK (cq-pdf-error-quark, cq_pdf_error)


/* What the synthesis shows, gathered once. ================================ */

typedef struct {
  CqStore *store;
  CqExportProfile profile;
  const char *lang;
  CqAssessment *a;
  CqInstrument *inst;
  CqAnswers *team;
  CqEval *eval;
  CqScoreResult *score;
  GPtrArray *members;      /* CqMember*: the whole team */
  GPtrArray *raters;       /* CqMember* that rated (borrowed from members) */
  GPtrArray *rater_answers; /* CqAnswers*, parallel to raters */
  GHashTable *consensus;   /* item id -> JsonObject* (payload) */
  GPtrArray *parsers;      /* JsonParser* keeping payloads alive */
  JsonObject *decision;    /* or NULL */
  GPtrArray *history;      /* CqAssessment* of the case, in order */
  GPtrArray *history_answers; /* CqAnswers*, parallel */
  GPtrArray *history_insts;   /* CqInstrument*, each loaded once (owned) */
  GPtrArray *history_by_index; /* CqInstrument*, parallel to history (borrowed) */
  char *head;              /* the audit chain's head */
  gint64 events;
  char *placement_label;
  char *date;              /* export date */
} Synth;

static const char *
T (const Synth *s, const char *fr, const char *en)
{
  return g_strcmp0 (s->lang, "fr") == 0 ? fr : en;
}

static gboolean
visible (const Synth *s, const CqItem *it)
{
  return it->compartment != NULL && (it->compartment->exports & s->profile) != 0;
}

static const char *
profile_label (const Synth *s)
{
  switch (s->profile)
    {
    case CQ_PROFILE_PARTNER: return T (s, "partenaire (besoin d’en connaître)", "partner (need to know)");
    case CQ_PROFILE_SUBJECT_ACCESS: return T (s, "droit d’accès de la personne", "the person’s right of access");
    default: return T (s, "commission", "commission");
    }
}

static void
synth_free (Synth *s)
{
  cq_assessment_free (s->a);
  cq_score_result_free (s->score);
  cq_eval_free (s->eval);
  cq_answers_free (s->team);
  if (s->rater_answers)
    g_ptr_array_unref (s->rater_answers);
  if (s->raters)
    g_ptr_array_unref (s->raters);
  if (s->members)
    g_ptr_array_unref (s->members);
  if (s->consensus)
    g_hash_table_unref (s->consensus);
  if (s->parsers)
    g_ptr_array_unref (s->parsers);
  if (s->history_answers)
    g_ptr_array_unref (s->history_answers);
  if (s->history_by_index)
    g_ptr_array_unref (s->history_by_index);
  if (s->history_insts)
    g_ptr_array_unref (s->history_insts);
  if (s->history)
    g_ptr_array_unref (s->history);
  g_free (s->head);
  g_free (s->placement_label);
  g_free (s->date);
}

static JsonObject *
keep_json (Synth *s, const char *payload)
{
  JsonParser *p = json_parser_new ();
  g_ptr_array_add (s->parsers, p);
  if (!json_parser_load_from_data (p, payload, -1, NULL))
    return NULL;
  JsonNode *root = json_parser_get_root (p);
  return JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
}

static const char *
jget (JsonObject *o, const char *key)
{
  if (o == NULL || !json_object_has_member (o, key))
    return NULL;
  JsonNode *n = json_object_get_member (o, key);
  return JSON_NODE_HOLDS_VALUE (n) ? json_node_get_string (n) : NULL;
}

typedef struct {
  Synth *s;
} ConsensusScan;

static gboolean
collect_consensus (const CqEvent *e, gpointer data)
{
  Synth *s = data;
  JsonObject *o = keep_json (s, e->payload);
  if (o && e->item)
    g_hash_table_insert (s->consensus, g_strdup (e->item), o);
  return TRUE;
}

static gboolean
collect_decision (const CqEvent *e, gpointer data)
{
  Synth *s = data;
  s->decision = keep_json (s, e->payload);
  return TRUE;
}

static gboolean
gather (Synth *s, const char *id, GError **error)
{
  s->parsers = g_ptr_array_new_with_free_func (g_object_unref);
  s->consensus = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->a = cq_assessment_get (s->store, id, error);
  s->history_insts = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_instrument_free);
  if (s->a == NULL || (s->inst = cq_assessment_instrument (s->store, s->a, error)) == NULL)
    return FALSE;
  g_ptr_array_add (s->history_insts, s->inst); /* owns it; the history reuses it */
  s->team = cq_assessment_answers (s->store, s->a, s->inst, NULL, NULL, error);
  if (s->team == NULL || (s->eval = cq_eval_new (s->inst, s->team, error)) == NULL)
    return FALSE;
  s->score = cq_score_run_with (s->inst, s->team, s->eval, s->lang, error);
  if (s->score == NULL)
    return FALSE;
  s->members = cq_team_members (s->store, error);
  if (s->members == NULL)
    return FALSE;
  s->raters = g_ptr_array_new ();
  s->rater_answers = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_answers_free);
  for (guint i = 0; i < s->members->len; i++)
    {
      CqMember *m = s->members->pdata[i];
      CqAnswers *mine = cq_assessment_answers (s->store, s->a, s->inst, m->id, NULL, error);
      if (mine == NULL)
        return FALSE;
      if (cq_answers_count (mine) == 0)
        {
          cq_answers_free (mine);
          continue;
        }
      g_ptr_array_add (s->raters, m);
      g_ptr_array_add (s->rater_answers, mine);
    }
  CqEventFilter cf = { .kind = "consensus", .assessment = s->a->id };
  CqEventFilter df = { .kind = "decision", .assessment = s->a->id };
  if (!cq_store_scan (s->store, &cf, collect_consensus, s, error)
      || !cq_store_scan (s->store, &df, collect_decision, s, error))
    return FALSE;
  if (s->decision != NULL)
    {
      const char *pl = jget (s->decision, "placement");
      g_auto (GStrv) all = cq_team_list (s->store, "placements");
      s->placement_label = g_strdup (pl);
      (void) all;
    }

  s->history = cq_case_assessments (s->store, s->a->case_ref, error);
  if (s->history == NULL)
    return FALSE;
  /* The trajectory up to this assessment: a synthesis exported later does
   * not show what came after it. */
  for (guint i = s->history->len; i-- > 0;)
    {
      const CqAssessment *h = s->history->pdata[i];
      if (strcmp (h->id, s->a->id) != 0 && g_strcmp0 (h->opened, s->a->opened) > 0)
        g_ptr_array_remove_index (s->history, i);
    }
  s->history_answers = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_answers_free);
  s->history_by_index = g_ptr_array_new ();
  for (guint i = 0; i < s->history->len; i++)
    {
      CqAssessment *h = s->history->pdata[i];
      /* Assessments pinned to the same bundle share one loaded instrument. */
      CqInstrument *hi = NULL;
      for (guint k = 0; k < s->history_insts->len && hi == NULL; k++)
        if (strcmp (((CqInstrument *) s->history_insts->pdata[k])->sha256, h->sha256) == 0)
          hi = s->history_insts->pdata[k];
      if (hi == NULL)
        {
          hi = cq_assessment_instrument (s->store, h, error);
          if (hi == NULL)
            return FALSE;
          g_ptr_array_add (s->history_insts, hi);
        }
      g_ptr_array_add (s->history_by_index, hi);
      CqAnswers *ha = cq_assessment_answers (s->store, h, hi, NULL, NULL, error);
      if (ha == NULL)
        return FALSE;
      g_ptr_array_add (s->history_answers, ha);
    }
  s->head = cq_store_head (s->store, &s->events, error);
  if (s->head == NULL)
    return FALSE;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  s->date = g_date_time_format (now, "%Y-%m-%d");
  return TRUE;
}

/* Content ================================================================== */

static const char *
member_role (const Synth *s, const char *id)
{
  for (guint i = 0; i < s->members->len; i++)
    if (g_strcmp0 (((CqMember *) s->members->pdata[i])->id, id) == 0)
      return ((CqMember *) s->members->pdata[i])->role;
  return "?";
}

static const char *
level_label (const Synth *s, const CqScale *sc, const char *id)
{
  const CqLevel *l = sc ? cq_scale_level (sc, id) : NULL;
  return l ? cq_text_get (&l->label, s->lang) : id;
}

static char *
value_text (const Synth *s, const CqItem *it, const CqAnswer *a)
{
  const CqAnswerSpec *sp = &it->answer;
  if (a == NULL)
    return g_strdup (T (s, "non renseigné", "not answered"));
  switch (sp->type)
    {
    case CQ_ANSWER_RATING:
      if (a->relevance)
        return g_strdup_printf ("%s — %s %s", level_label (s, sp->scale, a->value),
                                T (s, "pertinence", "relevance"),
                                level_label (s, sp->relevance, a->relevance));
      return g_strdup (level_label (s, sp->scale, a->value));
    case CQ_ANSWER_CHOICE:
      {
        GString *out = g_string_new (NULL);
        for (guint i = 0; i < a->n_options; i++)
          g_string_append_printf (out, "%s%s", i ? ", " : "", level_label (s, sp->scale, a->options[i]));
        return g_string_free (out, FALSE);
      }
    case CQ_ANSWER_FREE_TEXT:
      return g_strdup (a->text);
    case CQ_ANSWER_RECORDS:
      {
        GString *out = g_string_new (NULL);
        for (guint r = 0; r < a->n_records; r++)
          {
            g_string_append (out, r ? "\n• " : "• ");
            for (guint i = 0; i < a->records[r].n; i++)
              {
                const char *fid = a->records[r].values[i].field, *v = a->records[r].values[i].value;
                for (guint f = 0; f < sp->n_fields; f++)
                  if (strcmp (sp->fields[f]->id, fid) == 0)
                    g_string_append_printf (out, "%s%s : %s", i ? " ; " : "",
                                            cq_text_get (&sp->fields[f]->label, s->lang),
                                            sp->fields[f]->answer.type == CQ_ANSWER_CHOICE
                                            ? level_label (s, sp->fields[f]->answer.scale, v) : v);
              }
          }
        return g_string_free (out, FALSE);
      }
    default:
      return g_strdup (a->value ? a->value : "");
    }
}

static gboolean
evidence_shown (const Synth *s, const CqEvidence *e)
{
  /* Restricted intelligence reaches the commission only. */
  return e->source != CQ_SOURCE_INTELLIGENCE || s->profile == CQ_PROFILE_COMMISSION;
}

static void
evidence (CqDoc *d, const Synth *s, const CqItem *it)
{
  for (int pass = 0; pass < 2; pass++)
    {
      gboolean first = TRUE;
      for (guint r = 0; r < s->raters->len; r++)
        {
          const CqAnswer *a = cq_answers_get (s->rater_answers->pdata[r], it);
          for (guint k = 0; a != NULL && k < a->n_evidence; k++)
            {
              const CqEvidence *e = &a->evidence[k];
              if (e->supports != (pass == 0) || !evidence_shown (s, e))
                continue;
              if (first)
                cq_doc_text (d, CQ_DOC_LABEL, 12, pass == 0 ? T (s, "Éléments à l’appui", "Evidence for")
                                                 : T (s, "Éléments contraires", "Evidence against"));
              first = FALSE;
              g_autofree char *line = g_strdup_printf (
                "• %s — %s, %s%s%s%s%s%s%s (%s)", e->statement,
                e->fact ? T (s, "fait", "fact") : T (s, "appréciation", "assessment"),
                cq_source_name (e->source), e->origin ? ", " : "", e->origin ? e->origin : "",
                e->date ? ", " : "", e->date ? e->date : "", e->reliability ? ", " : "",
                e->reliability ? e->reliability : "", ((CqMember *) s->raters->pdata[r])->id);
              cq_doc_text (d, CQ_DOC_SMALL, 18, line);
            }
        }
    }
}

static void
item_block (CqDoc *d, const Synth *s, const CqItem *it)
{
  g_autofree char *title = g_strdup_printf ("%s  (%s)", cq_text_get (&it->label, s->lang), it->id);
  cq_doc_text (d, CQ_DOC_H3, 0, title);
  JsonObject *cons = g_hash_table_lookup (s->consensus, it->id);
  const CqAnswer *team = cq_answers_get (s->team, it);
  g_autofree char *value = value_text (s, it, team);
  g_autofree char *line = cq_doc_labelled (s->lang, cons ? T (s, "Consensus de l’équipe", "Team consensus")
                                                   : T (s, "Cotation", "Rating"), value);
  cq_doc_text (d, it->answer.type == CQ_ANSWER_FREE_TEXT ? CQ_DOC_QUOTE : CQ_DOC_BODY, 12, line);
  if (team && team->rationale)
    {
      g_autofree char *why = cq_doc_labelled (s->lang, T (s, "Justification", "Rationale"), team->rationale);
      cq_doc_text (d, CQ_DOC_BODY, 12, why);
    }
  if (team && team->missing)
    {
      g_autofree char *miss = cq_doc_labelled (s->lang, T (s, "Ce qui manque", "What is missing"), team->missing);
      cq_doc_text (d, CQ_DOC_BODY, 12, miss);
    }
  /* Each rater's rating, when they differ, and the named dissent: for the
   * commission, not for partners or the person. */
  if (it->answer.type == CQ_ANSWER_RATING && s->raters->len > 0
      && s->profile == CQ_PROFILE_COMMISSION)
    {
      GString *r = g_string_new (NULL);
      g_autofree char *first = NULL;
      gboolean differ = FALSE;
      for (guint k = 0; k < s->raters->len; k++)
        {
          const CqAnswer *a = cq_answers_get (s->rater_answers->pdata[k], it);
          if (a == NULL)
            continue;
          if (first == NULL)
            first = g_strdup (a->value);
          differ |= g_strcmp0 (first, a->value) != 0;
          g_string_append_printf (r, "%s%s (%s) %s", r->len ? ", " : "",
                                  ((CqMember *) s->raters->pdata[k])->id,
                                  member_role (s, ((CqMember *) s->raters->pdata[k])->id),
                                  level_label (s, it->answer.scale, a->value));
        }
      if (differ)
        {
          g_autofree char *dis = cq_doc_labelled (s->lang, T (s, "Désaccord entre évaluateurs", "Raters disagree"), r->str);
          cq_doc_text (d, CQ_DOC_SMALL, 12, dis);
        }
      g_string_free (r, TRUE);
      JsonArray *dissent = cons && json_object_has_member (cons, "dissent")
                           ? json_object_get_array_member (cons, "dissent") : NULL;
      for (guint k = 0; dissent && k < json_array_get_length (dissent); k++)
        {
          JsonObject *o = json_array_get_object_element (dissent, k);
          g_autofree char *dl = g_strdup_printf ("%s : %s (%s)", T (s, "Avis divergent maintenu",
                                                                       "Dissent kept"),
                                                 jget (o, "member"),
                                                 level_label (s, it->answer.scale, jget (o, "value")));
          cq_doc_text (d, CQ_DOC_SMALL, 12, dl);
        }
    }
  evidence (d, s, it);
}

static void
chart (CqDoc *d, const Synth *s)
{
  /* Dynamic rated items, visible in this profile, across the case's assessments. */
  /* Up to eight, on one scale: risk items first, then protective factors,
   * needs and the rest, and only items rated in at least one assessment. */
  g_autoptr (GPtrArray) items = g_ptr_array_new ();
  static const CqItemKind priority[] = { CQ_KIND_RISK, CQ_KIND_PROTECTIVE, CQ_KIND_NEED,
                                         CQ_KIND_MOTIVATIONAL, CQ_KIND_CONTEXT };
  const CqScale *on = NULL;
  for (guint p = 0; p < G_N_ELEMENTS (priority); p++)
    for (guint i = 0; i < s->inst->n_items && items->len < 8; i++)
      {
        const CqItem *it = s->inst->items[i];
        if (it->kind != priority[p] || !it->dynamic || it->answer.type != CQ_ANSWER_RATING
            || !visible (s, it) || (on != NULL && it->answer.scale != on)
            || cq_item_has_tag (it, CQ_TAG_RELIGIOUS_PRACTICE)) /* never beside risk items */
          continue;
        gboolean rated = FALSE;
        for (guint k = 0; k < s->history->len && !rated; k++)
          {
            const CqItem *hit = cq_instrument_item (s->history_by_index->pdata[k], it->id);
            const CqAnswer *a = hit ? cq_answers_get (s->history_answers->pdata[k], hit) : NULL;
            rated = a && a->value && cq_scale_level (hit->answer.scale, a->value) != NULL;
          }
        if (!rated)
          continue;
        on = it->answer.scale;
        g_ptr_array_add (items, (gpointer) it);
      }
  guint n = s->history->len;
  if (items->len == 0 || n == 0)
    return;
  double h = 170, w = CQ_DOC_TEXT_W - 150, x0 = CQ_DOC_MARGIN + 40, y0;
  cq_doc_ensure (d, h + 30);
  y0 = d->y + 10;
  cairo_t *cr = d->cr;
  static const guint32 colours[] = { 0x1d3557, 0xe63946, 0x2a9d8f, 0xf4a261, 0x6a4c93, 0x457b9d,
                                     0x8d99ae, 0x264653 };
  const CqScale *sc = ((const CqItem *) items->pdata[0])->answer.scale;
  guint levels = 0;
  for (guint i = 0; i < sc->n_levels; i++)
    levels += !sc->levels[i]->insufficient;
  /* Axes and level names. */
  cq_doc_colour (cr, 0x888888);
  cairo_set_line_width (cr, 0.5);
  for (guint l = 0; l < levels; l++)
    {
      double y = y0 + h - (levels > 1 ? h * l / (levels - 1) : h / 2);
      cairo_move_to (cr, x0, y);
      cairo_line_to (cr, x0 + w, y);
      cairo_stroke (cr);
      double save = d->y;
      d->y = y - 6;
      PangoLayout *lay = pango_cairo_create_layout (cr);
      PangoFontDescription *fd = pango_font_description_from_string (CQ_DOC_SANS " 6.5");
      pango_layout_set_font_description (lay, fd);
      pango_layout_set_text (lay, cq_text_get (&sc->levels[l]->label, s->lang), -1);
      cairo_move_to (cr, CQ_DOC_MARGIN - 16, y - 5);
      pango_cairo_show_layout (cr, lay);
      pango_font_description_free (fd);
      g_object_unref (lay);
      d->y = save;
    }
  for (guint k = 0; k < n; k++)
    {
      double x = x0 + (n > 1 ? w * k / (n - 1) : w / 2);
      PangoLayout *lay = pango_cairo_create_layout (cr);
      PangoFontDescription *fd = pango_font_description_from_string (CQ_DOC_SANS " 6.5");
      pango_layout_set_font_description (lay, fd);
      const CqAssessment *h_a = s->history->pdata[k];
      g_autofree char *lab = g_strdup_printf ("%s\n%s", h_a->opened, h_a->kind);
      pango_layout_set_text (lay, lab, -1);
      cq_doc_colour (cr, 0x444444);
      cairo_move_to (cr, x - 20, y0 + h + 4);
      pango_cairo_show_layout (cr, lay);
      pango_font_description_free (fd);
      g_object_unref (lay);
    }
  /* One line per item, one point per assessment that rated it. */
  for (guint i = 0; i < items->len; i++)
    {
      const CqItem *it = items->pdata[i];
      cq_doc_colour (cr, colours[i % G_N_ELEMENTS (colours)]);
      cairo_set_line_width (cr, 1.4);
      gboolean started = FALSE;
      for (guint k = 0; k < n; k++)
        {
          const CqItem *hit = cq_instrument_item (s->history_by_index->pdata[k], it->id);
          const CqAnswer *a = hit ? cq_answers_get (s->history_answers->pdata[k], hit) : NULL;
          const CqLevel *l = a && a->value ? cq_scale_level (hit->answer.scale, a->value) : NULL;
          if (l == NULL || l->insufficient)
            continue;
          double x = x0 + (n > 1 ? w * k / (n - 1) : w / 2);
          /* Lines on the same level stay apart by a hair. */
          double y = y0 + h - (levels > 1 ? h * l->index / (levels - 1) : h / 2)
                     + 1.6 * ((double) i - (items->len - 1) / 2.0);
          if (started)
            cairo_line_to (cr, x, y);
          else
            cairo_move_to (cr, x, y);
          started = TRUE;
          cairo_stroke_preserve (cr);
          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y, 2.2, 0, 2 * G_PI);
          cairo_fill (cr);
          cairo_move_to (cr, x, y);
        }
      cairo_new_path (cr);
      /* Legend. */
      cairo_rectangle (cr, x0 + w + 12, y0 + 12 * i, 8, 8);
      cairo_fill (cr);
      PangoLayout *lay = pango_cairo_create_layout (cr);
      PangoFontDescription *fd = pango_font_description_from_string (CQ_DOC_SANS " 6.5");
      pango_layout_set_font_description (lay, fd);
      pango_layout_set_text (lay, it->id, -1);
      cq_doc_colour (cr, 0x222222);
      cairo_move_to (cr, x0 + w + 24, y0 + 12 * i - 1);
      pango_cairo_show_layout (cr, lay);
      pango_font_description_free (fd);
      g_object_unref (lay);
    }
  d->y = y0 + h + 34;
}

static void
render (CqDoc *d, const Synth *s)
{
  const CqInstrument *I = s->inst;
  const char *L = s->lang;
  gboolean commission = s->profile == CQ_PROFILE_COMMISSION;

  /* Cover. */
  d->y = CQ_DOC_MARGIN + 20;
  cq_doc_text (d, CQ_DOC_TITLE, 0, T (s, "Synthèse d’évaluation", "Evaluation synthesis"));
  cq_doc_text (d, CQ_DOC_H2, 0, cq_text_get (&I->title, L));
  g_autofree char *prof = g_strdup_printf ("%s %s", T (s, "Profil :", "Profile:"), profile_label (s));
  cq_doc_text (d, CQ_DOC_LABEL, 0, prof);
  cq_doc_rule (d);
  cq_doc_kv (d, T (s, "Dossier", "Case"), s->a->case_ref);
  cq_doc_kv (d, T (s, "Évaluation", "Assessment"), s->a->id);
  cq_doc_kv (d, T (s, "Nature", "Kind"), s->a->kind);
  g_autofree char *period = g_strdup_printf ("%s → %s", s->a->opened,
                                             s->decision ? jget (s->decision, "valid_until") : s->date);
  cq_doc_kv (d, T (s, "Période", "Period"), period);
  g_autofree char *instr = g_strdup_printf ("%s %s (%s)", I->id, I->version, cq_validation_name (I->validation));
  cq_doc_kv (d, T (s, "Instrument", "Instrument"), instr);
  cq_doc_kv (d, T (s, "Empreinte de l’instrument (SHA-256)", "Instrument content hash (SHA-256)"), I->sha256);
  cq_doc_kv (d, T (s, "Statut de validation", "Validation status"), cq_text_get (&I->validation_note, L));
  cq_doc_kv (d, T (s, "Protocole", "Protocol"), s->a->protocol);
  cq_doc_text (d, CQ_DOC_LABEL, 0, T (s, "Équipe", "Team"));
  for (guint i = 0; i < s->raters->len; i++)
    {
      CqMember *m = s->raters->pdata[i];
      g_autofree char *line = g_strdup_printf ("• %s%s%s — %s", m->id, m->name ? ", " : "",
                                               m->name ? m->name : "", m->role);
      cq_doc_text (d, CQ_DOC_BODY, 8, line);
    }
  g_autofree char *exported = g_strdup_printf ("%s %s", T (s, "Exportée le", "Exported on"), s->date);
  cq_doc_text (d, CQ_DOC_SMALL, 0, exported);

  /* Limits. */
  cq_doc_heading (d, 1, T (s, "Limites de cette synthèse", "Limits of this synthesis"));
  cq_doc_text (d, CQ_DOC_BODY, 0, cq_text_get (&I->limitations, L));
  cq_doc_text (d, CQ_DOC_BODY, 0, T (s, "Aucun score n’a déterminé les décisions : les indicateurs sont des "
                             "aide-mémoire. Le jugement est celui de la commission, motivé par les "
                             "items cités et leurs éléments de preuve, pour et contre.",
                          "No score determined any decision: indicators are aide-mémoire only. The "
                          "judgment is the commission’s, reasoned from the items it cites and their "
                          "evidence, for and against."));
  cq_doc_text (d, CQ_DOC_BODY, 0, cq_text_get (&I->validation_note, L));

  /* The commission's decision. */
  cq_doc_heading (d, 1, T (s, "Décision de la commission", "The commission’s decision"));
  if (s->decision == NULL)
    cq_doc_text (d, CQ_DOC_BODY, 0, T (s, "Aucune décision n’est encore enregistrée.", "No decision recorded yet."));
  else
    {
      if (s->profile != CQ_PROFILE_PARTNER)
        {
          cq_doc_kv (d, T (s, "Priorité", "Priority"), jget (s->decision, "priority"));
          cq_doc_kv (d, T (s, "Gravité", "Seriousness"), jget (s->decision, "seriousness"));
          cq_doc_kv (d, T (s, "Imminence", "Imminence"), jget (s->decision, "imminence"));
        }
      cq_doc_kv (d, T (s, "Orientation", "Placement"), s->placement_label);
      cq_doc_kv (d, T (s, "Accompagnement", "Support"), jget (s->decision, "support"));
      /* The rationale, where every item it cites may be shown here. */
      gboolean cites_hidden = FALSE;
      JsonArray *cites = json_object_has_member (s->decision, "cites")
                         ? json_object_get_array_member (s->decision, "cites") : NULL;
      for (guint i = 0; cites && i < json_array_get_length (cites); i++)
        {
          const CqItem *it = cq_instrument_item (I, json_array_get_string_element (cites, i));
          cites_hidden |= it == NULL || !visible (s, it);
        }
      if (s->profile != CQ_PROFILE_PARTNER && (commission || !cites_hidden))
        {
          cq_doc_kv (d, T (s, "Motivation", "Rationale"), jget (s->decision, "rationale"));
          for (guint i = 0; cites && i < json_array_get_length (cites); i++)
            {
              const CqItem *it = cq_instrument_item (I, json_array_get_string_element (cites, i));
              if (it)
                {
                  g_autofree char *c = g_strdup_printf ("→ %s — %s", it->id, cq_text_get (&it->label, L));
                  cq_doc_text (d, CQ_DOC_SMALL, 12, c);
                }
            }
        }
      else if (s->profile != CQ_PROFILE_PARTNER)
        cq_doc_text (d, CQ_DOC_SMALL, 0, T (s, "La motivation s’appuie sur des éléments hors de ce profil.",
                                 "The rationale rests on items outside this profile."));
      if (commission)
        cq_doc_kv (d, T (s, "Limites et informations manquantes", "Limitations and missing information"),
            jget (s->decision, "limitations"));
      cq_doc_kv (d, T (s, "Valable jusqu’au", "Valid until"), jget (s->decision, "valid_until"));
      cq_doc_kv (d, T (s, "Prochain réexamen", "Next review"), jget (s->decision, "next_review"));
      cq_doc_text (d, CQ_DOC_SMALL, 0, jget (s->decision, "statement"));
    }

  /* Domains: the instrument's synthesis sections first, in their order,
   * then the rest of the protocol in its order. */
  const CqProtocol *proto = NULL;
  for (guint i = 0; i < I->n_protocols; i++)
    if (strcmp (I->protocols[i]->id, s->a->protocol) == 0)
      proto = I->protocols[i];
  g_autoptr (GPtrArray) order = g_ptr_array_new (); /* CqDomain*, each once */
  for (guint i = 0; proto && i < I->n_sections; i++)
    {
      const CqModule *mod = cq_instrument_module (I, I->sections[i]);
      const CqDomain *dom = mod ? NULL : cq_instrument_domain (I, I->sections[i]);
      const CqModule *owner = mod ? mod : dom ? dom->module : NULL;
      gboolean in = FALSE;
      for (guint m = 0; owner && m < proto->n_modules; m++)
        in |= proto->modules[m] == owner;
      for (guint dd = 0; in && dd < (mod ? mod->n_domains : 1); dd++)
        {
          const CqDomain *x = mod ? mod->domains[dd] : dom;
          if (!g_ptr_array_find (order, x, NULL))
            g_ptr_array_add (order, (gpointer) x);
        }
    }
  for (guint m = 0; proto && m < proto->n_modules; m++)
    for (guint dd = 0; dd < proto->modules[m]->n_domains; dd++)
      if (!g_ptr_array_find (order, proto->modules[m]->domains[dd], NULL))
        g_ptr_array_add (order, (gpointer) proto->modules[m]->domains[dd]);
  const CqModule *heading_of = NULL;
  for (guint k = 0; k < order->len; k++)
    {
      const CqDomain *dom = order->pdata[k];
      gboolean shown = FALSE;
      for (guint i = 0; i < dom->n_items; i++)
        {
          const CqItem *it = dom->items[i];
          if (!visible (s, it) || !cq_eval_relevant (s->eval, it) || it->kind == CQ_KIND_ACCOUNT)
            continue;
          if (heading_of != dom->module)
            cq_doc_heading (d, 1, cq_text_get (&dom->module->title, L));
          heading_of = dom->module;
          if (!shown)
            cq_doc_heading (d, 2, cq_text_get (&dom->title, L));
          shown = TRUE;
          item_block (d, s, it);
        }
    }

  /* Protective factors and support needs. */
  cq_doc_heading (d, 1, T (s, "En résumé : facteurs de protection et besoins d’accompagnement",
                    "In short: protective factors and support needs"));
  for (guint i = 0; i < I->n_items; i++)
    {
      const CqItem *it = I->items[i];
      if ((it->kind != CQ_KIND_PROTECTIVE && it->kind != CQ_KIND_NEED) || !visible (s, it)
          || !cq_eval_relevant (s->eval, it))
        continue;
      g_autofree char *v = value_text (s, it, cq_answers_get (s->team, it));
      g_autofree char *line = g_strdup_printf ("• %s (%s) — %s", cq_text_get (&it->label, L),
                                               it->kind == CQ_KIND_PROTECTIVE
                                               ? T (s, "protection", "protective")
                                               : T (s, "besoin", "need"), v);
      cq_doc_text (d, CQ_DOC_BODY, 0, line);
    }

  /* The person's own account. */
  cq_doc_heading (d, 1, T (s, "Le récit de la personne", "The person’s own account"));
  for (guint i = 0; i < I->n_items; i++)
    {
      const CqItem *it = I->items[i];
      if (it->kind != CQ_KIND_ACCOUNT || !visible (s, it))
        continue;
      const CqAnswer *a = cq_answers_get (s->team, it);
      cq_doc_text (d, CQ_DOC_QUOTE, 12, a && a->text ? a->text : T (s, "(non recueilli)", "(not recorded)"));
    }

  /* What is missing; completeness and consistency. */
  cq_doc_heading (d, 1, T (s, "Informations manquantes", "Missing information"));
  guint missing = 0;
  for (guint i = 0; i < s->score->findings->len; i++)
    {
      CqFinding *f = s->score->findings->pdata[i];
      const CqItem *it = f->item ? cq_instrument_item (I, f->item) : NULL;
      gboolean gap = g_strcmp0 (f->kind, "missing-information") == 0
                     || g_strcmp0 (f->kind, "unrated") == 0 || g_strcmp0 (f->kind, "unanswered") == 0;
      if (!gap || (it && !visible (s, it)))
        continue;
      g_autofree char *line = g_strdup_printf ("• %s — %s", it ? cq_text_get (&it->label, L) : "",
                                               f->message ? f->message : f->kind);
      cq_doc_text (d, CQ_DOC_BODY, 0, line);
      missing++;
    }
  if (missing == 0)
    cq_doc_text (d, CQ_DOC_BODY, 0, T (s, "Aucune.", "None."));
  if (commission)
    {
      cq_doc_heading (d, 1, T (s, "Complétude et cohérence", "Completeness and consistency"));
      for (guint i = 0; i < s->score->findings->len; i++)
        {
          CqFinding *f = s->score->findings->pdata[i];
          if (g_strcmp0 (f->kind, "missing-information") == 0 || g_strcmp0 (f->kind, "unrated") == 0
              || g_strcmp0 (f->kind, "unanswered") == 0)
            continue;
          g_autofree char *line = g_strdup_printf ("• %s%s%s", f->item ? f->item : "",
                                                   f->item ? " — " : "", f->message ? f->message : f->kind);
          cq_doc_text (d, CQ_DOC_BODY, 0, line);
        }
      cq_doc_text (d, CQ_DOC_LABEL, 0, T (s, "Indicateurs (aide-mémoire, jamais un niveau de risque)",
                               "Indicators (aide-mémoire, never a risk level)"));
      for (guint i = 0; i < s->score->indicators->len; i++)
        {
          CqIndicator *ind = s->score->indicators->pdata[i];
          g_ptr_array_add (ind->items, NULL);
          g_autofree char *items = g_strjoinv (", ", (char **) ind->items->pdata);
          g_ptr_array_remove_index (ind->items, ind->items->len - 1);
          g_autofree char *line = g_strdup_printf ("• %s — %s", ind->label, items);
          cq_doc_text (d, CQ_DOC_BODY, 0, line);
        }
    }

  /* Trajectory: the heading stays with its chart. */
  cq_doc_ensure (d, 250);
  cq_doc_heading (d, 1, T (s, "Trajectoire au fil des évaluations", "Trajectory across assessments"));
  chart (d, s);

  /* Audit and signatures. */
  cq_doc_heading (d, 1, T (s, "Traçabilité", "Audit"));
  g_autofree char *digest = g_strdup_printf ("%s %" G_GINT64_FORMAT " %s ; %s %s",
                                             T (s, "Chaîne d’audit :", "Audit chain:"), s->events,
                                             T (s, "événements", "events"),
                                             T (s, "tête", "head"), s->head);
  cq_doc_text (d, CQ_DOC_SMALL, 0, digest);
  cq_doc_heading (d, 1, T (s, "Signatures", "Signatures"));
  cq_doc_text (d, CQ_DOC_BODY, 0, T (s, "Chaque signataire signe électroniquement (PAdES), les membres de "
                             "l’équipe d’abord, le président de la commission en dernier. Les "
                             "signatures sont vérifiables dans tout lecteur PDF.",
                          "Each signer signs electronically (PAdES): team members first, the "
                          "commission chair last. Any PDF reader can verify the signatures."));
  g_autoptr (GPtrArray) signers = cq_pdf_required_signers (s->store, s->raters, s->members);
  for (guint i = 0; i < signers->len; i++)
    {
      CqMember *m = signers->pdata[i];
      g_autofree char *line = g_strdup_printf ("☐ %s — %s%s%s", m->id, m->role, m->name ? ", " : "",
                                               m->name ? m->name : "");
      cq_doc_text (d, CQ_DOC_BODY, 8, line);
    }
}

static void
render_synthesis (CqDoc *d, gconstpointer data)
{
  render (d, data);
}

static gboolean
typeset (Synth *s, GByteArray *out)
{
  g_autofree char *title = g_strdup_printf ("%s %s — %s", T (s, "Synthèse d’évaluation",
                                                             "Evaluation synthesis"),
                                            s->a->id, profile_label (s));
  g_autofree char *keywords = g_strdup_printf ("colloquy; assessment=%s; case=%s; profile=%s",
                                               s->a->id, s->a->case_ref,
                                               cq_profile_name (s->profile));
  g_autofree char *footer = g_strdup_printf ("%s %s — %s — %s", T (s, "Synthèse", "Synthesis"),
                                             s->a->id, profile_label (s),
                                             s->inst->validation == CQ_VALIDATION_ILLUSTRATIVE
                                             ? T (s, "instrument illustratif, non validé",
                                                  "illustrative instrument, not validated") : "");
  CqDocInfo info = { s->lang, title, cq_text_get (&s->inst->title, s->lang), keywords, footer };
  return cq_doc_typeset (&info, render_synthesis, s, out);
}

GBytes *
cq_pdf_render (CqStore *store, const char *assessment, CqExportProfile profile, const char *lang,
               char **assessment_case, GPtrArray **signers, GError **error)
{
  Synth s = { 0 };
  s.store = store;
  s.profile = profile;
  s.lang = lang;
  if (!gather (&s, assessment, error))
    {
      synth_free (&s);
      return NULL;
    }
  if (lang == NULL)
    s.lang = s.inst->languages[0];
  GByteArray *out = g_byte_array_new ();
  if (!typeset (&s, out))
    {
      g_byte_array_unref (out);
      synth_free (&s);
      g_set_error (error, CQ_PDF_ERROR, CQ_PDF_ERROR_RENDER, "the PDF could not be typeset");
      return NULL;
    }
  if (assessment_case)
    *assessment_case = g_strdup (s.a->case_ref);
  if (signers)
    {
      g_autoptr (GPtrArray) who = cq_pdf_required_signers (store, s.raters, s.members);
      *signers = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_member_free);
      for (guint i = 0; i < who->len; i++)
        {
          CqMember *m = who->pdata[i], *copy = g_new0 (CqMember, 1);
          *copy = (CqMember) { g_strdup (m->id), g_strdup (m->name), g_strdup (m->role) };
          g_ptr_array_add (*signers, copy);
        }
    }
  synth_free (&s);
  return g_byte_array_free_to_bytes (out);
}
