/* SPDX-License-Identifier: EUPL-1.2 */
/* String functions whose cost is bounded: Lua pattern matching written
 * afresh with a step counter (Lua's own matcher backtracks without limit
 * and never lets the count hook run), string.rep with a size cap, and
 * string.format without addresses. Semantics follow the Lua 5.4 manual,
 * §6.4.1. */
#include "cq-sandbox-private.h"

#include <ctype.h>
#include <string.h>

#define MAX_CAPTURES 32
#define MAX_DEPTH 200
#define CAP_OPEN (-1)
#define CAP_POSITION (-2)
#define ESC '%'

typedef struct {
  const char *s0, *s_end; /* the subject */
  const char *p_end;      /* end of the pattern */
  lua_State *L;
  guint64 steps;
  int depth;
  int level; /* captures in use */
  struct {
    const char *start;
    ptrdiff_t len;
  } cap[MAX_CAPTURES];
} Matcher;

static void
step (Matcher *m)
{
  if (++m->steps > CQ_SANDBOX_MAX_PATTERN_STEPS)
    {
      cq_sandbox_charge (m->L, m->steps);
      luaL_error (m->L, "pattern too costly: over %d matching steps", (int) CQ_SANDBOX_MAX_PATTERN_STEPS);
    }
}

/* End of the single-character class starting at p. */
static const char *
class_end (Matcher *m, const char *p)
{
  if (*p == ESC)
    {
      if (p + 1 >= m->p_end)
        luaL_error (m->L, "malformed pattern (ends with '%%')");
      return p + 2;
    }
  if (*p == '[')
    {
      p++;
      if (p < m->p_end && *p == '^')
        p++;
      do
        {
          if (p >= m->p_end)
            luaL_error (m->L, "malformed pattern (missing ']')");
          if (*p++ == ESC && p < m->p_end)
            p++;
        }
      while (p >= m->p_end || *p != ']');
      return p + 1;
    }
  return p + 1;
}

static gboolean
class_matches (int c, int cl)
{
  gboolean r;
  switch (tolower (cl))
    {
    case 'a': r = isalpha (c); break;
    case 'c': r = iscntrl (c); break;
    case 'd': r = isdigit (c); break;
    case 'g': r = isgraph (c); break;
    case 'l': r = islower (c); break;
    case 'p': r = ispunct (c); break;
    case 's': r = isspace (c); break;
    case 'u': r = isupper (c); break;
    case 'w': r = isalnum (c); break;
    case 'x': r = isxdigit (c); break;
    default: return cl == c;
    }
  return isupper (cl) ? !r : r;
}

/* [set] at p .. ec (ec at the closing ']'). */
static gboolean
set_matches (int c, const char *p, const char *ec)
{
  gboolean yes = TRUE;
  if (*(p + 1) == '^')
    {
      yes = FALSE;
      p++;
    }
  while (++p < ec)
    {
      if (*p == ESC)
        {
          p++;
          if (class_matches (c, (unsigned char) *p))
            return yes;
        }
      else if (*(p + 1) == '-' && p + 2 < ec)
        {
          if ((unsigned char) *p <= c && c <= (unsigned char) *(p + 2))
            return yes;
          p += 2;
        }
      else if ((unsigned char) *p == c)
        return yes;
    }
  return !yes;
}

static gboolean
single_matches (Matcher *m, const char *s, const char *p, const char *ep)
{
  if (s >= m->s_end)
    return FALSE;
  int c = (unsigned char) *s;
  switch (*p)
    {
    case '.': return TRUE;
    case ESC: return class_matches (c, (unsigned char) *(p + 1));
    case '[': return set_matches (c, p, ep - 1);
    default: return (unsigned char) *p == c;
    }
}

static const char *do_match (Matcher *m, const char *s, const char *p);

static const char *
match_balance (Matcher *m, const char *s, const char *p)
{
  if (p + 1 >= m->p_end)
    luaL_error (m->L, "malformed pattern (missing arguments to '%%b')");
  if (s >= m->s_end || *s != *p)
    return NULL;
  int open = *p, close = *(p + 1), depth = 1;
  while (++s < m->s_end)
    {
      step (m);
      if (*s == close)
        {
          if (--depth == 0)
            return s + 1;
        }
      else if (*s == open)
        depth++;
    }
  return NULL;
}

