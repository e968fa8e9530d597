/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-sandbox-private.h"

#include <locale.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (cq-sandbox-error-quark, cq_sandbox_error)

/* The count hook fires every HOOK_EVERY instructions of a thread. */
#define HOOK_EVERY 1000
#define MAX_SORT 100000

CqSandbox *
cq_sandbox_of (lua_State *L)
{
  return *(CqSandbox **) lua_getextraspace (L);
}

/* Memory ================================================================== */

static void *
sb_alloc (void *ud, void *ptr, size_t osize, size_t nsize)
{
  CqSandbox *sb = ud;
  size_t old = ptr != NULL ? osize : 0; /* with ptr NULL, osize is a type tag */

  if (nsize == 0)
    {
      free (ptr);
      sb->memory_used -= old;
      return NULL;
    }
  if (nsize > old && sb->memory_used - old + nsize > sb->limits.memory)
    {
      sb->out_of_memory = TRUE;
      return NULL; /* Lua collects garbage, then raises LUA_ERRMEM */
    }
  void *p = realloc (ptr, nsize);
  if (p != NULL)
    sb->memory_used = sb->memory_used - old + nsize;
  return p;
}

/* Instructions ============================================================ */

static void sb_hook (lua_State *L, lua_Debug *ar);

/* level: where to say it happened; 0 from the hook (the interrupted
 * function), 1 from a library function (its caller). */
static G_NORETURN void
kill_run (lua_State *L, CqSandbox *sb, int level)
{
  sb->killed = TRUE;
  /* Sticky: from now on every instruction of this thread raises again, so
   * a pcall that catches the error cannot carry on. Other threads see
   * `killed` at their next hook. */
  lua_sethook (L, sb_hook, LUA_MASKCOUNT, 1);
  char msg[96];
  g_snprintf (msg, sizeof msg, "instruction budget exceeded (%" G_GUINT64_FORMAT " instructions)",
              sb->limits.instructions);
  luaL_where (L, level);
  lua_pushstring (L, msg);
  lua_concat (L, 2);
  lua_error (L);
  g_assert_not_reached ();
}

static void
sb_hook (lua_State *L, lua_Debug *ar G_GNUC_UNUSED)
{
  CqSandbox *sb = cq_sandbox_of (L);

  if (!sb->killed)
    {
      sb->used += HOOK_EVERY;
      if (sb->used <= sb->limits.instructions)
        return;
    }
  kill_run (L, sb, 0);
}

void
cq_sandbox_charge (lua_State *L, guint64 cost)
{
  CqSandbox *sb = cq_sandbox_of (L);

  sb->used += cost;
  if (sb->killed || sb->used > sb->limits.instructions)
    kill_run (L, sb, 1);
}

guint64
cq_sandbox_used (CqSandbox *sb)
{
  return sb->used;
}

/* Library functions ======================================================= */

const char *
cq_sandbox_tostring (lua_State *L, int idx)
{
  idx = lua_absindex (L, idx);
  switch (lua_type (L, idx))
    {
    case LUA_TNUMBER:
    case LUA_TSTRING:
      lua_pushvalue (L, idx);
      lua_tostring (L, -1); /* numbers: "%.14g" in the C locale */
      break;
    case LUA_TBOOLEAN:
      lua_pushstring (L, lua_toboolean (L, idx) ? "true" : "false");
      break;
    case LUA_TNIL:
      lua_pushliteral (L, "nil");
      break;
    default:
      /* Never an address: it would differ from run to run. */
      lua_pushstring (L, luaL_typename (L, idx));
      break;
    }
  return lua_tostring (L, -1);
}

static int
sb_tostring (lua_State *L)
{
  luaL_checkany (L, 1);
  if (luaL_callmeta (L, 1, "__tostring"))
    {
      if (!lua_isstring (L, -1))
        return luaL_error (L, "'__tostring' must return a string");
      return 1;
    }
  cq_sandbox_tostring (L, 1);
  return 1;
}

