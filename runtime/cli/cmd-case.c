/* SPDX-License-Identifier: EUPL-1.2 */
/* colloquy init, member, case, assessment, consensus, decision, audit */
#include <stdio.h>
#include <string.h>

#include <termios.h>
#include <unistd.h>

#include "cq-account.h"
#include "cq-case.h"
#include "cq-cli.h"
#include "cq-eval.h"
#include "cq-store.h"

/* The database named by --db, else by COLLOQUY_DB. */
CqStore *
cq_cli_store (const char *db, gboolean create, const char *cmd)
{
  if (db == NULL)
    db = g_getenv ("COLLOQUY_DB");
  if (db == NULL || *db == '\0')
    {
      fprintf (stderr, "colloquy %s: name the database with --db FILE or COLLOQUY_DB\n", cmd);
      return NULL;
    }
  g_autoptr (GError) error = NULL;
  CqStore *s = cq_store_open (db, create, &error);
  if (s == NULL)
    fprintf (stderr, "colloquy %s: %s\n", cmd, error->message);
  return s;
}

const char *
cq_cli_actor (const char *as)
{
  if (as != NULL)
    return as;
  const char *env = g_getenv ("COLLOQUY_MEMBER");
  return env && *env ? env : g_get_user_name ();
}

static int
report (const char *cmd, GError *error)
{
  fprintf (stderr, "colloquy %s: %s\n", cmd, error->message);
  return CQ_EXIT_FAILURE;
}

#define DB_OPTION { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The database (default: $COLLOQUY_DB)", "FILE" }
#define AS_OPTION { "as", 0, 0, G_OPTION_ARG_STRING, &as, "Who does it: a member id (default: $COLLOQUY_MEMBER, or your login)", "MEMBER" }
#define END_OPTION { NULL, 0, 0, 0, NULL, NULL, NULL }

static gboolean
parse (const char *name, const char *args, const char *desc, const GOptionEntry *entries,
       int *argc, char ***argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (args);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (desc)
    g_option_context_set_description (ctx, desc);
  return cq_cli_parse (ctx, cq_cli_command (name), argc, argv);
}

/* init ====================================================================== */

int
cq_cmd_init (int argc, char **argv)
{
  g_autofree char *db = NULL, *deployment = NULL;
  const GOptionEntry entries[] = {
    DB_OPTION,
    { "deployment", 0, 0, G_OPTION_ARG_FILENAME, &deployment, "Roles, judgment levels and placements (default: the bundled deployment)", "FILE" },
    END_OPTION,
  };
  if (!parse ("init", "— create a case database", "Creates the database (mode 0600) and its chain "
              "key FILE.key (0600), and records the deployment's roles.", entries, &argc, &argv))
    return CQ_EXIT_USAGE;
  g_autoptr (CqStore) s = cq_cli_store (db, TRUE, "init");
  if (s == NULL)
    return CQ_EXIT_FAILURE;
  g_autoptr (GError) error = NULL;
  if (!cq_team_init (s, deployment, &error))
    return report ("init", error);
  printf ("created %s (schema %d) and its chain key %s.key\n", cq_store_path (s),
          CQ_STORE_SCHEMA_VERSION, cq_store_path (s));
  return CQ_EXIT_OK;
}

/* deployment ================================================================ */

