/* SPDX-License-Identifier: EUPL-1.2 */
/* The evaluator's pages: cases and assessments, the walk over the walker
 * engine (one page per item, exactly what the walker says), progress, and
 * the member's own account. */
#include <string.h>

#include "cq-account.h"
#include "cq-util.h"
#include "cq-web-private.h"

/* Access ======================================================================== */

gboolean
cq_web_may (CqWebRequest *r, const char *capability)
{
  return r->me != NULL && cq_team_may (r->srv->store, r->me->role, capability);
}

static gboolean
case_worker (CqWebRequest *r)
{
  return cq_web_may (r, "rate") || cq_web_may (r, "consensus") || cq_web_may (r, "decide");
}

static const CqInstrument *
instrument_of (CqWebServer *srv, const CqAssessment *a)
{
  CqInstrument *inst = g_hash_table_lookup (srv->instruments, a->sha256);
  if (inst == NULL)
    {
      inst = cq_assessment_instrument (srv->store, a, NULL);
      if (inst != NULL)
        g_hash_table_insert (srv->instruments, g_strdup (a->sha256), inst);
    }
  return inst;
}

static const CqProtocol *
protocol_of (const CqInstrument *inst, const char *id)
{
  for (guint i = 0; i < inst->n_protocols; i++)
    if (strcmp (inst->protocols[i]->id, id) == 0)
      return inst->protocols[i];
  return NULL;
}

/* Whether role rates any item of the protocol. */
static gboolean
rates_in (const CqProtocol *proto, const char *role)
{
  for (guint m = 0; proto && m < proto->n_modules; m++)
    for (guint d = 0; d < proto->modules[m]->n_domains; d++)
      for (guint k = 0; k < proto->modules[m]->domains[d]->n_items; k++)
        if (cq_item_rated_by (proto->modules[m]->domains[d]->items[k], role))
          return TRUE;
  return FALSE;
}

static gboolean
sees (CqWebRequest *r, const CqInstrument *inst, const CqProtocol *proto)
{
  (void) inst;
  return (cq_web_may (r, "rate") && rates_in (proto, r->me->role)) || cq_web_may (r, "consensus")
         || cq_web_may (r, "decide");
}

gboolean
cq_web_case_lock (CqWebRequest *r, CqWebCase *c)
{
  g_mutex_lock (&r->srv->lock);
  if (cq_web_case (r, c))
    return TRUE;
  g_mutex_unlock (&r->srv->lock);
  return FALSE;
}

gboolean
cq_web_case (CqWebRequest *r, CqWebCase *c)
{
  memset (c, 0, sizeof *c);
  if (!case_worker (r))
    {
      cq_web_error (r, 403, T (r, "Votre rôle ne donne accès à aucun dossier.",
                               "Your role gives access to no case."));
      return FALSE;
    }
  c->a = cq_assessment_get (r->srv->store, r->seg[1], NULL);
  if (c->a == NULL)
    {
      cq_web_error (r, 404, T (r, "Cette évaluation n’existe pas.", "There is no such assessment."));
      return FALSE;
    }
  c->inst = instrument_of (r->srv, c->a);
  c->proto = c->inst ? protocol_of (c->inst, c->a->protocol) : NULL;
  if (c->proto == NULL)
    {
      cq_web_case_clear (c);
      cq_web_error (r, 500, T (r, "L’instrument de cette évaluation est endommagé dans la base : "
                                  "un administrateur doit lancer « colloquy audit verify ».",
                               "This assessment's instrument is damaged in the database: an "
                               "administrator should run 'colloquy audit verify'."));
      return FALSE;
    }
  c->role = cq_instrument_role (c->inst, r->me->role);
  if (!sees (r, c->inst, c->proto))
    {
      cq_web_case_clear (c);
      cq_web_error (r, 403, T (r, "Votre rôle n’a pas à connaître de cette évaluation.",
                               "Your role has no need to know this assessment."));
      return FALSE;
    }
  return TRUE;
}

void
cq_web_case_clear (CqWebCase *c)
{
  g_clear_pointer (&c->a, cq_assessment_free);
}

gboolean
cq_web_reads (const CqWebCase *c, const CqCompartment *compartment)
{
  if (compartment == NULL)
    return TRUE;
  for (guint i = 0; c->role && i < c->role->n_reads; i++)
    if (strcmp (c->role->reads[i], compartment->id) == 0)
      return TRUE;
  return FALSE;
}

guint
cq_web_profiles (const CqWebCase *c)
{
  static const CqExportProfile all[] = { CQ_PROFILE_COMMISSION, CQ_PROFILE_PARTNER,
                                         CQ_PROFILE_SUBJECT_ACCESS };
  guint out = 0;
  if (c->role == NULL)
    return 0;
  for (guint p = 0; p < G_N_ELEMENTS (all); p++)
    {
      gboolean ok = TRUE;
      for (guint i = 0; i < c->inst->n_compartments; i++)
        if ((c->inst->compartments[i]->exports & all[p]) && !cq_web_reads (c, c->inst->compartments[i]))
          ok = FALSE;
      if (ok)
        out |= all[p];
    }
  return out;
}

static void
unrecorded (CqWebRequest *r)
{
  cq_web_log (r->srv, "the audit chain could not record a read: the page was not shown; check "
                      "the database (disk full? read-only?)");
  cq_web_error (r, 503, T (r, "Cette consultation n’a pas pu être enregistrée au journal d’audit : "
                              "la page n’est donc pas affichée. Réessayez, ou prévenez un administrateur.",
                           "This read could not be recorded in the audit chain, so the page is not "
                           "shown. Try again, or tell an administrator."));
}

gboolean
cq_web_audit_read (CqWebRequest *r, const CqWebCase *c, const char *what)
{
  if (cq_read_record (r->srv->store, r->me->id, what, c->a->case_ref, c->a->id))
    return TRUE;
  unrecorded (r);
  return FALSE;
}

static void
crumbs (CqWebRequest *r, GString *out, const CqAssessment *a)
{
  cq_html_printf (out, "<a href=\"/\">%s</a>", T (r, "Mes évaluations", "My assessments"));
  if (a != NULL)
    cq_html_printf (out, " › <a href=\"/a/%s\">%s</a>", a->id, a->id);
}

/* Home ========================================================================== */

