/* SPDX-License-Identifier: EUPL-1.2 */
/* Loads an instrument bundle: the main XML file, the module files it
 * includes and its scoring script; checks everything a schema cannot. */
#include "cq-instrument-private.h"

#include <libxml/tree.h>
#include <string.h>

#include "cq-expr.h"
#include "cq-util.h"
#include "cq-xml.h"

#define MAX_SCRIPT_SIZE (1024u * 1024u)
#define MAX_INCLUDES 256

/* Where an id was declared, to point at the first definition. */
typedef struct {
  CqXmlFile *f;
  xmlNodePtr node;
  const char *what;
} Decl;

/* An expression waiting for every item to be known. */
typedef struct {
  CqExpr *expr;
  CqItem *owner;          /* the item whose relevance or constraint it is; NULL for scopes */
  GPtrArray *scope_items; /* module or domain relevance: the items it governs */
  gboolean is_constraint;
  CqXmlFile *f;
  xmlNodePtr node;
  CqExprScan scan;
} PendingExpr;

typedef struct {
  CqInstrument *inst;
  CqInstrumentPrivate *priv;
  CqDiags *diags;
  char *dir;          /* the bundle folder on disk */
  char *display_dir;  /* the folder as messages show it */
  GPtrArray *files;   /* CqXmlFile*, alive until the end of the load */
  GPtrArray *bundle;  /* CqBundleFile* */
  CqExprCompiler *compiler;
  GHashTable *decls;  /* "kind\x1fid" -> Decl* */
  GPtrArray *pending; /* PendingExpr* */
  GPtrArray *roles, *compartments, *scales, *inferences, *modules, *domains, *items,
    *protocols;
  GHashTable *memory;   /* relpath -> GBytes when loading a stored bundle, else NULL */
  GString *scratch, *scratch2; /* reused text buffers */
  GThreadPool *validators;      /* schema checks, beside the model building */
  GPtrArray *schema_diags;      /* CqDiags*, one per file, merged at the end */
  CqModule *cur_module;
  CqDomain *cur_domain;
  GPtrArray *cur_module_items;
  GHashTable *origins;  /* domain, item or protocol -> Origin*: where it was written */
} Loader;

/* The element a part of the model comes from, for the ethics rules' messages. */
typedef struct {
  CqXmlFile *f;
  xmlNodePtr node;
} Origin;

static void
remember (Loader *L, gconstpointer object, CqXmlFile *f, xmlNodePtr node)
{
  Origin *o = g_new (Origin, 1);
  *o = (Origin) { f, node };
  g_hash_table_insert (L->origins, (gpointer) object, o);
}

/* Small helpers =========================================================== */

static gpointer
arena_alloc (Loader *L, gsize size)
{
  gpointer p = g_malloc0 (size);
  g_ptr_array_add (L->priv->allocs, p);
  return p;
}
#define arena_new(L, T) ((T *) arena_alloc ((L), sizeof (T)))

static const char *
intern (Loader *L, const char *s)
{
  return s ? g_string_chunk_insert_const (L->priv->strings, s) : NULL;
}

/* Hands the array's storage to the instrument; returns it. */
static gpointer
freeze (Loader *L, GPtrArray *a)
{
  g_ptr_array_add (L->priv->arrays, a);
  return a->pdata;
}

#define is_ns(n) cq_xml_is ((n), CQ_XML_NS, NULL)
#define is_el(n, name) cq_xml_is ((n), CQ_XML_NS, (name))
#define first_el(parent) cq_xml_first ((parent), CQ_XML_NS)
#define next_el(n) cq_xml_next (n)
#define child(parent, name) cq_xml_child ((parent), (name))
#define attr(n, name) cq_xml_attr ((n), (name))
#define node_text(n, scratch) cq_xml_text ((n), (scratch))

#define FOR_CHILDREN(c, parent, nm) \
  for (xmlNodePtr c = first_el (parent); c; c = next_el (c)) \
    if (strcmp ((const char *) c->name, (nm)) == 0)

static gboolean
attr_bool (xmlNodePtr n, const char *name, gboolean dflt)
{
  const char *v = attr (n, name);
  if (v == NULL)
    return dflt;
  return strcmp (v, "true") == 0 || strcmp (v, "1") == 0;
}

static guint
attr_uint (xmlNodePtr n, const char *name, guint dflt)
{
  const char *v = attr (n, name);
  guint64 x;
  if (v == NULL || !g_ascii_string_to_unsigned (v, 10, 0, G_MAXUINT, &x, NULL))
    return dflt;
  return (guint) x;
}

static CqDiag *
diag_at (Loader *L, CqDiagSeverity sev, CqXmlFile *f, int line, int col, const char *fmt, va_list ap)
  G_GNUC_PRINTF (6, 0);

static CqDiag *
diag_at (Loader *L, CqDiagSeverity sev, CqXmlFile *f, int line, int col, const char *fmt, va_list ap)
{
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  return cq_diags_add (L->diags, sev, f->display, line, col, "%s", msg);
}

static CqDiag *
err_node (Loader *L, CqXmlFile *f, xmlNodePtr n, const char *fmt, ...) G_GNUC_PRINTF (4, 5);
static CqDiag *
err_node (Loader *L, CqXmlFile *f, xmlNodePtr n, const char *fmt, ...)
{
  int line, col;
  va_list ap;
  cq_xml_pos_element (f, n, &line, &col);
  va_start (ap, fmt);
  CqDiag *d = diag_at (L, CQ_DIAG_ERROR, f, line, col, fmt, ap);
  va_end (ap);
  return d;
}

static CqDiag *
warn_node (Loader *L, CqXmlFile *f, xmlNodePtr n, const char *fmt, ...) G_GNUC_PRINTF (4, 5);
static CqDiag *
warn_node (Loader *L, CqXmlFile *f, xmlNodePtr n, const char *fmt, ...)
{
  int line, col;
  va_list ap;
  cq_xml_pos_element (f, n, &line, &col);
  va_start (ap, fmt);
  CqDiag *d = diag_at (L, CQ_DIAG_WARNING, f, line, col, fmt, ap);
  va_end (ap);
  return d;
}

/* An error at an attribute, or at byte value_off of its value (-1: the name). */
static CqDiag *
err_attr (Loader *L, CqXmlFile *f, xmlNodePtr n, const char *a, gssize value_off,
          const char *fmt, ...) G_GNUC_PRINTF (6, 7);
static CqDiag *
err_attr (Loader *L, CqXmlFile *f, xmlNodePtr n, const char *a, gssize value_off,
          const char *fmt, ...)
{
  int line, col;
  va_list ap;
  cq_xml_pos_attr (f, n, a, value_off, &line, &col);
  va_start (ap, fmt);
  CqDiag *d = diag_at (L, CQ_DIAG_ERROR, f, line, col, fmt, ap);
  va_end (ap);
  return d;
}

static CqDiag *
err_text (Loader *L, CqXmlFile *f, xmlNodePtr n, gsize off, const char *fmt, ...)
  G_GNUC_PRINTF (5, 6);
static CqDiag *
err_text (Loader *L, CqXmlFile *f, xmlNodePtr n, gsize off, const char *fmt, ...)
{
  int line, col;
  va_list ap;
  cq_xml_pos_text (f, n, off, &line, &col);
  va_start (ap, fmt);
  CqDiag *d = diag_at (L, CQ_DIAG_ERROR, f, line, col, fmt, ap);
  va_end (ap);
  return d;
}

