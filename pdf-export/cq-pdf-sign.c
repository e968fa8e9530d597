/* SPDX-License-Identifier: EUPL-1.2 */
/* Signature fields, PAdES B-B signatures as incremental updates, and their
 * verification. libqpdf reads the PDF; the updates are written by hand,
 * since libqpdf rewrites whole files (which would break earlier signatures). */
#include "cq-pdf-private.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <qpdf/qpdf-c.h>
#include <string.h>
#include <unistd.h>

#include "cq-case.h"
#include "cq-util.h"

#define MAX_PDF (256u << 20)
#define CONTENTS_BYTES 16384 /* room for the DER of one signature */
#define FIELD_PREFIX "sig-"

void
cq_signature_info_free (CqSignatureInfo *s)
{
  if (s == NULL)
    return;
  g_free (s->field);
  g_free (s->signer);
  g_free (s->time);
  g_free (s->problem);
  g_free (s);
}

static gboolean
pdf_error (GError **error, int code, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
pdf_error (GError **error, int code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, CQ_PDF_ERROR, code, msg);
  return FALSE;
}

static char *
openssl_reason (void)
{
  unsigned long e = ERR_get_error ();
  char buf[256];
  ERR_error_string_n (e, buf, sizeof buf);
  ERR_clear_error ();
  return g_strdup (e ? buf : "unknown OpenSSL error");
}

/* Writes bytes to path through a private temporary file and a rename, so
 * that a crash leaves either the old file or the new one. */
gboolean
cq_pdf_write_file (const char *path, const void *data, gsize len, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".partial", NULL);
  int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return pdf_error (error, CQ_PDF_ERROR_RENDER, "%s: %s", tmp, g_strerror (errno));
  gsize done = 0;
  while (done < len)
    {
      ssize_t w = write (fd, (const char *) data + done, len - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        {
          int e = errno;
          close (fd);
          g_unlink (tmp);
          return pdf_error (error, CQ_PDF_ERROR_RENDER, "%s: %s", path, g_strerror (e));
        }
      done += (gsize) w;
    }
  if (fsync (fd) != 0 || close (fd) != 0 || g_rename (tmp, path) != 0)
    {
      g_unlink (tmp);
      return pdf_error (error, CQ_PDF_ERROR_RENDER, "%s: cannot write", path);
    }
  return TRUE;
}

/* Signers ================================================================== */

GPtrArray *
cq_pdf_required_signers (CqStore *store, GPtrArray *raters, GPtrArray *members)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; i < raters->len; i++)
    if (!cq_team_may (store, ((CqMember *) raters->pdata[i])->role, "decide"))
      g_ptr_array_add (out, raters->pdata[i]);
  for (guint i = 0; i < members->len; i++)
    if (cq_team_may (store, ((CqMember *) members->pdata[i])->role, "decide"))
      g_ptr_array_add (out, members->pdata[i]);
  return out;
}

/* Export =================================================================== */

/* Adds /ID and one empty signature field per required signer, in order;
 * the chair's is last. */
