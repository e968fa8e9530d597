/* SPDX-License-Identifier: EUPL-1.2 */
/* The team's pages: the consensus with the raters side by side, the
 * commission's decision, the synthesis export, and the administrator's
 * management of members and accounts. */
#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "cq-account.h"
#include "cq-pdf.h"
#include "cq-util.h"
#include "cq-web-private.h"

static void
crumbs (CqWebRequest *r, GString *out, const CqAssessment *a)
{
  cq_html_printf (out, "<a href=\"/\">%s</a> › <a href=\"/a/%s\">%s</a>",
                  T (r, "Mes évaluations", "My assessments"), a->id, a->id);
}

/* A string member of a JSON object payload (copied). */
static char *
json_get (const char *payload, const char *key)
{
  if (payload == NULL)
    return NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!json_parser_load_from_data (p, payload, -1, NULL))
    return NULL;
  JsonNode *root = json_parser_get_root (p);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  JsonObject *o = json_node_get_object (root);
  if (!json_object_has_member (o, key) || !JSON_NODE_HOLDS_VALUE (json_object_get_member (o, key)))
    return NULL;
  return g_strdup (json_object_get_string_member (o, key));
}

static const char *
level_label (const CqItem *it, const char *value, const char *lang)
{
  const CqLevel *l = value && it->answer.scale ? cq_scale_level (it->answer.scale, value) : NULL;
  return l ? cq_text_get (&l->label, lang) : value ? value : "—";
}

static gboolean
need (CqWebRequest *r, const char *capability, const char *fr, const char *en)
{
  if (cq_web_may (r, capability))
    return TRUE;
  cq_web_error (r, 403, T (r, fr, en));
  return FALSE;
}

/* Consensus ===================================================================== */

typedef struct {
  GPtrArray *ids;      /* raters (member ids) who rated something */
  GPtrArray *answers;  /* their CqAnswers */
} Raters;

static void
raters_load (CqWebRequest *r, const CqWebCase *c, Raters *rs)
{
  rs->ids = g_ptr_array_new_with_free_func (g_free);
  rs->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_answers_free);
  g_autoptr (GPtrArray) members = cq_team_members (r->srv->store, NULL);
  for (guint i = 0; members && i < members->len; i++)
    {
      CqMember *mm = members->pdata[i];
      CqAnswers *mine = cq_assessment_answers (r->srv->store, c->a, c->inst, mm->id, NULL, NULL);
      if (mine == NULL || cq_answers_count (mine) == 0)
        {
          cq_answers_free (mine);
          continue;
        }
      g_ptr_array_add (rs->ids, g_strdup (mm->id));
      g_ptr_array_add (rs->answers, mine);
    }
}

static void
raters_clear (Raters *rs)
{
  g_ptr_array_unref (rs->ids);
  g_ptr_array_unref (rs->answers);
}

static gboolean
differ (const Raters *rs, const CqItem *it)
{
  const char *first = NULL;
  for (guint k = 0; k < rs->answers->len; k++)
    {
      const CqAnswer *an = cq_answers_get (rs->answers->pdata[k], it);
      if (an == NULL || an->value == NULL)
        continue;
      if (first == NULL)
        first = an->value;
      else if (strcmp (first, an->value) != 0)
        return TRUE;
    }
  return FALSE;
}