static const char *
max_expand (Matcher *m, const char *s, const char *p, const char *ep)
{
  ptrdiff_t i = 0;
  while (single_matches (m, s + i, p, ep))
    {
      step (m);
      i++;
    }
  for (; i >= 0; i--)
    {
      const char *r = do_match (m, s + i, ep + 1);
      if (r != NULL)
        return r;
    }
  return NULL;
}

static const char *
min_expand (Matcher *m, const char *s, const char *p, const char *ep)
{
  for (;;)
    {
      const char *r = do_match (m, s, ep + 1);
      if (r != NULL)
        return r;
      if (!single_matches (m, s, p, ep))
        return NULL;
      s++;
    }
}

static const char *
start_capture (Matcher *m, const char *s, const char *p, ptrdiff_t what)
{
  if (m->level >= MAX_CAPTURES)
    luaL_error (m->L, "too many captures");
  m->cap[m->level].start = s;
  m->cap[m->level].len = what;
  m->level++;
  const char *r = do_match (m, s, p);
  if (r == NULL)
    m->level--;
  return r;
}

static int
open_capture (Matcher *m)
{
  for (int l = m->level - 1; l >= 0; l--)
    if (m->cap[l].len == CAP_OPEN)
      return l;
  luaL_error (m->L, "invalid pattern capture");
  return 0;
}

static const char *
end_capture (Matcher *m, const char *s, const char *p)
{
  int l = open_capture (m);
  m->cap[l].len = s - m->cap[l].start;
  const char *r = do_match (m, s, p);
  if (r == NULL)
    m->cap[l].len = CAP_OPEN;
  return r;
}

static const char *
back_reference (Matcher *m, const char *s, int l)
{
  l -= '1';
  if (l < 0 || l >= m->level || m->cap[l].len == CAP_OPEN)
    luaL_error (m->L, "invalid capture index %%%d", l + 1);
  size_t len = (size_t) m->cap[l].len;
  if ((size_t) (m->s_end - s) >= len && memcmp (m->cap[l].start, s, len) == 0)
    return s + len;
  return NULL;
}

static const char *
do_match (Matcher *m, const char *s, const char *p)
{
  if (++m->depth > MAX_DEPTH)
    luaL_error (m->L, "pattern too complex");
  const char *r = NULL;
  for (;;)
    {
      step (m);
      if (p == m->p_end)
        {
          r = s;
          break;
        }
      if (*p == '(')
        {
          r = (p + 1 < m->p_end && *(p + 1) == ')') ? start_capture (m, s, p + 2, CAP_POSITION)
                                                    : start_capture (m, s, p + 1, CAP_OPEN);
          break;
        }
      if (*p == ')')
        {
          r = end_capture (m, s, p + 1);
          break;
        }
      if (*p == '$' && p + 1 == m->p_end)
        {
          r = s == m->s_end ? s : NULL;
          break;
        }
      if (*p == ESC && p + 1 < m->p_end && *(p + 1) == 'b')
        {
          s = match_balance (m, s, p + 2);
          if (s == NULL)
            break;
          p += 4;
          continue;
        }
      if (*p == ESC && p + 1 < m->p_end && *(p + 1) == 'f')
        {
          p += 2;
          if (p >= m->p_end || *p != '[')
            luaL_error (m->L, "missing '[' after '%%f' in pattern");
          const char *ep = class_end (m, p);
          int prev = s == m->s0 ? 0 : (unsigned char) *(s - 1);
          int cur = s < m->s_end ? (unsigned char) *s : 0;
          if (!set_matches (prev, p, ep - 1) && set_matches (cur, p, ep - 1))
            {
              p = ep;
              continue;
            }
          break;
        }
      if (*p == ESC && p + 1 < m->p_end && isdigit ((unsigned char) *(p + 1)))
        {
          s = back_reference (m, s, (unsigned char) *(p + 1));
          if (s == NULL)
            break;
          p += 2;
          continue;
        }
      const char *ep = class_end (m, p);
      char q = ep < m->p_end ? *ep : '\0';
      if (!single_matches (m, s, p, ep))
        {
          if (q == '*' || q == '?' || q == '-')
            {
              p = ep + 1; /* zero repetitions */
              continue;
            }
          break;
        }
      if (q == '?')
        {
          const char *res = do_match (m, s + 1, ep + 1);
          if (res != NULL)
            {
              r = res;
              break;
            }
          p = ep + 1;
          continue;
        }
      if (q == '+')
        {
          r = max_expand (m, s + 1, p, ep);
          break;
        }
      if (q == '*')
        {
          r = max_expand (m, s, p, ep);
          break;
        }
      if (q == '-')
        {
          r = min_expand (m, s, p, ep);
          break;
        }
      s++;
      p = ep;
    }
  m->depth--;
  return r;
}