static GBytes *
add_fields (GBytes *pdf, GPtrArray *signers, GError **error)
{
  qpdf_data q = qpdf_init ();
  qpdf_silence_errors (q);
  qpdf_set_suppress_warnings (q, QPDF_TRUE);
  gsize len;
  const char *data = g_bytes_get_data (pdf, &len);
  GBytes *out = NULL;
  if (qpdf_read_memory (q, "synthesis", data, len, NULL) & QPDF_ERRORS)
    {
      pdf_error (error, CQ_PDF_ERROR_RENDER, "the typeset PDF cannot be read back: %s",
                 qpdf_get_error_full_text (q, qpdf_get_error (q)));
      qpdf_cleanup (&q);
      return NULL;
    }
  qpdf_oh root = qpdf_get_root (q);
  qpdf_oh page = qpdf_get_page_n (q, (size_t) qpdf_get_num_pages (q) - 1);
  qpdf_oh annots = qpdf_oh_new_array (q);
  qpdf_oh fields = qpdf_oh_new_array (q);
  for (guint i = 0; i < signers->len; i++)
    {
      CqMember *m = signers->pdata[i];
      g_autofree char *name = g_strconcat (FIELD_PREFIX, m->id, NULL);
      qpdf_oh f = qpdf_oh_new_dictionary (q);
      qpdf_oh rect = qpdf_oh_new_array (q);
      for (int k = 0; k < 4; k++)
        qpdf_oh_append_item (q, rect, qpdf_oh_new_integer (q, 0));
      qpdf_oh_replace_key (q, f, "/FT", qpdf_oh_new_name (q, "/Sig"));
      qpdf_oh_replace_key (q, f, "/T", qpdf_oh_new_unicode_string (q, name));
      qpdf_oh_replace_key (q, f, "/TU", qpdf_oh_new_unicode_string (q, m->role));
      qpdf_oh_replace_key (q, f, "/Type", qpdf_oh_new_name (q, "/Annot"));
      qpdf_oh_replace_key (q, f, "/Subtype", qpdf_oh_new_name (q, "/Widget"));
      qpdf_oh_replace_key (q, f, "/F", qpdf_oh_new_integer (q, 132));
      qpdf_oh_replace_key (q, f, "/Rect", rect);
      qpdf_oh_replace_key (q, f, "/P", page);
      qpdf_oh fi = qpdf_make_indirect_object (q, f);
      qpdf_oh_append_item (q, fields, fi);
      qpdf_oh_append_item (q, annots, fi);
    }
  qpdf_oh_replace_key (q, page, "/Annots", annots);
  qpdf_oh acro = qpdf_oh_new_dictionary (q);
  qpdf_oh_replace_key (q, acro, "/Fields", fields);
  qpdf_oh_replace_key (q, acro, "/SigFlags", qpdf_oh_new_integer (q, 3));
  qpdf_oh_replace_key (q, root, "/AcroForm", acro);
  qpdf_init_write_memory (q);
  qpdf_set_object_stream_mode (q, qpdf_o_disable);
  qpdf_set_deterministic_ID (q, QPDF_TRUE);
  if (qpdf_write (q) & QPDF_ERRORS)
    pdf_error (error, CQ_PDF_ERROR_RENDER, "the PDF cannot be written: %s",
               qpdf_get_error_full_text (q, qpdf_get_error (q)));
  else
    out = g_bytes_new (qpdf_get_buffer (q), qpdf_get_buffer_length (q));
  qpdf_cleanup (&q);
  return out;
}

static char *
sha256_hex (const void *data, gsize len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

gboolean
cq_pdf_export (CqStore *store, const char *assessment, CqExportProfile profile, const char *lang,
               const char *path, const char *actor, GError **error)
{
  g_autofree char *case_ref = NULL;
  g_autoptr (GPtrArray) signers = NULL;
  g_autoptr (GBytes) pdf = cq_pdf_render (store, assessment, profile, lang, &case_ref, &signers,
                                          error);
  if (pdf == NULL)
    return FALSE;
  g_autoptr (GBytes) ready = add_fields (pdf, signers, error);
  if (ready == NULL)
    return FALSE;
  gsize len;
  const char *data = g_bytes_get_data (ready, &len);
  if (!cq_pdf_write_file (path, data, len, error))
    return FALSE;
  /* The export joins the audit chain, with the file's hash. */
  g_autofree char *sha = sha256_hex (data, len);
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "profile");
  json_builder_add_string_value (b, cq_profile_name (profile));
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, sha);
  json_builder_set_member_name (b, "length");
  json_builder_add_int_value (b, (gint64) len);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, base);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *payload = json_to_string (root, FALSE);
  CqEvent e = { 0, NULL, actor, "export", case_ref, assessment, NULL, NULL, 0, NULL, payload };
  if (cq_store_append (store, &e, error) < 0)
    {
      g_unlink (path);
      return FALSE;
    }
  return TRUE;
}

/* Reading signature fields ================================================= */

typedef struct {
  char *name;
  int id, gen;
  char *dict;    /* the field's dictionary, unparsed */
  gboolean signed_;
  /* when signed */
  gint64 range[4];
  GBytes *contents;
  char *when;
} Field;

static void
field_free (gpointer p)
{
  Field *f = p;
  g_free (f->name);
  g_free (f->dict);
  if (f->contents)
    g_bytes_unref (f->contents);
  g_free (f->when);
  g_free (f);
}

typedef struct {
  GPtrArray *fields; /* Field*, in /Fields order */
  char *root_ref, *info_ref, *id_array;
  gint64 size;
} PdfFacts;

static void
facts_clear (PdfFacts *pf)
{
  if (pf->fields)
    g_ptr_array_unref (pf->fields);
  g_free (pf->root_ref);
  g_free (pf->info_ref);
  g_free (pf->id_array);
}

