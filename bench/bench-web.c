/* SPDX-License-Identifier: EUPL-1.2 */
/* Load test of the web interface on loopback: N evaluators (half
 * psychologists, half educators) signed in at once, each walking their own
 * assessments item by item as a browser would (GET the item page, POST the
 * answer, follow the redirect), every answer saved durably. Prints the
 * throughput in answers per second and p50/p99 latencies. Bounded: it stops
 * when the walks are done. All data is fictional.
 * Usage: bench-web INSTRUMENT [EVALUATORS [ASSESSMENTS-EACH]] */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cq-account.h"
#include "cq-bench.h"
#include "cq-case.h"
#include "cq-web.h"

#define PASSWORD "a long fictional passphrase"

static guint16 port;

typedef struct {
  guint status;
  char *location, *body;
} Resp;

static void
resp_clear (Resp *r)
{
  g_free (r->location);
  g_free (r->body);
  memset (r, 0, sizeof *r);
}

/* One request (Connection: close); cookies set by the answer replace the
 * jar's of the same name. */
static gboolean
http (const char *method, const char *path, GString *jar, const char *body, Resp *out)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_socket_client_set_enable_proxy (c, FALSE);
  g_autoptr (GSocketConnection) conn = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  if (conn == NULL)
    return FALSE;
  g_autoptr (GString) req = g_string_new (NULL);
  g_string_append_printf (req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, path);
  if (jar->len)
    g_string_append_printf (req, "Cookie: %s\r\n", jar->str);
  if (body)
    g_string_append_printf (req, "Content-Type: application/x-www-form-urlencoded\r\n"
                                 "Content-Length: %zu\r\n", strlen (body));
  g_string_append (req, "\r\n");
  if (body)
    g_string_append (req, body);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), req->str,
                                  req->len, NULL, NULL, NULL))
    return FALSE;
  g_autoptr (GByteArray) all = g_byte_array_new ();
  guint8 buf[16384];
  gssize n;
  GInputStream *is = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  while ((n = g_input_stream_read (is, buf, sizeof buf, NULL, NULL)) > 0)
    g_byte_array_append (all, buf, n);
  g_byte_array_append (all, (const guint8 *) "", 1);
  const char *text = (const char *) all->data, *sep = strstr (text, "\r\n\r\n");
  if (sep == NULL || !g_str_has_prefix (text, "HTTP/1.1 "))
    return FALSE;
  out->status = (guint) atoi (text + 9);
  out->body = g_strdup (sep + 4);
  g_autofree char *head = g_strndup (text, sep - text);
  g_auto (GStrv) lines = g_strsplit (head, "\r\n", -1);
  for (guint i = 1; lines[i]; i++)
    {
      if (g_str_has_prefix (lines[i], "Location: "))
        out->location = g_strdup (lines[i] + 10);
      else if (g_str_has_prefix (lines[i], "Set-Cookie: "))
        {
          g_autofree char *nv = g_strndup (lines[i] + 12, strcspn (lines[i] + 12, ";"));
          g_autofree char *name = g_strndup (nv, strcspn (nv, "="));
          /* Drop the old value of that name, keep the new one. */
          g_auto (GStrv) old = g_strsplit (jar->str, "; ", -1);
          g_string_truncate (jar, 0);
          for (guint k = 0; old[k]; k++)
            if (*old[k] && !(g_str_has_prefix (old[k], name) && old[k][strlen (name)] == '='))
              g_string_append_printf (jar, "%s%s", jar->len ? "; " : "", old[k]);
          if (nv[strlen (name) + 1] != '\0')
            g_string_append_printf (jar, "%s%s", jar->len ? "; " : "", nv);
        }
    }
  return TRUE;
}

static char *
after (const char *html, const char *marker)
{
  const char *p = html ? strstr (html, marker) : NULL;
  if (p == NULL)
    return NULL;
  p += strlen (marker);
  return g_strndup (p, strcspn (p, "\""));
}

typedef struct {
  char member[32];
  GPtrArray *assessments;
  GArray *answer_ms, *page_ms;
  guint answers, errors;
  GMutex *start_lock;
  gint *signed_in;
} Evaluator;

