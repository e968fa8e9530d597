/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-eval.h"

#include <lauxlib.h>
#include <string.h>

#include "cq-util.h"

#define EXPR_LIMITS ((CqSandboxLimits) { 200u * 1000u, 32u << 20 })

/* One relevance expression and the items whose relevance it governs. */
typedef struct {
  const CqExpr *expr;
  const char *owner;   /* "item 'x'", "domain 'y'"... for messages */
  int fn;              /* key of the compiled function */
  guint n_governs;
  const CqItem *const *governs;
  const CqItem *single; /* storage when it governs one item */
  gboolean value;
} Node;

struct _CqEval {
  const CqInstrument *I;
  const CqAnswers *answers;
  CqSandbox *sb;
  int functions;        /* registry ref of the table of compiled functions */
  Node *nodes;          /* in an order where a node comes after those it reads */
  guint n_nodes;
  GArray **readers;     /* per item: indices of nodes that read it */
  GArray **scopes;      /* per item: indices of nodes that govern it */
  gboolean *relevant;   /* per item */
  gboolean *outside;    /* per item: its module is not in the answers' protocol */
  gboolean *dirty;      /* per node */
  GArray **constraints; /* per item: function keys, in order */
  GPtrArray *problems;
  GStringChunk *strings;
  GPtrArray *module_items; /* GPtrArray* of the items a module governs */
};

/* Accessors ================================================================ */

static const CqItem *
item_arg (lua_State *L, CqEval *e, int arg)
{
  const char *id = luaL_checkstring (L, arg);
  const CqItem *it = cq_instrument_item (e->I, id);
  if (it == NULL)
    luaL_error (L, "instrument '%s' has no item '%s'", e->I->id, id);
  return it;
}

static void
push_field (lua_State *L, const CqAnswerSpec *spec, const char *v)
{
  if (spec->type == CQ_ANSWER_NUMBER)
    {
      double x = g_ascii_strtod (v, NULL);
      if (spec->integer)
        lua_pushinteger (L, (lua_Integer) x);
      else
        lua_pushnumber (L, x);
    }
  else if (spec->type == CQ_ANSWER_CHOICE && spec->multiple)
    {
      g_auto (GStrv) parts = g_strsplit_set (v, " \t\n", -1);
      lua_newtable (L);
      int n = 0;
      for (guint i = 0; parts[i]; i++)
        if (*parts[i])
          {
            lua_pushstring (L, parts[i]);
            lua_rawseti (L, -2, ++n);
          }
    }
  else
    lua_pushstring (L, v);
}

static void
push_answer_value (lua_State *L, const CqAnswer *a)
{
  const CqAnswerSpec *spec = &a->item->answer;
  switch (spec->type)
    {
    case CQ_ANSWER_RATING:
    case CQ_ANSWER_DATE:
      lua_pushstring (L, a->value);
      break;
    case CQ_ANSWER_CHOICE:
      if (!spec->multiple)
        lua_pushstring (L, a->options[0]);
      else
        {
          lua_createtable (L, (int) a->n_options, 0);
          for (guint i = 0; i < a->n_options; i++)
            {
              lua_pushstring (L, a->options[i]);
              lua_rawseti (L, -2, i + 1);
            }
        }
      break;
    case CQ_ANSWER_FREE_TEXT:
      lua_pushstring (L, a->text);
      break;
    case CQ_ANSWER_NUMBER:
      if (spec->integer)
        lua_pushinteger (L, (lua_Integer) a->number);
      else
        lua_pushnumber (L, a->number);
      break;
    case CQ_ANSWER_RECORDS:
      lua_createtable (L, (int) a->n_records, 0);
      for (guint r = 0; r < a->n_records; r++)
        {
          lua_createtable (L, 0, (int) a->records[r].n);
          for (guint i = 0; i < a->records[r].n; i++)
            {
              const CqFieldValue *fv = &a->records[r].values[i];
              const CqAnswerSpec *fspec = NULL;
              for (guint f = 0; f < spec->n_fields; f++)
                if (strcmp (spec->fields[f]->id, fv->field) == 0)
                  fspec = &spec->fields[f]->answer;
              if (fspec == NULL)
                continue;
              push_field (L, fspec, fv->value);
              lua_setfield (L, -2, fv->field);
            }
          lua_rawseti (L, -2, r + 1);
        }
      break;
    default:
      lua_pushnil (L);
    }
}

static int
l_value (lua_State *L)
{
  CqEval *e = cq_sandbox_data (L);
  const CqAnswer *a = cq_eval_answer (e, item_arg (L, e, 1));
  if (a == NULL)
    lua_pushnil (L);
  else
    push_answer_value (L, a);
  return 1;
}