/* Whether qpdf has an error pending (a function without an error code
 * failed); if so, reports it as an unreadable PDF and clears it. */
static gboolean
qpdf_failed (qpdf_data q, GError **error)
{
  if (!qpdf_has_error (q))
    return FALSE;
  pdf_error (error, CQ_PDF_ERROR_INVALID, "not a readable PDF: %s",
             qpdf_get_error_full_text (q, qpdf_get_error (q)));
  return TRUE;
}

/* A string value of dict, or NULL when key is absent or not a string. */
static char *
string_key (qpdf_data q, qpdf_oh dict, const char *key)
{
  qpdf_oh v = qpdf_oh_get_key (q, dict, key);
  return qpdf_oh_is_string (q, v) ? g_strdup (qpdf_oh_get_utf8_value (q, v)) : NULL;
}

static gboolean
read_facts (const char *data, gsize len, PdfFacts *pf, GError **error)
{
  qpdf_data q = qpdf_init ();
  qpdf_silence_errors (q);
  qpdf_set_suppress_warnings (q, QPDF_TRUE);
  pf->fields = g_ptr_array_new_with_free_func (field_free);
  if (qpdf_read_memory (q, "document", data, len, NULL) & QPDF_ERRORS)
    {
      pdf_error (error, CQ_PDF_ERROR_INVALID, "not a readable PDF: %s",
                 qpdf_get_error_full_text (q, qpdf_get_error (q)));
      qpdf_cleanup (&q);
      return FALSE;
    }
  /* Every value is checked for its type before it is read: qpdf reports
   * the wrong type as an error, and a document without a catalog is no
   * PDF at all. */
  qpdf_oh trailer = qpdf_get_trailer (q);
  qpdf_oh root = qpdf_get_root (q);
  if (qpdf_failed (q, error))
    {
      qpdf_cleanup (&q);
      return FALSE;
    }
  if (!qpdf_oh_is_dictionary (q, root))
    {
      pdf_error (error, CQ_PDF_ERROR_INVALID, "not a readable PDF: it has no document catalog");
      qpdf_cleanup (&q);
      return FALSE;
    }
  pf->root_ref = g_strdup (qpdf_oh_unparse (q, qpdf_oh_get_key (q, trailer, "/Root")));
  if (qpdf_oh_has_key (q, trailer, "/Info"))
    pf->info_ref = g_strdup (qpdf_oh_unparse (q, qpdf_oh_get_key (q, trailer, "/Info")));
  if (qpdf_oh_has_key (q, trailer, "/ID"))
    pf->id_array = g_strdup (qpdf_oh_unparse (q, qpdf_oh_get_key (q, trailer, "/ID")));
  qpdf_oh size = qpdf_oh_get_key (q, trailer, "/Size");
  pf->size = qpdf_oh_is_integer (q, size) ? qpdf_oh_get_int_value (q, size) : 0;
  qpdf_oh acro = qpdf_oh_get_key (q, root, "/AcroForm");
  qpdf_oh fields = qpdf_oh_is_dictionary (q, acro) ? qpdf_oh_get_key (q, acro, "/Fields") : 0;
  int n = fields && qpdf_oh_is_array (q, fields) ? qpdf_oh_get_array_n_items (q, fields) : 0;
  for (int i = 0; i < n; i++)
    {
      qpdf_oh f = qpdf_oh_get_array_item (q, fields, i);
      if (!qpdf_oh_is_dictionary (q, f))
        continue;
      char *name = string_key (q, f, "/T");
      if (name == NULL)
        continue;
      Field *fd = g_new0 (Field, 1);
      fd->name = name;
      fd->id = qpdf_oh_get_object_id (q, f);
      fd->gen = qpdf_oh_get_generation (q, f);
      fd->dict = g_strdup (qpdf_oh_unparse_resolved (q, f));
      qpdf_oh v = qpdf_oh_get_key (q, f, "/V");
      if (qpdf_oh_is_dictionary (q, v))
        {
          fd->signed_ = TRUE;
          /* Anything but four integers is left as -1: a range that does
           * not match the file. */
          qpdf_oh br = qpdf_oh_get_key (q, v, "/ByteRange");
          int nr = qpdf_oh_is_array (q, br) ? qpdf_oh_get_array_n_items (q, br) : 0;
          for (int k = 0; k < 4; k++)
            {
              qpdf_oh x = nr == 4 ? qpdf_oh_get_array_item (q, br, k) : 0;
              fd->range[k] = x && qpdf_oh_is_integer (q, x) ? qpdf_oh_get_int_value (q, x) : -1;
            }
          qpdf_oh contents = qpdf_oh_get_key (q, v, "/Contents");
          size_t clen = 0;
          const char *c = qpdf_oh_is_string (q, contents)
                            ? qpdf_oh_get_binary_string_value (q, contents, &clen) : NULL;
          fd->contents = g_bytes_new (c, c ? clen : 0);
          fd->when = string_key (q, v, "/M");
        }
      g_ptr_array_add (pf->fields, fd);
    }
  gboolean ok = !qpdf_failed (q, error);
  qpdf_cleanup (&q);
  return ok;
}

