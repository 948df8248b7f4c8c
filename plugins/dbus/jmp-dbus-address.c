/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/un.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gi18n-lib.h>

#include "jmp-dbus-address.h"
#include "jmp-network-util.h"

/*
 * Bus addresses are read as GDBus and libdbus read them (the D-Bus
 * specification, "Server Addresses"): g_dbus_is_address() checks the
 * syntax, then each entry is taken apart here, because the host does not
 * open a GDBusConnection: it connects a plain socket and hands it over.
 * Everything that cannot become such a socket is refused when the driver
 * starts, with the reason, rather than at the first Connect().
 */

/* sun_path holds a path and its NUL, or an abstract name after a NUL */
#define JMP_DBUS_SUN_PATH_MAX (sizeof (((struct sockaddr_un *) NULL)->sun_path) - 1)

static void
jmp_dbus_entry_free (JmpDbusEntry *entry)
{
  g_free (entry->text);
  g_free (entry->path);
  g_free (entry->host);
  g_free (entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpDbusEntry, jmp_dbus_entry_free)

/* "unix:nopath=1": missing path, or for a list, which entry is wrong */
static void
jmp_dbus_address_set_error (GError      **error,
                            JmpError      code,
                            const gchar  *address,
                            const gchar  *entry,
                            const gchar  *reason)
{
  if (code == JMP_ERROR_NOT_SUPPORTED)
    {
      if (g_strcmp0 (address, entry) == 0)
        g_set_error (error, JMP_ERROR, code, _("unsupported bus address \"%s\": %s"),
                     address, reason);
      else
        g_set_error (error, JMP_ERROR, code, _("unsupported bus address \"%s\": in \"%s\": %s"),
                     address, entry, reason);
      return;
    }
  if (g_strcmp0 (address, entry) == 0)
    g_set_error (error, JMP_ERROR, code, _("invalid bus address \"%s\": %s"), address, reason);
  else
    g_set_error (error, JMP_ERROR, code, _("invalid bus address \"%s\": in \"%s\": %s"),
                 address, entry, reason);
}

/* Why a transport the D-Bus specification knows cannot be forwarded. */
static const gchar *
jmp_dbus_address_unsupported_transport (const gchar *transport)
{
  if (g_strcmp0 (transport, "unixexec") == 0)
    return _("the unixexec: transport runs a program instead of connecting to a socket");
  if (g_strcmp0 (transport, "launchd") == 0)
    return _("the launchd: transport exists only on macOS");
  if (g_strcmp0 (transport, "autolaunch") == 0)
    return _("the autolaunch: transport starts a bus on demand; give the address of a running bus");
  if (g_strcmp0 (transport, "nonce-tcp") == 0)
    return _("the nonce-tcp: transport needs a nonce file that only the host can read");
  if (g_strcmp0 (transport, "systemd") == 0)
    return _("the systemd: transport is for servers started by socket activation");
  return NULL;
}

static GHashTable *
jmp_dbus_address_parse_params (const gchar  *address,
                               const gchar  *entry,
                               const gchar  *params,
                               GError      **error)
{
  g_autoptr(GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) pairs = NULL;

  if (*params == '\0')
    return g_steal_pointer (&table);

  pairs = g_strsplit (params, ",", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const gchar *eq = strchr (pairs[i], '=');
      g_autofree gchar *key = NULL;
      g_autofree gchar *value = NULL;
      g_autofree gchar *reason = NULL;

      if (eq == NULL || eq == pairs[i])
        {
          reason = g_strdup_printf (_("\"%s\" is not key=value"), pairs[i]);
          jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, entry, reason);
          return NULL;
        }
      key = g_strndup (pairs[i], eq - pairs[i]);
      /* %00 is refused too: no value may hold a NUL */
      value = g_uri_unescape_string (eq + 1, NULL);
      if (value == NULL)
        {
          reason = g_strdup_printf (_("the value of %s has a bad %%-escape"), key);
          jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, entry, reason);
          return NULL;
        }
      if (g_hash_table_contains (table, key))
        {
          reason = g_strdup_printf (_("%s is given twice"), key);
          jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, entry, reason);
          return NULL;
        }
      g_hash_table_insert (table, g_steal_pointer (&key), g_steal_pointer (&value));
    }
  return g_steal_pointer (&table);
}

