/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "jmp-dbus-generated.h"
#include "jmp-driver-rows.h"

/*
 * The reply of Host1.ListDrivers(): what GetManagedObjects() says of each
 * driver, as compact typed rows. GDBus walks every value of a message to
 * write it and to read it; without the a{sv} of each interface (a type
 * string and a key per property) and the properties a listing does not
 * show, the reply is less than half the size, and so is its cost on both
 * sides.
 */

typedef struct {
  GDBusObject    *object;
  JmpDBusDriver1 *driver1;
} JmpDriverRow;

static void
jmp_driver_row_clear (JmpDriverRow *row)
{
  g_clear_object (&row->driver1);
}

/* As clients have always sorted: Driver1.Index, then the object path. */
static gint
jmp_driver_row_compare (gconstpointer a, gconstpointer b)
{
  const JmpDriverRow *ra = a;
  const JmpDriverRow *rb = b;
  guint ia = jmp_dbus_driver1_get_index (ra->driver1);
  guint ib = jmp_dbus_driver1_get_index (rb->driver1);

  if (ia != ib)
    return ia < ib ? -1 : 1;
  return strcmp (g_dbus_object_get_object_path (ra->object),
                 g_dbus_object_get_object_path (rb->object));
}

static void
jmp_driver_row_add (GVariantBuilder *builder, const JmpDriverRow *row)
{
  JmpDBusDriver1 *d = row->driver1;

  g_variant_builder_add (builder, "(ossssss@a{ss}@a{ss})",
                         g_dbus_object_get_object_path (row->object),
                         jmp_dbus_driver1_get_name (d) ?: "",
                         jmp_dbus_driver1_get_path (d) ?: "",
                         jmp_dbus_driver1_get_type_ (d) ?: "",
                         jmp_dbus_driver1_get_uuid (d) ?: "",
                         jmp_dbus_driver1_get_parent_uuid (d) ?: "",
                         jmp_dbus_driver1_get_description (d) ?: "",
                         jmp_dbus_driver1_get_labels (d) ?: g_variant_new ("a{ss}", NULL),
                         jmp_dbus_driver1_get_methods_description (d) ?: g_variant_new ("a{ss}", NULL));
}

/**
 * jmp_driver_rows_build:
 * @objects: (element-type utf8 GDBusObject): the exported driver objects
 *   by object path
 *
 * Returns: (transfer full): a value of type %JMP_DRIVER_ROWS_TYPE, not
 *   floating, the rows in the order clients list drivers
 */
GVariant *
jmp_driver_rows_build (GHashTable *objects)
{
  g_autoptr(GArray) rows = g_array_sized_new (FALSE, TRUE, sizeof (JmpDriverRow),
                                              g_hash_table_size (objects));
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer object;

  g_array_set_clear_func (rows, (GDestroyNotify) jmp_driver_row_clear);
  g_hash_table_iter_init (&iter, objects);
  while (g_hash_table_iter_next (&iter, NULL, &object))
    {
      GDBusInterface *iface = g_dbus_object_get_interface (object, "dev.jumpstarter.Driver1");
      JmpDriverRow row = { object, NULL };

      if (iface == NULL || !JMP_DBUS_IS_DRIVER1 (iface))
        {
          g_clear_object (&iface);
          continue;
        }
      row.driver1 = JMP_DBUS_DRIVER1 (iface);
      g_array_append_val (rows, row);
    }
  g_array_sort (rows, jmp_driver_row_compare);

  g_variant_builder_init (&builder, G_VARIANT_TYPE (JMP_DRIVER_ROWS_TYPE));
  for (guint i = 0; i < rows->len; i++)
    jmp_driver_row_add (&builder, &g_array_index (rows, JmpDriverRow, i));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}