static int
cmp_strp (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* "did you mean" among the ids of a table, or the list of them. */
static void
hint_ids (CqDiag *d, GHashTable *table, const char *id, const char *kind_plural)
{
  guint n = 0;
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (table, &n);
  const char *best = cq_suggest (id, keys, n);

  if (best != NULL)
    cq_diag_set_hint (d, "did you mean '%s'?", best);
  else if (n == 0)
    cq_diag_set_hint (d, "no %s are declared", kind_plural);
  else if (n <= 12)
    {
      qsort (keys, n, sizeof (char *), cmp_strp);
      g_autofree char *list = g_strjoinv (", ", (char **) keys);
      /* g_strjoinv needs a NULL-terminated vector; keys is one. */
      cq_diag_set_hint (d, "declared %s: %s", kind_plural, list);
    }
}

/* Declarations and duplicates ============================================ */

static gboolean
declare (Loader *L, const char *space, const char *id, CqXmlFile *f, xmlNodePtr n,
         const char *what)
{
  g_autofree char *key = g_strdup_printf ("%s\x1f%s", space, id);
  Decl *prev = g_hash_table_lookup (L->decls, key);

  if (prev != NULL)
    {
      CqDiag *d = err_attr (L, f, n, "id", 0, "duplicate %s id '%s'", what, id);
      int line, col;
      cq_xml_pos_attr (prev->f, prev->node, "id", 0, &line, &col);
      cq_diag_set_hint (d, "'%s' is already the id of %s %s at %s:%d:%d; ids must be unique",
                        id, strchr ("aeiou", prev->what[0]) ? "an" : "a", prev->what,
                        prev->f->display, line, col);
      return FALSE;
    }
  Decl *decl = g_new0 (Decl, 1);
  *decl = (Decl) { f, n, what };
  g_hash_table_insert (L->decls, g_steal_pointer (&key), decl);
  return TRUE;
}

/* Localised text ========================================================== */

/* Runs of white space become one space; none at either end. */
static const char *
normalise_space (const char *s, GString *out)
{
  gboolean space = FALSE;

  g_string_truncate (out, 0);
  for (; *s; s++)
    if (g_ascii_isspace (*s))
      space = TRUE;
    else
      {
        if (space && out->len > 0)
          g_string_append_c (out, ' ');
        space = FALSE;
        g_string_append_c (out, *s);
      }
  return out->str;
}

/* Reads a localised text; what_fmt names it in messages ("the label of
 * item '%s'"), formatted only when there is something to say. */
static CqText
read_text (Loader *L, CqXmlFile *f, xmlNodePtr container, const char *what_fmt, ...)
  G_GNUC_PRINTF (4, 5);

static CqText
read_text (Loader *L, CqXmlFile *f, xmlNodePtr container, const char *what_fmt, ...)
{
  CqText t = { 0, NULL };
  if (container == NULL)
    return t;
  va_list ap;
  va_start (ap, what_fmt);
  g_autofree char *what = NULL;
#define WHAT (what ? what : (what = g_strdup_vprintf (what_fmt, ap)))
  CqTextEntry entries[16];
  guint n = 0;

  FOR_CHILDREN (c, container, "text")
    {
      const char *lang = attr (c, "lang");
      if (lang == NULL)
        continue;
      const char *declared = NULL;
      gboolean dup = FALSE;
      for (guint i = 0; i < L->inst->n_languages; i++)
        if (strcmp (L->inst->languages[i], lang) == 0)
          declared = L->inst->languages[i];
      for (guint i = 0; i < n; i++)
        if (strcmp (entries[i].lang, lang) == 0)
          dup = TRUE;
      if (declared == NULL)
        {
          CqDiag *d = err_attr (L, f, c, "lang", 0, "%s has text in '%s', which is not a declared "
                                "language", WHAT, lang);
          g_autofree char *langs = g_strjoinv (" ", (char **) L->inst->languages);
          cq_diag_set_hint (d, "the instrument declares languages=\"%s\"", langs);
          continue;
        }
      if (dup || n == G_N_ELEMENTS (entries))
        {
          err_attr (L, f, c, "lang", 0, "%s has two '%s' texts", WHAT, lang);
          continue;
        }
      const char *norm = normalise_space (node_text (c, L->scratch), L->scratch2);
      if (*norm == '\0')
        err_node (L, f, c, "%s has an empty '%s' text", WHAT, lang);
      entries[n++] = (CqTextEntry) { declared, g_string_chunk_insert (L->priv->strings, norm) };
    }

  for (guint i = 0; i < L->inst->n_languages; i++)
    {
      gboolean found = FALSE;
      for (guint k = 0; k < n; k++)
        found |= entries[k].lang == L->inst->languages[i];
      if (!found)
        {
          CqDiag *d = err_node (L, f, container, "%s has no '%s' text", WHAT,
                                L->inst->languages[i]);
          cq_diag_set_hint (d, "add <text lang=\"%s\">…</text>: every text needs each declared "
                               "language", L->inst->languages[i]);
        }
    }
#undef WHAT
  va_end (ap);
  t.n = n;
  if (n > 0)
    {
      CqTextEntry *copy = arena_alloc (L, n * sizeof (CqTextEntry));
      memcpy (copy, entries, n * sizeof (CqTextEntry));
      t.entries = copy;
    }
  return t;
}

/* Declarations ============================================================ */

static void
load_metadata (Loader *L, CqXmlFile *f, xmlNodePtr md)
{
  CqInstrument *I = L->inst;
  GPtrArray *authors = g_ptr_array_new ();

  I->title = read_text (L, f, child (md, "title"), "the instrument's title");
  I->description = read_text (L, f, child (md, "description"), "the instrument's description");
  FOR_CHILDREN (a, md, "author")
    {
      g_ptr_array_add (authors, (gpointer) intern (L, normalise_space (node_text (a, L->scratch),
                                                                       L->scratch2)));
    }
  I->n_authors = authors->len;
  g_ptr_array_add (authors, NULL);
  I->authors = freeze (L, authors);

  xmlNodePtr lic = child (md, "licence");
  if (lic != NULL)
    {
      I->licence = intern (L, normalise_space (node_text (lic, L->scratch), L->scratch2));
      I->licence_spdx = intern (L, attr (lic, "spdx"));
    }
  xmlNodePtr val = child (md, "validation");
  const char *status = attr (val, "status");
  I->validation = g_strcmp0 (status, "validated") == 0 ? CQ_VALIDATION_VALIDATED
                  : g_strcmp0 (status, "pilot") == 0 ? CQ_VALIDATION_PILOT
                  : CQ_VALIDATION_ILLUSTRATIVE;
  I->validation_note = read_text (L, f, val, "the validation statement");
  I->intended_use = read_text (L, f, child (md, "intended-use"), "the intended use");
  I->limitations = read_text (L, f, child (md, "limitations"), "the limitations statement");
}

static guint
profile_bits (const char *list)
{
  guint bits = 0;
  g_auto (GStrv) v = g_strsplit_set (list ? list : "", " \t\n", -1);
  for (guint i = 0; v[i]; i++)
    bits |= strcmp (v[i], "commission") == 0 ? CQ_PROFILE_COMMISSION
            : strcmp (v[i], "partner") == 0 ? CQ_PROFILE_PARTNER
            : strcmp (v[i], "subject-access") == 0 ? CQ_PROFILE_SUBJECT_ACCESS : 0;
  return bits;
}

static guint
source_bits (const char *list)
{
  guint bits = 0;
  if (list == NULL)
    return CQ_SOURCE_ALL;
  g_auto (GStrv) v = g_strsplit_set (list, " \t\n", -1);
  for (guint i = 0; v[i]; i++)
    for (guint b = 0; b < 5; b++)
      if (strcmp (v[i], cq_source_name (1u << b)) == 0)
        bits |= 1u << b;
  return bits;
}

/* The tokens of a list attribute with their byte offsets in the value. */
typedef struct {
  char *token;
  gsize off;
} Token;

static GArray *
tokens (const char *list)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Token));
  const char *p = list ? list : "";
  while (*p)
    {
      while (*p && g_ascii_isspace (*p))
        p++;
      const char *start = p;
      while (*p && !g_ascii_isspace (*p))
        p++;
      if (p > start)
        {
          Token t = { g_strndup (start, p - start), (gsize) (start - list) };
          g_array_append_val (out, t);
        }
    }
  return out;
}

static void
tokens_free (GArray *t)
{
  for (guint i = 0; i < t->len; i++)
    g_free (g_array_index (t, Token, i).token);
  g_array_unref (t);
}

static void
load_declarations (Loader *L, CqXmlFile *f, xmlNodePtr root)
{
  CqInstrumentPrivate *P = L->priv;

  FOR_CHILDREN (c, child (root, "compartments"), "compartment")
    {
      const char *id = attr (c, "id");
      if (id == NULL || !declare (L, "compartment", id, f, c, "compartment"))
        continue;
      CqCompartment *x = arena_new (L, CqCompartment);
      x->id = intern (L, id);
      x->label = read_text (L, f, child (c, "label"), "the label of compartment '%s'", id);
      x->exports = profile_bits (attr (c, "exports"));
      g_ptr_array_add (L->compartments, x);
      g_hash_table_insert (P->compartments, (gpointer) x->id, x);
    }

  FOR_CHILDREN (c, child (root, "roles"), "role")
    {
      const char *id = attr (c, "id");
      if (id == NULL || !declare (L, "role", id, f, c, "role"))
        continue;
      CqRole *x = arena_new (L, CqRole);
      x->id = intern (L, id);
      x->label = read_text (L, f, child (c, "label"), "the label of role '%s'", id);
      GArray *t = tokens (attr (c, "reads"));
      GPtrArray *reads = g_ptr_array_new ();
      for (guint i = 0; i < t->len; i++)
        {
          Token *tk = &g_array_index (t, Token, i);
          if (!g_hash_table_contains (P->compartments, tk->token))
            {
              CqDiag *d = err_attr (L, f, c, "reads", (gssize) tk->off,
                                    "role '%s' reads undefined compartment '%s'", id, tk->token);
              hint_ids (d, P->compartments, tk->token, "compartments");
            }
          else
            g_ptr_array_add (reads, (gpointer) intern (L, tk->token));
        }
      tokens_free (t);
      x->n_reads = reads->len;
      g_ptr_array_add (reads, NULL);
      x->reads = freeze (L, reads);
      g_ptr_array_add (L->roles, x);
      g_hash_table_insert (P->roles, (gpointer) x->id, x);
    }

  for (xmlNodePtr c = first_el (child (root, "scales")); c; c = next_el (c))
    {
      const char *id = attr (c, "id");
      gboolean ordered = is_el (c, "scale");
      if (id == NULL || !declare (L, "scale", id, f, c, ordered ? "scale" : "option list"))
        continue;
      CqScale *x = arena_new (L, CqScale);
      x->id = intern (L, id);
      x->ordered = ordered;
      x->label = read_text (L, f, child (c, "label"), "the label of %s '%s'",
                            ordered ? "scale" : "option list", id);
      GPtrArray *levels = g_ptr_array_new ();
      g_autofree char *space = g_strdup_printf ("level:%s", id);
      xmlNodePtr first_insufficient = NULL;
      FOR_CHILDREN (lv, c, ordered ? "level" : "option")
        {
          const char *lid = attr (lv, "id");
          if (lid == NULL || !declare (L, space, lid, f, lv, ordered ? "level" : "option"))
            continue;
          CqLevel *l = arena_new (L, CqLevel);
          l->id = intern (L, lid);
          l->index = levels->len;
          l->insufficient = attr_bool (lv, "insufficient", FALSE);
          l->label = read_text (L, f, child (lv, "label"), "the label of %s '%s' in '%s'",
                                ordered ? "level" : "option", lid, id);
          if (l->insufficient && first_insufficient != NULL)
            err_attr (L, f, lv, "insufficient", -1,
                      "scale '%s' has more than one 'insufficient information' level", id);
          if (l->insufficient)
            first_insufficient = lv;
          g_ptr_array_add (levels, l);
        }
      x->n_levels = levels->len;
      x->levels = freeze (L, levels);
      g_ptr_array_add (L->scales, x);
      g_hash_table_insert (P->scales, (gpointer) x->id, x);
    }

  FOR_CHILDREN (c, child (root, "prohibited-inferences"), "inference")
    {
      const char *id = attr (c, "id");
      if (id == NULL || !declare (L, "inference", id, f, c, "prohibited inference"))
        continue;
      CqInference *x = arena_new (L, CqInference);
      x->id = intern (L, id);
      x->text = read_text (L, f, c, "prohibited inference '%s'", id);
      g_ptr_array_add (L->inferences, x);
      g_hash_table_insert (P->inferences, (gpointer) x->id, x);
    }
}

