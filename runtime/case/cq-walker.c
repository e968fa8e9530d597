/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-walker.h"

#include <string.h>

struct _CqWalker {
  CqStore *store;
  CqAssessment *a;
  CqInstrument *inst;
  CqMember *m;
  CqAnswers *mine;     /* this member's current answers */
  GHashTable *seqs;    /* item id -> event of this member's answer */
  CqAnswers *team;     /* what relevance reads: the team's answers */
  CqEval *eval;
  GPtrArray *items;    /* this member's items, in protocol order */
  guint pos;
  GHashTable *skipped; /* left for later during this sitting */
  gint64 sitting;
};

void
cq_walker_free (CqWalker *w)
{
  if (w == NULL)
    return;
  cq_eval_free (w->eval);
  cq_answers_free (w->team);
  cq_answers_free (w->mine);
  if (w->seqs)
    g_hash_table_unref (w->seqs);
  if (w->skipped)
    g_hash_table_unref (w->skipped);
  if (w->items)
    g_ptr_array_unref (w->items);
  cq_instrument_free (w->inst);
  cq_member_free (w->m);
  cq_assessment_free (w->a);
  g_free (w);
}

const CqInstrument *cq_walker_instrument (CqWalker *w) { return w->inst; }
const CqAssessment *cq_walker_assessment (CqWalker *w) { return w->a; }
const CqMember *cq_walker_member (CqWalker *w) { return w->m; }

gboolean
cq_walker_relevant (CqWalker *w, const CqItem *item)
{
  return cq_eval_relevant (w->eval, item);
}

const CqAnswer *
cq_walker_answer_of (CqWalker *w, const CqItem *item)
{
  return cq_answers_get (w->mine, item);
}

static gboolean
open_item (CqWalker *w, guint i)
{
  const CqItem *it = w->items->pdata[i];
  return cq_eval_relevant (w->eval, it) && cq_answers_get (w->mine, it) == NULL
         && !g_hash_table_contains (w->skipped, it);
}

/* Moves to the next item still to answer, after the current one, then
 * from the start; past the end when there is none. */
static void
advance (CqWalker *w)
{
  guint n = w->items->len;
  for (guint k = 1; k <= n; k++)
    {
      guint i = (w->pos + k) % n;
      if (open_item (w, i))
        {
          w->pos = i;
          return;
        }
    }
  w->pos = n;
}

const CqItem *
cq_walker_current (CqWalker *w)
{
  return w->pos < w->items->len ? w->items->pdata[w->pos] : NULL;
}

CqWalker *
cq_walker_new (CqStore *store, const char *assessment, const char *member, const char *date,
               const char *setting, const char *interpreter, GError **error)
{
  g_autoptr (CqWalker) w = g_new0 (CqWalker, 1);
  w->store = store;
  w->a = cq_assessment_get (store, assessment, error);
  if (w->a == NULL)
    return NULL;
  w->m = cq_team_member (store, member, error);
  if (w->m == NULL)
    return NULL;
  if (!cq_team_may (store, w->m->role, "rate"))
    {
      g_set_error (error, CQ_CASE_ERROR, CQ_CASE_ERROR_REFUSED,
                   "role '%s' does not rate items in this deployment", w->m->role);
      return NULL;
    }
  w->inst = cq_assessment_instrument (store, w->a, error);
  if (w->inst == NULL)
    return NULL;
  const CqProtocol *proto = NULL;
  for (guint i = 0; i < w->inst->n_protocols; i++)
    if (strcmp (w->inst->protocols[i]->id, w->a->protocol) == 0)
      proto = w->inst->protocols[i];
  w->items = g_ptr_array_new ();
  for (guint m = 0; proto && m < proto->n_modules; m++)
    for (guint d = 0; d < proto->modules[m]->n_domains; d++)
      {
        const CqDomain *dom = proto->modules[m]->domains[d];
        for (guint k = 0; k < dom->n_items; k++)
          if (cq_item_rated_by (dom->items[k], w->m->role))
            g_ptr_array_add (w->items, (gpointer) dom->items[k]);
      }
  if (w->items->len == 0)
    {
      g_set_error (error, CQ_CASE_ERROR, CQ_CASE_ERROR_REFUSED,
                   "role '%s' rates no item of protocol '%s' of instrument '%s'", w->m->role,
                   w->a->protocol, w->inst->id);
      return NULL;
    }
  w->seqs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w->mine = cq_assessment_answers (store, w->a, w->inst, w->m->id, w->seqs, error);
  if (w->mine == NULL)
    return NULL;
  w->team = cq_assessment_answers (store, w->a, w->inst, NULL, NULL, error);
  if (w->team == NULL)
    return NULL;
  w->eval = cq_eval_new (w->inst, w->team, error);
  if (w->eval == NULL)
    return NULL;
  w->skipped = g_hash_table_new (g_direct_hash, g_direct_equal);
  w->sitting = cq_sitting_open (store, w->a, w->m, date, setting, interpreter, error);
  if (w->sitting < 0)
    return NULL;
  w->pos = w->items->len - 1;
  advance (w);
  return g_steal_pointer (&w);
}

