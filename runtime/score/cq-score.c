/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-score.h"

#include <lauxlib.h>
#include <string.h>

#include "cq-sandbox.h"
#include "cq-util.h"

#define MAX_ENTRIES 10000

/* Words a result may never carry: only people record these (DESIGN.md,
 * principle 1). */
static const char *const judgment_words[] = {
  "judgment", "judgement", "risk", "risk_level", "risklevel", "level", "placement", "decision",
  "priority", "verdict", "score", "recommendation", "outcome", NULL,
};

typedef struct {
  const CqInstrument *I;
  const CqAnswers *answers;
  CqEval *eval;
  const char *lang;
} ScriptCtx;

static void
indicator_free (gpointer p)
{
  CqIndicator *i = p;
  g_free (i->id);
  g_free (i->label);
  g_free (i->note);
  g_ptr_array_unref (i->items);
  g_free (i);
}

static void
finding_free (gpointer p)
{
  CqFinding *f = p;
  g_free (f->kind);
  g_free (f->item);
  g_free (f->message);
  g_free (f);
}

void
cq_score_result_free (CqScoreResult *r)
{
  if (r == NULL)
    return;
  g_ptr_array_unref (r->indicators);
  g_ptr_array_unref (r->findings);
  g_ptr_array_unref (r->violations);
  g_ptr_array_unref (r->problems);
  g_free (r);
}

/* Standard findings ======================================================== */

static const char *
pick (const char *lang, const char *en, const char *fr) G_GNUC_FORMAT (2) G_GNUC_FORMAT (3);

static const char *
pick (const char *lang, const char *en, const char *fr)
{
  return g_strcmp0 (lang, "fr") == 0 ? fr : en;
}

static void
add_finding (GPtrArray *out, const char *kind, const char *item, char *message)
{
  CqFinding *f = g_new0 (CqFinding, 1);
  f->kind = g_strdup (kind);
  f->item = g_strdup (item);
  f->message = message;
  g_ptr_array_add (out, f);
}

static gboolean
cites_item (const CqInstrument *I, const char *text)
{
  g_autoptr (GPtrArray) cited = cq_instrument_cited (I, text);
  return cited->len > 0;
}

