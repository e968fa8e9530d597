/* SPDX-License-Identifier: EUPL-1.2 */
/* The instrument loader: the example instrument, the corpus of broken
 * instruments (each with its exact diagnostics) and hostile files. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cq-diag.h"
#include "cq-instrument.h"

static const char *source_dir;

static char *
diags_text (CqDiags *diags)
{
  GString *s = g_string_new (NULL);
  cq_diags_sort (diags);
  for (guint i = 0; i < cq_diags_len (diags); i++)
    {
      g_autofree char *line = cq_diag_format (cq_diags_get (diags, i), FALSE);
      g_string_append (s, line);
    }
  return g_string_free (s, FALSE);
}

/* The example instrument ================================================= */

static CqInstrument *
load_example (void)
{
  g_autofree char *path = g_build_filename (source_dir, "instruments", "example", NULL);
  g_autoptr (CqDiags) diags = cq_diags_new ();
  CqInstrument *inst = cq_instrument_load (path, diags);
  g_autofree char *text = diags_text (diags);
  g_assert_cmpstr (text, ==, "");
  g_assert_nonnull (inst);
  return inst;
}

static void
test_example_model (void)
{
  g_autoptr (CqInstrument) I = load_example ();

  g_assert_cmpstr (I->id, ==, "example");
  g_assert_cmpstr (I->version, ==, "1.0.0");
  g_assert_cmpuint (I->n_languages, ==, 2);
  g_assert_cmpstr (I->languages[0], ==, "fr");
  g_assert_cmpuint (I->validation, ==, CQ_VALIDATION_ILLUSTRATIVE);
  g_assert_cmpuint (I->n_modules, ==, 8);
  g_assert_cmpuint (I->n_items, ==, 15);
  g_assert_cmpuint (I->n_files, ==, 3);
  g_assert_cmpstr (I->files[0].path, ==, "instrument.xml");
  g_assert_cmpstr (I->files[1].path, ==, "life-course.xml");
  g_assert_cmpstr (I->files[2].path, ==, "scoring.lua");
  g_assert_cmpuint (strlen (I->sha256), ==, 64);
  g_assert_true (g_str_has_prefix (cq_text_get (&I->title, "en"), "Example structured"));
  g_assert_true (g_str_has_prefix (cq_text_get (&I->title, "fr"), "Exemple d’instrument"));

  /* Every answer type is there. */
  guint seen = 0;
  for (guint i = 0; i < I->n_items; i++)
    seen |= 1u << I->items[i]->answer.type;
  g_assert_cmpuint (seen, ==, 0x3f);

  /* A module from an included file keeps its file in its location. */
  const CqItem *trauma = cq_instrument_item (I, "lc.trauma");
  g_assert_nonnull (trauma);
  g_assert_cmpstr (trauma->where.file, ==, "life-course.xml");
  g_assert_cmpstr (trauma->domain->module->id, ==, "life-course");
  g_assert_cmpuint (trauma->kind, ==, CQ_KIND_NEED);
  g_assert_cmpstr (trauma->compartment->id, ==, "clinical");
  g_assert_true (cq_item_rated_by (trauma, "psychologist"));
  g_assert_false (cq_item_rated_by (trauma, "educator"));
  g_assert_cmpuint (trauma->n_guidance, ==, 4);
  g_assert_nonnull (trauma->relevant_when);
  g_assert_cmpuint (trauma->relevant_when->n_refs, ==, 2);
  g_assert_cmpstr (trauma->relevant_when->refs[0], ==, "lc.timeline");
  g_assert_cmpstr (trauma->relevant_when->refs[1], ==, "lc.school-disruption");

  /* Prohibited inferences are inherited from the module. */
  const CqItem *disc = cq_instrument_item (I, "cc.discrepancy");
  g_assert_cmpuint (disc->n_inferences, ==, 2);
  g_assert_cmpstr (disc->inferences[0]->id, ==, "religious-practice");
  g_assert_cmpuint (disc->evidence_min_sources, ==, 2);
  g_assert_cmpuint (disc->evidence_sources, ==, CQ_SOURCE_ALL);
  const CqItem *infl = cq_instrument_item (I, "rel.influencers");
  g_assert_cmpuint (infl->n_inferences, ==, 1);

  /* Records and their fields. */
  const CqItem *timeline = cq_instrument_item (I, "lc.timeline");
  g_assert_cmpuint (timeline->answer.type, ==, CQ_ANSWER_RECORDS);
  g_assert_cmpuint (timeline->answer.n_fields, ==, 3);
  g_assert_cmpstr (timeline->answer.fields[1]->answer.scale->id, ==, "life-event");
  g_assert_true (timeline->answer.fields[0]->required);

  /* A constraint and scopes with relevance. */
  const CqItem *children = cq_instrument_item (I, "case.children");
  g_assert_cmpuint (children->n_constraints, ==, 1);
  g_assert_cmpstr (children->constraints[0].check->refs[0], ==, "case.children");
  g_assert_nonnull (cq_instrument_domain (I, "pf.parenthood")->relevant_when);
  g_assert_nonnull (cq_instrument_module (I, "gender-overlay")->relevant_when);

  const CqScale *presence = cq_instrument_scale (I, "presence");
  g_assert_true (presence->ordered);
  g_assert_true (cq_scale_level (presence, "insufficient")->insufficient);
  g_assert_cmpuint (cq_instrument_compartment (I, "partner-view")->exports, ==,
                    CQ_PROFILE_COMMISSION | CQ_PROFILE_PARTNER | CQ_PROFILE_SUBJECT_ACCESS);
  g_assert_cmpuint (I->n_protocols, ==, 2);
  g_assert_cmpuint (I->protocols[1]->n_modules, ==, 4);
  g_assert_cmpuint (I->n_sections, ==, 6);
}

