/* SPDX-License-Identifier: EUPL-1.2 */
/* The synthesis PDF: what each profile shows and hides, and signatures as
 * poppler, OpenSSL and qpdf see them. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cq-pdf.h"

static const char *source_dir, *colloquy;
static char *tmp, *db, *pki, *nss;

static int
run (const char *const *argv, char **out, char **err)
{
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "COLLOQUY_DB", db, TRUE);
  int status = 0;
  GSpawnFlags flags = G_SPAWN_SEARCH_PATH | (out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL)
                      | (err ? 0 : G_SPAWN_STDERR_TO_DEV_NULL);
  g_assert_true (g_spawn_sync (source_dir, (char **) argv, env, flags, NULL, NULL, out, err,
                               &status, NULL));
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128;
}

#define CLI(out, err, ...) run ((const char *const[]) { colloquy, __VA_ARGS__, NULL }, out, err)
#define TOOL(out, err, ...) run ((const char *const[]) { __VA_ARGS__, NULL }, out, err)

/* A fictional case through interviews, consensus and decision. */
static void
make_case (void)
{
  db = g_build_filename (tmp, "case.db", NULL);
  g_assert_cmpint (CLI (NULL, NULL, "init"), ==, 0);
  static const char *const m[][2] = { { "ana", "psychologist" }, { "bo", "educator" },
                                      { "cy", "probation-officer" }, { "di", "commission-chair" },
                                      { "ed", "educator" } };
  for (guint i = 0; i < G_N_ELEMENTS (m); i++)
    g_assert_cmpint (CLI (NULL, NULL, "member", "add", m[i][0], "--role", m[i][1], "--as", "admin"), ==, 0);
  g_assert_cmpint (CLI (NULL, NULL, "case", "open", "K-7", "--as", "admin"), ==, 0);
  g_assert_cmpint (CLI (NULL, NULL, "assessment", "open", "K-7", "--kind", "initial-evaluation",
                        "--instrument", "instruments/example", "--date", "2026-02-01", "--as", "admin"), ==, 0);
  g_assert_cmpint (CLI (NULL, NULL, "interview", "--assessment", "K-7-1", "--as", "cy", "--answers",
                        "tests/interview/probation-officer.xml"), ==, 0);
  g_assert_cmpint (CLI (NULL, NULL, "interview", "--assessment", "K-7-1", "--as", "ana", "--answers",
                        "tests/interview/psychologist.xml"), ==, 0);
  g_assert_cmpint (CLI (NULL, NULL, "interview", "--assessment", "K-7-1", "--as", "bo", "--answers",
                        "tests/interview/educator.xml"), ==, 0);
  g_assert_cmpint (CLI (NULL, NULL, "consensus", "--assessment", "K-7-1", "--as", "di", "--answers",
                        "tests/interview/consensus.xml"), ==, 0);
  g_assert_cmpint (CLI (NULL, NULL, "decision", "--assessment", "K-7-1", "--as", "di", "--priority",
                        "moderate", "--seriousness", "low", "--imminence", "low", "--placement",
                        "ordinary", "--support", "Family mediation", "--rationale",
                        "Isolation (net.isolation); parental role (pf.parent-role).",
                        "--limitations", "School records pending", "--valid-until", "2026-08-20",
                        "--next-review", "2026-08-01"), ==, 0);
  pki = g_build_filename (tmp, "pki", NULL);
  g_assert_cmpint (CLI (NULL, NULL, "pki", "create", "--dir", pki, "--members", "ana,bo,cy,di,zed"), ==, 0);
  /* poppler trusts the test CA through an NSS database. */
  nss = g_build_filename (tmp, "nss", NULL);
  g_mkdir_with_parents (nss, 0700);
  g_autofree char *nssdb = g_strconcat ("sql:", nss, NULL);
  g_autofree char *ca = g_build_filename (pki, "ca.pem", NULL);
  g_assert_cmpint (TOOL (NULL, NULL, "certutil", "-N", "-d", nssdb, "--empty-password"), ==, 0);
  g_assert_cmpint (TOOL (NULL, NULL, "certutil", "-A", "-d", nssdb, "-n", "CA", "-t", "CT,C,C", "-i", ca), ==, 0);
}

static char *
export (const char *profile, const char *lang)
{
  char *pdf = g_strdup_printf ("%s/%s-%s.pdf", tmp, profile, lang);
  g_autofree char *out = NULL;
  g_assert_cmpint (CLI (&out, NULL, "export", "K-7-1", "--profile", profile, "-o", pdf, "--lang", lang,
                        "--as", "di"), ==, 0);
  return pdf;
}

