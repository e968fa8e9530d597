/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-expr.h"

#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "cq-util.h"

static const char *const access_names[] = {
  [CQ_ACCESS_VALUE] = "value",
  [CQ_ACCESS_PRESENCE] = "presence",
  [CQ_ACCESS_RELEVANCE] = "relevance",
  [CQ_ACCESS_ANSWERED] = "answered",
  [CQ_ACCESS_SELECTED] = "selected",
  [CQ_ACCESS_COUNT] = "count",
  [CQ_ACCESS_AT_LEAST] = "at_least",
};

const char *
cq_access_name (CqAccess access)
{
  return access_names[access];
}

const char *const cq_expr_globals[] = {
  "value", "presence", "relevance", "answered", "selected", "count", "at_least",
  "today", "days_between", "protocol",
  "math", "string", "table", "utf8",
  "tostring", "tonumber", "type", "ipairs", "pairs", "select",
  NULL,
};

static const char *const keywords[] = {
  "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
  "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
  NULL,
};

typedef enum { T_NAME, T_STRING, T_NUMBER, T_OP, T_EOF } TokType;

typedef struct {
  TokType type;
  gsize off;
  gsize len;
  char *text; /* T_NAME, T_OP: the token; T_STRING: decoded when plain, else NULL */
} Tok;

static gboolean
in_list (const char *const *list, const char *s)
{
  for (guint i = 0; list[i]; i++)
    if (strcmp (list[i], s) == 0)
      return TRUE;
  return FALSE;
}

/* Length of a long bracket opener "[==[" at p, or 0. */
static gsize
long_bracket (const char *p, const char *end, int *level)
{
  if (p >= end || *p != '[')
    return 0;
  const char *q = p + 1;
  *level = 0;
  while (q < end && *q == '=')
    q++, (*level)++;
  return (q < end && *q == '[') ? (gsize) (q - p + 1) : 0;
}

static const char *
long_bracket_end (const char *p, const char *end, int level)
{
  for (; p < end; p++)
    if (*p == ']')
      {
        const char *q = p + 1;
        int l = 0;
        while (q < end && *q == '=')
          q++, l++;
        if (l == level && q < end && *q == ']')
          return q + 1;
      }
  return end;
}

static void
tokenize (const char *s, gsize len, GArray *toks)
{
  const char *p = s, *end = s + len;

  while (p < end)
    {
      int level;
      gsize lb;
      char c = *p;

      if (g_ascii_isspace (c))
        {
          p++;
          continue;
        }
      if (c == '-' && p + 1 < end && p[1] == '-')
        {
          p += 2;
          if ((lb = long_bracket (p, end, &level)) > 0)
            p = long_bracket_end (p + lb, end, level);
          else
            while (p < end && *p != '\n')
              p++;
          continue;
        }
      Tok t = { 0 };
      t.off = p - s;
      if (g_ascii_isalpha (c) || c == '_')
        {
          while (p < end && (g_ascii_isalnum (*p) || *p == '_'))
            p++;
          t.type = T_NAME;
          t.text = g_strndup (s + t.off, p - s - t.off);
        }
      else if (g_ascii_isdigit (c) || (c == '.' && p + 1 < end && g_ascii_isdigit (p[1])))
        {
          while (p < end && (g_ascii_isalnum (*p) || *p == '.'
                             || ((*p == '+' || *p == '-') && (p[-1] == 'e' || p[-1] == 'E'
                                                              || p[-1] == 'p' || p[-1] == 'P'))))
            p++;
          t.type = T_NUMBER;
        }
      else if (c == '"' || c == '\'')
        {
          gboolean plain = TRUE;
          p++;
          while (p < end && *p != c && *p != '\n')
            {
              if (*p == '\\')
                {
                  plain = FALSE;
                  if (p + 1 < end) /* a final backslash escapes nothing */
                    p++;
                }
              p++;
            }
          t.type = T_STRING;
          if (plain)
            t.text = g_strndup (s + t.off + 1, p - s - t.off - 1);
          if (p < end)
            p++;
        }
      else if ((lb = long_bracket (p, end, &level)) > 0)
        {
          const char *body = p + lb;
          p = long_bracket_end (body, end, level);
          t.type = T_STRING;
          t.text = g_strndup (body, MAX (0, (p - body) - level - 2));
        }
      else
        {
          static const char *const ops[] = { "...", "==", "~=", "<=", ">=", "//", "..", "::",
                                             "<<", ">>", NULL };
          gsize n = 1;
          for (guint i = 0; ops[i]; i++)
            if ((gsize) (end - p) >= strlen (ops[i]) && strncmp (p, ops[i], strlen (ops[i])) == 0)
              {
                n = strlen (ops[i]);
                break;
              }
          p += n;
          t.type = T_OP;
          t.text = g_strndup (s + t.off, n);
        }
      t.len = (p - s) - t.off;
      g_array_append_val (toks, t);
    }
  Tok eof = { T_EOF, len, 0, NULL };
  g_array_append_val (toks, eof);
}