/* Expressions ============================================================= */

static CqExpr *
read_expr (Loader *L, CqXmlFile *f, xmlNodePtr n, CqItem *owner, GPtrArray *scope_items,
           gboolean is_constraint, const char *what_fmt, ...) G_GNUC_PRINTF (7, 8);

static CqExpr *
read_expr (Loader *L, CqXmlFile *f, xmlNodePtr n, CqItem *owner, GPtrArray *scope_items,
           gboolean is_constraint, const char *what_fmt, ...)
{
  if (n == NULL)
    return NULL;
  const char *src = node_text (n, L->scratch);
  CqExpr *e = arena_new (L, CqExpr);

  e->source = g_string_chunk_insert (L->priv->strings, src);
  src = e->source;
  e->where = (CqLocation) { intern (L, f->relpath), (int) xmlGetLineNo (n) };

  int line = 0;
  g_autofree char *msg = NULL;
  gsize len = strlen (src);
  if (!cq_expr_compile (L->compiler, src, len, &line, &msg))
    {
      /* Point at the first non-blank character of the line Lua names. */
      gsize off = 0;
      for (int l = 1; l < line && off < len; off++)
        if (src[off] == '\n')
          l++;
      while (off < len && g_ascii_isspace (src[off]))
        off++;
      /* Lua gives no column; "near 'tok'" usually finds it on that line. */
      const char *near = strstr (msg, "near '");
      if (near != NULL)
        {
          g_autofree char *tok = g_strdup (near + 6);
          char *q = strrchr (tok, '\'');
          if (q != NULL)
            *q = '\0';
          gsize eol = off;
          while (eol < len && src[eol] != '\n')
            eol++;
          const char *hit = *tok ? g_strstr_len (src + off, (gssize) (eol - off), tok) : NULL;
          if (hit != NULL)
            off = (gsize) (hit - src);
        }
      va_list ap;
      va_start (ap, what_fmt);
      g_autofree char *what = g_strdup_vprintf (what_fmt, ap);
      va_end (ap);
      CqDiag *d = err_text (L, f, n, off, "%s does not compile: %s", what, msg);
      if (strstr (msg, "near '='") != NULL)
        cq_diag_set_hint (d, "compare with '==' (equal) or '~=' (different)");
      else if (strstr (msg, "<eof> expected") != NULL)
        cq_diag_set_hint (d, "write one Lua expression, not a statement");
    }

  PendingExpr *p = g_new0 (PendingExpr, 1);
  p->expr = e;
  p->owner = owner;
  p->scope_items = scope_items;
  p->is_constraint = is_constraint;
  p->f = f;
  p->node = n;
  cq_expr_scan (src, len, &p->scan);
  g_ptr_array_add (L->pending, p);
  return e;
}

/* Items =================================================================== */

static const CqScale *
scale_ref (Loader *L, CqXmlFile *f, xmlNodePtr n, const char *a, gboolean want_ordered,
           const char *owner_what)
{
  const char *id = attr (n, a);
  if (id == NULL)
    return NULL;
  const CqScale *s = g_hash_table_lookup (L->priv->scales, id);
  if (s == NULL)
    {
      CqDiag *d = err_attr (L, f, n, a, 0, "%s uses undefined %s '%s'", owner_what,
                            want_ordered ? "scale" : "option list", id);
      hint_ids (d, L->priv->scales, id, "scales and option lists");
      return NULL;
    }
  if (s->ordered != want_ordered)
    {
      CqDiag *d = err_attr (L, f, n, a, 0, "%s uses '%s', which is %s", owner_what, id,
                            s->ordered ? "a rating scale, not an option list"
                                       : "an option list, not a rating scale");
      cq_diag_set_hint (d, want_ordered ? "ratings need a <scale> with ordered <level>s"
                                        : "choices need an <options> list");
      return NULL;
    }
  return s;
}

static void
read_answer (Loader *L, CqXmlFile *f, xmlNodePtr n, CqAnswerSpec *a, const char *owner_what)
{
  const char *name = (const char *) n->name;

  if (strcmp (name, "rating") == 0)
    {
      a->type = CQ_ANSWER_RATING;
      a->scale = scale_ref (L, f, n, "scale", TRUE, owner_what);
      a->relevance = scale_ref (L, f, n, "relevance", TRUE, owner_what);
      if (a->scale != NULL)
        {
          gboolean has = FALSE;
          for (guint i = 0; i < a->scale->n_levels; i++)
            has |= a->scale->levels[i]->insufficient;
          if (!has)
            {
              CqDiag *d = err_attr (L, f, n, "scale", 0, "%s is rated on scale '%s', which has no "
                                    "'insufficient information' level", owner_what, a->scale->id);
              cq_diag_set_hint (d, "mark one level insufficient=\"true\": raters must be able to "
                                   "say what is missing instead of guessing");
            }
        }
    }
  else if (strcmp (name, "choice") == 0)
    {
      a->type = CQ_ANSWER_CHOICE;
      a->scale = scale_ref (L, f, n, "options", FALSE, owner_what);
      a->multiple = attr_bool (n, "multiple", FALSE);
    }
  else if (strcmp (name, "free-text") == 0)
    {
      a->type = CQ_ANSWER_FREE_TEXT;
      a->max_length = attr_uint (n, "max-length", 4000);
    }
  else if (strcmp (name, "number") == 0)
    {
      a->type = CQ_ANSWER_NUMBER;
      const char *mn = attr (n, "min"), *mx = attr (n, "max");
      a->has_min = mn != NULL;
      a->has_max = mx != NULL;
      a->min = mn ? g_ascii_strtod (mn, NULL) : 0;
      a->max = mx ? g_ascii_strtod (mx, NULL) : 0;
      a->integer = attr_bool (n, "integer", FALSE);
      a->unit = intern (L, attr (n, "unit"));
      if (a->has_min && a->has_max && a->min > a->max)
        err_attr (L, f, n, "min", -1, "%s has min=\"%s\" greater than max=\"%s\"", owner_what,
                  mn, mx);
    }
  else if (strcmp (name, "date") == 0)
    {
      const char *p = attr (n, "precision");
      a->type = CQ_ANSWER_DATE;
      a->precision = g_strcmp0 (p, "year") == 0 ? CQ_DATE_YEAR
                     : g_strcmp0 (p, "month") == 0 ? CQ_DATE_MONTH : CQ_DATE_DAY;
    }
  else if (strcmp (name, "records") == 0)
    {
      a->type = CQ_ANSWER_RECORDS;
      a->records_min = attr_uint (n, "min", 0);
      a->records_max = attr_uint (n, "max", 500);
      if (a->records_min > a->records_max)
        err_attr (L, f, n, "min", -1, "%s has min=\"%u\" greater than max=\"%u\"", owner_what,
                  a->records_min, a->records_max);
      GPtrArray *fields = g_ptr_array_new ();
      g_autofree char *space = g_strdup_printf ("field:%p", (void *) n);
      FOR_CHILDREN (fn, n, "field")
        {
          const char *id = attr (fn, "id");
          if (id == NULL || !declare (L, space, id, f, fn, "record field"))
            continue;
          CqField *fd = arena_new (L, CqField);
          fd->id = intern (L, id);
          fd->required = attr_bool (fn, "required", FALSE);
          g_autofree char *what = g_strdup_printf ("field '%s' of %s", id, owner_what);
          fd->label = read_text (L, f, child (fn, "label"), "the label of %s", what);
          for (xmlNodePtr an = first_el (fn); an; an = next_el (an))
            if (!is_el (an, "label"))
              read_answer (L, f, an, &fd->answer, what);
          g_ptr_array_add (fields, fd);
        }
      a->n_fields = fields->len;
      a->fields = freeze (L, fields);
    }
}

static gboolean
answer_el (xmlNodePtr n)
{
  static const char *const names[] = { "rating", "choice", "free-text", "number", "date",
                                       "records", NULL };
  for (guint i = 0; names[i]; i++)
    if (is_el (n, names[i]))
      return TRUE;
  return FALSE;
}

static void
add_inference (Loader *L, CqXmlFile *f, xmlNodePtr ref, GPtrArray *into)
{
  const char *id = attr (ref, "ref");
  if (id == NULL)
    return;
  CqInference *inf = g_hash_table_lookup (L->priv->inferences, id);
  if (inf == NULL)
    {
      CqDiag *d = err_attr (L, f, ref, "ref", 0, "undefined prohibited inference '%s'", id);
      hint_ids (d, L->priv->inferences, id, "prohibited inferences");
      return;
    }
  if (!g_ptr_array_find (into, inf, NULL))
    g_ptr_array_add (into, inf);
}

