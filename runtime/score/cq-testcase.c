/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-testcase.h"

#include <libxml/tree.h>
#include <string.h>

#include "cq-answers.h"
#include "cq-eval.h"
#include "cq-expr.h"
#include "cq-score.h"
#include "cq-xml.h"

#define NS CQ_XML_ANSWERS_NS

static int
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* "id: a b c" with the items sorted, to compare indicators as sets. */
static char *
indicator_key (const char *id, GPtrArray *items)
{
  g_autoptr (GPtrArray) sorted = g_ptr_array_copy (items, NULL, NULL);
  g_ptr_array_set_free_func (sorted, NULL);
  g_ptr_array_sort (sorted, cmp_str);
  GString *s = g_string_new (id);
  g_string_append (s, " (items");
  for (guint i = 0; i < sorted->len; i++)
    g_string_append_printf (s, " %s", (char *) sorted->pdata[i]);
  g_string_append (s, ")");
  return g_string_free (s, FALSE);
}

static char *
finding_key (const char *kind, const char *item)
{
  return item ? g_strdup_printf ("%s on %s", kind, item) : g_strdup (kind);
}

static void
report_at (GString *report, const char *file, int line, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static void
report_at (GString *report, const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_string_append_printf (report, "%s:%d: ", file, line);
  g_string_append_vprintf (report, fmt, ap);
  g_string_append_c (report, '\n');
  va_end (ap);
}

/* Compares an expected list (with lines) with the actual one. */
static guint
compare (GString *report, const char *file, int case_line, const char *what, GPtrArray *exp_keys,
         GArray *exp_lines, GPtrArray *act_keys)
{
  guint failures = 0;
  g_autoptr (GPtrArray) left_act = g_ptr_array_copy (act_keys, NULL, NULL);
  g_ptr_array_set_free_func (left_act, NULL); /* the copy keeps act_keys' free function */
  for (guint i = 0; i < exp_keys->len; i++)
    {
      guint j;
      if (g_ptr_array_find_with_equal_func (left_act, exp_keys->pdata[i], g_str_equal, &j))
        g_ptr_array_remove_index (left_act, j); /* borrowed: act_keys owns it */
      else
        {
          report_at (report, file, g_array_index (exp_lines, int, i),
                     "expected %s %s; got: %s", what, (char *) exp_keys->pdata[i],
                     act_keys->len ? "" : "none");
          for (guint k = 0; k < act_keys->len; k++)
            g_string_append_printf (report, "    %s %s\n", what, (char *) act_keys->pdata[k]);
          failures++;
        }
    }
  for (guint i = 0; i < left_act->len; i++)
    {
      report_at (report, file, case_line, "unexpected %s %s (not in <expect>)", what,
                 (char *) left_act->pdata[i]);
      failures++;
    }
  return failures;
}

static guint
run_case (const CqInstrument *I, CqXmlFile *f, xmlNodePtr tc, GString *report, CqDiags *diags,
          GHashTable *expected)
{
  /* What the cases expect, for the coverage of the script. */
  for (xmlNodePtr c = cq_xml_first (cq_xml_child (tc, "expect"), NS); c; c = cq_xml_next (c))
    if (cq_xml_is (c, NS, "indicator") || cq_xml_is (c, NS, "finding"))
      g_hash_table_add (expected, g_strdup_printf ("%s\x1f%s", (const char *) c->name,
                                                   cq_xml_attr (c, cq_xml_is (c, NS, "indicator")
                                                                   ? "id" : "kind")));

  int case_line, col;
  cq_xml_pos_element (f, tc, &case_line, &col);
  const char *name = cq_xml_attr (tc, "name");
  xmlNodePtr an = cq_xml_child (tc, "answers"), ex = cq_xml_child (tc, "expect");

  g_autoptr (CqAnswers) answers = cq_answers_from_xml (f, an, I, diags);
  if (answers == NULL)
    {
      report_at (report, f->display, case_line, "FAIL %s: the answers do not fit the instrument", name);
      return 1;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (CqEval) eval = cq_eval_new (I, answers, &error);
  g_autoptr (CqScoreResult) r = eval ? cq_score_run_with (I, answers, eval, "en", &error) : NULL;
  if (r == NULL)
    {
      report_at (report, f->display, case_line, "FAIL %s: %s", name, error->message);
      return 1;
    }

  guint failures = 0;
  GString *details = g_string_new (NULL);

  g_autoptr (GPtrArray) exp = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) lines = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GPtrArray) act = g_ptr_array_new_with_free_func (g_free);
  for (xmlNodePtr c = cq_xml_first (ex, NS); c; c = cq_xml_next (c))
    if (cq_xml_is (c, NS, "indicator"))
      {
        g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
        g_auto (GStrv) ids = g_strsplit_set (cq_xml_attr (c, "items"), " \t\n", -1);
        for (guint i = 0; ids[i]; i++)
          if (*ids[i])
            g_ptr_array_add (items, g_strdup (ids[i]));
        int l;
        cq_xml_pos_element (f, c, &l, &col);
        g_ptr_array_add (exp, indicator_key (cq_xml_attr (c, "id"), items));
        g_array_append_val (lines, l);
      }
  for (guint i = 0; i < r->indicators->len; i++)
    {
      CqIndicator *ind = r->indicators->pdata[i];
      g_ptr_array_add (act, indicator_key (ind->id, ind->items));
    }
  failures += compare (details, f->display, case_line, "indicator", exp, lines, act);

  g_ptr_array_set_size (exp, 0);
  g_array_set_size (lines, 0);
  g_ptr_array_set_size (act, 0);
  for (xmlNodePtr c = cq_xml_first (ex, NS); c; c = cq_xml_next (c))
    if (cq_xml_is (c, NS, "finding"))
      {
        int l;
        cq_xml_pos_element (f, c, &l, &col);
        g_ptr_array_add (exp, finding_key (cq_xml_attr (c, "kind"), cq_xml_attr (c, "item")));
        g_array_append_val (lines, l);
      }
  for (guint i = 0; i < r->findings->len; i++)
    {
      CqFinding *fd = r->findings->pdata[i];
      g_ptr_array_add (act, finding_key (fd->kind, fd->item));
    }
  failures += compare (details, f->display, case_line, "finding", exp, lines, act);

  g_ptr_array_set_size (exp, 0);
  g_array_set_size (lines, 0);
  g_ptr_array_set_size (act, 0);
  for (xmlNodePtr c = cq_xml_first (ex, NS); c; c = cq_xml_next (c))
    if (cq_xml_is (c, NS, "violation"))
      {
        int l;
        cq_xml_pos_element (f, c, &l, &col);
        g_ptr_array_add (exp, g_strdup_printf ("on %s", cq_xml_attr (c, "item")));
        g_array_append_val (lines, l);
      }
  for (guint i = 0; i < I->n_items; i++)
    {
      g_autoptr (GPtrArray) v = g_ptr_array_new_with_free_func (g_free);
      if (!cq_eval_check (eval, I->items[i], "en", v))
        g_ptr_array_add (act, g_strdup_printf ("on %s", I->items[i]->id));
    }
  failures += compare (details, f->display, case_line, "constraint violation", exp, lines, act);

  for (xmlNodePtr c = cq_xml_first (ex, NS); c; c = cq_xml_next (c))
    {
      gboolean want = cq_xml_is (c, NS, "relevant");
      if (!want && !cq_xml_is (c, NS, "irrelevant"))
        continue;
      int l;
      cq_xml_pos_element (f, c, &l, &col);
      g_auto (GStrv) ids = g_strsplit_set (cq_xml_attr (c, "items"), " \t\n", -1);
      for (guint i = 0; ids[i]; i++)
        {
          if (!*ids[i])
            continue;
          const CqItem *it = cq_instrument_item (I, ids[i]);
          if (it == NULL)
            {
              report_at (details, f->display, l, "instrument '%s' has no item '%s'", I->id, ids[i]);
              failures++;
            }
          else if (cq_eval_relevant (eval, it) != want)
            {
              report_at (details, f->display, l, "expected item '%s' to be %s; got: %s", ids[i],
                         want ? "relevant" : "irrelevant", want ? "irrelevant" : "relevant");
              failures++;
            }
        }
    }

  if (failures == 0)
    g_string_append_printf (report, "PASS %s\n", name);
  else
    {
      report_at (report, f->display, case_line, "FAIL %s", name);
      g_string_append (report, details->str);
    }
  g_string_free (details, TRUE);
  return failures ? 1 : 0;
}

