/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-answers.h"

#include <libxml/tree.h>
#include <math.h>
#include <string.h>

#include "cq-util.h"
#include "cq-xml.h"

#define MAX_TEXT 65536

struct _CqAnswers {
  const CqInstrument *instrument;
  char *date;
  char *formulation;
  char *protocol;
  CqAnswer **slots; /* by item index; owned copies */
  guint count;
};

CqAnswers *
cq_answers_new (const CqInstrument *instrument, const char *date)
{
  CqAnswers *a = g_new0 (CqAnswers, 1);
  a->instrument = instrument;
  a->date = g_strdup (date ? date : "");
  a->slots = g_new0 (CqAnswer *, MAX (1u, instrument->n_items));
  return a;
}

static void
answer_free (CqAnswer *a)
{
  if (a == NULL)
    return;
  g_free ((char *) a->rater);
  g_free ((char *) a->value);
  g_free ((char *) a->relevance);
  g_free ((char *) a->text);
  g_strfreev ((char **) a->options);
  for (guint r = 0; r < a->n_records; r++)
    {
      for (guint i = 0; i < a->records[r].n; i++)
        {
          g_free ((char *) a->records[r].values[i].field);
          g_free ((char *) a->records[r].values[i].value);
        }
      g_free (a->records[r].values);
    }
  g_free (a->records);
  g_free ((char *) a->rationale);
  g_free ((char *) a->missing);
  for (guint i = 0; i < a->n_evidence; i++)
    {
      g_free ((char *) a->evidence[i].origin);
      g_free ((char *) a->evidence[i].date);
      g_free ((char *) a->evidence[i].reliability);
      g_free ((char *) a->evidence[i].statement);
    }
  g_free (a->evidence);
  g_free (a);
}

void
cq_answers_free (CqAnswers *a)
{
  if (a == NULL)
    return;
  for (guint i = 0; i < a->instrument->n_items; i++)
    answer_free (a->slots[i]);
  g_free (a->slots);
  g_free (a->date);
  g_free (a->formulation);
  g_free (a->protocol);
  g_free (a);
}

const CqInstrument *cq_answers_instrument (const CqAnswers *a) { return a->instrument; }
const char *cq_answers_date (const CqAnswers *a) { return a->date; }
const char *cq_answers_formulation (const CqAnswers *a) { return a->formulation; }
const char *cq_answers_protocol (const CqAnswers *a) { return a->protocol; }

void
cq_answers_set_protocol (CqAnswers *a, const char *protocol)
{
  g_free (a->protocol);
  a->protocol = g_strdup (protocol);
}
guint cq_answers_count (const CqAnswers *a) { return a->count; }

void
cq_answers_set_formulation (CqAnswers *a, const char *text)
{
  g_free (a->formulation);
  a->formulation = g_strdup (text);
}

CqAnswer
cq_answer_init (const CqItem *item)
{
  return (CqAnswer) { .item = item };
}

const CqAnswer *
cq_answers_get (const CqAnswers *a, const CqItem *item)
{
  return item->index < a->instrument->n_items ? a->slots[item->index] : NULL;
}

void
cq_answers_remove (CqAnswers *a, const CqItem *item)
{
  if (a->slots[item->index] != NULL)
    a->count--;
  answer_free (a->slots[item->index]);
  a->slots[item->index] = NULL;
}

/* Checking ================================================================= */

G_DEFINE_QUARK (cq-answers-error-quark, cq_answers_error)

/* The error's code says which part of the answer is wrong, so that a file
 * reader can point at it. */
static _Thread_local CqAnswersError fail_part = CQ_ANSWERS_ERROR_VALUE;

static gboolean
fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, CQ_ANSWERS_ERROR, fail_part, msg);
  g_free (msg);
  return FALSE;
}

static char *
level_list (const CqScale *s)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < s->n_levels; i++)
    g_string_append_printf (out, "%s%s", i ? ", " : "", s->levels[i]->id);
  return g_string_free (out, FALSE);
}

