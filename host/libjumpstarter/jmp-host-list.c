/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Finds the running hosts: every owner of dev.jumpstarter.Host1 or of a
 * name below it on a bus, and the peer-to-peer host of $JUMPSTARTER_HOST.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-client-private.h"
#include "jmp-error.h"
#include "jmp-exporter-names.h"
#include "jmp-host-list-private.h"

/* A host that does not answer within this is left out rather than
 * holding up the listing of the others. */
#define JMP_HOST_LIST_TIMEOUT_MS 5000

typedef struct {
  GBusType          bus_type;
  gboolean          count_drivers;
  guint             pending;
  GPtrArray        *found;      /* JmpHostProbe, answered */
  GError           *bus_error;
} JmpHostList;

typedef struct {
  GTask           *task;        /* the listing's */
  GDBusConnection *connection;
  gchar           *bus_name;    /* NULL peer-to-peer */
  gchar           *address;     /* peer-to-peer only */
  gchar           *owner;
  GVariant        *props;
  gint             n_drivers;
} JmpHostProbe;

static void
jmp_host_probe_free (JmpHostProbe *probe)
{
  g_clear_object (&probe->task);
  g_clear_object (&probe->connection);
  g_free (probe->bus_name);
  g_free (probe->address);
  g_free (probe->owner);
  g_clear_pointer (&probe->props, g_variant_unref);
  g_free (probe);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpHostProbe, jmp_host_probe_free)

static void
jmp_host_list_free (JmpHostList *list)
{
  g_ptr_array_unref (list->found);
  g_clear_error (&list->bus_error);
  g_free (list);
}

static gint
jmp_host_info_compare (gconstpointer a, gconstpointer b)
{
  JmpHostInfo *ia = *(JmpHostInfo **) a;
  JmpHostInfo *ib = *(JmpHostInfo **) b;

  /* $JUMPSTARTER_HOST's first, then the default, then by name */
  if ((jmp_host_info_get_address (ia) != NULL) != (jmp_host_info_get_address (ib) != NULL))
    return jmp_host_info_get_address (ia) != NULL ? -1 : 1;
  if (jmp_host_info_is_default (ia) != jmp_host_info_is_default (ib))
    return jmp_host_info_is_default (ia) ? -1 : 1;
  return g_strcmp0 (jmp_host_info_get_exporter (ia), jmp_host_info_get_exporter (ib));
}

/* A host that owns both dev.jumpstarter.Host1 and its exporter's name is
 * one host: the default one, reached by the exporter's name. */
static GPtrArray *
jmp_host_list_merge (JmpHostList *list)
{
  GPtrArray *hosts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < list->found->len; i++)
    {
      JmpHostProbe *probe = g_ptr_array_index (list->found, i);
      const gchar *bus_name = probe->bus_name;
      gboolean is_default = FALSE;

      if (probe->owner != NULL)
        {
          if (g_hash_table_contains (seen, probe->owner))
            continue;
          g_hash_table_add (seen, probe->owner);
          for (guint j = 0; j < list->found->len; j++)
            {
              JmpHostProbe *other = g_ptr_array_index (list->found, j);

              if (g_strcmp0 (other->owner, probe->owner) != 0)
                continue;
              if (g_str_equal (other->bus_name, JMP_HOST_BUS_NAME))
                is_default = TRUE;
              else
                bus_name = other->bus_name;
            }
        }
      g_ptr_array_add (hosts, jmp_host_info_new (probe->props, bus_name, probe->address,
                                                 is_default, probe->n_drivers));
    }
  g_ptr_array_sort (hosts, jmp_host_info_compare);
  return hosts;
}

static void
jmp_host_list_done_one (GTask *task)
{
  JmpHostList *list = g_task_get_task_data (task);

  if (--list->pending > 0)
    return;
  if (list->found->len == 0 && list->bus_error != NULL)
    g_task_return_error (task, g_steal_pointer (&list->bus_error));
  else
    g_task_return_pointer (task, jmp_host_list_merge (list), (GDestroyNotify) g_ptr_array_unref);
}

static void
jmp_host_probe_finish (JmpHostProbe *probe, GError *error)
{
  g_autoptr(GTask) task = g_object_ref (probe->task);
  JmpHostList *list = g_task_get_task_data (task);

  if (error != NULL)
    {
      /* it went away, or does not answer: not one to list */
      g_debug ("skipping host %s: %s", probe->bus_name ?: probe->address, error->message);
      g_error_free (error);
      jmp_host_probe_free (probe);
    }
  else
    {
      /* the listing keeps it; it no longer keeps the listing */
      g_clear_object (&probe->task);
      g_clear_object (&probe->connection);
      g_ptr_array_add (list->found, probe);
    }
  jmp_host_list_done_one (task);
}

static void
jmp_host_probe_objects_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpHostProbe *probe = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) bytes = NULL;
  g_autoptr(GVariant) rows = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      jmp_host_probe_finish (probe, error);
      return;
    }
  bytes = g_variant_get_child_value (reply, 0);
  rows = jmp_client_unpack_rows (bytes, &error);
  if (rows == NULL)
    {
      jmp_host_probe_finish (probe, error);
      return;
    }
  probe->n_drivers = (gint) g_variant_n_children (rows);
  jmp_host_probe_finish (probe, NULL);
}