static void
load_item (Loader *L, CqXmlFile *f, xmlNodePtr n, GPtrArray *scope_inferences)
{
  CqInstrumentPrivate *P = L->priv;
  const char *id = attr (n, "id");
  if (id == NULL)
    return;
  /* A duplicate is still checked, so that its own errors show too, but it
   * joins neither the model nor the dependency graph. */
  gboolean registered = declare (L, "element", id, f, n, "item");

  CqItem *it = arena_new (L, CqItem);
  g_autofree char *what = g_strdup_printf ("item '%s'", id);
  it->id = intern (L, id);
  it->index = L->items->len;
  it->domain = L->cur_domain;
  it->where = (CqLocation) { intern (L, f->relpath), (int) xmlGetLineNo (n) };
  if (registered)
    remember (L, it, f, n);
  const char *kind = attr (n, "kind");
  it->kind = CQ_KIND_CONTEXT; /* when missing or unknown: the schema says so */
  for (guint k = 0; k <= CQ_KIND_ACCOUNT; k++)
    if (g_strcmp0 (kind, cq_item_kind_name (k)) == 0)
      it->kind = k;
  const char *tf = attr (n, "timeframe");
  for (guint k = 0; k <= CQ_TIMEFRAME_FUTURE; k++)
    if (g_strcmp0 (tf, cq_timeframe_name (k)) == 0)
      it->timeframe = k;
  it->dynamic = attr_bool (n, "dynamic", FALSE);

  const char *comp = attr (n, "compartment");
  if (comp != NULL)
    {
      it->compartment = g_hash_table_lookup (P->compartments, comp);
      if (it->compartment == NULL)
        {
          CqDiag *d = err_attr (L, f, n, "compartment", 0, "%s is in undefined compartment '%s'",
                                what, comp);
          hint_ids (d, P->compartments, comp, "compartments");
        }
    }

  GArray *tags = tokens (attr (n, "tags"));
  GPtrArray *tagv = g_ptr_array_new ();
  for (guint i = 0; i < tags->len; i++)
    g_ptr_array_add (tagv, (gpointer) intern (L, g_array_index (tags, Token, i).token));
  tokens_free (tags);
  it->n_tags = tagv->len;
  g_ptr_array_add (tagv, NULL);
  it->tags = freeze (L, tagv);

  /* One pass over the children: items are most of an instrument. The
   * schema keeps elements of one kind together, so a run starts at the
   * first of them. */
  xmlNodePtr label = NULL, rb = NULL, answer = NULL, prompt = NULL, guide = NULL, ev = NULL,
             inference = NULL, relevant = NULL, constraint = NULL;
  for (xmlNodePtr c = first_el (n); c; c = next_el (c))
    {
      const char *nm = (const char *) c->name;
#define SLOT(var, name) if (var == NULL && strcmp (nm, name) == 0) var = c; else
      SLOT (label, "label")
      SLOT (rb, "rated-by")
      SLOT (prompt, "prompt")
      SLOT (guide, "guidance")
      SLOT (ev, "evidence")
      SLOT (inference, "prohibited-inference")
      SLOT (relevant, "relevant-when")
      SLOT (constraint, "constraint")
      if (answer == NULL && answer_el (c))
        answer = c;
#undef SLOT
    }
#define FOR_RUN(c, first) \
  for (xmlNodePtr c = (first); c != NULL && c->name == (first)->name; c = next_el (c))

  it->label = read_text (L, f, label, "the label of %s", what);

  GPtrArray *raters = g_ptr_array_new ();
  if (rb != NULL)
    {
      GArray *t = tokens (attr (rb, "roles"));
      for (guint i = 0; i < t->len; i++)
        {
          Token *tk = &g_array_index (t, Token, i);
          CqRole *r = g_hash_table_lookup (P->roles, tk->token);
          if (r == NULL)
            {
              CqDiag *d = err_attr (L, f, rb, "roles", (gssize) tk->off,
                                    "%s is rated by undefined role '%s'", what, tk->token);
              hint_ids (d, P->roles, tk->token, "roles");
            }
          else if (g_ptr_array_find (raters, r, NULL))
            err_attr (L, f, rb, "roles", (gssize) tk->off, "role '%s' is listed twice", tk->token);
          else
            {
              g_ptr_array_add (raters, r);
              gboolean reads = it->compartment == NULL;
              for (guint k = 0; !reads && k < r->n_reads; k++)
                reads = strcmp (r->reads[k], it->compartment->id) == 0;
              if (!reads)
                {
                  CqDiag *d = err_attr (L, f, rb, "roles", (gssize) tk->off,
                                        "role '%s' rates %s but may not read its compartment '%s'",
                                        tk->token, what, it->compartment->id);
                  cq_diag_set_hint (d, "a rater sees what they rate: add '%s' to the reads of role "
                                    "'%s', or choose raters who may read it (need to know)",
                                    it->compartment->id, tk->token);
                }
            }
        }
      tokens_free (t);
    }
  it->n_raters = raters->len;
  it->raters = freeze (L, raters);

  if (answer != NULL)
    read_answer (L, f, answer, &it->answer, what);

  GArray *prompts = g_array_new (FALSE, TRUE, sizeof (CqText));
  FOR_RUN (c, prompt)
    {
      CqText t = read_text (L, f, c, "prompt %u of %s", prompts->len + 1, what);
      g_array_append_val (prompts, t);
    }
  it->n_prompts = prompts->len;
  it->prompts = (const CqText *) g_array_free (prompts, FALSE);
  g_ptr_array_add (P->allocs, (gpointer) it->prompts);

  GArray *guidance = g_array_new (FALSE, TRUE, sizeof (CqGuidance));
  const CqScale *levels = it->answer.scale;
  FOR_RUN (c, guide)
    {
      const char *level = attr (c, "level");
      if (level == NULL)
        continue;
      if (it->answer.type != CQ_ANSWER_RATING && it->answer.type != CQ_ANSWER_CHOICE)
        {
          err_node (L, f, c, "%s has rating guidance, but its answer is %s", what,
                    cq_answer_type_name (it->answer.type));
          continue;
        }
      if (levels != NULL && cq_scale_level (levels, level) == NULL)
        {
          CqDiag *d = err_attr (L, f, c, "level", 0, "guidance for '%s', which is not a %s of '%s'",
                                level, levels->ordered ? "level" : "option", levels->id);
          g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
          for (guint i = 0; i < levels->n_levels; i++)
            g_hash_table_add (ids, (gpointer) levels->levels[i]->id);
          hint_ids (d, ids, level, levels->ordered ? "levels" : "options");
          continue;
        }
      gboolean dup = FALSE;
      for (guint i = 0; i < guidance->len; i++)
        dup |= strcmp (g_array_index (guidance, CqGuidance, i).level, level) == 0;
      if (dup)
        {
          err_attr (L, f, c, "level", 0, "%s has two guidance entries for '%s'", what, level);
          continue;
        }
      CqGuidance g = { intern (L, level),
                       read_text (L, f, c, "the guidance for '%s' of %s", level, what) };
      g_array_append_val (guidance, g);
    }
  if (it->answer.type == CQ_ANSWER_RATING && levels != NULL && guidance->len > 0)
    for (guint i = 0; i < levels->n_levels; i++)
      {
        gboolean found = FALSE;
        for (guint k = 0; k < guidance->len; k++)
          found |= strcmp (g_array_index (guidance, CqGuidance, k).level, levels->levels[i]->id) == 0;
        if (!found)
          warn_node (L, f, n, "%s has no rating guidance for level '%s'", what, levels->levels[i]->id);
      }
  it->n_guidance = guidance->len;
  it->guidance = (const CqGuidance *) g_array_free (guidance, FALSE);
  g_ptr_array_add (P->allocs, (gpointer) it->guidance);

  it->evidence_min = ev ? attr_uint (ev, "min", 1) : 0;
  it->evidence_min_sources = ev ? attr_uint (ev, "min-sources", 1) : 0;
  it->evidence_sources = source_bits (ev ? attr (ev, "sources") : NULL);
  if (ev != NULL)
    {
      it->evidence_note = read_text (L, f, child (ev, "note"), "the evidence note of %s", what);
      guint kinds = 0;
      for (guint b = 0; b < 5; b++)
        kinds += (it->evidence_sources >> b) & 1;
      if (it->evidence_min_sources > kinds)
        err_attr (L, f, ev, "min-sources", -1,
                  "%s needs evidence from %u independent sources but accepts only %u kind%s of source",
                  what, it->evidence_min_sources, kinds, kinds == 1 ? "" : "s");
      if (it->evidence_min_sources > it->evidence_min)
        err_attr (L, f, ev, "min-sources", -1,
                  "%s needs %u independent sources but only %u evidence entries", what,
                  it->evidence_min_sources, it->evidence_min);
    }

  GPtrArray *inf = g_ptr_array_new ();
  for (guint i = 0; i < scope_inferences->len; i++)
    g_ptr_array_add (inf, scope_inferences->pdata[i]);
  FOR_RUN (c, inference)
    add_inference (L, f, c, inf);
  it->n_inferences = inf->len;
  it->inferences = freeze (L, inf);

  it->relevant_when = read_expr (L, f, relevant, it, NULL, FALSE,
                                 "the relevance of %s", what);
  GArray *constraints = g_array_new (FALSE, TRUE, sizeof (CqConstraint));
  FOR_RUN (c, constraint)
    {
      guint nth = constraints->len + 1;
      CqConstraint k = { 0 };
      k.check = read_expr (L, f, child (c, "check"), it, NULL, TRUE, "constraint %u of %s", nth, what);
      k.message = read_text (L, f, child (c, "message"), "the message of constraint %u of %s", nth,
                             what);
      g_array_append_val (constraints, k);
    }
  it->n_constraints = constraints->len;
  it->constraints = (const CqConstraint *) g_array_free (constraints, FALSE);
  g_ptr_array_add (P->allocs, (gpointer) it->constraints);

  if (!registered)
    {
      it->index = G_MAXUINT;
      return;
    }
  g_ptr_array_add (L->items, it);
  g_ptr_array_add (L->cur_module_items, it);
  g_hash_table_insert (P->items, (gpointer) it->id, it);
}