static void
consensus_page (CqWebRequest *r, const CqWebCase *c, guint status, const char *problem_item,
                const char *problem)
{
  CqWebServer *srv = r->srv;
  const char *L = r->lang;
  gboolean only = MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND, "only") != NULL;
  Raters rs;
  raters_load (r, c, &rs);
  g_autoptr (GString) m = g_string_new (NULL);
  g_autoptr (GString) cr = g_string_new (NULL);
  crumbs (r, cr, c->a);
  if (problem != NULL)
    cq_html_printf (m, "<p class=\"problem\" role=\"alert\"><a href=\"#c-%s\">%s</a> — %s</p>\n",
                    problem_item, problem_item, problem);
  if (MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND, "saved"))
    cq_html_printf (m, "<p class=\"notice\" role=\"status\">%s</p>\n",
                    T (r, "Consensus enregistré ; les évaluateurs en désaccord restent nommés.",
                       "Consensus saved; raters who disagreed stay named."));
  cq_html_printf (m, "<p class=\"lead\">%s</p>\n",
                  T (r, "Chaque évaluateur a coté seul ; le consensus de l’équipe garde la trace "
                        "des avis divergents.",
                     "Each rater rated independently; the team's consensus keeps dissent visible."));
  cq_html_printf (m, "<p>%s <a href=\"/a/%s/consensus%s\">%s</a></p>\n",
                  only ? T (r, "Seuls les désaccords sont affichés.", "Only disagreements are shown.")
                       : T (r, "Tous les items cotés sont affichés.", "Every rated item is shown."),
                  c->a->id, only ? "" : "?only=disagreements",
                  only ? T (r, "Tout afficher", "Show all")
                       : T (r, "N’afficher que les désaccords", "Show disagreements only"));
  /* Side by side. */
  cq_html_printf (m, "<div class=\"scroll\"><table class=\"grid\">\n<caption>%s</caption>\n<thead><tr>"
                  "<th scope=\"col\">%s</th>", T (r, "Cotations des évaluateurs, côte à côte",
                                                 "The raters' ratings, side by side"),
                  T (r, "Item", "Item"));
  g_autoptr (GPtrArray) members = cq_team_members (srv->store, NULL);
  for (guint k = 0; k < rs.ids->len; k++)
    {
      const char *role = "";
      for (guint i = 0; members && i < members->len; i++)
        if (strcmp (((CqMember *) members->pdata[i])->id, rs.ids->pdata[k]) == 0)
          role = ((CqMember *) members->pdata[i])->role;
      g_autofree char *rl = cq_team_label (srv->store, "roles", role, L);
      cq_html_printf (m, "<th scope=\"col\">%s<br><span class=\"role\">%s</span></th>",
                      (char *) rs.ids->pdata[k], rl);
    }
  cq_html_printf (m, "<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n", T (r, "Consensus", "Consensus"));
  g_autoptr (GPtrArray) shown = g_ptr_array_new ();
  for (guint mi = 0; mi < c->proto->n_modules; mi++)
    for (guint d = 0; d < c->proto->modules[mi]->n_domains; d++)
      for (guint k = 0; k < c->proto->modules[mi]->domains[d]->n_items; k++)
        {
          const CqItem *it = c->proto->modules[mi]->domains[d]->items[k];
          if (it->answer.type != CQ_ANSWER_RATING || !cq_web_reads (c, it->compartment))
            continue;
          gboolean rated = FALSE;
          for (guint x = 0; x < rs.answers->len; x++)
            rated |= cq_answers_get (rs.answers->pdata[x], it) != NULL;
          gboolean dis = differ (&rs, it);
          if (!rated || (only && !dis))
            continue;
          g_ptr_array_add (shown, (gpointer) it);
          cq_html_printf (m, "<tr%s><th scope=\"row\"><a href=\"#c-%s\">%s</a> <span class=\"id\">%s</span>",
                          dis ? " class=differ" : "", it->id, cq_text_get (&it->label, L), it->id);
          if (dis)
            cq_html_printf (m, " <span class=\"tag\">%s</span>", T (r, "désaccord", "disagreement"));
          g_string_append (m, "</th>");
          for (guint x = 0; x < rs.answers->len; x++)
            {
              const CqAnswer *an = cq_answers_get (rs.answers->pdata[x], it);
              cq_html_printf (m, "<td>%s</td>", an ? level_label (it, an->value, L) : "·");
            }
          g_autofree char *payload = NULL;
          gint64 seq = 0;
          cq_store_current (srv->store, c->a->id, "consensus", it->id, NULL, &seq, &payload, NULL);
          g_autofree char *cv = json_get (payload, "value");
          cq_html_printf (m, "<td class=\"consensus\">%s</td></tr>\n", cv ? level_label (it, cv, L)
                                                                          : T (r, "à établir", "to do"));
        }
  g_string_append (m, "</tbody></table></div>\n");

  /* One form per item, with the raters' rationales. */
  for (guint i = 0; i < shown->len; i++)
    {
      const CqItem *it = shown->pdata[i];
      g_autofree char *payload = NULL;
      gint64 seq = 0;
      cq_store_current (srv->store, c->a->id, "consensus", it->id, NULL, &seq, &payload, NULL);
      g_autofree char *cv = json_get (payload, "value");
      g_autofree char *crat = json_get (payload, "rationale");
      cq_html_printf (m, "<section class=\"item-consensus\" id=\"c-%s\" aria-labelledby=\"h-%s\">"
                      "<h2 id=\"h-%s\">%s <span class=\"id\">%s</span></h2>\n",
                      it->id, it->id, it->id, cq_text_get (&it->label, L), it->id);
      g_string_append (m, "<div class=\"cards\">");
      for (guint x = 0; x < rs.answers->len; x++)
        {
          const CqAnswer *an = cq_answers_get (rs.answers->pdata[x], it);
          if (an == NULL)
            continue;
          cq_html_printf (m, "<div class=\"card\"><p class=\"who\">%s</p><p class=\"value\">%s</p>",
                          (char *) rs.ids->pdata[x], level_label (it, an->value, L));
          if (an->rationale)
            cq_html_printf (m, "<p>%s</p>", an->rationale);
          if (an->missing)
            cq_html_printf (m, "<p><em>%s</em> %s</p>", T (r, "Manque :", "Missing:"), an->missing);
          if (an->n_evidence)
            {
              guint sup = 0;
              for (guint e = 0; e < an->n_evidence; e++)
                sup += an->evidence[e].supports;
              cq_html_printf (m, "<p class=\"hint\">%s %u %s, %u %s</p>",
                              T (r, "Éléments de preuve :", "Evidence:"), sup, T (r, "pour", "for"),
                              an->n_evidence - sup, T (r, "contre", "against"));
            }
          g_string_append (m, "</div>");
        }
      g_string_append (m, "</div>\n");
      cq_html_printf (m, "<form method=\"post\" action=\"/a/%s/consensus/%s\">\n", c->a->id, it->id);
      cq_web_csrf_field (r, m);
      const CqScale *s = it->answer.scale;
      g_autofree char *legend = g_strdup_printf ("%s — %s", T (r, "Consensus", "Consensus"), it->id);
      cq_html_printf (m, "<fieldset class=\"scale inline\"><legend>%s</legend>\n", legend);
      for (guint l = 0; l < s->n_levels; l++)
        cq_html_printf (m, "<div class=\"choice\"><input type=\"radio\" id=\"%s-%s\" name=\"value\" "
                        "value=\"%s\"%s><label for=\"%s-%s\">%s</label></div>\n", it->id,
                        s->levels[l]->id, s->levels[l]->id,
                        g_strcmp0 (cv, s->levels[l]->id) == 0 ? " checked" : "", it->id,
                        s->levels[l]->id, cq_text_get (&s->levels[l]->label, L));
      g_string_append (m, "</fieldset>\n");
      cq_html_printf (m, "<p class=\"field\"><label for=\"%s-rationale\">%s</label><textarea id=\"%s-rationale\" "
                      "name=\"rationale\" rows=\"2\">%s</textarea></p>\n", it->id,
                      T (r, "Justification du consensus", "Rationale of the consensus"), it->id,
                      crat ? crat : "");
      cq_html_printf (m, "<p class=\"field\"><label for=\"%s-missing\">%s</label><textarea id=\"%s-missing\" "
                      "name=\"missing\" rows=\"1\"></textarea></p>\n", it->id,
                      T (r, "Ce qui manque (avec « information insuffisante »)",
                         "What is missing (with “insufficient information”)"), it->id);
      if (seq > 0)
        cq_html_printf (m, "<p class=\"field\"><label for=\"%s-reason\">%s</label><input id=\"%s-reason\" "
                        "name=\"reason\"></p>\n", it->id,
                        T (r, "Pourquoi le consensus est révisé", "Why the consensus is revised"), it->id);
      cq_html_printf (m, "<p><button type=\"submit\">%s</button></p></form></section>\n",
                      T (r, "Enregistrer le consensus", "Save the consensus"));
    }
  if (shown->len == 0)
    cq_html_printf (m, "<p>%s</p>\n", T (r, "Rien à afficher : aucun item coté ici.", "Nothing to show: no rated item here."));
  raters_clear (&rs);
  cq_web_page (r, status, T (r, "Consensus de l’équipe", "The team's consensus"), cr->str, m);
}