/* Signing ================================================================== */

static int
der_cmp (const void *a, const void *b)
{
  const GBytes *x = *(GBytes *const *) a, *y = *(GBytes *const *) b;
  return g_bytes_compare (x, y);
}

/* PAdES B-B forbids signingTime among the signed attributes, and OpenSSL
 * always adds one: take it out, then sign the remaining attributes (DER
 * SET OF, sorted) again. */
static gboolean
drop_signing_time (CMS_SignerInfo *si, EVP_PKEY *key)
{
  int idx = CMS_signed_get_attr_by_NID (si, NID_pkcs9_signingTime, -1);
  if (idx >= 0)
    X509_ATTRIBUTE_free (CMS_signed_delete_attr (si, idx));
  int n = CMS_signed_get_attr_count (si);
  g_autoptr (GPtrArray) ders = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize total = 0;
  for (int i = 0; i < n; i++)
    {
      unsigned char *p = NULL;
      int l = i2d_X509_ATTRIBUTE (CMS_signed_get_attr (si, i), &p);
      if (l <= 0)
        return FALSE;
      g_ptr_array_add (ders, g_bytes_new (p, (gsize) l));
      OPENSSL_free (p);
      total += (gsize) l;
    }
  g_ptr_array_sort (ders, der_cmp);
  GByteArray *set = g_byte_array_new ();
  guint8 tag = 0x31;
  g_byte_array_append (set, &tag, 1);
  if (total < 0x80)
    {
      guint8 l = (guint8) total;
      g_byte_array_append (set, &l, 1);
    }
  else
    {
      guint8 lb[4];
      int nb = 0;
      for (gsize t = total; t; t >>= 8)
        nb++;
      guint8 first = (guint8) (0x80 | nb);
      g_byte_array_append (set, &first, 1);
      for (int k = nb - 1; k >= 0; k--)
        lb[nb - 1 - k] = (guint8) (total >> (8 * k));
      g_byte_array_append (set, lb, (guint) nb);
    }
  for (guint i = 0; i < ders->len; i++)
    {
      gsize l;
      const guint8 *d = g_bytes_get_data (ders->pdata[i], &l);
      g_byte_array_append (set, d, (guint) l);
    }
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  size_t sig_len = 0;
  gboolean ok = EVP_DigestSignInit (ctx, NULL, EVP_sha256 (), NULL, key) == 1
                && EVP_DigestSign (ctx, NULL, &sig_len, set->data, set->len) == 1;
  unsigned char *sig = ok ? OPENSSL_malloc (sig_len) : NULL;
  ok = ok && EVP_DigestSign (ctx, sig, &sig_len, set->data, set->len) == 1
       && ASN1_STRING_set (CMS_SignerInfo_get0_signature (si), sig, (int) sig_len) == 1;
  OPENSSL_free (sig);
  EVP_MD_CTX_free (ctx);
  g_byte_array_unref (set);
  return ok;
}