static void
load_module (Loader *L, CqXmlFile *f, xmlNodePtr mn)
{
  CqInstrumentPrivate *P = L->priv;
  const char *id = attr (mn, "id");
  if (id == NULL || !declare (L, "element", id, f, mn, "module"))
    return;

  CqModule *m = arena_new (L, CqModule);
  g_autofree char *what = g_strdup_printf ("module '%s'", id);
  m->id = intern (L, id);
  m->where = (CqLocation) { intern (L, f->relpath), (int) xmlGetLineNo (mn) };
  m->title = read_text (L, f, child (mn, "title"), "the title of %s", what);
  m->description = read_text (L, f, child (mn, "description"), "the description of %s", what);
  L->cur_module = m;
  GPtrArray *module_items = g_ptr_array_new ();
  g_ptr_array_add (P->arrays, module_items);
  L->cur_module_items = module_items;
  m->relevant_when = read_expr (L, f, child (mn, "relevant-when"), NULL, module_items, FALSE,
                                "the relevance of %s", what);

  g_autoptr (GPtrArray) module_inf = g_ptr_array_new ();
  FOR_CHILDREN (c, mn, "prohibited-inference")
    add_inference (L, f, c, module_inf);

  GPtrArray *domains = g_ptr_array_new ();
  FOR_CHILDREN (dn, mn, "domain")
    {
      const char *did = attr (dn, "id");
      if (did == NULL || !declare (L, "element", did, f, dn, "domain"))
        continue;
      CqDomain *d = arena_new (L, CqDomain);
      d->id = intern (L, did);
      d->module = m;
      d->where = (CqLocation) { intern (L, f->relpath), (int) xmlGetLineNo (dn) };
      remember (L, d, f, dn);
      d->title = read_text (L, f, child (dn, "title"), "the title of domain '%s'", did);
      d->description = read_text (L, f, child (dn, "description"), "the description of domain '%s'",
                                  did);
      L->cur_domain = d;

      GPtrArray *domain_items = g_ptr_array_new ();
      d->relevant_when = read_expr (L, f, child (dn, "relevant-when"), NULL, domain_items, FALSE,
                                    "the relevance of domain '%s'", did);
      g_autoptr (GPtrArray) inf = g_ptr_array_copy (module_inf, NULL, NULL);
      FOR_CHILDREN (c, dn, "prohibited-inference")
        add_inference (L, f, c, inf);

      guint first = L->items->len;
      FOR_CHILDREN (in, dn, "item")
        load_item (L, f, in, inf);
      for (guint i = first; i < L->items->len; i++)
        g_ptr_array_add (domain_items, L->items->pdata[i]);
      d->n_items = domain_items->len;
      d->items = freeze (L, domain_items);
      g_ptr_array_add (domains, d);
      g_ptr_array_add (L->domains, d);
      g_hash_table_insert (P->domains, (gpointer) d->id, d);
    }
  m->n_domains = domains->len;
  m->domains = freeze (L, domains);
  g_ptr_array_add (L->modules, m);
  g_hash_table_insert (P->modules, (gpointer) m->id, m);
  L->cur_module = NULL;
  L->cur_domain = NULL;
}

/* Files =================================================================== */

static char *
display_of (Loader *L, const char *relpath)
{
  return strcmp (L->display_dir, ".") == 0 ? g_strdup (relpath)
                                           : g_build_filename (L->display_dir, relpath, NULL);
}

static void
add_bundle_file (Loader *L, const char *relpath, GBytes *bytes)
{
  CqBundleFile *bf = arena_new (L, CqBundleFile);
  bf->path = intern (L, relpath);
  bf->bytes = g_bytes_ref (bytes);
  g_ptr_array_add (L->bundle, bf);
}

typedef struct {
  CqXmlFile *f;
  CqDiags *diags;
} ValidateTask;

/* Runs on the worker thread. (Freeing the trees there too was tried: glibc
 * makes frees from another thread's arena slow; it tripled the time.) */
static void
validate_task (gpointer data, gpointer user_data G_GNUC_UNUSED)
{
  ValidateTask *t = data;
  cq_xml_file_validate (t->f, CQ_XML_SCHEMA_INSTRUMENT, t->diags);
  g_free (t);
}

static void
merge_diags (CqDiags *into, const CqDiags *from)
{
  for (guint i = 0; i < cq_diags_len (from); i++)
    {
      const CqDiag *d = cq_diags_get (from, i);
      CqDiag *copy = cq_diags_add (into, d->severity, d->file, d->line, d->col, "%s", d->message);
      if (d->hint)
        cq_diag_set_hint (copy, "%s", d->hint);
    }
}

static CqXmlFile *
load_file (Loader *L, const char *relpath, const char *expected_root, CqXmlFile *from,
           xmlNodePtr from_node)
{
  g_autofree char *display = display_of (L, relpath);
  g_autoptr (GError) error = NULL;
  CqXmlFile *f;

  if (L->memory != NULL)
    {
      GBytes *bytes = g_hash_table_lookup (L->memory, relpath);
      if (bytes == NULL)
        {
          cq_diags_add (L->diags, CQ_DIAG_ERROR, display, 0, 0, "the stored bundle has no '%s'",
                        relpath);
          return NULL;
        }
      f = cq_xml_file_parse (bytes, display, relpath, L->diags);
    }
  else
    {
      g_autofree char *path = cq_path_inside (L->dir, relpath, &error);
      if (path == NULL)
        {
          if (from != NULL)
            err_attr (L, from, from_node, "href", 0, "cannot include '%s': %s", relpath,
                      error->message);
          else
            cq_diags_add (L->diags, CQ_DIAG_ERROR, display, 0, 0, "%s", error->message);
          return NULL;
        }
      f = cq_xml_file_load (path, display, relpath, L->diags);
    }
  if (f == NULL)
    return NULL;
  g_ptr_array_add (L->files, f);

  xmlNodePtr root = xmlDocGetRootElement (f->doc);
  if (!is_ns (root) || strcmp ((const char *) root->name, expected_root) != 0)
    {
      CqDiag *d;
      if (strcmp ((const char *) root->name, expected_root) == 0)
        {
          d = err_node (L, f, root, "<%s> is not in the colloquy instrument namespace",
                        expected_root);
          cq_diag_set_hint (d, "write <%s xmlns=\"" CQ_XML_NS "\" …>", expected_root);
        }
      else
        {
          d = err_node (L, f, root, "the root element is <%s>, expected <%s>",
                        (const char *) root->name, expected_root);
          cq_diag_set_hint (d, from ? "an included file holds one <module>"
                                    : "an instrument file starts with <instrument xmlns=\""
                                      CQ_XML_NS "\" …>");
        }
      return NULL;
    }
  add_bundle_file (L, relpath, f->bytes);
  /* The schema check reads the tree while this thread builds the model. */
  CqDiags *sd = cq_diags_new ();
  g_ptr_array_add (L->schema_diags, sd);
  ValidateTask *task = g_new (ValidateTask, 1);
  *task = (ValidateTask) { f, sd };
  g_thread_pool_push (L->validators, task, NULL);
  return f;
}

static void
load_modules (Loader *L, CqXmlFile *f, xmlNodePtr root)
{
  g_autoptr (GHashTable) included = g_hash_table_new (g_str_hash, g_str_equal);

  for (xmlNodePtr c = first_el (child (root, "modules")); c; c = next_el (c))
    if (is_el (c, "module"))
      load_module (L, f, c);
    else if (is_el (c, "include"))
      {
        const char *href = attr (c, "href");
        if (href == NULL)
          continue;
        if (g_hash_table_contains (included, href))
          {
            err_attr (L, f, c, "href", 0, "'%s' is included twice", href);
            continue;
          }
        if (g_hash_table_size (included) >= MAX_INCLUDES)
          {
            err_node (L, f, c, "more than %d included files", MAX_INCLUDES);
            break;
          }
        if (strcmp (href, f->relpath) == 0)
          {
            err_attr (L, f, c, "href", 0, "the instrument cannot include itself");
            continue;
          }
        g_hash_table_add (included, (gpointer) href);
        CqXmlFile *mf = load_file (L, href, "module", f, c);
        if (mf != NULL)
          load_module (L, mf, xmlDocGetRootElement (mf->doc));
      }
}

static void
load_scoring (Loader *L, CqXmlFile *f, xmlNodePtr root)
{
  xmlNodePtr sc = child (root, "scoring");
  const char *href = attr (sc, "script");
  if (href == NULL)
    return;

  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  if (L->memory != NULL)
    {
      bytes = g_hash_table_lookup (L->memory, href);
      if (bytes != NULL)
        g_bytes_ref (bytes);
      else
        g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "the stored bundle has no '%s'", href);
    }
  else
    {
      g_autofree char *path = cq_path_inside (L->dir, href, &error);
      bytes = path ? cq_file_read (path, MAX_SCRIPT_SIZE, &error) : NULL;
    }
  if (bytes == NULL)
    {
      CqDiag *d = err_attr (L, f, sc, "script", 0, "scoring script '%s': %s", href, error->message);
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        cq_diag_set_hint (d, "the path is relative to the instrument folder");
      return;
    }
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  /* Bytes from a store carry no terminating NUL. */
  g_autofree char *src = g_strndup (data ? data : "", len);
  g_autofree char *display = display_of (L, href);
  if (!g_utf8_validate (data, (gssize) len, NULL) || memchr (data, '\0', len) != NULL)
    {
      cq_diags_add (L->diags, CQ_DIAG_ERROR, display, 0, 0,
                    "the scoring script is not UTF-8 text");
      return;
    }
  int line = 0;
  g_autofree char *msg = NULL;
  if (!cq_lua_chunk_compile (L->compiler, src, len, &line, &msg))
    {
      int col = 1;
      const char *p = src;
      for (int l = 1; l < line && p; l++)
        {
          p = strchr (p, '\n');
          if (p)
            p++;
        }
      if (p != NULL)
        while (p[col - 1] == ' ' || p[col - 1] == '\t')
          col++;
      cq_diags_add (L->diags, CQ_DIAG_ERROR, display, line, line > 0 ? col : 0,
                    "the scoring script does not compile: %s", msg);
    }
  L->inst->scoring_path = intern (L, href);
  L->inst->scoring_source = intern (L, src);
  add_bundle_file (L, href, bytes);
}