void
cq_web_consensus (CqWebRequest *r)
{
  CqWebCase c;
  g_mutex_lock (&r->srv->lock);
  if (need (r, "consensus", "Seul un rôle habilité peut établir le consensus.",
            "Only a role that may record the consensus can see this page.")
      && cq_web_case (r, &c))
    {
      if (cq_web_audit_read (r, &c, "web: consensus"))
        consensus_page (r, &c, 200, NULL, NULL);
      cq_web_case_clear (&c);
    }
  g_mutex_unlock (&r->srv->lock);
}

void
cq_web_consensus_post (CqWebRequest *r)
{
  CqWebCase c;
  g_mutex_lock (&r->srv->lock);
  if (!need (r, "consensus", "Seul un rôle habilité peut établir le consensus.",
             "Only a role that may record the consensus can.") || !cq_web_case (r, &c))
    {
      g_mutex_unlock (&r->srv->lock);
      return;
    }
  const CqItem *it = cq_instrument_item (c.inst, r->seg[3]);
  if (it == NULL || it->answer.type != CQ_ANSWER_RATING || !cq_web_reads (&c, it->compartment))
    cq_web_error (r, 404, T (r, "Cet item n’existe pas ici.", "There is no such item here."));
  else
    {
      CqAnswer an = cq_answer_init (it);
      const char *v = cq_web_field (r, "value"), *ra = cq_web_field (r, "rationale"),
                 *mi = cq_web_field (r, "missing"), *re = cq_web_field (r, "reason");
      an.value = cq_blank (v) ? NULL : v;
      an.rationale = cq_blank (ra) ? NULL : ra;
      an.missing = cq_blank (mi) ? NULL : mi;
      g_autoptr (GError) error = NULL;
      if (an.value == NULL)
        consensus_page (r, &c, 422, it->id, T (r, "choisissez un niveau", "choose a level"));
      else if (cq_consensus_save (r->srv->store, c.a, c.inst, r->me, &an, cq_blank (re) ? NULL : re,
                                  &error) < 0)
        consensus_page (r, &c, 422, it->id, error->message);
      else
        {
          g_autofree char *to = g_strdup_printf ("/a/%s/consensus?saved=1#c-%s", c.a->id, it->id);
          cq_web_redirect (r, to);
        }
    }
  cq_web_case_clear (&c);
  g_mutex_unlock (&r->srv->lock);
}