void
cq_web_home (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  g_autoptr (GString) m = g_string_new (NULL);
  g_mutex_lock (&srv->lock);
  if (cq_web_may (r, "administer"))
    cq_html_printf (m, "<p><a class=\"button\" href=\"/admin\">%s</a></p>\n",
                    T (r, "Gérer l’équipe et les comptes", "Manage the team and accounts"));
  if (!case_worker (r))
    {
      g_mutex_unlock (&srv->lock);
      cq_html_printf (m, "<p>%s</p>\n", T (r, "Votre rôle ne donne accès à aucun dossier.",
                                           "Your role gives access to no case."));
      cq_web_page (r, 200, T (r, "Accueil", "Start"), NULL, m);
      return;
    }
  g_autoptr (GPtrArray) cases = cq_case_list (srv->store, NULL);
  guint shown = 0;
  g_autoptr (GString) rows = g_string_new (NULL);
  for (guint i = 0; cases && i < cases->len; i++)
    {
      g_autoptr (GPtrArray) list = cq_case_assessments (srv->store, cases->pdata[i], NULL);
      for (guint k = 0; list && k < list->len; k++)
        {
          CqAssessment *a = list->pdata[k];
          const CqInstrument *inst = instrument_of (srv, a);
          const CqProtocol *proto = inst ? protocol_of (inst, a->protocol) : NULL;
          if (proto == NULL || !sees (r, inst, proto))
            continue;
          shown++;
          cq_html_printf (rows, "<tr><td>%s</td><th scope=\"row\"><a href=\"/a/%s\">%s</a></th>"
                          "<td>%s</td><td>%s</td><td>%s</td></tr>\n",
                          a->case_ref, a->id, a->id, a->kind, a->opened,
                          cq_text_get (&inst->title, r->lang));
        }
    }
  if (!cq_read_record (srv->store, r->me->id, "web: case list", NULL, NULL))
    {
      g_mutex_unlock (&srv->lock);
      unrecorded (r);
      return;
    }
  g_autofree char *role = cq_team_label (srv->store, "roles", r->me->role, r->lang);
  g_mutex_unlock (&srv->lock);
  cq_html_printf (m, "<p class=\"lead\">%s <strong>%s</strong>.</p>\n",
                  T (r, "Vous travaillez en tant que", "You work as"), role);
  if (shown == 0)
    cq_html_printf (m, "<p>%s</p>\n", T (r, "Aucune évaluation pour votre rôle pour l’instant.",
                                         "No assessment for your role yet."));
  else
    {
      cq_html_printf (m, "<table class=\"list\">\n<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
                      "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                      "<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                      T (r, "Dossiers et évaluations de votre rôle", "Cases and assessments for your role"),
                      T (r, "Dossier", "Case"), T (r, "Évaluation", "Assessment"),
                      T (r, "Type", "Kind"), T (r, "Ouverte le", "Opened"),
                      T (r, "Instrument", "Instrument"));
      g_string_append (m, rows->str);
      g_string_append (m, "</tbody>\n</table>\n");
    }
  cq_web_page (r, 200, T (r, "Mes évaluations", "My assessments"), NULL, m);
}

/* Walkers ======================================================================= */

/* The walk of this member through this assessment, kept between requests
 * (a sitting opens when it starts). NULL with an error page set. */
static CqWalker *
walker_of (CqWebRequest *r, const CqWebCase *c)
{
  CqWebServer *srv = r->srv;
  g_autofree char *key = g_strdup_printf ("%s\n%s", r->me->id, c->a->id);
  CqWebWalker *ww = g_hash_table_lookup (srv->walkers, key);
  gint64 now = g_get_monotonic_time ();
  if (ww == NULL)
    {
      /* Forget walks idle for over two hours. */
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, srv->walkers);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (now - ((CqWebWalker *) v)->used > (gint64) 2 * 3600 * G_USEC_PER_SEC)
          {
            cq_walker_free (((CqWebWalker *) v)->walker);
            g_free (v);
            g_hash_table_iter_remove (&it);
          }
      g_autoptr (GError) error = NULL;
      CqWalker *w = cq_walker_new (srv->store, c->a->id, r->me->id, NULL, "web", NULL, &error);
      if (w == NULL)
        {
          gboolean refused = g_error_matches (error, CQ_CASE_ERROR, CQ_CASE_ERROR_REFUSED);
          cq_web_error (r, refused ? 403 : 500,
                        refused ? T (r, "Votre rôle ne cote aucun item de cette évaluation.",
                                     "Your role rates no item of this assessment.")
                                : T (r, "La base de données n’a pas pu ouvrir cette passation ; "
                                        "réessayez.",
                                     "The database could not open this walk; try again."));
          return NULL;
        }
      ww = g_new0 (CqWebWalker, 1);
      ww->walker = w;
      g_hash_table_insert (srv->walkers, g_steal_pointer (&key), ww);
    }
  ww->used = now;
  return ww->walker;
}

static void
forget_walker (CqWebRequest *r, const CqWebCase *c)
{
  g_autofree char *key = g_strdup_printf ("%s\n%s", r->me->id, c->a->id);
  CqWebWalker *ww = g_hash_table_lookup (r->srv->walkers, key);
  if (ww != NULL)
    {
      g_hash_table_remove (r->srv->walkers, key);
      cq_walker_free (ww->walker);
      g_free (ww);
    }
}

static void
progress_html (CqWebRequest *r, CqWalker *w, GString *m)
{
  g_autoptr (GArray) p = cq_walker_progress (w);
  cq_html_printf (m, "<section class=\"progress\" aria-labelledby=\"progress-h\">\n"
                  "<h2 id=\"progress-h\">%s</h2>\n<ul>\n", T (r, "Avancement", "Progress"));
  for (guint i = 0; i < p->len; i++)
    {
      CqProgress *x = &g_array_index (p, CqProgress, i);
      cq_html_printf (m, "<li><span id=\"pm-%u\">%s</span> <progress aria-labelledby=\"pm-%u\" "
                      "max=\"%u\" value=\"%u\"></progress> <span class=\"count\">%u/%u</span></li>\n",
                      i, cq_text_get (&x->module->title, r->lang), i, MAX (x->relevant, 1u),
                      x->answered, x->answered, x->relevant);
    }
  g_string_append (m, "</ul>\n</section>\n");
}

static const char *
value_label (const CqItem *it, const char *value, const char *lang)
{
  const CqScale *s = it->answer.scale;
  const CqLevel *l = s && value ? cq_scale_level (s, value) : NULL;
  return l ? cq_text_get (&l->label, lang) : value;
}

