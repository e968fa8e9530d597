/* SPDX-License-Identifier: EUPL-1.2 */
/* Answers files, relevance, scoring scripts and instrument test cases. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cq-answers.h"
#include "cq-eval.h"
#include "cq-instrument.h"
#include "cq-sandbox.h"
#include "cq-score.h"
#include "cq-testcase.h"
#include "cq-util.h"

static const char *source_dir;
static CqInstrument *example;
static char *tmp;

static char *
write_tmp (const char *name, const char *content)
{
  char *p = g_build_filename (tmp, name, NULL);
  g_assert_true (g_file_set_contents (p, content, -1, NULL));
  return p;
}

static char *
diags_text (CqDiags *d)
{
  GString *s = g_string_new (NULL);
  cq_diags_sort (d);
  for (guint i = 0; i < cq_diags_len (d); i++)
    {
      g_autofree char *line = cq_diag_format (cq_diags_get (d, i), FALSE);
      g_string_append (s, line);
    }
  return g_string_free (s, FALSE);
}

/* Answers files ============================================================ */

#define HEAD "<answers xmlns=\"urn:colloquy:answers:1\" instrument=\"example\" date=\"2026-03-02\">\n"

static void
test_answers_errors (void)
{
  static const struct { const char *body, *expected; } cases[] = {
    { "  <answer item=\"net.isolaton\" value=\"present\"/>\n",
      "2:17: error: instrument 'example' has no item 'net.isolaton'\n  hint: did you mean 'net.isolation'?\n" },
    { "  <answer item=\"net.isolation\" value=\"presnt\"/>\n",
      "2:39: error: 'presnt' is not a level of scale 'presence' (absent, partial, present, insufficient)\n" },
    { "  <answer item=\"net.isolation\" value=\"insufficient\"/>\n",
      "2:39: error: item 'net.isolation' is rated 'insufficient': say what is missing and how to obtain it\n" },
    { "  <answer item=\"net.isolation\" value=\"partial\" relevance=\"huge\"/>\n",
      "2:59: error: 'huge' is not a level of scale 'relevance' (low, moderate, high)\n" },
    { "  <answer item=\"case.children\" value=\"2.5\"/>\n",
      "2:39: error: item 'case.children' must be a whole number, not 2.5\n" },
    { "  <answer item=\"case.children\" value=\"deux\"/>\n",
      "2:39: error: 'deux' is not a number (item 'case.children'); write digits with a '.' for decimals\n" },
    { "  <answer item=\"case.children\" value=\"31\"/>\n",
      "2:39: error: item 'case.children' must be between 0 and 30, not 31\n" },
    { "  <answer item=\"case.entry-date\" value=\"2025-02-30\"/>\n",
      "2:41: error: '2025-02-30' is not a valid date for item 'case.entry-date': write YYYY-MM-DD\n" },
    { "  <answer item=\"case.gender\" value=\"female male\"/>\n",
      "2:37: error: item 'case.gender' takes one option, not several\n" },
    { "  <answer item=\"case.gender\" value=\"femme\"/>\n",
      "2:37: error: 'femme' is not an option of item 'case.gender' (female, male, other)\n" },
    { "  <answer item=\"net.isolation\" value=\"partial\" rater=\"mediator\"/>\n",
      "2:55: error: role 'mediator' does not rate item 'net.isolation'\n" },
    { "  <answer item=\"lc.timeline\"><record><field id=\"event\" value=\"migration\"/></record></answer>\n",
      "2:3: error: field 'when' of record 1 of item 'lc.timeline' is required\n" },
    { "  <answer item=\"lc.timeline\"><record><field id=\"when\" value=\"2020-01\"/><field id=\"event\" value=\"migration\"/><field id=\"mood\" value=\"x\"/></record></answer>\n",
      "2:3: error: item 'lc.timeline' has no field 'mood'\n" },
    { "  <answer item=\"lc.timeline\" value=\"x\"/>\n",
      "2:37: error: item 'lc.timeline' holds records, not a value\n" },
    { "  <answer item=\"case.gender\" value=\"male\"/>\n  <answer item=\"case.gender\" value=\"female\"/>\n",
      "3:17: error: item 'case.gender' is answered twice\n  hint: the first answer is at line 2; keep one\n" },
    { "  <answer item=\"lc.trauma\" value=\"present\"><evidence direction=\"supports\" kind=\"fact\" source=\"intelligence\">x</evidence></answer>\n",
      "2:44: error: item 'lc.trauma' does not accept evidence from source 'intelligence'\n" },
    { "  <answer item=\"net.isolation\" value=\"present\"><evidence direction=\"maybe\" kind=\"fact\" source=\"file\">x</evidence></answer>\n",
      "2:58: error: element 'evidence', attribute 'direction': [facet 'enumeration'] The value 'maybe' is not an element of the set {'supports', 'contradicts'}.\n" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *xml = g_strconcat (HEAD, cases[i].body, "</answers>\n", NULL);
      g_autofree char *path = write_tmp ("answers.xml", xml);
      g_autoptr (CqDiags) d = cq_diags_new ();
      g_autoptr (CqAnswers) a = cq_answers_load (path, example, d);
      g_autofree char *text = diags_text (d);
      g_autofree char *expected = g_strdup_printf ("%s:%s", path, cases[i].expected);
      g_assert_null (a);
      g_assert_cmpstr (text, ==, expected);
    }

  g_autofree char *other = write_tmp ("other.xml",
    "<answers xmlns=\"urn:colloquy:answers:1\" instrument=\"other\" date=\"2026-03-02\"/>");
  g_autoptr (CqDiags) d = cq_diags_new ();
  g_assert_null (cq_answers_load (other, example, d));
  g_autofree char *text = diags_text (d);
  g_assert_nonnull (strstr (text, "these answers are for instrument 'other', not 'example'"));

  /* A protocol the instrument does not have. */
  g_autofree char *proto = write_tmp ("proto.xml",
    "<answers xmlns=\"urn:colloquy:answers:1\" instrument=\"example\" protocol=\"reveiw\" date=\"2026-03-02\"/>");
  g_autoptr (CqDiags) pd = cq_diags_new ();
  g_assert_null (cq_answers_load (proto, example, pd));
  g_autofree char *ptext = diags_text (pd);
  g_assert_nonnull (strstr (ptext, "1:72: error: instrument 'example' has no protocol 'reveiw'\n"
                                   "  hint: its protocols: initial, review"));

  /* Garbage gets one clear error. */
  static const char *const garbage[] = { "", "\x89PNG\r\n\x1a\n\x00\x00", "<answers",
                                         "<instrument xmlns=\"urn:colloquy:instrument:1\"/>" };
  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autofree char *p = write_tmp ("garbage.xml", garbage[i]);
      g_autoptr (CqDiags) gd = cq_diags_new ();
      g_assert_null (cq_answers_load (p, example, gd));
      g_assert_cmpuint (cq_diags_count (gd, CQ_DIAG_ERROR), ==, 1);
    }
}

