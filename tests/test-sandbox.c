/* SPDX-License-Identifier: EUPL-1.2 */
/* The Lua sandbox: what a script sees, and every escape we know of. */
#include <glib.h>
#include <glib/gstdio.h>
#include <lauxlib.h>
#include <locale.h>
#include <string.h>

#include "cq-sandbox.h"

/* Runs code in a fresh sandbox; returns its first result as text, or NULL
 * with the error. */
static char *
run (const char *code, GError **error)
{
  CqSandboxLimits limits = CQ_SANDBOX_SCRIPT_LIMITS;
  g_autoptr (CqSandbox) sb = cq_sandbox_new (&limits, "2026-03-01");
  lua_State *L = cq_sandbox_state (sb);
  if (!cq_sandbox_load (sb, code, strlen (code), "test.lua", error))
    return NULL;
  if (!cq_sandbox_call (sb, 0, 1, error))
    {
      g_assert_cmpint (lua_gettop (L), ==, 0);
      return NULL;
    }
  char *out = g_strdup (cq_sandbox_tostring (L, -1));
  lua_settop (L, 0);
  return out;
}

static void
assert_result (const char *code, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = run (code, &error);
  if (error != NULL)
    g_error ("%s\n -> unexpected error: %s", code, error->message);
  g_assert_cmpstr (out, ==, expected);
}

static void
assert_error (const char *code, CqSandboxError kind, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autofree char *out = run (code, &error);
  gint64 ms = (g_get_monotonic_time () - t0) / 1000;
  if (error == NULL)
    g_error ("%s\n -> expected an error, got %s", code, out);
  if (!g_error_matches (error, CQ_SANDBOX_ERROR, kind) || strstr (error->message, fragment) == NULL)
    g_error ("%s\n -> expected error %d with '%s', got %d: %s", code, kind, fragment,
             error->code, error->message);
  /* Containment is quick: a generous bound that still catches a hang
   * (scaled when the suite runs under valgrind, which is 20-50x slower). */
  const char *scale = g_getenv ("CQ_TEST_TIME_SCALE");
  g_assert_cmpint (ms, <, 20000 * (scale ? MAX (g_ascii_strtoll (scale, NULL, 10), 1) : 1));
}

/* The exact set of names a script sees. */
static void
test_globals (void)
{
  assert_result (
    "local names = {}\n"
    "for k, v in pairs(_G) do\n"
    "  if type(v) == 'table' and k ~= '_G' then\n"
    "    for f in pairs(v) do names[#names + 1] = k .. '.' .. f end\n"
    "  else names[#names + 1] = k end\n"
    "end\n"
    "return table.concat(names, ' ')",
    "_G _VERSION assert coroutine.close coroutine.create coroutine.isyieldable "
    "coroutine.resume coroutine.running coroutine.status coroutine.wrap coroutine.yield error "
    "getmetatable ipairs math.abs math.acos math.asin math.atan math.ceil math.cos math.deg "
    "math.exp math.floor math.fmod math.huge math.log math.max math.maxinteger math.min "
    "math.mininteger math.modf math.pi math.rad math.sin math.sqrt math.tan math.tointeger "
    "math.type math.ult pairs pcall rawequal rawget rawlen rawset select setmetatable "
    "string.byte string.char string.find string.format string.gmatch string.gsub string.len "
    "string.lower string.match string.pack string.packsize string.rep string.reverse "
    "string.sub string.unpack string.upper table.concat table.insert table.move table.pack "
    "table.remove table.sort table.unpack today tonumber tostring type utf8.char "
    "utf8.charpattern utf8.codepoint utf8.codes utf8.len utf8.offset xpcall");
  assert_result ("return today", "2026-03-01");
}

