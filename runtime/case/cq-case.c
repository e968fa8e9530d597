/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-case.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "cq-resources.h"
#include "cq-util.h"

G_DEFINE_QUARK (cq-case-error-quark, cq_case_error)

const char *const cq_assessment_kinds[] = { "initial-evaluation", "placement-review",
                                            "pre-release", "post-release", NULL };

void
cq_member_free (CqMember *m)
{
  if (m == NULL)
    return;
  g_free (m->id);
  g_free (m->name);
  g_free (m->role);
  g_free (m);
}

void
cq_assessment_free (CqAssessment *a)
{
  if (a == NULL)
    return;
  g_free (a->id);
  g_free (a->case_ref);
  g_free (a->kind);
  g_free (a->instrument);
  g_free (a->version);
  g_free (a->sha256);
  g_free (a->validation);
  g_free (a->protocol);
  g_free (a->opened);
  g_free (a);
}

/* JSON payloads ============================================================= */

static char *
to_json (JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autoptr (JsonGenerator) g = json_generator_new ();
  json_generator_set_root (g, root);
  return json_generator_to_data (g, NULL);
}

static void
add (JsonBuilder *b, const char *key, const char *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value);
}

static JsonObject *
parse_object (const char *payload, JsonParser **keep)
{
  *keep = json_parser_new ();
  if (!json_parser_load_from_data (*keep, payload, -1, NULL))
    return NULL;
  JsonNode *root = json_parser_get_root (*keep);
  return root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
}

static const char *
get (JsonObject *o, const char *key)
{
  if (o == NULL || !json_object_has_member (o, key))
    return NULL;
  JsonNode *n = json_object_get_member (o, key);
  return JSON_NODE_HOLDS_VALUE (n) ? json_node_get_string (n) : NULL;
}

static gint64
append (CqStore *s, const char *actor, const char *kind, const char *case_ref,
        const char *assessment, const char *item, const char *rater, gint64 supersedes,
        const char *reason, JsonBuilder *b, GError **error)
{
  g_autofree char *payload = to_json (b);
  CqEvent e = { 0, NULL, actor, kind, case_ref, assessment, item, rater, supersedes, reason,
                payload };
  return cq_store_append (s, &e, error);
}

static gboolean
refuse (GError **error, int code, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
refuse (GError **error, int code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, CQ_CASE_ERROR, code, msg);
  return FALSE;
}

static gboolean
valid_ref (const char *s)
{
  if (s == NULL || *s == '\0' || strlen (s) > 64)
    return FALSE;
  for (; *s; s++)
    if (!(g_ascii_isalnum (*s) || *s == '-' || *s == '_' || *s == '.'))
      return FALSE;
  return TRUE;
}

/* Scans collecting the payloads of the events of a kind. */
typedef struct {
  GPtrArray *payloads;
  GPtrArray *items;
  GPtrArray *raters;
  GArray *seqs;
} Collected;

static gboolean
collect (const CqEvent *e, gpointer data)
{
  Collected *c = data;
  g_ptr_array_add (c->payloads, g_strdup (e->payload));
  if (c->items)
    g_ptr_array_add (c->items, g_strdup (e->item));
  if (c->raters)
    g_ptr_array_add (c->raters, g_strdup (e->rater));
  if (c->seqs)
    g_array_append_val (c->seqs, e->seq);
  return TRUE;
}

static GPtrArray *
payloads (CqStore *s, const CqEventFilter *f, GError **error)
{
  Collected c = { g_ptr_array_new_with_free_func (g_free), NULL, NULL, NULL };
  if (!cq_store_scan (s, f, collect, &c, error))
    {
      g_ptr_array_unref (c.payloads);
      return NULL;
    }
  return c.payloads;
}

/* The team ================================================================== */