static const CqAnswer *
rating_arg (lua_State *L, CqEval *e, const char *fn)
{
  const CqItem *it = item_arg (L, e, 1);
  if (it->answer.type != CQ_ANSWER_RATING)
    luaL_error (L, "%s(): item '%s' is not rated", fn, it->id);
  return cq_eval_answer (e, it);
}

static int
l_presence (lua_State *L)
{
  const CqAnswer *a = rating_arg (L, cq_sandbox_data (L), "presence");
  if (a == NULL)
    lua_pushnil (L);
  else
    lua_pushstring (L, a->value);
  return 1;
}

static int
l_relevance (lua_State *L)
{
  const CqAnswer *a = rating_arg (L, cq_sandbox_data (L), "relevance");
  if (a == NULL || a->relevance == NULL)
    lua_pushnil (L);
  else
    lua_pushstring (L, a->relevance);
  return 1;
}

static int
l_at_least (lua_State *L)
{
  const CqAnswer *a = rating_arg (L, cq_sandbox_data (L), "at_least");
  lua_pushboolean (L, cq_answer_at_least (a, luaL_checkstring (L, 2)));
  return 1;
}

static int
l_answered (lua_State *L)
{
  CqEval *e = cq_sandbox_data (L);
  lua_pushboolean (L, cq_eval_answer (e, item_arg (L, e, 1)) != NULL);
  return 1;
}

static int
l_selected (lua_State *L)
{
  CqEval *e = cq_sandbox_data (L);
  const CqAnswer *a = cq_eval_answer (e, item_arg (L, e, 1));
  const char *opt = luaL_checkstring (L, 2);
  gboolean yes = FALSE;
  for (guint i = 0; a != NULL && i < a->n_options; i++)
    yes |= strcmp (a->options[i], opt) == 0;
  lua_pushboolean (L, yes);
  return 1;
}

static int
l_count (lua_State *L)
{
  CqEval *e = cq_sandbox_data (L);
  const CqAnswer *a = cq_eval_answer (e, item_arg (L, e, 1));
  lua_pushinteger (L, a == NULL ? 0 : a->item->answer.type == CQ_ANSWER_RECORDS ? a->n_records
                                                                                 : a->n_options);
  return 1;
}

static gboolean
to_date (const char *s, GDate *d)
{
  guint y, m, day;
  if (s == NULL || strlen (s) != 10 || sscanf (s, "%4u-%2u-%2u", &y, &m, &day) != 3
      || !g_date_valid_dmy ((GDateDay) day, (GDateMonth) m, (GDateYear) y))
    return FALSE;
  g_date_clear (d, 1);
  g_date_set_dmy (d, (GDateDay) day, (GDateMonth) m, (GDateYear) y);
  return TRUE;
}

static int
l_days_between (lua_State *L)
{
  GDate a, b;
  if (!to_date (lua_tostring (L, 1), &a) || !to_date (lua_tostring (L, 2), &b))
    {
      lua_pushnil (L);
      return 1;
    }
  lua_pushinteger (L, g_date_days_between (&a, &b));
  return 1;
}