static int
sb_setmetatable (lua_State *L)
{
  if (lua_type (L, 2) == LUA_TTABLE)
    {
      static const char *const refused[] = { "__gc", "__close" };
      for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
        {
          lua_pushstring (L, refused[i]);
          if (lua_rawget (L, 2) != LUA_TNIL)
            return luaL_error (L, "setmetatable: '%s' is not allowed in instrument code",
                               refused[i]);
          lua_pop (L, 1);
        }
    }
  lua_pushvalue (L, lua_upvalueindex (1));
  lua_insert (L, 1);
  lua_call (L, lua_gettop (L) - 1, 1);
  return 1;
}

typedef struct {
  int type;
  lua_Number n;
  const char *s;
  size_t len;
  int slot; /* index of the key in the keys table */
} SortKey;

static int
key_cmp (const void *a, const void *b)
{
  const SortKey *x = a, *y = b;
  if (x->type != y->type)
    return x->type == LUA_TNUMBER ? -1 : y->type == LUA_TNUMBER ? 1
           : x->type == LUA_TSTRING ? -1 : 1;
  if (x->type == LUA_TNUMBER)
    return x->n < y->n ? -1 : x->n > y->n;
  if (x->type == LUA_TSTRING)
    {
      int c = memcmp (x->s, y->s, MIN (x->len, y->len));
      return c != 0 ? c : (x->len < y->len ? -1 : x->len > y->len);
    }
  return (int) x->n - (int) y->n;
}

static int
sorted_next (lua_State *L)
{
  lua_Integer i = lua_tointeger (L, lua_upvalueindex (3)) + 1;
  if (lua_rawgeti (L, lua_upvalueindex (2), i) == LUA_TNIL)
    return 0;
  lua_pushinteger (L, i);
  lua_replace (L, lua_upvalueindex (3));
  lua_pushvalue (L, -1);
  lua_rawget (L, lua_upvalueindex (1));
  return 2;
}

void
cq_sandbox_sorted_keys (lua_State *L, int t)
{
  t = lua_absindex (L, t);
  lua_newtable (L); /* keys, in the order met */
  int keys = lua_gettop (L);
  int n = 0;
  lua_pushnil (L);
  while (lua_next (L, t) != 0)
    {
      lua_pop (L, 1);
      int kt = lua_type (L, -1);
      if (kt != LUA_TNUMBER && kt != LUA_TSTRING && kt != LUA_TBOOLEAN)
        luaL_error (L, "pairs: keys of type %s have no fixed order; keep them in a list and "
                    "use ipairs", lua_typename (L, kt));
      lua_pushvalue (L, -1);
      lua_rawseti (L, keys, ++n);
    }
  SortKey *v = lua_newuserdatauv (L, sizeof (SortKey) * (size_t) MAX (n, 1), 0);
  for (int i = 0; i < n; i++)
    {
      lua_rawgeti (L, keys, i + 1);
      v[i].type = lua_type (L, -1);
      v[i].slot = i + 1;
      if (v[i].type == LUA_TNUMBER)
        v[i].n = lua_tonumber (L, -1);
      else if (v[i].type == LUA_TSTRING)
        v[i].s = lua_tolstring (L, -1, &v[i].len); /* kept alive by keys */
      else
        v[i].n = lua_toboolean (L, -1);
      lua_pop (L, 1);
    }
  qsort (v, (size_t) n, sizeof (SortKey), key_cmp);
  lua_newtable (L);
  for (int i = 0; i < n; i++)
    {
      lua_rawgeti (L, keys, v[i].slot);
      lua_rawseti (L, -2, i + 1);
    }
  /* stack: keys, userdata, sorted */
  lua_replace (L, keys);
  lua_pop (L, 1);
  lua_pushvalue (L, t);
  lua_insert (L, -2);
  lua_pushinteger (L, 0);
  lua_pushcclosure (L, sorted_next, 3);
}

/* pairs in a fixed order: numbers ascending, then strings bytewise, then
 * booleans; a __pairs metamethod is honoured. */
static int
sb_pairs (lua_State *L)
{
  luaL_checkany (L, 1);
  if (luaL_getmetafield (L, 1, "__pairs") != LUA_TNIL)
    {
      lua_pushvalue (L, 1);
      lua_call (L, 1, 3);
      return 3;
    }
  luaL_checktype (L, 1, LUA_TTABLE);
  lua_Integer n = (lua_Integer) lua_rawlen (L, 1);
  cq_sandbox_charge (L, (guint64) (n > 0 ? n : 0));
  cq_sandbox_sorted_keys (L, 1);
  return 1;
}

