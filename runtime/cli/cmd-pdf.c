/* SPDX-License-Identifier: EUPL-1.2 */
/* colloquy export, sign, verify, pki */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cq-cli.h"
#include "cq-pdf.h"
#include "cq-store.h"
#include "cq-util.h"

int
cq_cmd_export (int argc, char **argv)
{
  g_autofree char *db = NULL, *as = NULL, *profile = NULL, *out = NULL, *lang = NULL;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The database (default: $COLLOQUY_DB)", "FILE" },
    { "as", 0, 0, G_OPTION_ARG_STRING, &as, "Who exports (default: $COLLOQUY_MEMBER, or your login)", "MEMBER" },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile, "commission, partner or subject-access", "PROFILE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The PDF to write", "FILE" },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, "fr or en (default: the instrument's first language)", "LANG" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("ASSESSMENT... --profile PROFILE -o FILE — "
                                                         "the evaluation synthesis as PDF");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "commission: everything the commission reads. partner: only the compartments shared with\n"
    "partners. subject-access: what the person may see. Text from an excluded compartment never\n"
    "appears. The PDF has one empty signature field per required signer; the export is recorded\n"
    "in the audit chain with the file's hash. With several assessments (the quarterly partner\n"
    "reports, say), -o names a folder and each PDF is called ASSESSMENT-PROFILE.pdf.");
  if (!cq_cli_parse (ctx, cq_cli_command ("export"), &argc, &argv))
    return CQ_EXIT_USAGE;
  CqExportProfile p = g_strcmp0 (profile, "commission") == 0 ? CQ_PROFILE_COMMISSION
                      : g_strcmp0 (profile, "partner") == 0 ? CQ_PROFILE_PARTNER
                      : g_strcmp0 (profile, "subject-access") == 0 ? CQ_PROFILE_SUBJECT_ACCESS : 0;
  if (argc < 2 || out == NULL || p == 0)
    {
      fprintf (stderr, "colloquy export: give ASSESSMENT, --profile commission|partner|subject-access "
                       "and -o FILE\nTry 'colloquy export --help'.\n");
      return CQ_EXIT_USAGE;
    }
  if (lang != NULL && strcmp (lang, "fr") != 0 && strcmp (lang, "en") != 0)
    {
      fprintf (stderr, "colloquy export: --lang is fr or en\n");
      return CQ_EXIT_USAGE;
    }
  g_autoptr (CqStore) s = cq_cli_store (db, FALSE, "export");
  if (s == NULL)
    return CQ_EXIT_FAILURE;
  int status = CQ_EXIT_OK;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      /* An assessment named twice gets a second file, not an overwrite. */
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (seen, argv[i])) + 1;
      g_hash_table_insert (seen, g_strdup (argv[i]), GUINT_TO_POINTER (n));
      g_autofree char *name = n > 1 ? g_strdup_printf ("%s-%s-%u.pdf", argv[i], profile, n)
                                    : g_strdup_printf ("%s-%s.pdf", argv[i], profile);
      g_autofree char *path = argc > 2 ? g_build_filename (out, name, NULL) : g_strdup (out);
      if (argc > 2 && g_mkdir_with_parents (out, 0700) != 0)
        {
          fprintf (stderr, "colloquy export: %s: %s\n", out, g_strerror (errno));
          return CQ_EXIT_FAILURE;
        }
      if (!cq_pdf_export (s, argv[i], p, lang, path, cq_cli_actor (as), &error))
        {
          fprintf (stderr, "colloquy export: %s: %s\n", argv[i], error->message);
          status = CQ_EXIT_FAILURE;
          continue;
        }
      printf ("%s\n", path);
    }
  return status;
}

int
cq_cmd_sign (int argc, char **argv)
{
  g_autofree char *identity = NULL, *password_file = NULL, *reason = NULL;
  const GOptionEntry entries[] = {
    { "identity", 'i', 0, G_OPTION_ARG_FILENAME, &identity, "Your PKCS#12 identity", "FILE.p12" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, "A file holding its password (default: none)", "FILE" },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, "Why you sign", "TEXT" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("FILE.pdf... --identity FILE.p12 — sign syntheses");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Adds your PAdES baseline B-B signature (CAdES detached, SHA-256) to your signature field,\n"
    "as an incremental update: earlier signatures stay valid. Team members sign first, the\n"
    "commission chair last.");
  if (!cq_cli_parse (ctx, cq_cli_command ("sign"), &argc, &argv))
    return CQ_EXIT_USAGE;
  if (argc < 2 || identity == NULL)
    {
      fprintf (stderr, "colloquy sign: give the PDF and --identity FILE.p12\n");
      return CQ_EXIT_USAGE;
    }
  g_autofree char *password = NULL;
  if (password_file != NULL)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (GBytes) b = cq_file_read (password_file, 4096, &e);
      if (b == NULL)
        {
          fprintf (stderr, "colloquy sign: %s: %s\n", password_file, e->message);
          return CQ_EXIT_FAILURE;
        }
      password = g_strstrip (g_strndup (g_bytes_get_data (b, NULL), g_bytes_get_size (b)));
    }
  int status = CQ_EXIT_OK;
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      if (!cq_pdf_sign (argv[i], identity, password, reason, &error))
        {
          fprintf (stderr, "colloquy sign: %s\n", error->message);
          status = CQ_EXIT_FAILURE;
          continue;
        }
      printf ("signed %s\n", argv[i]);
    }
  return status;
}

