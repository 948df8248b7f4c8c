/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * DbusNetwork's bus address parser (a config value) on arbitrary text.
 */
#include "jmp-dbus-address.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree gchar *text = g_strndup ((const gchar *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = jmp_dbus_address_parse (text, &error);

  g_assert ((entries == NULL) == (error != NULL));
  return 0;
}