static void
load_protocols_and_synthesis (Loader *L, CqXmlFile *f, xmlNodePtr root)
{
  CqInstrumentPrivate *P = L->priv;
  g_autoptr (GHashTable) in_protocol = g_hash_table_new (g_str_hash, g_str_equal);

  FOR_CHILDREN (pn, child (root, "protocols"), "protocol")
    {
      const char *id = attr (pn, "id");
      if (id == NULL || !declare (L, "protocol", id, f, pn, "protocol"))
        continue;
      CqProtocol *p = arena_new (L, CqProtocol);
      p->id = intern (L, id);
      p->title = read_text (L, f, child (pn, "title"), "the title of protocol '%s'", id);
      remember (L, p, f, pn);
      GPtrArray *mods = g_ptr_array_new ();
      FOR_CHILDREN (mr, pn, "module")
        {
          const char *ref = attr (mr, "ref");
          if (ref == NULL)
            continue;
          CqModule *m = g_hash_table_lookup (P->modules, ref);
          if (m == NULL)
            {
              CqDiag *d = err_attr (L, f, mr, "ref", 0, "protocol '%s' uses undefined module '%s'",
                                    id, ref);
              hint_ids (d, P->modules, ref, "modules");
            }
          else if (g_ptr_array_find (mods, m, NULL))
            err_attr (L, f, mr, "ref", 0, "protocol '%s' lists module '%s' twice", id, ref);
          else
            {
              g_ptr_array_add (mods, m);
              g_hash_table_add (in_protocol, (gpointer) m->id);
            }
        }
      p->n_modules = mods->len;
      p->modules = freeze (L, mods);
      g_ptr_array_add (L->protocols, p);
    }

  GPtrArray *sections = g_ptr_array_new ();
  FOR_CHILDREN (sn, child (root, "synthesis"), "section")
    {
      const char *ref = attr (sn, "ref");
      if (ref == NULL)
        continue;
      if (!g_hash_table_contains (P->modules, ref) && !g_hash_table_contains (P->domains, ref))
        {
          CqDiag *d = err_attr (L, f, sn, "ref", 0,
                                "synthesis section refers to '%s', which is neither a module "
                                "nor a domain", ref);
          g_autoptr (GHashTable) both = g_hash_table_new (g_str_hash, g_str_equal);
          GHashTableIter it;
          gpointer k;
          g_hash_table_iter_init (&it, P->modules);
          while (g_hash_table_iter_next (&it, &k, NULL))
            g_hash_table_add (both, k);
          g_hash_table_iter_init (&it, P->domains);
          while (g_hash_table_iter_next (&it, &k, NULL))
            g_hash_table_add (both, k);
          hint_ids (d, both, ref, "modules and domains");
        }
      else
        g_ptr_array_add (sections, (gpointer) intern (L, ref));
    }
  L->inst->n_sections = sections->len;
  g_ptr_array_add (sections, NULL);
  L->inst->sections = freeze (L, sections);

  for (guint i = 0; i < L->modules->len; i++)
    {
      CqModule *m = L->modules->pdata[i];
      if (!g_hash_table_contains (in_protocol, m->id))
        cq_diags_add (L->diags, CQ_DIAG_WARNING, f->display, m->where.line, 0,
                      "module '%s' is not part of any protocol", m->id);
    }
}

/* Expression references and dependency cycles ============================= */

static gboolean
check_ref (Loader *L, PendingExpr *p, const CqExprRef *r, const char *what)
{
  CqItem *it = g_hash_table_lookup (L->priv->items, r->item);
  const char *fn = cq_access_name (r->access);

  if (it == NULL)
    {
      CqDiag *d = err_text (L, p->f, p->node, r->item_off, "%s refers to undefined item '%s'",
                            what, r->item);
      hint_ids (d, L->priv->items, r->item, "items");
      return FALSE;
    }
  const CqAnswerSpec *a = &it->answer;
  switch (r->access)
    {
    case CQ_ACCESS_PRESENCE:
    case CQ_ACCESS_AT_LEAST:
    case CQ_ACCESS_RELEVANCE:
      if (a->type != CQ_ANSWER_RATING)
        {
          err_text (L, p->f, p->node, r->item_off, "%s() needs a rated item, but '%s' is %s",
                    fn, r->item, cq_answer_type_name (a->type));
          return TRUE;
        }
      if (r->access == CQ_ACCESS_RELEVANCE && a->relevance == NULL)
        {
          err_text (L, p->f, p->node, r->item_off, "item '%s' has no relevance scale", r->item);
          return TRUE;
        }
      break;
    case CQ_ACCESS_SELECTED:
      if (a->type != CQ_ANSWER_CHOICE)
        {
          err_text (L, p->f, p->node, r->item_off, "selected() needs a choice item, but '%s' is %s",
                    r->item, cq_answer_type_name (a->type));
          return TRUE;
        }
      break;
    case CQ_ACCESS_COUNT:
      if (a->type != CQ_ANSWER_RECORDS && !(a->type == CQ_ANSWER_CHOICE && a->multiple))
        {
          CqDiag *d = err_text (L, p->f, p->node, r->item_off,
                                "count() needs records or a multiple choice, but '%s' is %s",
                                r->item, cq_answer_type_name (a->type));
          cq_diag_set_hint (d, "use answered(\"%s\") to test whether it was answered", r->item);
          return TRUE;
        }
      break;
    case CQ_ACCESS_VALUE:
    case CQ_ACCESS_ANSWERED:
    default:
      break;
    }

  /* The literal level or option must exist in the item's scale. */
  const CqScale *s = NULL;
  if (r->level != NULL)
    {
      if (r->access == CQ_ACCESS_RELEVANCE)
        s = a->relevance;
      else if (r->access == CQ_ACCESS_PRESENCE || r->access == CQ_ACCESS_AT_LEAST
               || r->access == CQ_ACCESS_SELECTED
               || (r->access == CQ_ACCESS_VALUE && (a->type == CQ_ANSWER_RATING
                                                    || (a->type == CQ_ANSWER_CHOICE && !a->multiple))))
        s = a->scale;
    }
  if (s != NULL && cq_scale_level (s, r->level) == NULL)
    {
      CqDiag *d = err_text (L, p->f, p->node, r->level_off, "'%s' is not a%s of '%s' (item '%s')",
                            r->level, s->ordered ? " level" : "n option", s->id, r->item);
      g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < s->n_levels; i++)
        g_hash_table_add (ids, (gpointer) s->levels[i]->id);
      hint_ids (d, ids, r->level, s->ordered ? "levels" : "options");
    }
  return TRUE;
}

typedef struct {
  const CqExprRef *ref;
  PendingExpr *p;
} Edge;

typedef struct {
  Edge e;
  guint to;
} Rec;

/* For the relevance graph: the items whose visibility an expression governs. */
static void
governed_items (PendingExpr *p, GPtrArray *out)
{
  if (p->owner != NULL)
    {
      if (p->owner->index != G_MAXUINT)
        g_ptr_array_add (out, p->owner);
    }
  else if (p->scope_items != NULL)
    for (guint i = 0; i < p->scope_items->len; i++)
      g_ptr_array_add (out, p->scope_items->pdata[i]);
}

static void
check_expressions (Loader *L)
{
  guint n = L->items->len;
  /* edges[i]: (target item index, ref, expression) from item i */
  GArray **edges = g_new0 (GArray *, n);
  GPtrArray *refs = g_ptr_array_new ();

  for (guint k = 0; k < L->pending->len; k++)
    {
      PendingExpr *p = L->pending->pdata[k];
      const char *what = p->is_constraint ? "constraint" : "relevance expression";
      for (guint i = 0; i < p->scan.problems->len; i++)
        {
          CqExprProblem *pr = &g_array_index (p->scan.problems, CqExprProblem, i);
          CqDiag *d = err_text (L, p->f, p->node, pr->off, "%s", pr->message);
          if (pr->hint)
            cq_diag_set_hint (d, "%s", pr->hint);
        }
      g_ptr_array_set_size (refs, 0);
      g_autoptr (GPtrArray) governed = g_ptr_array_new ();
      governed_items (p, governed);
      for (guint i = 0; i < p->scan.refs->len; i++)
        {
          const CqExprRef *r = &g_array_index (p->scan.refs, CqExprRef, i);
          if (!check_ref (L, p, r, what))
            continue;
          if (!g_ptr_array_find_with_equal_func (refs, r->item, g_str_equal, NULL))
            g_ptr_array_add (refs, (gpointer) intern (L, r->item));
          CqItem *target = g_hash_table_lookup (L->priv->items, r->item);
          for (guint g = 0; g < governed->len; g++)
            {
              CqItem *from = governed->pdata[g];
              if (p->is_constraint && from == target)
                continue; /* a constraint checks its own item's value */
              if (edges[from->index] == NULL)
                edges[from->index] = g_array_new (FALSE, FALSE, sizeof (Rec));
              Rec rec = { { r, p }, target->index };
              g_array_append_vals (edges[from->index], &rec, 1);
            }
        }
      p->expr->n_refs = refs->len;
      GPtrArray *frozen = g_ptr_array_copy (refs, NULL, NULL);
      g_ptr_array_add (frozen, NULL);
      p->expr->refs = freeze (L, frozen);
    }
  g_ptr_array_unref (refs);

  /* Iterative DFS; a back edge closes a cycle, reported once per entry
   * item with its whole path. */
  guint8 *state = g_new0 (guint8, n); /* 0 new, 1 on stack, 2 done */
  guint *stack = g_new (guint, n + 1), *pos = g_new0 (guint, n);
  const Edge **via = g_new0 (const Edge *, n);
  for (guint start = 0; start < n; start++)
    {
      if (state[start] != 0)
        continue;
      guint sp = 0;
      stack[sp++] = start;
      state[start] = 1;
      pos[start] = 0;
      while (sp > 0)
        {
          guint v = stack[sp - 1];
          GArray *ev = edges[v];
          if (ev == NULL || pos[v] >= ev->len)
            {
              state[v] = 2;
              sp--;
              continue;
            }
          Rec *rec = &((Rec *) ev->data)[pos[v]++];
          guint w = rec->to;
          if (state[w] == 0)
            {
              via[w] = &rec->e;
              state[w] = 1;
              pos[w] = 0;
              stack[sp++] = w;
            }
          else if (state[w] == 1)
            {
              /* Cycle: stack from w to v, then back to w. */
              guint from = 0;
              while (stack[from] != w)
                from++;
              GString *path = g_string_new (NULL);
              for (guint i = from; i < sp; i++)
                g_string_append_printf (path, "%s -> ", ((CqItem *) L->items->pdata[stack[i]])->id);
              g_string_append (path, ((CqItem *) L->items->pdata[w])->id);
              /* Report at the reference that leaves the cycle's first item. */
              const Edge *first = (from + 1 < sp) ? via[stack[from + 1]] : &rec->e;
              CqDiag *d = err_text (L, first->p->f, first->p->node, first->ref->item_off,
                                    "dependency cycle: %s", path->str);
              cq_diag_set_hint (d, "an item's relevance cannot depend, directly or through other "
                                   "items, on its own answer");
              g_string_free (path, TRUE);
            }
        }
    }
  g_free (state);
  g_free (stack);
  g_free (pos);
  g_free (via);
  for (guint i = 0; i < n; i++)
    if (edges[i])
      g_array_unref (edges[i]);
  g_free (edges);
}