int
cq_cmd_verify (int argc, char **argv)
{
  g_autofree char *ca = NULL, *db = NULL;
  const GOptionEntry entries[] = {
    { "ca", 0, 0, G_OPTION_ARG_FILENAME, &ca, "Trust this CA certificate (PEM)", "FILE" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Check it against this database (default: $COLLOQUY_DB)", "FILE" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("FILE.pdf — check a synthesis's signatures");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Lists each signer, when they signed and whether their signature holds; says whether the\n"
    "document changed after the last signature, and whether it is an unchanged export of an\n"
    "assessment in the database. Exit status 1 on any failure.");
  if (!cq_cli_parse (ctx, cq_cli_command ("verify"), &argc, &argv))
    return CQ_EXIT_USAGE;
  if (argc != 2)
    {
      fprintf (stderr, "colloquy verify: name one PDF\n");
      return CQ_EXIT_USAGE;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) sigs = cq_pdf_verify (argv[1], ca, pending, &error);
  if (sigs == NULL)
    {
      fprintf (stderr, "colloquy verify: %s\n", error->message);
      return CQ_EXIT_FAILURE;
    }
  gboolean ok = sigs->len > 0;
  const CqSignatureInfo *last = NULL;
  for (guint i = 0; i < sigs->len; i++)
    {
      const CqSignatureInfo *si = sigs->pdata[i];
      printf ("%-20s signed by %-12s at %-18s %s%s%s\n", si->field, si->signer ? si->signer : "?",
              si->time ? si->time : "?", si->valid ? "valid" : "INVALID",
              ca == NULL ? "" : si->trusted ? ", trusted" : ", NOT TRUSTED",
              si->problem ? "" : "");
      if (si->problem)
        printf ("    %s\n", si->problem);
      ok &= si->valid && (ca == NULL || si->trusted);
      if (si->whole)
        last = si;
    }
  if (sigs->len == 0)
    printf ("no signature yet\n");
  else if (last == NULL)
    {
      printf ("the document changed after the last signature\n");
      ok = FALSE;
    }
  else
    printf ("the last signature covers the whole document\n");
  if (pending->len > 0)
    {
      g_ptr_array_add (pending, NULL);
      g_autofree char *list = g_strjoinv (", ", (char **) pending->pdata);
      printf ("still to sign: %s\n", list);
    }
  if (ca == NULL && sigs->len > 0)
    printf ("certificates not checked: give --ca to check them\n");
  const char *dbp = db ? db : g_getenv ("COLLOQUY_DB");
  if (dbp != NULL && *dbp)
    {
      g_autoptr (CqStore) s = cq_cli_store (dbp, FALSE, "verify");
      if (s == NULL)
        return CQ_EXIT_FAILURE;
      g_autofree char *assessment = NULL, *desc = NULL;
      g_autoptr (GError) e = NULL;
      gboolean match = cq_pdf_match (s, argv[1], &assessment, &desc, &e);
      printf ("%s: %s\n", cq_store_path (s), e ? e->message : desc);
      ok &= match;
    }
  return ok ? CQ_EXIT_OK : CQ_EXIT_FAILURE;
}

int
cq_cmd_pki (int argc, char **argv)
{
  g_autofree char *dir = NULL, *members = NULL;
  const GOptionEntry entries[] = {
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "Where to write ca.pem, ca.key and MEMBER.p12", "DIR" },
    { "members", 0, 0, G_OPTION_ARG_STRING, &members, "Comma-separated member ids", "IDS" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("create --dir DIR --members IDS — a "
                                                         "throwaway test CA");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "For demos and tests only: a test certificate authority and one PKCS#12 identity per member\n"
    "(no password), the certificate's common name being the member id.");
  if (!cq_cli_parse (ctx, cq_cli_command ("pki"), &argc, &argv))
    return CQ_EXIT_USAGE;
  if (argc != 2 || strcmp (argv[1], "create") != 0 || dir == NULL || members == NULL)
    {
      fprintf (stderr, "colloquy pki: use 'pki create --dir DIR --members ID,ID…'\n");
      return CQ_EXIT_USAGE;
    }
  g_auto (GStrv) ids = g_strsplit (members, ",", -1);
  g_autoptr (GError) error = NULL;
  if (!cq_pki_create (dir, (const char *const *) ids, &error))
    {
      fprintf (stderr, "colloquy pki: %s\n", error->message);
      return CQ_EXIT_FAILURE;
    }
  printf ("test CA and %u identities in %s\n", g_strv_length (ids), dir);
  return CQ_EXIT_OK;
}
