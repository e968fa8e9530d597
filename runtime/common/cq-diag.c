/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-diag.h"

#include <stdarg.h>

struct _CqDiags {
  GPtrArray *items;  /* CqDiag* */
  GPtrArray *files;  /* file names in order of first appearance (borrowed) */
};

static void
diag_free (gpointer p)
{
  CqDiag *d = p;
  g_free (d->file);
  g_free (d->message);
  g_free (d->hint);
  g_free (d);
}

CqDiags *
cq_diags_new (void)
{
  CqDiags *diags = g_new0 (CqDiags, 1);
  diags->items = g_ptr_array_new_with_free_func (diag_free);
  diags->files = g_ptr_array_new ();
  return diags;
}

void
cq_diags_free (CqDiags *diags)
{
  if (diags == NULL)
    return;
  g_ptr_array_unref (diags->items);
  g_ptr_array_unref (diags->files);
  g_free (diags);
}

CqDiag *
cq_diags_add (CqDiags *diags, CqDiagSeverity severity, const char *file,
              int line, int col, const char *format, ...)
{
  CqDiag *d = g_new0 (CqDiag, 1);
  va_list ap;

  d->severity = severity;
  d->file = g_strdup (file != NULL ? file : "<input>");
  d->line = line;
  d->col = col;
  va_start (ap, format);
  d->message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_ptr_array_add (diags->items, d);
  return d;
}

void
cq_diag_set_hint (CqDiag *diag, const char *format, ...)
{
  va_list ap;

  g_free (diag->hint);
  va_start (ap, format);
  diag->hint = g_strdup_vprintf (format, ap);
  va_end (ap);
}

guint
cq_diags_count (const CqDiags *diags, CqDiagSeverity severity)
{
  guint n = 0;

  for (guint i = 0; i < diags->items->len; i++)
    if (((CqDiag *) diags->items->pdata[i])->severity == severity)
      n++;
  return n;
}

guint
cq_diags_len (const CqDiags *diags)
{
  return diags->items->len;
}

const CqDiag *
cq_diags_get (const CqDiags *diags, guint i)
{
  g_return_val_if_fail (i < diags->items->len, NULL);
  return diags->items->pdata[i];
}

static guint
file_rank (GPtrArray *files, const char *file)
{
  for (guint i = 0; i < files->len; i++)
    if (g_strcmp0 (files->pdata[i], file) == 0)
      return i;
  g_ptr_array_add (files, (gpointer) file);
  return files->len - 1;
}

typedef struct {
  guint rank;
  guint seq;
  CqDiag *diag;
} Keyed;

static int
keyed_cmp (const void *a, const void *b)
{
  const Keyed *x = a, *y = b;

  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  if (x->diag->line != y->diag->line)
    return x->diag->line < y->diag->line ? -1 : 1;
  if (x->diag->col != y->diag->col)
    return x->diag->col < y->diag->col ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

void
cq_diags_sort (CqDiags *diags)
{
  guint n = diags->items->len;
  g_autofree Keyed *keys = g_new (Keyed, n ? n : 1);

  g_ptr_array_set_size (diags->files, 0);
  for (guint i = 0; i < n; i++)
    {
      CqDiag *d = diags->items->pdata[i];
      keys[i] = (Keyed) { file_rank (diags->files, d->file), i, d };
    }
  qsort (keys, n, sizeof (Keyed), keyed_cmp);
  for (guint i = 0; i < n; i++)
    diags->items->pdata[i] = keys[i].diag;
}

static const char *
severity_name (CqDiagSeverity s)
{
  switch (s)
    {
    case CQ_DIAG_ERROR: return "error";
    case CQ_DIAG_WARNING: return "warning";
    case CQ_DIAG_NOTE: return "note";
    default: return "error";
    }
}

static const char *
severity_colour (CqDiagSeverity s)
{
  switch (s)
    {
    case CQ_DIAG_ERROR: return "\033[1;31m";
    case CQ_DIAG_WARNING: return "\033[1;35m";
    default: return "\033[1;36m";
    }
}

char *
cq_diag_format (const CqDiag *d, gboolean colour)
{
  GString *s = g_string_new (NULL);

  if (colour)
    g_string_append (s, "\033[1m");
  g_string_append (s, d->file);
  if (d->line > 0)
    {
      g_string_append_printf (s, ":%d", d->line);
      if (d->col > 0)
        g_string_append_printf (s, ":%d", d->col);
    }
  g_string_append (s, ":");
  if (colour)
    g_string_append_printf (s, "\033[0m %s%s:\033[0m ", severity_colour (d->severity),
                            severity_name (d->severity));
  else
    g_string_append_printf (s, " %s: ", severity_name (d->severity));
  g_string_append (s, d->message);
  g_string_append_c (s, '\n');
  if (d->hint != NULL)
    g_string_append_printf (s, "%s  hint:%s %s\n", colour ? "\033[1;32m" : "",
                            colour ? "\033[0m" : "", d->hint);
  return g_string_free (s, FALSE);
}

void
cq_diags_print (const CqDiags *diags, FILE *out, gboolean colour)
{
  for (guint i = 0; i < diags->items->len; i++)
    {
      g_autofree char *line = cq_diag_format (diags->items->pdata[i], colour);
      fputs (line, out);
    }
}