static void
test_example_outline (void)
{
  g_autoptr (CqInstrument) I = load_example ();
  g_autofree char *en = cq_instrument_outline (I, "en");
  g_autofree char *fr = cq_instrument_outline (I, "fr");
  static const char *const expected[] = {
    "instrument example 1.0.0 — Example structured assessment instrument\n",
    "  validation: illustrative — Illustrative — not validated.",
    "  psychologist — Psychologist; reads clinical, synthesis, intelligence, partner-view\n",
    "  partner-view — Partner view; exported to commission partner subject-access\n",
    "  presence (scale): absent < partial < present; insufficient = insufficient information\n",
    "  initial — Initial evaluation: case -> life-course -> religion -> network -> consistency"
    " -> protective -> gender-overlay -> account\n",
    "  module life-course — Life course  [life-course.xml]\n",
    "    domain lc.events — Life events\n",
    "      item lc.timeline — Timeline of key life events\n"
    "        records(0..100){when*: date(month), event*: choice(life-event), "
    "age: integer(0..120 years)}; context, historical, static; compartment clinical; "
    "rated by psychologist, educator\n",
    "        relevant when: count(\"lc.timeline\") > 0 or answered(\"lc.school-disruption\")\n",
    "        rating(presence, relevance); risk, current, dynamic; compartment intelligence; "
    "rated by psychologist, prison-officer, probation-officer\n        tags: concealment\n",
    "        evidence: at least 2 entries from 2 sources (interview, observation, file, "
    "third-party, intelligence)\n        prohibited inferences: religious-practice, "
    "absence-of-practice\n",
    "    relevant when: answered(\"case.gender\")\n",
    "        constraint: value(\"case.children\") <= 12\n",
    "media: choices(media)",
    "free-text(≤8000); account, current, dynamic; compartment partner-view",
    "synthesis: life-course, religion, network, consistency, protective, account\n",
    "scoring: scoring.lua\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (strstr (en, expected[i]) == NULL)
      g_error ("outline lacks:\n%s\n--- outline:\n%s", expected[i], en);
  g_assert_nonnull (strstr (fr, "  module life-course — Parcours de vie  [life-course.xml]\n"));
}

/* The hash pins the exact bundle: any byte changed in any file changes it. */
static void
test_bundle_hash (void)
{
  g_autoptr (CqInstrument) I = load_example ();
  g_autofree char *tmp = g_dir_make_tmp ("cq-hash-XXXXXX", NULL);
  for (guint i = 0; i < I->n_files; i++)
    {
      g_autofree char *p = g_build_filename (tmp, I->files[i].path, NULL);
      gsize len;
      const char *data = g_bytes_get_data (I->files[i].bytes, &len);
      g_assert_true (g_file_set_contents (p, data, (gssize) len, NULL));
    }
  g_autoptr (CqDiags) d1 = cq_diags_new ();
  g_autoptr (CqInstrument) copy = cq_instrument_load (tmp, d1);
  g_assert_nonnull (copy);
  g_assert_cmpstr (copy->sha256, ==, I->sha256);

  g_autofree char *script = g_build_filename (tmp, "scoring.lua", NULL);
  g_autofree char *src = NULL;
  g_assert_true (g_file_get_contents (script, &src, NULL, NULL));
  g_autofree char *changed = g_strconcat (src, "-- one more comment\n", NULL);
  g_assert_true (g_file_set_contents (script, changed, -1, NULL));
  g_autoptr (CqDiags) d2 = cq_diags_new ();
  g_autoptr (CqInstrument) edited = cq_instrument_load (tmp, d2);
  g_assert_nonnull (edited);
  g_assert_cmpstr (edited->sha256, !=, I->sha256);

  for (guint i = 0; i < I->n_files; i++)
    {
      g_autofree char *p = g_build_filename (tmp, I->files[i].path, NULL);
      g_unlink (p);
    }
  g_rmdir (tmp);
}

/* Broken corpus ========================================================== */

static void
test_broken (gconstpointer data)
{
  const char *name = data;
  g_autofree char *dir = g_build_filename (source_dir, "tests", "instrument", "broken", NULL);
  g_autofree char *cwd = g_get_current_dir ();
  g_assert_cmpint (chdir (dir), ==, 0);

  g_autoptr (CqDiags) diags = cq_diags_new ();
  CqInstrument *inst = cq_instrument_load (name, diags);
  g_autofree char *actual = diags_text (diags);
  g_autofree char *stem = g_str_has_suffix (name, ".xml") ? g_strndup (name, strlen (name) - 4)
                                                          : g_strdup (name);
  g_autofree char *expected_path = g_strconcat (stem, ".expected", NULL);
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (expected_path, &expected, NULL, &error))
    g_error ("%s: %s\nactual output:\n%s", expected_path, error->message, actual);
  g_assert_cmpint (chdir (cwd), ==, 0);

  g_assert_null (inst);
  g_assert_cmpuint (cq_diags_count (diags, CQ_DIAG_ERROR), >, 0);
  g_assert_cmpstr (actual, ==, expected);
}

