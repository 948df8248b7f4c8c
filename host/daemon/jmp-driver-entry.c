/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-driver-entry.h"
#include "jmp-export.h"

/*
 * The reply of Host1.GetDriver(): one driver as GetManagedObjects() shows
 * it, found by a hash lookup, so that a client that needs one driver pays
 * for that one whatever the size of the tree.
 */

/**
 * jmp_driver_entry_object_path:
 * @driver: a dotted path ("harness.power") or an object path, from a caller
 *
 * Where the export puts @driver: each key of the dotted path escaped as
 * jmp-export.c does, below `…/driver`. Keys never hold a dot (the config
 * refuses them), so the mapping is one to one.
 *
 * Returns: (transfer full) (nullable): a valid object path, or %NULL when
 *   @driver cannot name one
 */
gchar *
jmp_driver_entry_object_path (const gchar *driver)
{
  g_auto(GStrv) keys = NULL;
  g_autoptr(GString) path = NULL;

  if (driver[0] == '/')
    return g_variant_is_object_path (driver) ? g_strdup (driver) : NULL;

  path = g_string_new (JMP_HOST_DRIVER_PATH);
  keys = g_strsplit (driver, ".", -1);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree gchar *escaped = g_dbus_escape_object_path (keys[i]);

      g_string_append_printf (path, "/%s", escaped);
    }
  /* "", "a..b" and "a." leave an empty element */
  if (!g_variant_is_object_path (path->str))
    return NULL;
  return g_string_free (g_steal_pointer (&path), FALSE);
}

/**
 * jmp_driver_entry_build:
 * @object: a driver's exported object
 *
 * Returns: (transfer floating): its interfaces and their properties,
 *   `a{sa{sv}}`, as one entry of GetManagedObjects()
 */
GVariant *
jmp_driver_entry_build (GDBusObject *object)
{
  g_autolist(GDBusInterfaceSkeleton) interfaces = g_dbus_object_get_interfaces (object);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  for (GList *l = interfaces; l != NULL; l = l->next)
    {
      GDBusInterfaceSkeleton *skeleton = l->data;
      /* (transfer full), floating or not depending on the skeleton */
      g_autoptr(GVariant) properties =
        g_variant_take_ref (g_dbus_interface_skeleton_get_properties (skeleton));

      g_variant_builder_add (&builder, "{s@a{sv}}",
                             g_dbus_interface_skeleton_get_info (skeleton)->name, properties);
    }
  return g_variant_builder_end (&builder);
}
