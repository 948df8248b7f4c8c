/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Several hosts on one bus, one per exporter: listing them, and picking
 * the one a client connects to.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-client.h"
#include "jmp-client-private.h"
#include "jmp-error.h"
#include "jmp-exporter-names.h"
#include "jmp-host-list-private.h"

/**
 * jmp_client_list_hosts:
 * @bus_type: %G_BUS_TYPE_SESSION or %G_BUS_TYPE_SYSTEM
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: data for @callback
 *
 * Finds every `jumpstarter-host` on the bus (one per exporter, plus the
 * default one) and, for the session bus, the peer-to-peer host of
 * `$JUMPSTARTER_HOST`, and asks each for its exporter and drivers. A host
 * that does not answer within 5 s is left out. Finish with
 * jmp_client_list_hosts_finish().
 */
void
jmp_client_list_hosts (GBusType             bus_type,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  jmp_host_list_async (bus_type, TRUE, cancellable, callback, user_data);
}

/**
 * jmp_client_list_hosts_finish:
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_client_list_hosts().
 *
 * Returns: (transfer container) (element-type JmpHostInfo): the hosts,
 *   `$JUMPSTARTER_HOST`'s first, then the default one, then by exporter
 *   name; or %NULL with %JMP_ERROR_UNAVAILABLE when neither the bus nor
 *   `$JUMPSTARTER_HOST` can be reached
 */
GPtrArray *
jmp_client_list_hosts_finish (GAsyncResult  *result,
                              GError       **error)
{
  return jmp_host_list_finish (result, error);
}

/**
 * jmp_client_list_hosts_sync:
 * @bus_type: %G_BUS_TYPE_SESSION or %G_BUS_TYPE_SYSTEM
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists the running hosts as jmp_client_list_hosts() does, blocking the
 * calling thread.
 *
 * Returns: (transfer container) (element-type JmpHostInfo): the hosts, or
 *   %NULL with @error set
 */
GPtrArray *
jmp_client_list_hosts_sync (GBusType       bus_type,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return jmp_host_list_sync (bus_type, TRUE, cancellable, error);
}

static gchar *
jmp_client_exporter_names (GPtrArray *hosts)
{
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < hosts->len; i++)
    {
      const gchar *exporter = jmp_host_info_get_exporter (g_ptr_array_index (hosts, i));

      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, exporter ?: "?");
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static const gchar *
jmp_client_bus_text (GBusType bus_type)
{
  return bus_type == G_BUS_TYPE_SYSTEM ? _("the system bus") : _("the session bus");
}

/* Which of @hosts to use. NULL without @error: none runs, so ask for the
 * default one and let D-Bus activation start it. */
static JmpHostInfo *
jmp_client_choose_host (GPtrArray    *hosts,
                        const gchar  *exporter,
                        GBusType      bus_type,
                        GError      **error)
{
  g_autofree gchar *names = jmp_client_exporter_names (hosts);

  if (exporter != NULL)
    {
      for (guint i = 0; i < hosts->len; i++)
        if (g_strcmp0 (jmp_host_info_get_exporter (g_ptr_array_index (hosts, i)), exporter) == 0)
          return g_ptr_array_index (hosts, i);
      if (hosts->len == 0)
        g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                     _("no jumpstarter-host serves exporter \"%s\": none runs on %s"),
                     exporter, jmp_client_bus_text (bus_type));
      else
        g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                     _("no jumpstarter-host serves exporter \"%s\" on %s; running: %s"),
                     exporter, jmp_client_bus_text (bus_type), names);
      return NULL;
    }

  for (guint i = 0; i < hosts->len; i++)
    if (jmp_host_info_is_default (g_ptr_array_index (hosts, i)))
      return g_ptr_array_index (hosts, i);
  if (hosts->len == 1)
    return g_ptr_array_index (hosts, 0);
  if (hosts->len > 1)
    g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                 _("%u jumpstarter-hosts run on %s and none is the default; "
                   "pick one by exporter name: %s"),
                 hosts->len, jmp_client_bus_text (bus_type), names);
  return NULL;
}

static GInitable *
jmp_client_new_for_host_sync (JmpHostInfo     *host,
                              GBusType         bus_type,
                              JmpClientFlags   flags,
                              GCancellable    *cancellable,
                              GError         **error)
{
  if (host != NULL && jmp_host_info_get_address (host) != NULL)
    return g_initable_new (JMP_TYPE_CLIENT, cancellable, error,
                           "address", jmp_host_info_get_address (host),
                           "flags", flags, NULL);
  return g_initable_new (JMP_TYPE_CLIENT, cancellable, error,
                         "flags", flags,
                         "bus-type", bus_type == G_BUS_TYPE_SYSTEM ? G_BUS_TYPE_SYSTEM
                                                                   : G_BUS_TYPE_SESSION,
                         "bus-name", host != NULL ? jmp_host_info_get_bus_name (host) : NULL,
                         NULL);
}

