/* SPDX-License-Identifier: EUPL-1.2 */
/* A throwaway certificate authority and signing identities, for demos and
 * tests only: never for real signatures. */
#include "cq-pdf.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <unistd.h>

static gboolean
save (const char *dir, const char *name, const void *data, gsize len, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write (fd, data, len) != (ssize_t) len || close (fd) != 0)
    {
      g_set_error (error, CQ_PDF_ERROR, CQ_PDF_ERROR_IDENTITY, "%s: %s", path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
add_ext (X509 *cert, X509 *issuer, int nid, const char *value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb (&ctx);
  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  gboolean ok = ext != NULL && X509_add_ext (cert, ext, -1) == 1;
  X509_EXTENSION_free (ext);
  return ok;
}

static X509 *
make_cert (const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, gboolean ca)
{
  X509 *x = X509_new ();
  ASN1_INTEGER *serial = ASN1_INTEGER_new ();
  guchar rnd[8];
  RAND_bytes (rnd, sizeof rnd);
  BIGNUM *bn = BN_bin2bn (rnd, sizeof rnd, NULL);
  BN_to_ASN1_INTEGER (bn, serial);
  BN_free (bn);
  X509_set_version (x, 2);
  X509_set_serialNumber (x, serial);
  ASN1_INTEGER_free (serial);
  X509_gmtime_adj (X509_getm_notBefore (x), -86400);
  X509_gmtime_adj (X509_getm_notAfter (x), 2L * 365 * 86400);
  X509_set_pubkey (x, key);
  X509_NAME *name = X509_get_subject_name (x);
  X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8,
                              (const unsigned char *) "colloquy test CA (fictional, not for real use)",
                              -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) cn, -1, -1, 0);
  X509_set_issuer_name (x, issuer ? X509_get_subject_name (issuer) : name);
  X509 *iss = issuer ? issuer : x;
  gboolean ok = add_ext (x, iss, NID_subject_key_identifier, "hash")
                && add_ext (x, iss, NID_authority_key_identifier, "keyid:always");
  if (ca)
    ok = ok && add_ext (x, iss, NID_basic_constraints, "critical,CA:TRUE")
         && add_ext (x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
  else
    ok = ok && add_ext (x, iss, NID_basic_constraints, "critical,CA:FALSE")
         && add_ext (x, iss, NID_key_usage, "critical,digitalSignature,nonRepudiation")
         && add_ext (x, iss, NID_ext_key_usage, "emailProtection");
  if (!ok || X509_sign (x, issuer_key ? issuer_key : key, EVP_sha256 ()) == 0)
    {
      X509_free (x);
      return NULL;
    }
  return x;
}

gboolean
cq_pki_create (const char *dir, const char *const *members, GError **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, CQ_PDF_ERROR, CQ_PDF_ERROR_IDENTITY, "%s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  EVP_PKEY *ca_key = EVP_RSA_gen (2048);
  X509 *ca = ca_key ? make_cert ("colloquy test CA", ca_key, NULL, NULL, TRUE) : NULL;
  gboolean ok = ca != NULL;
  if (ok)
    {
      BIO *b = BIO_new (BIO_s_mem ());
      PEM_write_bio_X509 (b, ca);
      char *p;
      long n = BIO_get_mem_data (b, &p);
      ok = save (dir, "ca.pem", p, (gsize) n, error);
      BIO_free (b);
      b = BIO_new (BIO_s_mem ());
      PEM_write_bio_PrivateKey (b, ca_key, NULL, NULL, 0, NULL, NULL);
      n = BIO_get_mem_data (b, &p);
      ok = ok && save (dir, "ca.key", p, (gsize) n, error);
      BIO_free (b);
    }
  for (guint i = 0; ok && members[i]; i++)
    {
      EVP_PKEY *key = EVP_RSA_gen (2048);
      X509 *cert = key ? make_cert (members[i], key, ca, ca_key, FALSE) : NULL;
      STACK_OF (X509) *chain = sk_X509_new_null ();
      sk_X509_push (chain, ca);
      PKCS12 *p12 = cert ? PKCS12_create ("", members[i], key, cert, chain, 0, 0, 0, 0, 0) : NULL;
      unsigned char *der = NULL;
      int n = p12 ? i2d_PKCS12 (p12, &der) : -1;
      g_autofree char *name = g_strconcat (members[i], ".p12", NULL);
      ok = n > 0 && save (dir, name, der, (gsize) n, error);
      if (n <= 0 && error && !*error)
        g_set_error (error, CQ_PDF_ERROR, CQ_PDF_ERROR_IDENTITY, "cannot make the identity of %s",
                     members[i]);
      OPENSSL_free (der);
      PKCS12_free (p12);
      sk_X509_free (chain);
      X509_free (cert);
      EVP_PKEY_free (key);
    }
  if (!ok && error && !*error)
    g_set_error (error, CQ_PDF_ERROR, CQ_PDF_ERROR_IDENTITY, "cannot make the test CA");
  X509_free (ca);
  EVP_PKEY_free (ca_key);
  ERR_clear_error ();
  return ok;
}
