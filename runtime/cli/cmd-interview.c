/* SPDX-License-Identifier: EUPL-1.2 */
/* colloquy interview: the terminal front end of the walker. At a terminal
 * it asks item by item, with line editing; otherwise it plays an answers
 * file (or standard input) as a scripted interview. */
#include <editline/readline.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cq-answers.h"
#include "cq-cli.h"
#include "cq-util.h"
#include "cq-walker.h"

typedef struct {
  gboolean colour;
  const char *lang;
} Ui;

static const char *
c (const Ui *ui, const char *code)
{
  return ui->colour ? code : "";
}
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define CYAN "\033[36m"
#define GREEN "\033[32m"
#define RED "\033[31m"
#define RESET "\033[0m"

/* Reads a line; NULL at end of input. */
static char *
ask (const char *prompt)
{
  char *line = readline (prompt);
  if (line == NULL)
    return NULL;
  g_strstrip (line);
  if (*line)
    add_history (line);
  char *out = g_strdup (line);
  free (line);
  return out;
}

static void
show_progress (const Ui *ui, CqWalker *w)
{
  g_autoptr (GArray) p = cq_walker_progress (w);
  printf ("%sprogress:%s", c (ui, DIM), c (ui, RESET));
  for (guint i = 0; i < p->len; i++)
    {
      CqProgress *x = &g_array_index (p, CqProgress, i);
      printf ("  %s %u/%u", x->module->id, x->answered, x->relevant);
    }
  printf ("\n");
}

static void
show_item (const Ui *ui, CqWalker *w, const CqItem *it)
{
  const char *L = ui->lang;
  printf ("\n%s━━ %s — %s%s\n", c (ui, BOLD), it->id, cq_text_get (&it->label, L), c (ui, RESET));
  printf ("%s   %s › %s%s\n", c (ui, DIM), cq_text_get (&it->domain->module->title, L),
          cq_text_get (&it->domain->title, L), c (ui, RESET));
  for (guint i = 0; i < it->n_prompts; i++)
    printf ("   %s«%s»%s\n", c (ui, CYAN), cq_text_get (&it->prompts[i], L), c (ui, RESET));
  for (guint i = 0; i < it->n_guidance; i++)
    printf ("   %-14s %s\n", it->guidance[i].level, cq_text_get (&it->guidance[i].text, L));
  if (it->evidence_min > 0)
    printf ("   %sevidence: at least %u entr%s from %u independent source%s%s\n", c (ui, DIM),
            it->evidence_min, it->evidence_min == 1 ? "y" : "ies", it->evidence_min_sources,
            it->evidence_min_sources == 1 ? "" : "s", c (ui, RESET));
  for (guint i = 0; i < it->n_inferences; i++)
    printf ("   %s⚠ %s%s\n", c (ui, RED), cq_text_get (&it->inferences[i]->text, L), c (ui, RESET));
  const CqAnswer *old = cq_walker_answer_of (w, it);
  if (old != NULL)
    printf ("   %syour answer: %s%s\n", c (ui, GREEN), old->value ? old->value : "(text)",
            c (ui, RESET));
}

static const char *
choose (const CqScale *s, const char *in)
{
  guint64 n;
  if (g_ascii_string_to_unsigned (in, 10, 1, s->n_levels, &n, NULL))
    return s->levels[n - 1]->id;
  return cq_scale_level (s, in) ? in : NULL;
}

static void
list_levels (const Ui *ui, const CqScale *s)
{
  for (guint i = 0; i < s->n_levels; i++)
    printf ("   %u %s — %s\n", i + 1, s->levels[i]->id, cq_text_get (&s->levels[i]->label, ui->lang));
}

