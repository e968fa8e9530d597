/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* Hardened parsing of the XML files colloquy reads (instruments, answers,
 * test cases), validation against their schema, and exact source positions
 * for diagnostics. */

#include <glib.h>
#include <libxml/tree.h>

#include "cq-diag.h"

#define CQ_XML_NS "urn:colloquy:instrument:1"
#define CQ_XML_ANSWERS_NS "urn:colloquy:answers:1"
#define CQ_XML_MAX_FILE_SIZE (16u * 1024u * 1024u)
#define CQ_XML_MAX_DEPTH 48
#define CQ_XML_MAX_ATTR_SIZE (16u * 1024u)
#define CQ_XML_MAX_ATTRS 64

typedef struct _CqXmlFile CqXmlFile;

struct _CqXmlFile {
  char *display;     /* the path as diagnostics show it */
  char *relpath;     /* path inside the instrument bundle */
  GBytes *bytes;     /* the file as read */
  xmlDocPtr doc;
  /* built on the first position query, under lock */
  GMutex lock;
  GArray *line_starts;
  GHashTable *positions; /* xmlNode* -> element position */
};

/* Reads and parses path. On any failure adds one error naming the file and
 * returns NULL. */
CqXmlFile *cq_xml_file_load (const char *path, const char *display, const char *relpath,
                             CqDiags *diags);
/* The same from bytes already in memory. */
CqXmlFile *cq_xml_file_parse (GBytes *bytes, const char *display, const char *relpath,
                              CqDiags *diags);
void cq_xml_file_free (CqXmlFile *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqXmlFile, cq_xml_file_free)

/* The compiled-in schemas. */
typedef enum {
  CQ_XML_SCHEMA_INSTRUMENT,
  CQ_XML_SCHEMA_ANSWERS,
} CqXmlSchema;

/* Validates against a schema; adds one diagnostic per problem.
 * Returns TRUE when the file is valid. Only reads the tree: it may run on
 * another thread while the loader reads the same tree. */
gboolean cq_xml_file_validate (CqXmlFile *f, CqXmlSchema which, CqDiags *diags);

/* Walking a tree: elements in namespace ns only. */
xmlNodePtr cq_xml_first (xmlNodePtr parent, const char *ns);
xmlNodePtr cq_xml_next (xmlNodePtr node);
xmlNodePtr cq_xml_child (xmlNodePtr parent, const char *name);
gboolean cq_xml_is (xmlNodePtr node, const char *ns, const char *name);
/* An attribute's value, borrowed from the tree; NULL when absent. */
const char *cq_xml_attr (xmlNodePtr node, const char *name);
/* An element's text: borrowed when it is one text node, as it nearly
 * always is, else joined into scratch. (xmlNodeGetContent allocates 4 KiB
 * per call, which costs dearly on large instruments.) */
const char *cq_xml_text (xmlNodePtr node, GString *scratch);

/* Source positions (1-based line and column) of an element's start tag, of
 * one of its attributes (or of byte offset value_off inside that attribute's
 * value), and of byte offset text_off inside its decoded text content. */
void cq_xml_pos_element (CqXmlFile *f, xmlNodePtr node, int *line, int *col);
void cq_xml_pos_attr (CqXmlFile *f, xmlNodePtr node, const char *attr, gssize value_off,
                      int *line, int *col);
void cq_xml_pos_text (CqXmlFile *f, xmlNodePtr node, gsize text_off, int *line, int *col);