/* Bundle hash ============================================================= */

/* Ethics rules (DESIGN.md §3) ============================================== */

/* The rules a validator can check: religion is context, never a risk marker;
 * every risk domain has protective counterparts; a concealment concern needs
 * two independent sources; nothing a script returns reaches the judgment. */

static gboolean
domain_has_kind (const CqDomain *d, CqItemKind kind)
{
  for (guint i = 0; i < d->n_items; i++)
    if (d->items[i]->kind == kind)
      return TRUE;
  return FALSE;
}

static gboolean
is_religious (const CqItem *it)
{
  return cq_item_has_tag (it, CQ_TAG_RELIGIOUS_PRACTICE);
}

static const char *
ethics_hint_religion (void)
{
  return "religion is context, never a risk marker: observance, dress, diet or practice can "
         "never evidence risk (DESIGN principle 4)";
}

/* Items about religious practice are context, needs or the person's account. */
static void
check_religious_items (Loader *L)
{
  for (guint i = 0; i < L->items->len; i++)
    {
      const CqItem *it = L->items->pdata[i];
      Origin *o = g_hash_table_lookup (L->origins, it);
      if (o == NULL || !is_religious (it))
        continue;
      if (it->kind != CQ_KIND_CONTEXT && it->kind != CQ_KIND_NEED && it->kind != CQ_KIND_ACCOUNT)
        {
          CqDiag *d = err_attr (L, o->f, o->node, "kind", 0,
                                "item '%s' is about religious practice (tag '%s') but is a %s "
                                "item", it->id, CQ_TAG_RELIGIOUS_PRACTICE,
                                cq_item_kind_name (it->kind));
          cq_diag_set_hint (d, "use kind=\"context\", \"need\" or \"account\"; %s",
                            ethics_hint_religion ());
        }
      /* A relevance rating says how much an item weighs on the risk. */
      if (it->answer.type == CQ_ANSWER_RATING && it->answer.relevance != NULL)
        {
          xmlNodePtr rating = child (o->node, "rating");
          CqDiag *d = err_attr (L, o->f, rating ? rating : o->node, "relevance", 0,
                                "item '%s' is about religious practice but is rated for its "
                                "relevance to the risk", it->id);
          cq_diag_set_hint (d, "remove relevance=\"%s\"; %s", it->answer.relevance->id,
                            ethics_hint_religion ());
        }
    }

  /* No risk item is asked, or checked, because of religious practice. */
  for (guint k = 0; k < L->pending->len; k++)
    {
      PendingExpr *p = L->pending->pdata[k];
      g_autoptr (GPtrArray) governed = g_ptr_array_new ();
      governed_items (p, governed);
      const CqItem *risk = NULL;
      for (guint i = 0; i < governed->len && risk == NULL; i++)
        if (((const CqItem *) governed->pdata[i])->kind == CQ_KIND_RISK)
          risk = governed->pdata[i];
      if (risk == NULL || p->scan.refs == NULL)
        continue;
      for (guint r = 0; r < p->scan.refs->len; r++)
        {
          const CqExprRef *ref = &g_array_index (p->scan.refs, CqExprRef, r);
          const CqItem *read = g_hash_table_lookup (L->priv->items, ref->item);
          if (read == NULL || !is_religious (read))
            continue;
          CqDiag *d = err_text (L, p->f, p->node, ref->item_off,
                                "%s of risk item '%s' reads '%s', an item about religious "
                                "practice", p->is_constraint ? "a constraint" : "the relevance",
                                risk->id, read->id);
          cq_diag_set_hint (d, "%s", ethics_hint_religion ());
        }
    }
}

/* A concealment concern needs two independent sources (DESIGN principle 5). */
static void
check_concealment_items (Loader *L)
{
  for (guint i = 0; i < L->items->len; i++)
    {
      const CqItem *it = L->items->pdata[i];
      Origin *o = g_hash_table_lookup (L->origins, it);
      if (o == NULL || !cq_item_has_tag (it, CQ_TAG_CONCEALMENT))
        continue;
      if (it->answer.type != CQ_ANSWER_RATING)
        {
          CqDiag *d = err_node (L, o->f, o->node, "concealment item '%s' must be a rating", it->id);
          cq_diag_set_hint (d, "a concealment concern is rated with its evidence for and against");
        }
      else if (it->evidence_min < 2 || it->evidence_min_sources < 2)
        {
          xmlNodePtr ev = child (o->node, "evidence");
          CqDiag *d = ev ? err_node (L, o->f, ev, "concealment item '%s' must require at least "
                                     "two evidence entries from two independent sources", it->id)
                         : err_node (L, o->f, o->node, "concealment item '%s' states no evidence "
                                     "requirement", it->id);
          cq_diag_set_hint (d, "write <evidence min=\"2\" min-sources=\"2\">: a concealment "
                            "concern needs two independent sources and a documented discrepancy");
        }
    }
}

/* Every domain holding risk items has protective counterparts: in the
 * domain itself, or in the domains its counterparts attribute names, which
 * every protocol walking the risk domain walks too. */
static void
check_counterparts (Loader *L)
{
  CqInstrumentPrivate *P = L->priv;
  for (guint i = 0; i < L->domains->len; i++)
    {
      CqDomain *d = L->domains->pdata[i];
      Origin *o = g_hash_table_lookup (L->origins, d);
      if (o == NULL)
        continue;
      GArray *toks = tokens (attr (o->node, "counterparts"));
      GPtrArray *cps = g_ptr_array_new ();
      for (guint t = 0; t < toks->len; t++)
        {
          Token *tk = &g_array_index (toks, Token, t);
          CqDomain *c = g_hash_table_lookup (P->domains, tk->token);
          if (c == NULL)
            {
              CqDiag *e = err_attr (L, o->f, o->node, "counterparts", (gssize) tk->off,
                                    "domain '%s' names undefined domain '%s' as a counterpart",
                                    d->id, tk->token);
              hint_ids (e, P->domains, tk->token, "domains");
            }
          else if (!domain_has_kind (c, CQ_KIND_PROTECTIVE))
            {
              CqDiag *e = err_attr (L, o->f, o->node, "counterparts", (gssize) tk->off,
                                    "counterpart '%s' of domain '%s' holds no protective item",
                                    c->id, d->id);
              cq_diag_set_hint (e, "a counterpart is a domain with items of kind=\"protective\"");
            }
          else
            g_ptr_array_add (cps, c);
        }
      gboolean named = toks->len > 0;
      tokens_free (toks);
      d->n_counterparts = cps->len;
      d->counterparts = freeze (L, cps);

      if (!domain_has_kind (d, CQ_KIND_RISK) || domain_has_kind (d, CQ_KIND_PROTECTIVE) || named)
        continue;
      CqDiag *e = err_node (L, o->f, o->node, "domain '%s' holds risk items but no protective "
                            "counterpart", d->id);
      g_autoptr (GString) some = g_string_new (NULL);
      for (guint k = 0, n = 0; k < L->domains->len && n < 3; k++)
        {
          const CqDomain *c = L->domains->pdata[k];
          if (domain_has_kind (c, CQ_KIND_PROTECTIVE))
            g_string_append_printf (some, "%s%s", n++ ? " " : "", c->id);
        }
      cq_diag_set_hint (e, "risk and protection are weighed together: add a protective item to "
                        "the domain, or name the domains holding its protective factors, as in "
                        "counterparts=\"%s\"", some->len ? some->str : "protective-domain-id");
    }

  for (guint i = 0; i < L->protocols->len; i++)
    {
      const CqProtocol *p = L->protocols->pdata[i];
      Origin *o = g_hash_table_lookup (L->origins, p);
      GPtrArray *mods = g_ptr_array_new ();
      for (guint m = 0; m < p->n_modules; m++)
        g_ptr_array_add (mods, (gpointer) p->modules[m]);
      for (guint m = 0; m < p->n_modules; m++)
        for (guint k = 0; k < p->modules[m]->n_domains; k++)
          {
            const CqDomain *d = p->modules[m]->domains[k];
            if (!domain_has_kind (d, CQ_KIND_RISK) || domain_has_kind (d, CQ_KIND_PROTECTIVE))
              continue;
            for (guint c = 0; c < d->n_counterparts; c++)
              if (!g_ptr_array_find (mods, d->counterparts[c]->module, NULL) && o != NULL)
                {
                  CqDiag *e = err_node (L, o->f, o->node, "protocol '%s' walks risk domain '%s' "
                                        "but not module '%s', which holds its protective "
                                        "counterpart '%s'", p->id, d->id,
                                        d->counterparts[c]->module->id, d->counterparts[c]->id);
                  cq_diag_set_hint (e, "add <module ref=\"%s\"/> to the protocol",
                                    d->counterparts[c]->module->id);
                }
          }
      g_ptr_array_unref (mods);
    }
}

