/* SPDX-License-Identifier: EUPL-1.2 */
/* colloquy score, colloquy test */
#include <stdio.h>

#include "cq-answers.h"
#include "cq-cli.h"
#include "cq-instrument.h"
#include "cq-score.h"
#include "cq-testcase.h"

/* Loads the instrument, printing its problems; NULL when it is not valid. */
static CqInstrument *
load_instrument (const char *path)
{
  g_autoptr (CqDiags) diags = cq_diags_new ();
  CqInstrument *inst = cq_instrument_load (path, diags);
  if (inst == NULL)
    {
      cq_diags_sort (diags);
      cq_diags_print (diags, stderr, cq_cli_colour (stderr));
      fprintf (stderr, "%s: the instrument is not valid; run 'colloquy validate %s'\n", path, path);
    }
  return inst;
}

int
cq_cmd_score (int argc, char **argv)
{
  g_autofree char *answers_path = NULL, *lang = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "answers", 'a', 0, G_OPTION_ARG_FILENAME, &answers_path, "The answers file (required)", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the result as JSON", NULL },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, "Language of labels and messages", "LANG" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("PATH --answers FILE — score answers");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Evaluates relevance and constraints, then runs the instrument's scoring script in\n"
    "its sandbox. Prints aide-mémoire indicators, each with the items and ratings behind\n"
    "it, and completeness and consistency findings. No score is a judgment.\n"
    "The answers format is described in docs/answers-format.md.");
  if (!cq_cli_parse (ctx, cq_cli_command ("score"), &argc, &argv))
    return CQ_EXIT_USAGE;
  if (argc != 2 || answers_path == NULL)
    {
      fprintf (stderr, "colloquy score: name one instrument and --answers FILE\n"
                       "Try 'colloquy score --help'.\n");
      return CQ_EXIT_USAGE;
    }
  g_autoptr (CqInstrument) inst = load_instrument (argv[1]);
  if (inst == NULL)
    return CQ_EXIT_FAILURE;
  if (!cq_cli_check_lang (inst, lang, "score"))
    return CQ_EXIT_USAGE;
  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (CqAnswers) answers = cq_answers_load (answers_path, inst, diags);
  if (answers == NULL)
    {
      cq_diags_sort (diags);
      cq_diags_print (diags, stderr, cq_cli_colour (stderr));
      return CQ_EXIT_FAILURE;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (CqScoreResult) r = cq_score_run (inst, answers, lang, &error);
  if (r == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return CQ_EXIT_FAILURE;
    }
  g_autofree char *out = json ? cq_score_result_json (r, inst, answers)
                              : cq_score_result_text (r, inst, answers, lang ? lang : inst->languages[0]);
  fputs (out, stdout);
  return CQ_EXIT_OK;
}

int
cq_cmd_test (int argc, char **argv)
{
  gboolean quiet = FALSE, strict = FALSE;
  const GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only failures", NULL },
    { "strict", 0, 0, G_OPTION_ARG_NONE, &strict,
      "Fail when an indicator or finding the script names is expected by no case", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("PATH — run an instrument's test cases");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Runs every tests/*.xml of the instrument folder: answers in, the expected indicators,\n"
    "findings, relevance and constraint violations out. Each failure is printed as\n"
    "FILE:LINE: expected ...; got: .... Then every indicator id and finding kind the scoring\n"
    "script names (id = \"...\", kind = \"...\") that no case expects is listed as\n"
    "scoring.lua:LINE: ... is expected by no test case. Exit status 1 when a case fails\n"
    "(or, with --strict, when something the script names is not covered).");
  if (!cq_cli_parse (ctx, cq_cli_command ("test"), &argc, &argv))
    return CQ_EXIT_USAGE;
  if (argc != 2)
    {
      fprintf (stderr, "colloquy test: name one instrument folder\nTry 'colloquy test --help'.\n");
      return CQ_EXIT_USAGE;
    }
  g_autoptr (CqInstrument) inst = load_instrument (argv[1]);
  if (inst == NULL)
    return CQ_EXIT_FAILURE;
  g_autofree char *folder = g_file_test (argv[1], G_FILE_TEST_IS_DIR) ? g_strdup (argv[1])
                                                                       : g_path_get_dirname (argv[1]);
  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (GString) report = g_string_new (NULL);
  CqTestSummary sum;
  gboolean ok = cq_testcase_run_folder (inst, folder, report, diags, &sum);
  cq_diags_sort (diags);
  cq_diags_print (diags, stderr, cq_cli_colour (stderr));
  if (quiet)
    {
      g_auto (GStrv) lines = g_strsplit (report->str, "\n", -1);
      for (guint i = 0; lines[i]; i++)
        if (*lines[i] && !g_str_has_prefix (lines[i], "PASS "))
          printf ("%s\n", lines[i]);
    }
  else
    fputs (report->str, stdout);
  if (sum.cases == 0)
    {
      fprintf (stderr, "%s: no test cases: add tests/*.xml (see docs/answers-format.md)\n", folder);
      return CQ_EXIT_FAILURE;
    }
  printf ("%u test case%s, %u failed", sum.cases, sum.cases == 1 ? "" : "s", sum.failed);
  if (sum.uncovered > 0)
    printf ("; %u indicator%s or finding%s of the script expected by no case", sum.uncovered,
            sum.uncovered == 1 ? "" : "s", sum.uncovered == 1 ? "" : "s");
  printf ("\n");
  return ok && (!strict || sum.uncovered == 0) ? CQ_EXIT_OK : CQ_EXIT_FAILURE;
}