static GBytes *
cms_sign (const char *data, const gint64 range[4], X509 *cert, EVP_PKEY *key,
          STACK_OF (X509) *chain, GError **error)
{
  BIO *in = BIO_new (BIO_s_mem ());
  BIO_write (in, data + range[0], (int) range[1]);
  BIO_write (in, data + range[2], (int) range[3]);
  int flags = CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES | CMS_PARTIAL;
  CMS_ContentInfo *cms = CMS_sign (NULL, NULL, chain, NULL, flags);
  CMS_SignerInfo *si = cms ? CMS_add1_signer (cms, cert, key, EVP_sha256 (), flags) : NULL;
  GBytes *out = NULL;
  if (si == NULL || CMS_final (cms, in, NULL, flags) != 1 || !drop_signing_time (si, key))
    {
      g_autofree char *why = openssl_reason ();
      pdf_error (error, CQ_PDF_ERROR_IDENTITY, "cannot sign: %s", why);
    }
  else
    {
      /* Check our own work before it goes into the file. */
      BIO *again = BIO_new (BIO_s_mem ());
      BIO_write (again, data + range[0], (int) range[1]);
      BIO_write (again, data + range[2], (int) range[3]);
      if (CMS_verify (cms, NULL, NULL, again, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1)
        {
          g_autofree char *why = openssl_reason ();
          pdf_error (error, CQ_PDF_ERROR_IDENTITY, "the signature does not verify: %s", why);
        }
      else
        {
          unsigned char *der = NULL;
          int l = i2d_CMS_ContentInfo (cms, &der);
          if (l > 0)
            out = g_bytes_new (der, (gsize) l);
          OPENSSL_free (der);
        }
      BIO_free (again);
    }
  CMS_ContentInfo_free (cms);
  BIO_free (in);
  return out;
}

static char *
pdf_string (const char *s)
{
  GString *out = g_string_new ("(");
  for (; *s; s++)
    {
      if (*s == '(' || *s == ')' || *s == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *s);
    }
  g_string_append_c (out, ')');
  return g_string_free (out, FALSE);
}

/* The field's dictionary with /V pointing at the signature. */
static char *
field_with_value (const char *dict, gint64 sig_id)
{
  const char *end = strrchr (dict, '>');
  if (end == NULL || end == dict || end[-1] != '>')
    return NULL;
  return g_strdup_printf ("%.*s /V %" G_GINT64_FORMAT " 0 R >>", (int) (end - 1 - dict), dict, sig_id);
}

static gint64
previous_startxref (const char *data, gsize len)
{
  for (gsize i = len >= 9 ? len - 9 : 0; i-- > 0;)
    if (memcmp (data + i, "startxref", 9) == 0)
      return g_ascii_strtoll (data + i + 9, NULL, 10);
  return -1;
}

/* Signs data (the file at path) in cn's field. */
static gboolean
sign_as (const char *path, const char *data, gsize len, PdfFacts *pf, const char *cn, X509 *cert,
         EVP_PKEY *key, STACK_OF (X509) *chain, const char *reason, GError **error)
{
  g_autofree char *want = g_strconcat (FIELD_PREFIX, cn, NULL);
  Field *mine = NULL;
  GString *pending = g_string_new (NULL);
  for (guint i = 0; i < pf->fields->len; i++)
    {
      Field *f = pf->fields->pdata[i];
      if (strcmp (f->name, want) == 0)
        mine = f;
      else if (!f->signed_ && i + 1 < pf->fields->len)
        g_string_append_printf (pending, "%s%s", pending->len ? ", " : "", f->name + strlen (FIELD_PREFIX));
    }
  g_autofree char *still = g_string_free (pending, FALSE);
  if (mine == NULL)
    {
      GString *names = g_string_new (NULL);
      for (guint i = 0; i < pf->fields->len; i++)
        g_string_append_printf (names, "%s%s", i ? ", " : "",
                                ((Field *) pf->fields->pdata[i])->name + strlen (FIELD_PREFIX));
      pdf_error (error, CQ_PDF_ERROR_REFUSED, "'%s' is not a required signer of %s (required: %s)",
                 cn, path, names->len ? names->str : "none: this PDF has no signature fields");
      g_string_free (names, TRUE);
      return FALSE;
    }
  if (mine->signed_)
    {
      return pdf_error (error, CQ_PDF_ERROR_REFUSED, "'%s' has already signed %s", cn, path);
    }
  if (mine == pf->fields->pdata[pf->fields->len - 1] && *still)
    {
      return pdf_error (error, CQ_PDF_ERROR_REFUSED, "the chair signs last; still to sign: %s", still);
    }

  /* The incremental update: the signature, the field pointing at it. */
  gint64 sig_id = pf->size;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "D:%Y%m%d%H%M%SZ");
  g_autofree char *m = pdf_string (stamp);
  g_autofree char *why = pdf_string (reason ? reason : "Evaluation synthesis approved");
  g_autofree char *who = pdf_string (cn);
  g_autofree char *field = field_with_value (mine->dict, sig_id);
  if (field == NULL || pf->id_array == NULL || pf->size <= 0)
    {
      return pdf_error (error, CQ_PDF_ERROR_INVALID, "%s was not prepared by colloquy export", path);
    }
  g_autoptr (GString) u = g_string_new (NULL);
  if (len == 0 || data[len - 1] != '\n')
    g_string_append_c (u, '\n');
  gsize sig_off = len + u->len;
  g_string_append_printf (u, "%" G_GINT64_FORMAT " 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite "
                          "/SubFilter /ETSI.CAdES.detached /M %s /Name %s /Reason %s "
                          "/ByteRange [0 ########## ########## ##########] /Contents <",
                          sig_id, m, who, why);
  gsize contents_at = len + u->len - 1; /* the '<' */
  for (guint i = 0; i < 2 * CONTENTS_BYTES; i++)
    g_string_append_c (u, '0');
  g_string_append (u, "> >>\nendobj\n");
  gsize field_off = len + u->len;
  g_string_append_printf (u, "%d %d obj\n%s\nendobj\n", mine->id, mine->gen, field);
  gsize xref_off = len + u->len;
  g_string_append_printf (u, "xref\n%" G_GINT64_FORMAT " 1\n%010" G_GSIZE_FORMAT " 00000 n \n"
                          "%d 1\n%010" G_GSIZE_FORMAT " %05d n \n", sig_id, sig_off, mine->id,
                          field_off, mine->gen);
  g_string_append_printf (u, "trailer\n<< /Size %" G_GINT64_FORMAT " /Root %s%s%s /ID %s /Prev %"
                          G_GINT64_FORMAT " >>\nstartxref\n%" G_GSIZE_FORMAT "\n%%%%EOF\n",
                          sig_id + 1, pf->root_ref, pf->info_ref ? " /Info " : "",
                          pf->info_ref ? pf->info_ref : "", pf->id_array,
                          previous_startxref (data, len), xref_off);

  /* The whole file as it will be, then the ranges around /Contents. */
  GByteArray *all = g_byte_array_sized_new ((guint) (len + u->len));
  g_byte_array_append (all, (const guint8 *) data, (guint) len);
  g_byte_array_append (all, (const guint8 *) u->str, (guint) u->len);
  gint64 range[4] = { 0, (gint64) contents_at, (gint64) (contents_at + 2 * CONTENTS_BYTES + 2), 0 };
  range[3] = (gint64) all->len - range[2];
  char *br = (char *) all->data + len + (strstr (u->str, "##########") - u->str);
  char nums[40];
  g_snprintf (nums, sizeof nums, "%10" G_GINT64_FORMAT " %10" G_GINT64_FORMAT " %10" G_GINT64_FORMAT,
              range[1], range[2], range[3]);
  memcpy (br, nums, 32);
  g_autoptr (GBytes) der = cms_sign ((const char *) all->data, range, cert, key, chain, error);
  if (der == NULL)
    {
      g_byte_array_unref (all);
      return FALSE;
    }
  gsize dlen;
  const guint8 *d = g_bytes_get_data (der, &dlen);
  if (dlen > CONTENTS_BYTES)
    {
      g_byte_array_unref (all);
      return pdf_error (error, CQ_PDF_ERROR_IDENTITY, "the signature is %" G_GSIZE_FORMAT " bytes; at "
                        "most %d fit", dlen, CONTENTS_BYTES);
    }
  for (gsize i = 0; i < dlen; i++)
    g_snprintf ((char *) all->data + contents_at + 1 + 2 * i, 3, "%02X", d[i]);
  all->data[contents_at + 1 + 2 * dlen] = '0'; /* g_snprintf wrote a NUL there */
  gboolean ok = cq_pdf_write_file (path, all->data, all->len, error);
  g_byte_array_unref (all);
  return ok;

}