/* The text of a PDF, white space collapsed. */
static char *
text_of (const char *pdf)
{
  g_autofree char *out = NULL;
  g_assert_cmpint (TOOL (&out, NULL, "pdftotext", "-enc", "UTF-8", pdf, "-"), ==, 0);
  GString *s = g_string_new (NULL);
  gboolean sp = FALSE;
  for (const char *p = out; *p; p++)
    if (g_ascii_isspace (*p))
      sp = TRUE;
    else
      {
        if (sp && s->len)
          g_string_append_c (s, ' ');
        sp = FALSE;
        g_string_append_c (s, *p);
      }
  return g_string_free (s, FALSE);
}

static void
test_profiles (void)
{
  g_autofree char *commission = export ("commission", "en");
  g_autofree char *partner = export ("partner", "en");
  g_autofree char *subject = export ("subject-access", "fr");
  g_autofree char *tc = text_of (commission), *tp = text_of (partner), *ts = text_of (subject);

  /* The commission sees everything: clinical notes, restricted intelligence,
   * the judgment, evidence for and against, disagreements. */
  static const char *const everything[] = {
    "Evaluation synthesis", "K-7-1", "Bereavement in adolescence", /* lc.trauma: clinical */
    "Consistent account, agreeing with the file", /* cc.discrepancy: intelligence */
    "Priority: moderate", "Rationale: Isolation (net.isolation)", "Evidence for", "Evidence against",
    "Writes weekly to her sister", "Raters disagree", "Dissent kept", "Base rates of extremist violence",
    "Missing information", "Completeness and consistency", "Trajectory across assessments",
    "Audit chain:", "ana — psychologist", "di — commission-chair",
  };
  for (guint i = 0; i < G_N_ELEMENTS (everything); i++)
    if (strstr (tc, everything[i]) == NULL)
      g_error ("commission PDF lacks '%s'", everything[i]);

  /* The partner sees the partner view only. */
  static const char *const never_partner[] = {
    "Bereavement in adolescence", "Consistent account, agreeing with the file", "Observation over four weeks",
    "Alone in the yard", "Priority", "Isolation (net.isolation); parental role", "Dates and places",
  };
  for (guint i = 0; i < G_N_ELEMENTS (never_partner); i++)
    if (strstr (tp, never_partner[i]) != NULL)
      g_error ("partner PDF shows '%s'", never_partner[i]);
  g_assert_nonnull (strstr (tp, "Family support"));
  g_assert_nonnull (strstr (tp, "Placement: ordinary"));
  g_assert_nonnull (strstr (tp, "partner (need to know)"));

  /* The person sees what they may, in French; no clinical or restricted text. */
  static const char *const never_subject[] = {
    "Bereavement in adolescence", "Consistent account, agreeing with the file", "Dates and places",
  };
  for (guint i = 0; i < G_N_ELEMENTS (never_subject); i++)
    if (strstr (ts, never_subject[i]) != NULL)
      g_error ("subject-access PDF shows '%s'", never_subject[i]);
  g_assert_nonnull (strstr (ts, "Synthèse d’évaluation"));
  g_assert_nonnull (strstr (ts, "droit d’accès de la personne"));
  /* Accents, transliterations and Arabic script survive. */
  g_assert_nonnull (strstr (ts, "taqīya"));
  g_assert_nonnull (strstr (ts, "Ḥadīth"));
  g_assert_nonnull (strstr (ts, "إنما")); /* pdftotext splits some Arabic words */

  /* Bookmarks, metadata, page numbers. */
  g_autofree char *info = NULL;
  g_assert_cmpint (TOOL (&info, NULL, "pdfinfo", commission), ==, 0);
  g_assert_nonnull (strstr (info, "Title:           Evaluation synthesis K-7-1 — commission"));
  g_assert_nonnull (strstr (info, "Keywords:        colloquy; assessment=K-7-1; case=K-7; profile=commission"));
  g_assert_true (g_regex_match_simple ("\\b1 ?/ ?[2-9]\\b", tc, 0, 0)); /* page numbers "1 / N" */
  g_autofree char *check = NULL;
  g_assert_cmpint (TOOL (&check, NULL, "qpdf", "--show-npages", commission), ==, 0);
  g_autofree char *outline = NULL;
  g_assert_cmpint (TOOL (&outline, NULL, "qpdf", "--json", "--json-key=outlines", commission), ==, 0);
  g_assert_nonnull (strstr (outline, "The commission’s decision"));
}