/* Keys other than @known (and guid=, the server's id, which a client may
 * ignore) are refused: GDBus does so too, and a typo must not pass. */
static gboolean
jmp_dbus_address_check_keys (GHashTable          *params,
                             const gchar * const *known,
                             const gchar         *address,
                             const gchar         *entry,
                             GError             **error)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (params), (GCompareFunc) g_strcmp0);

  for (GList *l = keys; l != NULL; l = l->next)
    {
      g_autofree gchar *reason = NULL;

      if (g_strcmp0 (l->data, "guid") == 0 || g_strv_contains (known, l->data))
        continue;
      reason = g_strdup_printf (_("unknown key \"%s\""), (const gchar *) l->data);
      jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, entry, reason);
      return FALSE;
    }
  return TRUE;
}

static JmpDbusEntry *
jmp_dbus_address_parse_unix (const gchar  *address,
                             const gchar  *text,
                             GHashTable   *params,
                             GError      **error)
{
  static const gchar * const known[] = { "path", "abstract", NULL };
  static const gchar * const server_keys[] = { "tmpdir", "dir", "runtime", NULL };
  const gchar *path = g_hash_table_lookup (params, "path");
  const gchar *abstract = g_hash_table_lookup (params, "abstract");
  g_autoptr(JmpDbusEntry) entry = NULL;

  for (guint i = 0; server_keys[i] != NULL; i++)
    if (g_hash_table_contains (params, server_keys[i]))
      {
        g_autofree gchar *reason =
          g_strdup_printf (_("unix:%s= says where a bus may listen, not where it does: "
                             "give the socket with unix:path= or unix:abstract="),
                           server_keys[i]);

        jmp_dbus_address_set_error (error, JMP_ERROR_NOT_SUPPORTED, address, text, reason);
        return NULL;
      }
  if (path == NULL && abstract == NULL)
    {
      jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, text,
                                  _("missing path (unix: needs path= or abstract=)"));
      return NULL;
    }
  if (path != NULL && abstract != NULL)
    {
      jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, text,
                                  _("path= and abstract= exclude each other"));
      return NULL;
    }
  if (!jmp_dbus_address_check_keys (params, known, address, text, error))
    return NULL;

  entry = g_new0 (JmpDbusEntry, 1);
  entry->kind = path != NULL ? JMP_DBUS_ENTRY_UNIX_PATH : JMP_DBUS_ENTRY_UNIX_ABSTRACT;
  entry->path = g_strdup (path != NULL ? path : abstract);
  if (*entry->path == '\0')
    {
      jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, text,
                                  path != NULL ? _("the path is empty")
                                               : _("the abstract name is empty"));
      return NULL;
    }
  if (strlen (entry->path) > JMP_DBUS_SUN_PATH_MAX)
    {
      g_autofree gchar *reason =
        g_strdup_printf (_("the socket name is too long for a Unix socket (at most %u bytes)"),
                         (guint) JMP_DBUS_SUN_PATH_MAX);

      jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, text, reason);
      return NULL;
    }
  return g_steal_pointer (&entry);
}

static JmpDbusEntry *
jmp_dbus_address_parse_tcp (const gchar  *address,
                            const gchar  *text,
                            GHashTable   *params,
                            GError      **error)
{
  static const gchar * const known[] = { "host", "port", "family", NULL };
  const gchar *host = g_hash_table_lookup (params, "host");
  const gchar *port = g_hash_table_lookup (params, "port");
  const gchar *family = g_hash_table_lookup (params, "family");
  g_autoptr(JmpDbusEntry) entry = NULL;
  guint64 number = 0;

  if (!jmp_dbus_address_check_keys (params, known, address, text, error))
    return NULL;

  entry = g_new0 (JmpDbusEntry, 1);
  entry->kind = JMP_DBUS_ENTRY_TCP;
  /* as GDBus and libdbus: no host is the local one */
  entry->host = g_strdup (host != NULL ? host : "localhost");
  if (*entry->host == '\0')
    {
      jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, text,
                                  _("the host is empty"));
      return NULL;
    }
  if (port == NULL)
    {
      jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, text,
                                  _("missing port (tcp: needs port=)"));
      return NULL;
    }
  /* port=0 lets a server pick one; a client needs the one it picked */
  if (!g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &number, NULL))
    {
      g_autofree gchar *reason =
        g_strdup_printf (_("port \"%s\" is not a number from 1 to 65535"), port);

      jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, text, reason);
      return NULL;
    }
  entry->port = (guint16) number;

  if (family == NULL)
    entry->lookup_flags = G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT;
  else if (g_strcmp0 (family, "ipv4") == 0)
    entry->lookup_flags = G_RESOLVER_NAME_LOOKUP_FLAGS_IPV4_ONLY;
  else if (g_strcmp0 (family, "ipv6") == 0)
    entry->lookup_flags = G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY;
  else
    {
      g_autofree gchar *reason =
        g_strdup_printf (_("family \"%s\" is neither ipv4 nor ipv6"), family);

      jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, text, reason);
      return NULL;
    }
  return g_steal_pointer (&entry);
}

