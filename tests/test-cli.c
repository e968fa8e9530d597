/* SPDX-License-Identifier: EUPL-1.2 */
/* The colloquy command as a user runs it: exit statuses and output. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *colloquy, *source_dir;

typedef struct {
  int status;
  char *out, *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run (Run *r, const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  va_list ap;
  g_autoptr (GError) error = NULL;
  int wait = 0;

  g_ptr_array_add (argv, (gpointer) colloquy);
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (source_dir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL,
                               NULL, &r->out, &r->err, &wait, &error));
  g_assert_no_error (error);
  r->status = WIFEXITED (wait) ? WEXITSTATUS (wait) : 128 + WTERMSIG (wait);
}

static void
test_help_and_version (void)
{
  g_auto (Run) r = { 0 };
  run (&r, "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "Usage: colloquy COMMAND"));
  g_assert_nonnull (strstr (r.out, "validate PATH..."));
  g_assert_nonnull (strstr (r.out, "show PATH"));

  g_auto (Run) v = { 0 };
  run (&v, "--version", NULL);
  g_assert_cmpint (v.status, ==, 0);
  g_assert_true (g_str_has_prefix (v.out, "colloquy "));

  g_auto (Run) h = { 0 };
  run (&h, "validate", "--help", NULL);
  g_assert_cmpint (h.status, ==, 0);
  g_assert_nonnull (strstr (h.out, "FILE:LINE:COLUMN: error: MESSAGE"));
  g_assert_nonnull (strstr (h.out, "--strict"));

  g_auto (Run) s = { 0 };
  run (&s, "show", "--help", NULL);
  g_assert_cmpint (s.status, ==, 0);
  g_assert_nonnull (strstr (s.out, "--lang"));
}

static void
test_usage_errors (void)
{
  g_auto (Run) none = { 0 };
  run (&none, NULL);
  g_assert_cmpint (none.status, ==, 2);
  g_assert_nonnull (strstr (none.err, "Usage:"));

  g_auto (Run) typo = { 0 };
  run (&typo, "valdate", "x", NULL);
  g_assert_cmpint (typo.status, ==, 2);
  g_assert_nonnull (strstr (typo.err, "unknown command 'valdate'"));
  g_assert_nonnull (strstr (typo.err, "Did you mean 'colloquy validate'?"));

  g_auto (Run) noarg = { 0 };
  run (&noarg, "validate", NULL);
  g_assert_cmpint (noarg.status, ==, 2);
  g_assert_nonnull (strstr (noarg.err, "name at least one instrument"));

  g_auto (Run) badopt = { 0 };
  run (&badopt, "show", "--colour", "instruments/example", NULL);
  g_assert_cmpint (badopt.status, ==, 2);
  g_assert_nonnull (strstr (badopt.err, "Unknown option --colour"));

  g_auto (Run) lang = { 0 };
  run (&lang, "show", "--lang", "de", "instruments/example", NULL);
  g_assert_cmpint (lang.status, ==, 2);
  g_assert_nonnull (strstr (lang.err, "no 'de' text; it declares fr, en"));
}

static void
test_validate (void)
{
  g_auto (Run) ok = { 0 };
  run (&ok, "validate", "instruments/example", "tests/instrument/minimal.xml", NULL);
  g_assert_cmpint (ok.status, ==, 0);
  g_assert_cmpstr (ok.err, ==, "");
  g_auto (GStrv) lines = g_strsplit (ok.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_true (g_str_has_prefix (lines[0], "instruments/example: valid: instrument 'example' "
                                   "1.0.0 (illustrative, not validated), 8 modules, 10 domains, "
                                   "15 items, 2 protocols, languages fr en; sha256 "));
  g_assert_true (g_str_has_prefix (lines[1], "tests/instrument/minimal.xml: valid: instrument "
                                   "'minimal' 1.0 (illustrative, not validated), 1 module, "
                                   "1 domain, 3 items, 1 protocol"));

  /* Every error of every instrument, then a count per instrument; exit 1. */
  g_auto (Run) bad = { 0 };
  run (&bad, "validate", "tests/instrument/broken/many-errors.xml", "instruments/example",
       "tests/instrument/broken/cycle.xml", NULL);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err,
    "tests/instrument/broken/many-errors.xml:45:41: error: item 'b' is rated by undefined "
    "role 'edcator'\n  hint: did you mean 'educator'?\n"));
  g_assert_nonnull (strstr (bad.err, "tests/instrument/broken/many-errors.xml: 5 errors\n"));
  g_assert_nonnull (strstr (bad.err, "tests/instrument/broken/cycle.xml:42:36: error: dependency "
                                     "cycle: a -> c -> b -> a\n"));
  g_assert_nonnull (strstr (bad.out, "instruments/example: valid"));

  /* No colour when not on a terminal. */
  g_assert_null (strchr (bad.err, '\033'));
}

