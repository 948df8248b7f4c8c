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
 * driver, as typed rows, serialized once into bytes. GDBus walks every
 * value of a message to write it and to read it: for 1,000 drivers ~3 ms
 * of the host's main loop per call and ~6 ms in the client even for these
 * compact rows (0.6 MB of GetManagedObjects(): ~11 and ~20 ms), while an
 * `ay` is copied. The client reads the rows from the bytes in place.
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
 * Returns: (transfer full): the `ay` of ListDrivers(), not floating: the
 *   little-endian serialization of a %JMP_DRIVER_ROWS_TYPE, the rows in
 *   the order clients list drivers
 */
GVariant *
jmp_driver_rows_build (GHashTable *objects)
{
  g_autoptr(GArray) rows = g_array_sized_new (FALSE, TRUE, sizeof (JmpDriverRow),
                                              g_hash_table_size (objects));
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GBytes) bytes = NULL;
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
  value = g_variant_ref_sink (g_variant_builder_end (&builder));
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *swapped = g_variant_byteswap (value);

      g_variant_unref (value);
      value = swapped;
    }
  bytes = g_variant_get_data_as_bytes (value);
  return g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE));
}
