/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-host-info.h"
#include "jmp-host-list-private.h"

/**
 * JmpHostInfo:
 *
 * One running `jumpstarter-host` as jmp_client_list_hosts() found it: the
 * exporter it serves, where to reach it, and how many drivers it has.
 * Pass jmp_host_info_get_exporter() to jmp_client_new_for_exporter() to
 * use it.
 */

struct _JmpHostInfo
{
  GObject   parent_instance;

  gchar    *exporter;
  gchar    *name;
  gchar    *description;
  gint      n_drivers;
  gchar    *bus_name;
  gchar    *address;
  gboolean  is_default;
};

G_DEFINE_FINAL_TYPE (JmpHostInfo, jmp_host_info, G_TYPE_OBJECT)

static void
jmp_host_info_finalize (GObject *object)
{
  JmpHostInfo *self = JMP_HOST_INFO (object);

  g_free (self->exporter);
  g_free (self->name);
  g_free (self->description);
  g_free (self->bus_name);
  g_free (self->address);
  G_OBJECT_CLASS (jmp_host_info_parent_class)->finalize (object);
}

static void
jmp_host_info_class_init (JmpHostInfoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jmp_host_info_finalize;
}

static void
jmp_host_info_init (JmpHostInfo *self)
{
  self->n_drivers = -1;
}

static gchar *
jmp_host_info_prop_string (GVariant *props, const gchar *key)
{
  const gchar *value = NULL;

  if (props != NULL && g_variant_lookup (props, key, "&s", &value) && *value != '\0')
    return g_strdup (value);
  return NULL;
}

/* @props: the a{sv} of Host1's properties, or NULL */
JmpHostInfo *
jmp_host_info_new (GVariant    *props,
                   const gchar *bus_name,
                   const gchar *address,
                   gboolean     is_default,
                   gint         n_drivers)
{
  JmpHostInfo *self = g_object_new (JMP_TYPE_HOST_INFO, NULL);

  self->name = jmp_host_info_prop_string (props, "ExporterName");
  self->description = jmp_host_info_prop_string (props, "Description");
  self->exporter = jmp_host_info_prop_string (props, "Alias");
  if (self->exporter == NULL)
    self->exporter = g_strdup (self->name);
  self->bus_name = g_strdup (bus_name);
  self->address = g_strdup (address);
  self->is_default = is_default;
  self->n_drivers = n_drivers;
  return self;
}

/**
 * jmp_host_info_get_exporter:
 * @self: a #JmpHostInfo
 *
 * Gets the name of the exporter the host serves: the name it was started
 * with (`jumpstarter-host --exporter NAME`, or `default`), or for a host
 * given a config file, the file's `metadata.name`.
 *
 * Returns: (nullable): the exporter's name
 */
const gchar *
jmp_host_info_get_exporter (JmpHostInfo *self)
{
  g_return_val_if_fail (JMP_IS_HOST_INFO (self), NULL);
  return self->exporter;
}

/**
 * jmp_host_info_get_name:
 * @self: a #JmpHostInfo
 *
 * Gets `metadata.name` of the host's exporter config.
 *
 * Returns: (nullable): the config's name
 */
const gchar *
jmp_host_info_get_name (JmpHostInfo *self)
{
  g_return_val_if_fail (JMP_IS_HOST_INFO (self), NULL);
  return self->name;
}

/**
 * jmp_host_info_get_description:
 * @self: a #JmpHostInfo
 *
 * Gets the description of the host's exporter config.
 *
 * Returns: (nullable): the description
 */
const gchar *
jmp_host_info_get_description (JmpHostInfo *self)
{
  g_return_val_if_fail (JMP_IS_HOST_INFO (self), NULL);
  return self->description;
}

/**
 * jmp_host_info_get_n_drivers:
 * @self: a #JmpHostInfo
 *
 * Gets the number of drivers the host exports, nested ones included.
 *
 * Returns: the number of drivers, or -1 when they were not counted
 */
gint
jmp_host_info_get_n_drivers (JmpHostInfo *self)
{
  g_return_val_if_fail (JMP_IS_HOST_INFO (self), -1);
  return self->n_drivers;
}

/**
 * jmp_host_info_get_bus_name:
 * @self: a #JmpHostInfo
 *
 * Gets the well-known name the host owns on the bus: its exporter's own
 * name (see jmp_exporter_bus_name()) or, for a host that has none,
 * `dev.jumpstarter.Host1`.
 *
 * Returns: (nullable): the bus name, or %NULL for a peer-to-peer host
 */
const gchar *
jmp_host_info_get_bus_name (JmpHostInfo *self)
{
  g_return_val_if_fail (JMP_IS_HOST_INFO (self), NULL);
  return self->bus_name;
}

/**
 * jmp_host_info_get_address:
 * @self: a #JmpHostInfo
 *
 * Gets the peer-to-peer address of the host, for the host of
 * `$JUMPSTARTER_HOST`.
 *
 * Returns: (nullable): the D-Bus address, or %NULL for a host on a bus
 */
const gchar *
jmp_host_info_get_address (JmpHostInfo *self)
{
  g_return_val_if_fail (JMP_IS_HOST_INFO (self), NULL);
  return self->address;
}

/**
 * jmp_host_info_is_default:
 * @self: a #JmpHostInfo
 *
 * Tells whether the host owns `dev.jumpstarter.Host1`, the name of the
 * default exporter's host, which clients use when they are not told
 * which exporter to use.
 *
 * Returns: %TRUE for the default host
 */
gboolean
jmp_host_info_is_default (JmpHostInfo *self)
{
  g_return_val_if_fail (JMP_IS_HOST_INFO (self), FALSE);
  return self->is_default;
}