static char *
p12 (const char *who)
{
  g_autofree char *name = g_strconcat (who, ".p12", NULL);
  return g_build_filename (pki, name, NULL);
}

static int
sign (const char *pdf, const char *who, char **err)
{
  g_autofree char *id = p12 (who);
  return CLI (NULL, err, "sign", pdf, "--identity", id);
}

static void
test_signatures (void)
{
  g_autofree char *pdf = export ("commission", "fr");
  g_autofree char *ca = g_build_filename (pki, "ca.pem", NULL);
  g_autofree char *nssdb = g_strconcat ("sql:", nss, NULL);

  /* The chair signs last; strangers and second signatures are refused. */
  g_autofree char *err = NULL;
  g_assert_cmpint (sign (pdf, "di", &err), ==, 1);
  g_assert_nonnull (strstr (err, "the chair signs last; still to sign: ana, bo, cy"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sign (pdf, "zed", &err), ==, 1);
  g_assert_nonnull (strstr (err, "'zed' is not a required signer"));
  g_assert_cmpint (sign (pdf, "ana", NULL), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sign (pdf, "ana", &err), ==, 1);
  g_assert_nonnull (strstr (err, "'ana' has already signed"));
  g_assert_cmpint (sign (pdf, "bo", NULL), ==, 0);
  g_assert_cmpint (sign (pdf, "cy", NULL), ==, 0);
  g_assert_cmpint (sign (pdf, "di", NULL), ==, 0);

  /* poppler: every signature valid and trusted, the last one total. */
  g_autofree char *sig = NULL;
  g_assert_cmpint (TOOL (&sig, NULL, "pdfsig", "-nssdir", nssdb, pdf), ==, 0);
  guint valid = 0, trusted = 0;
  for (const char *p = sig; (p = strstr (p, "Signature is Valid.")); p++)
    valid++;
  for (const char *p = sig; (p = strstr (p, "Certificate is Trusted.")); p++)
    trusted++;
  g_assert_cmpuint (valid, ==, 4);
  g_assert_cmpuint (trusted, ==, 4);
  const char *last = g_strrstr (sig, "Signature #4:");
  g_assert_nonnull (last);
  g_assert_nonnull (strstr (last, "Total document signed"));
  g_assert_nonnull (strstr (last, "ETSI.CAdES.detached"));
  g_assert_cmpint (TOOL (NULL, NULL, "qpdf", "--check", pdf), ==, 0);

  /* colloquy verify, and OpenSSL on each CMS. */
  g_autofree char *out = NULL;
  g_assert_cmpint (CLI (&out, NULL, "verify", pdf, "--ca", ca), ==, 0);
  g_assert_nonnull (strstr (out, "sig-di               signed by di"));
  g_assert_nonnull (strstr (out, "valid, trusted"));
  g_assert_nonnull (strstr (out, "the last signature covers the whole document"));
  g_assert_nonnull (strstr (out, "unchanged since"));
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (pdf, &data, &len, NULL));
  guint checked = 0;
  for (const char *p = data; (p = memmem (p, len - (gsize) (p - data), "/ByteRange [", 12)); p++)
    {
      gint64 r[4];
      const char *q = p + strlen ("/ByteRange [");
      for (int k = 0; k < 4; k++)
        r[k] = g_ascii_strtoll (q, (char **) &q, 10);
      GString *hex = g_string_new_len (data + r[1] + 1, r[2] - r[1] - 2);
      GByteArray *der = g_byte_array_new ();
      for (gsize i = 0; i + 1 < hex->len; i += 2)
        {
          guint8 b = (guint8) (g_ascii_xdigit_value (hex->str[i]) * 16 + g_ascii_xdigit_value (hex->str[i + 1]));
          g_byte_array_append (der, &b, 1);
        }
      g_autofree char *der_path = g_strdup_printf ("%s/sig%u.der", tmp, checked);
      g_autofree char *content_path = g_strdup_printf ("%s/content%u.bin", tmp, checked);
      g_assert_true (g_file_set_contents (der_path, (char *) der->data, der->len, NULL));
      GString *content = g_string_new_len (data, r[1]);
      g_string_append_len (content, data + r[2], r[3]);
      g_assert_true (g_file_set_contents (content_path, content->str, (gssize) content->len, NULL));
      g_autofree char *oerr = NULL;
      g_assert_cmpint (TOOL (NULL, &oerr, "openssl", "cms", "-verify", "-binary", "-inform", "DER",
                             "-in", der_path, "-content", content_path, "-CAfile", ca, "-purpose",
                             "any", "-cades", "-out", "/dev/null"), ==, 0);
      g_assert_nonnull (strstr (oerr, "CAdES Verification successful"));
      g_autofree char *attrs = NULL;
      g_assert_cmpint (TOOL (&attrs, NULL, "openssl", "cms", "-cmsout", "-print", "-inform", "DER",
                             "-in", der_path), ==, 0);
      g_assert_nonnull (strstr (attrs, "id-smime-aa-signingCertificateV2"));
      g_assert_null (strstr (attrs, "signingTime")); /* PAdES B-B: the time is in /M */
      g_string_free (hex, TRUE);
      g_string_free (content, TRUE);
      g_byte_array_unref (der);
      checked++;
    }
  g_assert_cmpuint (checked, ==, 4);

  /* One byte changed inside the signed range. */
  g_autofree char *tampered = g_build_filename (tmp, "tampered.pdf", NULL);
  char *at = memmem (data, len, "/Title (", 8);
  g_assert_nonnull (at);
  at[8] ^= 0x01;
  g_assert_true (g_file_set_contents (tampered, data, (gssize) len, NULL));
  at[8] ^= 0x01;
  g_clear_pointer (&sig, g_free);
  g_assert_cmpint (TOOL (&sig, NULL, "pdfsig", "-nssdir", nssdb, tampered), ==, 0);
  g_assert_nonnull (strstr (sig, "Digest Mismatch."));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CLI (&out, NULL, "verify", tampered, "--ca", ca), ==, 1);
  g_assert_nonnull (strstr (out, "INVALID"));

  /* An unsigned update appended after the last signature. */
  g_autofree char *appended = g_build_filename (tmp, "appended.pdf", NULL);
  GString *more = g_string_new_len (data, (gssize) len);
  g_string_append (more, "\n1 0 obj\n<< >>\nendobj\n%%EOF\n");
  g_assert_true (g_file_set_contents (appended, more->str, (gssize) more->len, NULL));
  g_string_free (more, TRUE);
  g_clear_pointer (&sig, g_free);
  g_assert_cmpint (TOOL (&sig, NULL, "pdfsig", "-nssdir", nssdb, appended), ==, 0);
  g_assert_null (strstr (sig, "Total document signed"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CLI (&out, NULL, "verify", appended, "--ca", ca), ==, 1);
  g_assert_nonnull (strstr (out, "the document changed after the last signature"));
}