/* The deployment key file as the JSON a deployment event records. */
static JsonBuilder *
deployment_json (const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GBytes) data = NULL;
  if (path == NULL)
    data = g_resource_lookup_data (cq_get_resource (), "/org/colloquy/case/deployment.ini",
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  else
    data = cq_file_read (path, 1 << 20, error);
  if (data == NULL)
    {
      g_prefix_error (error, "%s: ", path ? path : "deployment");
      return NULL;
    }
  gsize len;
  const char *text = g_bytes_get_data (data, &len);
  g_autoptr (GError) e = NULL;
  if (!g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, &e))
    return refuse (error, CQ_CASE_ERROR_INVALID, "%s: %s", path ? path : "deployment", e->message),
           NULL;

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "roles");
  json_builder_begin_object (b);
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  guint roles = 0;
  for (guint i = 0; groups[i]; i++)
    {
      if (!g_str_has_prefix (groups[i], "role "))
        continue;
      const char *id = groups[i] + 5;
      if (!valid_ref (id))
        return refuse (error, CQ_CASE_ERROR_INVALID, "deployment: '%s' is not a valid role id", id),
               NULL;
      json_builder_set_member_name (b, id);
      json_builder_begin_object (b);
      g_autofree char *fr = g_key_file_get_string (kf, groups[i], "label-fr", NULL);
      g_autofree char *en = g_key_file_get_string (kf, groups[i], "label-en", NULL);
      add (b, "fr", fr);
      add (b, "en", en);
      json_builder_set_member_name (b, "may");
      json_builder_begin_array (b);
      g_auto (GStrv) may = g_key_file_get_string_list (kf, groups[i], "may", NULL, NULL);
      for (guint k = 0; may && may[k]; k++)
        json_builder_add_string_value (b, may[k]);
      json_builder_end_array (b);
      json_builder_end_object (b);
      roles++;
    }
  json_builder_end_object (b);
  static const char *const lists[][2] = { { "judgment", "levels" }, { "judgment", "dimensions" } };
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      json_builder_set_member_name (b, lists[i][1]);
      json_builder_begin_array (b);
      g_auto (GStrv) v = g_key_file_get_string_list (kf, lists[i][0], lists[i][1], NULL, NULL);
      for (guint k = 0; v && v[k]; k++)
        json_builder_add_string_value (b, v[k]);
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "placements");
  json_builder_begin_object (b);
  g_auto (GStrv) keys = g_key_file_get_keys (kf, "placement", NULL, NULL);
  for (guint k = 0; keys && keys[k]; k++)
    {
      g_autofree char *v = g_key_file_get_string (kf, "placement", keys[k], NULL);
      add (b, keys[k], v);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  if (roles == 0)
    return refuse (error, CQ_CASE_ERROR_INVALID, "deployment: no [role …] groups"), NULL;
  return g_steal_pointer (&b);
}

gboolean
cq_team_init (CqStore *s, const char *path, GError **error)
{
  g_autoptr (JsonBuilder) b = deployment_json (path, error);
  return b != NULL && append (s, "system", "deployment", NULL, NULL, NULL, NULL, 0, NULL, b, error) > 0;
}

gboolean
cq_team_redeploy (CqStore *s, const char *actor, const char *path, GError **error)
{
  g_autoptr (JsonBuilder) b = deployment_json (path, error);
  if (b == NULL)
    return FALSE;
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  JsonObject *roles = json_object_get_object_member (json_node_get_object (root), "roles");
  g_autoptr (GPtrArray) members = cq_team_members (s, error);
  if (members == NULL)
    return FALSE;
  for (guint i = 0; i < members->len; i++)
    {
      const CqMember *m = members->pdata[i];
      if (!json_object_has_member (roles, m->role))
        return refuse (error, CQ_CASE_ERROR_REFUSED, "member '%s' holds role '%s', which the new "
                       "deployment does not have; keep the role, or record the member's records "
                       "under another deployment first", m->id, m->role);
    }
  return append (s, actor, "deployment", NULL, NULL, NULL, NULL, 0, NULL, b, error) > 0;
}

/* The latest deployment record. */
static JsonObject *
deployment (CqStore *s, JsonParser **keep)
{
  CqEventFilter f = { .kind = "deployment" };
  g_autoptr (GPtrArray) p = payloads (s, &f, NULL);
  *keep = NULL;
  if (p == NULL || p->len == 0)
    return NULL;
  return parse_object (p->pdata[p->len - 1], keep);
}

gboolean
cq_team_may (CqStore *s, const char *role, const char *capability)
{
  g_autoptr (JsonParser) keep = NULL;
  JsonObject *d = deployment (s, &keep);
  JsonObject *roles = d && json_object_has_member (d, "roles") ? json_object_get_object_member (d, "roles") : NULL;
  if (roles == NULL || role == NULL || !json_object_has_member (roles, role))
    return FALSE;
  JsonArray *may = json_object_get_array_member (json_object_get_object_member (roles, role), "may");
  for (guint i = 0; may && i < json_array_get_length (may); i++)
    if (g_strcmp0 (json_array_get_string_element (may, i), capability) == 0)
      return TRUE;
  return FALSE;
}