int
cq_cmd_deployment (int argc, char **argv)
{
  g_autofree char *db = NULL, *as = NULL, *deployment = NULL;
  const GOptionEntry entries[] = {
    DB_OPTION, AS_OPTION,
    { "deployment", 0, 0, G_OPTION_ARG_FILENAME, &deployment, "The new deployment (default: the bundled one)", "FILE" },
    END_OPTION,
  };
  if (!parse ("deployment", "show | update [--deployment FILE] — the roles, levels and placements "
              "in force", "show prints the deployment recorded in the database (the latest "
              "record is in force). update records a new one — a site's own roles, or the "
              "bundled deployment of a newer colloquy (which brings, say, the administrator role "
              "of the web interface); a member's role may not disappear. Earlier records stay in "
              "the audit chain.", entries, &argc, &argv))
    return CQ_EXIT_USAGE;
  if (argc != 2 || (strcmp (argv[1], "show") != 0 && strcmp (argv[1], "update") != 0))
    {
      fprintf (stderr, "colloquy deployment: show, or update [--deployment FILE]\n"
                       "Try 'colloquy deployment --help'.\n");
      return CQ_EXIT_USAGE;
    }
  g_autoptr (CqStore) s = cq_cli_store (db, FALSE, "deployment");
  if (s == NULL)
    return CQ_EXIT_FAILURE;
  g_autoptr (GError) error = NULL;
  if (strcmp (argv[1], "update") == 0 && !cq_team_redeploy (s, cq_cli_actor (as), deployment, &error))
    return report ("deployment", error);
  g_auto (GStrv) roles = cq_team_list (s, "roles");
  static const char *const caps[] = { "rate", "consensus", "decide", "author", "administer" };
  for (guint i = 0; roles && roles[i]; i++)
    {
      g_autofree char *label = cq_team_label (s, "roles", roles[i], "en");
      g_autoptr (GString) may = g_string_new (NULL);
      for (guint c = 0; c < G_N_ELEMENTS (caps); c++)
        if (cq_team_may (s, roles[i], caps[c]))
          g_string_append_printf (may, "%s%s", may->len ? ", " : "", caps[c]);
      printf ("role %-20s %-40s may: %s\n", roles[i], label, may->len ? may->str : "-");
    }
  static const char *const lists[] = { "levels", "dimensions", "placements" };
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_auto (GStrv) v = cq_team_list (s, lists[i]);
      g_autofree char *joined = v ? g_strjoinv (", ", v) : g_strdup ("-");
      printf ("%-25s %s\n", lists[i], joined);
    }
  return CQ_EXIT_OK;
}

/* member ==================================================================== */

/* One line of standard input, without echo at a terminal. */
static char *
read_secret (const char *prompt)
{
  gboolean tty = isatty (STDIN_FILENO);
  struct termios old, quiet;
  if (tty)
    {
      fprintf (stderr, "%s", prompt);
      fflush (stderr);
      tcgetattr (STDIN_FILENO, &old);
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  char buf[1024];
  char *line = fgets (buf, sizeof buf, stdin) ? g_strdup (buf) : NULL;
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &old);
      fprintf (stderr, "\n");
    }
  explicit_bzero (buf, sizeof buf);
  if (line != NULL)
    line[strcspn (line, "\r\n")] = '\0';
  return line;
}

static void
free_secret (char *s)
{
  if (s != NULL)
    explicit_bzero (s, strlen (s));
  g_free (s);
}

static int
member_password (CqStore *s, const char *actor, const char *id)
{
  g_autoptr (GError) error = NULL;
  char *pw = read_secret ("new password: ");
  if (pw == NULL)
    {
      fprintf (stderr, "colloquy member password: no password on standard input; nothing changed\n");
      return CQ_EXIT_FAILURE;
    }
  if (isatty (STDIN_FILENO))
    {
      char *again = read_secret ("the same again: ");
      gboolean same = again != NULL && strcmp (again, pw) == 0;
      free_secret (again);
      if (!same)
        {
          free_secret (pw);
          fprintf (stderr, "colloquy member password: the two differ; nothing changed\n");
          return CQ_EXIT_FAILURE;
        }
    }
  gboolean ok = cq_account_set_password (s, actor, id, pw, &error);
  free_secret (pw);
  if (!ok)
    return report ("member password", error);
  printf ("password of %s set\n", id);
  return CQ_EXIT_OK;
}