/* Asks for evidence entries until an empty statement. */
static GArray *
ask_evidence (void)
{
  GArray *ev = g_array_new (FALSE, TRUE, sizeof (CqEvidence));
  for (;;)
    {
      g_autofree char *st = ask ("   evidence statement (empty to finish): ");
      if (st == NULL || *st == '\0')
        break;
      g_autofree char *kind = ask ("   fact or assessment [f/a]: ");
      g_autofree char *src = ask ("   source [i]nterview [o]bservation [f]ile [t]hird-party "
                                  "i[n]telligence: ");
      g_autofree char *date = ask ("   date of the information (YYYY-MM-DD, empty if unknown): ");
      g_autofree char *rel = ask ("   reliability [l]ow [m]oderate [h]igh (empty: not stated): ");
      g_autofree char *dir = ask ("   supports or contradicts the rating [s/c]: ");
      CqEvidence e = { !(dir && *dir == 'c'), !(kind && *kind == 'a'), CQ_SOURCE_INTERVIEW,
                       NULL, date && *date ? g_strdup (date) : NULL,
                       rel && *rel == 'l' ? "low" : rel && *rel == 'm' ? "moderate"
                       : rel && *rel == 'h' ? "high" : NULL, g_strdup (st) };
      if (src && *src)
        e.source = *src == 'o' ? CQ_SOURCE_OBSERVATION : *src == 'f' ? CQ_SOURCE_FILE
                   : *src == 't' ? CQ_SOURCE_THIRD_PARTY : *src == 'n' ? CQ_SOURCE_INTELLIGENCE
                   : CQ_SOURCE_INTERVIEW;
      g_array_append_val (ev, e);
    }
  return ev;
}

static void
free_evidence (GArray *ev)
{
  for (guint i = 0; i < ev->len; i++)
    {
      CqEvidence *e = &g_array_index (ev, CqEvidence, i);
      g_free ((char *) e->date);
      g_free ((char *) e->statement);
    }
  g_array_unref (ev);
}

typedef enum { STEP_SAVED, STEP_AGAIN, STEP_QUIT } Step;