char **
cq_team_list (CqStore *s, const char *what)
{
  g_autoptr (JsonParser) keep = NULL;
  JsonObject *d = deployment (s, &keep);
  GPtrArray *out = g_ptr_array_new ();
  if (d != NULL && json_object_has_member (d, what))
    {
      JsonNode *n = json_object_get_member (d, what);
      if (JSON_NODE_HOLDS_ARRAY (n))
        {
          JsonArray *a = json_node_get_array (n);
          for (guint i = 0; i < json_array_get_length (a); i++)
            g_ptr_array_add (out, g_strdup (json_array_get_string_element (a, i)));
        }
      else if (JSON_NODE_HOLDS_OBJECT (n))
        {
          g_autoptr (GList) members = json_object_get_members (json_node_get_object (n));
          for (GList *l = members; l; l = l->next)
            g_ptr_array_add (out, g_strdup (l->data));
        }
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static gboolean
role_known (CqStore *s, const char *role)
{
  if (role == NULL)
    return FALSE;
  g_auto (GStrv) roles = cq_team_list (s, "roles");
  return g_strv_contains ((const char *const *) roles, role);
}

gboolean
cq_team_add (CqStore *s, const char *actor, const char *id, const char *name, const char *role,
             GError **error)
{
  if (!valid_ref (id))
    return refuse (error, CQ_CASE_ERROR_INVALID, "'%s' is not a valid member id: use letters, "
                   "digits, '-', '_' or '.'", id ? id : "");
  if (!role_known (s, role))
    {
      g_auto (GStrv) roles = cq_team_list (s, "roles");
      g_autofree char *list = g_strjoinv (", ", roles);
      return refuse (error, CQ_CASE_ERROR_UNKNOWN, "'%s' is not a role of this deployment (%s)",
                     role ? role : "", list);
    }
  g_autoptr (CqMember) existing = cq_team_member (s, id, NULL);
  if (existing != NULL)
    return refuse (error, CQ_CASE_ERROR_EXISTS, "member '%s' already exists (%s)", id,
                   existing->role);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add (b, "id", id);
  add (b, "name", name);
  add (b, "role", role);
  json_builder_end_object (b);
  return append (s, actor, "member.add", NULL, NULL, NULL, NULL, 0, NULL, b, error) > 0;
}

static CqMember *
member_from (const char *payload)
{
  g_autoptr (JsonParser) keep = NULL;
  JsonObject *o = parse_object (payload, &keep);
  if (o == NULL)
    return NULL;
  CqMember *m = g_new0 (CqMember, 1);
  m->id = g_strdup (get (o, "id"));
  m->name = g_strdup (get (o, "name"));
  m->role = g_strdup (get (o, "role"));
  return m;
}

GPtrArray *
cq_team_members (CqStore *s, GError **error)
{
  CqEventFilter f = { .kind = "member.add" };
  g_autoptr (GPtrArray) p = payloads (s, &f, error);
  if (p == NULL)
    return NULL;
  CqEventFilter sf = { .kind = "member.status" };
  g_autoptr (GPtrArray) status = payloads (s, &sf, error);
  if (status == NULL)
    return NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_member_free);
  for (guint i = 0; i < p->len; i++)
    {
      CqMember *m = member_from (p->pdata[i]);
      if (m)
        g_ptr_array_add (out, m);
    }
  /* The latest status of each member wins. */
  for (guint i = 0; i < status->len; i++)
    {
      g_autoptr (JsonParser) keep = NULL;
      JsonObject *o = parse_object (status->pdata[i], &keep);
      for (guint k = 0; o && k < out->len; k++)
        {
          CqMember *m = out->pdata[k];
          if (g_strcmp0 (m->id, get (o, "id")) == 0)
            m->disabled = g_strcmp0 (get (o, "status"), "disabled") == 0;
        }
    }
  return out;
}

gboolean
cq_team_set_disabled (CqStore *s, const char *actor, const char *id, gboolean disabled,
                      GError **error)
{
  g_autoptr (CqMember) m = cq_team_member (s, id, error);
  if (m == NULL)
    return FALSE;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add (b, "id", id);
  add (b, "status", disabled ? "disabled" : "enabled");
  json_builder_end_object (b);
  return append (s, actor, "member.status", NULL, NULL, NULL, NULL, 0, NULL, b, error) > 0;
}

char *
cq_team_label (CqStore *s, const char *what, const char *id, const char *lang)
{
  g_autoptr (JsonParser) keep = NULL;
  JsonObject *d = deployment (s, &keep);
  JsonObject *all = d && json_object_has_member (d, what) ? json_object_get_object_member (d, what) : NULL;
  if (all != NULL && id != NULL && json_object_has_member (all, id))
    {
      JsonNode *n = json_object_get_member (all, id);
      if (JSON_NODE_HOLDS_OBJECT (n) && get (json_node_get_object (n), lang) != NULL)
        return g_strdup (get (json_node_get_object (n), lang));
      /* Placements: "French|English". */
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_string (n) != NULL)
        {
          g_auto (GStrv) parts = g_strsplit (json_node_get_string (n), "|", 2);
          if (parts[0] != NULL)
            return g_strdup (parts[1] != NULL && g_strcmp0 (lang, "en") == 0 ? parts[1] : parts[0]);
        }
    }
  return g_strdup (id ? id : "");
}