int
cq_cmd_member (int argc, char **argv)
{
  g_autofree char *db = NULL, *as = NULL, *name = NULL, *role = NULL;
  const GOptionEntry entries[] = {
    DB_OPTION, AS_OPTION,
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "The member's name (fictional in tests and demos)", "NAME" },
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, "Their role, one of the deployment's", "ROLE" },
    END_OPTION,
  };
  if (!parse ("member", "add ID --role ROLE [--name NAME] | list | password ID | disable ID | "
              "enable ID — the team",
              "'password ID' sets the member's password for the web interface (colloquy serve),\n"
              "read from standard input (asked twice, without echo, at a terminal); it is kept as an\n"
              "Argon2id hash. 'disable ID' stops a member from signing in; their records stay.\n"
              "The first administrator: 'member add admin --role administrator', then\n"
              "'member password admin'.", entries, &argc, &argv))
    return CQ_EXIT_USAGE;
  g_autoptr (CqStore) s = cq_cli_store (db, FALSE, "member");
  if (s == NULL)
    return CQ_EXIT_FAILURE;
  g_autoptr (GError) error = NULL;
  if (argc == 3 && strcmp (argv[1], "add") == 0)
    {
      if (!cq_team_add (s, cq_cli_actor (as), argv[2], name, role, &error))
        return report ("member add", error);
      printf ("member %s (%s) added\n", argv[2], role);
      return CQ_EXIT_OK;
    }
  if (argc == 2 && strcmp (argv[1], "list") == 0)
    {
      g_autoptr (GPtrArray) all = cq_team_members (s, &error);
      if (all == NULL)
        return report ("member list", error);
      for (guint i = 0; i < all->len; i++)
        {
          CqMember *m = all->pdata[i];
          printf ("%-16s %-20s %s%s\n", m->id, m->role, m->name ? m->name : "",
                  m->disabled ? " (disabled)" : "");
        }
      return CQ_EXIT_OK;
    }
  if (argc == 3 && strcmp (argv[1], "password") == 0)
    return member_password (s, cq_cli_actor (as), argv[2]);
  if (argc == 3 && (strcmp (argv[1], "disable") == 0 || strcmp (argv[1], "enable") == 0))
    {
      gboolean off = strcmp (argv[1], "disable") == 0;
      if (!cq_team_set_disabled (s, cq_cli_actor (as), argv[2], off, &error))
        return report (off ? "member disable" : "member enable", error);
      printf ("member %s %s\n", argv[2], off ? "disabled: they can no longer sign in" : "enabled");
      return CQ_EXIT_OK;
    }
  fprintf (stderr, "colloquy member: use 'member add ID --role ROLE', 'member list', "
                   "'member password ID', 'member disable ID' or 'member enable ID'\n");
  return CQ_EXIT_USAGE;
}

/* case ====================================================================== */

static const char *
team_value (const CqAnswers *team, const CqItem *it)
{
  const CqAnswer *a = cq_answers_get (team, it);
  if (a == NULL)
    return "·";
  if (a->value)
    return a->value;
  return a->text ? "(text)" : a->n_records ? "(records)" : "·";
}

