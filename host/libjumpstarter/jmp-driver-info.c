/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-client-private.h"
#include "jmp-driver-info.h"

#define JMP_DRIVER_INFO_N_STRINGS 7

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
  GVariant    *fields[JMP_DRIVER_INFO_N_STRINGS];
  GHashTable  *labels;            /* built when asked for */
  GHashTable  *methods_description;
};

G_DEFINE_FINAL_TYPE (JmpDriverInfo, jmp_driver_info, G_TYPE_OBJECT)

/* The members of a row, in order. */
enum {
  FIELD_OBJECT_PATH,
  FIELD_NAME,
  FIELD_PATH,
  FIELD_TYPE_NAME,
  FIELD_UUID,
  FIELD_PARENT_UUID,
  FIELD_DESCRIPTION,
  FIELD_LABELS,
  FIELD_METHODS_DESCRIPTION,
};

static void
jmp_driver_info_finalize (GObject *object)
{
  JmpDriverInfo *self = JMP_DRIVER_INFO (object);

  g_clear_pointer (&self->labels, g_hash_table_unref);
  g_clear_pointer (&self->methods_description, g_hash_table_unref);
  for (guint i = 0; i < JMP_DRIVER_INFO_N_STRINGS; i++)
    g_variant_unref (self->fields[i]);
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
 * normal form (checked by the caller). Its members are kept, not copied:
 * their strings point into the reply's bytes. */
JmpDriverInfo *
jmp_driver_info_new_from_row (GVariant *row)
{
  JmpDriverInfo *self = g_object_new (JMP_TYPE_DRIVER_INFO, NULL);

  self->row = g_variant_ref_sink (row);
  for (guint i = 0; i < JMP_DRIVER_INFO_N_STRINGS; i++)
    self->fields[i] = g_variant_get_child_value (self->row, i);
  return self;
}

static const gchar *
jmp_driver_info_field (JmpDriverInfo *self, guint field)
{
  return g_variant_get_string (self->fields[field], NULL);
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
  return jmp_driver_info_field (self, FIELD_OBJECT_PATH);
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
  return jmp_driver_info_field (self, FIELD_NAME);
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
  return jmp_driver_info_field (self, FIELD_PATH);
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
  return jmp_driver_info_field (self, FIELD_TYPE_NAME);
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
  return jmp_driver_info_field (self, FIELD_UUID);
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
  return jmp_driver_info_field (self, FIELD_PARENT_UUID);
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
  return jmp_driver_info_field (self, FIELD_DESCRIPTION);
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
