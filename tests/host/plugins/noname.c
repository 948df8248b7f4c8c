/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A plugin whose descriptor has an empty name; its register function must
 * never run.
 */
#include <jumpstarter/jumpstarter.h>

static gboolean
noname_register (JmpRegistry  *registry,
                 GError      **error)
{
  g_error ("the register function of a plugin without a name was called");
  return FALSE;
}

JMP_PLUGIN_DEFINE ("", "1.0", "A plugin without a name", noname_register)