gboolean
cq_date_valid (const char *s, CqDatePrecision precision)
{
  guint y = 0, m = 1, d = 1;
  gsize len = s ? strlen (s) : 0;
  gboolean ok;
  if (len == 4)
    ok = sscanf (s, "%4u", &y) == 1 && precision == CQ_DATE_YEAR;
  else if (len == 7)
    ok = sscanf (s, "%4u-%2u", &y, &m) == 2 && s[4] == '-' && precision != CQ_DATE_DAY;
  else if (len == 10)
    ok = sscanf (s, "%4u-%2u-%2u", &y, &m, &d) == 3 && s[4] == '-' && s[7] == '-';
  else
    ok = FALSE;
  for (gsize i = 0; ok && i < len; i++)
    ok = g_ascii_isdigit (s[i]) || i == 4 || i == 7;
  return ok && y >= 1000 && g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y);
}

static const char *
precision_format (CqDatePrecision p)
{
  return p == CQ_DATE_YEAR ? "YYYY (or a finer date)"
         : p == CQ_DATE_MONTH ? "YYYY-MM (or YYYY-MM-DD)" : "YYYY-MM-DD";
}

/* Checks one scalar value against an answer spec (not ratings or records).
 * Fills number or options when given. */
static gboolean
check_value (const CqAnswerSpec *spec, const char *what, const char *value, double *number,
             char ***options, GError **error)
{
  switch (spec->type)
    {
    case CQ_ANSWER_CHOICE:
      {
        g_auto (GStrv) parts = g_strsplit_set (value, " \t\n", -1);
        GPtrArray *chosen = g_ptr_array_new_with_free_func (g_free);
        for (guint i = 0; parts[i]; i++)
          {
            if (*parts[i] == '\0')
              continue;
            if (cq_scale_level (spec->scale, parts[i]) == NULL)
              {
                g_autofree char *list = level_list (spec->scale);
                g_ptr_array_unref (chosen);
                return fail (error, "'%s' is not an option of %s (%s)", parts[i], what, list);
              }
            if (g_ptr_array_find_with_equal_func (chosen, parts[i], g_str_equal, NULL))
              {
                g_ptr_array_unref (chosen);
                return fail (error, "option '%s' is given twice for %s", parts[i], what);
              }
            g_ptr_array_add (chosen, g_strdup (parts[i]));
          }
        if (chosen->len == 0 || (!spec->multiple && chosen->len > 1))
          {
            guint n = chosen->len;
            g_ptr_array_unref (chosen);
            return fail (error, n == 0 ? "%s needs an option" : "%s takes one option, not several",
                         what);
          }
        g_ptr_array_add (chosen, NULL);
        if (options)
          *options = (char **) g_ptr_array_free (chosen, FALSE);
        else
          g_ptr_array_unref (chosen);
        return TRUE;
      }
    case CQ_ANSWER_FREE_TEXT:
      if (!g_utf8_validate (value, -1, NULL))
        return fail (error, "%s is not valid UTF-8 text", what);
      if ((guint) g_utf8_strlen (value, -1) > spec->max_length)
        return fail (error, "%s is %ld characters long; at most %u are allowed", what,
                     g_utf8_strlen (value, -1), spec->max_length);
      return TRUE;
    case CQ_ANSWER_NUMBER:
      {
        char *end = NULL;
        double x = g_ascii_strtod (value, &end);
        if (*value == '\0' || end == NULL || *end != '\0' || !isfinite (x))
          return fail (error, "'%s' is not a number (%s); write digits with a '.' for decimals",
                       value, what);
        if (spec->integer && x != floor (x))
          return fail (error, "%s must be a whole number, not %s", what, value);
        if ((spec->has_min && x < spec->min) || (spec->has_max && x > spec->max))
          return fail (error, "%s must be between %g and %g, not %s", what,
                       spec->has_min ? spec->min : -INFINITY, spec->has_max ? spec->max : INFINITY,
                       value);
        if (number)
          *number = x;
        return TRUE;
      }
    case CQ_ANSWER_DATE:
      if (!cq_date_valid (value, spec->precision))
        return fail (error, "'%s' is not a valid date for %s: write %s", value, what,
                     precision_format (spec->precision));
      return TRUE;
    default:
      return fail (error, "%s cannot hold a value", what);
    }
}