static double
ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static gboolean
sign_in (Evaluator *ev, GString *jar, char **csrf)
{
  Resp r = { 0 };
  if (!http ("GET", "/login", jar, NULL, &r) || r.status != 200)
    return FALSE;
  g_autofree char *token = after (r.body, "name=\"csrf\" value=\"");
  resp_clear (&r);
  g_autofree char *body = g_strdup_printf ("csrf=%s&member=%s&password=a+long+fictional+passphrase",
                                           token, ev->member);
  gboolean ok = http ("POST", "/login", jar, body, &r) && r.status == 303;
  resp_clear (&r);
  ok = ok && http ("GET", "/account", jar, NULL, &r) && r.status == 200;
  *csrf = ok ? after (r.body, "name=\"csrf\" value=\"") : NULL;
  resp_clear (&r);
  return *csrf != NULL;
}

/* The answer a browser user would give to the item on this page; NULL to
 * skip it (records, numbers, dates). */
static char *
answer_for (const char *page, const char *csrf)
{
  if (strstr (page, "id=\"value-partial\""))
    return g_strdup_printf ("csrf=%s&action=save&value=partial%s&rationale="
                            "Fictional+rationale+for+a+load+test&rows=1&e0-statement=Fictional+"
                            "observation&e0-direction=supports&e0-kind=fact&e0-source=%s", csrf,
                            strstr (page, "id=\"relevance-moderate\"") ? "&relevance=moderate" : "",
                            strstr (page, "<option value=\"observation\"") ? "observation" : "interview");
  g_autofree char *option = after (page, "name=\"value\" value=\"");
  if (option && strstr (page, "type=\"radio\" id=\"value-"))
    return g_strdup_printf ("csrf=%s&action=save&value=%s", csrf, option);
  if (strstr (page, "<textarea id=\"text\""))
    return g_strdup_printf ("csrf=%s&action=save&text=Fictional+account+of+the+person", csrf);
  return NULL;
}