/* Relevance ================================================================ */

static void
put (CqAnswers *a, const char *item, const char *value)
{
  CqAnswer an = cq_answer_init (cq_instrument_item (example, item));
  an.value = value;
  g_autoptr (GError) error = NULL;
  g_assert_true (cq_answers_put (a, &an, &error));
}

static void
test_relevance (void)
{
  g_autoptr (CqAnswers) a = cq_answers_new (example, "2026-03-02");
  g_autoptr (GError) error = NULL;
  g_autoptr (CqEval) e = cq_eval_new (example, a, &error);
  g_assert_no_error (error);
  const CqItem *parent = cq_instrument_item (example, "pf.parent-role");
  const CqItem *overlay = cq_instrument_item (example, "gs.interviewer-choice");
  const CqItem *children = cq_instrument_item (example, "case.children");
  const CqItem *gender = cq_instrument_item (example, "case.gender");

  g_assert_false (cq_eval_relevant (e, parent));
  put (a, "case.children", "2");
  g_assert_cmpuint (cq_eval_changed (e, children), ==, 1); /* only the domain that reads it */
  g_assert_true (cq_eval_relevant (e, parent));
  put (a, "case.children", "0");
  cq_eval_changed (e, children);
  g_assert_false (cq_eval_relevant (e, parent));

  g_assert_false (cq_eval_relevant (e, overlay));
  put (a, "case.gender", "other");
  cq_eval_changed (e, gender);
  g_assert_false (cq_eval_relevant (e, overlay)); /* module yes, item no */
  put (a, "case.gender", "female");
  cq_eval_changed (e, gender);
  g_assert_true (cq_eval_relevant (e, overlay));
  cq_answers_remove (a, gender);
  cq_eval_changed (e, gender);
  g_assert_false (cq_eval_relevant (e, overlay));
}

