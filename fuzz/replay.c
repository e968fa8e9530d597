/* SPDX-License-Identifier: EUPL-1.2 */
/* Without libFuzzer: feeds every file of the folders (or files) given to
 * the fuzz target once, so that the seeds and the regressions run in every
 * build, under whatever sanitizers it has. Files whose name starts with a
 * dot are skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"

static int
by_name (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
replay_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;
  if (!g_file_get_contents (path, &data, &len, &error))
    {
      fprintf (stderr, "replay: %s\n", error->message);
      return 1;
    }
  printf ("replay: %s\n", path);
  fflush (stdout);
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  return 0;
}

int
main (int argc, char **argv)
{
  LLVMFuzzerInitialize (&argc, &argv);
  guint n = 0;
  int status = 0;
  for (int i = 1; i < argc; i++)
    {
      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          status |= replay_file (argv[i]);
          n++;
          continue;
        }
      g_autoptr (GError) error = NULL;
      g_autoptr (GDir) dir = g_dir_open (argv[i], 0, &error);
      if (dir == NULL)
        {
          fprintf (stderr, "replay: %s\n", error->message);
          return 1;
        }
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
        if (name[0] != '.')
          g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
      g_ptr_array_sort (names, by_name);
      for (guint k = 0; k < names->len; k++)
        if (g_file_test (names->pdata[k], G_FILE_TEST_IS_REGULAR))
          {
            status |= replay_file (names->pdata[k]);
            n++;
          }
    }
  printf ("replay: %u inputs, no crash\n", n);
  return status;
}