static Step
interactive_step (const Ui *ui, CqWalker *w, const CqItem *it)
{
  const CqAnswerSpec *spec = &it->answer;
  g_autoptr (GError) error = NULL;
  CqAnswer an = cq_answer_init (it);
  g_autofree char *value = NULL, *relevance = NULL, *rationale = NULL, *missing = NULL,
                  *text = NULL, *reason = NULL;

  if (spec->type == CQ_ANSWER_RATING || spec->type == CQ_ANSWER_CHOICE)
    list_levels (ui, spec->scale);
  const char *hint = spec->type == CQ_ANSWER_RATING || spec->type == CQ_ANSWER_CHOICE
                     ? (spec->multiple ? "numbers or ids, space-separated" : "number or id")
                     : spec->type == CQ_ANSWER_NUMBER ? "a number"
                     : spec->type == CQ_ANSWER_DATE ? "a date" : spec->type == CQ_ANSWER_RECORDS
                     ? "enter to add records" : "text";
  g_autofree char *prompt = g_strdup_printf ("answer (%s; b back, s skip, r review, n note, "
                                             "p progress, q quit): ", hint);
  g_autofree char *in = ask (prompt);
  if (in == NULL || strcmp (in, "q") == 0)
    return STEP_QUIT;
  if (strcmp (in, "b") == 0)
    {
      if (!cq_walker_back (w))
        printf ("   this is the first item\n");
      return STEP_AGAIN;
    }
  if (strcmp (in, "p") == 0)
    {
      show_progress (ui, w);
      return STEP_AGAIN;
    }
  if (strcmp (in, "r") == 0)
    {
      g_autoptr (GPtrArray) items = cq_walker_items (w);
      for (guint i = 0; i < items->len; i++)
        {
          const CqAnswer *a = cq_walker_answer_of (w, items->pdata[i]);
          if (a)
            printf ("   %-26s %s\n", ((CqItem *) items->pdata[i])->id, a->value ? a->value : "(text)");
        }
      return STEP_AGAIN;
    }
  if (strcmp (in, "n") == 0)
    {
      g_autofree char *note = ask ("   note: ");
      if (note && *note && !cq_walker_note (w, note, &error))
        printf ("   %s%s%s\n", c (ui, RED), error->message, c (ui, RESET));
      else if (note && *note)
        printf ("   note saved\n");
      return STEP_AGAIN;
    }
  if (strcmp (in, "s") == 0)
    {
      g_autofree char *m = spec->type == CQ_ANSWER_RATING
                           ? ask ("   what is missing, and how to obtain it (empty: come back later): ")
                           : NULL;
      if (!cq_walker_skip (w, m, &error))
        {
          printf ("   %s%s%s\n", c (ui, RED), error->message, c (ui, RESET));
          return STEP_AGAIN;
        }
      return STEP_SAVED;
    }

  g_autoptr (GArray) records = g_array_new (FALSE, TRUE, sizeof (CqRecord));
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  switch (spec->type)
    {
    case CQ_ANSWER_RATING:
      {
        const char *v = choose (spec->scale, in);
        if (v == NULL)
          {
            printf ("   %s'%s' is not a level%s\n", c (ui, RED), in, c (ui, RESET));
            return STEP_AGAIN;
          }
        value = g_strdup (v);
        const CqLevel *lvl = cq_scale_level (spec->scale, v);
        if (lvl->insufficient)
          missing = ask ("   what is missing, and how to obtain it: ");
        if (spec->relevance)
          {
            list_levels (ui, spec->relevance);
            g_autofree char *r = ask ("   relevance (number or id, empty: not rated): ");
            if (r && *r)
              relevance = g_strdup (choose (spec->relevance, r));
          }
        rationale = ask ("   rationale: ");
        break;
      }
    case CQ_ANSWER_CHOICE:
      {
        g_auto (GStrv) parts = g_strsplit_set (in, " ,", -1);
        GString *v = g_string_new (NULL);
        for (guint i = 0; parts[i]; i++)
          if (*parts[i])
            {
              const char *o = choose (spec->scale, parts[i]);
              g_string_append_printf (v, "%s%s", v->len ? " " : "", o ? o : parts[i]);
            }
        value = g_string_free (v, FALSE);
        break;
      }
    case CQ_ANSWER_FREE_TEXT:
      text = g_strdup (in);
      break;
    case CQ_ANSWER_RECORDS:
      for (guint r = 0;; r++)
        {
          CqRecord rec = { 0, g_new0 (CqFieldValue, spec->n_fields + 1) };
          g_ptr_array_add (owned, rec.values);
          for (guint f = 0; f < spec->n_fields; f++)
            {
              g_autofree char *p = g_strdup_printf ("   record %u, %s%s (empty to %s): ", r + 1,
                                                    cq_text_get (&spec->fields[f]->label, ui->lang),
                                                    spec->fields[f]->required ? "" : ", optional",
                                                    f == 0 ? "finish" : "skip");
              char *v = ask (p);
              if (v == NULL || (*v == '\0' && f == 0))
                {
                  g_free (v);
                  goto records_done;
                }
              if (*v)
                {
                  g_ptr_array_add (owned, v);
                  rec.values[rec.n++] = (CqFieldValue) { spec->fields[f]->id, v };
                }
              else
                g_free (v);
            }
          g_array_append_val (records, rec);
        }
    records_done:
      an.n_records = records->len;
      an.records = (CqRecord *) records->data;
      break;
    default:
      value = g_strdup (in);
    }
  an.value = value;
  an.relevance = relevance;
  an.text = text;
  an.rationale = rationale && *rationale ? rationale : NULL;
  an.missing = missing;
  GArray *ev = spec->type == CQ_ANSWER_RATING && !missing ? ask_evidence () : NULL;
  if (ev)
    {
      an.n_evidence = ev->len;
      an.evidence = (CqEvidence *) ev->data;
    }
  if (cq_walker_answer_of (w, it) != NULL)
    reason = ask ("   this changes your earlier answer: why? ");
  gboolean ok = cq_walker_answer (w, &an, reason, &error);
  if (ev)
    free_evidence (ev);
  if (!ok)
    {
      printf ("   %s%s: nothing was saved; try again%s\n", c (ui, RED), error->message, c (ui, RESET));
      return STEP_AGAIN;
    }
  printf ("   %ssaved%s\n", c (ui, GREEN), c (ui, RESET));
  return STEP_SAVED;
}