/* The assessment ================================================================ */

void
cq_web_assessment (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  CqWebCase c;
  g_autoptr (GString) m = g_string_new (NULL);
  g_autoptr (GString) cr = g_string_new (NULL);
  if (!cq_web_case_lock (r, &c))
    return;
  if (!cq_web_audit_read (r, &c, "web: assessment"))
    {
      cq_web_case_clear (&c);
      g_mutex_unlock (&srv->lock);
      return;
    }
  crumbs (r, cr, NULL);
  cq_html_printf (m, "<dl class=\"facts\"><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd>"
                  "<dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s %s — %s</dd></dl>\n",
                  T (r, "Dossier", "Case"), c.a->case_ref, T (r, "Type", "Kind"), c.a->kind,
                  T (r, "Ouverte le", "Opened"), c.a->opened, T (r, "Instrument", "Instrument"),
                  cq_text_get (&c.inst->title, r->lang), c.inst->version,
                  cq_text_get (&c.inst->validation_note, r->lang));
  if (r->me && MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND, "done"))
    cq_html_printf (m, "<p class=\"notice\" role=\"status\">%s</p>\n",
                    T (r, "Toutes les réponses sont enregistrées : chaque item pertinent pour votre "
                          "rôle a une réponse.",
                       "All answers are saved: every relevant item for your role is answered."));
  gboolean rater = cq_web_may (r, "rate") && rates_in (c.proto, r->me->role);
  if (rater)
    {
      CqWalker *w = walker_of (r, &c);
      if (w == NULL)
        {
          cq_web_case_clear (&c);
          g_mutex_unlock (&srv->lock);
          return;
        }
      cq_walker_resume (w);
      const CqItem *next = cq_walker_current (w);
      if (next != NULL)
        cq_html_printf (m, "<p><a class=\"button primary\" href=\"/a/%s/item/%s\">%s</a></p>\n",
                        c.a->id, next->id, T (r, "Continuer la passation", "Continue the walk"));
      progress_html (r, w, m);
      g_autoptr (GPtrArray) items = cq_walker_items (w);
      cq_html_printf (m, "<section aria-labelledby=\"mine-h\"><h2 id=\"mine-h\">%s</h2>\n"
                      "<table class=\"list\"><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                      "</tr></thead><tbody>\n", T (r, "Vos items", "Your items"),
                      T (r, "Item", "Item"), T (r, "Votre réponse", "Your answer"));
      for (guint i = 0; i < items->len; i++)
        {
          const CqItem *it = items->pdata[i];
          if (!cq_walker_relevant (w, it))
            continue;
          const CqAnswer *an = cq_walker_answer_of (w, it);
          cq_html_printf (m, "<tr><th scope=\"row\"><a href=\"/a/%s/item/%s\">%s</a></th><td>%s</td></tr>\n",
                          c.a->id, it->id, cq_text_get (&it->label, r->lang),
                          an == NULL ? T (r, "à faire", "to do")
                          : an->value ? value_label (it, an->value, r->lang)
                          : an->text ? T (r, "(texte)", "(text)") : T (r, "(fiches)", "(records)"));
        }
      g_string_append (m, "</tbody></table></section>\n");
    }
  g_autoptr (GString) actions = g_string_new (NULL);
  if (cq_web_may (r, "consensus"))
    cq_html_printf (actions, "<li><a href=\"/a/%s/consensus\">%s</a></li>\n", c.a->id,
                    T (r, "Consensus de l’équipe et désaccords", "Team consensus and disagreements"));
  if (cq_web_may (r, "decide"))
    cq_html_printf (actions, "<li><a href=\"/a/%s/decision\">%s</a></li>\n", c.a->id,
                    T (r, "Décision de la commission", "The commission's decision"));
  if (cq_web_profiles (&c) != 0)
    cq_html_printf (actions, "<li><a href=\"/a/%s/export\">%s</a></li>\n", c.a->id,
                    T (r, "Exporter la synthèse (PDF)", "Export the synthesis (PDF)"));
  if (actions->len)
    {
      cq_html_printf (m, "<section aria-labelledby=\"act-h\"><h2 id=\"act-h\">%s</h2>"
                      "<ul class=\"actions\">\n", T (r, "Autres actions", "Other actions"));
      g_string_append (m, actions->str);
      g_string_append (m, "</ul></section>\n");
    }
  g_autofree char *title = g_strdup_printf ("%s %s", T (r, "Évaluation", "Assessment"), c.a->id);
  cq_web_case_clear (&c);
  g_mutex_unlock (&srv->lock);
  cq_web_page (r, 200, title, cr->str, m);
}

void
cq_web_walk (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  CqWebCase c;
  if (!cq_web_case_lock (r, &c))
    return;
  CqWalker *w = walker_of (r, &c);
  if (w != NULL)
    {
      cq_walker_resume (w);
      const CqItem *it = cq_walker_current (w);
      g_autofree char *to = it ? g_strdup_printf ("/a/%s/item/%s", c.a->id, it->id)
                               : g_strdup_printf ("/a/%s?done=1", c.a->id);
      cq_web_redirect (r, to);
    }
  cq_web_case_clear (&c);
  g_mutex_unlock (&srv->lock);
}

/* One item ====================================================================== */

/* An answer read from the form; owns its strings. */
typedef struct {
  CqAnswer an;
  GArray *evidence, *records;
  GPtrArray *owned;
  guint rows;       /* rows the form showed */
} FormAnswer;

static void
form_answer_clear (FormAnswer *f)
{
  if (f->evidence)
    g_array_unref (f->evidence);
  if (f->records)
    g_array_unref (f->records);
  if (f->owned)
    g_ptr_array_unref (f->owned);
}

static const char *
keep (FormAnswer *f, char *s)
{
  g_ptr_array_add (f->owned, s);
  return s;
}

static const char *
nonblank (CqWebRequest *r, const char *name)
{
  const char *v = cq_web_field (r, name);
  return cq_blank (v) ? NULL : v;
}

