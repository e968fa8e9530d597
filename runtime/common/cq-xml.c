/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-xml.h"

#include <gio/gio.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlschemas.h>
#include <string.h>

#include "cq-resources.h"
#include "cq-util.h"

/* Parsing ================================================================ */

typedef struct {
  startElementNsSAX2Func start;
  endElementNsSAX2Func end;
  int depth;
  char *refusal;        /* why we stopped the parser ourselves */
  int refusal_line;
  xmlError first_error; /* libxml2's first error, copied */
  gboolean have_error;
} ParseGuard;

static void
guard_stop (xmlParserCtxtPtr ctxt, ParseGuard *g, char *why)
{
  if (g->refusal == NULL)
    {
      g->refusal = why;
      g->refusal_line = xmlSAX2GetLineNumber (ctxt);
    }
  else
    g_free (why);
  xmlStopParser (ctxt);
}

static void
on_start (void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
          int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
          const xmlChar **attributes)
{
  xmlParserCtxtPtr ctxt = ctx;
  ParseGuard *g = ctxt->_private;

  if (++g->depth > CQ_XML_MAX_DEPTH)
    {
      guard_stop (ctxt, g, g_strdup_printf ("elements are nested deeper than %d levels",
                                            CQ_XML_MAX_DEPTH));
      return;
    }
  for (int i = 0; i < nb_attributes; i++)
    {
      const xmlChar *value = attributes[i * 5 + 3], *value_end = attributes[i * 5 + 4];
      if (value_end - value > (ptrdiff_t) CQ_XML_MAX_ATTR_SIZE)
        {
          guard_stop (ctxt, g, g_strdup_printf ("attribute '%.64s' of <%.64s> is %td bytes long; "
                                                "the limit is %u",
                                                (const char *) attributes[i * 5],
                                                (const char *) localname, value_end - value,
                                                CQ_XML_MAX_ATTR_SIZE));
          return;
        }
    }
  g->start (ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
            nb_defaulted, attributes);
}

static void
on_end (void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
  xmlParserCtxtPtr ctxt = ctx;
  ParseGuard *g = ctxt->_private;

  g->depth--;
  g->end (ctx, localname, prefix, uri);
}

static void
on_doctype (void *ctx, const xmlChar *name G_GNUC_UNUSED, const xmlChar *external_id G_GNUC_UNUSED,
            const xmlChar *system_id G_GNUC_UNUSED)
{
  xmlParserCtxtPtr ctxt = ctx;

  guard_stop (ctxt, ctxt->_private,
              g_strdup ("a DOCTYPE declaration is not allowed: instruments may not declare "
                        "a DTD or entities"));
}

static void
on_entity_decl (void *ctx, const xmlChar *name G_GNUC_UNUSED, int type G_GNUC_UNUSED,
                const xmlChar *public_id G_GNUC_UNUSED, const xmlChar *system_id G_GNUC_UNUSED,
                xmlChar *content G_GNUC_UNUSED)
{
  xmlParserCtxtPtr ctxt = ctx;

  guard_stop (ctxt, ctxt->_private, g_strdup ("entity declarations are not allowed"));
}

static void
on_parse_error (void *data, xmlErrorPtr error)
{
  ParseGuard *g = data;

  if (g->have_error || error == NULL)
    return;
  if (error->level < XML_ERR_ERROR)
    return;
  g->have_error = TRUE;
  g->first_error.line = error->line;
  g->first_error.int2 = error->int2;
  g->first_error.code = error->code;
  g->first_error.message = (char *) xmlStrdup ((const xmlChar *) (error->message ? error->message : "unknown error"));
}

/* libxml2's messages end with a newline and sometimes carry a second line of
 * raw bytes: keep the first line only. */
static char *
first_line (const char *msg)
{
  const char *nl = strchr (msg, '\n');
  char *s = nl ? g_strndup (msg, nl - msg) : g_strdup (msg);
  g_strstrip (s);
  return s;
}

/* libxml2 checks attributes for duplicates pairwise: an element with 100,000
 * attributes would take hours. Count them first, in one linear pass over
 * the raw text, and refuse absurd start tags before the parser sees them. */