/* Incremental updates give the same relevance as evaluating from scratch,
 * whatever the order of changes. */
static void
test_relevance_incremental (void)
{
  static const struct { const char *item, *value; } moves[] = {
    { "case.gender", "female" }, { "case.gender", "male" }, { "case.gender", "other" },
    { "case.children", "0" }, { "case.children", "3" }, { "lc.school-disruption", "partial" },
    { "lc.school-disruption", "absent" }, { "lc.trauma", "present" },
  };
  GRand *rand = g_rand_new_with_seed (7);
  g_autoptr (CqAnswers) a = cq_answers_new (example, "2026-03-02");
  g_autoptr (CqEval) e = cq_eval_new (example, a, NULL);
  for (guint step = 0; step < 400; step++)
    {
      guint k = (guint) g_rand_int_range (rand, 0, G_N_ELEMENTS (moves) + 3);
      const CqItem *it;
      if (k < G_N_ELEMENTS (moves))
        {
          it = cq_instrument_item (example, moves[k].item);
          put (a, moves[k].item, moves[k].value);
        }
      else
        {
          static const char *const removable[] = { "case.gender", "case.children", "lc.school-disruption" };
          it = cq_instrument_item (example, removable[k - G_N_ELEMENTS (moves)]);
          cq_answers_remove (a, it);
        }
      cq_eval_changed (e, it);
      g_autoptr (CqEval) fresh = cq_eval_new (example, a, NULL);
      for (guint i = 0; i < example->n_items; i++)
        g_assert_cmpint (cq_eval_relevant (e, example->items[i]), ==,
                         cq_eval_relevant (fresh, example->items[i]));
    }
  g_rand_free (rand);
}

/* Scoring scripts ========================================================== */

/* An instrument in tmp/name with the given scoring script. */
static CqInstrument *
instrument_with_script (const char *name, const char *script)
{
  g_autofree char *dir = g_build_filename (tmp, name, NULL);
  g_mkdir_with_parents (dir, 0700);
  g_autofree char *minimal = g_build_filename (source_dir, "tests", "instrument", "minimal.xml", NULL);
  g_autofree char *xml = NULL;
  g_assert_true (g_file_get_contents (minimal, &xml, NULL, NULL));
  g_autofree char *xml_path = g_build_filename (dir, "instrument.xml", NULL);
  g_autofree char *lua_path = g_build_filename (dir, "scoring.lua", NULL);
  g_assert_true (g_file_set_contents (xml_path, xml, -1, NULL));
  g_assert_true (g_file_set_contents (lua_path, script, -1, NULL));
  g_autoptr (CqDiags) d = cq_diags_new ();
  CqInstrument *inst = cq_instrument_load (dir, d);
  g_assert_nonnull (inst);
  return inst;
}