static void
form_answer_read (CqWebRequest *r, const CqItem *it, FormAnswer *f)
{
  const CqAnswerSpec *spec = &it->answer;
  f->an = cq_answer_init (it);
  f->owned = g_ptr_array_new_with_free_func (g_free);
  f->evidence = g_array_new (FALSE, TRUE, sizeof (CqEvidence));
  f->records = g_array_new (FALSE, TRUE, sizeof (CqRecord));
  guint64 rows = 0;
  const char *rs = cq_web_field (r, "rows");
  if (rs == NULL || !g_ascii_string_to_unsigned (rs, 10, 0, CQ_WEB_ROWS_MAX, &rows, NULL))
    rows = 0;
  f->rows = rows;
  switch (spec->type)
    {
    case CQ_ANSWER_RATING:
      f->an.value = nonblank (r, "value");
      f->an.relevance = nonblank (r, "relevance");
      f->an.missing = nonblank (r, "missing");
      f->an.rationale = nonblank (r, "rationale");
      for (guint i = 0; i < rows; i++)
        {
          g_autofree char *k_st = g_strdup_printf ("e%u-statement", i);
          const char *st = nonblank (r, k_st);
          if (st == NULL)
            continue;
#define EV(name) (cq_web_field (r, keep (f, g_strdup_printf ("e%u-" name, i))))
          CqEvidence e = { g_strcmp0 (EV ("direction"), "contradicts") != 0,
                           g_strcmp0 (EV ("kind"), "assessment") != 0, CQ_SOURCE_INTERVIEW,
                           NULL, NULL, NULL, st };
          const char *src = EV ("source");
          for (guint k = 0; k < 5; k++)
            if (g_strcmp0 (src, cq_source_name (1u << k)) == 0)
              e.source = 1u << k;
          const char *origin = EV ("origin"), *date = EV ("date"), *rel = EV ("reliability");
          e.origin = cq_blank (origin) ? NULL : origin;
          e.date = cq_blank (date) ? NULL : date;
          e.reliability = cq_blank (rel) ? NULL : rel;
#undef EV
          g_array_append_val (f->evidence, e);
        }
      f->an.n_evidence = f->evidence->len;
      f->an.evidence = (CqEvidence *) f->evidence->data;
      break;
    case CQ_ANSWER_CHOICE:
      {
        g_autoptr (GPtrArray) v = cq_web_fields (r, "value");
        if (v->len > 0)
          {
            g_ptr_array_add (v, NULL);
            f->an.value = keep (f, g_strjoinv (" ", (char **) v->pdata));
          }
        break;
      }
    case CQ_ANSWER_FREE_TEXT:
      f->an.text = nonblank (r, "text");
      break;
    case CQ_ANSWER_RECORDS:
      for (guint i = 0; i < rows; i++)
        {
          CqRecord rec = { 0, g_new0 (CqFieldValue, spec->n_fields + 1) };
          keep (f, (char *) rec.values);
          for (guint k = 0; k < spec->n_fields; k++)
            {
              g_autofree char *key = g_strdup_printf ("r%u-%s", i, spec->fields[k]->id);
              const char *v = nonblank (r, key);
              if (v != NULL)
                rec.values[rec.n++] = (CqFieldValue) { spec->fields[k]->id, v };
            }
          if (rec.n > 0)
            g_array_append_val (f->records, rec);
        }
      f->an.n_records = f->records->len;
      f->an.records = (CqRecord *) f->records->data;
      break;
    default:
      f->an.value = nonblank (r, "value");
    }
}

static const char *
record_value (const CqRecord *rec, const char *field)
{
  for (guint i = 0; rec && i < rec->n; i++)
    if (strcmp (rec->values[i].field, field) == 0)
      return rec->values[i].value;
  return NULL;
}

static gboolean
has_word (const char *list, const char *word)
{
  g_auto (GStrv) parts = g_strsplit (list ? list : "", " ", -1);
  return g_strv_contains ((const char *const *) parts, word);
}

static void
radio_scale (CqWebRequest *r, GString *m, const CqItem *it, const CqScale *s, const char *name,
             const char *legend, const char *chosen, gboolean multiple, gboolean optional,
             gboolean guidance)
{
  cq_html_printf (m, "<fieldset class=\"scale\"><legend>%s</legend>\n", legend);
  for (guint i = 0; i < s->n_levels; i++)
    {
      const CqLevel *l = s->levels[i];
      const char *g = NULL;
      for (guint k = 0; guidance && k < it->n_guidance; k++)
        if (strcmp (it->guidance[k].level, l->id) == 0)
          g = cq_text_get (&it->guidance[k].text, r->lang);
      gboolean on = multiple ? has_word (chosen, l->id) : g_strcmp0 (chosen, l->id) == 0;
      cq_html_printf (m, "<div class=\"choice%s\"><input type=\"%s\" id=\"%s-%s\" name=\"%s\" "
                      "value=\"%s\"%s%s><label for=\"%s-%s\"><span class=\"level\">%s</span>",
                      l->insufficient ? " insufficient" : "", multiple ? "checkbox" : "radio",
                      name, l->id, name, l->id, on ? " checked" : "",
                      l->insufficient ? " data-insufficient=1" : "", name, l->id,
                      cq_text_get (&l->label, r->lang));
      if (g != NULL)
        cq_html_printf (m, " <span class=\"guidance\">%s</span>", g);
      g_string_append (m, "</label></div>\n");
    }
  if (optional)
    cq_html_printf (m, "<div class=\"choice\"><input type=\"radio\" id=\"%s-none\" name=\"%s\" "
                    "value=\"\"%s><label for=\"%s-none\"><span class=\"level\">%s</span></label></div>\n",
                    name, name, chosen == NULL ? " checked" : "", name,
                    T (r, "Non cotée", "Not rated"));
  g_string_append (m, "</fieldset>\n");
}

static void
textarea (GString *m, const char *id, const char *label, const char *hint, const char *value,
          guint rows)
{
  cq_html_printf (m, "<p class=\"field\"><label for=\"%s\">%s</label>", id, label);
  if (hint != NULL)
    cq_html_printf (m, "<span class=\"hint\" id=\"%s-hint\">%s</span>", id, hint);
  cq_html_printf (m, "<textarea id=\"%s\" name=\"%s\" rows=\"%u\"", id, id, rows);
  if (hint != NULL)
    cq_html_printf (m, " aria-describedby=\"%s-hint\"", id);
  cq_html_printf (m, ">%s</textarea></p>\n", value ? value : "");
}