int
cq_cmd_case (int argc, char **argv)
{
  g_autofree char *db = NULL, *as = NULL, *unit = NULL;
  const GOptionEntry entries[] = {
    DB_OPTION, AS_OPTION,
    { "unit", 0, 0, G_OPTION_ARG_STRING, &unit, "The assessment unit", "UNIT" },
    END_OPTION,
  };
  if (!parse ("case", "open REF [--unit UNIT] | history REF — cases",
              "REF is a pseudonymous case reference, never a name. 'history' shows the\n"
              "trajectory of the case's dynamic items across its assessments.", entries, &argc,
              &argv))
    return CQ_EXIT_USAGE;
  g_autoptr (CqStore) s = cq_cli_store (db, FALSE, "case");
  if (s == NULL)
    return CQ_EXIT_FAILURE;
  g_autoptr (GError) error = NULL;
  if (argc == 3 && strcmp (argv[1], "open") == 0)
    {
      if (!cq_case_open (s, cq_cli_actor (as), argv[2], unit, &error))
        return report ("case open", error);
      printf ("case %s opened\n", argv[2]);
      return CQ_EXIT_OK;
    }
  if (argc == 3 && strcmp (argv[1], "history") == 0)
    {
      g_autoptr (GPtrArray) list = cq_case_assessments (s, argv[2], &error);
      if (list == NULL)
        return report ("case history", error);
      cq_read_record (s, cq_cli_actor (as), "case history", argv[2], NULL);
      printf ("case %s: %u assessment%s\n", argv[2], list->len, list->len == 1 ? "" : "s");
      g_autoptr (GPtrArray) insts = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_instrument_free);
      g_autoptr (GPtrArray) teams = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_answers_free);
      for (guint i = 0; i < list->len; i++)
        {
          CqAssessment *a = list->pdata[i];
          CqInstrument *inst = cq_assessment_instrument (s, a, &error);
          if (inst == NULL)
            return report ("case history", error);
          g_ptr_array_add (insts, inst);
          CqAnswers *team = cq_assessment_answers (s, a, inst, NULL, NULL, &error);
          if (team == NULL)
            return report ("case history", error);
          g_ptr_array_add (teams, team);
          printf ("  %-14s %-20s %s  %s %s\n", a->id, a->kind, a->opened, a->instrument, a->version);
        }
      printf ("\ndynamic items%*s", 18, "");
      for (guint i = 0; i < list->len; i++)
        printf (" %-14s", ((CqAssessment *) list->pdata[i])->id);
      printf ("\n");
      /* Every dynamic item of any of the instruments, in first-seen order. */
      g_autoptr (GPtrArray) ids = g_ptr_array_new ();
      for (guint i = 0; i < insts->len; i++)
        {
          const CqInstrument *inst = insts->pdata[i];
          for (guint k = 0; k < inst->n_items; k++)
            if (inst->items[k]->dynamic
                && !g_ptr_array_find_with_equal_func (ids, inst->items[k]->id, g_str_equal, NULL))
              g_ptr_array_add (ids, (gpointer) inst->items[k]->id);
        }
      for (guint k = 0; k < ids->len; k++)
        {
          printf ("  %-29s", (char *) ids->pdata[k]);
          for (guint i = 0; i < list->len; i++)
            {
              const CqItem *it = cq_instrument_item (insts->pdata[i], ids->pdata[k]);
              printf (" %-14s", it ? team_value (teams->pdata[i], it) : "—");
            }
          printf ("\n");
        }
      return CQ_EXIT_OK;
    }
  fprintf (stderr, "colloquy case: use 'case open REF' or 'case history REF'\n");
  return CQ_EXIT_USAGE;
}

/* assessment ================================================================ */

static int
assessment_status (CqStore *s, const char *id, const char *actor)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CqAssessment) a = cq_assessment_get (s, id, &error);
  if (a == NULL)
    return report ("assessment status", error);
  g_autoptr (CqInstrument) inst = cq_assessment_instrument (s, a, &error);
  if (inst == NULL)
    return report ("assessment status", error);
  cq_read_record (s, actor, "assessment status", a->case_ref, a->id);
  g_autoptr (CqAnswers) team = cq_assessment_answers (s, a, inst, NULL, NULL, &error);
  g_autoptr (CqEval) eval = team ? cq_eval_new (inst, team, &error) : NULL;
  if (eval == NULL)
    return report ("assessment status", error);
  g_autoptr (GPtrArray) members = cq_team_members (s, &error);
  printf ("assessment %s — case %s, %s, opened %s\n", a->id, a->case_ref, a->kind, a->opened);
  printf ("instrument %s %s (%s), protocol %s, sha256 %.16s…\n\n", a->instrument, a->version,
          a->validation, a->protocol, a->sha256);
  const CqProtocol *proto = NULL;
  for (guint i = 0; i < inst->n_protocols; i++)
    if (strcmp (inst->protocols[i]->id, a->protocol) == 0)
      proto = inst->protocols[i];
  printf ("%-28s %9s %9s", "module", "relevant", "consensus");
  g_autoptr (GPtrArray) raters = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_answers_free);
  g_autoptr (GPtrArray) rater_ids = g_ptr_array_new ();
  for (guint i = 0; members && i < members->len; i++)
    {
      CqMember *m = members->pdata[i];
      CqAnswers *mine = cq_assessment_answers (s, a, inst, m->id, NULL, NULL);
      if (mine == NULL || cq_answers_count (mine) == 0)
        {
          cq_answers_free (mine);
          continue;
        }
      g_ptr_array_add (raters, mine);
      g_ptr_array_add (rater_ids, m->id);
      printf (" %12s", m->id);
    }
  printf ("\n");
  for (guint mi = 0; proto && mi < proto->n_modules; mi++)
    {
      const CqModule *mod = proto->modules[mi];
      guint relevant = 0, consensus = 0;
      g_autofree guint *counts = g_new0 (guint, raters->len + 1);
      for (guint d = 0; d < mod->n_domains; d++)
        for (guint k = 0; k < mod->domains[d]->n_items; k++)
          {
            const CqItem *it = mod->domains[d]->items[k];
            if (!cq_eval_relevant (eval, it))
              continue;
            relevant++;
            gint64 seq = 0;
            cq_store_current (s, a->id, "consensus", it->id, NULL, &seq, NULL, NULL);
            consensus += seq > 0;
            for (guint r = 0; r < raters->len; r++)
              counts[r] += cq_answers_get (raters->pdata[r], it) != NULL;
          }
      printf ("%-28s %9u %9u", mod->id, relevant, consensus);
      for (guint r = 0; r < raters->len; r++)
        printf (" %12u", counts[r]);
      printf ("\n");
    }
  gint64 decision = 0;
  cq_store_current (s, a->id, "decision", NULL, NULL, &decision, NULL, NULL);
  printf ("\ncommission decision: %s\n", decision ? "recorded" : "not yet");
  return CQ_EXIT_OK;
}