/* Calls the original function, upvalue 1, with this call's arguments. */
static int
call_original (lua_State *L)
{
  lua_pushvalue (L, lua_upvalueindex (1));
  lua_insert (L, 1);
  lua_call (L, lua_gettop (L) - 1, LUA_MULTRET);
  return lua_gettop (L);
}

/* Calls the original function (upvalue 1) after charging the budget for
 * the size of its first argument: C code does not count instructions. */
static int
charged (lua_State *L)
{
  size_t n = 0;
  if (lua_type (L, 1) == LUA_TSTRING)
    n = lua_rawlen (L, 1) / 16;
  else if (lua_type (L, 1) == LUA_TTABLE)
    n = lua_rawlen (L, 1);
  cq_sandbox_charge (L, n + 1);
  return call_original (L);
}

static int
sb_sort (lua_State *L)
{
  luaL_checktype (L, 1, LUA_TTABLE);
  lua_Integer n = luaL_len (L, 1);
  if (n > MAX_SORT)
    return luaL_error (L, "table.sort: %d elements at most", MAX_SORT);
  cq_sandbox_charge (L, (guint64) n * 20u);
  lua_pushvalue (L, lua_upvalueindex (1));
  lua_insert (L, 1);
  lua_call (L, lua_gettop (L) - 1, 0);
  return 0;
}

/* Fixed-cost functions: raising and catching errors costs far more than
 * the few instructions a loop around them counts. Cost in upvalue 2. */
static int
costly (lua_State *L)
{
  cq_sandbox_charge (L, (guint64) lua_tointeger (L, lua_upvalueindex (2)));
  return call_original (L);
}

static void
wrap_costly (lua_State *L, int lib, const char *name, lua_Integer cost)
{
  lib = lua_absindex (L, lib);
  lua_getfield (L, lib, name);
  lua_pushinteger (L, cost);
  lua_pushcclosure (L, costly, 2);
  lua_setfield (L, lib, name);
}

/* xpcall's message handler runs inside the hook when the budget error is
 * raised there, and hooks are off inside a hook: a handler that loops
 * would never be stopped. Once the run is killed, the script's handler is
 * skipped. */
static int
guarded_handler (lua_State *L)
{
  if (cq_sandbox_of (L)->killed)
    return 1;
  lua_pushvalue (L, lua_upvalueindex (1));
  lua_insert (L, 1);
  lua_call (L, lua_gettop (L) - 1, 1);
  return 1;
}

static int
sb_xpcall (lua_State *L)
{
  luaL_checktype (L, 2, LUA_TFUNCTION);
  cq_sandbox_charge (L, 50);
  lua_pushvalue (L, 2);
  lua_pushcclosure (L, guarded_handler, 1);
  lua_replace (L, 2);
  return call_original (L);
}

/* Coroutine switches are charged: a coroutine that yields before its
 * thread's count hook fires would otherwise run for free. */
static int
sb_wrap (lua_State *L)
{
  lua_pushvalue (L, lua_upvalueindex (1)); /* the original coroutine.wrap */
  lua_insert (L, 1);
  lua_call (L, lua_gettop (L) - 1, 1);
  lua_pushinteger (L, HOOK_EVERY);
  lua_pushcclosure (L, costly, 2);
  return 1;
}

/* Environment ============================================================= */

/* Copies the listed fields of the table at src into a new table; wrapped
 * ones are closures with the original as upvalue. */
static void
copy_fields (lua_State *L, int src, const char *const *names, lua_CFunction wrapper)
{
  src = lua_absindex (L, src);
  lua_newtable (L);
  for (guint i = 0; names[i] != NULL; i++)
    {
      lua_getfield (L, src, names[i]);
      g_assert (!lua_isnil (L, -1));
      if (wrapper != NULL && lua_iscfunction (L, -1))
        lua_pushcclosure (L, wrapper, 1);
      lua_setfield (L, -2, names[i]);
    }
}

static void
wrap_field (lua_State *L, int lib, const char *name, lua_CFunction wrapper)
{
  lib = lua_absindex (L, lib);
  lua_getfield (L, lib, name);
  lua_pushcclosure (L, wrapper, 1);
  lua_setfield (L, lib, name);
}