static void
input (GString *m, const char *id, const char *label, const char *hint, const char *value)
{
  cq_html_printf (m, "<p class=\"field\"><label for=\"%s\">%s</label>", id, label);
  if (hint != NULL)
    cq_html_printf (m, "<span class=\"hint\" id=\"%s-hint\">%s</span>", id, hint);
  cq_html_printf (m, "<input id=\"%s\" name=\"%s\" value=\"%s\"", id, id, value ? value : "");
  if (hint != NULL)
    cq_html_printf (m, " aria-describedby=\"%s-hint\"", id);
  g_string_append (m, "></p>\n");
}

static void
select_field (GString *m, const char *id, const char *label, const char *const *values,
              const char *const *labels, const char *chosen)
{
  cq_html_printf (m, "<p class=\"field\"><label for=\"%s\">%s</label><select id=\"%s\" name=\"%s\">",
                  id, label, id, id);
  for (guint i = 0; values[i]; i++)
    cq_html_printf (m, "<option value=\"%s\"%s>%s</option>", values[i],
                    g_strcmp0 (chosen, values[i]) == 0 ? " selected" : "", labels[i]);
  g_string_append (m, "</select></p>\n");
}

static const char *
source_label (CqWebRequest *r, CqSource s)
{
  switch (s)
    {
    case CQ_SOURCE_INTERVIEW: return T (r, "Entretien", "Interview");
    case CQ_SOURCE_OBSERVATION: return T (r, "Observation", "Observation");
    case CQ_SOURCE_FILE: return T (r, "Dossier écrit", "File");
    case CQ_SOURCE_THIRD_PARTY: return T (r, "Tiers", "Third party");
    case CQ_SOURCE_INTELLIGENCE: return T (r, "Renseignement (restreint)", "Restricted intelligence");
    default: return "?";
    }
}

static void
evidence_rows (CqWebRequest *r, GString *m, const CqItem *it, const CqAnswer *an, guint rows)
{
  cq_html_printf (m, "<section class=\"evidence\" aria-labelledby=\"ev-h\"><h2 id=\"ev-h\">%s</h2>\n",
                  T (r, "Éléments de preuve", "Evidence"));
  if (it->evidence_min > 0)
    {
      g_autofree char *need
        = strcmp (r->lang, "en") == 0
          ? g_strdup_printf ("At least %u entr%s, from %u independent source%s.", it->evidence_min,
                             it->evidence_min == 1 ? "y" : "ies", it->evidence_min_sources,
                             it->evidence_min_sources == 1 ? "" : "s")
          : g_strdup_printf ("Au moins %u élément(s), de %u source(s) indépendante(s).",
                             it->evidence_min, it->evidence_min_sources);
      cq_html_printf (m, "<p class=\"hint\">%s</p>\n", need);
    }
  if (it->evidence_note.n > 0)
    cq_html_printf (m, "<p class=\"hint\">%s</p>\n", cq_text_get (&it->evidence_note, r->lang));
  const char *dir_v[] = { "supports", "contradicts", NULL };
  const char *dir_l[] = { T (r, "appuie la cotation", "supports the rating"),
                          T (r, "contredit la cotation", "contradicts the rating"), NULL };
  const char *kind_v[] = { "fact", "assessment", NULL };
  const char *kind_l[] = { T (r, "fait", "fact"), T (r, "appréciation", "assessment"), NULL };
  const char *rel_v[] = { "", "low", "moderate", "high", NULL };
  const char *rel_l[] = { T (r, "non précisée", "not stated"), T (r, "faible", "low"),
                          T (r, "moyenne", "moderate"), T (r, "élevée", "high"), NULL };
  const char *src_v[6] = { 0 }, *src_l[6] = { 0 };
  guint ns = 0;
  for (guint k = 0; k < 5; k++)
    if (it->evidence_sources == 0 || (it->evidence_sources & (1u << k)))
      {
        src_v[ns] = cq_source_name (1u << k);
        src_l[ns++] = source_label (r, 1u << k);
      }
  for (guint i = 0; i < rows; i++)
    {
      const CqEvidence *e = an && i < an->n_evidence ? &an->evidence[i] : NULL;
      cq_html_printf (m, "<fieldset class=\"entry\"><legend>%s %u</legend>\n",
                      T (r, "Élément", "Entry"), i + 1);
      g_autofree char *st = g_strdup_printf ("e%u-statement", i);
      g_autofree char *di = g_strdup_printf ("e%u-direction", i);
      g_autofree char *ki = g_strdup_printf ("e%u-kind", i);
      g_autofree char *so = g_strdup_printf ("e%u-source", i);
      g_autofree char *or = g_strdup_printf ("e%u-origin", i);
      g_autofree char *da = g_strdup_printf ("e%u-date", i);
      g_autofree char *re = g_strdup_printf ("e%u-reliability", i);
      textarea (m, st, T (r, "Constat", "Statement"), i == rows - 1 && e == NULL
                ? T (r, "Laissez vide pour ne pas ajouter d’élément.", "Leave empty to add no entry.")
                : NULL, e ? e->statement : NULL, 2);
      g_string_append (m, "<div class=\"row\">");
      select_field (m, di, T (r, "Sens", "Direction"), dir_v, dir_l,
                    e && !e->supports ? "contradicts" : "supports");
      select_field (m, ki, T (r, "Nature", "Kind"), kind_v, kind_l,
                    e && !e->fact ? "assessment" : "fact");
      select_field (m, so, T (r, "Source", "Source"), src_v, src_l,
                    e ? cq_source_name (e->source) : NULL);
      select_field (m, re, T (r, "Fiabilité", "Reliability"), rel_v, rel_l,
                    e && e->reliability ? e->reliability : "");
      g_string_append (m, "</div><div class=\"row\">");
      input (m, or, T (r, "Origine (document, personne, séance)", "Origin (document, person, sitting)"),
             NULL, e ? e->origin : NULL);
      input (m, da, T (r, "Date de l’information", "Date of the information"), T (r, "AAAA-MM-JJ", "YYYY-MM-DD"),
             e ? e->date : NULL);
      g_string_append (m, "</div></fieldset>\n");
    }
  cq_html_printf (m, "<p><button type=\"submit\" name=\"action\" value=\"more\" formnovalidate>%s</button></p>\n",
                  T (r, "Ajouter un autre élément", "Add another entry"));
  g_string_append (m, "</section>\n");
}