static gboolean
check_text (const char *s, const char *what, GError **error)
{
  if (s == NULL)
    return TRUE;
  if (!g_utf8_validate (s, -1, NULL))
    return fail (error, "the %s is not valid UTF-8 text", what);
  if (g_utf8_strlen (s, -1) > MAX_TEXT)
    return fail (error, "the %s is over %d characters", what, MAX_TEXT);
  return TRUE;
}

/* Checks a and fills its parsed parts (number, options) in place. */
static gboolean
check_answer (const CqInstrument *I, CqAnswer *a, GError **error)
{
  const CqItem *it = a->item;
  const CqAnswerSpec *spec = &it->answer;
  g_autofree char *what = g_strdup_printf ("item '%s'", it->id);

  fail_part = CQ_ANSWERS_ERROR_RATER;
  if (a->rater != NULL && !cq_item_rated_by (it, a->rater))
    {
      if (cq_instrument_role (I, a->rater) == NULL)
        return fail (error, "'%s' is not a role of instrument '%s'", a->rater, I->id);
      return fail (error, "role '%s' does not rate item '%s'", a->rater, it->id);
    }
  fail_part = CQ_ANSWERS_ERROR_RELEVANCE;
  if (a->relevance != NULL && (spec->type != CQ_ANSWER_RATING || spec->relevance == NULL))
    return fail (error, "item '%s' has no relevance rating", it->id);
  fail_part = CQ_ANSWERS_ERROR_TEXT;
  if (!check_text (a->rationale, "rationale", error) || !check_text (a->missing, "note on what is missing", error))
    return FALSE;

  fail_part = CQ_ANSWERS_ERROR_VALUE;
  switch (spec->type)
    {
    case CQ_ANSWER_RATING:
      {
        if (a->value == NULL || *a->value == '\0')
          return fail (error, "item '%s' needs a rating", it->id);
        const CqLevel *l = cq_scale_level (spec->scale, a->value);
        if (l == NULL)
          {
            g_autofree char *list = level_list (spec->scale);
            return fail (error, "'%s' is not a level of scale '%s' (%s)", a->value, spec->scale->id,
                         list);
          }
        if (l->insufficient && cq_blank (a->missing))
          return fail (error, "item '%s' is rated '%s': say what is missing and how to obtain it",
                       it->id, l->id);
        fail_part = CQ_ANSWERS_ERROR_RELEVANCE;
        if (a->relevance != NULL && cq_scale_level (spec->relevance, a->relevance) == NULL)
          {
            g_autofree char *list = level_list (spec->relevance);
            return fail (error, "'%s' is not a level of scale '%s' (%s)", a->relevance,
                         spec->relevance->id, list);
          }
        break;
      }
    case CQ_ANSWER_FREE_TEXT:
      if (a->text == NULL)
        a->text = a->value, a->value = NULL;
      if (a->text == NULL)
        return fail (error, "item '%s' needs a text", it->id);
      if (!check_value (spec, what, a->text, NULL, NULL, error))
        return FALSE;
      break;
    case CQ_ANSWER_CHOICE:
    case CQ_ANSWER_NUMBER:
    case CQ_ANSWER_DATE:
      {
        if (a->value == NULL)
          return fail (error, "item '%s' needs a value", it->id);
        char **options = NULL;
        if (!check_value (spec, what, a->value, &a->number, &options, error))
          return FALSE;
        if (options != NULL)
          {
            a->options = (const char **) options;
            a->n_options = g_strv_length (options);
          }
        break;
      }
    case CQ_ANSWER_RECORDS:
      if (a->value != NULL || a->text != NULL)
        return fail (error, "item '%s' holds records, not a value", it->id);
      fail_part = CQ_ANSWERS_ERROR_RECORD;
      if (a->n_records > spec->records_max)
        return fail (error, "item '%s' holds at most %u records, not %u", it->id,
                     spec->records_max, a->n_records);
      for (guint r = 0; r < a->n_records; r++)
        {
          const CqRecord *rec = &a->records[r];
          for (guint f = 0; f < spec->n_fields; f++)
            {
              const CqField *fd = spec->fields[f];
              const char *v = NULL;
              for (guint i = 0; i < rec->n; i++)
                if (strcmp (rec->values[i].field, fd->id) == 0)
                  v = rec->values[i].value;
              g_autofree char *fwhat = g_strdup_printf ("field '%s' of record %u of item '%s'",
                                                        fd->id, r + 1, it->id);
              if (v == NULL && fd->required)
                return fail (error, "%s is required", fwhat);
              if (v != NULL && !check_value (&fd->answer, fwhat, v, NULL, NULL, error))
                return FALSE;
            }
          for (guint i = 0; i < rec->n; i++)
            {
              gboolean known = FALSE;
              for (guint f = 0; f < spec->n_fields; f++)
                known |= strcmp (spec->fields[f]->id, rec->values[i].field) == 0;
              if (!known)
                return fail (error, "item '%s' has no field '%s'", it->id, rec->values[i].field);
              for (guint k = 0; k < i; k++)
                if (strcmp (rec->values[k].field, rec->values[i].field) == 0)
                  return fail (error, "field '%s' is given twice in record %u of item '%s'",
                               rec->values[i].field, r + 1, it->id);
            }
        }
      break;
    default:
      break;
    }

  fail_part = CQ_ANSWERS_ERROR_EVIDENCE;
  for (guint i = 0; i < a->n_evidence; i++)
    {
      const CqEvidence *e = &a->evidence[i];
      if (e->statement == NULL || *e->statement == '\0')
        return fail (error, "evidence %u of item '%s' has no statement", i + 1, it->id);
      if (!check_text (e->statement, "evidence statement", error))
        return FALSE;
      if (e->date != NULL && !cq_date_valid (e->date, CQ_DATE_DAY))
        return fail (error, "evidence %u of item '%s' has date '%s': write YYYY-MM-DD", i + 1,
                     it->id, e->date);
      if (!(it->evidence_sources & e->source))
        return fail (error, "item '%s' does not accept evidence from source '%s'", it->id,
                     cq_source_name (e->source));
    }
  return TRUE;
}