/* The scoring script never names an item about religious practice and never
 * writes a judgment, a risk level or a placement. */
static void
check_script_ethics (Loader *L)
{
  const char *src = L->inst->scoring_source;
  if (src == NULL)
    return;
  g_autofree char *display = display_of (L, L->inst->scoring_path);
  GArray *toks = cq_script_scan (src, strlen (src));
  for (guint i = 0; i < toks->len; i++)
    {
      const CqScriptToken *t = &g_array_index (toks, CqScriptToken, i);
      const CqItem *it = t->kind == CQ_SCRIPT_LITERAL ? g_hash_table_lookup (L->priv->items, t->text)
                                                      : NULL;
      gboolean judgment = FALSE;
      for (guint k = 0; t->kind == CQ_SCRIPT_KEY && cq_judgment_keys[k]; k++)
        judgment |= g_ascii_strcasecmp (t->text, cq_judgment_keys[k]) == 0;
      if ((it == NULL || !is_religious (it)) && !judgment)
        continue;
      int line = 1;
      const char *bol = src;
      for (const char *q = src; q < src + t->off; q++)
        if (*q == '\n')
          line++, bol = q + 1;
      int col = (int) cq_utf8_columns (bol, (gsize) (src + t->off - bol)) + 1;
      CqDiag *d;
      if (judgment)
        {
          d = cq_diags_add (L->diags, CQ_DIAG_ERROR, display, line, col,
                            "the scoring script writes '%s': a script may not produce a "
                            "judgment, a risk level or a placement", t->text);
          cq_diag_set_hint (d, "return indicators and findings only; the commission records its "
                            "judgment, with a rationale citing items (DESIGN principle 1)");
        }
      else
        {
          d = cq_diags_add (L->diags, CQ_DIAG_ERROR, display, line, col,
                            "the scoring script reads '%s', an item about religious practice",
                            it->id);
          cq_diag_set_hint (d, "%s; scripts leave such items out", ethics_hint_religion ());
        }
    }
  cq_script_scan_free (toks);
}

static void
check_ethics (Loader *L)
{
  /* A bundle pinned by an assessment was checked when it was pinned; rules
   * added since then must not lock its assessments out. */
  if (L->memory != NULL)
    {
      /* Only what the model needs: the counterparts, resolved quietly. */
      CqDiags *real = L->diags, *quiet = cq_diags_new ();
      L->diags = quiet;
      check_counterparts (L);
      L->diags = real;
      cq_diags_free (quiet);
      return;
    }
  check_religious_items (L);
  check_concealment_items (L);
  check_counterparts (L);
  check_script_ethics (L);
}

static int
bundle_cmp (gconstpointer a, gconstpointer b)
{
  const CqBundleFile *x = *(CqBundleFile *const *) a, *y = *(CqBundleFile *const *) b;
  return strcmp (x->path, y->path);
}

static void
hash_bundle (Loader *L)
{
  g_ptr_array_sort (L->bundle, bundle_cmp);
  guint n = L->bundle->len;
  CqBundleFile *files = g_new0 (CqBundleFile, n + 1);
  g_autofree const char **paths = g_new0 (const char *, n + 1);
  g_autofree GBytes **contents = g_new0 (GBytes *, n + 1);

  for (guint i = 0; i < n; i++)
    {
      files[i] = *(const CqBundleFile *) L->bundle->pdata[i];
      paths[i] = files[i].path;
      contents[i] = files[i].bytes;
    }
  L->inst->files = files;
  L->inst->n_files = n;
  g_ptr_array_add (L->priv->allocs, files);
  g_autofree char *sha = cq_bundle_sha256 (n, paths, contents);
  L->inst->sha256 = intern (L, sha);
}

/* Entry point ============================================================= */

static void
pending_free (gpointer p)
{
  PendingExpr *pe = p;
  cq_expr_scan_clear (&pe->scan);
  g_free (pe);
}

static CqInstrument *load (const char *path, GHashTable *memory, CqDiags *diags);

CqInstrument *
cq_instrument_load (const char *path, CqDiags *diags)
{
  return load (path, NULL, diags);
}

CqInstrument *
cq_instrument_load_files (const char *name, guint n, const char *const *paths,
                          GBytes *const *contents, CqDiags *diags)
{
  g_autoptr (GHashTable) memory = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++)
    g_hash_table_insert (memory, (gpointer) paths[i], contents[i]);
  return load (name, memory, diags);
}

static CqInstrument *
load (const char *path, GHashTable *memory, CqDiags *diags)
{
  Loader L = { 0 };
  g_autofree char *relpath = NULL;

  L.memory = memory;
  if (memory != NULL)
    {
      L.dir = g_strdup (path);
      relpath = g_strdup ("instrument.xml");
    }
  else if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      L.dir = g_strdup (path);
      relpath = g_strdup ("instrument.xml");
    }
  else
    {
      L.dir = g_path_get_dirname (path);
      relpath = g_path_get_basename (path);
    }
  L.display_dir = g_strdup (L.dir);
  if (g_str_has_suffix (L.display_dir, "/") && strlen (L.display_dir) > 1)
    L.display_dir[strlen (L.display_dir) - 1] = '\0';

  CqInstrument *I = g_new0 (CqInstrument, 1);
  CqInstrumentPrivate *P = cq_instrument_private_new ();
  I->priv = P;
  L.inst = I;
  L.priv = P;
  L.diags = diags;
  L.files = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_xml_file_free);
  L.bundle = g_ptr_array_new ();
  L.compiler = cq_expr_compiler_new ();
  L.scratch = g_string_new (NULL);
  L.scratch2 = g_string_new (NULL);
  L.validators = g_thread_pool_new (validate_task, NULL, 1, FALSE, NULL);
  L.schema_diags = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_diags_free);
  L.decls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  L.pending = g_ptr_array_new_with_free_func (pending_free);
  L.roles = g_ptr_array_new ();
  L.compartments = g_ptr_array_new ();
  L.scales = g_ptr_array_new ();
  L.inferences = g_ptr_array_new ();
  L.modules = g_ptr_array_new ();
  L.domains = g_ptr_array_new ();
  L.items = g_ptr_array_new ();
  L.protocols = g_ptr_array_new ();
  L.origins = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  I->display_path = intern (&L, path);

  guint errors_before = cq_diags_count (diags, CQ_DIAG_ERROR);
  CqXmlFile *f = NULL;
  g_autofree char *main_path = g_build_filename (L.dir, relpath, NULL);
  if (memory == NULL && g_file_test (path, G_FILE_TEST_IS_DIR)
      && !g_file_test (main_path, G_FILE_TEST_EXISTS))
    {
      CqDiag *d = cq_diags_add (diags, CQ_DIAG_ERROR, path, 0, 0,
                                "not an instrument folder: it has no instrument.xml");
      cq_diag_set_hint (d, "name the instrument's folder, or its main XML file");
    }
  else
    f = load_file (&L, relpath, "instrument", NULL, NULL);
  if (f != NULL)
    {
      xmlNodePtr root = xmlDocGetRootElement (f->doc);
      I->id = intern (&L, attr (root, "id"));
      I->version = intern (&L, attr (root, "version"));
      GArray *langs = tokens (attr (root, "languages"));
      GPtrArray *lv = g_ptr_array_new ();
      for (guint i = 0; i < langs->len; i++)
        {
          Token *t = &g_array_index (langs, Token, i);
          if (g_ptr_array_find_with_equal_func (lv, t->token, g_str_equal, NULL))
            err_attr (&L, f, root, "languages", (gssize) t->off, "language '%s' is declared twice",
                      t->token);
          else
            g_ptr_array_add (lv, (gpointer) intern (&L, t->token));
        }
      tokens_free (langs);
      I->n_languages = lv->len;
      g_ptr_array_add (lv, NULL);
      I->languages = freeze (&L, lv);

      load_metadata (&L, f, child (root, "metadata"));
      load_declarations (&L, f, root);
      load_modules (&L, f, root);
      load_protocols_and_synthesis (&L, f, root);
      check_expressions (&L);
      load_scoring (&L, f, root);
      check_ethics (&L);
      if (I->n_items == 0 && L.items->len == 0 && cq_diags_count (diags, CQ_DIAG_ERROR) == errors_before)
        err_node (&L, f, root, "the instrument has no items");
    }

  g_thread_pool_free (L.validators, FALSE, TRUE);
  for (guint i = 0; i < L.schema_diags->len; i++)
    merge_diags (diags, L.schema_diags->pdata[i]);
  g_ptr_array_unref (L.schema_diags);

#define FREEZE_LIST(field, list)                         \
  I->n_##field = L.list->len;                            \
  I->field = freeze (&L, L.list);                        \
  L.list = NULL;
  FREEZE_LIST (roles, roles);
  FREEZE_LIST (compartments, compartments);
  FREEZE_LIST (scales, scales);
  FREEZE_LIST (inferences, inferences);
  FREEZE_LIST (modules, modules);
  FREEZE_LIST (domains, domains);
  FREEZE_LIST (items, items);
  FREEZE_LIST (protocols, protocols);
#undef FREEZE_LIST
  hash_bundle (&L);

  g_ptr_array_unref (L.files);
  g_ptr_array_unref (L.bundle);
  cq_expr_compiler_free (L.compiler);
  g_string_free (L.scratch, TRUE);
  g_string_free (L.scratch2, TRUE);
  g_hash_table_unref (L.decls);
  g_ptr_array_unref (L.pending);
  g_hash_table_unref (L.origins);
  g_free (L.dir);
  g_free (L.display_dir);

  if (cq_diags_count (diags, CQ_DIAG_ERROR) > errors_before)
    {
      cq_instrument_free (I);
      return NULL;
    }
  return I;
}