CqMember *
cq_team_member (CqStore *s, const char *id, GError **error)
{
  g_autoptr (GPtrArray) all = cq_team_members (s, error);
  if (all == NULL)
    return NULL;
  for (guint i = 0; i < all->len; i++)
    {
      CqMember *m = all->pdata[i];
      if (g_strcmp0 (m->id, id) == 0)
        return g_ptr_array_steal_index (all, i);
    }
  refuse (error, CQ_CASE_ERROR_UNKNOWN, "no member '%s': add one with 'colloquy member add'",
          id ? id : "");
  return NULL;
}

/* Cases and assessments ====================================================== */

static gboolean
has_event (CqStore *s, const CqEventFilter *f)
{
  g_autoptr (GPtrArray) p = payloads (s, f, NULL);
  return p != NULL && p->len > 0;
}

gboolean
cq_case_open (CqStore *s, const char *actor, const char *ref, const char *unit, GError **error)
{
  if (!valid_ref (ref))
    return refuse (error, CQ_CASE_ERROR_INVALID, "'%s' is not a valid case reference: use a "
                   "pseudonymous reference of letters, digits, '-', '_' or '.', never a name",
                   ref ? ref : "");
  CqEventFilter f = { .kind = "case.open", .case_ref = ref };
  if (has_event (s, &f))
    return refuse (error, CQ_CASE_ERROR_EXISTS, "case '%s' is already open", ref);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add (b, "unit", unit);
  json_builder_end_object (b);
  return append (s, actor, "case.open", ref, NULL, NULL, NULL, 0, NULL, b, error) > 0;
}

static CqAssessment *
assessment_from (const char *id, const char *case_ref, const char *payload)
{
  g_autoptr (JsonParser) keep = NULL;
  JsonObject *o = parse_object (payload, &keep);
  if (o == NULL)
    return NULL;
  CqAssessment *a = g_new0 (CqAssessment, 1);
  a->id = g_strdup (id);
  a->case_ref = g_strdup (case_ref);
  a->kind = g_strdup (get (o, "kind"));
  a->instrument = g_strdup (get (o, "instrument"));
  a->version = g_strdup (get (o, "version"));
  a->sha256 = g_strdup (get (o, "sha256"));
  a->validation = g_strdup (get (o, "validation"));
  a->protocol = g_strdup (get (o, "protocol"));
  a->opened = g_strdup (get (o, "date"));
  return a;
}

typedef struct {
  GPtrArray *out;
} AssessmentScan;

static gboolean
collect_assessment (const CqEvent *e, gpointer data)
{
  AssessmentScan *sc = data;
  CqAssessment *a = assessment_from (e->assessment, e->case_ref, e->payload);
  if (a)
    g_ptr_array_add (sc->out, a);
  return TRUE;
}

GPtrArray *
cq_case_assessments (CqStore *s, const char *case_ref, GError **error)
{
  CqEventFilter cf = { .kind = "case.open", .case_ref = case_ref };
  if (!has_event (s, &cf))
    {
      refuse (error, CQ_CASE_ERROR_UNKNOWN, "no case '%s'", case_ref ? case_ref : "");
      return NULL;
    }
  AssessmentScan sc = { g_ptr_array_new_with_free_func ((GDestroyNotify) cq_assessment_free) };
  CqEventFilter f = { .kind = "assessment.open", .case_ref = case_ref };
  if (!cq_store_scan (s, &f, collect_assessment, &sc, error))
    {
      g_ptr_array_unref (sc.out);
      return NULL;
    }
  return sc.out;
}

static gboolean
collect_case (const CqEvent *e, gpointer data)
{
  g_ptr_array_add (data, g_strdup (e->case_ref));
  return TRUE;
}

GPtrArray *
cq_case_list (CqStore *s, GError **error)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  CqEventFilter f = { .kind = "case.open" };
  if (!cq_store_scan (s, &f, collect_case, out, error))
    {
      g_ptr_array_unref (out);
      return NULL;
    }
  return out;
}

CqAssessment *
cq_assessment_get (CqStore *s, const char *id, GError **error)
{
  AssessmentScan sc = { g_ptr_array_new_with_free_func ((GDestroyNotify) cq_assessment_free) };
  CqEventFilter f = { .kind = "assessment.open", .assessment = id };
  if (id == NULL || !cq_store_scan (s, &f, collect_assessment, &sc, error))
    {
      g_ptr_array_unref (sc.out);
      if (id == NULL)
        refuse (error, CQ_CASE_ERROR_UNKNOWN, "no assessment named");
      return NULL;
    }
  CqAssessment *a = sc.out->len ? g_ptr_array_steal_index (sc.out, 0) : NULL;
  g_ptr_array_unref (sc.out);
  if (a == NULL)
    refuse (error, CQ_CASE_ERROR_UNKNOWN, "no assessment '%s'", id);
  return a;
}