/* Completeness and consistency, the same for every instrument. */
static GPtrArray *
standard_findings (const CqInstrument *I, const CqAnswers *answers, CqEval *eval, const char *L)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (finding_free);
  for (guint i = 0; i < I->n_items; i++)
    {
      const CqItem *it = I->items[i];
      if (!cq_eval_relevant (eval, it))
        continue;
      const CqAnswer *a = cq_answers_get (answers, it);
      gboolean rating = it->answer.type == CQ_ANSWER_RATING;
      if (a == NULL)
        {
          add_finding (out, rating ? "unrated" : "unanswered", it->id,
                       g_strdup (rating ? pick (L, "not rated", "non coté")
                                        : pick (L, "not answered", "sans réponse")));
          continue;
        }
      if (it->answer.type == CQ_ANSWER_RECORDS && a->n_records < it->answer.records_min)
        add_finding (out, "too-few-records", it->id,
                     g_strdup_printf (pick (L, "%u records; at least %u expected",
                                            "%u enregistrements ; au moins %u attendus"),
                                      a->n_records, it->answer.records_min));
      if (!rating)
        continue;
      const CqLevel *lvl = cq_scale_level (it->answer.scale, a->value);
      if (lvl != NULL && lvl->insufficient)
        {
          add_finding (out, "missing-information", it->id,
                       g_strdup_printf ("%s: %s", pick (L, "insufficient information",
                                                        "information insuffisante"), a->missing));
          continue;
        }
      if (cq_blank (a->rationale))
        add_finding (out, "no-rationale", it->id,
                     g_strdup (pick (L, "rated without a rationale", "cotation sans justification")));
      if (a->n_evidence < it->evidence_min)
        add_finding (out, "no-evidence", it->id,
                     g_strdup_printf (pick (L, "%u evidence entries; the item needs %u",
                                            "%u éléments de preuve ; l’item en demande %u"),
                                      a->n_evidence, it->evidence_min));
      guint sources = cq_answer_independent_sources (a);
      if (a->n_evidence >= it->evidence_min && sources < it->evidence_min_sources)
        add_finding (out, "too-few-sources", it->id,
                     g_strdup_printf (pick (L, "evidence from %u independent sources; the item needs %u",
                                            "preuves de %u sources indépendantes ; l’item en demande %u"),
                                      sources, it->evidence_min_sources));
      gboolean concern = lvl != NULL && lvl->index > 0;
      if (concern && cq_item_has_tag (it, CQ_TAG_CONCEALMENT))
        {
          gboolean fact = FALSE, open = FALSE;
          for (guint e = 0; e < a->n_evidence; e++)
            {
              fact |= a->evidence[e].fact && a->evidence[e].supports;
              open |= a->evidence[e].supports && a->evidence[e].source != CQ_SOURCE_INTELLIGENCE;
            }
          if (sources < 2)
            add_finding (out, "concealment-sources", it->id,
                         g_strdup_printf (pick (L, "a concealment concern rests on %u independent "
                                                "source(s); it needs at least two",
                                                "un constat de dissimulation repose sur %u source(s) "
                                                "indépendante(s) ; il en faut au moins deux"), sources));
          if (!fact)
            add_finding (out, "concealment-undocumented", it->id,
                         g_strdup (pick (L, "a concealment concern without a documented fact "
                                            "(a concrete discrepancy)",
                                         "un constat de dissimulation sans fait documenté "
                                         "(un écart concret)")));
          /* What rests on restricted intelligence alone cannot be put to
           * the person, who therefore cannot answer it. */
          if (a->n_evidence > 0 && !open)
            add_finding (out, "concealment-restricted-only", it->id,
                         g_strdup (pick (L, "a concealment concern supported only by restricted "
                                            "intelligence: the person cannot answer it; look for "
                                            "an open source",
                                         "un constat de dissimulation étayé uniquement par du "
                                         "renseignement restreint : la personne ne peut pas y "
                                         "répondre ; chercher une source ouverte")));
        }
      if (concern && a->n_evidence > 0)
        {
          gboolean any_support = FALSE;
          for (guint e = 0; e < a->n_evidence; e++)
            any_support |= a->evidence[e].supports;
          if (!any_support)
            add_finding (out, "contradicted-by-evidence", it->id,
                         g_strdup_printf (pick (L, "rated '%s' but every evidence entry contradicts it",
                                                "coté « %s » mais chaque preuve le contredit"),
                                          a->value));
        }
    }
  /* Risk and protection are weighed together: a domain whose risk items are
   * rated while none of its protective counterparts (in the domain or in the
   * domains it names) has been considered. */
  for (guint d = 0; d < I->n_domains; d++)
    {
      const CqDomain *dom = I->domains[d];
      const CqItem *first_risk = NULL;
      for (guint i = 0; i < dom->n_items && first_risk == NULL; i++)
        {
          const CqAnswer *a = dom->items[i]->kind == CQ_KIND_RISK ? cq_eval_answer (eval, dom->items[i]) : NULL;
          const CqLevel *l = a && a->value ? cq_scale_level (dom->items[i]->answer.scale, a->value) : NULL;
          if (dom->items[i]->answer.type == CQ_ANSWER_RATING && l != NULL && !l->insufficient)
            first_risk = dom->items[i];
        }
      if (first_risk == NULL)
        continue;
      gboolean considered = FALSE, any = FALSE;
      g_autoptr (GString) names = g_string_new (NULL);
      for (guint c = 0; c <= dom->n_counterparts && !considered; c++)
        {
          const CqDomain *pd = c == 0 ? dom : dom->counterparts[c - 1];
          gboolean named = FALSE;
          for (guint i = 0; i < pd->n_items; i++)
            if (pd->items[i]->kind == CQ_KIND_PROTECTIVE)
              {
                any = TRUE;
                considered |= cq_eval_answer (eval, pd->items[i]) != NULL;
                if (!named)
                  g_string_append_printf (names, "%s%s", names->len ? ", " : "",
                                          cq_text_get (&pd->title, L));
                named = TRUE;
              }
        }
      if (any && !considered)
        add_finding (out, "risk-without-protective", first_risk->id,
                     g_strdup_printf (pick (L, "risk rated in “%s” with no protective factor "
                                            "considered (%s): weigh risk and protection together",
                                            "risque coté dans « %s » sans aucun facteur de "
                                            "protection examiné (%s) : peser risque et protection "
                                            "ensemble"),
                                      cq_text_get (&dom->title, L), names->str));
    }

  const char *form = cq_answers_formulation (answers);
  if (form != NULL && !cq_blank (form) && !cites_item (I, form))
    add_finding (out, "formulation-cites-no-item", NULL,
                 g_strdup (pick (L, "the formulation cites no item", "la formulation ne cite aucun item")));
  return out;
}