/* The table constructor around offset off: from its '{' to its '}'. */
static void
enclosing_table (const char *src, gsize off, gsize *open, gsize *close)
{
  int depth = 0;
  *open = 0;
  for (gsize p = off; p-- > 0;)
    if (src[p] == '}')
      depth++;
    else if (src[p] == '{' && depth-- == 0)
      {
        *open = p;
        break;
      }
  depth = 0;
  *close = strlen (src);
  for (gsize p = off; src[p]; p++)
    if (src[p] == '{')
      depth++;
    else if (src[p] == '}' && depth-- == 0)
      {
        *close = p;
        break;
      }
}

/* Whether the table around token i also writes one of the keys. */
static gboolean
table_has_key (const char *src, GArray *toks, guint i, const char *const *keys)
{
  gsize open, close;
  enclosing_table (src, g_array_index (toks, CqScriptToken, i).off, &open, &close);
  for (guint j = 0; j < toks->len; j++)
    {
      const CqScriptToken *t = &g_array_index (toks, CqScriptToken, j);
      if (t->kind == CQ_SCRIPT_KEY && t->off > open && t->off < close && g_strv_contains (keys, t->text))
        return TRUE;
    }
  return FALSE;
}

/* Indicators and finding kinds the script names that no test case expects:
 * `id = "…"` in a table with a label or items, `kind = "…"` in one with an
 * item or a message (not, say, a filter such as { kind = "protective" }). */
