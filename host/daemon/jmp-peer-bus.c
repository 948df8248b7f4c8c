/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-peer-bus.h"

/*
 * Tools such as `gdbus --address` and `busctl --address` treat any address
 * as a message bus: they say Hello first and address calls to a bus name.
 * A peer-to-peer host answers the few org.freedesktop.DBus calls they make,
 * so the same tools work against `jmp shell`'s private host. Destinations
 * are not checked on a peer connection, so calls to our name arrive as is.
 */

static const gchar jmp_peer_bus_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.DBus'>"
  "    <method name='Hello'><arg type='s' direction='out'/></method>"
  "    <method name='AddMatch'><arg type='s' direction='in'/></method>"
  "    <method name='RemoveMatch'><arg type='s' direction='in'/></method>"
  "    <method name='GetId'><arg type='s' direction='out'/></method>"
  "    <method name='ListNames'><arg type='as' direction='out'/></method>"
  "    <method name='ListActivatableNames'><arg type='as' direction='out'/></method>"
  "    <method name='NameHasOwner'>"
  "      <arg type='s' direction='in'/><arg type='b' direction='out'/>"
  "    </method>"
  "    <method name='GetNameOwner'>"
  "      <arg type='s' direction='in'/><arg type='s' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

/* Shared by the registration and the filter (GDBus's worker thread). */
typedef struct {
  gchar *bus_name;
  gchar *peer_name;
  gint   said_hello;  /* atomic */
} JmpPeerBus;

static void
jmp_peer_bus_clear (gpointer data)
{
  JmpPeerBus *bus = data;

  g_free (bus->bus_name);
  g_free (bus->peer_name);
}

static void
jmp_peer_bus_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, jmp_peer_bus_clear);
}

static gboolean
jmp_peer_bus_is_ours (JmpPeerBus *bus, const gchar *name)
{
  return g_strcmp0 (name, bus->bus_name) == 0 ||
         g_strcmp0 (name, JMP_PEER_BUS_HOST_UNIQUE) == 0 ||
         g_strcmp0 (name, "org.freedesktop.DBus") == 0;
}

static void
jmp_peer_bus_method_call (GDBusConnection       *connection,
                          const gchar           *sender,
                          const gchar           *object_path,
                          const gchar           *interface_name,
                          const gchar           *method_name,
                          GVariant              *parameters,
                          GDBusMethodInvocation *invocation,
                          gpointer               user_data)
{
  JmpPeerBus *bus = user_data;
  const gchar *names[] = { "org.freedesktop.DBus", bus->bus_name, NULL };

  if (g_str_equal (method_name, "Hello"))
    {
      /* before the reply, which the filter stamps too */
      g_atomic_int_set (&bus->said_hello, TRUE);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", bus->peer_name));
    }
  else if (g_str_equal (method_name, "AddMatch") || g_str_equal (method_name, "RemoveMatch"))
    g_dbus_method_invocation_return_value (invocation, NULL);
  else if (g_str_equal (method_name, "GetId"))
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(s)", g_dbus_connection_get_guid (connection)));
  else if (g_str_equal (method_name, "ListNames"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", names));
  else if (g_str_equal (method_name, "ListActivatableNames"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", names + 2));
  else
    {
      const gchar *name = NULL;

      g_variant_get (parameters, "(&s)", &name);
      if (g_str_equal (method_name, "NameHasOwner"))
        g_dbus_method_invocation_return_value (invocation,
                                               g_variant_new ("(b)", jmp_peer_bus_is_ours (bus, name)));
      else if (jmp_peer_bus_is_ours (bus, name))
        g_dbus_method_invocation_return_value (invocation,
                                               g_variant_new ("(s)", JMP_PEER_BUS_HOST_UNIQUE));
      else
        g_dbus_method_invocation_return_dbus_error (invocation,
                                                    "org.freedesktop.DBus.Error.NameHasNoOwner",
                                                    _("this peer-to-peer host only has its own name"));
    }
}

static const GDBusInterfaceVTable jmp_peer_bus_vtable = {
  jmp_peer_bus_method_call, NULL, NULL, { NULL, }
};

/* A bus stamps every message with its sender; sd-bus (busctl) drops
 * replies that lack one on a connection it believes is a bus, i.e. once
 * it said Hello. Only then: a message a filter replaces is written out
 * by GDBus a second time, in its worker thread, and a GDBus client (jmp,
 * the library) never says Hello on a peer connection. */
static GDBusMessage *
jmp_peer_bus_stamp_sender (GDBusConnection *connection,
                           GDBusMessage    *message,
                           gboolean         incoming,
                           gpointer         user_data)
{
  JmpPeerBus *bus = user_data;
  g_autoptr(GDBusMessage) stamped = NULL;
  g_autoptr(GError) error = NULL;

  if (incoming || !g_atomic_int_get (&bus->said_hello) ||
      g_dbus_message_get_sender (message) != NULL)
    return message;
  stamped = g_dbus_message_copy (message, &error);
  if (stamped == NULL)
    return message;
  g_dbus_message_set_sender (stamped, JMP_PEER_BUS_HOST_UNIQUE);
  g_object_unref (message);
  return g_steal_pointer (&stamped);
}

/**
 * jmp_peer_bus_register:
 * @connection: a peer connection
 * @bus_name: the name the host would own on a bus
 * @serial: a number for the peer's made-up unique name
 * @error: return location for a #GError
 *
 * Returns: the registration id, 0 on error
 */
guint
jmp_peer_bus_register (GDBusConnection  *connection,
                       const gchar      *bus_name,
                       guint             serial,
                       GError          **error)
{
  static GDBusNodeInfo *info = NULL;
  JmpPeerBus *bus;

  if (g_once_init_enter (&info))
    g_once_init_leave (&info, g_dbus_node_info_new_for_xml (jmp_peer_bus_xml, NULL));

  bus = g_atomic_rc_box_new0 (JmpPeerBus);
  bus->bus_name = g_strdup (bus_name);
  bus->peer_name = g_strdup_printf (":1.%u", serial);
  g_dbus_connection_add_filter (connection, jmp_peer_bus_stamp_sender,
                                g_atomic_rc_box_acquire (bus), jmp_peer_bus_release);
  return g_dbus_connection_register_object (connection, "/org/freedesktop/DBus",
                                            info->interfaces[0], &jmp_peer_bus_vtable,
                                            bus, jmp_peer_bus_release, error);
}
