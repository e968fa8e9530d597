/* SPDX-License-Identifier: EUPL-1.2 */
#include "cq-util.h"

#include <errno.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK (cq-error-quark, cq_error)

GBytes *
cq_file_read (const char *path, gsize max_size, GError **error)
{
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                   "cannot open: %s", g_strerror (e));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, CQ_ERROR, CQ_ERROR_IO, S_ISDIR (st.st_mode)
                   ? "is a folder, not a file" : "is not a regular file");
      close (fd);
      return NULL;
    }
  if ((guint64) st.st_size > max_size)
    {
      g_set_error (error, CQ_ERROR, CQ_ERROR_TOO_LARGE,
                   "file is %" G_GUINT64_FORMAT " bytes; the limit is %" G_GSIZE_FORMAT " bytes",
                   (guint64) st.st_size, max_size);
      close (fd);
      return NULL;
    }

  /* Read up to one byte past the limit in case the file grew since fstat. */
  gsize cap = (gsize) st.st_size + 1;
  char *buf = g_malloc (cap + 1);
  gsize len = 0;
  for (;;)
    {
      ssize_t r = read (fd, buf + len, cap - len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int e = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                       "cannot read: %s", g_strerror (e));
          g_free (buf);
          close (fd);
          return NULL;
        }
      if (r == 0)
        break;
      len += (gsize) r;
      if (len == cap)
        {
          if (len > max_size)
            {
              g_set_error (error, CQ_ERROR, CQ_ERROR_TOO_LARGE,
                           "file is over the limit of %" G_GSIZE_FORMAT " bytes", max_size);
              g_free (buf);
              close (fd);
              return NULL;
            }
          cap *= 2;
          buf = g_realloc (buf, cap + 1);
        }
    }
  close (fd);
  buf[len] = '\0';  /* convenient for text; not part of the bytes */
  return g_bytes_new_take (buf, len);
}

char *
cq_path_inside (const char *base_dir, const char *href, GError **error)
{
  if (href == NULL || *href == '\0' || g_path_is_absolute (href))
    {
      g_set_error (error, CQ_ERROR, CQ_ERROR_REFUSED,
                   "'%s' must be a path relative to the instrument folder", href ? href : "");
      return NULL;
    }
  g_auto (GStrv) parts = g_strsplit (href, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (strcmp (parts[i], "..") == 0 || strcmp (parts[i], ".") == 0 || parts[i][0] == '\0')
      {
        g_set_error (error, CQ_ERROR, CQ_ERROR_REFUSED,
                     "'%s' must stay inside the instrument folder (no '.', '..' or empty parts)", href);
        return NULL;
      }

  g_autofree char *joined = g_build_filename (base_dir, href, NULL);
  g_autofree char *real_base = realpath (base_dir, NULL);
  g_autofree char *real = realpath (joined, NULL);
  if (real_base == NULL)
    {
      g_set_error (error, CQ_ERROR, CQ_ERROR_IO, "cannot resolve the instrument folder");
      return NULL;
    }
  if (real == NULL)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                   "cannot open '%s': %s", href, g_strerror (e));
      return NULL;
    }
  gsize n = strlen (real_base);
  if (strncmp (real, real_base, n) != 0 || (real[n] != '/' && real[n] != '\0'))
    {
      g_set_error (error, CQ_ERROR, CQ_ERROR_REFUSED,
                   "'%s' resolves outside the instrument folder", href);
      return NULL;
    }
  return g_steal_pointer (&joined);
}

/* Optimal string alignment distance: a swap of two neighbours costs 1,
 * the commonest typo. */
static guint
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  if (la > 64 || lb > 64)
    return G_MAXUINT;
  guint d[65][65];
  for (gsize i = 0; i <= la; i++)
    d[i][0] = (guint) i;
  for (gsize j = 0; j <= lb; j++)
    d[0][j] = (guint) j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
        guint best = MIN (d[i - 1][j] + 1, d[i][j - 1] + 1);
        best = MIN (best, d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          best = MIN (best, d[i - 2][j - 2] + 1);
        d[i][j] = best;
      }
  return d[la][lb];
}

const char *
cq_suggest (const char *word, const char *const *candidates, guint n)
{
  const char *best = NULL;
  guint best_d = G_MAXUINT;
  guint limit = MAX (1u, (guint) strlen (word) / 3);

  for (guint i = 0; i < n; i++)
    {
      guint d = edit_distance (word, candidates[i]);
      if (d < best_d)
        {
          best_d = d;
          best = candidates[i];
        }
    }
  return best_d <= limit ? best : NULL;
}

glong
cq_utf8_columns (const char *s, gsize len)
{
  glong cols = 0;
  const char *end = s + len;

  while (s < end)
    {
      gunichar c = g_utf8_get_char_validated (s, end - s);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        s++;
      else
        s = g_utf8_next_char (s);
      cols++;
    }
  return cols;
}

char *
cq_bundle_sha256 (guint n, const char *const *paths, GBytes *const *contents)
{
  EVP_MD_CTX *sum = EVP_MD_CTX_new ();
  guchar md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;

  EVP_DigestInit_ex (sum, EVP_sha256 (), NULL);
  for (guint i = 0; i < n; i++)
    {
      gsize len;
      const guchar *data = g_bytes_get_data (contents[i], &len);
      char head[32];
      EVP_DigestUpdate (sum, paths[i], strlen (paths[i]) + 1);
      g_snprintf (head, sizeof head, "%" G_GSIZE_FORMAT, len);
      EVP_DigestUpdate (sum, head, strlen (head) + 1);
      EVP_DigestUpdate (sum, data, len);
    }
  EVP_DigestFinal_ex (sum, md, &md_len);
  EVP_MD_CTX_free (sum);
  GString *hex = g_string_sized_new (2 * md_len);
  for (unsigned int i = 0; i < md_len; i++)
    g_string_append_printf (hex, "%02x", md[i]);
  return g_string_free (hex, FALSE);
}

gboolean
cq_blank (const char *s)
{
  for (; s != NULL && *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}