static int
assessment_disagreements (CqStore *s, const char *id, const char *actor)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CqAssessment) a = cq_assessment_get (s, id, &error);
  g_autoptr (CqInstrument) inst = a ? cq_assessment_instrument (s, a, &error) : NULL;
  if (inst == NULL)
    return report ("assessment disagreements", error);
  cq_read_record (s, actor, "assessment disagreements", a->case_ref, a->id);
  guint n = 0;
  for (guint i = 0; i < inst->n_items; i++)
    {
      const CqItem *it = inst->items[i];
      if (it->answer.type != CQ_ANSWER_RATING)
        continue;
      g_autoptr (GPtrArray) r = cq_item_ratings (s, a, it->id, &error);
      if (r == NULL)
        return report ("assessment disagreements", error);
      gboolean differ = FALSE;
      for (guint k = 1; k < r->len; k++)
        differ |= strcmp (strchr (r->pdata[k], '=') + 1, strchr (r->pdata[0], '=') + 1) != 0;
      if (!differ)
        continue;
      n++;
      g_ptr_array_add (r, NULL);
      g_autofree char *list = g_strjoinv (", ", (char **) r->pdata);
      printf ("%-26s %s\n", it->id, list);
    }
  if (n == 0)
    printf ("no disagreement between raters\n");
  return CQ_EXIT_OK;
}

int
cq_cmd_assessment (int argc, char **argv)
{
  g_autofree char *db = NULL, *as = NULL, *kind = NULL, *instrument = NULL, *protocol = NULL,
                  *date = NULL;
  const GOptionEntry entries[] = {
    DB_OPTION, AS_OPTION,
    { "kind", 0, 0, G_OPTION_ARG_STRING, &kind, "initial-evaluation, placement-review, pre-release or post-release", "KIND" },
    { "instrument", 0, 0, G_OPTION_ARG_FILENAME, &instrument, "The instrument folder; its bundle is pinned in the database", "PATH" },
    { "protocol", 0, 0, G_OPTION_ARG_STRING, &protocol, "The protocol to walk (default: the instrument's first)", "ID" },
    { "date", 0, 0, G_OPTION_ARG_STRING, &date, "The assessment date (default: today)", "YYYY-MM-DD" },
    END_OPTION,
  };
  if (!parse ("assessment", "open CASE --kind KIND --instrument PATH | status ID | disagreements ID",
              NULL, entries, &argc, &argv))
    return CQ_EXIT_USAGE;
  g_autoptr (CqStore) s = cq_cli_store (db, FALSE, "assessment");
  if (s == NULL)
    return CQ_EXIT_FAILURE;
  g_autoptr (GError) error = NULL;
  if (argc == 3 && strcmp (argv[1], "open") == 0)
    {
      if (instrument == NULL)
        {
          fprintf (stderr, "colloquy assessment open: name the instrument with --instrument PATH\n");
          return CQ_EXIT_USAGE;
        }
      g_autoptr (CqDiags) diags = cq_diags_new ();
      g_autoptr (CqInstrument) inst = cq_instrument_load (instrument, diags);
      if (inst == NULL)
        {
          cq_diags_sort (diags);
          cq_diags_print (diags, stderr, cq_cli_colour (stderr));
          return CQ_EXIT_FAILURE;
        }
      g_autofree char *id = cq_assessment_open (s, cq_cli_actor (as), argv[2], kind, inst, protocol,
                                                date, &error);
      if (id == NULL)
        return report ("assessment open", error);
      printf ("%s\n", id);
      return CQ_EXIT_OK;
    }
  if (argc == 3 && strcmp (argv[1], "status") == 0)
    return assessment_status (s, argv[2], cq_cli_actor (as));
  if (argc == 3 && strcmp (argv[1], "disagreements") == 0)
    return assessment_disagreements (s, argv[2], cq_cli_actor (as));
  fprintf (stderr, "colloquy assessment: use 'open CASE', 'status ID' or 'disagreements ID'\n");
  return CQ_EXIT_USAGE;
}