/* $JUMPSTARTER_HOST set (as in `jmp shell`) and nothing picked: that host,
 * as jmp_client_new() has always done, without looking at the bus. */
static gboolean
jmp_client_env_wins (GBusType bus_type, const gchar *exporter)
{
  g_autofree gchar *address = NULL;

  if (exporter != NULL || bus_type == G_BUS_TYPE_SYSTEM)
    return FALSE;
  address = jmp_client_env_address ();
  return address != NULL;
}

static void
jmp_client_exporter_client_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GObject *client = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, &error);

  if (client == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, client, g_object_unref);
}

static void
jmp_client_exporter_start (GTask *task, JmpHostInfo *host)
{
  GBusType bus_type = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "bus-type"));
  JmpClientFlags flags = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (task), "flags"));

  if (host != NULL && jmp_host_info_get_address (host) != NULL)
    g_async_initable_new_async (JMP_TYPE_CLIENT, G_PRIORITY_DEFAULT,
                                g_task_get_cancellable (task),
                                jmp_client_exporter_client_cb, g_object_ref (task),
                                "address", jmp_host_info_get_address (host),
                                "flags", flags, NULL);
  else
    g_async_initable_new_async (JMP_TYPE_CLIENT, G_PRIORITY_DEFAULT,
                                g_task_get_cancellable (task),
                                jmp_client_exporter_client_cb, g_object_ref (task),
                                "flags", flags,
                                "bus-type", bus_type == G_BUS_TYPE_SYSTEM ? G_BUS_TYPE_SYSTEM
                                                                          : G_BUS_TYPE_SESSION,
                                "bus-name", host != NULL ? jmp_host_info_get_bus_name (host) : NULL,
                                NULL);
}

/* The name the host picked would own on the bus: asking whether it runs
 * spares the listing, and so every other host, in the usual case. */
static gchar *
jmp_client_direct_name (const gchar *exporter, GError **error)
{
  return exporter != NULL ? jmp_exporter_bus_name (exporter, error)
                          : g_strdup (JMP_HOST_BUS_NAME);
}

static GVariant *
jmp_client_name_has_owner_call (const gchar *name)
{
  return g_variant_new ("(s)", name);
}

static void
jmp_client_exporter_list_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GPtrArray) hosts = NULL;
  GError *error = NULL;
  JmpHostInfo *host;

  hosts = jmp_host_list_finish (result, &error);
  if (hosts == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  host = jmp_client_choose_host (hosts, g_task_get_task_data (task),
                                 GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "bus-type")),
                                 &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  jmp_client_exporter_start (task, host);
}

static void
jmp_client_exporter_owner_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  GBusType bus_type = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "bus-type"));
  const gchar *name = g_object_get_data (G_OBJECT (task), "direct-name");
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  if (has_owner)
    {
      g_autoptr(JmpHostInfo) host = jmp_host_info_new (NULL, name, NULL, FALSE, -1);
      jmp_client_exporter_start (task, host);
      return;
    }
  jmp_host_list_async (bus_type, FALSE, g_task_get_cancellable (task),
                       jmp_client_exporter_list_cb, g_object_ref (task));
}

static void
jmp_client_exporter_bus_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, NULL);
  GBusType bus_type = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "bus-type"));
  GError *error = NULL;
  gchar *name;

  name = jmp_client_direct_name (g_task_get_task_data (task), &error);
  if (name == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "direct-name", name, g_free);
  /* no bus: the listing says why, or finds $JUMPSTARTER_HOST's host */
  if (bus == NULL)
    {
      jmp_host_list_async (bus_type, FALSE, g_task_get_cancellable (task),
                           jmp_client_exporter_list_cb, g_object_ref (task));
      return;
    }
  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "NameHasOwner",
                          jmp_client_name_has_owner_call (name), G_VARIANT_TYPE ("(b)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, g_task_get_cancellable (task),
                          jmp_client_exporter_owner_cb, g_object_ref (task));
}

/**
 * jmp_client_new_for_exporter:
 * @bus_type: %G_BUS_TYPE_SESSION or %G_BUS_TYPE_SYSTEM
 * @exporter: (nullable): the exporter's name, or %NULL for the default
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the client is ready
 * @user_data: data for @callback
 *
 * Connects to the host serving @exporter: the one owning its bus name
 * (jmp_exporter_bus_name()) if it runs, else, among the hosts
 * jmp_client_list_hosts() finds, the one whose exporter has that name.
 * With @exporter %NULL: the host of `$JUMPSTARTER_HOST` when it is set
 * (and @bus_type is not the system bus), else the default exporter's host
 * (`dev.jumpstarter.Host1`) if it runs, else the only host running, else,
 * with none running, the default one through D-Bus activation. Finish
 * with jmp_client_new_for_exporter_finish().
 */