static void
test_bad_inputs (void)
{
  g_autofree char *junk = g_build_filename (tmp, "junk.pdf", NULL);
  g_assert_true (g_file_set_contents (junk, "%PDF-1.5\nnot really\n", -1, NULL));
  g_autofree char *err = NULL;
  g_assert_cmpint (sign (junk, "ana", &err), ==, 1);
  g_assert_nonnull (strstr (err, "not a readable PDF"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (NULL, &err, "verify", junk), ==, 1);
  g_assert_nonnull (strstr (err, "not a readable PDF"));
  g_autofree char *pdf = export ("partner", "en");
  g_autofree char *bad_id = g_build_filename (tmp, "bad.p12", NULL);
  g_assert_true (g_file_set_contents (bad_id, "garbage", -1, NULL));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (NULL, &err, "sign", pdf, "--identity", bad_id), ==, 1);
  g_assert_nonnull (strstr (err, "not a PKCS#12 identity, or the password is wrong"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (NULL, &err, "export", "K-9-9", "--profile", "commission", "-o", pdf), ==, 1);
  g_assert_nonnull (strstr (err, "no assessment 'K-9-9'"));
  /* The assessment changes after an export: verify says so. */
  g_assert_cmpint (CLI (NULL, NULL, "consensus", "--assessment", "K-7-1", "--as", "di", "--answers",
                        "tests/interview/consensus.xml"), ==, 0);
  g_autofree char *out = NULL;
  g_assert_cmpint (CLI (&out, NULL, "verify", pdf), ==, 1);
  g_assert_nonnull (strstr (out, "the assessment changed since"));
}

/* A PDF from its objects (1 0 obj, 2 0 obj…) and trailer dictionary. */
static GBytes *
make_pdf (const char *const *objs, const char *trailer)
{
  GString *s = g_string_new ("%PDF-1.5\n");
  g_autoptr (GArray) offsets = g_array_new (FALSE, FALSE, sizeof (gsize));
  guint n = 0;
  for (; objs[n]; n++)
    {
      g_array_append_val (offsets, s->len);
      g_string_append_printf (s, "%u 0 obj\n%s\nendobj\n", n + 1, objs[n]);
    }
  gsize xref = s->len;
  g_string_append_printf (s, "xref\n0 %u\n0000000000 65535 f \n", n + 1);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%010" G_GSIZE_FORMAT " 00000 n \n", g_array_index (offsets, gsize, i));
  g_string_append_printf (s, "trailer\n%s\nstartxref\n%" G_GSIZE_FORMAT "\n%%%%EOF\n", trailer, xref);
  return g_string_free_to_bytes (s);
}

/* Found by fuzzing: structures no export has, each refused or reported,
 * never read as what they are not. */
static void
test_hostile_structure (void)
{
  /* No catalog: not a PDF, not "no signature yet". */
  const char *const no_root[] = { "<< /Type /Pages /Kids [] /Count 0 >>", NULL };
  g_autoptr (GBytes) a = make_pdf (no_root, "<< /Size 2 >>");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *sigs = cq_pdf_verify_bytes (a, NULL, pending, &error);
  g_assert_null (sigs);
  g_assert_error (error, CQ_PDF_ERROR, CQ_PDF_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not a readable PDF"));
  g_clear_error (&error);

  const char *const not_dict[] = { "42", NULL };
  g_autoptr (GBytes) b = make_pdf (not_dict, "<< /Size 2 /Root 1 0 R >>");
  g_assert_null (cq_pdf_verify_bytes (b, NULL, pending, &error));
  g_assert_error (error, CQ_PDF_ERROR, CQ_PDF_ERROR_INVALID);
  g_clear_error (&error);

  /* Fields of the wrong types; byte ranges whose sums overflow, too short,
   * not numbers. No /Size. */
  const char *const odd[] = {
    "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R 4 0 R 5 0 R 6 0 R 7 0 R 8] >> >>",
    "<< /Type /Pages /Kids [] /Count 0 >>",
    "<< /FT /Sig /T 7 /V << /ByteRange [0 1 2 3] >> >>",
    "<< /FT /Sig /T (sig-a) /V << /ByteRange [0 10 9223372036854775000 9223372036854775000] "
    "/Contents <00> >> >>",
    "<< /FT /Sig /T (sig-b) /V << /ByteRange [0 10 20] /Contents 5 /M 12 >> >>",
    "<< /FT /Sig /T (sig-c) /V << /ByteRange [0 1 2 (x)] /Contents [<30>] >> >>",
    "<< /FT /Sig /T (sig-d) >>",
    NULL,
  };
  g_autoptr (GBytes) c = make_pdf (odd, "<< /Root 1 0 R >>");
  sigs = cq_pdf_verify_bytes (c, NULL, pending, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sigs->len, ==, 3);
  static const char *const names[] = { "sig-a", "sig-b", "sig-c" };
  for (guint i = 0; i < sigs->len; i++)
    {
      CqSignatureInfo *si = sigs->pdata[i];
      g_assert_cmpstr (si->field, ==, names[i]);
      g_assert_false (si->valid);
      g_assert_cmpstr (si->problem, ==, "its byte range does not match the file");
      g_assert_null (si->time);
    }
  g_assert_cmpuint (pending->len, ==, 1);
  g_assert_cmpstr (pending->pdata[0], ==, "d");
  g_ptr_array_unref (sigs);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  source_dir = g_getenv ("CQ_SOURCE_DIR");
  colloquy = g_getenv ("COLLOQUY");
  tmp = g_dir_make_tmp ("cq-pdf-XXXXXX", NULL);
  make_case ();
  g_test_add_func ("/pdf/profiles", test_profiles);
  g_test_add_func ("/pdf/signatures", test_signatures);
  g_test_add_func ("/pdf/bad-inputs", test_bad_inputs);
  g_test_add_func ("/pdf/hostile-structure", test_hostile_structure);
  int rc = g_test_run ();
  const char *rm[] = { "rm", "-rf", tmp, NULL };
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  return rc;
}