static void
test_no_escape_hatches (void)
{
  static const char *const absent[] = {
    "io", "os", "package", "debug", "load", "loadstring", "dofile", "loadfile", "require",
    "collectgarbage", "print", "next", "string.dump", "math.random", "math.randomseed",
  };
  for (guint i = 0; i < G_N_ELEMENTS (absent); i++)
    {
      g_autofree char *code = g_strdup_printf ("return %s == nil", absent[i]);
      assert_result (code, "true");
    }
  /* The notes' attacks, one by one. */
  assert_error ("return load('return os')()", CQ_SANDBOX_ERROR_RUNTIME,
                "attempt to call a nil value (global 'load')");
  assert_error ("return package.loadlib('libc.so.6', 'system')", CQ_SANDBOX_ERROR_RUNTIME,
                "attempt to index a nil value (global 'package')");
  assert_error ("return getmetatable('').__index.dump", CQ_SANDBOX_ERROR_RUNTIME,
                "attempt to index a boolean value");
  assert_result ("return ('x').dump == nil and ('x'):upper() == 'X'", "true");
  assert_result ("return getmetatable('')", "false");
  assert_error ("setmetatable({}, { __gc = function () while true do end end })",
                CQ_SANDBOX_ERROR_RUNTIME, "'__gc' is not allowed");
  assert_error ("setmetatable({}, { __close = function () end })",
                CQ_SANDBOX_ERROR_RUNTIME, "'__close' is not allowed");
  assert_result ("local mt = {} setmetatable({}, mt) mt.__gc = function () while true do end end "
                 "return 'ok'", "ok"); /* a late __gc never marks the object */
}

static void
test_bytecode (void)
{
  CqSandboxLimits limits = CQ_SANDBOX_SCRIPT_LIMITS;
  g_autoptr (CqSandbox) sb = cq_sandbox_new (&limits, "2026-03-01");
  g_autoptr (GError) error = NULL;
  static const char chunk[] = "\x1bLuaT\x00\x19\x93\r\n\x1a\n";
  g_assert_false (cq_sandbox_load (sb, chunk, sizeof chunk - 1, "evil.luac", &error));
  g_assert_error (error, CQ_SANDBOX_ERROR, CQ_SANDBOX_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "attempt to load a binary chunk"));
}

static void
test_budget (void)
{
  assert_error ("while true do end", CQ_SANDBOX_ERROR_BUDGET, "test.lua:1: instruction budget");
  /* The kill is sticky: pcall, xpcall handlers and coroutines cannot carry on. */
  assert_error ("while true do pcall(function () while true do end end) end",
                CQ_SANDBOX_ERROR_BUDGET, "instruction budget exceeded");
  assert_error ("for i = 1, 1e9 do pcall(error, 'x') end", CQ_SANDBOX_ERROR_BUDGET,
                "instruction budget");
  assert_error ("while true do xpcall(function () while true do end end,\n"
                "  function () while true do end end) end",
                CQ_SANDBOX_ERROR_BUDGET, "instruction budget");
  assert_error ("local co = coroutine.wrap(function () while true do end end)\n"
                "while true do pcall(co) end", CQ_SANDBOX_ERROR_BUDGET, "instruction budget");
  /* Coroutines that yield before their own hook fires are charged too. */
  assert_error ("while true do\n"
                "  local co = coroutine.create(function () for i = 1, 900 do end end)\n"
                "  coroutine.resume(co)\n"
                "end", CQ_SANDBOX_ERROR_BUDGET, "instruction budget");
  assert_error ("local co = coroutine.wrap(function () while true do coroutine.yield() end end)\n"
                "while true do co() end", CQ_SANDBOX_ERROR_BUDGET, "instruction budget");
  /* C functions charge for their work. */
  assert_error ("local t = {} for i = 1, 90000 do t[i] = i end\n"
                "while true do table.sort(t) end", CQ_SANDBOX_ERROR_BUDGET, "instruction budget");
  assert_error ("local t = {} for i = 1, 200000 do t[i] = i end table.sort(t)",
                CQ_SANDBOX_ERROR_RUNTIME, "table.sort: 100000 elements at most");
}

