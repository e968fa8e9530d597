/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-account.h"

#include <argon2.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "cq-case.h"

#define SALT_BYTES 16
#define TAG_BYTES 32

static char *
hash_password (const char *password, GError **error)
{
  guchar salt[SALT_BYTES];
  if (RAND_bytes (salt, sizeof salt) != 1)
    {
      g_set_error (error, CQ_CASE_ERROR, CQ_CASE_ERROR_INVALID, "no random source for the salt");
      return NULL;
    }
  gsize len = argon2_encodedlen (CQ_ACCOUNT_KDF_PASSES, CQ_ACCOUNT_KDF_MEMORY_KIB,
                                 CQ_ACCOUNT_KDF_LANES, SALT_BYTES, TAG_BYTES, Argon2_id);
  char *encoded = g_malloc0 (len + 1);
  int rc = argon2id_hash_encoded (CQ_ACCOUNT_KDF_PASSES, CQ_ACCOUNT_KDF_MEMORY_KIB,
                                  CQ_ACCOUNT_KDF_LANES, password, strlen (password), salt,
                                  sizeof salt, TAG_BYTES, encoded, len + 1);
  OPENSSL_cleanse (salt, sizeof salt);
  if (rc != ARGON2_OK)
    {
      g_free (encoded);
      g_set_error (error, CQ_CASE_ERROR, CQ_CASE_ERROR_INVALID, "cannot hash the password: %s",
                   argon2_error_message (rc));
      return NULL;
    }
  return encoded;
}

gboolean
cq_account_password_ok (const char *password, GError **error)
{
  if (password == NULL || !g_utf8_validate (password, -1, NULL)
      || strlen (password) > CQ_ACCOUNT_PASSWORD_MAX)
    {
      g_set_error (error, CQ_CASE_ERROR, CQ_CASE_ERROR_INVALID,
                   "a password is text of at most %d bytes", CQ_ACCOUNT_PASSWORD_MAX);
      return FALSE;
    }
  if (g_utf8_strlen (password, -1) < CQ_ACCOUNT_PASSWORD_MIN)
    {
      g_set_error (error, CQ_CASE_ERROR, CQ_CASE_ERROR_INVALID,
                   "a password needs at least %d characters (a few words make a good one)",
                   CQ_ACCOUNT_PASSWORD_MIN);
      return FALSE;
    }
  return TRUE;
}

char *
cq_account_hash (const char *password, GError **error)
{
  if (!cq_account_password_ok (password, error))
    return NULL;
  return hash_password (password, error);
}

void
cq_account_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  OPENSSL_cleanse (secret, strlen (secret));
  g_free (secret);
}

gboolean
cq_account_set_secret (CqStore *s, const char *actor, const char *member, const char *secret,
                       GError **error)
{
  g_autoptr (CqMember) m = cq_team_member (s, member, error);
  if (m == NULL)
    return FALSE;
  if (!cq_store_secret_set (s, member, secret, error))
    return FALSE;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, member);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *payload = json_to_string (root, FALSE);
  CqEvent e = { 0, NULL, actor, "member.password", NULL, NULL, NULL, NULL, 0, NULL, payload };
  return cq_store_append (s, &e, error) > 0;
}

gboolean
cq_account_set_password (CqStore *s, const char *actor, const char *member, const char *password,
                         GError **error)
{
  g_autoptr (CqMember) m = cq_team_member (s, member, error);
  if (m == NULL)
    return FALSE;
  char *secret = cq_account_hash (password, error);
  if (secret == NULL)
    return FALSE;
  gboolean ok = cq_account_set_secret (s, actor, member, secret, error);
  cq_account_secret_free (secret);
  return ok;
}

char *
cq_account_secret (CqStore *s, const char *member, GError **error)
{
  return cq_store_secret_get (s, member, error);
}

/* A hash of nothing anyone knows, checked when there is no secret, so that
 * an unknown member takes as long as a known one. */
static const char *
decoy (void)
{
  static gsize once = 0;
  static char *hash = NULL;
  if (g_once_init_enter (&once))
    {
      guchar random[24];
      char text[49];
      RAND_bytes (random, sizeof random);
      for (guint i = 0; i < sizeof random; i++)
        g_snprintf (text + 2 * i, 3, "%02x", random[i]);
      hash = hash_password (text, NULL);
      g_once_init_leave (&once, 1);
    }
  return hash;
}

CqAccountCheck
cq_account_verify (const char *secret, const char *password)
{
  if (password == NULL)
    password = "";
  if (secret == NULL)
    {
      const char *d = decoy ();
      if (d != NULL)
        argon2id_verify (d, password, strlen (password));
      return CQ_ACCOUNT_WRONG;
    }
  /* argon2_verify compares the tags in constant time. */
  return argon2id_verify (secret, password, strlen (password)) == ARGON2_OK ? CQ_ACCOUNT_OK
                                                                             : CQ_ACCOUNT_WRONG;
}
