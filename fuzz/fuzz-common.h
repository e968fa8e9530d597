/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* What the fuzz targets share: libFuzzer's entry points, where the source
 * tree is, and GLib's criticals made fatal (a failed precondition is a bug
 * the fuzzer must report, not a message to skip). */

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The source tree: $CQ_SOURCE_DIR, else the one this was built from. */
static inline const char *
cq_fuzz_source_dir (void)
{
  const char *dir = g_getenv ("CQ_SOURCE_DIR");
  return dir && *dir ? dir : CQ_FUZZ_SOURCE_DIR;
}

static inline void
cq_fuzz_setup (void)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}