static guint
report_uncovered (const CqInstrument *I, const char *folder, GHashTable *expected, GString *report)
{
  const char *src = I->scoring_source;
  if (src == NULL)
    return 0;
  guint n = 0;
  g_autofree char *script = g_build_filename (folder, I->scoring_path, NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GArray *toks = cq_script_scan (src, strlen (src));
  for (guint i = 0; i + 1 < toks->len; i++)
    {
      const CqScriptToken *k = &g_array_index (toks, CqScriptToken, i);
      const CqScriptToken *v = &g_array_index (toks, CqScriptToken, i + 1);
      const char *what = g_strcmp0 (k->text, "id") == 0 ? "indicator"
                         : g_strcmp0 (k->text, "kind") == 0 ? "finding" : NULL;
      if (k->kind != CQ_SCRIPT_KEY || v->kind != CQ_SCRIPT_LITERAL || what == NULL)
        continue;
      /* Only `key = "literal"`: nothing else between them. */
      gboolean adjacent = TRUE;
      for (gsize p = k->off + strlen (k->text); p < v->off && adjacent; p++)
        adjacent = src[p] == ' ' || src[p] == '\t' || src[p] == '=';
      static const char *const indicator_keys[] = { "label", "items", NULL };
      static const char *const finding_keys[] = { "item", "message", NULL };
      g_autofree char *key = g_strdup_printf ("%s\x1f%s", what, v->text);
      if (!adjacent || g_hash_table_contains (expected, key) || g_hash_table_contains (seen, v->text)
          || !table_has_key (src, toks, i, *what == 'i' ? indicator_keys : finding_keys))
        continue;
      g_hash_table_add (seen, v->text);
      int line = 1;
      for (gsize p = 0; p < v->off; p++)
        line += src[p] == '\n';
      report_at (report, script, line, "%s '%s' is expected by no test case", what, v->text);
      n++;
    }
  cq_script_scan_free (toks);
  return n;
}

gboolean
cq_testcase_run_folder (const CqInstrument *I, const char *folder, GString *report,
                        CqDiags *diags, CqTestSummary *summary)
{
  g_autofree char *dir = g_build_filename (folder, "tests", NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".xml"))
      g_ptr_array_add (names, g_strdup (name));
  if (d)
    g_dir_close (d);
  g_ptr_array_sort (names, cmp_str);
  *summary = (CqTestSummary) { 0, 0, 0 };
  g_autoptr (GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      g_autofree char *rel = g_build_filename ("tests", names->pdata[i], NULL);
      g_autoptr (CqXmlFile) f = cq_xml_file_load (path, path, rel, diags);
      summary->cases++;
      if (f == NULL)
        {
          summary->failed++;
          continue;
        }
      xmlNodePtr root = xmlDocGetRootElement (f->doc);
      if (!cq_xml_is (root, NS, "test-case"))
        {
          CqDiag *dg = cq_diags_add (diags, CQ_DIAG_ERROR, path, 1, 1,
                                     "not a test case: the root element is <%s>",
                                     (const char *) root->name);
          cq_diag_set_hint (dg, "a test case starts with <test-case xmlns=\"" NS "\" name=\"…\">");
          summary->failed++;
          continue;
        }
      if (!cq_xml_file_validate (f, CQ_XML_SCHEMA_ANSWERS, diags))
        {
          summary->failed++;
          continue;
        }
      summary->failed += run_case (I, f, root, report, diags, expected);
    }
  if (summary->cases > 0)
    summary->uncovered = report_uncovered (I, folder, expected, report);
  return summary->failed == 0;
}