/* Decision ====================================================================== */

static void
radios (CqWebRequest *r, GString *m, const char *name, const char *legend, char **values,
        const char *what, const char *chosen)
{
  cq_html_printf (m, "<fieldset class=\"scale inline\"><legend>%s</legend>\n", legend);
  for (guint i = 0; values[i]; i++)
    {
      g_autofree char *label = what ? cq_team_label (r->srv->store, what, values[i], r->lang) : NULL;
      cq_html_printf (m, "<div class=\"choice\"><input type=\"radio\" id=\"%s-%s\" name=\"%s\" value=\"%s\"%s required>"
                      "<label for=\"%s-%s\">%s</label></div>\n", name, values[i], name, values[i],
                      g_strcmp0 (chosen, values[i]) == 0 ? " checked" : "", name, values[i],
                      label ? label : values[i]);
    }
  g_string_append (m, "</fieldset>\n");
}

static const char *
level_name (CqWebRequest *r, const char *level)
{
  return g_strcmp0 (level, "low") == 0 ? T (r, "faible", "low")
         : g_strcmp0 (level, "moderate") == 0 ? T (r, "modéré", "moderate")
         : g_strcmp0 (level, "high") == 0 ? T (r, "élevé", "high") : level;
}

static void
decision_page (CqWebRequest *r, const CqWebCase *c, guint status, const char *problem)
{
  CqWebServer *srv = r->srv;
  g_autoptr (GString) m = g_string_new (NULL);
  g_autoptr (GString) cr = g_string_new (NULL);
  crumbs (r, cr, c->a);
  g_autofree char *payload = NULL;
  gint64 seq = 0;
  cq_store_current (srv->store, c->a->id, "decision", NULL, NULL, &seq, &payload, NULL);
  if (MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND, "saved"))
    cq_html_printf (m, "<p class=\"notice\" role=\"status\">%s</p>\n",
                    T (r, "Décision enregistrée.", "Decision saved."));
  if (problem != NULL)
    cq_html_printf (m, "<p class=\"problem\" role=\"alert\">%s — %s</p>\n", problem,
                    T (r, "rien n’a été enregistré.", "nothing was saved."));
  cq_html_printf (m, "<p class=\"lead\">%s</p>\n",
                  T (r, "Aucun score ne décide : la commission forme sa décision à partir des items "
                        "cotés et de leurs preuves. La justification doit citer les identifiants "
                        "des items sur lesquels elle repose.",
                     "No score decides: the commission forms its decision from the rated items "
                     "and their evidence. The rationale must cite the ids of the items it rests on."));
  static const char *const keys[] = { "priority", "seriousness", "imminence", "placement", "support",
                                      "rationale", "limitations", "valid_until", "next_review" };
  char *cur[G_N_ELEMENTS (keys)];
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *posted = cq_web_field (r, keys[i]);
      cur[i] = posted ? g_strdup (posted) : json_get (payload, keys[i]);
    }
  if (seq > 0)
    cq_html_printf (m, "<p class=\"notice\">%s</p>\n",
                    T (r, "Une décision est déjà enregistrée ; l’enregistrer à nouveau la remplace "
                          "(l’ancienne est conservée).",
                       "A decision is already recorded; saving again replaces it (the earlier one "
                       "is kept)."));
  cq_html_printf (m, "<form method=\"post\" action=\"/a/%s/decision\" class=\"decision\">\n", c->a->id);
  cq_web_csrf_field (r, m);
  g_auto (GStrv) levels = cq_team_list (srv->store, "levels");
  g_auto (GStrv) placements = cq_team_list (srv->store, "placements");
  const char *dim_fr[] = { "Priorité du dossier", "Gravité", "Imminence" };
  const char *dim_en[] = { "Case priority", "Seriousness", "Imminence" };
  for (guint d = 0; d < 3; d++)
    {
      cq_html_printf (m, "<fieldset class=\"scale inline\"><legend>%s</legend>\n", T (r, dim_fr[d], dim_en[d]));
      for (guint i = 0; levels[i]; i++)
        cq_html_printf (m, "<div class=\"choice\"><input type=\"radio\" id=\"%s-%s\" name=\"%s\" value=\"%s\"%s required>"
                        "<label for=\"%s-%s\">%s</label></div>\n", keys[d], levels[i], keys[d], levels[i],
                        g_strcmp0 (cur[d], levels[i]) == 0 ? " checked" : "", keys[d], levels[i],
                        level_name (r, levels[i]));
      g_string_append (m, "</fieldset>\n");
    }
  radios (r, m, "placement", T (r, "Placement", "Placement"), placements, "placements", cur[3]);
  const char *fr[] = { "Accompagnement et suivi recommandés", "Justification (citez les items)",
                       "Limites et informations manquantes" };
  const char *en[] = { "Support and follow-up recommended", "Rationale (cite the items)",
                       "Limitations and missing information" };
  for (guint i = 4; i < 7; i++)
    cq_html_printf (m, "<p class=\"field\"><label for=\"%s\">%s</label><textarea id=\"%s\" name=\"%s\" rows=\"3\"%s>%s</textarea></p>\n",
                    keys[i], T (r, fr[i - 4], en[i - 4]), keys[i], keys[i], i == 5 ? " required" : "",
                    cur[i] ? cur[i] : "");
  cq_html_printf (m, "<div class=\"row\"><p class=\"field\"><label for=\"valid_until\">%s</label>"
                  "<span class=\"hint\" id=\"vu-hint\">%s</span>"
                  "<input id=\"valid_until\" name=\"valid_until\" value=\"%s\" required aria-describedby=\"vu-hint\"></p>\n",
                  T (r, "Valable jusqu’au", "Valid until"), T (r, "AAAA-MM-JJ", "YYYY-MM-DD"), cur[7] ? cur[7] : "");
  cq_html_printf (m, "<p class=\"field\"><label for=\"next_review\">%s</label>"
                  "<span class=\"hint\" id=\"nr-hint\">%s</span>"
                  "<input id=\"next_review\" name=\"next_review\" value=\"%s\" required aria-describedby=\"nr-hint\"></p></div>\n",
                  T (r, "Prochain réexamen", "Next review"), T (r, "AAAA-MM-JJ", "YYYY-MM-DD"), cur[8] ? cur[8] : "");
  if (seq > 0)
    cq_html_printf (m, "<p class=\"field\"><label for=\"reason\">%s</label><input id=\"reason\" name=\"reason\"></p>\n",
                    T (r, "Pourquoi la décision est remplacée", "Why the decision is replaced"));
  cq_html_printf (m, "<p><button type=\"submit\" class=\"primary\">%s</button></p>\n</form>\n",
                  T (r, "Enregistrer la décision", "Record the decision"));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_free (cur[i]);
  cq_web_page (r, status, T (r, "Décision de la commission", "The commission's decision"), cr->str, m);
}