static CqAnswer *
answer_copy (const CqAnswer *a)
{
  CqAnswer *c = g_new0 (CqAnswer, 1);
  *c = *a;
  c->rater = g_strdup (a->rater);
  c->value = g_strdup (a->value);
  c->relevance = g_strdup (a->relevance);
  c->text = g_strdup (a->text);
  c->options = (const char **) g_strdupv ((char **) a->options);
  c->records = g_new0 (CqRecord, a->n_records);
  for (guint r = 0; r < a->n_records; r++)
    {
      c->records[r].n = a->records[r].n;
      c->records[r].values = g_new0 (CqFieldValue, a->records[r].n);
      for (guint i = 0; i < a->records[r].n; i++)
        {
          c->records[r].values[i].field = g_strdup (a->records[r].values[i].field);
          c->records[r].values[i].value = g_strdup (a->records[r].values[i].value);
        }
    }
  c->rationale = g_strdup (a->rationale);
  c->missing = g_strdup (a->missing);
  c->evidence = g_new0 (CqEvidence, a->n_evidence);
  for (guint i = 0; i < a->n_evidence; i++)
    {
      c->evidence[i] = a->evidence[i];
      c->evidence[i].origin = g_strdup (a->evidence[i].origin);
      c->evidence[i].date = g_strdup (a->evidence[i].date);
      c->evidence[i].reliability = g_strdup (a->evidence[i].reliability);
      c->evidence[i].statement = g_strdup (a->evidence[i].statement);
    }
  return c;
}

