/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

#include <glib.h>

/* One subcommand of the colloquy command. argv[0] is the command's name. */
typedef struct {
  const char *name;
  const char *args;    /* e.g. "PATH..." */
  const char *summary; /* one line for `colloquy --help` */
  int (*run) (int argc, char **argv);
} CqCommand;

int cq_cmd_validate (int argc, char **argv);
int cq_cmd_show (int argc, char **argv);
int cq_cmd_score (int argc, char **argv);
int cq_cmd_test (int argc, char **argv);
int cq_cmd_init (int argc, char **argv);
int cq_cmd_member (int argc, char **argv);
int cq_cmd_case (int argc, char **argv);
int cq_cmd_assessment (int argc, char **argv);
int cq_cmd_interview (int argc, char **argv);
int cq_cmd_consensus (int argc, char **argv);
int cq_cmd_decision (int argc, char **argv);
int cq_cmd_audit (int argc, char **argv);
int cq_cmd_export (int argc, char **argv);
int cq_cmd_sign (int argc, char **argv);
int cq_cmd_verify (int argc, char **argv);
int cq_cmd_pki (int argc, char **argv);
int cq_cmd_preview (int argc, char **argv);
int cq_cmd_deployment (int argc, char **argv);
int cq_cmd_serve (int argc, char **argv);

/* The database named by --db or COLLOQUY_DB; prints why not and returns
 * NULL when it cannot be opened. */
struct _CqStore *cq_cli_store (const char *db, gboolean create, const char *cmd);
/* Who acts: --as, else COLLOQUY_MEMBER, else the login name. */
const char *cq_cli_actor (const char *as);

/* Parses a command's options; prints the error and returns FALSE on a
 * usage mistake. Adds the command's usage line and description. */
gboolean cq_cli_parse (GOptionContext *ctx, const CqCommand *cmd, int *argc, char ***argv);
const CqCommand *cq_cli_command (const char *name);

/* Whether lang (NULL: the default) is a language of the instrument; prints
 * which ones it declares when not. */
struct _CqInstrument;
gboolean cq_cli_check_lang (const struct _CqInstrument *inst, const char *lang, const char *cmd);

/* Whether to colour output to stream (a terminal, and NO_COLOR unset). */
gboolean cq_cli_colour (FILE *stream);

/* Exit statuses. */
enum { CQ_EXIT_OK = 0, CQ_EXIT_FAILURE = 1, CQ_EXIT_USAGE = 2 };