void
cq_web_decision (CqWebRequest *r)
{
  CqWebCase c;
  g_mutex_lock (&r->srv->lock);
  if (need (r, "decide", "Seul le président de la commission enregistre la décision.",
            "Only the commission chair records the decision.") && cq_web_case (r, &c))
    {
      if (cq_web_audit_read (r, &c, "web: decision"))
        decision_page (r, &c, 200, NULL);
      cq_web_case_clear (&c);
    }
  g_mutex_unlock (&r->srv->lock);
}

void
cq_web_decision_post (CqWebRequest *r)
{
  CqWebCase c;
  g_mutex_lock (&r->srv->lock);
  if (need (r, "decide", "Seul le président de la commission enregistre la décision.",
            "Only the commission chair records the decision.") && cq_web_case (r, &c))
    {
#define F(n) (cq_blank (cq_web_field (r, n)) ? NULL : cq_web_field (r, n))
      CqDecision d = { F ("priority"), F ("seriousness"), F ("imminence"), F ("placement"),
                       F ("support"), F ("rationale"), F ("limitations"), F ("valid_until"),
                       F ("next_review") };
      g_autoptr (GError) error = NULL;
      if (cq_decision_record (r->srv->store, c.a, c.inst, r->me, &d, F ("reason"), &error) < 0)
        decision_page (r, &c, 422, error->message);
#undef F
      else
        {
          g_autofree char *to = g_strdup_printf ("/a/%s/decision?saved=1", c.a->id);
          cq_web_redirect (r, to);
        }
      cq_web_case_clear (&c);
    }
  g_mutex_unlock (&r->srv->lock);
}

/* Export ======================================================================== */

static const char *
profile_label (CqWebRequest *r, CqExportProfile p)
{
  switch (p)
    {
    case CQ_PROFILE_COMMISSION: return T (r, "Commission (synthèse complète)", "Commission (full synthesis)");
    case CQ_PROFILE_PARTNER: return T (r, "Partenaire (besoin d’en connaître)", "Partner (need to know)");
    case CQ_PROFILE_SUBJECT_ACCESS: return T (r, "Droit d’accès de la personne", "The person's right of access");
    default: return "?";
    }
}