gboolean
cq_answers_put (CqAnswers *answers, const CqAnswer *answer, GError **error)
{
  g_return_val_if_fail (answer->item != NULL, FALSE);
  CqAnswer work = *answer;
  work.options = NULL;
  work.n_options = 0;
  if (!check_answer (answers->instrument, &work, error))
    {
      g_strfreev ((char **) work.options);
      return FALSE;
    }
  CqAnswer *copy = answer_copy (&work);
  g_strfreev ((char **) work.options);
  guint idx = answer->item->index;
  if (answers->slots[idx] == NULL)
    answers->count++;
  answer_free (answers->slots[idx]);
  answers->slots[idx] = copy;
  return TRUE;
}

gboolean
cq_answer_at_least (const CqAnswer *a, const char *level)
{
  if (a == NULL || a->item->answer.type != CQ_ANSWER_RATING || a->value == NULL)
    return FALSE;
  const CqLevel *have = cq_scale_level (a->item->answer.scale, a->value);
  const CqLevel *want = cq_scale_level (a->item->answer.scale, level);
  return have != NULL && want != NULL && !have->insufficient && have->index >= want->index;
}

guint
cq_answer_independent_sources (const CqAnswer *a)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; a != NULL && i < a->n_evidence; i++)
    g_hash_table_add (seen, g_strdup_printf ("%s\x1f%s", cq_source_name (a->evidence[i].source),
                                             a->evidence[i].origin ? a->evidence[i].origin : ""));
  return g_hash_table_size (seen);
}

/* The answers file ======================================================== */

#define NS CQ_XML_ANSWERS_NS
#define FOR_EACH(c, parent, nm) \
  for (xmlNodePtr c = cq_xml_first ((parent), NS); c; c = cq_xml_next (c)) \
    if (strcmp ((const char *) c->name, (nm)) == 0)

static CqDiag *
err_at (CqDiags *diags, CqXmlFile *f, xmlNodePtr n, const char *attr, const char *fmt, ...)
  G_GNUC_PRINTF (5, 6);

static CqDiag *
err_at (CqDiags *diags, CqXmlFile *f, xmlNodePtr n, const char *attr, const char *fmt, ...)
{
  int line, col;
  if (attr != NULL && cq_xml_attr (n, attr) != NULL)
    cq_xml_pos_attr (f, n, attr, 0, &line, &col);
  else
    cq_xml_pos_element (f, n, &line, &col);
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return cq_diags_add (diags, CQ_DIAG_ERROR, f->display, line, col, "%s", msg);
}

static CqSource
source_of (const char *s)
{
  for (guint b = 0; b < 5; b++)
    if (g_strcmp0 (s, cq_source_name (1u << b)) == 0)
      return 1u << b;
  return CQ_SOURCE_INTERVIEW;
}

static char *
text_of (xmlNodePtr n, GString *scratch)
{
  return n ? g_strdup (cq_xml_text (n, scratch)) : NULL;
}