/* Hostile files ========================================================== */

typedef struct {
  const char *name;
  const char *expect; /* a substring of the one error */
} Hostile;

static char *hostile_dir;

static void
write_file (const char *name, const char *data, gssize len)
{
  g_autofree char *p = g_build_filename (hostile_dir, name, NULL);
  g_assert_true (g_file_set_contents (p, data, len, NULL));
}

static void
make_hostile_files (void)
{
  hostile_dir = g_dir_make_tmp ("cq-hostile-XXXXXX", NULL);
  g_assert_nonnull (hostile_dir);

  write_file ("empty.xml", "", 0);

  g_autofree char *example = NULL;
  gsize len;
  g_autofree char *ex_path = g_build_filename (source_dir, "instruments", "example",
                                               "instrument.xml", NULL);
  g_assert_true (g_file_get_contents (ex_path, &example, &len, NULL));
  write_file ("truncated.xml", example, (gssize) len / 2);

  GString *bin = g_string_new (NULL);
  GRand *rand = g_rand_new_with_seed (42);
  for (guint i = 0; i < 4096; i++)
    g_string_append_c (bin, (char) g_rand_int_range (rand, 0, 256));
  g_rand_free (rand);
  write_file ("binary.xml", bin->str, (gssize) bin->len);
  g_string_free (bin, TRUE);

  write_file ("invalid-utf8.xml",
              "<?xml version=\"1.0\"?>\n<instrument xmlns=\"urn:colloquy:instrument:1\" "
              "id=\"x\xff\xfe\"/>\n", -1);
  write_file ("latin1-declared.xml",
              "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<instrument "
              "xmlns=\"urn:colloquy:instrument:1\" id=\"\xe9t\xe9\"/>\n", -1);

  g_autofree char *secret = g_build_filename (hostile_dir, "secret.txt", NULL);
  g_assert_true (g_file_set_contents (secret, "TOP-SECRET-CONTENT-42\n", -1, NULL));
  g_autofree char *xxe = g_strdup_printf (
    "<?xml version=\"1.0\"?>\n<!DOCTYPE instrument [<!ENTITY xxe SYSTEM \"file://%s\">]>\n"
    "<instrument xmlns=\"urn:colloquy:instrument:1\">&xxe;</instrument>\n", secret);
  write_file ("xxe.xml", xxe, -1);
  g_autofree char *xxe_param = g_strdup_printf (
    "<?xml version=\"1.0\"?>\n<!DOCTYPE instrument [<!ENTITY %% p SYSTEM \"file://%s\"> %%p;]>\n"
    "<instrument xmlns=\"urn:colloquy:instrument:1\"/>\n", secret);
  write_file ("xxe-parameter.xml", xxe_param, -1);
  write_file ("external-dtd.xml",
              "<?xml version=\"1.0\"?>\n<!DOCTYPE instrument SYSTEM \"http://127.0.0.1:9/x.dtd\">\n"
              "<instrument xmlns=\"urn:colloquy:instrument:1\"/>\n", -1);

  GString *bomb = g_string_new ("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY l0 \"lol\">\n");
  for (int i = 1; i < 10; i++)
    {
      g_string_append_printf (bomb, "<!ENTITY l%d \"", i);
      for (int k = 0; k < 10; k++)
        g_string_append_printf (bomb, "&l%d;", i - 1);
      g_string_append (bomb, "\">\n");
    }
  g_string_append (bomb, "]>\n<instrument xmlns=\"urn:colloquy:instrument:1\">&l9;</instrument>\n");
  write_file ("entity-bomb.xml", bomb->str, -1);
  g_string_free (bomb, TRUE);

  write_file ("undefined-entity.xml",
              "<?xml version=\"1.0\"?>\n<instrument xmlns=\"urn:colloquy:instrument:1\">&ghost;"
              "</instrument>\n", -1);

  GString *deep = g_string_new ("<instrument xmlns=\"urn:colloquy:instrument:1\">");
  for (int i = 0; i < 200000; i++)
    g_string_append (deep, "<a>");
  write_file ("deep.xml", deep->str, (gssize) deep->len);
  g_string_free (deep, TRUE);

  GString *attr = g_string_new ("<instrument xmlns=\"urn:colloquy:instrument:1\" id=\"");
  for (int i = 0; i < 1000000; i++)
    g_string_append_c (attr, 'a');
  g_string_append (attr, "\"/>");
  write_file ("huge-attribute.xml", attr->str, (gssize) attr->len);
  g_string_free (attr, TRUE);

  GString *many = g_string_new ("<instrument xmlns=\"urn:colloquy:instrument:1\"");
  for (int i = 0; i < 100000; i++)
    g_string_append_printf (many, " a%d=\"\"", i);
  g_string_append (many, "/>");
  write_file ("many-attributes.xml", many->str, (gssize) many->len);
  g_string_free (many, TRUE);

  gsize big = 17u * 1024u * 1024u;
  char *huge = g_malloc (big);
  memset (huge, ' ', big);
  write_file ("oversized.xml", huge, (gssize) big);
  g_free (huge);

  g_autofree char *fifo = g_build_filename (hostile_dir, "fifo.xml", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);

  /* An include that escapes the instrument folder through a symlink. */
  g_autofree char *inner = g_build_filename (hostile_dir, "escape", NULL);
  g_assert_cmpint (g_mkdir (inner, 0700), ==, 0);
  g_autofree char *link = g_build_filename (inner, "module.xml", NULL);
  g_assert_cmpint (symlink (secret, link), ==, 0);
  g_autofree char *minimal_path = g_build_filename (source_dir, "tests", "instrument",
                                                    "minimal.xml", NULL);
  g_autofree char *minimal = NULL;
  g_assert_true (g_file_get_contents (minimal_path, &minimal, NULL, NULL));
  g_autofree char **parts = g_strsplit (minimal, "<modules>", 2);
  g_autofree char *escaping = g_strconcat (parts[0], "<modules>\n    <include href=\"module.xml\"/>",
                                           parts[1], NULL);
  g_strfreev (g_steal_pointer (&parts));
  g_autofree char *escape_main = g_build_filename (inner, "instrument.xml", NULL);
  g_assert_true (g_file_set_contents (escape_main, escaping, -1, NULL));
  g_autofree char *escape_script = g_build_filename (inner, "scoring.lua", NULL);
  g_assert_true (g_file_set_contents (escape_script, "return {}", -1, NULL));

  g_autofree char *dir_xml = g_build_filename (hostile_dir, "folder.xml", NULL);
  g_assert_cmpint (g_mkdir (dir_xml, 0700), ==, 0);
}