void
cq_eval_register (CqEval *e, CqSandbox *sb)
{
  static const luaL_Reg fns[] = {
    { "value", l_value }, { "presence", l_presence }, { "relevance", l_relevance },
    { "answered", l_answered }, { "selected", l_selected }, { "count", l_count },
    { "at_least", l_at_least }, { "days_between", l_days_between }, { NULL, NULL },
  };
  for (const luaL_Reg *r = fns; r->name; r++)
    cq_sandbox_register (sb, r->name, r->func, e);
  /* The protocol walked, or nil. */
  lua_State *L = cq_sandbox_state (sb);
  lua_rawgeti (L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  if (cq_answers_protocol (e->answers) != NULL)
    lua_pushstring (L, cq_answers_protocol (e->answers));
  else
    lua_pushnil (L);
  lua_setfield (L, -2, "protocol");
  lua_pop (L, 1);
}

/* Evaluation =============================================================== */

const CqAnswer *
cq_eval_answer (const CqEval *e, const CqItem *item)
{
  return e->relevant[item->index] ? cq_answers_get (e->answers, item) : NULL;
}

gboolean
cq_eval_relevant (const CqEval *e, const CqItem *item)
{
  return e->relevant[item->index];
}

guint
cq_eval_relevant_count (const CqEval *e)
{
  guint n = 0;
  for (guint i = 0; i < e->I->n_items; i++)
    n += e->relevant[i];
  return n;
}

const GPtrArray *
cq_eval_problems (const CqEval *e)
{
  return e->problems;
}

/* "expression:3: msg" -> "instrument.xml:44: <what>: msg" */
static void
add_problem (CqEval *e, const CqExpr *expr, const char *what, const char *msg)
{
  int line = expr->where.line;
  if (g_str_has_prefix (msg, "expression:"))
    {
      char *end;
      long l = strtol (msg + 11, &end, 10);
      if (*end == ':')
        {
          line += (int) l - 1;
          msg = end + 1;
          while (*msg == ' ')
            msg++;
        }
    }
  g_ptr_array_add (e->problems, g_strdup_printf ("%s:%d: %s: %s", expr->where.file, line, what, msg));
}

/* Runs the compiled function fn; returns its truth, TRUE on failure. */
static gboolean
run (CqEval *e, int fn, const CqExpr *expr, const char *what, gboolean *ok)
{
  lua_State *L = cq_sandbox_state (e->sb);
  g_autoptr (GError) error = NULL;

  lua_rawgeti (L, LUA_REGISTRYINDEX, e->functions);
  lua_rawgeti (L, -1, fn);
  lua_remove (L, -2);
  if (!cq_sandbox_call (e->sb, 0, 1, &error))
    {
      add_problem (e, expr, what, error->message);
      *ok = FALSE;
      return TRUE;
    }
  gboolean v = lua_toboolean (L, -1);
  lua_pop (L, 1);
  *ok = TRUE;
  return v;
}

static gboolean
node_eval (CqEval *e, Node *n)
{
  gboolean ok;
  return run (e, n->fn, n->expr, n->owner, &ok);
}

static gboolean
item_relevance (CqEval *e, guint item)
{
  if (e->outside[item])
    return FALSE;
  GArray *scopes = e->scopes[item];
  for (guint k = 0; scopes != NULL && k < scopes->len; k++)
    if (!e->nodes[g_array_index (scopes, guint, k)].value)
      return FALSE;
  return TRUE;
}

static void
mark_readers (CqEval *e, guint item)
{
  GArray *r = e->readers[item];
  for (guint k = 0; r != NULL && k < r->len; k++)
    e->dirty[g_array_index (r, guint, k)] = TRUE;
}

/* Runs every dirty node in order; an item that appears or disappears
 * makes its readers dirty in turn (they come later in the order). */
static guint
settle (CqEval *e)
{
  guint runs = 0;
  for (guint i = 0; i < e->n_nodes; i++)
    {
      if (!e->dirty[i])
        continue;
      e->dirty[i] = FALSE;
      Node *n = &e->nodes[i];
      gboolean v = node_eval (e, n);
      runs++;
      if (v == n->value)
        continue;
      n->value = v;
      for (guint g = 0; g < n->n_governs; g++)
        {
          guint idx = n->governs[g]->index;
          gboolean rel = item_relevance (e, idx);
          if (rel != e->relevant[idx])
            {
              e->relevant[idx] = rel;
              if (cq_answers_get (e->answers, n->governs[g]) != NULL)
                mark_readers (e, idx);
            }
        }
    }
  return runs;
}

guint
cq_eval_changed (CqEval *e, const CqItem *item)
{
  g_ptr_array_set_size (e->problems, 0);
  mark_readers (e, item->index);
  return settle (e);
}

guint
cq_eval_all (CqEval *e)
{
  g_ptr_array_set_size (e->problems, 0);
  for (guint i = 0; i < e->n_nodes; i++)
    {
      e->dirty[i] = FALSE;
      Node *n = &e->nodes[i];
      n->value = node_eval (e, n);
      for (guint g = 0; g < n->n_governs; g++)
        e->relevant[n->governs[g]->index] = item_relevance (e, n->governs[g]->index);
    }
  return e->n_nodes;
}

gboolean
cq_eval_check (CqEval *e, const CqItem *item, const char *lang, GPtrArray *violations)
{
  gboolean all = TRUE;
  GArray *fns = e->constraints[item->index];
  if (fns == NULL || cq_eval_answer (e, item) == NULL)
    return TRUE;
  for (guint k = 0; k < fns->len; k++)
    {
      gboolean ok;
      g_autofree char *what = g_strdup_printf ("constraint %u of item '%s'", k + 1, item->id);
      const CqConstraint *c = &item->constraints[k];
      gboolean v = run (e, g_array_index (fns, int, k), c->check, what, &ok);
      if (!ok)
        {
          all = FALSE;
          g_ptr_array_add (violations, g_strdup (e->problems->pdata[e->problems->len - 1]));
        }
      else if (!v)
        {
          all = FALSE;
          g_ptr_array_add (violations, g_strdup (cq_text_get (&c->message, lang)));
        }
    }
  return all;
}

/* Setting up =============================================================== */

static int
compile (CqEval *e, const CqExpr *expr, int key, GError **error)
{
  lua_State *L = cq_sandbox_state (e->sb);
  g_autofree char *code = g_strconcat ("return ", expr->source, NULL);
  if (!cq_sandbox_load (e->sb, code, strlen (code), "expression", error))
    return -1;
  lua_rawgeti (L, LUA_REGISTRYINDEX, e->functions);
  lua_insert (L, -2);
  lua_rawseti (L, -2, key);
  lua_pop (L, 1);
  return key;
}

static void
add_node (CqEval *e, GArray *nodes, const CqExpr *expr, const char *owner,
          const CqItem *const *governs, guint n, const CqItem *single)
{
  Node node = { expr, g_string_chunk_insert (e->strings, owner), 0, n, governs, single, TRUE };
  g_array_append_val (nodes, node);
}

static void
push_index (GArray **slot, guint value)
{
  if (*slot == NULL)
    *slot = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_val (*slot, value);
}

CqEval *
cq_eval_new (const CqInstrument *I, const CqAnswers *answers, GError **error)
{
  CqEval *e = g_new0 (CqEval, 1);
  CqSandboxLimits limits = EXPR_LIMITS;
  guint n_items = MAX (1u, I->n_items);

  e->I = I;
  e->answers = answers;
  e->sb = cq_sandbox_new (&limits, cq_answers_date (answers));
  e->problems = g_ptr_array_new_with_free_func (g_free);
  e->strings = g_string_chunk_new (1024);
  e->module_items = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  e->readers = g_new0 (GArray *, n_items);
  e->scopes = g_new0 (GArray *, n_items);
  e->constraints = g_new0 (GArray *, n_items);
  e->relevant = g_new (gboolean, n_items);
  e->outside = g_new0 (gboolean, n_items);
  const char *protocol = cq_answers_protocol (answers);
  for (guint p = 0; protocol != NULL && p < I->n_protocols; p++)
    if (strcmp (I->protocols[p]->id, protocol) == 0)
      for (guint i = 0; i < I->n_items; i++)
        {
          gboolean in = FALSE;
          for (guint m = 0; m < I->protocols[p]->n_modules; m++)
            in |= I->protocols[p]->modules[m] == I->items[i]->domain->module;
          e->outside[i] = !in;
        }
  for (guint i = 0; i < n_items; i++)
    e->relevant[i] = !e->outside[i];
  cq_eval_register (e, e->sb);
  lua_State *L = cq_sandbox_state (e->sb);
  lua_newtable (L);
  e->functions = luaL_ref (L, LUA_REGISTRYINDEX);

  /* Module, domain and item relevance, in document order. */
  g_autoptr (GArray) nodes = g_array_new (FALSE, FALSE, sizeof (Node));
  g_autoptr (GPtrArray) module_items = g_ptr_array_new ();
  for (guint m = 0; m < I->n_modules; m++)
    {
      const CqModule *mod = I->modules[m];
      if (mod->relevant_when == NULL)
        continue;
      g_ptr_array_set_size (module_items, 0);
      for (guint d = 0; d < mod->n_domains; d++)
        for (guint k = 0; k < mod->domains[d]->n_items; k++)
          g_ptr_array_add (module_items, (gpointer) mod->domains[d]->items[k]);
      g_autofree char *owner = g_strdup_printf ("relevance of module '%s'", mod->id);
      GPtrArray *copy = g_ptr_array_copy (module_items, NULL, NULL);
      g_ptr_array_add (e->module_items, copy);
      add_node (e, nodes, mod->relevant_when, owner, (const CqItem *const *) copy->pdata,
                copy->len, NULL);
    }
  for (guint d = 0; d < I->n_domains; d++)
    if (I->domains[d]->relevant_when != NULL)
      {
        g_autofree char *owner = g_strdup_printf ("relevance of domain '%s'", I->domains[d]->id);
        add_node (e, nodes, I->domains[d]->relevant_when, owner, I->domains[d]->items,
                  I->domains[d]->n_items, NULL);
      }
  for (guint i = 0; i < I->n_items; i++)
    if (I->items[i]->relevant_when != NULL)
      {
        g_autofree char *owner = g_strdup_printf ("relevance of item '%s'", I->items[i]->id);
        add_node (e, nodes, I->items[i]->relevant_when, owner, NULL, 1, I->items[i]);
      }
  Node *raw = (Node *) nodes->data;
  guint n = nodes->len;
  for (guint k = 0; k < n; k++)
    if (raw[k].single != NULL)
      raw[k].governs = &raw[k].single;

  /* Order: a node after every node governing an item it reads (Kahn). */
  GArray **gov_of = g_new0 (GArray *, n_items);
  for (guint k = 0; k < n; k++)
    for (guint g = 0; g < raw[k].n_governs; g++)
      push_index (&gov_of[raw[k].governs[g]->index], k);
  guint *indeg = g_new0 (guint, MAX (1u, n));
  GArray **succ = g_new0 (GArray *, MAX (1u, n));
  for (guint k = 0; k < n; k++)
    for (guint r = 0; r < raw[k].expr->n_refs; r++)
      {
        const CqItem *it = cq_instrument_item (I, raw[k].expr->refs[r]);
        GArray *gv = it ? gov_of[it->index] : NULL;
        for (guint g = 0; gv != NULL && g < gv->len; g++)
          {
            push_index (&succ[g_array_index (gv, guint, g)], k);
            indeg[k]++;
          }
      }
  guint *order = g_new (guint, MAX (1u, n));
  gboolean *placed = g_new0 (gboolean, MAX (1u, n));
  guint head = 0, tail = 0;
  for (guint k = 0; k < n; k++)
    if (indeg[k] == 0)
      order[tail++] = k, placed[k] = TRUE;
  while (head < tail)
    {
      guint k = order[head++];
      for (guint s = 0; succ[k] != NULL && s < succ[k]->len; s++)
        {
          guint t = g_array_index (succ[k], guint, s);
          if (--indeg[t] == 0 && !placed[t])
            order[tail++] = t, placed[t] = TRUE;
        }
    }
  for (guint k = 0; k < n; k++) /* a cycle cannot pass the loader; be safe anyway */
    if (!placed[k])
      order[tail++] = k;

  e->n_nodes = n;
  e->nodes = g_new0 (Node, MAX (1u, n));
  e->dirty = g_new0 (gboolean, MAX (1u, n));
  for (guint k = 0; k < n; k++)
    {
      e->nodes[k] = raw[order[k]];
      if (e->nodes[k].single != NULL)
        e->nodes[k].governs = &e->nodes[k].single;
    }
  for (guint k = 0; k < n; k++)
    {
      Node *nd = &e->nodes[k];
      nd->fn = (int) k + 1;
      if (compile (e, nd->expr, nd->fn, error) < 0)
        break;
      for (guint g = 0; g < nd->n_governs; g++)
        push_index (&e->scopes[nd->governs[g]->index], k);
      for (guint r = 0; r < nd->expr->n_refs; r++)
        {
          const CqItem *it = cq_instrument_item (I, nd->expr->refs[r]);
          if (it != NULL)
            push_index (&e->readers[it->index], k);
        }
    }
  int key = (int) n + 1;
  for (guint i = 0; i < I->n_items && (error == NULL || *error == NULL); i++)
    for (guint c = 0; c < I->items[i]->n_constraints; c++)
      {
        if (e->constraints[i] == NULL)
          e->constraints[i] = g_array_new (FALSE, FALSE, sizeof (int));
        int fn = compile (e, I->items[i]->constraints[c].check, key++, error);
        g_array_append_val (e->constraints[i], fn);
      }

  for (guint i = 0; i < n_items; i++)
    if (gov_of[i])
      g_array_unref (gov_of[i]);
  for (guint k = 0; k < n; k++)
    if (succ[k])
      g_array_unref (succ[k]);
  g_free (gov_of);
  g_free (succ);
  g_free (indeg);
  g_free (order);
  g_free (placed);

  if (error != NULL && *error != NULL)
    {
      cq_eval_free (e);
      return NULL;
    }
  cq_eval_all (e);
  return e;
}

void
cq_eval_free (CqEval *e)
{
  if (e == NULL)
    return;
  guint n_items = MAX (1u, e->I->n_items);
  for (guint i = 0; i < n_items; i++)
    {
      if (e->readers[i])
        g_array_unref (e->readers[i]);
      if (e->scopes[i])
        g_array_unref (e->scopes[i]);
      if (e->constraints[i])
        g_array_unref (e->constraints[i]);
    }
  g_free (e->readers);
  g_free (e->scopes);
  g_free (e->constraints);
  g_free (e->relevant);
  g_free (e->outside);
  g_free (e->dirty);
  g_free (e->nodes);
  g_ptr_array_unref (e->problems);
  g_string_chunk_free (e->strings);
  g_ptr_array_unref (e->module_items);
  cq_sandbox_free (e->sb);
  g_free (e);
}