static int
interactive (CqWalker *w, const char *lang)
{
  Ui ui = { cq_cli_colour (stdout), lang };
  const CqAssessment *a = cq_walker_assessment (w);
  printf ("%sassessment %s — case %s — %s%s\n", c (&ui, BOLD), a->id, a->case_ref,
          cq_text_get (&cq_walker_instrument (w)->title, lang), c (&ui, RESET));
  printf ("every answer is saved the moment you enter it; q quits, and you resume here later\n");
  show_progress (&ui, w);
  const CqItem *it;
  while ((it = cq_walker_current (w)) != NULL)
    {
      show_item (&ui, w, it);
      if (interactive_step (&ui, w, it) == STEP_QUIT)
        {
          printf ("stopped; your answers are saved\n");
          return CQ_EXIT_OK;
        }
    }
  printf ("\nevery relevant item for your role is answered\n");
  show_progress (&ui, w);
  return CQ_EXIT_OK;
}

static int
cmp_line (gconstpointer a, gconstpointer b)
{
  const CqAnswer *x = *(const CqAnswer *const *) a, *y = *(const CqAnswer *const *) b;
  return x->line - y->line;
}

static int
scripted (CqWalker *w, CqAnswers *answers, const char *name)
{
  const CqInstrument *inst = cq_walker_instrument (w);
  const CqMember *m = cq_walker_member (w);
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  for (guint i = 0; i < inst->n_items; i++)
    if (cq_answers_get (answers, inst->items[i]))
      g_ptr_array_add (order, (gpointer) cq_answers_get (answers, inst->items[i]));
  g_ptr_array_sort (order, cmp_line);
  g_autofree char *reason = g_strdup_printf ("scripted interview %s", name);
  guint saved = 0, same = 0;
  for (guint i = 0; i < order->len; i++)
    {
      const CqAnswer *an = order->pdata[i];
      g_autoptr (GError) error = NULL;
      if (!cq_item_rated_by (an->item, m->role))
        {
          fprintf (stderr, "%s:%d: item '%s' is not rated by role '%s'; %u answers saved before it\n",
                   name, an->line, an->item->id, m->role, saved);
          return CQ_EXIT_FAILURE;
        }
      if (!cq_walker_go (w, an->item))
        {
          fprintf (stderr, "%s:%d: item '%s' is not relevant given the answers so far; %u answers "
                   "saved before it\n", name, an->line, an->item->id, saved);
          return CQ_EXIT_FAILURE;
        }
      gboolean unchanged = cq_answer_same (cq_walker_answer_of (w, an->item), an);
      CqAnswer copy = *an;
      copy.rater = NULL;
      if (!cq_walker_answer (w, &copy, reason, &error))
        {
          fprintf (stderr, "%s:%d: %s; %u answers saved before it\n", name, an->line,
                   error->message, saved);
          return CQ_EXIT_FAILURE;
        }
      if (unchanged)
        same++;
      else
        {
          saved++;
          printf ("saved %-26s %s\n", an->item->id, an->value ? an->value : an->text ? "(text)"
                                                    : "(records)");
          /* The acknowledgement leaves as soon as the answer is durable,
           * even into a pipe. */
          fflush (stdout);
        }
    }
  g_autoptr (GArray) p = cq_walker_progress (w);
  printf ("%u answer%s saved, %u already there", saved, saved == 1 ? "" : "s", same);
  for (guint i = 0; i < p->len; i++)
    {
      CqProgress *x = &g_array_index (p, CqProgress, i);
      printf ("; %s %u/%u", x->module->id, x->answered, x->relevant);
    }
  printf ("\n");
  return CQ_EXIT_OK;
}