gboolean
cq_walker_answer (CqWalker *w, const CqAnswer *an, const char *reason, GError **error)
{
  const CqItem *it = cq_walker_current (w);
  if (it == NULL || an->item != it)
    {
      g_set_error (error, CQ_CASE_ERROR, CQ_CASE_ERROR_INVALID, "the answer is not for the item "
                   "being asked (%s)", it ? it->id : "none: the walk is complete");
      return FALSE;
    }
  const CqAnswer *old = cq_answers_get (w->mine, it);
  CqAnswer mine = *an;
  mine.rater = w->m->role;
  if (old != NULL)
    {
      if (cq_answer_same (&mine, old))
        {
          g_hash_table_remove (w->skipped, it);
          advance (w);
          return TRUE;
        }
      if (reason == NULL || *reason == '\0')
        {
          g_set_error (error, CQ_CASE_ERROR, CQ_CASE_ERROR_INVALID, "item '%s' already has your "
                       "answer: say why you change it", it->id);
          return FALSE;
        }
    }
  gint64 prev = (gint64) GPOINTER_TO_SIZE (g_hash_table_lookup (w->seqs, it->id));
  gint64 seq = cq_answer_save (w->store, w->a, w->inst, w->m, an, old ? prev : 0, old ? reason : NULL,
                               w->sitting, error);
  if (seq < 0)
    return FALSE;
  cq_answers_put (w->mine, &mine, NULL);
  g_hash_table_insert (w->seqs, g_strdup (it->id), GSIZE_TO_POINTER ((gsize) seq));
  cq_answers_put (w->team, &mine, NULL);
  cq_eval_changed (w->eval, it);
  g_hash_table_remove (w->skipped, it);
  advance (w);
  return TRUE;
}

gboolean
cq_walker_skip (CqWalker *w, const char *missing, GError **error)
{
  const CqItem *it = cq_walker_current (w);
  if (it == NULL)
    return TRUE;
  if (it->answer.type == CQ_ANSWER_RATING && missing != NULL && *missing != '\0')
    {
      const CqScale *sc = it->answer.scale;
      for (guint i = 0; i < sc->n_levels; i++)
        if (sc->levels[i]->insufficient)
          {
            CqAnswer an = cq_answer_init (it);
            an.value = sc->levels[i]->id;
            an.missing = missing;
            const CqAnswer *old = cq_answers_get (w->mine, it);
            return cq_walker_answer (w, &an, old ? "now insufficient information" : NULL, error);
          }
    }
  g_hash_table_add (w->skipped, (gpointer) it);
  advance (w);
  return TRUE;
}

void
cq_walker_resume (CqWalker *w)
{
  w->pos = w->items->len - 1;
  advance (w);
}

gboolean
cq_walker_back (CqWalker *w)
{
  guint start = MIN (w->pos, w->items->len);
  for (guint i = start; i-- > 0;)
    if (cq_eval_relevant (w->eval, w->items->pdata[i]))
      {
        w->pos = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
cq_walker_go (CqWalker *w, const CqItem *item)
{
  guint i;
  if (!g_ptr_array_find (w->items, item, &i) || !cq_eval_relevant (w->eval, item))
    return FALSE;
  w->pos = i;
  return TRUE;
}

gboolean
cq_walker_note (CqWalker *w, const char *text, GError **error)
{
  const CqItem *it = cq_walker_current (w);
  return cq_note_add (w->store, w->a, w->m, it ? it->id : NULL, text, error) > 0;
}

GArray *
cq_walker_progress (CqWalker *w)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (CqProgress));
  for (guint i = 0; i < w->items->len; i++)
    {
      const CqItem *it = w->items->pdata[i];
      const CqModule *m = it->domain->module;
      CqProgress *p = out->len ? &g_array_index (out, CqProgress, out->len - 1) : NULL;
      if (p == NULL || p->module != m)
        {
          CqProgress fresh = { m, 0, 0 };
          g_array_append_val (out, fresh);
          p = &g_array_index (out, CqProgress, out->len - 1);
        }
      if (cq_eval_relevant (w->eval, it))
        {
          p->relevant++;
          p->answered += cq_answers_get (w->mine, it) != NULL;
        }
    }
  return out;
}

GPtrArray *
cq_walker_items (CqWalker *w)
{
  return g_ptr_array_ref (w->items);
}