/* consensus ================================================================= */

int
cq_cmd_consensus (int argc, char **argv)
{
  g_autofree char *db = NULL, *as = NULL, *assessment = NULL, *answers_path = NULL;
  const GOptionEntry entries[] = {
    DB_OPTION, AS_OPTION,
    { "assessment", 0, 0, G_OPTION_ARG_STRING, &assessment, "The assessment", "ID" },
    { "answers", 0, 0, G_OPTION_ARG_FILENAME, &answers_path, "The team's consensus, as an answers file", "FILE" },
    END_OPTION,
  };
  if (!parse ("consensus", "--assessment ID --answers FILE — record the team's consensus",
              "Each answer in FILE is the consensus on its item. Raters whose rating differs are\n"
              "kept as named dissent. Only a role that may record a consensus can.", entries,
              &argc, &argv))
    return CQ_EXIT_USAGE;
  if (assessment == NULL || answers_path == NULL)
    {
      fprintf (stderr, "colloquy consensus: give --assessment ID and --answers FILE\n");
      return CQ_EXIT_USAGE;
    }
  g_autoptr (CqStore) s = cq_cli_store (db, FALSE, "consensus");
  if (s == NULL)
    return CQ_EXIT_FAILURE;
  g_autoptr (GError) error = NULL;
  g_autoptr (CqMember) m = cq_team_member (s, cq_cli_actor (as), &error);
  g_autoptr (CqAssessment) a = m ? cq_assessment_get (s, assessment, &error) : NULL;
  g_autoptr (CqInstrument) inst = a ? cq_assessment_instrument (s, a, &error) : NULL;
  if (inst == NULL)
    return report ("consensus", error);
  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (CqAnswers) answers = cq_answers_load (answers_path, inst, diags);
  if (answers == NULL)
    {
      cq_diags_sort (diags);
      cq_diags_print (diags, stderr, cq_cli_colour (stderr));
      return CQ_EXIT_FAILURE;
    }
  guint n = 0;
  for (guint i = 0; i < inst->n_items; i++)
    {
      const CqAnswer *an = cq_answers_get (answers, inst->items[i]);
      if (an == NULL)
        continue;
      CqAnswer c = *an;
      c.rater = NULL;
      if (cq_consensus_save (s, a, inst, m, &c, NULL, &error) < 0)
        {
          fprintf (stderr, "%s:%d: %s\n", answers_path, an->line, error->message);
          return CQ_EXIT_FAILURE;
        }
      g_autoptr (GPtrArray) r = cq_item_ratings (s, a, an->item->id, NULL);
      g_ptr_array_add (r, NULL);
      g_autofree char *list = g_strjoinv (", ", (char **) r->pdata);
      printf ("consensus %-24s %-12s (raters: %s)\n", an->item->id, an->value ? an->value : "(text)",
              list);
      n++;
    }
  printf ("%u consensus rating%s recorded\n", n, n == 1 ? "" : "s");
  return CQ_EXIT_OK;
}

/* decision ================================================================== */

