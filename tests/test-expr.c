/* SPDX-License-Identifier: EUPL-1.2 */
/* Static analysis of expressions: references, unknown names, compilation. */
#include <glib.h>
#include <string.h>

#include "cq-expr.h"

static void
scan (const char *src, CqExprScan *s)
{
  cq_expr_scan (src, strlen (src), s);
}

static void
test_refs (void)
{
  CqExprScan s;
  scan ("presence(\"a.b\") == \"present\" and selected('c', \"x\") or count([[d]]) > 2", &s);
  g_assert_cmpuint (s.problems->len, ==, 0);
  g_assert_cmpuint (s.refs->len, ==, 3);
  CqExprRef *r = &g_array_index (s.refs, CqExprRef, 0);
  g_assert_cmpint (r->access, ==, CQ_ACCESS_PRESENCE);
  g_assert_cmpstr (r->item, ==, "a.b");
  g_assert_cmpuint (r->item_off, ==, 10);
  g_assert_cmpstr (r->level, ==, "present");
  r = &g_array_index (s.refs, CqExprRef, 1);
  g_assert_cmpint (r->access, ==, CQ_ACCESS_SELECTED);
  g_assert_cmpstr (r->item, ==, "c");
  g_assert_cmpstr (r->level, ==, "x");
  r = &g_array_index (s.refs, CqExprRef, 2);
  g_assert_cmpint (r->access, ==, CQ_ACCESS_COUNT);
  g_assert_cmpstr (r->item, ==, "d");
  cq_expr_scan_clear (&s);

  /* The literal on the left of a comparison counts too. */
  scan ("\"high\" ~= relevance(\"r\")", &s);
  g_assert_cmpuint (s.refs->len, ==, 1);
  g_assert_cmpstr (g_array_index (s.refs, CqExprRef, 0).level, ==, "high");
  cq_expr_scan_clear (&s);
}

static void
test_comments_and_strings (void)
{
  CqExprScan s;
  /* Names inside strings and comments are not references. */
  scan ("value(\"a\") -- presence(\"ghost\") nonsense\n"
        " == \"value('b')\" --[==[ count(\"c\") ]==]", &s);
  g_assert_cmpuint (s.problems->len, ==, 0);
  g_assert_cmpuint (s.refs->len, ==, 1);
  cq_expr_scan_clear (&s);
}

/* Every prefix of expressions that end inside a token, scanned from a
 * buffer of exactly that size (AddressSanitizer sees any read past it). */
static void
test_truncated (void)
{
  static const char *const sources[] = {
    "presence(\"a\\\"b\") == 'x\\'", "value([==[a]==]) -- [[c]] --[=[ d ]=]",
    "selected(\"a\", \"b\") and at_least('c', 'd')", "0x1p+4 + 1e-3 .. [=[", "count(\"\\",
  };
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    for (gsize n = 0; n <= strlen (sources[i]); n++)
      {
        char *copy = g_memdup2 (sources[i], n ? n : 1);
        CqExprScan s;
        cq_expr_scan (copy, n, &s);
        cq_expr_scan_clear (&s);
        g_free (copy);
      }
}

static void
test_unknown_names (void)
{
  CqExprScan s;
  scan ("valeu(\"a\") and math.max(1, 2) > 0 and string.len(x) and t.field", &s);
  g_assert_cmpuint (s.problems->len, ==, 3);
  CqExprProblem *p = &g_array_index (s.problems, CqExprProblem, 0);
  g_assert_cmpstr (p->message, ==, "unknown name 'valeu' in expression");
  g_assert_cmpstr (p->hint, ==, "did you mean 'value'?");
  g_assert_cmpuint (p->off, ==, 0);
  g_assert_cmpstr (g_array_index (s.problems, CqExprProblem, 1).message, ==,
                   "unknown name 'x' in expression");
  g_assert_cmpstr (g_array_index (s.problems, CqExprProblem, 2).message, ==,
                   "unknown name 't' in expression");
  cq_expr_scan_clear (&s);

  /* Parameters of an inline function and table keys are fine. */
  scan ("(function (n, m) return n + m end)(count(\"a\"), 1) > #{ k = 1 }", &s);
  g_assert_cmpuint (s.problems->len, ==, 0);
  cq_expr_scan_clear (&s);
}

static void
test_bad_calls (void)
{
  static const struct { const char *src; const char *msg; } cases[] = {
    { "value", "value must be called with an item id, as in value(\"item-id\")" },
    { "value(x)", "the first argument of value() must be an item id written as a string literal" },
    { "value(\"a\" .. \"b\")", "the item id in value() must be a plain string literal, not an expression" },
    { "presence(\"a\", \"b\")", "presence() takes exactly one item id" },
    { "selected(\"a\")", "selected() needs a second argument: the option id, as a plain string literal" },
    { "at_least(\"a\", lvl)", "at_least() needs a second argument: the level id, as a plain string literal" },
    { "value(\"a\\65\")", "the first argument of value() must be an item id written as a string literal" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CqExprScan s;
      scan (cases[i].src, &s);
      g_assert_cmpuint (s.problems->len, >=, 1);
      g_assert_cmpstr (g_array_index (s.problems, CqExprProblem, 0).message, ==, cases[i].msg);
      cq_expr_scan_clear (&s);
    }
}

static void
test_compile (void)
{
  CqExprCompiler *c = cq_expr_compiler_new ();
  int line = -1;
  char *msg = NULL;

  g_assert_true (cq_expr_compile (c, "1 + 1 == 2", 10, &line, &msg));
  g_assert_false (cq_expr_compile (c, "a ==", 4, &line, &msg));
  g_assert_cmpint (line, ==, 1);
  g_assert_cmpstr (msg, ==, "unexpected symbol near <eof>");
  g_free (msg);
  const char *multi = "a and\nb and\n(c";
  g_assert_false (cq_expr_compile (c, multi, strlen (multi), &line, &msg));
  g_assert_cmpint (line, ==, 3);
  g_free (msg);
  /* Statements are not expressions. */
  g_assert_false (cq_expr_compile (c, "1; os.exit()", 12, &line, &msg));
  g_free (msg);
  /* Bytecode is refused: text chunks only. */
  g_assert_false (cq_lua_chunk_compile (c, "\x1bLua\x54", 5, &line, &msg));
  g_assert_nonnull (strstr (msg, "binary"));
  g_free (msg);
  cq_expr_compiler_free (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/expr/refs", test_refs);
  g_test_add_func ("/expr/comments-and-strings", test_comments_and_strings);
  g_test_add_func ("/expr/truncated", test_truncated);
  g_test_add_func ("/expr/unknown-names", test_unknown_names);
  g_test_add_func ("/expr/bad-calls", test_bad_calls);
  g_test_add_func ("/expr/compile", test_compile);
  return g_test_run ();
}