static gboolean
attributes_bounded (const char *s, gsize len, int *line)
{
  const char *p = s, *end = s + len;
  int l = 1;

  while (p < end)
    {
      const char *lt = memchr (p, '<', end - p);
      if (lt == NULL)
        break;
      for (const char *q = p; q < lt; q++)
        l += *q == '\n';
      p = lt + 1;
      if (p < end && (*p == '!' || *p == '?' || *p == '/'))
        continue; /* comments, CDATA and declarations hold no attributes */
      guint n = 0;
      char quote = 0;
      for (; p < end && (quote || *p != '>'); p++)
        {
          if (*p == '\n')
            l++;
          if (quote)
            quote = *p == quote ? 0 : quote;
          else if (*p == '"' || *p == '\'')
            quote = *p;
          else if (*p == '=' && ++n > CQ_XML_MAX_ATTRS)
            {
              *line = l;
              return FALSE;
            }
        }
    }
  return TRUE;
}

CqXmlFile *
cq_xml_file_load (const char *path, const char *display, const char *relpath, CqDiags *diags)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = cq_file_read (path, CQ_XML_MAX_FILE_SIZE, &error);

  if (bytes == NULL)
    {
      cq_diags_add (diags, CQ_DIAG_ERROR, display, 0, 0, "%s", error->message);
      return NULL;
    }
  return cq_xml_file_parse (bytes, display, relpath, diags);
}

CqXmlFile *
cq_xml_file_parse (GBytes *input, const char *display, const char *relpath, CqDiags *diags)
{
  GBytes *bytes = g_bytes_ref (input);
  if (g_bytes_get_size (bytes) > CQ_XML_MAX_FILE_SIZE)
    {
      cq_diags_add (diags, CQ_DIAG_ERROR, display, 0, 0, "file is over the limit of %u bytes",
                    CQ_XML_MAX_FILE_SIZE);
      g_bytes_unref (bytes);
      return NULL;
    }
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      cq_diags_add (diags, CQ_DIAG_ERROR, display, 0, 0, "file is empty");
      g_bytes_unref (bytes);
      return NULL;
    }

  int attrs_line = 0;
  if (!attributes_bounded (data, len, &attrs_line))
    {
      cq_diags_add (diags, CQ_DIAG_ERROR, display, attrs_line, 1,
                    "an element has more than %d attributes", CQ_XML_MAX_ATTRS);
      g_bytes_unref (bytes);
      return NULL;
    }

  ParseGuard g = { 0 };
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt ();
  if (ctxt == NULL)
    {
      cq_diags_add (diags, CQ_DIAG_ERROR, display, 0, 0, "out of memory");
      g_bytes_unref (bytes);
      return NULL;
    }
  ctxt->_private = &g;
  g.start = ctxt->sax->startElementNs;
  g.end = ctxt->sax->endElementNs;
  ctxt->sax->startElementNs = on_start;
  ctxt->sax->endElementNs = on_end;
  ctxt->sax->internalSubset = on_doctype;
  ctxt->sax->externalSubset = on_doctype;
  ctxt->sax->entityDecl = on_entity_decl;
  ctxt->sax->resolveEntity = NULL;

  xmlSetStructuredErrorFunc (&g, on_parse_error);
  /* Force UTF-8; never NOENT, DTDLOAD, DTDATTR, XINCLUDE or HUGE. */
  xmlDocPtr doc = xmlCtxtReadMemory (ctxt, data, (int) len, NULL, "UTF-8",
                                     XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES | XML_PARSE_COMPACT
                                     | XML_PARSE_NOBLANKS
                                     | XML_PARSE_NOWARNING);
  xmlSetStructuredErrorFunc (NULL, NULL);
  gboolean well_formed = ctxt->wellFormed && g.refusal == NULL && !g.have_error;
  xmlFreeParserCtxt (ctxt);

  if (!well_formed || doc == NULL || xmlDocGetRootElement (doc) == NULL)
    {
      if (g.refusal != NULL)
        cq_diags_add (diags, CQ_DIAG_ERROR, display, g.refusal_line, g.refusal_line > 0 ? 1 : 0,
                      "%s", g.refusal);
      else if (g.have_error)
        {
          g_autofree char *msg = first_line (g.first_error.message);
          int line = g.first_error.line, col = line > 0 ? MAX (1, g.first_error.int2) : 0;
          if (g.first_error.code == XML_ERR_INVALID_CHAR || strstr (msg, "not proper UTF-8") != NULL)
            cq_diags_add (diags, CQ_DIAG_ERROR, display, line, col,
                          "invalid UTF-8: instrument files must be UTF-8 text");
          else
            cq_diags_add (diags, CQ_DIAG_ERROR, display, line, col, "not well-formed XML: %s", msg);
        }
      else
        cq_diags_add (diags, CQ_DIAG_ERROR, display, 0, 0, "not well-formed XML");
      g_free (g.refusal);
      xmlFree (g.first_error.message);
      if (doc != NULL)
        xmlFreeDoc (doc);
      g_bytes_unref (bytes);
      return NULL;
    }
  xmlFree (g.first_error.message);

  CqXmlFile *f = g_new0 (CqXmlFile, 1);
  g_mutex_init (&f->lock);
  f->display = g_strdup (display);
  f->relpath = g_strdup (relpath);
  f->bytes = bytes;
  f->doc = doc;
  return f;
}