static void
records_rows (CqWebRequest *r, GString *m, const CqItem *it, const CqAnswer *an, guint rows)
{
  const CqAnswerSpec *spec = &it->answer;
  for (guint i = 0; i < rows; i++)
    {
      const CqRecord *rec = an && i < an->n_records ? &an->records[i] : NULL;
      cq_html_printf (m, "<fieldset class=\"entry\"><legend>%s %u</legend>\n<div class=\"row\">",
                      T (r, "Fiche", "Record"), i + 1);
      for (guint k = 0; k < spec->n_fields; k++)
        {
          g_autofree char *id = g_strdup_printf ("r%u-%s", i, spec->fields[k]->id);
          g_autofree char *label = g_strdup_printf ("%s%s", cq_text_get (&spec->fields[k]->label, r->lang),
                                                    spec->fields[k]->required ? "" : T (r, " (facultatif)", " (optional)"));
          const CqAnswerSpec *fs = &spec->fields[k]->answer;
          const char *v = record_value (rec, spec->fields[k]->id);
          if (fs->type == CQ_ANSWER_CHOICE && !fs->multiple && fs->scale)
            {
              cq_html_printf (m, "<p class=\"field\"><label for=\"%s\">%s</label><select id=\"%s\" name=\"%s\">"
                              "<option value=\"\">—</option>", id, label, id, id);
              for (guint o = 0; o < fs->scale->n_levels; o++)
                cq_html_printf (m, "<option value=\"%s\"%s>%s</option>", fs->scale->levels[o]->id,
                                g_strcmp0 (v, fs->scale->levels[o]->id) == 0 ? " selected" : "",
                                cq_text_get (&fs->scale->levels[o]->label, r->lang));
              g_string_append (m, "</select></p>\n");
            }
          else
            input (m, id, label, fs->type == CQ_ANSWER_DATE ? (fs->precision == CQ_DATE_YEAR ? T (r, "AAAA", "YYYY")
                                                             : fs->precision == CQ_DATE_MONTH ? T (r, "AAAA-MM", "YYYY-MM")
                                                             : T (r, "AAAA-MM-JJ", "YYYY-MM-DD"))
                   : fs->type == CQ_ANSWER_NUMBER ? T (r, "un nombre", "a number") : NULL, v);
        }
      g_string_append (m, "</div></fieldset>\n");
    }
  cq_html_printf (m, "<p><button type=\"submit\" name=\"action\" value=\"more\">%s</button></p>\n",
                  T (r, "Ajouter une fiche", "Add a record"));
}

static void
item_page (CqWebRequest *r, const CqWebCase *c, CqWalker *w, const CqItem *it,
           const CqAnswer *shown, guint rows, guint status, const char *problem)
{
  g_autoptr (GString) m = g_string_new (NULL);
  g_autoptr (GString) cr = g_string_new (NULL);
  crumbs (r, cr, c->a);
  const char *L = r->lang;
  const CqAnswer *saved = cq_walker_answer_of (w, it);
  if (shown == NULL)
    shown = saved;
  cq_html_printf (m, "<p class=\"where\">%s › %s <span class=\"id\">%s</span></p>\n",
                  cq_text_get (&it->domain->module->title, L), cq_text_get (&it->domain->title, L),
                  it->id);
  if (MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND, "saved"))
    cq_html_printf (m, "<p class=\"notice\" role=\"status\">%s</p>\n",
                    T (r, "Réponse précédente enregistrée.", "Previous answer saved."));
  if (problem != NULL)
    cq_html_printf (m, "<p class=\"problem\" role=\"alert\" id=\"problem\">%s — %s</p>\n",
                    problem, T (r, "rien n’a été enregistré ; corrigez et enregistrez à nouveau.",
                                "nothing was saved; correct it and save again."));
  if (it->n_prompts > 0)
    {
      cq_html_printf (m, "<section class=\"prompts\" aria-labelledby=\"pr-h\"><h2 id=\"pr-h\">%s</h2><ul>\n",
                      T (r, "Questions suggérées", "Suggested prompts"));
      for (guint i = 0; i < it->n_prompts; i++)
        cq_html_printf (m, "<li>%s</li>\n", cq_text_get (&it->prompts[i], L));
      g_string_append (m, "</ul></section>\n");
    }
  if (it->n_inferences > 0)
    {
      cq_html_printf (m, "<section class=\"caution\" aria-labelledby=\"inf-h\"><h2 id=\"inf-h\">%s</h2><ul>\n",
                      T (r, "Inférences interdites", "Inferences never to draw"));
      for (guint i = 0; i < it->n_inferences; i++)
        cq_html_printf (m, "<li>%s</li>\n", cq_text_get (&it->inferences[i]->text, L));
      g_string_append (m, "</ul></section>\n");
    }
  cq_html_printf (m, "<form method=\"post\" action=\"/a/%s/item/%s\" class=\"answer\"%s>\n", c->a->id,
                  it->id, problem ? " aria-describedby=problem" : "");
  cq_web_csrf_field (r, m);
  const CqAnswerSpec *spec = &it->answer;
  switch (spec->type)
    {
    case CQ_ANSWER_RATING:
      radio_scale (r, m, it, spec->scale, "value", T (r, "Cotation", "Rating"),
                   shown ? shown->value : NULL, FALSE, FALSE, TRUE);
      textarea (m, "missing", T (r, "Ce qui manque, et comment l’obtenir", "What is missing, and how to obtain it"),
                T (r, "Obligatoire avec « information insuffisante ».",
                   "Required with “insufficient information”."), shown ? shown->missing : NULL, 2);
      if (spec->relevance)
        radio_scale (r, m, it, spec->relevance, "relevance", T (r, "Pertinence", "Relevance"),
                     shown ? shown->relevance : NULL, FALSE, TRUE, FALSE);
      textarea (m, "rationale", T (r, "Justification", "Rationale"), NULL,
                shown ? shown->rationale : NULL, 3);
      evidence_rows (r, m, it, shown, MAX (rows, (shown ? shown->n_evidence : 0) + 1));
      break;
    case CQ_ANSWER_CHOICE:
      radio_scale (r, m, it, spec->scale, "value", T (r, "Réponse", "Answer"),
                   shown ? shown->value : NULL, spec->multiple, FALSE, FALSE);
      break;
    case CQ_ANSWER_FREE_TEXT:
      textarea (m, "text", T (r, "Réponse", "Answer"), NULL, shown ? shown->text : NULL, 5);
      break;
    case CQ_ANSWER_NUMBER:
      input (m, "value", T (r, "Réponse (nombre)", "Answer (a number)"), spec->unit, shown ? shown->value : NULL);
      break;
    case CQ_ANSWER_DATE:
      input (m, "value", T (r, "Réponse (date)", "Answer (a date)"),
             spec->precision == CQ_DATE_YEAR ? T (r, "AAAA", "YYYY") : spec->precision == CQ_DATE_MONTH
             ? T (r, "AAAA-MM", "YYYY-MM") : T (r, "AAAA-MM-JJ", "YYYY-MM-DD"), shown ? shown->value : NULL);
      break;
    case CQ_ANSWER_RECORDS:
      records_rows (r, m, it, shown, MAX (rows, (shown ? shown->n_records : 0) + 1));
      break;
    }
  guint n_rows = spec->type == CQ_ANSWER_RATING ? MAX (rows, (shown ? shown->n_evidence : 0) + 1)
                 : spec->type == CQ_ANSWER_RECORDS ? MAX (rows, (shown ? shown->n_records : 0) + 1) : 0;
  cq_html_printf (m, "<input type=\"hidden\" name=\"rows\" value=\"%u\">\n", MIN (n_rows, (guint) CQ_WEB_ROWS_MAX));
  if (saved != NULL)
    textarea (m, "reason", T (r, "Pourquoi modifiez-vous votre réponse ?", "Why do you change your answer?"),
              T (r, "Obligatoire si la réponse change ; l’ancienne est conservée.",
                 "Required if the answer changes; the earlier one is kept."), cq_web_field (r, "reason"), 2);
  cq_html_printf (m, "<div class=\"buttons\"><button type=\"submit\" class=\"primary\" name=\"action\" "
                  "value=\"save\">%s</button>\n", T (r, "Enregistrer et continuer", "Save and continue"));
  cq_html_printf (m, "<button type=\"submit\" name=\"action\" value=\"skip\" aria-describedby=\"skip-hint\">%s</button>\n",
                  T (r, "Passer", "Skip"));
  cq_html_printf (m, "<button type=\"submit\" name=\"action\" value=\"back\">%s</button></div>\n",
                  T (r, "Item précédent", "Previous item"));
  cq_html_printf (m, "<p class=\"hint\" id=\"skip-hint\">%s</p>\n",
                  spec->type == CQ_ANSWER_RATING
                  ? T (r, "Passer : si « ce qui manque » est rempli, l’item est enregistré comme "
                          "« information insuffisante » ; sinon il reste à faire.",
                       "Skip: with “what is missing” filled in, the item is saved as “insufficient "
                       "information”; otherwise it stays to do.")
                  : T (r, "Passer : l’item reste à faire.", "Skip: the item stays to do."));
  g_string_append (m, "</form>\n");
  progress_html (r, w, m);
  cq_web_page (r, status, cq_text_get (&it->label, L), cr->str, m);
}

