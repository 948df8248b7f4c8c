/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The exporter config reader on arbitrary bytes. The origin's extension
 * picks the format: FUZZ_CONFIG_ORIGIN is "fuzz.yaml" or "fuzz.json".
 */
#include <jumpstarter/jumpstarter.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpConfig) config = NULL;

  config = jmp_config_new_from_data ((const gchar *) data, (gssize) size, FUZZ_CONFIG_ORIGIN,
                                     &error);
  g_assert ((config == NULL) == (error != NULL));
  return 0;
}