char *
cq_assessment_open (CqStore *s, const char *actor, const char *case_ref, const char *kind,
                    const CqInstrument *inst, const char *protocol, const char *date,
                    GError **error)
{
  g_autoptr (GPtrArray) existing = cq_case_assessments (s, case_ref, error);
  if (existing == NULL)
    return NULL;
  if (!g_strv_contains (cq_assessment_kinds, kind ? kind : ""))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) cq_assessment_kinds);
      refuse (error, CQ_CASE_ERROR_INVALID, "'%s' is not a kind of assessment (%s)",
              kind ? kind : "", list);
      return NULL;
    }
  const CqProtocol *proto = NULL;
  for (guint i = 0; i < inst->n_protocols; i++)
    if (protocol == NULL ? i == 0 : strcmp (inst->protocols[i]->id, protocol) == 0)
      proto = inst->protocols[i];
  if (proto == NULL)
    {
      refuse (error, CQ_CASE_ERROR_UNKNOWN, "instrument '%s' has no protocol '%s'", inst->id,
              protocol);
      return NULL;
    }
  if (date != NULL && !cq_date_valid (date, CQ_DATE_DAY))
    {
      refuse (error, CQ_CASE_ERROR_INVALID, "'%s' is not a date: write YYYY-MM-DD", date);
      return NULL;
    }
  /* Pin the bundle first: an assessment never points at missing files. */
  for (guint i = 0; i < inst->n_files; i++)
    if (!cq_store_put_file (s, inst->sha256, inst->files[i].path, inst->files[i].bytes, error))
      return NULL;
  char *id = g_strdup_printf ("%s-%u", case_ref, existing->len + 1);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add (b, "kind", kind);
  add (b, "instrument", inst->id);
  add (b, "version", inst->version);
  add (b, "sha256", inst->sha256);
  add (b, "validation", cq_validation_name (inst->validation));
  add (b, "protocol", proto->id);
  add (b, "date", date ? date : today);
  json_builder_end_object (b);
  if (append (s, actor, "assessment.open", case_ref, id, NULL, NULL, 0, NULL, b, error) < 0)
    {
      g_free (id);
      return NULL;
    }
  return id;
}

CqInstrument *
cq_assessment_instrument (CqStore *s, const CqAssessment *a, GError **error)
{
  g_autoptr (GPtrArray) files = cq_store_files (s, a->sha256, error);
  if (files == NULL)
    return NULL;
  g_autofree const char **paths = g_new0 (const char *, files->len + 1);
  g_autofree GBytes **contents = g_new0 (GBytes *, files->len + 1);
  for (guint i = 0; i < files->len; i++)
    {
      paths[i] = ((CqStoreFile *) files->pdata[i])->path;
      contents[i] = ((CqStoreFile *) files->pdata[i])->bytes;
    }
  g_autoptr (CqDiags) d = cq_diags_new ();
  g_autofree char *name = g_strdup_printf ("%s@%.12s", a->instrument, a->sha256);
  CqInstrument *inst = cq_instrument_load_files (name, files->len, paths, contents, d);
  if (inst == NULL || strcmp (inst->sha256, a->sha256) != 0)
    {
      cq_instrument_free (inst);
      g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CORRUPT,
                   "the instrument pinned by assessment %s (%s, sha256 %.16s…) is damaged in the "
                   "store: run 'colloquy audit verify'", a->id, a->instrument, a->sha256);
      return NULL;
    }
  return inst;
}

/* Answers ==================================================================== */