static JmpDbusEntry *
jmp_dbus_address_parse_entry (const gchar  *address,
                              const gchar  *text,
                              GError      **error)
{
  const gchar *colon = strchr (text, ':');
  g_autofree gchar *transport = NULL;
  g_autoptr(GHashTable) params = NULL;
  JmpDbusEntry *entry;
  const gchar *why;

  /* g_dbus_is_address() let it through, so it has one */
  g_return_val_if_fail (colon != NULL, NULL);

  transport = g_strndup (text, colon - text);
  why = jmp_dbus_address_unsupported_transport (transport);
  if (why != NULL)
    {
      jmp_dbus_address_set_error (error, JMP_ERROR_NOT_SUPPORTED, address, text, why);
      return NULL;
    }
  if (g_strcmp0 (transport, "unix") != 0 && g_strcmp0 (transport, "tcp") != 0)
    {
      g_autofree gchar *reason =
        g_strdup_printf (_("unknown transport \"%s:\" (known: unix:path=, unix:abstract=, tcp:)"),
                         transport);

      jmp_dbus_address_set_error (error, JMP_ERROR_NOT_SUPPORTED, address, text, reason);
      return NULL;
    }

  params = jmp_dbus_address_parse_params (address, text, colon + 1, error);
  if (params == NULL)
    return NULL;
  if (g_strcmp0 (transport, "unix") == 0)
    entry = jmp_dbus_address_parse_unix (address, text, params, error);
  else
    entry = jmp_dbus_address_parse_tcp (address, text, params, error);
  if (entry != NULL)
    entry->text = g_strdup (text);
  return entry;
}

/**
 * jmp_dbus_address_parse:
 * @address: a D-Bus address, e.g. `unix:path=/run/dbus/system_bus_socket`
 * @error: return location for a #GError
 *
 * Takes a bus address apart into the sockets a client may connect to, in
 * order. A malformed address is %JMP_ERROR_INVALID_ARGS; one this host
 * cannot connect a socket to (unixexec:, autolaunch:, unix:tmpdir=, …) is
 * %JMP_ERROR_NOT_SUPPORTED. Both messages quote the address and say why.
 *
 * Returns: (transfer container) (element-type JmpDbusEntry): the entries
 */