/* Pushes capture i (or the whole match when there are none). */
static void
push_capture (Matcher *m, int i, const char *s, const char *e)
{
  if (i >= m->level)
    {
      if (i != 0)
        luaL_error (m->L, "invalid capture index %%%d", i + 1);
      lua_pushlstring (m->L, s, (size_t) (e - s));
      return;
    }
  if (m->cap[i].len == CAP_OPEN)
    luaL_error (m->L, "unfinished capture");
  if (m->cap[i].len == CAP_POSITION)
    lua_pushinteger (m->L, (m->cap[i].start - m->s0) + 1);
  else
    lua_pushlstring (m->L, m->cap[i].start, (size_t) m->cap[i].len);
}

static int
push_captures (Matcher *m, const char *s, const char *e, gboolean whole_if_none)
{
  int n = (m->level == 0 && whole_if_none) ? 1 : m->level;
  luaL_checkstack (m->L, n, "too many captures");
  for (int i = 0; i < n; i++)
    push_capture (m, i, s, e);
  return n;
}

static void
matcher_init (Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp)
{
  memset (m, 0, sizeof *m);
  m->L = L;
  m->s0 = s;
  m->s_end = s + ls;
  m->p_end = p + lp;
}

static void
matcher_reset (Matcher *m)
{
  m->level = 0;
  m->depth = 0;
}

static size_t
start_index (lua_Integer pos, size_t len)
{
  if (pos > 0)
    return (size_t) pos;
  if (pos == 0)
    return 1;
  if (pos < -(lua_Integer) len)
    return 1;
  return len + (size_t) pos + 1;
}

static gboolean
has_specials (const char *p, size_t l)
{
  return strpbrk (p, "^$*+?.([%-") != NULL || strlen (p) < l;
}

static int
find_aux (lua_State *L, gboolean find)
{
  size_t ls, lp;
  const char *s = luaL_checklstring (L, 1, &ls);
  const char *p = luaL_checklstring (L, 2, &lp);
  size_t init = start_index (luaL_optinteger (L, 3, 1), ls) - 1;

  if (init > ls)
    {
      luaL_pushfail (L);
      return 1;
    }
  if (find && (lua_toboolean (L, 4) || !has_specials (p, lp)))
    {
      cq_sandbox_charge (L, (ls - init) / 16 + 1);
      const char *hit = lp == 0 ? s + init : memmem (s + init, ls - init, p, lp);
      if (hit != NULL)
        {
          lua_pushinteger (L, (hit - s) + 1);
          lua_pushinteger (L, (hit - s) + (lua_Integer) lp);
          return 2;
        }
      luaL_pushfail (L);
      return 1;
    }
  Matcher m;
  gboolean anchor = lp > 0 && *p == '^';
  if (anchor)
    p++, lp--;
  matcher_init (&m, L, s, ls, p, lp);
  const char *s1 = s + init;
  do
    {
      matcher_reset (&m);
      const char *e = do_match (&m, s1, p);
      if (e != NULL)
        {
          cq_sandbox_charge (L, m.steps / 4);
          if (find)
            {
              lua_pushinteger (L, (s1 - s) + 1);
              lua_pushinteger (L, e - s);
              return push_captures (&m, NULL, NULL, FALSE) + 2;
            }
          return push_captures (&m, s1, e, TRUE);
        }
    }
  while (s1++ < m.s_end && !anchor);
  cq_sandbox_charge (L, m.steps / 4);
  luaL_pushfail (L);
  return 1;
}