void
cq_web_export (CqWebRequest *r)
{
  CqWebCase c;
  if (!cq_web_case_lock (r, &c))
    return;
  guint allowed = cq_web_profiles (&c);
  if (allowed == 0)
    {
      cq_web_error (r, 403, T (r, "Votre rôle ne peut exporter aucun profil de cette synthèse.",
                               "Your role may export no profile of this synthesis."));
      cq_web_case_clear (&c);
      g_mutex_unlock (&r->srv->lock);
      return;
    }
  if (!cq_web_audit_read (r, &c, "web: export form"))
    {
      cq_web_case_clear (&c);
      g_mutex_unlock (&r->srv->lock);
      return;
    }
  g_autoptr (GString) m = g_string_new (NULL);
  g_autoptr (GString) cr = g_string_new (NULL);
  crumbs (r, cr, c.a);
  cq_html_printf (m, "<p class=\"lead\">%s</p>\n",
                  T (r, "La synthèse est composée en PDF avec un champ de signature vide par "
                        "signataire requis. Seuls les compartiments du profil y figurent. L’export "
                        "est inscrit au journal d’audit.",
                     "The synthesis is typeset as a PDF with an empty signature field for each "
                     "required signer. Only the profile's compartments appear in it. The export is "
                     "written to the audit chain."));
  cq_html_printf (m, "<form method=\"post\" action=\"/a/%s/export\">\n", c.a->id);
  cq_web_csrf_field (r, m);
  cq_html_printf (m, "<fieldset class=\"scale\"><legend>%s</legend>\n", T (r, "Profil", "Profile"));
  gboolean first = TRUE;
  for (guint p = 1; p <= CQ_PROFILE_SUBJECT_ACCESS; p <<= 1)
    if (allowed & p)
      {
        cq_html_printf (m, "<div class=\"choice\"><input type=\"radio\" id=\"profile-%s\" name=\"profile\" "
                        "value=\"%s\"%s><label for=\"profile-%s\">%s</label></div>\n",
                        cq_profile_name (p), cq_profile_name (p), first ? " checked" : "",
                        cq_profile_name (p), profile_label (r, p));
        first = FALSE;
      }
  g_string_append (m, "</fieldset>\n");
  cq_html_printf (m, "<fieldset class=\"scale inline\"><legend>%s</legend>\n"
                  "<div class=\"choice\"><input type=\"radio\" id=\"lang-fr\" name=\"lang\" value=\"fr\"%s>"
                  "<label for=\"lang-fr\">Français</label></div>\n"
                  "<div class=\"choice\"><input type=\"radio\" id=\"lang-en\" name=\"lang\" value=\"en\"%s>"
                  "<label for=\"lang-en\">English</label></div></fieldset>\n",
                  T (r, "Langue", "Language"), strcmp (r->lang, "fr") == 0 ? " checked" : "",
                  strcmp (r->lang, "en") == 0 ? " checked" : "");
  cq_html_printf (m, "<p><button type=\"submit\" class=\"primary\">%s</button></p>\n</form>\n",
                  T (r, "Exporter et télécharger le PDF", "Export and download the PDF"));
  cq_web_case_clear (&c);
  g_mutex_unlock (&r->srv->lock);
  cq_web_page (r, 200, T (r, "Exporter la synthèse", "Export the synthesis"), cr->str, m);
}

void
cq_web_export_post (CqWebRequest *r)
{
  CqWebCase c;
  if (!cq_web_case_lock (r, &c))
    return;
  guint allowed = cq_web_profiles (&c);
  g_autofree char *id = g_strdup (c.a->id);
  cq_web_case_clear (&c);
  g_mutex_unlock (&r->srv->lock);
  const char *pn = cq_web_field (r, "profile"), *lang = cq_web_field (r, "lang");
  CqExportProfile p = g_strcmp0 (pn, "commission") == 0 ? CQ_PROFILE_COMMISSION
                      : g_strcmp0 (pn, "partner") == 0 ? CQ_PROFILE_PARTNER
                      : g_strcmp0 (pn, "subject-access") == 0 ? CQ_PROFILE_SUBJECT_ACCESS : 0;
  if (p == 0 || !(allowed & p))
    {
      cq_web_error (r, 403, T (r, "Votre rôle ne peut pas exporter ce profil.",
                               "Your role may not export this profile."));
      return;
    }
  if (g_strcmp0 (lang, "fr") != 0 && g_strcmp0 (lang, "en") != 0)
    lang = r->lang;
  /* The export runs on a connection of its own, beside the others. */
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("colloquy-web-XXXXXX", &error);
  g_autofree char *path = dir ? g_build_filename (dir, "synthesis.pdf", NULL) : NULL;
  g_autoptr (CqStore) s = dir ? cq_store_open (r->srv->db_path, FALSE, &error) : NULL;
  gboolean ok = s != NULL && cq_pdf_export (s, id, p, lang, path, r->me->id, &error);
  char *data = NULL;
  gsize len = 0;
  if (ok)
    ok = g_file_get_contents (path, &data, &len, &error);
  if (path)
    g_unlink (path);
  if (dir)
    g_rmdir (dir);
  if (!ok)
    {
      cq_web_error (r, 500, T (r, "La synthèse n’a pas pu être composée ; réessayez, ou voyez un "
                                  "administrateur.",
                               "The synthesis could not be typeset; try again, or see an "
                               "administrator."));
      return;
    }
  r->status = 200;
  r->raw = g_bytes_new_take (data, len);
  r->content_type = "application/pdf";
  g_autofree char *disp = g_strdup_printf ("attachment; filename=\"%s-%s.pdf\"", id, cq_profile_name (p));
  cq_web_header (r, "Content-Disposition", disp);
}