static void
assert_script_error_in (const char *script, GQuark domain, int code, const char *fragment)
{
  g_autoptr (CqInstrument) inst = instrument_with_script ("scripted", script);
  g_autoptr (CqAnswers) a = cq_answers_new (inst, "2026-03-02");
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (CqScoreResult) r = cq_score_run (inst, a, "en", &error);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 20 * G_USEC_PER_SEC);
  if (r != NULL)
    g_error ("script should fail with '%s':\n%s", fragment, script);
  if (!g_error_matches (error, domain, code) || strstr (error->message, fragment) == NULL)
    g_error ("expected error %d with '%s', got %d: %s", code, fragment, error->code, error->message);
}

/* Refusals of the result come from colloquy, not from Lua. */
#define CQ_ERROR_REFUSED_CODE 1000

static void
assert_script_error (const char *script, int code, const char *fragment)
{
  assert_script_error_in (script, code == CQ_ERROR_REFUSED_CODE ? CQ_ERROR : CQ_SANDBOX_ERROR,
                          code == CQ_ERROR_REFUSED_CODE ? CQ_ERROR_REFUSED : code, fragment);
}

static void
test_script_containment (void)
{
  /* Errors name the script's file and line. */
  assert_script_error ("local x = nil\nreturn x.y\n", CQ_SANDBOX_ERROR_RUNTIME,
                       "scripted/scoring.lua:2: attempt to index a nil value (local 'x')");
  assert_script_error ("local n = 0\nwhile true do n = n + 1 end\n", CQ_SANDBOX_ERROR_BUDGET,
                       "scripted/scoring.lua:2: instruction budget exceeded");
  assert_script_error ("local t = {}\nfor i = 1, 1e8 do t[i] = ('x'):rep(1000) .. i end\n",
                       CQ_SANDBOX_ERROR_MEMORY, "memory limit exceeded");
  assert_script_error ("return os.execute('id')\n", CQ_SANDBOX_ERROR_RUNTIME,
                       "scoring.lua:1: attempt to index a nil value (global 'os')");
  assert_script_error ("return io.open('/etc/passwd')\n", CQ_SANDBOX_ERROR_RUNTIME,
                       "attempt to index a nil value (global 'io')");
  assert_script_error ("return require('os')\n", CQ_SANDBOX_ERROR_RUNTIME,
                       "attempt to call a nil value (global 'require')");
  assert_script_error ("return string.find(('a'):rep(400), '.-.-.-b$')\n", CQ_SANDBOX_ERROR_RUNTIME,
                       "pattern too costly");
  assert_script_error ("return value('nope')\n", CQ_SANDBOX_ERROR_RUNTIME,
                       "instrument 'minimal' has no item 'nope'");
}

