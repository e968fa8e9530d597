/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-instrument-private.h"

#include <string.h>

CqInstrumentPrivate *
cq_instrument_private_new (void)
{
  CqInstrumentPrivate *P = g_new0 (CqInstrumentPrivate, 1);
  P->strings = g_string_chunk_new (4096);
  P->allocs = g_ptr_array_new_with_free_func (g_free);
  P->arrays = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  P->items = g_hash_table_new (g_str_hash, g_str_equal);
  P->modules = g_hash_table_new (g_str_hash, g_str_equal);
  P->domains = g_hash_table_new (g_str_hash, g_str_equal);
  P->roles = g_hash_table_new (g_str_hash, g_str_equal);
  P->compartments = g_hash_table_new (g_str_hash, g_str_equal);
  P->scales = g_hash_table_new (g_str_hash, g_str_equal);
  P->inferences = g_hash_table_new (g_str_hash, g_str_equal);
  return P;
}

void
cq_instrument_free (CqInstrument *I)
{
  if (I == NULL)
    return;
  CqInstrumentPrivate *P = I->priv;
  for (guint i = 0; i < I->n_files; i++)
    g_bytes_unref (I->files[i].bytes);
  g_hash_table_unref (P->items);
  g_hash_table_unref (P->modules);
  g_hash_table_unref (P->domains);
  g_hash_table_unref (P->roles);
  g_hash_table_unref (P->compartments);
  g_hash_table_unref (P->scales);
  g_hash_table_unref (P->inferences);
  g_ptr_array_unref (P->arrays);
  g_ptr_array_unref (P->allocs);
  g_string_chunk_free (P->strings);
  g_free (P);
  g_free (I);
}

const char *
cq_text_get (const CqText *t, const char *lang)
{
  if (t == NULL || t->n == 0)
    return "";
  for (guint i = 0; lang != NULL && i < t->n; i++)
    if (strcmp (t->entries[i].lang, lang) == 0)
      return t->entries[i].text;
  return t->entries[0].text;
}

const CqLevel *
cq_scale_level (const CqScale *scale, const char *id)
{
  for (guint i = 0; scale != NULL && i < scale->n_levels; i++)
    if (strcmp (scale->levels[i]->id, id) == 0)
      return scale->levels[i];
  return NULL;
}

gboolean
cq_item_rated_by (const CqItem *item, const char *role_id)
{
  for (guint i = 0; i < item->n_raters; i++)
    if (strcmp (item->raters[i]->id, role_id) == 0)
      return TRUE;
  return FALSE;
}

gboolean
cq_item_has_tag (const CqItem *item, const char *tag)
{
  for (guint i = 0; i < item->n_tags; i++)
    if (strcmp (item->tags[i], tag) == 0)
      return TRUE;
  return FALSE;
}

const CqItem *cq_instrument_item (const CqInstrument *I, const char *id)
{ return g_hash_table_lookup (I->priv->items, id); }
const CqModule *cq_instrument_module (const CqInstrument *I, const char *id)
{ return g_hash_table_lookup (I->priv->modules, id); }
const CqDomain *cq_instrument_domain (const CqInstrument *I, const char *id)
{ return g_hash_table_lookup (I->priv->domains, id); }
const CqRole *cq_instrument_role (const CqInstrument *I, const char *id)
{ return g_hash_table_lookup (I->priv->roles, id); }
const CqCompartment *cq_instrument_compartment (const CqInstrument *I, const char *id)
{ return g_hash_table_lookup (I->priv->compartments, id); }
const CqScale *cq_instrument_scale (const CqInstrument *I, const char *id)
{ return g_hash_table_lookup (I->priv->scales, id); }

const char *
cq_item_kind_name (CqItemKind kind)
{
  static const char *const names[] = { "risk", "protective", "motivational", "context", "need",
                                       "account" };
  return kind <= CQ_KIND_ACCOUNT ? names[kind] : "?";
}