static void
build_environment (CqSandbox *sb)
{
  lua_State *L = sb->L;
  static const char *const base[] = { "assert", "error", "getmetatable", "ipairs", "pcall",
                                      "rawequal", "rawget", "rawlen", "rawset", "select",
                                      "tonumber", "type", "xpcall", NULL };
  static const char *const string_lib[] = { "byte", "char", "len", "lower", "pack", "packsize",
                                            "reverse", "sub", "unpack", "upper", NULL };
  static const char *const table_lib[] = { "concat", "insert", "move", "pack", "remove",
                                           "sort", "unpack", NULL };
  static const char *const math_lib[] = { "abs", "acos", "asin", "atan", "ceil", "cos", "deg",
                                          "exp", "floor", "fmod", "huge", "log", "max",
                                          "maxinteger", "min", "mininteger", "modf", "pi", "rad",
                                          "sin", "sqrt", "tan", "tointeger", "type", "ult", NULL };
  static const char *const utf8_lib[] = { "char", "charpattern", "codepoint", "codes", "len",
                                          "offset", NULL };
  static const char *const coroutine_lib[] = { "close", "create", "isyieldable", "resume",
                                               "running", "status", "wrap", "yield", NULL };

  luaL_requiref (L, "_G", luaopen_base, 0);
  luaL_requiref (L, LUA_STRLIBNAME, luaopen_string, 0);
  luaL_requiref (L, LUA_TABLIBNAME, luaopen_table, 0);
  luaL_requiref (L, LUA_MATHLIBNAME, luaopen_math, 0);
  luaL_requiref (L, LUA_UTF8LIBNAME, luaopen_utf8, 0);
  luaL_requiref (L, LUA_COLIBNAME, luaopen_coroutine, 0);
  /* stack: _G string table math utf8 coroutine */

  copy_fields (L, 1, base, NULL);
  int G = lua_gettop (L);
  lua_pushvalue (L, G);
  lua_setfield (L, G, "_G");
  lua_pushliteral (L, LUA_VERSION);
  lua_setfield (L, G, "_VERSION");
  lua_pushcfunction (L, sb_tostring);
  lua_setfield (L, G, "tostring");
  lua_pushcfunction (L, sb_pairs);
  lua_setfield (L, G, "pairs");
  lua_getfield (L, 1, "setmetatable");
  lua_pushcclosure (L, sb_setmetatable, 1);
  lua_setfield (L, G, "setmetatable");
  wrap_costly (L, G, "pcall", 50);
  wrap_costly (L, G, "error", 100);
  wrap_field (L, G, "xpcall", sb_xpcall);
  lua_pushstring (L, sb->today);
  lua_setfield (L, G, "today");

  copy_fields (L, 2, string_lib, NULL);
  wrap_field (L, -1, "upper", charged);
  wrap_field (L, -1, "lower", charged);
  wrap_field (L, -1, "reverse", charged);
  lua_getfield (L, 2, "rep");
  lua_getfield (L, 2, "format");
  cq_sandbox_open_string (L, -3); /* pops rep and format */
  int S = lua_gettop (L);
  lua_pushvalue (L, S);
  lua_setfield (L, G, "string");

  copy_fields (L, 3, table_lib, charged);
  wrap_field (L, -1, "sort", sb_sort);
  lua_setfield (L, G, "table");
  copy_fields (L, 4, math_lib, NULL);
  lua_setfield (L, G, "math");
  copy_fields (L, 5, utf8_lib, NULL);
  wrap_field (L, -1, "len", charged);
  lua_setfield (L, G, "utf8");
  copy_fields (L, 6, coroutine_lib, NULL);
  wrap_costly (L, -1, "resume", HOOK_EVERY);
  wrap_field (L, -1, "wrap", sb_wrap);
  lua_setfield (L, G, "coroutine");

  /* Strings' methods are the sandbox's string table, and the string
   * metatable is out of reach. */
  lua_pushliteral (L, "");
  lua_getmetatable (L, -1);
  lua_pushvalue (L, S);
  lua_setfield (L, -2, "__index");
  lua_pushboolean (L, 0);
  lua_setfield (L, -2, "__metatable");
  lua_pop (L, 2);

  /* The new table becomes the globals of every chunk; the originals are
   * dropped from the registry. */
  lua_pushvalue (L, G);
  lua_rawseti (L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_newtable (L);
  lua_setfield (L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_settop (L, 0);
}

CqSandbox *
cq_sandbox_new (const CqSandboxLimits *limits, const char *today)
{
  CqSandbox *sb = g_new0 (CqSandbox, 1);
  sb->limits = *limits;
  sb->today = g_strdup (today ? today : "");
  sb->L = lua_newstate (sb_alloc, sb);
  if (sb->L == NULL)
    {
      g_free (sb->today);
      g_free (sb);
      return NULL;
    }
  *(CqSandbox **) lua_getextraspace (sb->L) = sb;
  lua_gc (sb->L, LUA_GCGEN, 0, 0);
  build_environment (sb);
  return sb;
}

void
cq_sandbox_free (CqSandbox *sb)
{
  if (sb == NULL)
    return;
  lua_close (sb->L);
  g_free (sb->today);
  g_free (sb);
}

lua_State *
cq_sandbox_state (CqSandbox *sb)
{
  return sb->L;
}

void
cq_sandbox_register (CqSandbox *sb, const char *name, lua_CFunction fn, void *data)
{
  lua_State *L = sb->L;
  lua_rawgeti (L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_pushlightuserdata (L, data);
  lua_pushcclosure (L, fn, 1);
  lua_setfield (L, -2, name);
  lua_pop (L, 1);
}

void *
cq_sandbox_data (lua_State *L)
{
  return lua_touserdata (L, lua_upvalueindex (1));
}

/* Running ================================================================= */

static locale_t
c_locale (void)
{
  static gsize once;
  static locale_t c;
  if (g_once_init_enter (&once))
    {
      c = newlocale (LC_ALL_MASK, "C", (locale_t) 0);
      g_once_init_leave (&once, 1);
    }
  return c;
}

gboolean
cq_sandbox_load (CqSandbox *sb, const char *code, gsize len, const char *chunkname,
                 GError **error)
{
  g_autofree char *name = g_strconcat ("=", chunkname, NULL);
  locale_t old = uselocale (c_locale ());
  int rc = luaL_loadbufferx (sb->L, code, len, name, "t");
  uselocale (old);
  if (rc != LUA_OK)
    {
      g_set_error (error, CQ_SANDBOX_ERROR, rc == LUA_ERRMEM ? CQ_SANDBOX_ERROR_MEMORY
                                                             : CQ_SANDBOX_ERROR_SYNTAX,
                   "%s", cq_sandbox_tostring (sb->L, -1));
      lua_pop (sb->L, 2);
      return FALSE;
    }
  return TRUE;
}

gboolean
cq_sandbox_call (CqSandbox *sb, int nargs, int nresults, GError **error)
{
  lua_State *L = sb->L;
  locale_t old = uselocale (c_locale ());

  sb->used = 0;
  sb->killed = FALSE;
  sb->out_of_memory = FALSE;
  lua_sethook (L, sb_hook, LUA_MASKCOUNT, HOOK_EVERY);
  int rc = lua_pcall (L, nargs, nresults, 0);
  lua_sethook (L, NULL, 0, 0);
  uselocale (old);
  if (rc == LUA_OK)
    return TRUE;

  const char *msg = lua_type (L, -1) == LUA_TSTRING ? lua_tostring (L, -1) : NULL;
  if (sb->killed)
    g_set_error (error, CQ_SANDBOX_ERROR, CQ_SANDBOX_ERROR_BUDGET, "%s",
                 msg ? msg : "instruction budget exceeded");
  else if (rc == LUA_ERRMEM || sb->out_of_memory)
    g_set_error (error, CQ_SANDBOX_ERROR, CQ_SANDBOX_ERROR_MEMORY,
                 "memory limit exceeded (%" G_GSIZE_FORMAT " MiB)", sb->limits.memory >> 20);
  else if (msg != NULL)
    g_set_error (error, CQ_SANDBOX_ERROR, CQ_SANDBOX_ERROR_RUNTIME, "%s", msg);
  else
    g_set_error (error, CQ_SANDBOX_ERROR, CQ_SANDBOX_ERROR_RUNTIME,
                 "error with a %s value as its message", luaL_typename (L, -1));
  lua_pop (L, 1);
  sb->killed = FALSE;
  return FALSE;
}