gboolean
cq_pdf_sign (const char *path, const char *p12_path, const char *password, const char *reason,
             GError **error)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GBytes) file = cq_file_read (path, MAX_PDF, &e);
  if (file == NULL)
    return pdf_error (error, CQ_PDF_ERROR_INVALID, "%s: %s", path, e->message);
  gsize len;
  const char *data = g_bytes_get_data (file, &len);

  /* The identity. */
  g_autoptr (GBytes) p12_bytes = cq_file_read (p12_path, 1 << 20, &e);
  if (p12_bytes == NULL)
    return pdf_error (error, CQ_PDF_ERROR_IDENTITY, "%s: %s", p12_path, e->message);
  gsize plen;
  const unsigned char *pdata = g_bytes_get_data (p12_bytes, &plen);
  PKCS12 *p12 = d2i_PKCS12 (NULL, &pdata, (long) plen);
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  STACK_OF (X509) *chain = NULL;
  if (p12 == NULL || PKCS12_parse (p12, password ? password : "", &key, &cert, &chain) != 1
      || key == NULL || cert == NULL)
    {
      PKCS12_free (p12);
      ERR_clear_error ();
      return pdf_error (error, CQ_PDF_ERROR_IDENTITY, "%s: not a PKCS#12 identity, or the "
                        "password is wrong", p12_path);
    }
  PKCS12_free (p12);
  char cn[256] = "";
  X509_NAME_get_text_by_NID (X509_get_subject_name (cert), NID_commonName, cn, sizeof cn);

  PdfFacts pf = { 0 };
  gboolean ok = read_facts (data, len, &pf, error)
                && sign_as (path, data, len, &pf, cn, cert, key, chain, reason, error);
  facts_clear (&pf);
  EVP_PKEY_free (key);
  X509_free (cert);
  sk_X509_pop_free (chain, X509_free);
  return ok;
}