static void
test_script_result (void)
{
  /* No judgment, risk level or placement: the result has no place for one. */
  /* The validator refuses these keys when written plainly; keys computed at
   * run time are refused when the result is read. */
  assert_script_error ("return { indicators = {}, findings = {}, ['judg' .. 'ment'] = 'high' }", CQ_ERROR_REFUSED_CODE,
                       "holds 'judgment' in the result: a script may not return a judgment");
  assert_script_error ("local k = 'place' .. 'ment'; return { [k] = 'isolation' }", CQ_ERROR_REFUSED_CODE,
                       "holds 'placement' in the result");
  assert_script_error ("return { indicators = { { id = 'x', label = 'X', items = { 'b' }, "
                       "[('risk_' .. 'level')] = 'high' } } }", CQ_ERROR_REFUSED_CODE,
                       "holds 'risk_level' in indicator 1: a script may not return a judgment");
  assert_script_error ("return { findings = { { kind = 'x', level = 3 } } }", CQ_ERROR_REFUSED_CODE,
                       "holds 'level' in finding 1");
  assert_script_error ("return { extra = 1 }", CQ_ERROR_REFUSED_CODE,
                       "holds an unexpected key 'extra' in the result (allowed: indicators, findings)");
  assert_script_error ("return 42", CQ_ERROR_REFUSED_CODE, "the result is a number");
  assert_script_error ("return { indicators = { { id = 'x', label = 'X', items = { 'zz' } } } }",
                       CQ_ERROR_REFUSED_CODE, "names 'zz' in indicator 'x', which is not an item of 'minimal'");
  assert_script_error ("return { indicators = { { id = 'x', label = 'X', items = {} } } }",
                       CQ_ERROR_REFUSED_CODE, "gives no items for indicator 'x'");
  assert_script_error ("return { indicators = { { id = 'Bad Id', label = 'X', items = { 'b' } } } }",
                       CQ_ERROR_REFUSED_CODE, "needs an id for indicator 1");

  g_autoptr (CqInstrument) inst = instrument_with_script ("good",
    "local f = standard_findings()\n"
    "f[#f + 1] = { kind = 'custom', item = 'a', message = { fr = 'Perso', en = 'Custom' } }\n"
    "return { indicators = { { id = 'pair', label = { fr = 'Paire', en = 'Pair' }, items = { 'a', 'b' },\n"
    "  note = 'n', tally = 2 } }, findings = f }\n");
  g_autoptr (CqAnswers) a = cq_answers_new (inst, "2026-03-02");
  {
    CqAnswer an = cq_answer_init (cq_instrument_item (inst, "a"));
    an.value = "yes";
    g_assert_true (cq_answers_put (a, &an, NULL));
  }
  g_autoptr (GError) error = NULL;
  g_autoptr (CqScoreResult) r = cq_score_run (inst, a, "fr", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->indicators->len, ==, 1);
  CqIndicator *ind = r->indicators->pdata[0];
  g_assert_cmpstr (ind->label, ==, "Paire");
  g_assert_cmpint (ind->tally, ==, 2);
  g_assert_cmpuint (r->findings->len, ==, 2); /* b unrated (relevant now), custom */
  g_assert_cmpstr (((CqFinding *) r->findings->pdata[0])->kind, ==, "unrated");
  g_assert_cmpstr (((CqFinding *) r->findings->pdata[1])->message, ==, "Perso");
}

/* Same answers, same output, byte for byte: across runs and locales. */
/* An indicator never rests on an item about religious practice, even when
 * the script hides the id from the validator. */
static void
test_script_religion (void)
{
  g_autofree char *dir = g_build_filename (tmp, "religion", NULL);
  g_mkdir_with_parents (dir, 0700);
  g_autofree char *minimal = g_build_filename (source_dir, "tests", "instrument", "minimal.xml", NULL);
  g_autofree char *xml = NULL;
  g_assert_true (g_file_get_contents (minimal, &xml, NULL, NULL));
  g_autoptr (GString) tagged = g_string_new (xml);
  g_assert_cmpuint (g_string_replace (tagged, "<item id=\"c\" kind=\"context\"",
                                      "<item id=\"c\" tags=\"religious-practice\" kind=\"context\"", 1),
                    ==, 1);
  g_autofree char *xml_path = g_build_filename (dir, "instrument.xml", NULL);
  g_autofree char *lua_path = g_build_filename (dir, "scoring.lua", NULL);
  g_assert_true (g_file_set_contents (xml_path, tagged->str, -1, NULL));
  g_assert_true (g_file_set_contents (lua_path,
    "local id = string.char(99)\n"
    "return { indicators = { { id = 'x', label = 'X', items = { 'b', id } } }, findings = {} }\n",
    -1, NULL));
  g_autoptr (CqDiags) d = cq_diags_new ();
  g_autoptr (CqInstrument) inst = cq_instrument_load (dir, d);
  g_assert_nonnull (inst);
  g_autoptr (CqAnswers) a = cq_answers_new (inst, "2026-03-02");
  g_autoptr (GError) error = NULL;
  g_autoptr (CqScoreResult) r = cq_score_run (inst, a, "en", &error);
  g_assert_null (r);
  g_assert_error (error, CQ_ERROR, CQ_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "cites 'c' in indicator 'x', an item about religious practice"));
}