static int
sb_find (lua_State *L)
{
  return find_aux (L, TRUE);
}

static int
sb_match (lua_State *L)
{
  return find_aux (L, FALSE);
}

/* gmatch's iterator; upvalues: subject, pattern, next start, last match end. */
static int
gmatch_next (lua_State *L)
{
  size_t ls, lp;
  const char *s = lua_tolstring (L, lua_upvalueindex (1), &ls);
  const char *p = lua_tolstring (L, lua_upvalueindex (2), &lp);
  lua_Integer pos = lua_tointeger (L, lua_upvalueindex (3));
  lua_Integer last = lua_tointeger (L, lua_upvalueindex (4));
  Matcher m;

  matcher_init (&m, L, s, ls, p, lp);
  for (const char *src = s + pos; src <= m.s_end; src++)
    {
      matcher_reset (&m);
      const char *e = do_match (&m, src, p);
      if (e != NULL && (last < 0 || e != s + last))
        {
          cq_sandbox_charge (L, m.steps / 4);
          lua_pushinteger (L, e - s);
          lua_copy (L, -1, lua_upvalueindex (3));
          lua_copy (L, -1, lua_upvalueindex (4));
          lua_pop (L, 1);
          return push_captures (&m, src, e, TRUE);
        }
    }
  cq_sandbox_charge (L, m.steps / 4);
  return 0;
}

static int
sb_gmatch (lua_State *L)
{
  size_t ls;
  luaL_checklstring (L, 1, &ls);
  luaL_checkstring (L, 2);
  size_t init = start_index (luaL_optinteger (L, 3, 1), ls) - 1;
  if (init > ls)
    init = ls + 1;
  lua_settop (L, 2);
  lua_pushinteger (L, (lua_Integer) init);
  lua_pushinteger (L, -1);
  lua_pushcclosure (L, gmatch_next, 4);
  return 1;
}

static void
add_replacement (Matcher *m, luaL_Buffer *b, const char *s, const char *e, int repl_type)
{
  lua_State *L = m->L;
  if (repl_type == LUA_TSTRING)
    {
      size_t l;
      const char *r = lua_tolstring (L, 3, &l);
      for (size_t i = 0; i < l; i++)
        {
          if (r[i] != ESC)
            luaL_addchar (b, r[i]);
          else if (++i < l && r[i] == ESC)
            luaL_addchar (b, ESC);
          else if (i < l && isdigit ((unsigned char) r[i]))
            {
              if (r[i] == '0')
                luaL_addlstring (b, s, (size_t) (e - s));
              else
                {
                  push_capture (m, r[i] - '1', s, e);
                  luaL_tolstring (L, -1, NULL);
                  lua_remove (L, -2);
                  luaL_addvalue (b);
                }
            }
          else
            luaL_error (L, "invalid use of '%%' in replacement string");
        }
      return;
    }
  if (repl_type == LUA_TFUNCTION)
    {
      lua_pushvalue (L, 3);
      int k = push_captures (m, s, e, TRUE);
      lua_call (L, k, 1);
    }
  else
    {
      push_capture (m, 0, s, e);
      lua_gettable (L, 3);
    }
  if (!lua_toboolean (L, -1))
    {
      lua_pop (L, 1);
      luaL_addlstring (b, s, (size_t) (e - s));
    }
  else if (!lua_isstring (L, -1))
    luaL_error (L, "invalid replacement value (a %s)", luaL_typename (L, -1));
  else
    luaL_addvalue (b);
}