/* Script API =============================================================== */

static const CqItem *
script_item (lua_State *L, ScriptCtx *c)
{
  const char *id = luaL_checkstring (L, 1);
  const CqItem *it = cq_instrument_item (c->I, id);
  if (it == NULL)
    luaL_error (L, "instrument '%s' has no item '%s'", c->I->id, id);
  return it;
}

static void
set_string (lua_State *L, const char *key, const char *value)
{
  if (value == NULL)
    return;
  lua_pushstring (L, value);
  lua_setfield (L, -2, key);
}

static int
l_relevant (lua_State *L)
{
  ScriptCtx *c = cq_sandbox_data (L);
  lua_pushboolean (L, cq_eval_relevant (c->eval, script_item (L, c)));
  return 1;
}

static int
l_has_tag (lua_State *L)
{
  ScriptCtx *c = cq_sandbox_data (L);
  const CqItem *it = script_item (L, c);
  lua_pushboolean (L, cq_item_has_tag (it, luaL_checkstring (L, 2)));
  return 1;
}

static int
l_rating (lua_State *L)
{
  ScriptCtx *c = cq_sandbox_data (L);
  const CqAnswer *a = cq_eval_answer (c->eval, script_item (L, c));
  if (a == NULL)
    {
      lua_pushnil (L);
      return 1;
    }
  lua_newtable (L);
  set_string (L, "value", a->value ? a->value : a->text);
  set_string (L, "relevance", a->relevance);
  set_string (L, "rationale", a->rationale);
  set_string (L, "missing", a->missing);
  set_string (L, "rater", a->rater);
  lua_pushinteger (L, cq_answer_independent_sources (a));
  lua_setfield (L, -2, "sources");
  lua_createtable (L, (int) a->n_evidence, 0);
  for (guint i = 0; i < a->n_evidence; i++)
    {
      const CqEvidence *e = &a->evidence[i];
      lua_newtable (L);
      set_string (L, "direction", e->supports ? "supports" : "contradicts");
      set_string (L, "kind", e->fact ? "fact" : "assessment");
      set_string (L, "source", cq_source_name (e->source));
      set_string (L, "origin", e->origin);
      set_string (L, "date", e->date);
      set_string (L, "reliability", e->reliability);
      set_string (L, "statement", e->statement);
      lua_rawseti (L, -2, i + 1);
    }
  lua_setfield (L, -2, "evidence");
  return 1;
}

static const char *const type_names[] = { "rating", "choice", "free-text", "number", "date", "records" };

static int
l_items (lua_State *L)
{
  ScriptCtx *c = cq_sandbox_data (L);
  const CqInstrument *I = c->I;
  lua_createtable (L, (int) I->n_items, 0);
  for (guint i = 0; i < I->n_items; i++)
    {
      const CqItem *it = I->items[i];
      lua_createtable (L, 0, 12);
      set_string (L, "id", it->id);
      set_string (L, "kind", cq_item_kind_name (it->kind));
      set_string (L, "type", type_names[it->answer.type]);
      set_string (L, "domain", it->domain->id);
      set_string (L, "module", it->domain->module->id);
      set_string (L, "compartment", it->compartment ? it->compartment->id : NULL);
      set_string (L, "timeframe", cq_timeframe_name (it->timeframe));
      lua_pushboolean (L, it->dynamic);
      lua_setfield (L, -2, "dynamic");
      lua_pushboolean (L, cq_eval_relevant (c->eval, it));
      lua_setfield (L, -2, "relevant");
      lua_pushboolean (L, cq_eval_answer (c->eval, it) != NULL);
      lua_setfield (L, -2, "answered");
      lua_createtable (L, (int) it->n_tags, 0);
      for (guint t = 0; t < it->n_tags; t++)
        {
          lua_pushstring (L, it->tags[t]);
          lua_rawseti (L, -2, t + 1);
        }
      lua_setfield (L, -2, "tags");
      lua_rawseti (L, -2, i + 1);
    }
  return 1;
}

/* rated_at_least(level [, { kind =, tag =, module =, domain = }]): the ids of
 * the relevant rated items, in instrument order, whose presence is at or
 * above level, among those the filter keeps; never an item about religious
 * practice. */