CqAnswers *
cq_answers_from_xml (CqXmlFile *f, void *node, const CqInstrument *I, CqDiags *diags)
{
  xmlNodePtr root = node;
  guint errors = cq_diags_count (diags, CQ_DIAG_ERROR);
  const char *inst_id = cq_xml_attr (root, "instrument");
  const char *date = cq_xml_attr (root, "date");

  if (inst_id != NULL && strcmp (inst_id, I->id) != 0)
    {
      CqDiag *d = err_at (diags, f, root, "instrument", "these answers are for instrument '%s', "
                          "not '%s'", inst_id, I->id);
      cq_diag_set_hint (d, "name the instrument the answers were given on");
      return NULL;
    }
  const char *protocol = cq_xml_attr (root, "protocol");
  if (protocol != NULL)
    {
      gboolean known = FALSE;
      g_autoptr (GString) ids = g_string_new (NULL);
      for (guint i = 0; i < I->n_protocols; i++)
        {
          known |= strcmp (I->protocols[i]->id, protocol) == 0;
          g_string_append_printf (ids, "%s%s", i ? ", " : "", I->protocols[i]->id);
        }
      if (!known)
        {
          CqDiag *d = err_at (diags, f, root, "protocol", "instrument '%s' has no protocol '%s'",
                              I->id, protocol);
          cq_diag_set_hint (d, "its protocols: %s", ids->str);
          return NULL;
        }
    }
  CqAnswers *answers = cq_answers_new (I, date);
  cq_answers_set_protocol (answers, protocol);
  g_autoptr (GString) scratch = g_string_new (NULL);
  g_autofree int *first_line = g_new0 (int, MAX (1u, I->n_items));

  FOR_EACH (an, root, "answer")
    {
      const char *item_id = cq_xml_attr (an, "item");
      if (item_id == NULL)
        continue;
      const CqItem *it = cq_instrument_item (I, item_id);
      if (it == NULL)
        {
          CqDiag *d = err_at (diags, f, an, "item", "instrument '%s' has no item '%s'", I->id,
                              item_id);
          const char **ids = g_new (const char *, I->n_items);
          for (guint i = 0; i < I->n_items; i++)
            ids[i] = I->items[i]->id;
          const char *near = cq_suggest (item_id, ids, I->n_items);
          if (near)
            cq_diag_set_hint (d, "did you mean '%s'?", near);
          g_free (ids);
          continue;
        }
      int line, col;
      cq_xml_pos_element (f, an, &line, &col);
      if (first_line[it->index] != 0)
        {
          CqDiag *d = err_at (diags, f, an, "item", "item '%s' is answered twice", item_id);
          cq_diag_set_hint (d, "the first answer is at line %d; keep one", first_line[it->index]);
          continue;
        }
      first_line[it->index] = line;

      CqAnswer a = cq_answer_init (it);
      g_autofree char *text = text_of (cq_xml_child (an, "text"), scratch);
      g_autofree char *rationale = text_of (cq_xml_child (an, "rationale"), scratch);
      g_autofree char *missing = text_of (cq_xml_child (an, "missing"), scratch);
      a.value = cq_xml_attr (an, "value");
      a.relevance = cq_xml_attr (an, "relevance");
      a.rater = cq_xml_attr (an, "rater");
      a.text = text;
      a.rationale = rationale;
      a.missing = missing;
      a.line = line;

      g_autoptr (GArray) records = g_array_new (FALSE, TRUE, sizeof (CqRecord));
      g_autoptr (GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
      FOR_EACH (rn, an, "record")
        {
          GArray *vals = g_array_new (FALSE, TRUE, sizeof (CqFieldValue));
          FOR_EACH (fn, rn, "field")
            {
              const char *v = cq_xml_attr (fn, "value");
              char *owned = g_strdup (v != NULL ? v : cq_xml_text (fn, scratch));
              g_ptr_array_add (strings, owned);
              CqFieldValue fv = { cq_xml_attr (fn, "id"), owned };
              g_array_append_val (vals, fv);
            }
          CqRecord rec = { vals->len, (CqFieldValue *) g_array_free (vals, FALSE) };
          g_ptr_array_add (strings, rec.values);
          g_array_append_val (records, rec);
        }
      a.n_records = records->len;
      a.records = (CqRecord *) records->data;

      g_autoptr (GArray) evidence = g_array_new (FALSE, TRUE, sizeof (CqEvidence));
      FOR_EACH (en, an, "evidence")
        {
          char *statement = text_of (en, scratch);
          g_ptr_array_add (strings, statement);
          CqEvidence e = {
            g_strcmp0 (cq_xml_attr (en, "direction"), "contradicts") != 0,
            g_strcmp0 (cq_xml_attr (en, "kind"), "assessment") != 0,
            source_of (cq_xml_attr (en, "source")),
            cq_xml_attr (en, "origin"), cq_xml_attr (en, "date"), cq_xml_attr (en, "reliability"),
            g_strstrip (statement),
          };
          g_array_append_val (evidence, e);
        }
      a.n_evidence = evidence->len;
      a.evidence = (CqEvidence *) evidence->data;

      g_autoptr (GError) error = NULL;
      if (!cq_answers_put (answers, &a, &error))
        {
          static const char *const attrs[] = {
            [CQ_ANSWERS_ERROR_VALUE] = "value", [CQ_ANSWERS_ERROR_RELEVANCE] = "relevance",
            [CQ_ANSWERS_ERROR_RATER] = "rater", [CQ_ANSWERS_ERROR_RECORD] = NULL,
            [CQ_ANSWERS_ERROR_EVIDENCE] = NULL, [CQ_ANSWERS_ERROR_TEXT] = NULL,
          };
          xmlNodePtr at = an;
          if (error->code == CQ_ANSWERS_ERROR_EVIDENCE && cq_xml_child (an, "evidence"))
            at = cq_xml_child (an, "evidence");
          err_at (diags, f, at, error->code <= CQ_ANSWERS_ERROR_TEXT ? attrs[error->code] : NULL,
                  "%s", error->message);
        }
    }
  xmlNodePtr form = cq_xml_child (root, "formulation");
  if (form != NULL)
    cq_answers_set_formulation (answers, cq_xml_text (form, scratch));

  if (cq_diags_count (diags, CQ_DIAG_ERROR) > errors)
    {
      cq_answers_free (answers);
      return NULL;
    }
  return answers;
}

static CqAnswers *answers_from_file (CqXmlFile *f, const char *path, const CqInstrument *I,
                                     CqDiags *diags);

CqAnswers *
cq_answers_load (const char *path, const CqInstrument *I, CqDiags *diags)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr (CqXmlFile) f = cq_xml_file_load (path, path, base, diags);
  return f ? answers_from_file (f, path, I, diags) : NULL;
}