int
cq_cmd_decision (int argc, char **argv)
{
  g_autofree char *db = NULL, *as = NULL, *assessment = NULL;
  CqDecision d = { 0 };
  g_autofree char *p = NULL, *se = NULL, *im = NULL, *pl = NULL, *su = NULL, *ra = NULL,
                  *li = NULL, *vu = NULL, *nr = NULL, *reason = NULL;
  const GOptionEntry entries[] = {
    DB_OPTION, AS_OPTION,
    { "assessment", 0, 0, G_OPTION_ARG_STRING, &assessment, "The assessment", "ID" },
    { "priority", 0, 0, G_OPTION_ARG_STRING, &p, "Case priority (a level of the deployment)", "LEVEL" },
    { "seriousness", 0, 0, G_OPTION_ARG_STRING, &se, "Seriousness", "LEVEL" },
    { "imminence", 0, 0, G_OPTION_ARG_STRING, &im, "Imminence", "LEVEL" },
    { "placement", 0, 0, G_OPTION_ARG_STRING, &pl, "Placement (one of the deployment's)", "ID" },
    { "support", 0, 0, G_OPTION_ARG_STRING, &su, "Support and follow-up recommendations", "TEXT" },
    { "rationale", 0, 0, G_OPTION_ARG_STRING, &ra, "Why: must cite the item ids it rests on", "TEXT" },
    { "limitations", 0, 0, G_OPTION_ARG_STRING, &li, "Limitations and missing information", "TEXT" },
    { "valid-until", 0, 0, G_OPTION_ARG_STRING, &vu, "Valid until", "YYYY-MM-DD" },
    { "next-review", 0, 0, G_OPTION_ARG_STRING, &nr, "Next review", "YYYY-MM-DD" },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, "Why an earlier decision is replaced", "TEXT" },
    END_OPTION,
  };
  if (!parse ("decision", "--assessment ID ... — record the commission's decision",
              "Only a role that may decide (the commission chair) can; no script can. The rationale\n"
              "must cite item ids; the levels and placements come from the deployment.", entries,
              &argc, &argv))
    return CQ_EXIT_USAGE;
  g_autoptr (CqStore) s = cq_cli_store (db, FALSE, "decision");
  if (s == NULL)
    return CQ_EXIT_FAILURE;
  g_autoptr (GError) error = NULL;
  g_autoptr (CqMember) m = cq_team_member (s, cq_cli_actor (as), &error);
  g_autoptr (CqAssessment) a = m ? cq_assessment_get (s, assessment, &error) : NULL;
  g_autoptr (CqInstrument) inst = a ? cq_assessment_instrument (s, a, &error) : NULL;
  if (inst == NULL)
    return report ("decision", error);
  d = (CqDecision) { p, se, im, pl, su, ra, li, vu, nr };
  gint64 seq = cq_decision_record (s, a, inst, m, &d, reason, &error);
  if (seq < 0)
    return report ("decision", error);
  printf ("decision recorded for %s (event %" G_GINT64_FORMAT ")\n", a->id, seq);
  return CQ_EXIT_OK;
}

/* audit ===================================================================== */

int
cq_cmd_audit (int argc, char **argv)
{
  g_autofree char *db = NULL, *as = NULL;
  const GOptionEntry entries[] = { DB_OPTION, AS_OPTION, END_OPTION };
  if (!parse ("audit", "verify — check the hash chain and the database file",
              "Recomputes the chain over every event and the hash of every pinned instrument.\n"
              "Any edit made outside colloquy is reported with where it is; exit status 1 then.",
              entries, &argc, &argv))
    return CQ_EXIT_USAGE;
  if (argc != 2 || strcmp (argv[1], "verify") != 0)
    {
      fprintf (stderr, "colloquy audit: use 'audit verify'\n");
      return CQ_EXIT_USAGE;
    }
  g_autoptr (CqStore) s = cq_cli_store (db, FALSE, "audit");
  if (s == NULL)
    return CQ_EXIT_FAILURE;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) r = g_string_new (NULL);
  gboolean ok = cq_store_verify (s, r, &error);
  if (error != NULL)
    return report ("audit verify", error);
  gint64 count = 0;
  g_autofree char *head = cq_store_head (s, &count, NULL);
  if (!ok)
    {
      fprintf (stderr, "%s", r->str);
      fprintf (stderr, "%s: the audit chain is broken\n", cq_store_path (s));
      return CQ_EXIT_FAILURE;
    }
  printf ("%s: %" G_GINT64_FORMAT " events, chain intact; head %s\n", cq_store_path (s), count,
          head ? head : "");
  return CQ_EXIT_OK;
}