static int
l_rated_at_least (lua_State *L)
{
  ScriptCtx *c = cq_sandbox_data (L);
  const char *level = luaL_checkstring (L, 1);
  const char *want[4] = { NULL, NULL, NULL, NULL };
  static const char *const keys[] = { "kind", "tag", "module", "domain" };
  if (!lua_isnoneornil (L, 2))
    {
      luaL_checktype (L, 2, LUA_TTABLE);
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          lua_getfield (L, 2, keys[k]);
          want[k] = lua_isnil (L, -1) ? NULL : luaL_checkstring (L, -1);
          lua_pop (L, 1); /* the string stays referenced by the table */
        }
    }
  lua_newtable (L);
  int n = 0;
  for (guint i = 0; i < c->I->n_items; i++)
    {
      const CqItem *it = c->I->items[i];
      /* Items about religious practice never feed an indicator. */
      if (cq_item_has_tag (it, CQ_TAG_RELIGIOUS_PRACTICE)
          || (want[0] && strcmp (want[0], cq_item_kind_name (it->kind)) != 0)
          || (want[1] && !cq_item_has_tag (it, want[1]))
          || (want[2] && strcmp (want[2], it->domain->module->id) != 0)
          || (want[3] && strcmp (want[3], it->domain->id) != 0))
        continue;
      if (cq_answer_at_least (cq_eval_answer (c->eval, it), level))
        {
          lua_pushstring (L, it->id);
          lua_rawseti (L, -2, ++n);
        }
    }
  return 1;
}

static int
l_standard_findings (lua_State *L)
{
  ScriptCtx *c = cq_sandbox_data (L);
  g_autoptr (GPtrArray) f = standard_findings (c->I, c->answers, c->eval, c->lang);
  lua_createtable (L, (int) f->len, 0);
  for (guint i = 0; i < f->len; i++)
    {
      CqFinding *x = f->pdata[i];
      lua_createtable (L, 0, 3);
      set_string (L, "kind", x->kind);
      set_string (L, "item", x->item);
      set_string (L, "message", x->message);
      lua_rawseti (L, -2, i + 1);
    }
  return 1;
}

/* Result checking ========================================================== */

static gboolean
refuse (GError **error, const char *script, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
refuse (GError **error, const char *script, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, CQ_ERROR, CQ_ERROR_REFUSED, "%s: the result %s", script, msg);
  return FALSE;
}

static gboolean
is_id (const char *s)
{
  if (s == NULL || !g_ascii_islower (*s) || strlen (s) > 64)
    return FALSE;
  for (; *s; s++)
    if (!(g_ascii_islower (*s) || g_ascii_isdigit (*s) || *s == '.' || *s == '-' || *s == '_'))
      return FALSE;
  return TRUE;
}

/* Checks the keys of the table at top against allowed ones. */
static gboolean
check_keys (lua_State *L, const char *const *allowed, const char *where, const char *script,
            GError **error)
{
  lua_pushnil (L);
  while (lua_next (L, -2) != 0)
    {
      lua_pop (L, 1);
      if (lua_type (L, -1) != LUA_TSTRING)
        {
          lua_pop (L, 1);
          return refuse (error, script, "has a %s key in %s; keys are names",
                         luaL_typename (L, -1), where);
        }
      const char *k = lua_tostring (L, -1);
      gboolean ok = FALSE;
      for (guint i = 0; allowed[i]; i++)
        ok |= strcmp (allowed[i], k) == 0;
      if (!ok)
        {
          g_autofree char *key = g_strdup (k);
          lua_pop (L, 1);
          for (guint i = 0; judgment_words[i]; i++)
            if (g_ascii_strcasecmp (key, judgment_words[i]) == 0)
              return refuse (error, script, "holds '%s' in %s: a script may not return a judgment, "
                             "a risk level or a placement; only the commission records those, "
                             "with a rationale", key, where);
          g_autofree char *list = g_strjoinv (", ", (char **) allowed);
          return refuse (error, script, "holds an unexpected key '%s' in %s (allowed: %s)", key,
                         where, list);
        }
    }
  return TRUE;
}

static char *
string_field (lua_State *L, const char *key, const char *lang, gboolean *bad)
{
  lua_getfield (L, -1, key); /* the tables are plain: built by the script */
  char *out = NULL;
  *bad = FALSE;
  if (lua_type (L, -1) == LUA_TSTRING)
    out = g_strdup (lua_tostring (L, -1));
  else if (lua_type (L, -1) == LUA_TTABLE)
    {
      lua_getfield (L, -1, lang);
      if (lua_type (L, -1) != LUA_TSTRING)
        {
          lua_pop (L, 1);
          lua_getfield (L, -1, "en");
        }
      if (lua_type (L, -1) == LUA_TSTRING)
        out = g_strdup (lua_tostring (L, -1));
      else
        *bad = TRUE;
      lua_pop (L, 1);
    }
  else if (!lua_isnil (L, -1))
    *bad = TRUE;
  lua_pop (L, 1);
  return out;
}

