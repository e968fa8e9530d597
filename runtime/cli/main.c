/* SPDX-License-Identifier: EUPL-1.2 */
/* The colloquy command: a thin front end over the library. */
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cq-cli.h"
#include "cq-instrument.h"
#include "cq-util.h"

static const CqCommand commands[] = {
  { "validate", "PATH...", "check instruments and report every problem, compiler-style",
    cq_cmd_validate },
  { "show", "PATH", "print an instrument's outline for review", cq_cmd_show },
  { "score", "PATH --answers FILE", "aide-mémoire indicators and findings for a set of answers",
    cq_cmd_score },
  { "test", "PATH", "run an instrument's test cases", cq_cmd_test },
  { "preview", "PATH -o FILE", "a printable blank interview guide for an instrument",
    cq_cmd_preview },
  { "init", "--db FILE", "create a case database", cq_cmd_init },
  { "deployment", "show | update [--deployment FILE]", "the roles, capabilities, judgment levels "
    "and placements in force", cq_cmd_deployment },
  { "member", "add ID --role ROLE | list | password ID", "the team, their roles and passwords",
    cq_cmd_member },
  { "case", "open REF | history REF", "cases, and the trajectory of their dynamic items",
    cq_cmd_case },
  { "assessment", "open CASE | status ID | ...", "assessments: open, status per module and rater, "
    "disagreements", cq_cmd_assessment },
  { "interview", "--assessment ID", "walk through an assessment's items for your role",
    cq_cmd_interview },
  { "consensus", "--assessment ID --answers FILE", "record the team's consensus, keeping dissent",
    cq_cmd_consensus },
  { "decision", "--assessment ID ...", "record the commission's decision (chair only)",
    cq_cmd_decision },
  { "audit", "verify", "check the audit chain of a database", cq_cmd_audit },
  { "export", "ASSESSMENT --profile P -o FILE", "the evaluation synthesis as PDF", cq_cmd_export },
  { "sign", "FILE --identity P12", "sign a synthesis (PAdES, incremental)", cq_cmd_sign },
  { "verify", "FILE [--ca CA]", "check a synthesis's signatures and its origin", cq_cmd_verify },
  { "serve", "--db FILE [--listen HOST:PORT]", "the web interface for the team's browsers",
    cq_cmd_serve },
  { "pki", "create --dir DIR ...", "a throwaway test CA and identities, for demos", cq_cmd_pki },
};

const CqCommand *
cq_cli_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

gboolean
cq_cli_colour (FILE *stream)
{
  const char *nc = g_getenv ("NO_COLOR");
  return isatty (fileno (stream)) && (nc == NULL || *nc == '\0')
         && g_strcmp0 (g_getenv ("TERM"), "dumb") != 0;
}

gboolean
cq_cli_check_lang (const CqInstrument *inst, const char *lang, const char *cmd)
{
  for (guint i = 0; lang && i < inst->n_languages; i++)
    if (g_strcmp0 (inst->languages[i], lang) == 0)
      return TRUE;
  if (lang == NULL)
    return TRUE;
  g_autofree char *langs = g_strjoinv (", ", (char **) inst->languages);
  fprintf (stderr, "colloquy %s: the instrument has no '%s' text; it declares %s\n", cmd, lang,
           langs);
  return FALSE;
}

gboolean
cq_cli_parse (GOptionContext *ctx, const CqCommand *cmd, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *summary = g_strdup_printf ("%s.", cmd->summary);

  g_option_context_set_summary (ctx, summary);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      fprintf (stderr, "colloquy %s: %s\nTry 'colloquy %s --help'.\n", cmd->name, error->message,
               cmd->name);
      return FALSE;
    }
  return TRUE;
}

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: colloquy COMMAND [OPTION...] [ARGUMENT...]\n"
           "\n"
           "colloquy runs structured-dialogue assessment instruments: it loads and\n"
           "validates protocols written in XML with Lua scoring scripts, and scores\n"
           "answers in a sandbox. Scripts compute aide-mémoire indicators; people judge.\n"
           "\n"
           "Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *head = g_strdup_printf ("%s %s", commands[i].name, commands[i].args);
      fprintf (out, "  %-30s %s\n", head, commands[i].summary);
    }
  fprintf (out,
           "\n"
           "Options:\n"
           "  -h, --help             show this help\n"
           "  --version              show the version\n"
           "\n"
           "Run 'colloquy COMMAND --help' for a command's options.\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* Everything colloquy writes holds special-category data: private files. */
  umask (077);
  /* A file-size limit makes writes fail with EFBIG, reported as a full
   * disk, instead of killing the process mid-sentence. */
  signal (SIGXFSZ, SIG_IGN);
  /* Loading an instrument allocates and frees hundreds of thousands of
   * small tree nodes; glibc's fast bins then spend more time consolidating
   * than the parser spends parsing. */
  mallopt (M_MXFAST, 0);
  /* Messages and numbers in output are locale-independent. */
  setlocale (LC_NUMERIC, "C");

  if (argc < 2)
    {
      usage (stderr);
      return CQ_EXIT_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      if (argc > 2 && strcmp (argv[1], "help") == 0 && cq_cli_command (argv[2]) != NULL)
        {
          char *sub[] = { argv[2], (char *) "--help", NULL };
          return cq_cli_command (argv[2])->run (2, sub);
        }
      usage (stdout);
      return CQ_EXIT_OK;
    }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "version") == 0)
    {
      printf ("colloquy %s\n", CQ_VERSION);
      return CQ_EXIT_OK;
    }
  const CqCommand *cmd = cq_cli_command (argv[1]);
  if (cmd == NULL)
    {
      const char *names[G_N_ELEMENTS (commands)];
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        names[i] = commands[i].name;
      const char *near = cq_suggest (argv[1], names, G_N_ELEMENTS (commands));
      fprintf (stderr, "colloquy: unknown command '%s'\n", argv[1]);
      if (near != NULL)
        fprintf (stderr, "Did you mean 'colloquy %s'?\n", near);
      fprintf (stderr, "Run 'colloquy --help' for the list of commands.\n");
      return CQ_EXIT_USAGE;
    }
  return cmd->run (argc - 1, argv + 1);
}
