/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <jumpstarter/jumpstarter.h>

#include "jmp-bus-names.h"

/*
 * The names a host owns on its bus: its exporter's own name below
 * dev.jumpstarter.Host1 (so hosts of different exporters share a bus and
 * two of one exporter do not), then, for the default exporter or a host
 * without an exporter name, dev.jumpstarter.Host1 itself, the name D-Bus
 * activation and systemd's Type=dbus wait for. ::acquired once all are
 * ours; ::lost with one line for the user when one cannot be had or goes.
 */

struct _JmpBusNames
{
  GObject          parent_instance;
  GDBusConnection *connection;
  gchar           *alias;
  GPtrArray       *names;    /* to own, in order */
  guint            next;     /* index of the next to own */
  GArray          *ids;      /* g_bus_own_name ids */
  gboolean         failed;
};

G_DEFINE_FINAL_TYPE (JmpBusNames, jmp_bus_names, G_TYPE_OBJECT)

enum {
  SIGNAL_ACQUIRED,
  SIGNAL_LOST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void jmp_bus_names_own_next (JmpBusNames *self);

static void
jmp_bus_names_acquired_cb (GDBusConnection *connection,
                           const gchar     *name,
                           gpointer         user_data)
{
  JmpBusNames *self = user_data;

  g_debug ("owning %s", name);
  if (self->next < self->names->len)
    jmp_bus_names_own_next (self);
  else
    g_signal_emit (self, signals[SIGNAL_ACQUIRED], 0);
}

static void
jmp_bus_names_lost_cb (GDBusConnection *connection,
                       const gchar     *name,
                       gpointer         user_data)
{
  JmpBusNames *self = user_data;
  g_autofree gchar *message = NULL;

  if (self->failed)
    return;
  self->failed = TRUE;
  if (connection == NULL)
    message = g_strdup (_("lost the connection to the bus"));
  else if (self->alias != NULL && !g_str_equal (name, JMP_HOST_BUS_NAME))
    message = g_strdup_printf (_("cannot own %s: a host for exporter \"%s\" runs on this bus already"),
                               name, self->alias);
  else
    message = g_strdup_printf (_("cannot own %s: another host runs on this bus"), name);
  g_signal_emit (self, signals[SIGNAL_LOST], 0, message);
}

static void
jmp_bus_names_own_next (JmpBusNames *self)
{
  const gchar *name = g_ptr_array_index (self->names, self->next++);
  guint id;

  id = g_bus_own_name_on_connection_with_closures (
         self->connection, name, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
         g_cclosure_new_object (G_CALLBACK (jmp_bus_names_acquired_cb), G_OBJECT (self)),
         g_cclosure_new_object (G_CALLBACK (jmp_bus_names_lost_cb), G_OBJECT (self)));
  g_array_append_val (self->ids, id);
}

static void
jmp_bus_names_dispose (GObject *object)
{
  JmpBusNames *self = JMP_BUS_NAMES (object);

  for (guint i = 0; self->ids != NULL && i < self->ids->len; i++)
    g_bus_unown_name (g_array_index (self->ids, guint, i));
  if (self->ids != NULL)
    g_array_set_size (self->ids, 0);
  G_OBJECT_CLASS (jmp_bus_names_parent_class)->dispose (object);
}

static void
jmp_bus_names_finalize (GObject *object)
{
  JmpBusNames *self = JMP_BUS_NAMES (object);

  g_clear_object (&self->connection);
  g_free (self->alias);
  g_ptr_array_unref (self->names);
  g_array_unref (self->ids);
  G_OBJECT_CLASS (jmp_bus_names_parent_class)->finalize (object);
}

static void
jmp_bus_names_class_init (JmpBusNamesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_bus_names_dispose;
  object_class->finalize = jmp_bus_names_finalize;

  signals[SIGNAL_ACQUIRED] =
    g_signal_new ("acquired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_LOST] =
    g_signal_new ("lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
jmp_bus_names_init (JmpBusNames *self)
{
  self->names = g_ptr_array_new_with_free_func (g_free);
  self->ids = g_array_new (FALSE, FALSE, sizeof (guint));
}

/**
 * jmp_bus_names_new:
 * @connection: the bus
 * @alias: (nullable): the exporter's name, NULL for a host without one
 * @is_default: whether to own dev.jumpstarter.Host1 as well
 * @error: return location for a #GError
 *
 * Starts owning the host's names; connect to ::acquired and ::lost before
 * the main loop runs.
 *
 * Returns: (transfer full): the names, or %NULL if @alias makes no bus name
 */
JmpBusNames *
jmp_bus_names_new (GDBusConnection  *connection,
                   const gchar      *alias,
                   gboolean          is_default,
                   GError          **error)
{
  g_autoptr(JmpBusNames) self = g_object_new (JMP_TYPE_BUS_NAMES, NULL);

  self->connection = g_object_ref (connection);
  self->alias = g_strdup (alias);
  if (alias != NULL)
    {
      gchar *name = jmp_exporter_bus_name (alias, error);

      if (name == NULL)
        return NULL;
      g_ptr_array_add (self->names, name);
    }
  if (is_default || alias == NULL)
    g_ptr_array_add (self->names, g_strdup (JMP_HOST_BUS_NAME));
  jmp_bus_names_own_next (self);
  return g_steal_pointer (&self);
}