static gboolean
is_op (const Tok *t, const char *op)
{
  return t->type == T_OP && strcmp (t->text, op) == 0;
}

static void
problem (CqExprScan *scan, gsize off, const char *hint, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

static void
problem (CqExprScan *scan, gsize off, const char *hint, const char *format, ...)
{
  CqExprProblem pr = { off, NULL, g_strdup (hint) };
  va_list ap;

  va_start (ap, format);
  pr.message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_array_append_val (scan->problems, pr);
}

static gboolean
access_from_name (const char *name, CqAccess *access)
{
  for (guint i = 0; i < G_N_ELEMENTS (access_names); i++)
    if (strcmp (access_names[i], name) == 0)
      {
        *access = i;
        return TRUE;
      }
  return FALSE;
}

/* Parses an accessor call at tokens[i] (the name); returns the index of the
 * token after it. */
static guint
scan_call (CqExprScan *scan, const Tok *tk, guint i, CqAccess access)
{
  const char *name = tk[i].text;
  gboolean two = access == CQ_ACCESS_SELECTED || access == CQ_ACCESS_AT_LEAST;

  if (!is_op (&tk[i + 1], "("))
    {
      problem (scan, tk[i].off, NULL, "%s must be called with an item id, as in %s(\"item-id\"%s)",
               name, name, two ? ", \"level\"" : "");
      return i + 1;
    }
  const Tok *arg = &tk[i + 2];
  if (arg->type != T_STRING || arg->text == NULL)
    {
      problem (scan, arg->off,
               "write the item id in quotes so that the dependency can be checked",
               "the first argument of %s() must be an item id written as a string literal", name);
      return i + 2;
    }
  guint j = i + 3;
  if (!is_op (&tk[j], ")") && !is_op (&tk[j], ","))
    {
      problem (scan, arg->off, "write the item id in quotes so that the dependency can be checked",
               "the item id in %s() must be a plain string literal, not an expression", name);
      return j;
    }
  CqExprRef ref = { access, g_strdup (arg->text), arg->off + 1, NULL, 0 };
  if (two)
    {
      const Tok *arg2 = &tk[j + 1];
      if (!is_op (&tk[j], ",") || arg2->type != T_STRING || arg2->text == NULL
          || !(is_op (&tk[j + 2], ")") || is_op (&tk[j + 2], ",")))
        {
          problem (scan, is_op (&tk[j], ",") ? arg2->off : tk[j].off, NULL,
                   "%s() needs a second argument: the %s, as a plain string literal", name,
                   access == CQ_ACCESS_SELECTED ? "option id" : "level id");
          g_free (ref.item);
          return j + 1;
        }
      ref.level = g_strdup (arg2->text);
      ref.level_off = arg2->off + 1;
      j += 2;
    }
  if (!is_op (&tk[j], ")"))
    problem (scan, tk[j].off, NULL, "%s() takes %s", name,
             two ? "an item id and a second string literal" : "exactly one item id");
  else
    {
      j++;
      /* presence("x") == "present": remember the literal to check the level. */
      if (!two && (is_op (&tk[j], "==") || is_op (&tk[j], "~=")) && tk[j + 1].type == T_STRING
          && tk[j + 1].text != NULL)
        {
          ref.level = g_strdup (tk[j + 1].text);
          ref.level_off = tk[j + 1].off + 1;
        }
      else if (!two && i >= 2 && (is_op (&tk[i - 1], "==") || is_op (&tk[i - 1], "~="))
               && tk[i - 2].type == T_STRING && tk[i - 2].text != NULL)
        {
          ref.level = g_strdup (tk[i - 2].text);
          ref.level_off = tk[i - 2].off + 1;
        }
    }
  g_array_append_val (scan->refs, ref);
  return j;
}

void
cq_expr_scan (const char *source, gsize len, CqExprScan *scan)
{
  g_autoptr (GArray) toks = g_array_new (FALSE, TRUE, sizeof (Tok));
  g_autoptr (GPtrArray) locals = g_ptr_array_new ();

  scan->refs = g_array_new (FALSE, TRUE, sizeof (CqExprRef));
  scan->problems = g_array_new (FALSE, TRUE, sizeof (CqExprProblem));
  tokenize (source, len, toks);
  const Tok *tk = (const Tok *) toks->data;

  for (guint i = 0; tk[i].type != T_EOF; )
    {
      const Tok *t = &tk[i];
      if (t->type != T_NAME)
        {
          i++;
          continue;
        }
      if (strcmp (t->text, "function") == 0 && is_op (&tk[i + 1], "("))
        {
          /* Parameters of an anonymous function are locals. */
          for (i += 2; tk[i].type == T_NAME || is_op (&tk[i], ","); i++)
            if (tk[i].type == T_NAME)
              g_ptr_array_add (locals, tk[i].text);
          continue;
        }
      gboolean field = i > 0 && (is_op (&tk[i - 1], ".") || is_op (&tk[i - 1], ":"));
      gboolean key = is_op (&tk[i + 1], "=") && i > 0
                     && (is_op (&tk[i - 1], "{") || is_op (&tk[i - 1], ",") || is_op (&tk[i - 1], ";"));
      CqAccess access;
      if (field || key || in_list (keywords, t->text))
        i++;
      else if (access_from_name (t->text, &access))
        i = scan_call (scan, tk, i, access);
      else
        {
          gboolean local = FALSE;
          for (guint k = 0; k < locals->len; k++)
            if (strcmp (locals->pdata[k], t->text) == 0)
              local = TRUE;
          if (!local && !in_list (cq_expr_globals, t->text))
            {
              guint n = g_strv_length ((char **) cq_expr_globals);
              const char *s = cq_suggest (t->text, cq_expr_globals, n);
              g_autofree char *hint = s ? g_strdup_printf ("did you mean '%s'?", s)
                                        : g_strdup ("expressions can use value, presence, relevance, "
                                                    "answered, selected, count, at_least, today, "
                                                    "days_between and the math, string, table and utf8 "
                                                    "libraries");
              problem (scan, t->off, hint, "unknown name '%s' in expression", t->text);
            }
          i++;
        }
    }
  for (guint i = 0; i < toks->len; i++)
    g_free (((Tok *) toks->data)[i].text);
}

/* Keys a scoring script may never write: only people record a judgment. */
const char *const cq_judgment_keys[] = {
  "judgment", "judgement", "risk_level", "risklevel", "placement", "decision", "verdict",
  "recommendation", NULL,
};

GArray *
cq_script_scan (const char *source, gsize len)
{
  g_autoptr (GArray) toks = g_array_new (FALSE, TRUE, sizeof (Tok));
  GArray *out = g_array_new (FALSE, TRUE, sizeof (CqScriptToken));

  tokenize (source, len, toks);
  const Tok *tk = (const Tok *) toks->data;
  for (guint i = 0; tk[i].type != T_EOF; i++)
    {
      CqScriptToken st = { 0 };
      if (tk[i].type == T_STRING && tk[i].text != NULL)
        {
          /* ["key"] = …  is a key; any other string is a literal. */
          gboolean key = i > 0 && is_op (&tk[i - 1], "[") && is_op (&tk[i + 1], "]")
                         && is_op (&tk[i + 2], "=");
          st = (CqScriptToken) { key ? CQ_SCRIPT_KEY : CQ_SCRIPT_LITERAL,
                                 g_strdup (tk[i].text), tk[i].off };
        }
      else if (tk[i].type == T_NAME && i > 0 && is_op (&tk[i + 1], "=")
               && (is_op (&tk[i - 1], "{") || is_op (&tk[i - 1], ",") || is_op (&tk[i - 1], ";")
                   || is_op (&tk[i - 1], ".")))
        st = (CqScriptToken) { CQ_SCRIPT_KEY, g_strdup (tk[i].text), tk[i].off };
      else
        continue;
      g_array_append_val (out, st);
    }
  for (guint i = 0; i < toks->len; i++)
    g_free (((Tok *) toks->data)[i].text);
  return out;
}

void
cq_script_scan_free (GArray *tokens)
{
  for (guint i = 0; i < tokens->len; i++)
    g_free (g_array_index (tokens, CqScriptToken, i).text);
  g_array_unref (tokens);
}

void
cq_expr_scan_clear (CqExprScan *scan)
{
  if (scan->refs)
    {
      for (guint i = 0; i < scan->refs->len; i++)
        {
          CqExprRef *r = &g_array_index (scan->refs, CqExprRef, i);
          g_free (r->item);
          g_free (r->level);
        }
      g_array_unref (scan->refs);
    }
  if (scan->problems)
    {
      for (guint i = 0; i < scan->problems->len; i++)
        {
          CqExprProblem *p = &g_array_index (scan->problems, CqExprProblem, i);
          g_free (p->message);
          g_free (p->hint);
        }
      g_array_unref (scan->problems);
    }
  scan->refs = scan->problems = NULL;
}

/* Compilation ============================================================= */

struct _CqExprCompiler {
  lua_State *L;
  GString *buf;
};

CqExprCompiler *
cq_expr_compiler_new (void)
{
  CqExprCompiler *c = g_new0 (CqExprCompiler, 1);
  c->L = luaL_newstate ();
  c->buf = g_string_new (NULL);
  return c;
}

void
cq_expr_compiler_free (CqExprCompiler *c)
{
  if (c == NULL)
    return;
  lua_close (c->L);
  g_string_free (c->buf, TRUE);
  g_free (c);
}

/* Lua says "chunk:LINE: message"; split it. */
static void
split_lua_error (const char *err, const char *chunk, int *line, char **message)
{
  gsize n = strlen (chunk);
  *line = 0;
  if (strncmp (err, chunk, n) == 0 && err[n] == ':')
    {
      char *end;
      long l = strtol (err + n + 1, &end, 10);
      if (end != err + n + 1 && *end == ':')
        {
          *line = (int) l;
          err = end + 1;
          while (*err == ' ')
            err++;
        }
    }
  *message = g_strdup (err);
}

static gboolean
compile (CqExprCompiler *c, const char *text, gsize len, int *line, char **message)
{
  int rc = luaL_loadbufferx (c->L, text, len, "=expression", "t");
  if (rc != LUA_OK)
    {
      const char *err = lua_tostring (c->L, -1);
      split_lua_error (err ? err : "cannot compile", "expression", line, message);
    }
  lua_settop (c->L, 0);
  return rc == LUA_OK;
}

gboolean
cq_expr_compile (CqExprCompiler *c, const char *source, gsize len, int *line, char **message)
{
  g_string_assign (c->buf, "return ");
  g_string_append_len (c->buf, source, (gssize) len);
  return compile (c, c->buf->str, c->buf->len, line, message);
}

gboolean
cq_lua_chunk_compile (CqExprCompiler *c, const char *source, gsize len, int *line,
                      char **message)
{
  return compile (c, source, len, line, message);
}