static char *
answer_json (const CqAnswer *an, const char *rater, gint64 sitting)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add (b, "rater", rater);
  add (b, "value", an->value);
  add (b, "relevance", an->relevance);
  add (b, "text", an->text);
  add (b, "rationale", an->rationale);
  add (b, "missing", an->missing);
  if (sitting > 0)
    {
      json_builder_set_member_name (b, "sitting");
      json_builder_add_int_value (b, sitting);
    }
  if (an->n_records > 0)
    {
      json_builder_set_member_name (b, "records");
      json_builder_begin_array (b);
      for (guint r = 0; r < an->n_records; r++)
        {
          json_builder_begin_object (b);
          for (guint i = 0; i < an->records[r].n; i++)
            add (b, an->records[r].values[i].field, an->records[r].values[i].value);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  if (an->n_evidence > 0)
    {
      json_builder_set_member_name (b, "evidence");
      json_builder_begin_array (b);
      for (guint i = 0; i < an->n_evidence; i++)
        {
          const CqEvidence *e = &an->evidence[i];
          json_builder_begin_object (b);
          add (b, "direction", e->supports ? "supports" : "contradicts");
          add (b, "kind", e->fact ? "fact" : "assessment");
          add (b, "source", cq_source_name (e->source));
          add (b, "origin", e->origin);
          add (b, "date", e->date);
          add (b, "reliability", e->reliability);
          add (b, "statement", e->statement);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  return to_json (b);
}

/* Puts the answer stored as payload into answers. */
static void
put_payload (CqAnswers *answers, const CqItem *it, const char *payload)
{
  g_autoptr (JsonParser) keep = NULL;
  JsonObject *o = parse_object (payload, &keep);
  if (o == NULL)
    return;
  CqAnswer an = cq_answer_init (it);
  an.value = get (o, "value");
  an.relevance = get (o, "relevance");
  an.text = get (o, "text");
  an.rationale = get (o, "rationale");
  an.missing = get (o, "missing");
  g_autoptr (GArray) records = g_array_new (FALSE, TRUE, sizeof (CqRecord));
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  if (json_object_has_member (o, "records"))
    {
      JsonArray *ra = json_object_get_array_member (o, "records");
      for (guint r = 0; ra && r < json_array_get_length (ra); r++)
        {
          JsonObject *ro = json_array_get_object_element (ra, r);
          g_autoptr (GList) names = ro ? json_object_get_members (ro) : NULL;
          CqRecord rec = { 0, g_new0 (CqFieldValue, g_list_length (names) + 1) };
          g_ptr_array_add (owned, rec.values);
          for (GList *l = names; l; l = l->next)
            rec.values[rec.n++] = (CqFieldValue) { l->data, get (ro, l->data) };
          g_array_append_val (records, rec);
        }
    }
  an.n_records = records->len;
  an.records = (CqRecord *) records->data;
  g_autoptr (GArray) evidence = g_array_new (FALSE, TRUE, sizeof (CqEvidence));
  if (json_object_has_member (o, "evidence"))
    {
      JsonArray *ea = json_object_get_array_member (o, "evidence");
      for (guint i = 0; ea && i < json_array_get_length (ea); i++)
        {
          JsonObject *eo = json_array_get_object_element (ea, i);
          CqEvidence e = { g_strcmp0 (get (eo, "direction"), "contradicts") != 0,
                           g_strcmp0 (get (eo, "kind"), "assessment") != 0, CQ_SOURCE_INTERVIEW,
                           get (eo, "origin"), get (eo, "date"), get (eo, "reliability"),
                           get (eo, "statement") };
          for (guint k = 0; k < 5; k++)
            if (g_strcmp0 (get (eo, "source"), cq_source_name (1u << k)) == 0)
              e.source = 1u << k;
          g_array_append_val (evidence, e);
        }
    }
  an.n_evidence = evidence->len;
  an.evidence = (CqEvidence *) evidence->data;
  /* Stored answers were checked when saved; one that no longer fits
   * (which cannot happen with a pinned instrument) is left out. */
  cq_answers_put (answers, &an, NULL);
}

typedef struct {
  const CqInstrument *inst;
  CqAnswers *answers;
  GHashTable *seqs;
  gboolean *from_consensus;
} AnswerScan;

static gboolean
collect_answer (const CqEvent *e, gpointer data)
{
  AnswerScan *sc = data;
  const CqItem *it = e->item ? cq_instrument_item (sc->inst, e->item) : NULL;
  if (it == NULL)
    return TRUE;
  gboolean consensus = strcmp (e->kind, "consensus") == 0;
  /* The team view: a consensus, once there is one, outranks ratings. */
  if (sc->from_consensus != NULL)
    {
      if (!consensus && sc->from_consensus[it->index])
        return TRUE;
      sc->from_consensus[it->index] |= consensus;
    }
  put_payload (sc->answers, it, e->payload);
  if (sc->seqs)
    g_hash_table_insert (sc->seqs, g_strdup (e->item), GSIZE_TO_POINTER ((gsize) e->seq));
  return TRUE;
}

CqAnswers *
cq_assessment_answers (CqStore *s, const CqAssessment *a, const CqInstrument *inst,
                       const char *rater, GHashTable *seqs, GError **error)
{
  CqAnswers *answers = cq_answers_new (inst, a->opened);
  cq_answers_set_protocol (answers, a->protocol);
  g_autofree gboolean *consensus = rater ? NULL : g_new0 (gboolean, MAX (1u, inst->n_items));
  AnswerScan sc = { inst, answers, seqs, consensus };
  CqEventFilter f = { .kind = "answer", .assessment = a->id, .rater = rater };
  gboolean ok = cq_store_scan (s, &f, collect_answer, &sc, error);
  if (ok && rater == NULL)
    {
      CqEventFilter cf = { .kind = "consensus", .assessment = a->id };
      ok = cq_store_scan (s, &cf, collect_answer, &sc, error);
    }
  if (!ok)
    {
      cq_answers_free (answers);
      return NULL;
    }
  return answers;
}

gint64
cq_sitting_open (CqStore *s, const CqAssessment *a, const CqMember *m, const char *date,
                 const char *setting, const char *interpreter, GError **error)
{
  if (date != NULL && !cq_date_valid (date, CQ_DATE_DAY))
    return refuse (error, CQ_CASE_ERROR_INVALID, "'%s' is not a date: write YYYY-MM-DD", date), -1;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add (b, "date", date ? date : today);
  add (b, "role", m->role);
  add (b, "setting", setting);
  add (b, "interpreter", interpreter);
  json_builder_end_object (b);
  return append (s, m->id, "sitting.open", a->case_ref, a->id, NULL, m->id, 0, NULL, b, error);
}

gint64
cq_answer_save (CqStore *s, const CqAssessment *a, const CqInstrument *inst, const CqMember *rater,
                const CqAnswer *an, gint64 supersedes, const char *reason, gint64 sitting,
                GError **error)
{
  if (!cq_item_rated_by (an->item, rater->role))
    return refuse (error, CQ_CASE_ERROR_REFUSED, "role '%s' does not rate item '%s'", rater->role,
                   an->item->id), -1;
  /* Check it against the pinned instrument before anything is written. */
  g_autoptr (CqAnswers) check = cq_answers_new (inst, a->opened);
  CqAnswer copy = *an;
  copy.rater = rater->role;
  if (!cq_answers_put (check, &copy, error))
    return -1;
  g_autofree char *payload = answer_json (an, rater->id, sitting);
  CqEvent e = { 0, NULL, rater->id, "answer", a->case_ref, a->id, an->item->id, rater->id,
                supersedes, reason, payload };
  return cq_store_append (s, &e, error);
}

gint64
cq_note_add (CqStore *s, const CqAssessment *a, const CqMember *m, const char *item,
             const char *text, GError **error)
{
  if (cq_blank (text))
    return refuse (error, CQ_CASE_ERROR_INVALID, "a note needs a text"), -1;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add (b, "text", text);
  json_builder_end_object (b);
  return append (s, m->id, "note", a->case_ref, a->id, item, m->id, 0, NULL, b, error);
}

gboolean
cq_read_record (CqStore *s, const char *actor, const char *what, const char *case_ref,
                const char *assessment)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add (b, "what", what);
  json_builder_end_object (b);
  return append (s, actor ? actor : "unknown", "read", case_ref, assessment, NULL, NULL, 0, NULL, b,
                 NULL) > 0;
}

typedef struct {
  GHashTable *latest; /* rater -> payload */
  GPtrArray *order;
} RatingScan;

static gboolean
collect_rating (const CqEvent *e, gpointer data)
{
  RatingScan *sc = data;
  if (!g_hash_table_contains (sc->latest, e->rater))
    g_ptr_array_add (sc->order, g_strdup (e->rater));
  g_hash_table_insert (sc->latest, g_strdup (e->rater), g_strdup (e->payload));
  return TRUE;
}

GPtrArray *
cq_item_ratings (CqStore *s, const CqAssessment *a, const char *item, GError **error)
{
  RatingScan sc = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
                    g_ptr_array_new_with_free_func (g_free) };
  CqEventFilter f = { .kind = "answer", .assessment = a->id, .item = item };
  GPtrArray *out = NULL;
  if (cq_store_scan (s, &f, collect_rating, &sc, error))
    {
      out = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < sc.order->len; i++)
        {
          const char *rater = sc.order->pdata[i];
          g_autoptr (JsonParser) keep = NULL;
          JsonObject *o = parse_object (g_hash_table_lookup (sc.latest, rater), &keep);
          const char *v = get (o, "value") ? get (o, "value") : get (o, "text");
          g_ptr_array_add (out, g_strdup_printf ("%s=%s", rater, v ? v : ""));
        }
    }
  g_hash_table_unref (sc.latest);
  g_ptr_array_unref (sc.order);
  return out;
}