/* The item named by the path, positioned in the walk; NULL with an error
 * page set. */
static const CqItem *
walk_to (CqWebRequest *r, CqWalker *w)
{
  /* The walker's own instrument: items are compared by address. */
  const CqItem *it = cq_instrument_item (cq_walker_instrument (w), r->seg[3]);
  if (it == NULL)
    {
      cq_web_error (r, 404, T (r, "Cet item n’existe pas.", "There is no such item."));
      return NULL;
    }
  if (!cq_item_rated_by (it, r->me->role))
    {
      cq_web_error (r, 403, T (r, "Votre rôle ne cote pas cet item.", "Your role does not rate this item."));
      return NULL;
    }
  if (!cq_walker_go (w, it))
    {
      g_autofree char *msg = g_strdup_printf ("%s", T (r, "Cet item n’est pas pertinent compte tenu "
                                                          "des réponses déjà données.",
                                                       "This item is not relevant given the "
                                                       "answers given so far."));
      cq_web_error (r, 409, msg);
      return NULL;
    }
  return it;
}

void
cq_web_item (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  CqWebCase c;
  if (!cq_web_case_lock (r, &c))
    return;
  CqWalker *w = walker_of (r, &c);
  const CqItem *it = w ? walk_to (r, w) : NULL;
  if (it != NULL && cq_web_audit_read (r, &c, "web: item"))
    item_page (r, &c, w, it, NULL, 0, 200, NULL);
  cq_web_case_clear (&c);
  g_mutex_unlock (&srv->lock);
}

static void
next_page (CqWebRequest *r, const CqWebCase *c, CqWalker *w, gboolean saved)
{
  const CqItem *next = cq_walker_current (w);
  g_autofree char *to = next ? g_strdup_printf ("/a/%s/item/%s%s", c->a->id, next->id,
                                                saved ? "?saved=1" : "")
                             : g_strdup_printf ("/a/%s?done=1", c->a->id);
  cq_web_redirect (r, to);
}

void
cq_web_item_post (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  CqWebCase c;
  if (!cq_web_case_lock (r, &c))
    return;
  g_autoptr (GError) error = NULL;
  CqWalker *w = walker_of (r, &c);
  const CqItem *it = w ? walk_to (r, w) : NULL;
  if (it == NULL)
    goto out;
  const char *action = cq_web_field (r, "action");
  if (g_strcmp0 (action, "back") == 0)
    {
      if (!cq_walker_back (w))
        cq_walker_go (w, it);
      next_page (r, &c, w, FALSE);
    }
  else if (g_strcmp0 (action, "skip") == 0)
    {
      const char *missing = nonblank (r, "missing");
      if (!cq_walker_skip (w, missing, &error))
        {
          FormAnswer f = { 0 };
          form_answer_read (r, it, &f);
          item_page (r, &c, w, it, &f.an, f.rows, 422, error->message);
          form_answer_clear (&f);
        }
      else
        next_page (r, &c, w, missing != NULL && it->answer.type == CQ_ANSWER_RATING);
    }
  else if (g_strcmp0 (action, "more") == 0)
    {
      FormAnswer f = { 0 };
      form_answer_read (r, it, &f);
      item_page (r, &c, w, it, &f.an, MIN (f.rows + 1, (guint) CQ_WEB_ROWS_MAX), 200, NULL);
      form_answer_clear (&f);
    }
  else
    {
      FormAnswer f = { 0 };
      form_answer_read (r, it, &f);
      const char *reason = nonblank (r, "reason");
      if (cq_walker_answer (w, &f.an, reason, &error))
        next_page (r, &c, w, TRUE);
      else
        {
          gboolean conflict = g_error_matches (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CONFLICT);
          gboolean store = error->domain == CQ_STORE_ERROR;
          item_page (r, &c, w, it, &f.an, f.rows, conflict ? 409 : store ? 503 : 422,
                     conflict ? T (r, "Cette réponse a changé entre-temps (dans une autre fenêtre ?) : "
                                     "rechargez l’item pour la revoir",
                                  "This answer changed meanwhile (in another window?): reload the "
                                  "item to review it")
                     : store ? T (r, "La base de données n’a pas pu enregistrer", "The database could not save it")
                     : error->message);
          if (conflict)
            forget_walker (r, &c);
        }
      form_answer_clear (&f);
    }
out:
  cq_web_case_clear (&c);
  g_mutex_unlock (&srv->lock);
}