static void
test_memory (void)
{
  assert_error ("local s = string.rep('x', 2^20) local t = {}\n"
                "for i = 1, 1000 do t[i] = s .. i end", CQ_SANDBOX_ERROR_MEMORY,
                "memory limit exceeded (64 MiB)");
  assert_error ("local t = {} local i = 0 while true do i = i + 1 t[i] = {i} end",
                CQ_SANDBOX_ERROR_MEMORY, "memory limit");
  assert_error ("return string.rep('x', 2^40)", CQ_SANDBOX_ERROR_RUNTIME,
                "string.rep: result over 1048576 bytes");
  assert_error ("return ('ab'):rep(2^30, ',')", CQ_SANDBOX_ERROR_RUNTIME, "string.rep: result over");
  assert_error ("return (('a'):rep(2^19)):gsub('.', '%0%0%0')", CQ_SANDBOX_ERROR_RUNTIME,
                "string.gsub: result over");
  /* Unbounded recursion meets the memory cap before Lua's stack limit. */
  assert_error ("local function f () return 1 + f () end return f ()", CQ_SANDBOX_ERROR_MEMORY,
                "memory limit");
}

static void
test_patterns (void)
{
  /* The slow pattern of the notes: 12 s with Lua's matcher, cut short here. */
  assert_error ("return string.find(('a'):rep(400), '.-.-.-b$')", CQ_SANDBOX_ERROR_RUNTIME,
                "pattern too costly");
  assert_error ("return (('a'):rep(5000)):match('(.-)(.-)(.-)b')", CQ_SANDBOX_ERROR_RUNTIME,
                "pattern too costly");
  assert_error ("for i = 1, 1e6 do string.find(('a'):rep(60), 'a-a-b') end",
                CQ_SANDBOX_ERROR_BUDGET, "instruction budget");
  /* And it matches like Lua's. */
  static const struct { const char *code, *expected; } cases[] = {
    { "return string.find('hello world', 'o w')", "5" },
    { "return select(2, string.find('hello world', 'o w'))", "7" },
    { "return string.find('a+b', '+', 1, true)", "2" },
    { "return string.match('2026-03-01', '(%d+)-(%d+)-(%d+)')", "2026" },
    { "return select(3, string.match('2026-03-01', '(%d+)-(%d+)-(%d+)'))", "01" },
    { "return string.match('  trim me  ', '^%s*(.-)%s*$')", "trim me" },
    { "return string.match('key = value', '(%w+)%s*=%s*(%w+)')", "key" },
    { "return string.match('THE (quick) fox', '%((%a+)%)')", "quick" },
    { "return string.match('f(a(b)c)d', '%b()')", "(a(b)c)" },
    { "return string.match('THE (quick) fox', '%f[%a]%a+', 5)", "quick" },
    { "return string.match('hello', '()ll()')", "3" },
    { "return string.match('abcabc', '(abc)%1')", "abc" },
    { "return string.match('x = [[y]]', '%[%[(.*)%]%]')", "y" },
    { "return string.match('aaa', 'a-b') == nil", "true" },
    { "return string.match('aaab', 'a*')", "aaa" },
    { "return string.match('aaab', 'a+b')", "aaab" },
    { "return string.match('aaab', 'a+?') == nil", "true" },
    { "return string.match('color colour', 'colou?r', 2)", "colour" },
    { "return string.match('[x]', '[%[]')", "[" },
    { "return string.match('z-a', '[a-c-]+')", "-a" },
    { "return string.match('Ab1_', '[^%l]+')", "A" },
    { "return (string.gsub('hello world', 'o', '0'))", "hell0 w0rld" },
    { "return (string.gsub('hello world', '(%w+)', '<%1>'))", "<hello> <world>" },
    { "return (string.gsub('abc', '%w', '%0%0'))", "aabbcc" },
    { "return (string.gsub('hello', '', '-'))", "-h-e-l-l-o-" },
    { "return (string.gsub('abc', 'b*', 'X'))", "XaXcX" },
    { "return (string.gsub('$name is $age', '%$(%w+)', { name = 'A.', age = 40 }))", "A. is 40" },
    { "return (string.gsub('1 2 3', '%d', function (d) return d * 2 end))", "2 4 6" },
    { "return select(2, string.gsub('a a a', 'a', 'b', 2))", "2" },
    { "return (string.gsub('abc', '^a', 'X'))", "Xbc" },
    { "local out = {} for k, v in string.gmatch('a=1, b=2', '(%w+)=(%w+)') do "
      "out[#out + 1] = k .. v end return table.concat(out, ';')", "a1;b2" },
    { "local n = 0 for w in ('one two  three'):gmatch('%a+') do n = n + 1 end return n", "3" },
    { "local out = {} for w in ('abc'):gmatch('') do out[#out + 1] = 'x' end return #out", "4" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_result (cases[i].code, cases[i].expected);
  assert_error ("return string.find('x', '[a')", CQ_SANDBOX_ERROR_RUNTIME, "missing ']'");
  assert_error ("return string.find('x', '%')", CQ_SANDBOX_ERROR_RUNTIME, "ends with '%'");
  assert_error ("return string.gsub('x', 'x', '%2')", CQ_SANDBOX_ERROR_RUNTIME,
                "invalid capture index");
}

static void
test_no_addresses (void)
{
  assert_result ("return tostring({})", "table");
  assert_result ("return tostring(tostring)", "function");
  assert_result ("return tostring(coroutine.create(function () end))", "thread");
  assert_result ("return string.format('%s|%s|%5.1f', {}, print, 1.25)", "table|nil|  1.2");
  assert_result ("return tostring(setmetatable({}, { __tostring = function () return 'me' end }))",
                 "me");
  assert_error ("return string.format('%p', {})", CQ_SANDBOX_ERROR_RUNTIME, "'%p' is not allowed");
  assert_error ("error({})", CQ_SANDBOX_ERROR_RUNTIME, "error with a table value");
}

static void
test_determinism (void)
{
  assert_result ("local t = { c = 1, a = 2, b = 3, [2] = 0, [1] = 0, [10] = 0, [true] = 0 }\n"
                 "local out = {} for k in pairs(t) do out[#out + 1] = tostring(k) end\n"
                 "return table.concat(out, ',')", "1,2,10,a,b,c,true");
  assert_error ("for k in pairs({ [{}] = 1 }) do end", CQ_SANDBOX_ERROR_RUNTIME,
                "keys of type table have no fixed order");
  /* Numbers print the same whatever the process locale. */
  g_autofree char *dir = g_dir_make_tmp ("cq-locale-XXXXXX", NULL);
  g_autofree char *target = g_build_filename (dir, "de_DE.UTF-8", NULL);
  const char *argv[] = { "localedef", "-i", "de_DE", "-f", "UTF-8", target, NULL };
  int status = 0;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH
                               | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, NULL));
  g_setenv ("LOCPATH", dir, TRUE);
  char *old = g_strdup (setlocale (LC_NUMERIC, NULL));
  g_assert_nonnull (setlocale (LC_NUMERIC, "de_DE.UTF-8"));
  char probe[16];
  g_snprintf (probe, sizeof probe, "%.1f", 1.5);
  g_assert_cmpstr (probe, ==, "1,5"); /* the locale really is active */
  assert_result ("return tostring(1.5) .. ' ' .. string.format('%.2f', 2.25) .. ' ' .. "
                 "tostring(tonumber('3.5'))", "1.5 2.25 3.5");
  setlocale (LC_NUMERIC, old);
  g_free (old);
  g_unsetenv ("LOCPATH");
  g_unlink (target); /* localedef writes a file or a folder, depending on version */
  const char *rm[] = { "rm", "-rf", dir, NULL };
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* Each run starts from a fresh state: one script cannot poison another. */
static void
test_fresh_state (void)
{
  assert_result ("string.format = nil; string.upper = function () return 'pwned' end;"
                 " rawset(_G, 'shared', 1) return 'ok'", "ok");
  assert_result ("return string.upper('x') .. tostring(shared) .. string.format('%d', 1)", "Xnil1");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sandbox/globals", test_globals);
  g_test_add_func ("/sandbox/no-escape-hatches", test_no_escape_hatches);
  g_test_add_func ("/sandbox/bytecode", test_bytecode);
  g_test_add_func ("/sandbox/budget", test_budget);
  g_test_add_func ("/sandbox/memory", test_memory);
  g_test_add_func ("/sandbox/patterns", test_patterns);
  g_test_add_func ("/sandbox/no-addresses", test_no_addresses);
  g_test_add_func ("/sandbox/determinism", test_determinism);
  g_test_add_func ("/sandbox/fresh-state", test_fresh_state);
  return g_test_run ();
}