gint64
cq_consensus_save (CqStore *s, const CqAssessment *a, const CqInstrument *inst, const CqMember *m,
                   const CqAnswer *an, const char *reason, GError **error)
{
  if (!cq_team_may (s, m->role, "consensus"))
    return refuse (error, CQ_CASE_ERROR_REFUSED, "role '%s' may not record a consensus",
                   m->role), -1;
  g_autoptr (CqAnswers) check = cq_answers_new (inst, a->opened);
  if (!cq_answers_put (check, an, error))
    return -1;
  g_autoptr (GPtrArray) ratings = cq_item_ratings (s, a, an->item->id, error);
  if (ratings == NULL)
    return -1;
  if (ratings->len == 0)
    return refuse (error, CQ_CASE_ERROR_INVALID, "nobody has rated item '%s' yet: raters first, "
                   "then consensus", an->item->id), -1;
  g_autofree char *base = answer_json (an, NULL, 0);
  /* Add the dissent: every rater whose rating differs, by name. */
  g_autoptr (JsonParser) p = json_parser_new ();
  json_parser_load_from_data (p, base, -1, NULL);
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  JsonArray *dissent = json_array_new ();
  for (guint i = 0; i < ratings->len; i++)
    {
      const char *r = ratings->pdata[i];
      const char *eq = strchr (r, '=');
      if (g_strcmp0 (eq + 1, an->value ? an->value : an->text) != 0)
        {
          JsonObject *d = json_object_new ();
          g_autofree char *who = g_strndup (r, eq - r);
          json_object_set_string_member (d, "member", who);
          json_object_set_string_member (d, "value", eq + 1);
          json_array_add_object_element (dissent, d);
        }
    }
  json_object_set_array_member (o, "dissent", dissent);
  g_autoptr (JsonGenerator) g = json_generator_new ();
  json_generator_set_root (g, json_parser_get_root (p));
  g_autofree char *payload = json_generator_to_data (g, NULL);
  gint64 current = 0;
  if (!cq_store_current (s, a->id, "consensus", an->item->id, NULL, &current, NULL, error))
    return -1;
  CqEvent e = { 0, NULL, m->id, "consensus", a->case_ref, a->id, an->item->id, NULL, current,
                current ? (reason ? reason : "consensus revised") : NULL, payload };
  return cq_store_append (s, &e, error);
}