static void
test_hostile (gconstpointer data)
{
  const Hostile *h = data;
  g_autofree char *path = g_build_filename (hostile_dir, h->name, NULL);
  g_autoptr (CqDiags) diags = cq_diags_new ();
  CqInstrument *inst = cq_instrument_load (path, diags);
  g_autofree char *text = diags_text (diags);

  g_assert_null (inst);
  if (cq_diags_len (diags) != 1)
    g_error ("%s: expected one error, got:\n%s", h->name, text);
  const CqDiag *d = cq_diags_get (diags, 0);
  g_assert_cmpint (d->severity, ==, CQ_DIAG_ERROR);
  g_assert_true (strstr (d->file, h->name) != NULL || strstr (d->file, "module.xml") != NULL);
  if (strstr (d->message, h->expect) == NULL)
    g_error ("%s: expected a message with '%s', got:\n%s", h->name, h->expect, text);
  g_assert_null (strstr (text, "TOP-SECRET"));
  g_assert_cmpuint (strlen (text), <, 600);
}

static const Hostile hostile[] = {
  { "empty.xml", "file is empty" },
  { "truncated.xml", "not well-formed XML" },
  { "binary.xml", "not well-formed XML" },
  { "invalid-utf8.xml", "invalid UTF-8" },
  { "latin1-declared.xml", "invalid UTF-8" },
  { "xxe.xml", "DOCTYPE declaration is not allowed" },
  { "xxe-parameter.xml", "DOCTYPE declaration is not allowed" },
  { "external-dtd.xml", "DOCTYPE declaration is not allowed" },
  { "entity-bomb.xml", "DOCTYPE declaration is not allowed" },
  { "undefined-entity.xml", "Entity 'ghost' not defined" },
  { "deep.xml", "nested deeper than 48 levels" },
  { "huge-attribute.xml", "the limit is 16384" },
  { "many-attributes.xml", "an element has more than 64 attributes" },
  { "oversized.xml", "the limit is 16777216 bytes" },
  { "fifo.xml", "is not a regular file" },
  { "folder.xml", "not an instrument folder" },
  { "escape", "resolves outside the instrument folder" },
  { "missing.xml", "No such file or directory" },
};

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (path, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        remove_tree (p);
      else
        g_unlink (p);
    }
  if (dir)
    g_dir_close (dir);
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  source_dir = g_getenv ("CQ_SOURCE_DIR");
  g_assert_nonnull (source_dir);

  g_test_add_func ("/instrument/example/model", test_example_model);
  g_test_add_func ("/instrument/example/outline", test_example_outline);
  g_test_add_func ("/instrument/example/bundle-hash", test_bundle_hash);

  g_autofree char *broken = g_build_filename (source_dir, "tests", "instrument", "broken", NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *dir = g_dir_open (broken, 0, NULL);
  g_assert_nonnull (dir);
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (broken, name, NULL);
      if (g_str_has_suffix (name, ".xml") || g_file_test (p, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_dir_close (dir);
  g_assert_cmpuint (names->len, >=, 30);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *test = g_strdup_printf ("/instrument/broken/%s", (char *) names->pdata[i]);
      g_test_add_data_func (test, names->pdata[i], test_broken);
    }

  make_hostile_files ();
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *test = g_strdup_printf ("/instrument/hostile/%s", hostile[i].name);
      g_test_add_data_func (test, &hostile[i], test_hostile);
    }
  int rc = g_test_run ();
  remove_tree (hostile_dir);
  g_free (hostile_dir);
  return rc;
}