static gboolean
read_item_list (lua_State *L, const CqInstrument *I, GPtrArray *into, const char *where,
                const char *script, GError **error)
{
  if (lua_type (L, -1) != LUA_TTABLE)
    return refuse (error, script, "needs a list of item ids in %s", where);
  lua_Integer n = (lua_Integer) lua_rawlen (L, -1);
  for (lua_Integer k = 1; k <= n && k <= MAX_ENTRIES; k++)
    {
      lua_rawgeti (L, -1, k);
      const char *id = lua_type (L, -1) == LUA_TSTRING ? lua_tostring (L, -1) : NULL;
      if (id == NULL || cq_instrument_item (I, id) == NULL)
        {
          g_autofree char *shown = g_strdup (id ? id : luaL_typename (L, -1));
          lua_pop (L, 1);
          return refuse (error, script, "names '%s' in %s, which is not an item of '%s'", shown,
                         where, I->id);
        }
      if (cq_item_has_tag (cq_instrument_item (I, id), CQ_TAG_RELIGIOUS_PRACTICE))
        {
          g_autofree char *shown = g_strdup (id);
          lua_pop (L, 1);
          return refuse (error, script, "cites '%s' in %s, an item about religious practice: "
                         "religion is context, never a risk marker, and no indicator may rest "
                         "on it", shown, where);
        }
      g_ptr_array_add (into, g_strdup (id));
      lua_pop (L, 1);
    }
  return TRUE;
}

static gboolean
read_result (lua_State *L, const CqInstrument *I, const char *lang, const char *script,
             CqScoreResult *r, GError **error)
{
  static const char *const top[] = { "indicators", "findings", NULL };
  static const char *const ind_keys[] = { "id", "label", "items", "note", "tally", NULL };
  static const char *const find_keys[] = { "kind", "item", "message", NULL };
  gboolean bad;

  if (lua_type (L, -1) != LUA_TTABLE)
    return refuse (error, script, "is a %s; a script returns { indicators = {...}, findings = {...} }",
                   luaL_typename (L, -1));
  if (!check_keys (L, top, "the result", script, error))
    return FALSE;

  lua_getfield (L, -1, "indicators");
  if (!lua_isnil (L, -1) && lua_type (L, -1) != LUA_TTABLE)
    return refuse (error, script, "needs a list in 'indicators'");
  lua_Integer n = lua_isnil (L, -1) ? 0 : (lua_Integer) lua_rawlen (L, -1);
  if (n > MAX_ENTRIES)
    return refuse (error, script, "holds more than %d indicators", MAX_ENTRIES);
  for (lua_Integer k = 1; k <= n; k++)
    {
      g_autofree char *where = g_strdup_printf ("indicator %" G_GINT64_FORMAT, (gint64) k);
      lua_rawgeti (L, -1, k);
      if (lua_type (L, -1) != LUA_TTABLE)
        return refuse (error, script, "needs a table for %s", where);
      if (!check_keys (L, ind_keys, where, script, error))
        return FALSE;
      CqIndicator *ind = g_new0 (CqIndicator, 1);
      ind->items = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (r->indicators, ind);
      ind->id = string_field (L, "id", lang, &bad);
      if (!is_id (ind->id))
        return refuse (error, script, "needs an id for %s (lower-case letters, digits, '.', '-', '_')",
                       where);
      ind->label = string_field (L, "label", lang, &bad);
      if (bad || ind->label == NULL)
        return refuse (error, script, "needs a label for indicator '%s' (a text, or one per language)",
                       ind->id);
      ind->note = string_field (L, "note", lang, &bad);
      if (bad)
        return refuse (error, script, "needs a text for the note of indicator '%s'", ind->id);
      lua_getfield (L, -1, "tally");
      if (!lua_isnil (L, -1))
        {
          if (!lua_isinteger (L, -1))
            return refuse (error, script, "needs a whole number for the tally of indicator '%s'",
                           ind->id);
          ind->has_tally = TRUE;
          ind->tally = lua_tointeger (L, -1);
        }
      lua_pop (L, 1);
      lua_getfield (L, -1, "items");
      g_autofree char *iwhere = g_strdup_printf ("indicator '%s'", ind->id);
      if (!read_item_list (L, I, ind->items, iwhere, script, error))
        return FALSE;
      if (ind->items->len == 0)
        return refuse (error, script, "gives no items for indicator '%s': an indicator shows "
                       "the items behind it", ind->id);
      lua_pop (L, 2);
    }
  lua_pop (L, 1);

  lua_getfield (L, -1, "findings");
  if (!lua_isnil (L, -1) && lua_type (L, -1) != LUA_TTABLE)
    return refuse (error, script, "needs a list in 'findings'");
  n = lua_isnil (L, -1) ? 0 : (lua_Integer) lua_rawlen (L, -1);
  if (n > MAX_ENTRIES)
    return refuse (error, script, "holds more than %d findings", MAX_ENTRIES);
  for (lua_Integer k = 1; k <= n; k++)
    {
      g_autofree char *where = g_strdup_printf ("finding %" G_GINT64_FORMAT, (gint64) k);
      lua_rawgeti (L, -1, k);
      if (lua_type (L, -1) != LUA_TTABLE)
        return refuse (error, script, "needs a table for %s", where);
      if (!check_keys (L, find_keys, where, script, error))
        return FALSE;
      CqFinding *f = g_new0 (CqFinding, 1);
      g_ptr_array_add (r->findings, f);
      f->kind = string_field (L, "kind", lang, &bad);
      if (!is_id (f->kind))
        return refuse (error, script, "needs a kind for %s (lower-case letters, digits, '.', '-', '_')",
                       where);
      f->item = string_field (L, "item", lang, &bad);
      if (bad || (f->item != NULL && cq_instrument_item (I, f->item) == NULL))
        return refuse (error, script, "names '%s' in %s, which is not an item of '%s'",
                       f->item ? f->item : "?", where, I->id);
      f->message = string_field (L, "message", lang, &bad);
      if (bad)
        return refuse (error, script, "needs a text for the message of %s", where);
      lua_pop (L, 1);
    }
  lua_pop (L, 1);
  return TRUE;
}