static void
test_show (void)
{
  g_auto (Run) r = { 0 };
  run (&r, "show", "--lang", "en", "instruments/example", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "instrument example 1.0.0 — Example structured "
                                   "assessment instrument\n"));
  g_assert_nonnull (strstr (r.out, "      item net.isolation — Social isolation\n"
                                   "        rating(presence, relevance); risk, current, dynamic; "
                                   "compartment synthesis; rated by educator, psychologist\n"));

  g_auto (Run) bad = { 0 };
  run (&bad, "show", "tests/instrument/broken/undefined-role.xml", NULL);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_cmpstr (bad.out, ==, "");
  g_assert_nonnull (strstr (bad.err, "undefined role 'edcator'"));
}

/* The text of a PDF, through poppler's pdftotext. */
static char *
pdf_text (const char *path)
{
  g_autofree char *out = NULL;
  int wait = 0;
  const char *argv[] = { "pdftotext", "-enc", "UTF-8", path, "-", NULL };
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH
                               | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &wait, NULL));
  g_assert_true (g_spawn_check_wait_status (wait, NULL));
  /* Lines wrap where the page does: compare words, not lines. */
  g_strdelimit (out, "\n", ' ');
  return g_steal_pointer (&out);
}

static void
test_preview (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cq-preview-XXXXXX", NULL);
  g_autofree char *pdf = g_build_filename (dir, "guide.pdf", NULL);
  g_auto (Run) r = { 0 };
  run (&r, "preview", "instruments/example", "-o", pdf, "--lang", "en", NULL);
  g_assert_cmpint (r.status, ==, 0);
  GStatBuf st;
  g_assert_cmpint (g_stat (pdf, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_autofree char *text = pdf_text (pdf);
  /* Prompts, guidance per level, boxes, evidence table, inferences. */
  g_assert_nonnull (strstr (text, "Interview guide (blank)"));
  g_assert_nonnull (strstr (text, "Who do you talk to when something worries you?"));
  g_assert_nonnull (strstr (text, "☐ Partial — A few ties, fragile or intermittent."));
  g_assert_nonnull (strstr (text, "☐ Insufficient information"));
  g_assert_nonnull (strstr (text, "Evidence for and against — at least 2, from 2 independent"));
  g_assert_nonnull (strstr (text, "is never evidence of risk"));
  g_assert_nonnull (strstr (text, "Asked when: (value(\"case.children\") or 0) > 0"));
  g_assert_nonnull (strstr (text, "Weigh against (protective factors): Ties"));
  g_assert_nonnull (strstr (text, "illustrative, not validated"));
  g_assert_nonnull (strstr (text, "acc.own-account"));

  /* One role's items only; French. */
  g_auto (Run) fr = { 0 };
  run (&fr, "preview", "instruments/example", "-o", pdf, "--role", "mediator", NULL);
  g_assert_cmpint (fr.status, ==, 0);
  g_autofree char *ftext = pdf_text (pdf);
  g_assert_nonnull (strstr (ftext, "Guide d’entretien (vierge)"));
  g_assert_nonnull (strstr (ftext, "rel.influencers"));
  g_assert_nonnull (strstr (ftext, "Pour le rôle : Médiateur religieux ou culturel"));
  g_assert_null (strstr (ftext, "net.isolation"));
  g_assert_null (strstr (ftext, "case.gender"));

  /* Errors a user can make. */
  g_auto (Run) proto = { 0 };
  run (&proto, "preview", "instruments/example", "-o", pdf, "--protocol", "reveiw", NULL);
  g_assert_cmpint (proto.status, ==, 1);
  g_assert_nonnull (strstr (proto.err, "has no protocol 'reveiw' (it has: initial, review)"));
  g_auto (Run) role = { 0 };
  run (&role, "preview", "instruments/example", "-o", pdf, "--role", "chaplain", NULL);
  g_assert_cmpint (role.status, ==, 1);
  g_assert_nonnull (strstr (role.err, "has no role 'chaplain'"));
  g_auto (Run) lang = { 0 };
  run (&lang, "preview", "instruments/example", "-o", pdf, "--lang", "de", NULL);
  g_assert_cmpint (lang.status, ==, 2);
  g_assert_nonnull (strstr (lang.err, "colloquy preview: the instrument has no 'de' text; it declares fr, en"));
  g_auto (Run) broken = { 0 };
  run (&broken, "preview", "tests/instrument/broken/ethics", "-o", pdf, NULL);
  g_assert_cmpint (broken.status, ==, 1);
  g_assert_nonnull (strstr (broken.err, "an item about religious practice"));
  g_auto (Run) noout = { 0 };
  run (&noout, "preview", "instruments/example", NULL);
  g_assert_cmpint (noout.status, ==, 2);
  g_assert_nonnull (strstr (noout.err, "give one instrument PATH and -o FILE"));

  g_unlink (pdf);
  g_rmdir (dir);
}

/* colloquy test lists what the script names and no case expects. */
static void
test_test_coverage (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cq-coverage-XXXXXX", NULL);
  g_autofree char *tests = g_build_filename (dir, "tests", NULL);
  g_mkdir_with_parents (tests, 0700);
  static const char *const files[] = { "instrument.xml", "life-course.xml", "scoring.lua",
                                       "tests/empty.xml", "tests/concealment.xml" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (source_dir, "instruments", "example", files[i], NULL);
      g_autofree char *to = g_build_filename (dir, files[i], NULL);
      g_autofree char *text = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (from, &text, &len, NULL));
      g_assert_true (g_file_set_contents (to, text, (gssize) len, NULL));
    }
  g_auto (Run) r = { 0 };
  run (&r, "test", dir, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "scoring.lua:24: indicator 'protective-factors' is expected by no test case"));
  g_assert_nonnull (strstr (r.out, "scoring.lua:46: finding 'empty-timeline' is expected by no test case"));
  g_assert_nonnull (strstr (r.out, "2 test cases, 0 failed; 3 indicators or findings of the script expected by no case"));
  g_auto (Run) strict = { 0 };
  run (&strict, "test", "--strict", dir, NULL);
  g_assert_cmpint (strict.status, ==, 1);
  g_auto (Run) full = { 0 };
  run (&full, "test", "--strict", "instruments/example", NULL);
  g_assert_cmpint (full.status, ==, 0);
  g_assert_null (strstr (full.out, "expected by no test case"));
  for (guint i = G_N_ELEMENTS (files); i-- > 0;)
    {
      g_autofree char *p = g_build_filename (dir, files[i], NULL);
      g_unlink (p);
    }
  g_rmdir (tests);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  colloquy = g_getenv ("COLLOQUY");
  source_dir = g_getenv ("CQ_SOURCE_DIR");
  g_assert_nonnull (colloquy);
  g_assert_nonnull (source_dir);
  g_test_add_func ("/cli/help-and-version", test_help_and_version);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/validate", test_validate);
  g_test_add_func ("/cli/show", test_show);
  g_test_add_func ("/cli/preview", test_preview);
  g_test_add_func ("/cli/test-coverage", test_test_coverage);
  return g_test_run ();
}