void
cq_xml_file_free (CqXmlFile *f)
{
  if (f == NULL)
    return;
  g_free (f->display);
  g_free (f->relpath);
  g_bytes_unref (f->bytes);
  if (f->doc)
    xmlFreeDoc (f->doc);
  if (f->line_starts)
    g_array_unref (f->line_starts);
  if (f->positions)
    g_hash_table_unref (f->positions);
  g_mutex_clear (&f->lock);
  g_free (f);
}

/* Walking ================================================================= */

gboolean
cq_xml_is (xmlNodePtr n, const char *ns, const char *name)
{
  return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL
         && strcmp ((const char *) n->ns->href, ns) == 0
         && (name == NULL || strcmp ((const char *) n->name, name) == 0);
}

xmlNodePtr
cq_xml_first (xmlNodePtr parent, const char *ns)
{
  for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
    if (cq_xml_is (c, ns, NULL))
      return c;
  return NULL;
}

xmlNodePtr
cq_xml_next (xmlNodePtr n)
{
  const char *ns = (const char *) n->ns->href;
  for (n = n->next; n; n = n->next)
    if (cq_xml_is (n, ns, NULL))
      return n;
  return NULL;
}

xmlNodePtr
cq_xml_child (xmlNodePtr parent, const char *name)
{
  if (parent == NULL || parent->ns == NULL)
    return NULL;
  for (xmlNodePtr c = cq_xml_first (parent, (const char *) parent->ns->href); c; c = cq_xml_next (c))
    if (strcmp ((const char *) c->name, name) == 0)
      return c;
  return NULL;
}

const char *
cq_xml_attr (xmlNodePtr n, const char *name)
{
  xmlAttrPtr a = n ? xmlHasNsProp (n, (const xmlChar *) name, NULL) : NULL;
  if (a == NULL || a->children == NULL)
    return a ? "" : NULL;
  return (const char *) a->children->content;
}

const char *
cq_xml_text (xmlNodePtr n, GString *scratch)
{
  xmlNodePtr c = n->children;
  if (c == NULL)
    return "";
  if (c->next == NULL && (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE))
    return (const char *) c->content;
  g_string_truncate (scratch, 0);
  for (; c != NULL; c = c->next)
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
      g_string_append (scratch, (const char *) c->content);
  return scratch->str;
}

/* Positions =============================================================== */

typedef struct {
  char *name;      /* qualified name as written */
  gsize name_off;
  gsize value_off; /* first byte after the opening quote */
} AttrPos;

typedef struct {
  gsize off;         /* the '<' of the start tag */
  gsize content_off; /* first byte after the start tag's '>' */
  guint n_attrs;
  AttrPos *attrs;
} ElemPos;