int
cq_cmd_interview (int argc, char **argv)
{
  g_autofree char *db = NULL, *as = NULL, *assessment = NULL, *date = NULL, *setting = NULL,
                  *interpreter = NULL, *answers_path = NULL, *lang = NULL;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The database (default: $COLLOQUY_DB)", "FILE" },
    { "as", 0, 0, G_OPTION_ARG_STRING, &as, "Who you are: a member id (default: $COLLOQUY_MEMBER, or your login)", "MEMBER" },
    { "assessment", 0, 0, G_OPTION_ARG_STRING, &assessment, "The assessment", "ID" },
    { "date", 0, 0, G_OPTION_ARG_STRING, &date, "The sitting's date (default: today)", "YYYY-MM-DD" },
    { "setting", 0, 0, G_OPTION_ARG_STRING, &setting, "Where the sitting takes place", "TEXT" },
    { "interpreter", 0, 0, G_OPTION_ARG_STRING, &interpreter, "The interpreter, if any", "TEXT" },
    { "answers", 0, 0, G_OPTION_ARG_FILENAME, &answers_path, "Play this answers file instead of asking ('-': standard input)", "FILE" },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, "Language of prompts and guidance", "LANG" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("--assessment ID — walk through the "
                                                         "items for your role");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Opens a sitting and asks, item by item for your role, the next relevant item with its\n"
    "prompts and rating guidance; records the rating, rationale and evidence. Each answer is\n"
    "saved at once; quit any time and resume later where you stopped. When standard input is\n"
    "not a terminal, or with --answers, it plays an answers file (docs/answers-format.md).");
  if (!cq_cli_parse (ctx, cq_cli_command ("interview"), &argc, &argv))
    return CQ_EXIT_USAGE;
  if (assessment == NULL)
    {
      fprintf (stderr, "colloquy interview: name the assessment with --assessment ID\n");
      return CQ_EXIT_USAGE;
    }
  g_autoptr (CqStore) s = cq_cli_store (db, FALSE, "interview");
  if (s == NULL)
    return CQ_EXIT_FAILURE;
  g_autoptr (GError) error = NULL;
  g_autoptr (CqWalker) w = cq_walker_new (s, assessment, cq_cli_actor (as), date, setting,
                                          interpreter, &error);
  if (w == NULL)
    {
      fprintf (stderr, "colloquy interview: %s\n", error->message);
      return CQ_EXIT_FAILURE;
    }
  const CqInstrument *inst = cq_walker_instrument (w);
  if (lang == NULL)
    lang = g_strdup (inst->languages[0]);
  cq_read_record (s, cq_walker_member (w)->id, "interview", cq_walker_assessment (w)->case_ref,
                  assessment);

  if (answers_path == NULL && isatty (STDIN_FILENO))
    return interactive (w, lang);

  g_autoptr (GBytes) bytes = NULL;
  const char *name = answers_path && strcmp (answers_path, "-") != 0 ? answers_path : "<stdin>";
  if (answers_path && strcmp (answers_path, "-") != 0)
    bytes = cq_file_read (answers_path, 16u << 20, &error);
  else
    {
      g_autoptr (GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
      g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
      if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) >= 0)
        bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
    }
  if (bytes == NULL)
    {
      fprintf (stderr, "colloquy interview: %s: %s\n", name, error->message);
      return CQ_EXIT_FAILURE;
    }
  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (CqAnswers) answers = cq_answers_load_bytes (bytes, name, inst, diags);
  if (answers == NULL)
    {
      cq_diags_sort (diags);
      cq_diags_print (diags, stderr, cq_cli_colour (stderr));
      fprintf (stderr, "colloquy interview: nothing was saved from %s\n", name);
      return CQ_EXIT_FAILURE;
    }
  const char *walked = cq_walker_assessment (w)->protocol;
  if (cq_answers_protocol (answers) != NULL && g_strcmp0 (cq_answers_protocol (answers), walked) != 0)
    {
      fprintf (stderr, "colloquy interview: %s holds answers for protocol '%s', but assessment %s "
                       "walks protocol '%s'; nothing was saved\n", name,
               cq_answers_protocol (answers), cq_walker_assessment (w)->id, walked);
      return CQ_EXIT_FAILURE;
    }
  return scripted (w, answers, name);
}