gint64
cq_decision_record (CqStore *s, const CqAssessment *a, const CqInstrument *inst, const CqMember *m,
                    const CqDecision *d, const char *reason, GError **error)
{
  if (!cq_team_may (s, m->role, "decide"))
    return refuse (error, CQ_CASE_ERROR_REFUSED, "role '%s' may not record the commission's "
                   "decision: only a role that may 'decide' (the commission chair) can",
                   m->role), -1;
  if (d->rationale == NULL || *d->rationale == '\0')
    return refuse (error, CQ_CASE_ERROR_INVALID, "a decision needs a rationale citing the items "
                   "it rests on"), -1;
  g_autoptr (GPtrArray) cited = cq_instrument_cited (inst, d->rationale);
  if (cited->len == 0)
    return refuse (error, CQ_CASE_ERROR_INVALID, "the rationale cites no item of '%s': name the "
                   "item ids it rests on (e.g. %s)", inst->id,
                   inst->n_items ? inst->items[0]->id : "?"), -1;
  g_auto (GStrv) levels = cq_team_list (s, "levels");
  const char *dims[] = { d->priority, d->seriousness, d->imminence };
  static const char *const names[] = { "priority", "seriousness", "imminence" };
  for (guint i = 0; i < 3; i++)
    if (dims[i] == NULL || !g_strv_contains ((const char *const *) levels, dims[i]))
      {
        g_autofree char *list = g_strjoinv (", ", levels);
        return refuse (error, CQ_CASE_ERROR_INVALID, "%s: '%s' is not a level (%s)", names[i],
                       dims[i] ? dims[i] : "", list), -1;
      }
  g_auto (GStrv) placements = cq_team_list (s, "placements");
  if (d->placement == NULL || !g_strv_contains ((const char *const *) placements, d->placement))
    {
      g_autofree char *list = g_strjoinv (", ", placements);
      return refuse (error, CQ_CASE_ERROR_INVALID, "'%s' is not a placement of this deployment (%s)",
                     d->placement ? d->placement : "", list), -1;
    }
  if (d->valid_until == NULL || !cq_date_valid (d->valid_until, CQ_DATE_DAY)
      || d->next_review == NULL || !cq_date_valid (d->next_review, CQ_DATE_DAY))
    return refuse (error, CQ_CASE_ERROR_INVALID, "a decision needs a valid-until and a next "
                   "review date, as YYYY-MM-DD"), -1;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add (b, "priority", d->priority);
  add (b, "seriousness", d->seriousness);
  add (b, "imminence", d->imminence);
  add (b, "placement", d->placement);
  add (b, "support", d->support);
  add (b, "rationale", d->rationale);
  json_builder_set_member_name (b, "cites");
  json_builder_begin_array (b);
  for (guint i = 0; i < cited->len; i++)
    json_builder_add_string_value (b, cited->pdata[i]);
  json_builder_end_array (b);
  add (b, "limitations", d->limitations);
  add (b, "valid_until", d->valid_until);
  add (b, "next_review", d->next_review);
  add (b, "statement", "No score determined this decision: the commission formed it from the "
                       "rated items and their evidence.");
  json_builder_end_object (b);
  gint64 current = 0;
  if (!cq_store_current (s, a->id, "decision", NULL, NULL, &current, NULL, error))
    return -1;
  return append (s, m->id, "decision", a->case_ref, a->id, NULL, NULL, current,
                 current ? (reason ? reason : "decision revised") : NULL, b, error);
}