const char *
cq_timeframe_name (CqTimeframe t)
{
  static const char *const names[] = { "historical", "current", "future" };
  return t <= CQ_TIMEFRAME_FUTURE ? names[t] : "?";
}

const char *
cq_answer_type_name (CqAnswerType t)
{
  static const char *const names[] = { "a rating", "a choice", "free text", "a number", "a date",
                                       "records" };
  return t <= CQ_ANSWER_RECORDS ? names[t] : "?";
}

const char *
cq_validation_name (CqValidation v)
{
  static const char *const names[] = { "illustrative", "pilot", "validated" };
  return v <= CQ_VALIDATION_VALIDATED ? names[v] : "?";
}

const char *
cq_source_name (CqSource s)
{
  switch (s)
    {
    case CQ_SOURCE_INTERVIEW: return "interview";
    case CQ_SOURCE_OBSERVATION: return "observation";
    case CQ_SOURCE_FILE: return "file";
    case CQ_SOURCE_THIRD_PARTY: return "third-party";
    case CQ_SOURCE_INTELLIGENCE: return "intelligence";
    default: return "?";
    }
}

const char *
cq_profile_name (CqExportProfile p)
{
  switch (p)
    {
    case CQ_PROFILE_COMMISSION: return "commission";
    case CQ_PROFILE_PARTNER: return "partner";
    case CQ_PROFILE_SUBJECT_ACCESS: return "subject-access";
    default: return "?";
    }
}

/* Outline ================================================================= */

static void
answer_outline (GString *s, const CqAnswerSpec *a)
{
  switch (a->type)
    {
    case CQ_ANSWER_RATING:
      g_string_append_printf (s, "rating(%s%s%s)", a->scale ? a->scale->id : "?",
                              a->relevance ? ", " : "", a->relevance ? a->relevance->id : "");
      break;
    case CQ_ANSWER_CHOICE:
      g_string_append_printf (s, "%s(%s)", a->multiple ? "choices" : "choice",
                              a->scale ? a->scale->id : "?");
      break;
    case CQ_ANSWER_FREE_TEXT:
      g_string_append_printf (s, "free-text(≤%u)", a->max_length);
      break;
    case CQ_ANSWER_NUMBER:
      g_string_append (s, a->integer ? "integer" : "number");
      if (a->has_min || a->has_max)
        {
          g_string_append (s, "(");
          if (a->has_min)
            g_string_append_printf (s, "%g", a->min);
          g_string_append (s, "..");
          if (a->has_max)
            g_string_append_printf (s, "%g", a->max);
          if (a->unit)
            g_string_append_printf (s, " %s", a->unit);
          g_string_append (s, ")");
        }
      break;
    case CQ_ANSWER_DATE:
      g_string_append_printf (s, "date(%s)", a->precision == CQ_DATE_YEAR ? "year"
                                             : a->precision == CQ_DATE_MONTH ? "month" : "day");
      break;
    case CQ_ANSWER_RECORDS:
      g_string_append_printf (s, "records(%u..%u){", a->records_min, a->records_max);
      for (guint i = 0; i < a->n_fields; i++)
        {
          g_string_append_printf (s, "%s%s%s: ", i ? ", " : "", a->fields[i]->id,
                                  a->fields[i]->required ? "*" : "");
          answer_outline (s, &a->fields[i]->answer);
        }
      g_string_append (s, "}");
      break;
    default:
      break;
    }
}

static void
append_expr (GString *s, const char *indent, const char *label, const CqExpr *e)
{
  if (e == NULL)
    return;
  g_autofree char *one = g_strdup (e->source);
  g_strdelimit (one, "\n\t\r", ' ');
  g_string_append_printf (s, "%s%s: %s\n", indent, label, g_strstrip (one));
}