static void
jmp_host_probe_props_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpHostProbe *probe = user_data;
  JmpHostList *list = g_task_get_task_data (probe->task);
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      jmp_host_probe_finish (probe, error);
      return;
    }
  probe->props = g_variant_get_child_value (reply, 0);
  if (!list->count_drivers)
    {
      jmp_host_probe_finish (probe, NULL);
      return;
    }
  /* the host's cached rows, not every object's properties */
  g_dbus_connection_call (probe->connection, probe->owner, JMP_HOST_OBJECT_PATH,
                          "dev.jumpstarter.Host1", "ListDrivers",
                          NULL, G_VARIANT_TYPE ("(ay)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, JMP_HOST_LIST_TIMEOUT_MS,
                          g_task_get_cancellable (probe->task),
                          jmp_host_probe_objects_cb, probe);
}

/* @probe->owner is the unique name to ask, or NULL peer-to-peer */
static void
jmp_host_probe_start (JmpHostProbe *probe)
{
  g_dbus_connection_call (probe->connection, probe->owner, JMP_HOST_OBJECT_PATH,
                          "org.freedesktop.DBus.Properties", "GetAll",
                          g_variant_new ("(s)", "dev.jumpstarter.Host1"),
                          G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, JMP_HOST_LIST_TIMEOUT_MS,
                          g_task_get_cancellable (probe->task),
                          jmp_host_probe_props_cb, probe);
}

static void
jmp_host_probe_owner_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpHostProbe *probe = user_data;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      jmp_host_probe_finish (probe, error);
      return;
    }
  g_variant_get (reply, "(s)", &probe->owner);
  jmp_host_probe_start (probe);
}

static JmpHostProbe *
jmp_host_probe_new (GTask *task, GDBusConnection *connection)
{
  JmpHostProbe *probe = g_new0 (JmpHostProbe, 1);
  JmpHostList *list = g_task_get_task_data (task);

  probe->task = g_object_ref (task);
  probe->connection = g_object_ref (connection);
  probe->n_drivers = -1;
  list->pending++;
  return probe;
}

static void
jmp_host_list_names_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GDBusConnection *connection = G_DBUS_CONNECTION (source);
  JmpHostList *list = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autofree const gchar **names = NULL;

  reply = g_dbus_connection_call_finish (connection, result, &list->bus_error);
  if (reply != NULL)
    {
      g_variant_get (reply, "(^a&s)", &names);
      for (guint i = 0; names[i] != NULL; i++)
        {
          JmpHostProbe *probe;

          if (!jmp_exporter_is_bus_name (names[i]))
            continue;
          probe = jmp_host_probe_new (task, connection);
          probe->bus_name = g_strdup (names[i]);
          g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                  "org.freedesktop.DBus", "GetNameOwner",
                                  g_variant_new ("(s)", names[i]), G_VARIANT_TYPE ("(s)"),
                                  G_DBUS_CALL_FLAGS_NONE, JMP_HOST_LIST_TIMEOUT_MS,
                                  g_task_get_cancellable (task),
                                  jmp_host_probe_owner_cb, probe);
        }
    }
  jmp_host_list_done_one (task);
}

static void
jmp_host_list_bus_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpHostList *list = g_task_get_task_data (task);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);

  connection = g_bus_get_finish (result, &error);
  if (connection == NULL)
    {
      list->bus_error = g_error_new (JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                                     _("cannot connect to %s: %s"),
                                     list->bus_type == G_BUS_TYPE_SYSTEM ?
                                       _("the system bus") : _("the session bus"),
                                     error->message);
      jmp_host_list_done_one (task);
      return;
    }
  g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "ListNames", NULL, G_VARIANT_TYPE ("(as)"),
                          G_DBUS_CALL_FLAGS_NONE, JMP_HOST_LIST_TIMEOUT_MS,
                          cancellable, jmp_host_list_names_cb, g_steal_pointer (&task));
}

static void
jmp_host_list_peer_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(JmpHostProbe) probe = user_data;
  g_autoptr(GDBusConnection) connection = NULL;
  GError *error = NULL;

  connection = g_dbus_connection_new_for_address_finish (result, &error);
  if (connection == NULL)
    {
      jmp_host_probe_finish (g_steal_pointer (&probe), error);
      return;
    }
  probe->connection = g_steal_pointer (&connection);
  jmp_host_probe_start (g_steal_pointer (&probe));
}

void
jmp_host_list_async (GBusType             bus_type,
                     gboolean             count_drivers,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  JmpHostList *list = g_new0 (JmpHostList, 1);
  g_autofree gchar *address = NULL;

  g_task_set_source_tag (task, jmp_host_list_async);
  list->bus_type = bus_type == G_BUS_TYPE_SYSTEM ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION;
  list->count_drivers = count_drivers;
  list->found = g_ptr_array_new_with_free_func ((GDestroyNotify) jmp_host_probe_free);
  list->pending = 1;  /* the bus */
  g_task_set_task_data (task, list, (GDestroyNotify) jmp_host_list_free);

  address = bus_type != G_BUS_TYPE_SYSTEM ? jmp_client_env_address () : NULL;
  if (address != NULL)
    {
      JmpHostProbe *probe = g_new0 (JmpHostProbe, 1);

      probe->task = g_object_ref (task);
      probe->n_drivers = -1;
      probe->address = g_strdup (address);
      list->pending++;
      g_dbus_connection_new_for_address (address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                         NULL, cancellable, jmp_host_list_peer_cb, probe);
    }
  g_bus_get (list->bus_type, cancellable, jmp_host_list_bus_cb, g_steal_pointer (&task));
}

GPtrArray *
jmp_host_list_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_host_list_sync_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

GPtrArray *
jmp_host_list_sync (GBusType       bus_type,
                    gboolean       count_drivers,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;

  /* a context of our own: nothing of the caller's runs meanwhile */
  g_main_context_push_thread_default (context);
  jmp_host_list_async (bus_type, count_drivers, cancellable, jmp_host_list_sync_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return jmp_host_list_finish (result, error);
}