/* The member's account ========================================================== */

static void
account_page (CqWebRequest *r, guint status, const char *problem, const char *notice)
{
  g_autoptr (GString) m = g_string_new (NULL);
  g_mutex_lock (&r->srv->lock);
  g_autofree char *role = cq_team_label (r->srv->store, "roles", r->me->role, r->lang);
  g_mutex_unlock (&r->srv->lock);
  cq_html_printf (m, "<dl class=\"facts\"><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd></dl>\n",
                  T (r, "Identifiant", "Member id"), r->me->id, T (r, "Nom", "Name"),
                  r->me->name ? r->me->name : "", T (r, "Rôle", "Role"), role);
  if (problem)
    cq_html_printf (m, "<p class=\"problem\" role=\"alert\">%s</p>\n", problem);
  if (notice)
    cq_html_printf (m, "<p class=\"notice\" role=\"status\">%s</p>\n", notice);
  cq_html_printf (m, "<form method=\"post\" action=\"/account\"><h2>%s</h2>\n",
                  T (r, "Changer de mot de passe", "Change your password"));
  cq_web_csrf_field (r, m);
  cq_html_printf (m, "<p class=\"field\"><label for=\"current\">%s</label><input id=\"current\" name=\"current\" "
                  "type=\"password\" autocomplete=\"current-password\" required></p>\n",
                  T (r, "Mot de passe actuel", "Current password"));
  cq_html_printf (m, "<p class=\"field\"><label for=\"new\">%s</label><span class=\"hint\" id=\"new-hint\">%s</span>"
                  "<input id=\"new\" name=\"new\" type=\"password\" autocomplete=\"new-password\" "
                  "required minlength=\"%d\" aria-describedby=\"new-hint\"></p>\n",
                  T (r, "Nouveau mot de passe", "New password"),
                  T (r, "Au moins 12 caractères ; quelques mots font un bon mot de passe.",
                     "At least 12 characters; a few words make a good password."),
                  CQ_ACCOUNT_PASSWORD_MIN);
  cq_html_printf (m, "<p><button type=\"submit\" class=\"primary\">%s</button></p></form>\n",
                  T (r, "Changer", "Change"));
  cq_web_page (r, status, T (r, "Mon compte", "My account"), NULL, m);
}

void
cq_web_account (CqWebRequest *r)
{
  account_page (r, 200, NULL, NULL);
}

void
cq_web_account_post (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  /* The current password is guessed no more freely than at sign-in: the
   * same counter, and a locked account is signed out everywhere. */
  guint minutes = cq_web_member_locked (srv, r->me->id);
  if (minutes > 0)
    {
      g_autofree char *msg = g_strdup_printf (T (r, "Trop d’essais manqués : changer de mot de passe "
                                                    "est bloqué pendant %u minute(s). Réessayez ensuite, "
                                                    "ou demandez à un administrateur.",
                                                 "Too many failed attempts: changing your password is "
                                                 "blocked for %u minute(s). Try again then, or ask an "
                                                 "administrator."), minutes);
      account_page (r, 429, msg, NULL);
      return;
    }
  g_mutex_lock (&srv->lock);
  g_autofree char *secret = cq_account_secret (srv->store, r->me->id, NULL);
  g_mutex_unlock (&srv->lock);
  if (cq_account_verify (secret, cq_web_field (r, "current")) != CQ_ACCOUNT_OK)
    {
      if (cq_web_member_failure (srv, r->me->id))
        {
          cq_web_sessions_drop_member (srv, r->me->id);
          g_mutex_lock (&srv->lock);
          cq_web_audit (srv, r->me->id, "login.locked");
          g_mutex_unlock (&srv->lock);
          cq_web_cookie (r, "cq_session", "", 0);
          cq_web_error (r, 429, T (r, "Trop d’essais manqués du mot de passe actuel : vous êtes "
                                      "déconnecté partout et la connexion est bloquée un moment. "
                                      "Réessayez plus tard, ou demandez à un administrateur.",
                                   "Too many wrong current passwords: you are signed out everywhere "
                                   "and signing in is blocked for a while. Try again later, or ask "
                                   "an administrator."));
          return;
        }
      account_page (r, 403, T (r, "Le mot de passe actuel est incorrect.", "The current password is wrong."), NULL);
      return;
    }
  cq_web_failures_forget (srv, r->me->id);
  /* The slow hash runs without the store's lock. */
  g_autoptr (GError) error = NULL;
  char *hash = cq_account_hash (cq_web_field (r, "new"), &error);
  gboolean ok = hash != NULL;
  if (ok)
    {
      g_mutex_lock (&srv->lock);
      ok = cq_account_set_secret (srv->store, r->me->id, r->me->id, hash, &error);
      g_mutex_unlock (&srv->lock);
      cq_account_secret_free (hash);
    }
  if (!ok)
    {
      account_page (r, error->domain == CQ_CASE_ERROR ? 422 : 503,
                    error->domain == CQ_CASE_ERROR ? error->message
                    : T (r, "La base de données n’a pas pu enregistrer le mot de passe : réessayez, "
                            "ou prévenez un administrateur.",
                         "The database could not save the password: try again, or tell an "
                         "administrator."), NULL);
      return;
    }
  /* Every other session of the member's ends; this browser gets a new one. */
  if (!cq_web_session_renew (r))
    {
      cq_web_error (r, 503, T (r, "Mot de passe changé, mais trop de sessions sont ouvertes pour "
                                  "vous garder connecté : reconnectez-vous plus tard.",
                               "Password changed, but too many sessions are open to keep you signed "
                               "in: sign in again later."));
      return;
    }
  account_page (r, 200, NULL, T (r, "Mot de passe changé ; vos autres sessions sont fermées.",
                                 "Password changed; your other sessions are closed."));
}