/* Answers for one protocol: items of other modules are not relevant, so
 * nothing reports them missing; expressions and scripts see the protocol. */
static void
test_protocol (void)
{
  g_autofree char *xml = write_tmp ("review.xml",
    "<answers xmlns=\"urn:colloquy:answers:1\" instrument=\"example\" protocol=\"review\" "
    "date=\"2026-03-02\"/>");
  g_autoptr (CqDiags) d = cq_diags_new ();
  g_autoptr (CqAnswers) a = cq_answers_load (xml, example, d);
  g_assert_nonnull (a);
  g_assert_cmpstr (cq_answers_protocol (a), ==, "review");
  g_autoptr (GError) error = NULL;
  g_autoptr (CqEval) e = cq_eval_new (example, a, &error);
  g_assert_no_error (error);
  g_assert_false (cq_eval_relevant (e, cq_instrument_item (example, "case.gender")));
  g_assert_false (cq_eval_relevant (e, cq_instrument_item (example, "lc.timeline")));
  g_assert_true (cq_eval_relevant (e, cq_instrument_item (example, "net.isolation")));
  g_autoptr (CqScoreResult) r = cq_score_run (example, a, "en", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < r->findings->len; i++)
    {
      const CqFinding *f = r->findings->pdata[i];
      g_assert_false (f->item && (g_str_has_prefix (f->item, "case.") || g_str_has_prefix (f->item, "lc.")
                                  || g_str_has_prefix (f->item, "rel.")));
    }

  g_autoptr (CqInstrument) inst = instrument_with_script ("protocol",
    "return { indicators = {}, findings = { { kind = 'walked', message = tostring(protocol) } } }\n");
  g_autoptr (CqAnswers) b = cq_answers_new (inst, "2026-03-02");
  g_autoptr (CqScoreResult) none = cq_score_run (inst, b, "en", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((CqFinding *) none->findings->pdata[0])->message, ==, "nil");
  cq_answers_set_protocol (b, "main");
  g_autoptr (CqScoreResult) main_ = cq_score_run (inst, b, "en", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((CqFinding *) main_->findings->pdata[0])->message, ==, "main");
}

/* rated_at_least: ids at or above a level, filtered; never an item about
 * religious practice. The standard concealment-restricted-only finding. */