void
jmp_client_new_for_exporter (GBusType             bus_type,
                             const gchar         *exporter,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  jmp_client_new_for_exporter_full (bus_type, exporter, JMP_CLIENT_FLAGS_NONE,
                                    cancellable, callback, user_data);
}

/**
 * jmp_client_new_for_exporter_full:
 * @bus_type: %G_BUS_TYPE_SESSION or %G_BUS_TYPE_SYSTEM
 * @exporter: (nullable): the exporter's name, or %NULL for the default
 * @flags: how to connect, e.g. %JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS for
 *   a client that only lists drivers
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the client is ready
 * @user_data: data for @callback
 *
 * Connects to the host serving @exporter as jmp_client_new_for_exporter()
 * does, with @flags. Finish with jmp_client_new_for_exporter_finish().
 */
void
jmp_client_new_for_exporter_full (GBusType             bus_type,
                                  const gchar         *exporter,
                                  JmpClientFlags       flags,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_client_new_for_exporter);
  g_task_set_task_data (task, g_strdup (exporter), g_free);
  g_object_set_data (G_OBJECT (task), "bus-type", GINT_TO_POINTER (bus_type));
  g_object_set_data (G_OBJECT (task), "flags", GUINT_TO_POINTER (flags));

  if (jmp_client_env_wins (bus_type, exporter))
    {
      jmp_client_exporter_start (task, NULL);
      return;
    }
  g_bus_get (bus_type == G_BUS_TYPE_SYSTEM ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION,
             cancellable, jmp_client_exporter_bus_cb, g_steal_pointer (&task));
}

/**
 * jmp_client_new_for_exporter_finish:
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_client_new_for_exporter() or
 * jmp_client_new_for_exporter_full().
 *
 * Returns: (transfer full): the client, or %NULL with @error set:
 *   %JMP_ERROR_NOT_FOUND when no host serves the exporter,
 *   %JMP_ERROR_INVALID_ARGS when none was named and several hosts run
 *   without a default one (the message lists them),
 *   %JMP_ERROR_UNAVAILABLE when no host can be reached
 */
JmpClient *
jmp_client_new_for_exporter_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_client_new_for_exporter_sync:
 * @bus_type: %G_BUS_TYPE_SESSION or %G_BUS_TYPE_SYSTEM
 * @exporter: (nullable): the exporter's name, or %NULL for the default
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects to the host serving @exporter as
 * jmp_client_new_for_exporter() does, blocking the calling thread.
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 */
JmpClient *
jmp_client_new_for_exporter_sync (GBusType       bus_type,
                                  const gchar   *exporter,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  return jmp_client_new_for_exporter_full_sync (bus_type, exporter, JMP_CLIENT_FLAGS_NONE,
                                                cancellable, error);
}

/**
 * jmp_client_new_for_exporter_full_sync:
 * @bus_type: %G_BUS_TYPE_SESSION or %G_BUS_TYPE_SYSTEM
 * @exporter: (nullable): the exporter's name, or %NULL for the default
 * @flags: how to connect, e.g. %JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS for
 *   a client that only lists drivers
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects to the host serving @exporter as
 * jmp_client_new_for_exporter_full() does, blocking the calling thread.
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 */
JmpClient *
jmp_client_new_for_exporter_full_sync (GBusType         bus_type,
                                       const gchar     *exporter,
                                       JmpClientFlags   flags,
                                       GCancellable    *cancellable,
                                       GError         **error)
{
  g_autoptr(GPtrArray) hosts = NULL;
  JmpHostInfo *host = NULL;
  GInitable *client;

  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!jmp_client_env_wins (bus_type, exporter))
    {
      GError *local_error = NULL;
      g_autofree gchar *name = jmp_client_direct_name (exporter, error);
      g_autoptr(GDBusConnection) bus = NULL;
      g_autoptr(GVariant) reply = NULL;
      gboolean has_owner = FALSE;

      if (name == NULL)
        return NULL;
      bus = g_bus_get_sync (bus_type == G_BUS_TYPE_SYSTEM ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION,
                            cancellable, NULL);
      if (bus != NULL)
        reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "NameHasOwner",
                                             jmp_client_name_has_owner_call (name),
                                             G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                             cancellable, NULL);
      if (reply != NULL)
        g_variant_get (reply, "(b)", &has_owner);
      if (has_owner)
        {
          g_autoptr(JmpHostInfo) direct = jmp_host_info_new (NULL, name, NULL, FALSE, -1);
          GInitable *client = jmp_client_new_for_host_sync (direct, bus_type, flags,
                                                            cancellable, error);

          return client != NULL ? JMP_CLIENT (client) : NULL;
        }

      hosts = jmp_host_list_sync (bus_type, FALSE, cancellable, error);
      if (hosts == NULL)
        return NULL;
      host = jmp_client_choose_host (hosts, exporter, bus_type, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
    }
  client = jmp_client_new_for_host_sync (host, bus_type, flags, cancellable, error);
  return client != NULL ? JMP_CLIENT (client) : NULL;
}