CqAnswers *
cq_answers_load_bytes (GBytes *bytes, const char *name, const CqInstrument *I, CqDiags *diags)
{
  g_autoptr (CqXmlFile) f = cq_xml_file_parse (bytes, name, name, diags);
  return f ? answers_from_file (f, name, I, diags) : NULL;
}

static CqAnswers *
answers_from_file (CqXmlFile *f, const char *path, const CqInstrument *I, CqDiags *diags)
{
  xmlNodePtr root = xmlDocGetRootElement (f->doc);
  if (!cq_xml_is (root, NS, "answers"))
    {
      int line, col;
      cq_xml_pos_element (f, root, &line, &col);
      CqDiag *d = cq_diags_add (diags, CQ_DIAG_ERROR, path, line, col,
                                "not an answers file: the root element is <%s>",
                                (const char *) root->name);
      cq_diag_set_hint (d, "an answers file starts with <answers xmlns=\"" NS "\" …>");
      return NULL;
    }
  if (!cq_xml_file_validate (f, CQ_XML_SCHEMA_ANSWERS, diags))
    return NULL;
  return cq_answers_from_xml (f, root, I, diags);
}

gboolean
cq_answer_same (const CqAnswer *a, const CqAnswer *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->item != b->item || g_strcmp0 (a->value, b->value) || g_strcmp0 (a->relevance, b->relevance)
      || g_strcmp0 (a->text, b->text) || g_strcmp0 (a->rationale, b->rationale)
      || g_strcmp0 (a->missing, b->missing) || a->n_records != b->n_records
      || a->n_evidence != b->n_evidence)
    return FALSE;
  for (guint r = 0; r < a->n_records; r++)
    {
      if (a->records[r].n != b->records[r].n)
        return FALSE;
      for (guint i = 0; i < a->records[r].n; i++)
        {
          const char *v = NULL;
          for (guint k = 0; k < b->records[r].n; k++)
            if (strcmp (b->records[r].values[k].field, a->records[r].values[i].field) == 0)
              v = b->records[r].values[k].value;
          if (g_strcmp0 (v, a->records[r].values[i].value) != 0)
            return FALSE;
        }
    }
  for (guint i = 0; i < a->n_evidence; i++)
    {
      const CqEvidence *x = &a->evidence[i], *y = &b->evidence[i];
      if (x->supports != y->supports || x->fact != y->fact || x->source != y->source
          || g_strcmp0 (x->origin, y->origin) || g_strcmp0 (x->date, y->date)
          || g_strcmp0 (x->reliability, y->reliability) || g_strcmp0 (x->statement, y->statement))
        return FALSE;
    }
  return TRUE;
}