/* Administration ================================================================ */

static void
admin_page (CqWebRequest *r, guint status, const char *problem, const char *notice)
{
  CqWebServer *srv = r->srv;
  g_autoptr (GString) m = g_string_new (NULL);
  if (problem)
    cq_html_printf (m, "<p class=\"problem\" role=\"alert\">%s</p>\n", problem);
  if (notice)
    cq_html_printf (m, "<p class=\"notice\" role=\"status\">%s</p>\n", notice);
  g_mutex_lock (&srv->lock);
  g_autoptr (GPtrArray) members = cq_team_members (srv->store, NULL);
  g_auto (GStrv) roles = cq_team_list (srv->store, "roles");
  cq_html_printf (m, "<table class=\"list\"><caption>%s</caption><thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>\n",
                  T (r, "L’équipe", "The team"), T (r, "Identifiant", "Member id"), T (r, "Nom", "Name"),
                  T (r, "Rôle", "Role"), T (r, "Compte", "Account"),
                  T (r, "Nouveau mot de passe", "New password"), T (r, "Accès", "Access"));
  for (guint i = 0; members && i < members->len; i++)
    {
      CqMember *mm = members->pdata[i];
      g_autofree char *secret = cq_account_secret (srv->store, mm->id, NULL);
      g_autofree char *rl = cq_team_label (srv->store, "roles", mm->role, r->lang);
      cq_html_printf (m, "<tr><th scope=\"row\">%s</th><td>%s</td><td>%s</td><td>%s</td><td>",
                      mm->id, mm->name ? mm->name : "", rl,
                      mm->disabled ? T (r, "désactivé", "disabled")
                      : secret ? T (r, "actif", "active") : T (r, "sans mot de passe", "no password"));
      cq_html_printf (m, "<form method=\"post\" action=\"/admin/members/%s/password\" class=\"inline\">", mm->id);
      cq_web_csrf_field (r, m);
      cq_html_printf (m, "<label class=\"vh\" for=\"pw-%s\">%s %s</label><input id=\"pw-%s\" name=\"password\" "
                      "type=\"password\" autocomplete=\"new-password\" minlength=\"%d\" required>"
                      "<button type=\"submit\">%s</button></form></td><td>",
                      mm->id, T (r, "Nouveau mot de passe de", "New password for"), mm->id, mm->id,
                      CQ_ACCOUNT_PASSWORD_MIN, T (r, "Définir", "Set"));
      if (strcmp (mm->id, r->me->id) != 0)
        {
          cq_html_printf (m, "<form method=\"post\" action=\"/admin/members/%s/status\" class=\"inline\">", mm->id);
          cq_web_csrf_field (r, m);
          cq_html_printf (m, "<input type=\"hidden\" name=\"status\" value=\"%s\"><button type=\"submit\">%s %s</button></form>",
                          mm->disabled ? "enabled" : "disabled",
                          mm->disabled ? T (r, "Réactiver", "Enable") : T (r, "Désactiver", "Disable"),
                          mm->id);
        }
      g_string_append (m, "</td></tr>\n");
    }
  g_string_append (m, "</tbody></table>\n");
  cq_html_printf (m, "<form method=\"post\" action=\"/admin/members\" class=\"add\"><h2>%s</h2>\n",
                  T (r, "Ajouter un membre", "Add a member"));
  cq_web_csrf_field (r, m);
  cq_html_printf (m, "<div class=\"row\"><p class=\"field\"><label for=\"id\">%s</label><input id=\"id\" name=\"id\" required maxlength=\"64\" "
                  "pattern=\"[A-Za-z0-9._\\-]+\"></p>\n<p class=\"field\"><label for=\"name\">%s</label><input id=\"name\" name=\"name\" maxlength=\"200\"></p>\n",
                  T (r, "Identifiant (lettres, chiffres, - _ .)", "Member id (letters, digits, - _ .)"),
                  T (r, "Nom", "Name"));
  cq_html_printf (m, "<p class=\"field\"><label for=\"role\">%s</label><select id=\"role\" name=\"role\">", T (r, "Rôle", "Role"));
  for (guint i = 0; roles[i]; i++)
    {
      g_autofree char *rl = cq_team_label (srv->store, "roles", roles[i], r->lang);
      cq_html_printf (m, "<option value=\"%s\">%s</option>", roles[i], rl);
    }
  g_mutex_unlock (&srv->lock);
  cq_html_printf (m, "</select></p>\n<p class=\"field\"><label for=\"password\">%s</label><input id=\"password\" name=\"password\" "
                  "type=\"password\" autocomplete=\"new-password\" minlength=\"%d\"></p></div>\n",
                  T (r, "Mot de passe initial", "First password"), CQ_ACCOUNT_PASSWORD_MIN);
  cq_html_printf (m, "<p><button type=\"submit\" class=\"primary\">%s</button></p></form>\n",
                  T (r, "Ajouter", "Add"));
  cq_web_page (r, status, T (r, "Équipe et comptes", "Team and accounts"), NULL, m);
}