static gpointer
evaluate (gpointer data)
{
  Evaluator *ev = data;
  g_autoptr (GString) jar = g_string_new (NULL);
  g_autofree char *csrf = NULL;
  gboolean in = sign_in (ev, jar, &csrf);
  g_atomic_int_inc (ev->signed_in);
  if (!in)
    {
      ev->errors++;
      return NULL;
    }
  /* Everyone starts together. */
  g_mutex_lock (ev->start_lock);
  g_mutex_unlock (ev->start_lock);
  for (guint i = 0; i < ev->assessments->len; i++)
    {
      Resp r = { 0 };
      g_autofree char *walk = g_strdup_printf ("/a/%s/walk", (char *) ev->assessments->pdata[i]);
      if (!http ("GET", walk, jar, NULL, &r) || r.status != 303)
        {
          ev->errors++;
          resp_clear (&r);
          continue;
        }
      g_autofree char *next = g_strdup (r.location);
      resp_clear (&r);
      for (guint guard = 0; next && strstr (next, "/item/") && guard < 64; guard++)
        {
          gint64 t0 = g_get_monotonic_time ();
          if (!http ("GET", next, jar, NULL, &r) || r.status != 200)
            {
              if (g_getenv ("BENCH_WEB_DEBUG"))
                fprintf (stderr, "GET %s -> %u\n", next, r.status);
              ev->errors++;
              resp_clear (&r);
              break;
            }
          double pms = ms_since (t0);
          g_array_append_val (ev->page_ms, pms);
          g_autofree char *body = answer_for (r.body, csrf);
          resp_clear (&r);
          if (body == NULL)
            body = g_strdup_printf ("csrf=%s&action=skip", csrf);
          gboolean answering = strstr (body, "action=save") != NULL;
          g_autofree char *path = g_strndup (next, strcspn (next, "?"));
          t0 = g_get_monotonic_time ();
          if (!http ("POST", path, jar, body, &r) || r.status != 303)
            {
              if (g_getenv ("BENCH_WEB_DEBUG"))
                fprintf (stderr, "POST %s -> %u\n", path, r.status);
              ev->errors++;
              resp_clear (&r);
              break;
            }
          double ams = ms_since (t0);
          if (answering)
            {
              g_array_append_val (ev->answer_ms, ams);
              ev->answers++;
            }
          g_free (next);
          next = g_strdup (r.location);
          resp_clear (&r);
        }
    }
  return NULL;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-web INSTRUMENT [EVALUATORS [ASSESSMENTS-EACH]]\n");
      return 2;
    }
  guint n_eval = argc > 2 ? (guint) atoi (argv[2]) : 50;
  guint per = argc > 3 ? (guint) atoi (argv[3]) : 4;
  if (n_eval < 1 || n_eval > 500 || per < 1 || per > 100)
    {
      fprintf (stderr, "bench-web: 1-500 evaluators, 1-100 assessments each\n");
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cq-bench-web-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "unit.db", NULL);

  /* The team, and the assessments each evaluator walks alone. */
  CqStore *s = cq_store_open (db, TRUE, &error);
  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (CqInstrument) inst = cq_instrument_load (argv[1], diags);
  if (s == NULL || inst == NULL || !cq_team_init (s, NULL, &error))
    {
      fprintf (stderr, "bench-web: cannot set up: %s\n", error ? error->message : argv[1]);
      return 1;
    }
  Evaluator *evs = g_new0 (Evaluator, n_eval);
  GMutex start;
  g_mutex_init (&start);
  gint signed_in = 0;
  for (guint e = 0; e < n_eval; e++)
    {
      Evaluator *ev = &evs[e];
      g_snprintf (ev->member, sizeof ev->member, "ev%03u", e);
      ev->assessments = g_ptr_array_new_with_free_func (g_free);
      ev->answer_ms = g_array_new (FALSE, FALSE, sizeof (double));
      ev->page_ms = g_array_new (FALSE, FALSE, sizeof (double));
      ev->start_lock = &start;
      ev->signed_in = &signed_in;
      if (!cq_team_add (s, "bench", ev->member, NULL, e % 2 ? "educator" : "psychologist", &error)
          || !cq_account_set_password (s, "bench", ev->member, PASSWORD, &error))
        g_error ("%s", error->message);
      for (guint k = 0; k < per; k++)
        {
          g_autofree char *ref = g_strdup_printf ("L-%03u-%02u", e, k);
          if (!cq_case_open (s, "bench", ref, "load test (fictional)", &error))
            g_error ("%s", error->message);
          char *id = cq_assessment_open (s, "bench", ref, "initial-evaluation", inst, NULL,
                                         "2026-02-02", &error);
          if (id == NULL)
            g_error ("%s", error->message);
          g_ptr_array_add (ev->assessments, id);
        }
    }
  cq_store_close (s);

  FILE *devnull = fopen ("/dev/null", "w");
  CqWebConfig cfg = { .db_path = db, .log = devnull };
  CqWebServer *srv = cq_web_server_new (&cfg, &error);
  if (srv == NULL)
    g_error ("%s", error->message);
  port = cq_web_server_port (srv);

  g_mutex_lock (&start);
  GThread **threads = g_new0 (GThread *, n_eval);
  for (guint e = 0; e < n_eval; e++)
    threads[e] = g_thread_new ("evaluator", evaluate, &evs[e]);
  /* Everyone signs in first (the KDF is deliberately slow), then all go. */
  while ((guint) g_atomic_int_get (&signed_in) < n_eval)
    g_usleep (G_USEC_PER_SEC / 50);
  gint64 t0 = g_get_monotonic_time ();
  g_mutex_unlock (&start);
  for (guint e = 0; e < n_eval; e++)
    g_thread_join (threads[e]);
  double wall = ms_since (t0) / 1000.0;

  g_autoptr (GArray) answers = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) pages = g_array_new (FALSE, FALSE, sizeof (double));
  guint errors = 0;
  for (guint e = 0; e < n_eval; e++)
    {
      g_array_append_vals (answers, evs[e].answer_ms->data, evs[e].answer_ms->len);
      g_array_append_vals (pages, evs[e].page_ms->data, evs[e].page_ms->len);
      errors += evs[e].errors;
    }
  printf ("%u evaluators at once on loopback, %u assessment%s each, every answer durable (fsync)\n",
          n_eval, per, per == 1 ? "" : "s");
  if (answers->len > 0)
    {
      double *a = (double *) answers->data, *p = (double *) pages->data;
      printf ("  answers saved            %u in %.2f s: %.1f answers/s\n", answers->len, wall,
              answers->len / wall);
      printf ("  answer (POST + save)     p50 %7.2f ms   p99 %7.2f ms\n",
              cq_bench_quantile (a, answers->len, 0.5), cq_bench_quantile (a, answers->len, 0.99));
      printf ("  item page (GET + audit)  p50 %7.2f ms   p99 %7.2f ms\n",
              cq_bench_quantile (p, pages->len, 0.5), cq_bench_quantile (p, pages->len, 0.99));
    }
  printf ("  errors                   %u\n", errors);

  cq_web_server_free (srv);
  fclose (devnull);
  for (guint e = 0; e < n_eval; e++)
    {
      g_ptr_array_unref (evs[e].assessments);
      g_array_unref (evs[e].answer_ms);
      g_array_unref (evs[e].page_ms);
    }
  g_free (evs);
  g_free (threads);
  g_mutex_clear (&start);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  (void) !system (cmd);
  return errors == 0 && answers->len > 0 ? 0 : 1;
}
