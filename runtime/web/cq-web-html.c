/* SPDX-License-Identifier: EUPL-1.2 */
/* HTML: escaping and the one page layout every page uses. */
#include <string.h>

#include "cq-web-private.h"

void
cq_html (GString *out, const char *text)
{
  if (text == NULL)
    return;
  for (const char *p = text; *p; p++)
    switch (*p)
      {
      case '&': g_string_append (out, "&amp;"); break;
      case '<': g_string_append (out, "&lt;"); break;
      case '>': g_string_append (out, "&gt;"); break;
      case '"': g_string_append (out, "&quot;"); break;
      case '\'': g_string_append (out, "&#39;"); break;
      default: g_string_append_c (out, *p);
      }
}

/* Like printf, but every %s argument is escaped; only %s, %d, %u and %%. */
void
cq_html_printf (GString *out, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  for (const char *p = fmt; *p; p++)
    {
      if (*p != '%')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      switch (*p)
        {
        case 's': cq_html (out, va_arg (ap, const char *)); break;
        case 'd': g_string_append_printf (out, "%d", va_arg (ap, int)); break;
        case 'u': g_string_append_printf (out, "%u", va_arg (ap, unsigned)); break;
        case '%': g_string_append_c (out, '%'); break;
        default: g_assert_not_reached ();
        }
    }
  va_end (ap);
}

void
cq_web_csrf_field (CqWebRequest *r, GString *out)
{
  cq_html_printf (out, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
                  r->session.csrf ? r->session.csrf : "");
}

void
cq_web_page (CqWebRequest *r, guint status, const char *title, const char *crumbs,
             GString *main_html)
{
  GString *o = r->out;
  g_string_truncate (o, 0);
  r->status = status;
  g_autofree char *here = g_uri_escape_string (r->path ? r->path : "/", "/", FALSE);
  cq_html_printf (o, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>%s — colloquy</title>\n"
                  "<link rel=\"stylesheet\" href=\"/static/colloquy.css\">\n"
                  "<script src=\"/static/colloquy.js\" defer></script>\n</head>\n<body>\n",
                  r->lang, title);
  cq_html_printf (o, "<a class=\"skip\" href=\"#main\">%s</a>\n",
                  T (r, "Aller au contenu", "Skip to content"));
  g_string_append (o, "<header class=\"top\">\n<a class=\"brand\" href=\"/\">colloquy</a>\n");
  cq_html_printf (o, "<nav class=\"tools\" aria-label=\"%s\">\n", T (r, "Compte et langue", "Account and language"));
  if (r->me != NULL)
    {
      cq_html_printf (o, "<a href=\"/account\" class=\"who\">%s</a>\n",
                      r->me->name && *r->me->name ? r->me->name : r->me->id);
    }
  if (strcmp (r->lang, "fr") == 0)
    cq_html_printf (o, "<a href=\"/lang/en?next=%s\" lang=\"en\" hreflang=\"en\">English</a>\n", here);
  else
    cq_html_printf (o, "<a href=\"/lang/fr?next=%s\" lang=\"fr\" hreflang=\"fr\">Français</a>\n", here);
  if (r->me != NULL)
    {
      g_string_append (o, "<form method=\"post\" action=\"/logout\" class=\"inline\">");
      cq_web_csrf_field (r, o);
      cq_html_printf (o, "<button type=\"submit\" class=\"link\">%s</button></form>\n",
                      T (r, "Se déconnecter", "Sign out"));
    }
  g_string_append (o, "</nav>\n</header>\n<main id=\"main\">\n");
  if (crumbs != NULL)
    cq_html_printf (o, "<nav class=\"crumbs\" aria-label=\"%s\">", T (r, "Fil d’Ariane", "Breadcrumb"));
  if (crumbs != NULL)
    g_string_append_printf (o, "%s</nav>\n", crumbs);
  cq_html_printf (o, "<h1>%s</h1>\n", title);
  if (main_html != NULL)
    g_string_append_len (o, main_html->str, main_html->len);
  cq_html_printf (o, "</main>\n<footer>%s</footer>\n</body>\n</html>\n",
                  T (r, "colloquy — les indicateurs sont des aide-mémoire ; seules des personnes "
                        "jugent et décident.",
                     "colloquy — indicators are aide-mémoire only; people, and only people, "
                     "judge and decide."));
}

void
cq_web_error (CqWebRequest *r, guint status, const char *message)
{
  g_autoptr (GString) m = g_string_new (NULL);
  cq_html_printf (m, "<p class=\"problem\" role=\"alert\">%s</p>\n", message);
  cq_html_printf (m, "<p><a href=\"/\">%s</a></p>\n", T (r, "Retour à l’accueil", "Back to the start page"));
  const char *title = status == 404 ? T (r, "Page introuvable", "Page not found")
                      : status == 403 ? T (r, "Accès refusé", "Access refused")
                      : status == 413 ? T (r, "Trop volumineux", "Too large")
                      : status == 429 ? T (r, "Trop d’essais", "Too many attempts")
                      : status >= 500 ? T (r, "Erreur", "Error")
                      : T (r, "Impossible", "Not possible");
  cq_web_page (r, status, title, NULL, m);
}