char *
cq_instrument_outline (const CqInstrument *I, const char *lang)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "instrument %s %s — %s\n", I->id, I->version,
                          cq_text_get (&I->title, lang));
  g_string_append_printf (s, "  validation: %s — %s\n", cq_validation_name (I->validation),
                          cq_text_get (&I->validation_note, lang));
  g_autofree char *langs = g_strjoinv (", ", (char **) I->languages);
  g_autofree char *authors = g_strjoinv ("; ", (char **) I->authors);
  g_string_append_printf (s, "  languages: %s\n  authors: %s\n  licence: %s\n", langs, authors,
                          I->licence_spdx ? I->licence_spdx : (I->licence ? I->licence : ""));
  g_string_append_printf (s, "  bundle: %u files, sha256 %s\n", I->n_files, I->sha256);

  g_string_append_printf (s, "roles (%u):\n", I->n_roles);
  for (guint i = 0; i < I->n_roles; i++)
    {
      g_autofree char *reads = g_strjoinv (", ", (char **) I->roles[i]->reads);
      g_string_append_printf (s, "  %s — %s; reads %s\n", I->roles[i]->id,
                              cq_text_get (&I->roles[i]->label, lang), reads);
    }
  g_string_append_printf (s, "compartments (%u):\n", I->n_compartments);
  for (guint i = 0; i < I->n_compartments; i++)
    {
      const CqCompartment *c = I->compartments[i];
      g_string_append_printf (s, "  %s — %s; exported to", c->id, cq_text_get (&c->label, lang));
      for (guint b = 0; b < 3; b++)
        if (c->exports & (1u << b))
          g_string_append_printf (s, " %s", cq_profile_name (1u << b));
      g_string_append_c (s, '\n');
    }
  g_string_append_printf (s, "scales and option lists (%u):\n", I->n_scales);
  for (guint i = 0; i < I->n_scales; i++)
    {
      const CqScale *sc = I->scales[i];
      g_string_append_printf (s, "  %s (%s):", sc->id, sc->ordered ? "scale" : "options");
      guint shown = 0;
      for (guint k = 0; k < sc->n_levels; k++)
        if (!sc->levels[k]->insufficient)
          g_string_append_printf (s, "%s %s", shown++ ? (sc->ordered ? " <" : ",") : "",
                                  sc->levels[k]->id);
      for (guint k = 0; k < sc->n_levels; k++)
        if (sc->levels[k]->insufficient)
          g_string_append_printf (s, "; %s = insufficient information", sc->levels[k]->id);
      g_string_append_c (s, '\n');
    }
  if (I->n_inferences > 0)
    {
      g_string_append_printf (s, "prohibited inferences (%u):\n", I->n_inferences);
      for (guint i = 0; i < I->n_inferences; i++)
        g_string_append_printf (s, "  %s — %s\n", I->inferences[i]->id,
                                cq_text_get (&I->inferences[i]->text, lang));
    }
  g_string_append_printf (s, "protocols (%u):\n", I->n_protocols);
  for (guint i = 0; i < I->n_protocols; i++)
    {
      const CqProtocol *p = I->protocols[i];
      g_string_append_printf (s, "  %s — %s:", p->id, cq_text_get (&p->title, lang));
      for (guint k = 0; k < p->n_modules; k++)
        g_string_append_printf (s, "%s %s", k ? " ->" : "", p->modules[k]->id);
      g_string_append_c (s, '\n');
    }

  g_string_append_printf (s, "modules (%u), domains (%u), items (%u):\n", I->n_modules,
                          I->n_domains, I->n_items);
  for (guint i = 0; i < I->n_modules; i++)
    {
      const CqModule *m = I->modules[i];
      g_string_append_printf (s, "  module %s — %s  [%s]\n", m->id, cq_text_get (&m->title, lang),
                              m->where.file);
      append_expr (s, "    ", "relevant when", m->relevant_when);
      for (guint d = 0; d < m->n_domains; d++)
        {
          const CqDomain *dm = m->domains[d];
          g_string_append_printf (s, "    domain %s — %s\n", dm->id, cq_text_get (&dm->title, lang));
          append_expr (s, "      ", "relevant when", dm->relevant_when);
          for (guint k = 0; k < dm->n_items; k++)
            {
              const CqItem *it = dm->items[k];
              g_string_append_printf (s, "      item %s — %s\n        ", it->id,
                                      cq_text_get (&it->label, lang));
              answer_outline (s, &it->answer);
              g_string_append_printf (s, "; %s, %s, %s; compartment %s; rated by",
                                      cq_item_kind_name (it->kind), cq_timeframe_name (it->timeframe),
                                      it->dynamic ? "dynamic" : "static",
                                      it->compartment ? it->compartment->id : "?");
              for (guint r = 0; r < it->n_raters; r++)
                g_string_append_printf (s, "%s %s", r ? "," : "", it->raters[r]->id);
              g_string_append_c (s, '\n');
              if (it->n_tags > 0)
                {
                  g_autofree char *tags = g_strjoinv (", ", (char **) it->tags);
                  g_string_append_printf (s, "        tags: %s\n", tags);
                }
              if (it->n_prompts || it->n_guidance)
                g_string_append_printf (s, "        %u prompt%s, guidance for %u level%s\n",
                                        it->n_prompts, it->n_prompts == 1 ? "" : "s",
                                        it->n_guidance, it->n_guidance == 1 ? "" : "s");
              if (it->evidence_min > 0)
                {
                  g_string_append_printf (s, "        evidence: at least %u entr%s from %u source%s (",
                                          it->evidence_min, it->evidence_min == 1 ? "y" : "ies",
                                          it->evidence_min_sources,
                                          it->evidence_min_sources == 1 ? "" : "s");
                  gboolean first = TRUE;
                  for (guint b = 0; b < 5; b++)
                    if (it->evidence_sources & (1u << b))
                      {
                        g_string_append_printf (s, "%s%s", first ? "" : ", ", cq_source_name (1u << b));
                        first = FALSE;
                      }
                  g_string_append (s, ")\n");
                }
              if (it->n_inferences > 0)
                {
                  g_string_append (s, "        prohibited inferences:");
                  for (guint r = 0; r < it->n_inferences; r++)
                    g_string_append_printf (s, "%s %s", r ? "," : "", it->inferences[r]->id);
                  g_string_append_c (s, '\n');
                }
              append_expr (s, "        ", "relevant when", it->relevant_when);
              for (guint c = 0; c < it->n_constraints; c++)
                append_expr (s, "        ", "constraint", it->constraints[c].check);
            }
        }
    }
  if (I->n_sections > 0)
    {
      g_autofree char *sections = g_strjoinv (", ", (char **) I->sections);
      g_string_append_printf (s, "synthesis: %s\n", sections);
    }
  g_string_append_printf (s, "scoring: %s\n", I->scoring_path ? I->scoring_path : "(none)");
  return g_string_free (s, FALSE);
}

/* Whether the id at p (of length n) stands alone: not part of a longer id. */
static gboolean
stands_alone (const char *text, const char *p, gsize n)
{
  gboolean left = p == text || !(g_ascii_isalnum (p[-1]) || p[-1] == '.' || p[-1] == '-'
                                 || p[-1] == '_');
  gboolean right = !(g_ascii_isalnum (p[n]) || p[n] == '-' || p[n] == '_'
                     || (p[n] == '.' && g_ascii_isalnum (p[n + 1])));
  return left && right;
}

GPtrArray *
cq_instrument_cited (const CqInstrument *I, const char *text)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; text != NULL && i < I->n_items; i++)
    {
      const char *id = I->items[i]->id, *p = text;
      gsize n = strlen (id);
      while ((p = strstr (p, id)) != NULL)
        {
          if (stands_alone (text, p, n))
            {
              g_ptr_array_add (out, (gpointer) id);
              break;
            }
          p += n;
        }
    }
  return out;
}