static int
sb_gsub (lua_State *L)
{
  size_t ls, lp;
  const char *src = luaL_checklstring (L, 1, &ls);
  const char *p = luaL_checklstring (L, 2, &lp);
  int tr = lua_type (L, 3);
  lua_Integer max_n = luaL_optinteger (L, 4, (lua_Integer) ls + 1);
  luaL_argexpected (L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION
                    || tr == LUA_TTABLE, 3, "string/function/table");
  if (tr == LUA_TNUMBER)
    {
      lua_tostring (L, 3);
      tr = LUA_TSTRING;
    }
  gboolean anchor = lp > 0 && *p == '^';
  if (anchor)
    p++, lp--;
  Matcher m;
  luaL_Buffer b;
  lua_Integer n = 0;
  const char *s = src, *last = NULL;
  matcher_init (&m, L, src, ls, p, lp);
  luaL_buffinit (L, &b);
  while (n < max_n)
    {
      matcher_reset (&m);
      const char *e = do_match (&m, s, p);
      if (e != NULL && e != last)
        {
          n++;
          add_replacement (&m, &b, s, e, tr);
          if (luaL_bufflen (&b) > CQ_SANDBOX_MAX_STRING)
            luaL_error (L, "string.gsub: result over %d bytes", (int) CQ_SANDBOX_MAX_STRING);
          s = last = e;
        }
      else if (s < m.s_end)
        luaL_addchar (&b, *s++);
      else
        break;
      if (anchor)
        break;
    }
  cq_sandbox_charge (L, m.steps / 4 + ls / 16);
  luaL_addlstring (&b, s, (size_t) (m.s_end - s));
  luaL_pushresult (&b);
  lua_pushinteger (L, n);
  return 2;
}

static int
sb_rep (lua_State *L)
{
  size_t l, lsep;
  luaL_checklstring (L, 1, &l);
  lua_Integer n = luaL_checkinteger (L, 2);
  luaL_optlstring (L, 3, "", &lsep);
  if (n > 0 && (l + lsep) > 0
      && (guint64) n * (guint64) (l + lsep) > CQ_SANDBOX_MAX_STRING)
    return luaL_error (L, "string.rep: result over %d bytes", (int) CQ_SANDBOX_MAX_STRING);
  if (n > 0)
    cq_sandbox_charge (L, (guint64) n * (l + lsep) / 16 + 1);
  lua_pushvalue (L, lua_upvalueindex (1));
  lua_insert (L, 1);
  lua_call (L, lua_gettop (L) - 1, 1);
  return 1;
}

/* string.format, minus '%p' and with tables, functions and the like shown
 * by type, never by address. */
static int
sb_format (lua_State *L)
{
  size_t lf;
  const char *f = luaL_checklstring (L, 1, &lf);
  int arg = 1;
  for (size_t i = 0; i < lf; i++)
    {
      if (f[i] != '%')
        continue;
      if (++i < lf && f[i] == '%')
        continue;
      while (i < lf && strchr ("-+ #0123456789.", f[i]) != NULL)
        i++;
      if (i < lf && f[i] == 'p')
        return luaL_error (L, "string.format: '%%p' is not allowed");
      arg++;
      if (i < lf && f[i] == 's' && arg <= lua_gettop (L))
        {
          int t = lua_type (L, arg);
          if (t != LUA_TSTRING && t != LUA_TNUMBER)
            {
              if (!luaL_callmeta (L, arg, "__tostring"))
                cq_sandbox_tostring (L, arg);
              lua_replace (L, arg);
            }
        }
    }
  cq_sandbox_charge (L, lf / 16 + 1);
  lua_pushvalue (L, lua_upvalueindex (1));
  lua_insert (L, 1);
  lua_call (L, lua_gettop (L) - 1, 1);
  if (lua_rawlen (L, -1) > CQ_SANDBOX_MAX_STRING)
    return luaL_error (L, "string.format: result over %d bytes", (int) CQ_SANDBOX_MAX_STRING);
  return 1;
}

void
cq_sandbox_open_string (lua_State *L, int t)
{
  t = lua_absindex (L, t);
  /* stack: ... rep format */
  lua_pushcclosure (L, sb_format, 1);
  lua_setfield (L, t, "format");
  lua_pushcclosure (L, sb_rep, 1);
  lua_setfield (L, t, "rep");
  static const luaL_Reg fns[] = {
    { "find", sb_find }, { "match", sb_match }, { "gmatch", sb_gmatch }, { "gsub", sb_gsub },
    { NULL, NULL },
  };
  for (const luaL_Reg *r = fns; r->name != NULL; r++)
    {
      lua_pushcfunction (L, r->func);
      lua_setfield (L, t, r->name);
    }
}