/* Verifying ================================================================ */

GPtrArray *
cq_pdf_verify (const char *path, const char *ca_path, GPtrArray *unsigned_fields, GError **error)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GBytes) file = cq_file_read (path, MAX_PDF, &e);
  if (file == NULL)
    {
      pdf_error (error, CQ_PDF_ERROR_INVALID, "%s: %s", path, e->message);
      return NULL;
    }
  return cq_pdf_verify_bytes (file, ca_path, unsigned_fields, error);
}

GPtrArray *
cq_pdf_verify_bytes (GBytes *pdf, const char *ca_path, GPtrArray *unsigned_fields, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (pdf, &len);
  if (len > MAX_PDF)
    {
      pdf_error (error, CQ_PDF_ERROR_INVALID, "the PDF is %" G_GSIZE_FORMAT " bytes; the limit is %u",
                 len, MAX_PDF);
      return NULL;
    }
  PdfFacts pf = { 0 };
  if (!read_facts (data, len, &pf, error))
    {
      facts_clear (&pf);
      return NULL;
    }
  X509_STORE *store = NULL;
  if (ca_path != NULL)
    {
      store = X509_STORE_new ();
      if (X509_STORE_load_file (store, ca_path) != 1)
        {
          X509_STORE_free (store);
          facts_clear (&pf);
          ERR_clear_error ();
          pdf_error (error, CQ_PDF_ERROR_IDENTITY, "%s: not a PEM certificate", ca_path);
          return NULL;
        }
      X509_STORE_set_purpose (store, X509_PURPOSE_ANY);
    }
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_signature_info_free);
  for (guint i = 0; i < pf.fields->len; i++)
    {
      Field *f = pf.fields->pdata[i];
      if (!f->signed_)
        {
          if (unsigned_fields)
            g_ptr_array_add (unsigned_fields, g_strdup (f->name + (g_str_has_prefix (f->name, FIELD_PREFIX) ? strlen (FIELD_PREFIX) : 0)));
          continue;
        }
      CqSignatureInfo *si = g_new0 (CqSignatureInfo, 1);
      si->field = g_strdup (f->name);
      si->time = g_strdup (f->when);
      g_ptr_array_add (out, si);
      /* [0 a b c]: the file but for [a, b), which holds /Contents's <…>.
       * (Compared so that no sum overflows: the numbers are the file's.) */
      const gint64 *r = f->range;
      if (r[0] != 0 || r[1] <= 0 || r[2] <= r[1] || (guint64) r[2] > len || r[3] < 0
          || (guint64) r[3] > len - (guint64) r[2] || data[r[1]] != '<' || data[r[2] - 1] != '>')
        {
          si->problem = g_strdup ("its byte range does not match the file");
          continue;
        }
      si->whole = (guint64) r[3] == len - (guint64) r[2];
      gsize clen;
      const unsigned char *c = g_bytes_get_data (f->contents, &clen);
      CMS_ContentInfo *cms = d2i_CMS_ContentInfo (NULL, &c, (long) clen);
      if (cms == NULL)
        {
          si->problem = g_strdup ("its signature is not a CMS structure");
          ERR_clear_error ();
          continue;
        }
      BIO *in = BIO_new (BIO_s_mem ());
      BIO_write (in, data, (int) r[1]);
      BIO_write (in, data + r[2], (int) r[3]);
      si->valid = CMS_verify (cms, NULL, NULL, in, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
      if (!si->valid)
        si->problem = g_strdup ("the signed bytes changed after signing (digest mismatch)");
      ERR_clear_error ();
      STACK_OF (X509) *signers = CMS_get0_signers (cms);
      if (signers && sk_X509_num (signers) > 0)
        {
          char cn[256] = "";
          X509_NAME_get_text_by_NID (X509_get_subject_name (sk_X509_value (signers, 0)),
                                     NID_commonName, cn, sizeof cn);
          si->signer = g_strdup (cn);
        }
      sk_X509_free (signers);
      if (si->valid && store != NULL)
        {
          BIO *again = BIO_new (BIO_s_mem ());
          BIO_write (again, data, (int) r[1]);
          BIO_write (again, data + r[2], (int) r[3]);
          si->trusted = CMS_verify (cms, NULL, store, again, NULL, CMS_BINARY) == 1;
          if (!si->trusted)
            {
              g_autofree char *why = openssl_reason ();
              si->problem = g_strdup_printf ("the certificate does not chain to the CA given (%s)", why);
            }
          BIO_free (again);
        }
      BIO_free (in);
      CMS_ContentInfo_free (cms);
    }
  if (store)
    X509_STORE_free (store);
  facts_clear (&pf);
  return out;
}