static void
elem_pos_free (gpointer p)
{
  ElemPos *e = p;
  for (guint i = 0; i < e->n_attrs; i++)
    g_free (e->attrs[i].name);
  g_free (e->attrs);
  g_free (e);
}

static xmlNodePtr
next_element (xmlNodePtr n)
{
  for (xmlNodePtr c = n->children; c != NULL; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      return c;
  for (; n != NULL; n = n->parent)
    {
      if (n->type == XML_DOCUMENT_NODE)
        return NULL;
      for (xmlNodePtr s = n->next; s != NULL; s = s->next)
        if (s->type == XML_ELEMENT_NODE)
          return s;
    }
  return NULL;
}

static const char *
skip_past (const char *p, const char *end, const char *marker)
{
  gsize ml = strlen (marker);
  for (; p + ml <= end; p++)
    if (memcmp (p, marker, ml) == 0)
      return p + ml;
  return end;
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Walks the source in step with the tree: the document is well-formed and
 * has no entities, so the n-th start tag in the text is the n-th element in
 * document order. */
static void
index_positions (CqXmlFile *f)
{
  gsize len;
  const char *s = g_bytes_get_data (f->bytes, &len), *end = s + len, *p = s;

  f->line_starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize zero = 0;
  g_array_append_val (f->line_starts, zero);
  for (gsize i = 0; i < len; i++)
    if (s[i] == '\n')
      {
        gsize next = i + 1;
        g_array_append_val (f->line_starts, next);
      }

  f->positions = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, elem_pos_free);
  for (xmlNodePtr n = xmlDocGetRootElement (f->doc); n != NULL; n = next_element (n))
    {
      for (;;)
        {
          p = memchr (p, '<', end - p);
          if (p == NULL)
            return;
          if (end - p >= 4 && memcmp (p, "<!--", 4) == 0)
            p = skip_past (p + 4, end, "-->");
          else if (end - p >= 9 && memcmp (p, "<![CDATA[", 9) == 0)
            p = skip_past (p + 9, end, "]]>");
          else if (end - p >= 2 && p[1] == '?')
            p = skip_past (p + 2, end, "?>");
          else if (end - p >= 2 && (p[1] == '!' || p[1] == '/'))
            p = skip_past (p + 2, end, ">");
          else
            break;
        }

      ElemPos *e = g_new0 (ElemPos, 1);
      GArray *attrs = g_array_new (FALSE, TRUE, sizeof (AttrPos));
      e->off = p - s;
      p++;
      while (p < end && !is_space (*p) && *p != '>' && *p != '/')
        p++;
      for (;;)
        {
          while (p < end && is_space (*p))
            p++;
          if (p >= end || *p == '>' || *p == '/')
            break;
          AttrPos a = { 0 };
          const char *name = p;
          while (p < end && !is_space (*p) && *p != '=')
            p++;
          a.name = g_strndup (name, p - name);
          a.name_off = name - s;
          while (p < end && (is_space (*p) || *p == '='))
            p++;
          char quote = p < end ? *p : '"';
          p++;
          a.value_off = p - s;
          while (p < end && *p != quote)
            p++;
          p++;
          g_array_append_val (attrs, a);
        }
      while (p < end && *p != '>')
        p++;
      if (p < end)
        p++;
      e->content_off = p - s;
      e->n_attrs = attrs->len;
      e->attrs = (AttrPos *) g_array_free (attrs, FALSE);
      g_hash_table_insert (f->positions, n, e);
    }
}

static void
offset_to_pos (CqXmlFile *f, gsize off, int *line, int *col)
{
  const gsize *starts = (const gsize *) f->line_starts->data;
  guint lo = 0, hi = f->line_starts->len;

  while (hi - lo > 1)
    {
      guint mid = (lo + hi) / 2;
      if (starts[mid] <= off)
        lo = mid;
      else
        hi = mid;
    }
  const char *s = g_bytes_get_data (f->bytes, NULL);
  *line = (int) lo + 1;
  *col = (int) cq_utf8_columns (s + starts[lo], off - starts[lo]) + 1;
}

static ElemPos *
lookup (CqXmlFile *f, xmlNodePtr node)
{
  /* The schema is checked on another thread, which may ask for positions
   * while the loader does too. */
  g_mutex_lock (&f->lock);
  if (f->positions == NULL)
    index_positions (f);
  ElemPos *e = node ? g_hash_table_lookup (f->positions, node) : NULL;
  g_mutex_unlock (&f->lock);
  return e;
}

void
cq_xml_pos_element (CqXmlFile *f, xmlNodePtr node, int *line, int *col)
{
  ElemPos *e = lookup (f, node);

  if (e == NULL)
    {
      *line = node ? (int) xmlGetLineNo (node) : 0;
      *col = 0;
      return;
    }
  offset_to_pos (f, e->off, line, col);
}

void
cq_xml_pos_attr (CqXmlFile *f, xmlNodePtr node, const char *attr, gssize value_off,
                 int *line, int *col)
{
  ElemPos *e = lookup (f, node);

  if (e != NULL)
    for (guint i = 0; i < e->n_attrs; i++)
      if (strcmp (e->attrs[i].name, attr) == 0)
        {
          offset_to_pos (f, value_off < 0 ? e->attrs[i].name_off
                                          : e->attrs[i].value_off + (gsize) value_off, line, col);
          return;
        }
  cq_xml_pos_element (f, node, line, col);
}

static gsize
utf8_len (gunichar c)
{
  char buf[8];
  return (gsize) g_unichar_to_utf8 (c, buf);
}

void
cq_xml_pos_text (CqXmlFile *f, xmlNodePtr node, gsize text_off, int *line, int *col)
{
  ElemPos *e = lookup (f, node);
  if (e == NULL)
    {
      cq_xml_pos_element (f, node, line, col);
      return;
    }
  gsize len;
  const char *s = g_bytes_get_data (f->bytes, &len), *end = s + len;
  const char *p = s + e->content_off;
  gsize d = 0;

  /* Map an offset in the decoded text back to the raw bytes, stepping over
   * character references, CDATA markers and comments. */
  while (p < end && d < text_off)
    {
      if (end - p >= 9 && memcmp (p, "<![CDATA[", 9) == 0)
        {
          p += 9;
          while (p < end && d < text_off && !(end - p >= 3 && memcmp (p, "]]>", 3) == 0))
            p++, d++;
          if (d < text_off)
            p += 3;
        }
      else if (end - p >= 4 && memcmp (p, "<!--", 4) == 0)
        p = skip_past (p + 4, end, "-->");
      else if (*p == '<')
        break;
      else if (*p == '&')
        {
          const char *semi = memchr (p, ';', MIN ((gsize) (end - p), 16u));
          if (semi == NULL)
            {
              p++, d++;
              continue;
            }
          if (p[1] == '#')
            {
              gunichar c = p[2] == 'x' ? (gunichar) g_ascii_strtoull (p + 3, NULL, 16)
                                       : (gunichar) g_ascii_strtoull (p + 2, NULL, 10);
              d += utf8_len (c);
            }
          else
            d++;
          p = semi + 1;
        }
      else if (*p == '\r')
        {
          p += (end - p >= 2 && p[1] == '\n') ? 2 : 1;
          d++;
        }
      else
        p++, d++;
    }
  offset_to_pos (f, p - s, line, col);
}

/* Schema validation ======================================================= */

static GMutex schema_lock;
static xmlSchemaPtr schemas[2];

static xmlSchemaPtr
get_schema (CqXmlSchema which)
{
  static const char *const paths[] = {
    [CQ_XML_SCHEMA_INSTRUMENT] = "/org/colloquy/schema/instrument-1.xsd",
    [CQ_XML_SCHEMA_ANSWERS] = "/org/colloquy/schema/answers-1.xsd",
  };
  g_mutex_lock (&schema_lock);
  if (schemas[which] == NULL)
    {
      g_autoptr (GBytes) xsd = g_resource_lookup_data (cq_get_resource (), paths[which],
                                                        G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert (xsd != NULL);
      gsize len;
      const char *data = g_bytes_get_data (xsd, &len);
      xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt (data, (int) len);
      schemas[which] = xmlSchemaParse (pc);
      xmlSchemaFreeParserCtxt (pc);
      g_assert (schemas[which] != NULL);
    }
  g_mutex_unlock (&schema_lock);
  return schemas[which];
}

typedef struct {
  CqXmlFile *f;
  CqDiags *diags;
  int last_line, last_col;
  const char *reference; /* where the user reads about the format */
} ValidationCtx;

/* "Element '{urn:…}item', attribute 'x': …" reads better without the
 * namespace, which every element of an instrument shares. */
static char *
clean_message (const char *msg)
{
  g_autofree char *line = first_line (msg);
  GString *s = g_string_new (NULL);
  static const char *const ns[] = { "{" CQ_XML_NS "}", "{" CQ_XML_ANSWERS_NS "}" };

  for (const char *p = line; *p; )
    {
      gsize skip = 0;
      for (guint i = 0; i < G_N_ELEMENTS (ns); i++)
        if (strncmp (p, ns[i], strlen (ns[i])) == 0)
          skip = strlen (ns[i]);
      if (skip)
        p += skip;
      else
        g_string_append_c (s, *p++);
    }
  if (g_str_has_prefix (s->str, "Element '"))
    s->str[0] = 'e';
  return g_string_free (s, FALSE);
}

static void
on_schema_error (void *data, xmlErrorPtr error)
{
  ValidationCtx *v = data;
  xmlNodePtr node = error->node;
  int line = error->line, col = 0;
  g_autofree char *msg = clean_message (error->message ? error->message : "invalid");

  if (node != NULL && node->type == XML_ATTRIBUTE_NODE)
    cq_xml_pos_attr (v->f, node->parent, (const char *) node->name, -1, &line, &col);
  else if (node != NULL && node->type == XML_ELEMENT_NODE)
    {
      const char *a = strstr (msg, "', attribute '");
      if (a != NULL)
        {
          a += strlen ("', attribute '");
          const char *q = strchr (a, '\'');
          g_autofree char *name = q ? g_strndup (a, q - a) : NULL;
          cq_xml_pos_attr (v->f, node, name ? name : "", -1, &line, &col);
        }
      else
        cq_xml_pos_element (v->f, node, &line, &col);
    }

  /* A facet failure is followed by a restatement of the same problem. */
  if (line == v->last_line && col == v->last_col && strstr (msg, "is not a valid value of") != NULL)
    return;
  v->last_line = line;
  v->last_col = col;

  CqDiag *d = cq_diags_add (v->diags, CQ_DIAG_ERROR, v->f->display, line, col, "%s", msg);
  if (strstr (msg, "[a-z][a-z0-9._\\-]{0,63}") != NULL)
    cq_diag_set_hint (d, "ids are 1 to 64 lower-case letters, digits, '.', '-' or '_', "
                         "starting with a letter");
  else if (strstr (msg, "This element is not expected") != NULL)
    cq_diag_set_hint (d, "the order of elements matters; see %s", v->reference);
}

gboolean
cq_xml_file_validate (CqXmlFile *f, CqXmlSchema which, CqDiags *diags)
{
  guint before = cq_diags_count (diags, CQ_DIAG_ERROR);
  xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt (get_schema (which));
  ValidationCtx v = { f, diags, -1, -1,
                      which == CQ_XML_SCHEMA_INSTRUMENT
                      ? "instruments/schema/instrument-1.xsd or docs/instrument-format.md"
                      : "instruments/schema/answers-1.xsd or docs/answers-format.md" };

  xmlSchemaSetValidStructuredErrors (vc, on_schema_error, &v);
  int rc = xmlSchemaValidateDoc (vc, f->doc);
  xmlSchemaFreeValidCtxt (vc);
  if (rc != 0 && cq_diags_count (diags, CQ_DIAG_ERROR) == before)
    cq_diags_add (diags, CQ_DIAG_ERROR, f->display, 0, 0, "does not match its schema");
  return rc == 0;
}
