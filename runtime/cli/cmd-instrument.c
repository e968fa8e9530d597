/* SPDX-License-Identifier: EUPL-1.2 */
/* colloquy validate, colloquy show, colloquy preview */
#include <stdio.h>

#include "cq-cli.h"
#include "cq-diag.h"
#include "cq-instrument.h"
#include "cq-pdf.h"

#define S(n) ((n) == 1 ? "" : "s")

static void
print_counts (const char *path, CqDiags *diags, FILE *out)
{
  guint e = cq_diags_count (diags, CQ_DIAG_ERROR), w = cq_diags_count (diags, CQ_DIAG_WARNING);
  fprintf (out, "%s: %u error%s", path, e, S (e));
  if (w > 0)
    fprintf (out, ", %u warning%s", w, S (w));
  fputc ('\n', out);
}

int
cq_cmd_validate (int argc, char **argv)
{
  gboolean strict = FALSE, quiet = FALSE;
  const GOptionEntry entries[] = {
    { "strict", 0, 0, G_OPTION_ARG_NONE, &strict, "Treat warnings as errors", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only problems, no summary", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("PATH... — check instruments");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "PATH is an instrument folder (holding instrument.xml) or an instrument's main XML file.\n"
    "Every problem is reported at once as FILE:LINE:COLUMN: error: MESSAGE, with a hint\n"
    "where one helps. Exit status: 0 when every instrument is valid, 1 otherwise,\n"
    "2 on a usage error.");
  if (!cq_cli_parse (ctx, cq_cli_command ("validate"), &argc, &argv))
    return CQ_EXIT_USAGE;
  if (argc < 2)
    {
      fprintf (stderr, "colloquy validate: name at least one instrument folder or file\n"
                       "Try 'colloquy validate --help'.\n");
      return CQ_EXIT_USAGE;
    }

  int status = CQ_EXIT_OK;
  gboolean colour = cq_cli_colour (stderr);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (CqDiags) diags = cq_diags_new ();
      g_autoptr (CqInstrument) inst = cq_instrument_load (argv[i], diags);
      cq_diags_sort (diags);
      cq_diags_print (diags, stderr, colour);
      gboolean failed = inst == NULL || (strict && cq_diags_count (diags, CQ_DIAG_WARNING) > 0);
      if (failed)
        {
          status = CQ_EXIT_FAILURE;
          print_counts (argv[i], diags, stderr);
        }
      else if (!quiet)
        {
          g_autofree char *langs = g_strjoinv (" ", (char **) inst->languages);
          printf ("%s: valid: instrument '%s' %s (%s), %u module%s, %u domain%s, %u item%s, "
                "%u protocol%s, languages %s; sha256 %.16s\n",
                argv[i], inst->id, inst->version,
                inst->validation == CQ_VALIDATION_ILLUSTRATIVE ? "illustrative, not validated"
                : cq_validation_name (inst->validation),
                inst->n_modules, S (inst->n_modules), inst->n_domains, S (inst->n_domains),
                inst->n_items, S (inst->n_items), inst->n_protocols, S (inst->n_protocols),
                langs, inst->sha256);
        }
    }
  return status;
}

int
cq_cmd_show (int argc, char **argv)
{
  g_autofree char *lang = NULL;
  const GOptionEntry entries[] = {
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, "Language of the texts shown (default: the "
      "instrument's first)", "LANG" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("PATH — print an instrument's outline");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Prints modules, domains and items with their answer types, the roles that rate\n"
    "them, their compartments and expressions, for review. The instrument must be valid.");
  if (!cq_cli_parse (ctx, cq_cli_command ("show"), &argc, &argv))
    return CQ_EXIT_USAGE;
  if (argc != 2)
    {
      fprintf (stderr, "colloquy show: name one instrument folder or file\n"
                       "Try 'colloquy show --help'.\n");
      return CQ_EXIT_USAGE;
    }
  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (CqInstrument) inst = cq_instrument_load (argv[1], diags);
  cq_diags_sort (diags);
  cq_diags_print (diags, stderr, cq_cli_colour (stderr));
  if (inst == NULL)
    {
      print_counts (argv[1], diags, stderr);
      return CQ_EXIT_FAILURE;
    }
  if (!cq_cli_check_lang (inst, lang, "show"))
    return CQ_EXIT_USAGE;
  g_autofree char *outline = cq_instrument_outline (inst, lang);
  fputs (outline, stdout);
  return CQ_EXIT_OK;
}

int
cq_cmd_preview (int argc, char **argv)
{
  g_autofree char *out = NULL, *lang = NULL, *protocol = NULL, *role = NULL;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The PDF to write", "FILE" },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, "A language of the instrument (default: its first)", "LANG" },
    { "protocol", 'p', 0, G_OPTION_ARG_STRING, &protocol, "The protocol to print (default: the first)", "ID" },
    { "role", 'r', 0, G_OPTION_ARG_STRING, &role, "Only the items this role rates", "ROLE" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("PATH -o FILE — a blank interview guide");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Prints, for every module of a protocol, each item's dialogue prompts, its rating guidance\n"
    "with boxes to tick, room for the rationale and for what is missing, and a table for the\n"
    "evidence for and against. Nothing is pre-filled. The instrument is validated first.");
  if (!cq_cli_parse (ctx, cq_cli_command ("preview"), &argc, &argv))
    return CQ_EXIT_USAGE;
  if (argc != 2 || out == NULL)
    {
      fprintf (stderr, "colloquy preview: give one instrument PATH and -o FILE\n"
                       "Try 'colloquy preview --help'.\n");
      return CQ_EXIT_USAGE;
    }
  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (CqInstrument) inst = cq_instrument_load (argv[1], diags);
  cq_diags_sort (diags);
  cq_diags_print (diags, stderr, cq_cli_colour (stderr));
  if (inst == NULL)
    {
      print_counts (argv[1], diags, stderr);
      return CQ_EXIT_FAILURE;
    }
  if (!cq_cli_check_lang (inst, lang, "preview"))
    return CQ_EXIT_USAGE;
  g_autoptr (GError) error = NULL;
  if (!cq_pdf_guide (inst, protocol, role, lang, out, &error))
    {
      fprintf (stderr, "colloquy preview: %s\n", error->message);
      return CQ_EXIT_FAILURE;
    }
  printf ("%s\n", out);
  return CQ_EXIT_OK;
}