void
cq_web_admin (CqWebRequest *r)
{
  admin_page (r, 200, NULL, NULL);
}

/* The hash of a password from the form, made without the store's lock; NULL
 * and an error page when it is not acceptable. */
static char *
admin_hash (CqWebRequest *r, const char *pw)
{
  g_autoptr (GError) error = NULL;
  char *hash = cq_account_hash (pw, &error);
  if (hash == NULL)
    admin_page (r, 422, error->message, NULL);
  return hash;
}

void
cq_web_admin_add (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  const char *id = cq_web_field (r, "id"), *name = cq_web_field (r, "name"),
             *role = cq_web_field (r, "role"), *pw = cq_web_field (r, "password");
  if (id == NULL || role == NULL)
    {
      admin_page (r, 400, T (r, "Donnez l’identifiant et le rôle du membre à ajouter.",
                             "Give the id and the role of the member to add."), NULL);
      return;
    }
  /* The password is checked before the member is added: a refused one
   * adds nobody. */
  char *hash = NULL;
  if (!cq_blank (pw) && (hash = admin_hash (r, pw)) == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_mutex_lock (&srv->lock);
  gboolean ok = cq_team_add (srv->store, r->me->id, id, cq_blank (name) ? NULL : name, role, &error)
                && (hash == NULL || cq_account_set_secret (srv->store, r->me->id, id, hash, &error));
  g_mutex_unlock (&srv->lock);
  cq_account_secret_free (hash);
  if (!ok)
    admin_page (r, 422, error->message, NULL);
  else
    admin_page (r, 200, NULL, T (r, "Membre ajouté.", "Member added."));
}

void
cq_web_admin_password (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  const char *member = r->seg[2];
  char *hash = admin_hash (r, cq_web_field (r, "password"));
  if (hash == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_mutex_lock (&srv->lock);
  gboolean ok = cq_account_set_secret (srv->store, r->me->id, member, hash, &error);
  g_mutex_unlock (&srv->lock);
  cq_account_secret_free (hash);
  if (!ok)
    {
      admin_page (r, g_error_matches (error, CQ_CASE_ERROR, CQ_CASE_ERROR_UNKNOWN) ? 404 : 422,
                  error->message, NULL);
      return;
    }
  /* Whoever had the old password is out, and a lockout is lifted. */
  cq_web_failures_forget (srv, member);
  if (strcmp (member, r->me->id) == 0)
    {
      if (!cq_web_session_renew (r))
        {
          cq_web_error (r, 503, T (r, "Mot de passe défini, mais trop de sessions sont ouvertes pour "
                                      "vous garder connecté : reconnectez-vous plus tard.",
                                   "Password set, but too many sessions are open to keep you signed "
                                   "in: sign in again later."));
          return;
        }
    }
  else
    cq_web_sessions_drop_member (srv, member);
  admin_page (r, 200, NULL, T (r, "Mot de passe défini ; les sessions ouvertes de ce membre sont "
                                  "fermées et un blocage éventuel est levé.",
                               "Password set; the member's open sessions are closed and any "
                               "lockout is lifted."));
}

void
cq_web_admin_status (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  const char *st = cq_web_field (r, "status");
  if (g_strcmp0 (st, "enabled") != 0 && g_strcmp0 (st, "disabled") != 0)
    {
      admin_page (r, 400, T (r, "Le statut d’un compte est « enabled » ou « disabled ».",
                             "An account's status is 'enabled' or 'disabled'."), NULL);
      return;
    }
  if (strcmp (r->seg[2], r->me->id) == 0)
    {
      admin_page (r, 422, T (r, "Vous ne pouvez pas désactiver votre propre compte.",
                             "You cannot disable your own account."), NULL);
      return;
    }
  gboolean off = strcmp (st, "disabled") == 0;
  g_autoptr (GError) error = NULL;
  g_mutex_lock (&srv->lock);
  gboolean ok = cq_team_set_disabled (srv->store, r->me->id, r->seg[2], off, &error);
  g_mutex_unlock (&srv->lock);
  if (ok && off)
    cq_web_sessions_drop_member (srv, r->seg[2]);
  else if (ok)
    cq_web_failures_forget (srv, r->seg[2]);
  if (!ok)
    admin_page (r, 404, error->message, NULL);
  else
    admin_page (r, 200, NULL, off ? T (r, "Compte désactivé.", "Account disabled.")
                                  : T (r, "Compte réactivé ; un blocage éventuel est levé.",
                                       "Account enabled; any lockout is lifted."));
}