GPtrArray *
jmp_dbus_address_parse (const gchar *address, GError **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) jmp_dbus_entry_free);
  g_auto(GStrv) texts = NULL;

  g_return_val_if_fail (address != NULL, NULL);

  if (*address == '\0')
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS, _("the bus address is empty"));
      return NULL;
    }
  if (!g_dbus_is_address (address))
    {
      g_autoptr(GError) why = NULL;

      /* the same check again, for GDBus's words on what is wrong */
      (void) g_dbus_is_supported_address (address, &why);
      jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, address,
                                  why != NULL ? why->message : _("not a D-Bus address"));
      return NULL;
    }

  texts = g_strsplit (address, ";", -1);
  for (guint i = 0; texts[i] != NULL; i++)
    {
      JmpDbusEntry *entry;

      /* g_dbus_is_address() refuses empty entries; be sure anyway */
      if (*texts[i] == '\0')
        continue;
      entry = jmp_dbus_address_parse_entry (address, texts[i], error);
      if (entry == NULL)
        return NULL;
      g_ptr_array_add (entries, entry);
    }
  if (entries->len == 0)
    {
      jmp_dbus_address_set_error (error, JMP_ERROR_INVALID_ARGS, address, address,
                                  _("no address in the list"));
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/* Connecting ------------------------------------------------------------- */

typedef struct {
  GPtrArray      *entries;
  gchar          *kind;        /* "system" or "session", for messages */
  gdouble         timeout;
  guint           index;       /* the entry being tried */
  JmpNetDeadline *deadline;    /* of that entry */
  gchar          *target;      /* "the system bus at unix:path=…" */
  GList          *addresses;   /* tcp: the resolved addresses not yet tried */
  GPtrArray      *failures;    /* one message per entry that failed */
  JmpError        code;        /* of the last failure */
} JmpDbusConnect;

static void
jmp_dbus_connect_free (JmpDbusConnect *data)
{
  g_ptr_array_unref (data->entries);
  g_free (data->kind);
  jmp_net_deadline_free (data->deadline);
  g_free (data->target);
  g_resolver_free_addresses (data->addresses);
  g_ptr_array_unref (data->failures);
  g_free (data);
}

static void jmp_dbus_connect_try_entry (GTask *task);
static void jmp_dbus_connect_try_address (GTask *task);

static JmpDbusEntry *
jmp_dbus_connect_get_entry (JmpDbusConnect *data)
{
  return g_ptr_array_index (data->entries, data->index);
}

/* The entry failed for good: on to the next one. */
static void
jmp_dbus_connect_entry_failed (GTask *task, GError *error)
{
  JmpDbusConnect *data = g_task_get_task_data (task);

  data->code = error->code;
  g_ptr_array_add (data->failures, g_strdup (error->message));
  g_error_free (error);
  g_clear_pointer (&data->deadline, jmp_net_deadline_free);
  data->index++;
  jmp_dbus_connect_try_entry (task);
}

/* Turns what GIO said into a message naming the entry; NULL if the caller
 * cancelled, which is returned as it is. */
static GError *
jmp_dbus_connect_take_error (GTask *task, GError *error)
{
  JmpDbusConnect *data = g_task_get_task_data (task);
  GError *mapped;

  if (!jmp_net_deadline_expired (data->deadline) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return NULL;
    }
  if (jmp_net_deadline_expired (data->deadline))
    mapped = jmp_net_timed_out_error (data->target, jmp_net_deadline_get_seconds (data->deadline));
  else
    mapped = jmp_net_connect_error (error, data->target);
  g_error_free (error);
  return mapped;
}

static void
jmp_dbus_connect_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpDbusConnect *data = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) connection = NULL;
  GSocket *socket;
  GError *error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), res, &error);
  if (connection == NULL)
    {
      GError *mapped = jmp_dbus_connect_take_error (task, error);

      if (mapped == NULL)
        return;
      /* another address of the same host, while time is left; the
       * last one's failure is the entry's */
      if (data->addresses != NULL && !jmp_net_deadline_expired (data->deadline))
        {
          g_error_free (mapped);
          jmp_dbus_connect_try_address (g_steal_pointer (&task));
          return;
        }
      jmp_dbus_connect_entry_failed (g_steal_pointer (&task), mapped);
      return;
    }

  socket = jmp_net_socket_from_connection (connection, &error);
  if (socket == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_debug ("connected to %s", data->target);
  g_task_return_pointer (task, socket, g_object_unref);
}

static void
jmp_dbus_connect_socket_address (GTask *task, GSocketConnectable *address)
{
  JmpDbusConnect *data = g_task_get_task_data (task);
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  /* the bus is reached directly, never through $http_proxy */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_connect_async (client, address,
                                 jmp_net_deadline_get_cancellable (data->deadline),
                                 jmp_dbus_connect_connected_cb, task);
}

static void
jmp_dbus_connect_try_address (GTask *task)
{
  JmpDbusConnect *data = g_task_get_task_data (task);
  JmpDbusEntry *entry = jmp_dbus_connect_get_entry (data);
  GInetAddress *inet = data->addresses->data;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, entry->port);

  data->addresses = g_list_delete_link (data->addresses, data->addresses);
  g_object_unref (inet);
  jmp_dbus_connect_socket_address (task, G_SOCKET_CONNECTABLE (address));
}

