/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-client-private.h"
#include "jmp-driver-info.h"

/**
 * JmpDriverInfo:
 *
 * One driver as jmp_client_list_drivers() lists it: what `jmp list`
 * shows, read in one call, with no #JmpDriverProxy behind it. To use the
 * driver, look it up with jmp_client_get_driver() and its
 * jmp_driver_info_get_path() or jmp_driver_info_get_object_path().
 */

struct _JmpDriverInfo
{
  GObject      parent_instance;

  GVariant    *row;   /* one (ossssssa{ss}a{ss}) of Host1.ListDrivers() */
  const gchar *object_path;       /* these point into @row's bytes */
  const gchar *name;
  const gchar *path;
  const gchar *type_name;
  const gchar *uuid;
  const gchar *parent_uuid;
  const gchar *description;
  GHashTable  *labels;            /* built when asked for */
  GHashTable  *methods_description;
};

G_DEFINE_FINAL_TYPE (JmpDriverInfo, jmp_driver_info, G_TYPE_OBJECT)

/* The dictionaries of a row, after its seven strings. */
enum {
  FIELD_LABELS = 7,
  FIELD_METHODS_DESCRIPTION,
};

static void
jmp_driver_info_finalize (GObject *object)
{
  JmpDriverInfo *self = JMP_DRIVER_INFO (object);

  g_clear_pointer (&self->labels, g_hash_table_unref);
  g_clear_pointer (&self->methods_description, g_hash_table_unref);
  g_variant_unref (self->row);
  G_OBJECT_CLASS (jmp_driver_info_parent_class)->finalize (object);
}

static void
jmp_driver_info_class_init (JmpDriverInfoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jmp_driver_info_finalize;
}

static void
jmp_driver_info_init (JmpDriverInfo *self)
{
}

/* @row: one row of ListDrivers(), of type JMP_DRIVER_INFO_ROW_TYPE and in
 * normal form (checked by the caller). Its strings are read in place: a
 * string borrowed from a child of a serialized value stays valid for as
 * long as that value, and child by child costs less than g_variant_get(),
 * which checks its format string each time. */
JmpDriverInfo *
jmp_driver_info_new_from_row (GVariant *row)
{
  JmpDriverInfo *self = g_object_new (JMP_TYPE_DRIVER_INFO, NULL);
  const gchar **strings[] = {
    &self->object_path, &self->name, &self->path, &self->type_name,
    &self->uuid, &self->parent_uuid, &self->description,
  };

  self->row = g_variant_ref_sink (row);
  /* serialized already (the reply's bytes): this only makes sure */
  (void) g_variant_get_data (self->row);
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (self->row, i);

      *strings[i] = g_variant_get_string (child, NULL);
    }
  return self;
}

/**
 * jmp_driver_info_get_object_path:
 * @self: a #JmpDriverInfo
 *
 * Gets the D-Bus object path of the driver.
 *
 * Returns: the object path, e.g. `/dev/jumpstarter/Host1/driver/harness/power`
 */
const gchar *
jmp_driver_info_get_object_path (JmpDriverInfo *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_INFO (self), NULL);
  return self->object_path;
}

/**
 * jmp_driver_info_get_name:
 * @self: a #JmpDriverInfo
 *
 * Gets the driver's key in its parent's `export` or `children`.
 *
 * Returns: the name, e.g. `power`
 */
const gchar *
jmp_driver_info_get_name (JmpDriverInfo *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_INFO (self), NULL);
  return self->name;
}

/**
 * jmp_driver_info_get_path:
 * @self: a #JmpDriverInfo
 *
 * Gets the dotted path of the driver from the root of the export, which
 * jmp_client_get_driver() and `jmp PATH …` take.
 *
 * Returns: the path, e.g. `harness.power`
 */
const gchar *
jmp_driver_info_get_path (JmpDriverInfo *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_INFO (self), NULL);
  return self->path;
}

/**
 * jmp_driver_info_get_type_name:
 * @self: a #JmpDriverInfo
 *
 * Gets the driver's type as the host registered it.
 *
 * Returns: the type name, e.g. `TcpNetwork`
 */
const gchar *
jmp_driver_info_get_type_name (JmpDriverInfo *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_INFO (self), NULL);
  return self->type_name;
}

/**
 * jmp_driver_info_get_uuid:
 * @self: a #JmpDriverInfo
 *
 * Gets the driver's uuid.
 *
 * Returns: the uuid
 */
const gchar *
jmp_driver_info_get_uuid (JmpDriverInfo *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_INFO (self), NULL);
  return self->uuid;
}

/**
 * jmp_driver_info_get_parent_uuid:
 * @self: a #JmpDriverInfo
 *
 * Gets the uuid of the driver that holds this one.
 *
 * Returns: the parent's uuid, empty for a driver at the top of the export
 */
const gchar *
jmp_driver_info_get_parent_uuid (JmpDriverInfo *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_INFO (self), NULL);
  return self->parent_uuid;
}

/**
 * jmp_driver_info_get_description:
 * @self: a #JmpDriverInfo
 *
 * Gets the driver's description from the exporter config.
 *
 * Returns: the description, possibly empty
 */
const gchar *
jmp_driver_info_get_description (JmpDriverInfo *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_INFO (self), NULL);
  return self->description;
}

static GHashTable *
jmp_driver_info_table (JmpDriverInfo *self, gsize child, GHashTable **table)
{
  if (*table == NULL)
    {
      g_autoptr(GVariant) value = g_variant_get_child_value (self->row, child);

      *table = jmp_client_hash_from_variant (value);
    }
  return *table;
}

/**
 * jmp_driver_info_get_labels:
 * @self: a #JmpDriverInfo
 *
 * Gets the driver's labels, `jumpstarter.dev/name` included.
 *
 * Returns: (transfer none) (element-type utf8 utf8): the labels
 */
GHashTable *
jmp_driver_info_get_labels (JmpDriverInfo *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_INFO (self), NULL);
  return jmp_driver_info_table (self, FIELD_LABELS, &self->labels);
}

/**
 * jmp_driver_info_get_methods_description:
 * @self: a #JmpDriverInfo
 *
 * Gets the help text per client command, from the config's
 * `methods_description` and the driver itself.
 *
 * Returns: (transfer none) (element-type utf8 utf8): command → text
 */
GHashTable *
jmp_driver_info_get_methods_description (JmpDriverInfo *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_INFO (self), NULL);
  return jmp_driver_info_table (self, FIELD_METHODS_DESCRIPTION, &self->methods_description);
}