/* Which export ============================================================= */

typedef struct {
  const char *data;
  gsize len;
  gint64 seq;
  char *assessment;
  char *profile;
  char *at;
} MatchScan;

static gboolean
match_export (const CqEvent *ev, gpointer user)
{
  MatchScan *m = user;
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!json_parser_load_from_data (p, ev->payload, -1, NULL))
    return TRUE;
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  gint64 length = json_object_get_int_member_with_default (o, "length", -1);
  const char *sha = json_object_get_string_member_with_default (o, "sha256", "");
  if (length <= 0 || (gsize) length > m->len)
    return TRUE;
  g_autofree char *have = sha256_hex (m->data, (gsize) length);
  if (strcmp (have, sha) != 0)
    return TRUE;
  m->seq = ev->seq;
  g_free (m->assessment);
  m->assessment = g_strdup (ev->assessment);
  g_free (m->profile);
  m->profile = g_strdup (json_object_get_string_member_with_default (o, "profile", "?"));
  g_free (m->at);
  m->at = g_strdup (ev->at);
  return TRUE;
}

typedef struct {
  gint64 after;
  guint changes;
} ChangeScan;

static gboolean
count_changes (const CqEvent *ev, gpointer user)
{
  ChangeScan *c = user;
  if (ev->seq > c->after && (strcmp (ev->kind, "answer") == 0 || strcmp (ev->kind, "consensus") == 0
                             || strcmp (ev->kind, "decision") == 0))
    c->changes++;
  return TRUE;
}

gboolean
cq_pdf_match (CqStore *store, const char *path, char **assessment, char **description,
              GError **error)
{
  g_autoptr (GBytes) file = cq_file_read (path, MAX_PDF, error);
  if (file == NULL)
    return FALSE;
  MatchScan m = { 0 };
  m.data = g_bytes_get_data (file, &m.len);
  CqEventFilter f = { .kind = "export" };
  if (!cq_store_scan (store, &f, match_export, &m, error))
    return FALSE;
  if (m.seq == 0)
    {
      *assessment = NULL;
      *description = g_strdup ("no export in this database produced this document");
      return FALSE;
    }
  ChangeScan c = { m.seq, 0 };
  CqEventFilter af = { .assessment = m.assessment };
  cq_store_scan (store, &af, count_changes, &c, NULL);
  *assessment = m.assessment;
  if (c.changes > 0)
    *description = g_strdup_printf ("the %s export of assessment %s (event %" G_GINT64_FORMAT
                                    ", %s), but the assessment changed since (%u later answers, "
                                    "consensus or decisions): export it again", m.profile,
                                    m.assessment, m.seq, m.at, c.changes);
  else
    *description = g_strdup_printf ("the %s export of assessment %s (event %" G_GINT64_FORMAT
                                    ", %s); unchanged since", m.profile, m.assessment, m.seq, m.at);
  g_free (m.profile);
  g_free (m.at);
  return c.changes == 0;
}