static void
test_rated_and_restricted (void)
{
  g_autoptr (CqInstrument) inst = instrument_with_script ("rated",
    "local all, needs = rated_at_least('absent'), rated_at_least('present', { kind = 'need' })\n"
    "local none = rated_at_least('absent', { tag = 'nope' })\n"
    "return { indicators = {}, findings = { { kind = 'n', message = #all .. ' ' .. #needs .. ' ' .. #none } } }\n");
  g_autoptr (CqAnswers) a = cq_answers_new (inst, "2026-03-02");
  CqAnswer sel = cq_answer_init (cq_instrument_item (inst, "a"));
  sel.value = "yes";
  g_assert_true (cq_answers_put (a, &sel, NULL));
  CqAnswer rb = cq_answer_init (cq_instrument_item (inst, "b"));
  rb.value = "present";
  g_assert_true (cq_answers_put (a, &rb, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (CqScoreResult) r = cq_score_run (inst, a, "en", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((CqFinding *) r->findings->pdata[0])->message, ==, "1 1 0");

  /* The same item about religious practice: never returned. */
  g_autofree char *dir = g_build_filename (tmp, "rated", NULL);
  g_autofree char *xml_path = g_build_filename (dir, "instrument.xml", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (xml_path, &text, NULL, NULL));
  g_autoptr (GString) tagged = g_string_new (text);
  g_assert_cmpuint (g_string_replace (tagged, "<item id=\"b\" ", "<item id=\"b\" tags=\"religious-practice\" ", 1), ==, 1);
  g_assert_true (g_file_set_contents (xml_path, tagged->str, -1, NULL));
  g_autoptr (CqDiags) rd = cq_diags_new ();
  g_autoptr (CqInstrument) rel = cq_instrument_load (dir, rd);
  g_assert_nonnull (rel);
  g_autoptr (CqAnswers) ra = cq_answers_new (rel, "2026-03-02");
  sel.item = cq_instrument_item (rel, "a");
  rb.item = cq_instrument_item (rel, "b");
  g_assert_true (cq_answers_put (ra, &sel, NULL));
  g_assert_true (cq_answers_put (ra, &rb, NULL));
  g_autoptr (CqScoreResult) rr0 = cq_score_run (rel, ra, "en", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((CqFinding *) rr0->findings->pdata[0])->message, ==, "0 0 0");

  g_autofree char *xml = write_tmp ("restricted.xml",
    "<answers xmlns=\"urn:colloquy:answers:1\" instrument=\"example\" date=\"2026-03-02\">\n"
    "  <answer item=\"cc.discrepancy\" value=\"present\" rater=\"prison-officer\">\n"
    "    <rationale>Fictional.</rationale>\n"
    "    <evidence direction=\"supports\" kind=\"fact\" source=\"intelligence\" origin=\"note 1\">x</evidence>\n"
    "    <evidence direction=\"supports\" kind=\"fact\" source=\"intelligence\" origin=\"note 2\">y</evidence>\n"
    "  </answer>\n</answers>\n");
  g_autoptr (CqDiags) d = cq_diags_new ();
  g_autoptr (CqAnswers) b = cq_answers_load (xml, example, d);
  g_assert_nonnull (b);
  g_autoptr (CqScoreResult) rr = cq_score_run (example, b, "en", &error);
  g_assert_no_error (error);
  gboolean restricted = FALSE, sources = FALSE;
  for (guint i = 0; i < rr->findings->len; i++)
    {
      const CqFinding *f = rr->findings->pdata[i];
      restricted |= strcmp (f->kind, "concealment-restricted-only") == 0;
      sources |= strcmp (f->kind, "concealment-sources") == 0;
    }
  g_assert_true (restricted);
  g_assert_false (sources); /* two independent sources: enough, but not open */
}

static void
test_determinism (void)
{
  const char *colloquy = g_getenv ("COLLOQUY");
  g_autofree char *answers = g_build_filename (source_dir, "tests", "score", "answers.xml", NULL);
  g_autofree char *inst = g_build_filename (source_dir, "instruments", "example", NULL);
  g_autofree char *loc = g_build_filename (tmp, "locales", NULL);
  g_mkdir_with_parents (loc, 0700);
  g_autofree char *target = g_build_filename (loc, "de_DE.UTF-8", NULL);
  const char *localedef[] = { "localedef", "-i", "de_DE", "-f", "UTF-8", target, NULL };
  g_assert_true (g_spawn_sync (NULL, (char **) localedef, NULL, G_SPAWN_SEARCH_PATH
                               | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, NULL, NULL));
  const char *argv[] = { colloquy, "score", inst, "--answers", answers, "--json", NULL };
  char *outs[3] = { NULL, NULL, NULL };
  for (int i = 0; i < 3; i++)
    {
      g_auto (GStrv) env = g_get_environ ();
      if (i == 2)
        {
          env = g_environ_setenv (env, "LOCPATH", loc, TRUE);
          env = g_environ_setenv (env, "LC_ALL", "de_DE.UTF-8", TRUE);
        }
      int status;
      g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL,
                                   &outs[i], NULL, &status, NULL));
      g_assert_cmpint (status, ==, 0);
    }
  g_assert_nonnull (strstr (outs[0], "\"id\": \"support-needs\""));
  g_assert_cmpstr (outs[0], ==, outs[1]);
  g_assert_cmpstr (outs[0], ==, outs[2]);
  for (int i = 0; i < 3; i++)
    g_free (outs[i]);
}

