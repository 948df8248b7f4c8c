/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ustreamer's /state JSON, as a device (or whatever listens on its
 * socket) may send it.
 */
#include "jmp-ustreamer-state.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GBytes) json = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (jmp_ustreamer_state_parse (json, &builder, &error))
    g_variant_unref (g_variant_ref_sink (g_variant_builder_end (&builder)));
  else
    g_variant_builder_clear (&builder);
  return 0;
}