static void
jmp_dbus_connect_resolved_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  JmpDbusConnect *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->addresses = g_resolver_lookup_by_name_with_flags_finish (G_RESOLVER (source), res, &error);
  if (data->addresses == NULL)
    {
      GError *mapped;

      if (error == NULL)
        error = g_error_new (G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, _("no address"));
      mapped = jmp_dbus_connect_take_error (task, error);
      if (mapped == NULL)
        {
          g_object_unref (task);
          return;
        }
      jmp_dbus_connect_entry_failed (task, mapped);
      return;
    }
  jmp_dbus_connect_try_address (task);
}

static void
jmp_dbus_connect_try_entry (GTask *task)
{
  JmpDbusConnect *data = g_task_get_task_data (task);
  JmpDbusEntry *entry;

  if (data->index >= data->entries->len)
    {
      g_autofree gchar *messages = NULL;

      g_ptr_array_add (data->failures, NULL);
      messages = g_strjoinv ("; ", (gchar **) data->failures->pdata);
      g_task_return_new_error (task, JMP_ERROR, data->code, "%s", messages);
      g_object_unref (task);
      return;
    }

  entry = jmp_dbus_connect_get_entry (data);
  g_free (data->target);
  /* TRANSLATORS: e.g. "the system bus at unix:path=/run/dbus/system_bus_socket" */
  data->target = g_strdup_printf (_("the %s bus at %s"), data->kind, entry->text);
  data->deadline = jmp_net_deadline_new (data->timeout, g_task_get_cancellable (task));

  switch (entry->kind)
    {
    case JMP_DBUS_ENTRY_UNIX_PATH:
    case JMP_DBUS_ENTRY_UNIX_ABSTRACT:
      {
        g_autoptr(GSocketAddress) address =
          g_unix_socket_address_new_with_type (entry->path, -1,
                                               entry->kind == JMP_DBUS_ENTRY_UNIX_PATH ?
                                                 G_UNIX_SOCKET_ADDRESS_PATH :
                                                 G_UNIX_SOCKET_ADDRESS_ABSTRACT);

        jmp_dbus_connect_socket_address (task, G_SOCKET_CONNECTABLE (address));
      }
      break;
    case JMP_DBUS_ENTRY_TCP:
      {
        g_autoptr(GResolver) resolver = g_resolver_get_default ();

        /* an address literal comes back at once, without a lookup */
        g_resolver_lookup_by_name_with_flags_async (resolver, entry->host, entry->lookup_flags,
                                                    jmp_net_deadline_get_cancellable (data->deadline),
                                                    jmp_dbus_connect_resolved_cb, task);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

/**
 * jmp_dbus_address_connect_async:
 * @entries: (element-type JmpDbusEntry): from jmp_dbus_address_parse()
 * @kind: "system" or "session", for messages
 * @timeout: seconds each entry may take
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the socket
 * @user_data: data for @callback
 *
 * Connects a stream socket to the first entry that accepts, as a D-Bus
 * client tries a bus address list. Nothing is said on it: the peer that
 * gets the socket authenticates itself.
 */
void
jmp_dbus_address_connect_async (GPtrArray           *entries,
                                const gchar         *kind,
                                gdouble              timeout,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  JmpDbusConnect *data = g_new0 (JmpDbusConnect, 1);

  g_task_set_source_tag (task, jmp_dbus_address_connect_async);
  data->entries = g_ptr_array_ref (entries);
  data->kind = g_strdup (kind);
  data->timeout = timeout;
  data->failures = g_ptr_array_new_with_free_func (g_free);
  data->code = JMP_ERROR_FAILED;
  g_task_set_task_data (task, data, (GDestroyNotify) jmp_dbus_connect_free);
  jmp_dbus_connect_try_entry (task);
}

/**
 * jmp_dbus_address_connect_finish:
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a connected socket of its own, or %NULL with a
 *   %JMP_ERROR naming each entry tried and why it failed
 */
GSocket *
jmp_dbus_address_connect_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
