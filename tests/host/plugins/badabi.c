/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A plugin built for another plugin ABI; its register function must never
 * run.
 */
#include <jumpstarter/jumpstarter.h>

static gboolean
badabi_register (JmpRegistry  *registry,
                 GError      **error)
{
  g_error ("the register function of a plugin of another ABI was called");
  return FALSE;
}

G_MODULE_EXPORT const JmpPluginDesc *jmp_plugin_describe (void);

const JmpPluginDesc *
jmp_plugin_describe (void)
{
  static const JmpPluginDesc desc = {
    99, "badabi", "1.0", "A plugin from the future", "MIT", badabi_register, { NULL, }
  };

  return &desc;
}
