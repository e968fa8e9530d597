/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* Signing in: each member's password, kept as an Argon2id hash in the case
 * store (so that it is backed up with it), checked in constant time. Every
 * change is an event of the audit chain; no password or hash ever is. */

#include <glib.h>

#include "cq-store.h"

G_BEGIN_DECLS

/* Argon2id cost: 19 MiB of memory, 2 passes, 1 lane, 16-byte random salt,
 * 32-byte tag (OWASP's recommended minimum; about 40 ms here). */
#define CQ_ACCOUNT_KDF_MEMORY_KIB 19456
#define CQ_ACCOUNT_KDF_PASSES 2
#define CQ_ACCOUNT_KDF_LANES 1
#define CQ_ACCOUNT_PASSWORD_MIN 12   /* characters */
#define CQ_ACCOUNT_PASSWORD_MAX 256  /* bytes */

/* Sets member's password (actor does it: the member, or an administrator).
 * Refuses a password that is too short, too long or not UTF-8. */
gboolean cq_account_set_password (CqStore *store, const char *actor, const char *member,
                                  const char *password, GError **error);

/* The three steps of cq_account_set_password, so that the slow hash can run
 * without holding a lock others wait on:
 * whether password is acceptable (length, UTF-8); */
gboolean cq_account_password_ok (const char *password, GError **error);
/* its Argon2id hash, after that check (free with cq_account_secret_free); */
char *cq_account_hash (const char *password, GError **error);
void cq_account_secret_free (char *secret); /* wipes it; NULL is fine */
/* storing a hash as member's secret (an unknown member is CQ_CASE_ERROR_UNKNOWN). */
gboolean cq_account_set_secret (CqStore *store, const char *actor, const char *member,
                                const char *secret, GError **error);

typedef enum {
  CQ_ACCOUNT_OK,
  CQ_ACCOUNT_WRONG,      /* unknown member, no password yet, or a wrong one */
} CqAccountCheck;

/* Checks a password. Takes the same time whether or not the member exists.
 * Runs the KDF: call it without holding locks others wait on. secret is
 * what cq_account_secret returned (NULL when there is none). */
CqAccountCheck cq_account_verify (const char *secret, const char *password);
/* The stored secret of member (NULL: none, or an error). */
char *cq_account_secret (CqStore *store, const char *member, GError **error);

G_END_DECLS
