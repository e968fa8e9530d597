/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* Evaluation syntheses as PDF: typeset with Pango/Cairo, one profile per
 * reader (commission, partner, subject access) that never shows what its
 * compartments exclude, and PAdES baseline B-B signatures, one incremental
 * update per signer. */

#include <glib.h>

#include "cq-instrument.h"
#include "cq-store.h"

G_BEGIN_DECLS

#define CQ_PDF_ERROR (cq_pdf_error_quark ())
GQuark cq_pdf_error_quark (void);

typedef enum {
  CQ_PDF_ERROR_RENDER,
  CQ_PDF_ERROR_INVALID,   /* not a PDF, or not one colloquy can sign */
  CQ_PDF_ERROR_IDENTITY,  /* the PKCS#12 cannot be read or used */
  CQ_PDF_ERROR_REFUSED,   /* not a required signer, or not their turn */
} CqPdfError;

/* Renders the synthesis of assessment for profile into path (mode 0600),
 * with an empty signature field for each required signer, and records the
 * export in the audit chain. */
gboolean cq_pdf_export (CqStore *store, const char *assessment, CqExportProfile profile,
                        const char *lang, const char *path, const char *actor, GError **error);

/* A printable blank interview guide for instrument: for each module of
 * protocol (NULL: the first), the items (only those role rates, when role is
 * given) with their prompts, rating guidance and grids, evidence tables and
 * the prohibited inferences that apply. Written to path (mode 0600). */
gboolean cq_pdf_guide (const CqInstrument *instrument, const char *protocol, const char *role,
                       const char *lang, const char *path, GError **error);

/* Signs path in place as the identity's holder: an incremental update with
 * a CAdES detached signature (PAdES B-B) in that signer's field. */
gboolean cq_pdf_sign (const char *path, const char *p12_path, const char *password,
                      const char *reason, GError **error);

typedef struct {
  char *field;      /* the signature field */
  char *signer;     /* the certificate's common name */
  char *time;       /* the signing time claimed in /M */
  gboolean valid;   /* the digest and the CMS signature hold */
  gboolean trusted; /* the certificate chains to the CA given */
  gboolean whole;   /* it covers the whole file */
  char *problem;    /* why not, or NULL */
} CqSignatureInfo;

void cq_signature_info_free (CqSignatureInfo *s);

/* Checks every signature of path (against ca_path when given). Returns the
 * signatures found, and in unsigned_fields the required signers still to
 * sign. */
GPtrArray *cq_pdf_verify (const char *path, const char *ca_path, GPtrArray *unsigned_fields,
                          GError **error);
/* The same for a PDF held in memory. */
GPtrArray *cq_pdf_verify_bytes (GBytes *pdf, const char *ca_path, GPtrArray *unsigned_fields,
                                GError **error);

/* Whether the unsigned part of path is an export of an assessment in
 * store; *assessment and *description say which. */
gboolean cq_pdf_match (CqStore *store, const char *path, char **assessment, char **description,
                       GError **error);

/* A throwaway test CA in dir (ca.pem, ca.key) and one PKCS#12 identity per
 * member (MEMBER.p12, no password), for demos and tests only. */
gboolean cq_pki_create (const char *dir, const char *const *members, GError **error);

G_END_DECLS