/* Running ================================================================== */

static char *
script_name (const CqInstrument *I)
{
  const char *dp = I->display_path ? I->display_path : ".";
  g_autofree char *dir = g_str_has_suffix (dp, ".xml") ? g_path_get_dirname (dp) : g_strdup (dp);
  if (g_str_has_suffix (dir, "/"))
    dir[strlen (dir) - 1] = '\0';
  return strcmp (dir, ".") == 0 ? g_strdup (I->scoring_path)
                                : g_build_filename (dir, I->scoring_path, NULL);
}

CqScoreResult *
cq_score_run_with (const CqInstrument *I, const CqAnswers *answers, CqEval *eval,
                   const char *lang, GError **error)
{
  g_autofree char *script = script_name (I);
  CqScoreResult *r = g_new0 (CqScoreResult, 1);
  r->indicators = g_ptr_array_new_with_free_func (indicator_free);
  r->findings = g_ptr_array_new_with_free_func (finding_free);
  r->violations = g_ptr_array_new_with_free_func (g_free);
  r->problems = g_ptr_array_new_with_free_func (g_free);
  r->relevant = cq_eval_relevant_count (eval);
  if (lang == NULL)
    lang = I->languages[0];

  for (guint i = 0; i < I->n_items; i++)
    {
      g_autoptr (GPtrArray) v = g_ptr_array_new_with_free_func (g_free);
      if (!cq_eval_check (eval, I->items[i], lang, v))
        for (guint k = 0; k < v->len; k++)
          g_ptr_array_add (r->violations, g_strdup_printf ("%s: %s", I->items[i]->id,
                                                           (char *) v->pdata[k]));
    }
  const GPtrArray *problems = cq_eval_problems (eval);
  for (guint i = 0; i < problems->len; i++)
    g_ptr_array_add (r->problems, g_strdup (problems->pdata[i]));

  CqSandboxLimits limits = CQ_SANDBOX_SCRIPT_LIMITS;
  g_autoptr (CqSandbox) sb = cq_sandbox_new (&limits, cq_answers_date (answers));
  ScriptCtx ctx = { I, answers, eval, lang };
  cq_eval_register (eval, sb);
  cq_sandbox_register (sb, "relevant", l_relevant, &ctx);
  cq_sandbox_register (sb, "has_tag", l_has_tag, &ctx);
  cq_sandbox_register (sb, "rating", l_rating, &ctx);
  cq_sandbox_register (sb, "items", l_items, &ctx);
  cq_sandbox_register (sb, "standard_findings", l_standard_findings, &ctx);
  cq_sandbox_register (sb, "rated_at_least", l_rated_at_least, &ctx);
  lua_State *L = cq_sandbox_state (sb);
  lua_rawgeti (L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  set_string (L, "formulation", cq_answers_formulation (answers));
  set_string (L, "language", lang);
  lua_pop (L, 1);

  const char *src = I->scoring_source ? I->scoring_source : "";
  g_autoptr (GError) err = NULL;
  if (!cq_sandbox_load (sb, src, strlen (src), script, &err)
      || !cq_sandbox_call (sb, 0, 1, &err))
    {
      g_set_error (error, CQ_SANDBOX_ERROR, err->code, "%s%s%s",
                   g_str_has_prefix (err->message, script) ? "" : script,
                   g_str_has_prefix (err->message, script) ? "" : ": ", err->message);
      cq_score_result_free (r);
      return NULL;
    }
  r->instructions = cq_sandbox_used (sb);
  if (!read_result (L, I, lang, script, r, error))
    {
      cq_score_result_free (r);
      return NULL;
    }
  return r;
}

CqScoreResult *
cq_score_run (const CqInstrument *I, const CqAnswers *answers, const char *lang, GError **error)
{
  g_autoptr (CqEval) eval = cq_eval_new (I, answers, error);
  if (eval == NULL)
    return NULL;
  return cq_score_run_with (I, answers, eval, lang, error);
}

/* Output =================================================================== */

static void
rating_summary (GString *s, const CqAnswers *answers, const CqItem *it)
{
  const CqAnswer *a = cq_answers_get (answers, it);
  if (a == NULL)
    g_string_append (s, "(no answer)");
  else if (it->answer.type == CQ_ANSWER_RECORDS)
    g_string_append_printf (s, "%u record%s", a->n_records, a->n_records == 1 ? "" : "s");
  else if (a->value != NULL)
    {
      g_string_append (s, a->value);
      if (a->relevance)
        g_string_append_printf (s, ", relevance %s", a->relevance);
    }
  else
    g_string_append (s, "(text)");
}

char *
cq_score_result_text (const CqScoreResult *r, const CqInstrument *I, const CqAnswers *answers,
                      const char *lang)
{
  GString *s = g_string_new (NULL);
  gboolean fr = g_strcmp0 (lang, "fr") == 0;
  g_string_append_printf (s, "%s %s %s — %s %s\n", fr ? "instrument" : "instrument", I->id,
                          I->version, fr ? "réponses du" : "answers of", cq_answers_date (answers));
  g_string_append_printf (s, "%s (%u)\n", fr ? "Indicateurs — aide-mémoire : aucun indicateur "
                                               "n’est un jugement ni un niveau de risque"
                                             : "Indicators — aide-mémoire only: no indicator is a "
                                               "judgment or a risk level", r->indicators->len);
  for (guint i = 0; i < r->indicators->len; i++)
    {
      const CqIndicator *ind = r->indicators->pdata[i];
      g_string_append_printf (s, "  %s — %s", ind->id, ind->label);
      if (ind->has_tally)
        g_string_append_printf (s, " [%" G_GINT64_FORMAT "]", ind->tally);
      g_string_append_c (s, '\n');
      if (ind->note)
        g_string_append_printf (s, "    %s\n", ind->note);
      for (guint k = 0; k < ind->items->len; k++)
        {
          const CqItem *it = cq_instrument_item (I, ind->items->pdata[k]);
          g_string_append_printf (s, "    %s: ", it->id);
          rating_summary (s, answers, it);
          g_string_append_c (s, '\n');
        }
    }
  g_string_append_printf (s, "%s (%u)\n", fr ? "Constats" : "Findings", r->findings->len);
  for (guint i = 0; i < r->findings->len; i++)
    {
      const CqFinding *f = r->findings->pdata[i];
      g_string_append_printf (s, "  %-26s %-24s %s\n", f->kind, f->item ? f->item : "-",
                              f->message ? f->message : "");
    }
  if (r->violations->len > 0)
    {
      g_string_append_printf (s, "%s (%u)\n", fr ? "Contraintes non respectées"
                                                 : "Constraints violated", r->violations->len);
      for (guint i = 0; i < r->violations->len; i++)
        g_string_append_printf (s, "  %s\n", (char *) r->violations->pdata[i]);
    }
  if (r->problems->len > 0)
    {
      g_string_append_printf (s, "%s (%u)\n", fr ? "Expressions en échec" : "Expressions that failed",
                              r->problems->len);
      for (guint i = 0; i < r->problems->len; i++)
        g_string_append_printf (s, "  %s\n", (char *) r->problems->pdata[i]);
    }
  g_string_append_printf (s, fr ? "%u items pertinents sur %u, %u répondus\n"
                                : "%u of %u items relevant, %u answered\n",
                          r->relevant, I->n_items, cq_answers_count (answers));
  return g_string_free (s, FALSE);
}

static void
json_string (GString *s, const char *v)
{
  if (v == NULL)
    {
      g_string_append (s, "null");
      return;
    }
  g_string_append_c (s, '"');
  for (const unsigned char *p = (const unsigned char *) v; *p; p++)
    switch (*p)
      {
      case '"': g_string_append (s, "\\\""); break;
      case '\\': g_string_append (s, "\\\\"); break;
      case '\n': g_string_append (s, "\\n"); break;
      case '\r': g_string_append (s, "\\r"); break;
      case '\t': g_string_append (s, "\\t"); break;
      default:
        if (*p < 0x20)
          g_string_append_printf (s, "\\u%04x", *p);
        else
          g_string_append_c (s, (char) *p);
      }
  g_string_append_c (s, '"');
}

char *
cq_score_result_json (const CqScoreResult *r, const CqInstrument *I, const CqAnswers *answers)
{
  GString *s = g_string_new ("{\n  \"instrument\": ");
  json_string (s, I->id);
  g_string_append (s, ",\n  \"version\": ");
  json_string (s, I->version);
  g_string_append (s, ",\n  \"date\": ");
  json_string (s, cq_answers_date (answers));
  g_string_append (s, ",\n  \"indicators\": [");
  for (guint i = 0; i < r->indicators->len; i++)
    {
      const CqIndicator *ind = r->indicators->pdata[i];
      g_string_append (s, i ? ",\n    {" : "\n    {");
      g_string_append (s, "\"id\": ");
      json_string (s, ind->id);
      g_string_append (s, ", \"label\": ");
      json_string (s, ind->label);
      if (ind->note)
        {
          g_string_append (s, ", \"note\": ");
          json_string (s, ind->note);
        }
      if (ind->has_tally)
        g_string_append_printf (s, ", \"tally\": %" G_GINT64_FORMAT, ind->tally);
      g_string_append (s, ", \"items\": [");
      for (guint k = 0; k < ind->items->len; k++)
        {
          const CqItem *it = cq_instrument_item (I, ind->items->pdata[k]);
          const CqAnswer *a = cq_answers_get (answers, it);
          g_string_append (s, k ? ", {\"item\": " : "{\"item\": ");
          json_string (s, it->id);
          g_string_append (s, ", \"value\": ");
          json_string (s, a ? (a->value ? a->value : a->text) : NULL);
          if (a && a->relevance)
            {
              g_string_append (s, ", \"relevance\": ");
              json_string (s, a->relevance);
            }
          g_string_append (s, "}");
        }
      g_string_append (s, "]}");
    }
  g_string_append (s, r->indicators->len ? "\n  ],\n  \"findings\": [" : "],\n  \"findings\": [");
  for (guint i = 0; i < r->findings->len; i++)
    {
      const CqFinding *f = r->findings->pdata[i];
      g_string_append (s, i ? ",\n    {\"kind\": " : "\n    {\"kind\": ");
      json_string (s, f->kind);
      g_string_append (s, ", \"item\": ");
      json_string (s, f->item);
      g_string_append (s, ", \"message\": ");
      json_string (s, f->message);
      g_string_append (s, "}");
    }
  g_string_append (s, r->findings->len ? "\n  ],\n  \"violations\": [" : "],\n  \"violations\": [");
  for (guint i = 0; i < r->violations->len; i++)
    {
      g_string_append (s, i ? ", " : "");
      json_string (s, r->violations->pdata[i]);
    }
  g_string_append (s, "],\n  \"expression_problems\": [");
  for (guint i = 0; i < r->problems->len; i++)
    {
      g_string_append (s, i ? ", " : "");
      json_string (s, r->problems->pdata[i]);
    }
  g_string_append_printf (s, "],\n  \"relevant_items\": %u,\n  \"answered_items\": %u\n}\n",
                          r->relevant, cq_answers_count (answers));
  return g_string_free (s, FALSE);
}