/* Test cases =============================================================== */

static void
test_testcases (void)
{
  g_autofree char *folder = g_build_filename (source_dir, "instruments", "example", NULL);
  g_autoptr (CqDiags) d = cq_diags_new ();
  g_autoptr (GString) report = g_string_new (NULL);
  CqTestSummary sum;
  g_assert_true (cq_testcase_run_folder (example, folder, report, d, &sum));
  g_assert_cmpuint (sum.cases, >=, 4);
  g_assert_cmpuint (sum.failed, ==, 0);

  /* A wrong expectation fails, with the file and line of what was expected. */
  g_autoptr (CqInstrument) inst = instrument_with_script ("tested",
    "return { indicators = { { id = 'seen', label = 'Seen', items = { 'a' } } },\n"
    "         findings = standard_findings() }");
  g_autofree char *tests = g_build_filename (tmp, "tested", "tests", NULL);
  g_mkdir_with_parents (tests, 0700);
  g_autofree char *tc = g_build_filename (tests, "wrong.xml", NULL);
  g_assert_true (g_file_set_contents (tc,
    "<test-case xmlns=\"urn:colloquy:answers:1\" name=\"wrong on purpose\">\n"
    "  <answers instrument=\"minimal\" date=\"2026-03-02\">\n"
    "    <answer item=\"a\" value=\"no\"/>\n"
    "  </answers>\n"
    "  <expect>\n"
    "    <indicator id=\"other\" items=\"a b\"/>\n"
    "    <finding kind=\"unrated\" item=\"b\"/>\n"
    "    <relevant items=\"b\"/>\n"
    "  </expect>\n"
    "</test-case>\n", -1, NULL));
  g_autofree char *dir = g_build_filename (tmp, "tested", NULL);
  g_autoptr (GString) r2 = g_string_new (NULL);
  g_autoptr (CqDiags) d2 = cq_diags_new ();
  g_assert_false (cq_testcase_run_folder (inst, dir, r2, d2, &sum));
  g_assert_cmpuint (sum.failed, ==, 1);
  g_autofree char *expected = g_strdup_printf (
    "%s:1: FAIL wrong on purpose\n"
    "%s:6: expected indicator other (items a b); got: \n"
    "    indicator seen (items a)\n"
    "%s:1: unexpected indicator seen (items a) (not in <expect>)\n"
    "%s:7: expected finding unrated on b; got: none\n"
    "%s:8: expected item 'b' to be relevant; got: irrelevant\n"
    /* What the script names and no case expects. */
    "%s/scoring.lua:1: indicator 'seen' is expected by no test case\n", tc, tc, tc, tc, tc, dir);
  g_assert_cmpstr (r2->str, ==, expected);
  g_assert_cmpuint (sum.uncovered, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  source_dir = g_getenv ("CQ_SOURCE_DIR");
  tmp = g_dir_make_tmp ("cq-score-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (source_dir, "instruments", "example", NULL);
  g_autoptr (CqDiags) d = cq_diags_new ();
  example = cq_instrument_load (path, d);
  g_assert_nonnull (example);

  g_test_add_func ("/score/answers/errors", test_answers_errors);
  g_test_add_func ("/score/relevance", test_relevance);
  g_test_add_func ("/score/relevance/incremental", test_relevance_incremental);
  g_test_add_func ("/score/script/containment", test_script_containment);
  g_test_add_func ("/score/script/result", test_script_result);
  g_test_add_func ("/score/script/religion", test_script_religion);
  g_test_add_func ("/score/protocol", test_protocol);
  g_test_add_func ("/score/rated-and-restricted", test_rated_and_restricted);
  g_test_add_func ("/score/determinism", test_determinism);
  g_test_add_func ("/score/testcases", test_testcases);
  int rc = g_test_run ();
  cq_instrument_free (example);
  const char *rm[] = { "rm", "-rf", tmp, NULL };
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (tmp);
  return rc;
}
