/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <jumpstarter/jumpstarter.h>

#include "jmp-dbus-network.h"

static gboolean
jmp_dbus_plugin_register (JmpRegistry *registry, GError **error)
{
  /* Jumpstarter's class path, so its configs load as they are */
  const gchar *aliases[] = { "jumpstarter_driver_network.driver.DbusNetwork", NULL };

  return jmp_registry_add_type (registry, "DbusNetwork", JMP_TYPE_DBUS_NETWORK, aliases, error);
}

JMP_PLUGIN_DEFINE ("dbus", PACKAGE_VERSION,
                   N_("The exporter's system or session D-Bus bus, as a stream"),
                   jmp_dbus_plugin_register)
