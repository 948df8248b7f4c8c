/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>

#include "jmp-config-watch.h"
#include "jmp-host.h"

/*
 * Reloads the host when its config file was edited, as SIGHUP does. It watches the file's directory,
 * not the file: editors and g_file_set_contents() write a new file and
 * rename it over the old one, which a watch on the old file (its inode)
 * would never see again. One ::changed follows a burst of events once the
 * directory has been quiet for a moment, so a save that writes, renames
 * and touches reloads once, with the file complete. A config that is a
 * symlink (into a git checkout, say) is watched where it points too.
 * A broken edit is logged once: the same error after the next save is
 * not news.
 */

#define JMP_CONFIG_WATCH_QUIET_MS 200

struct _JmpConfigWatch
{
  GObject       parent_instance;
  JmpHost      *host;
  gchar        *error;      /* the last failed reload's, or NULL */
  GPtrArray    *monitors;   /* GFileMonitor, one per directory */
  GPtrArray    *basenames;  /* the file's name in each */
  guint         timeout_id;
};

G_DEFINE_FINAL_TYPE (JmpConfigWatch, jmp_config_watch, G_TYPE_OBJECT)

static void
jmp_config_watch_reloaded_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpConfigWatch) self = user_data;
  g_autoptr(GError) error = NULL;

  if (jmp_host_reload_finish (JMP_HOST (source), res, &error))
    {
      g_info ("config reloaded after an edit");
      g_clear_pointer (&self->error, g_free);
      return;
    }
  if (g_strcmp0 (self->error, error->message) == 0)
    {
      g_debug ("the config is still broken as before");
      return;
    }
  g_message ("the edited config is broken, the running tree stays: %s", error->message);
  g_free (self->error);
  self->error = g_strdup (error->message);
}

static gboolean
jmp_config_watch_quiet_cb (gpointer user_data)
{
  JmpConfigWatch *self = user_data;

  self->timeout_id = 0;
  jmp_host_reload_async (self->host, NULL, jmp_config_watch_reloaded_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static gboolean
jmp_config_watch_is_ours (const gchar *wanted, GFile *file)
{
  g_autofree gchar *basename = file != NULL ? g_file_get_basename (file) : NULL;

  return g_strcmp0 (basename, wanted) == 0;
}

static void
jmp_config_watch_event_cb (GFileMonitor      *monitor,
                           GFile             *file,
                           GFile             *other_file,
                           GFileMonitorEvent  event,
                           gpointer           user_data)
{
  JmpConfigWatch *self = user_data;
  const gchar *wanted = NULL;
  guint i;

  if (g_ptr_array_find (self->monitors, monitor, &i))
    wanted = g_ptr_array_index (self->basenames, i);

  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CHANGED:
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
    case G_FILE_MONITOR_EVENT_RENAMED:
      break;
    default:
      return;
    }
  /* a rename names the config as the other file when it lands on it */
  if (!jmp_config_watch_is_ours (wanted, file) && !jmp_config_watch_is_ours (wanted, other_file))
    return;

  g_debug ("config file event %d", event);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->timeout_id = g_timeout_add (JMP_CONFIG_WATCH_QUIET_MS, jmp_config_watch_quiet_cb, self);
}

static void
jmp_config_watch_dispose (GObject *object)
{
  JmpConfigWatch *self = JMP_CONFIG_WATCH (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  for (guint i = 0; i < self->monitors->len; i++)
    {
      GFileMonitor *monitor = g_ptr_array_index (self->monitors, i);

      g_signal_handlers_disconnect_by_data (monitor, self);
      g_file_monitor_cancel (monitor);
    }
  g_ptr_array_set_size (self->monitors, 0);
  G_OBJECT_CLASS (jmp_config_watch_parent_class)->dispose (object);
}

static void
jmp_config_watch_finalize (GObject *object)
{
  JmpConfigWatch *self = JMP_CONFIG_WATCH (object);

  g_ptr_array_unref (self->monitors);
  g_ptr_array_unref (self->basenames);
  g_clear_object (&self->host);
  g_free (self->error);
  G_OBJECT_CLASS (jmp_config_watch_parent_class)->finalize (object);
}

static void
jmp_config_watch_class_init (JmpConfigWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_config_watch_dispose;
  object_class->finalize = jmp_config_watch_finalize;
}

static void
jmp_config_watch_init (JmpConfigWatch *self)
{
  self->monitors = g_ptr_array_new_with_free_func (g_object_unref);
  self->basenames = g_ptr_array_new_with_free_func (g_free);
}

static gboolean
jmp_config_watch_add (JmpConfigWatch *self, const gchar *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) dir = g_file_get_parent (file);
  GFileMonitor *monitor;

  monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, error);
  if (monitor == NULL)
    return FALSE;
  g_signal_connect (monitor, "changed", G_CALLBACK (jmp_config_watch_event_cb), self);
  g_ptr_array_add (self->monitors, monitor);
  g_ptr_array_add (self->basenames, g_file_get_basename (file));
  return TRUE;
}

/**
 * jmp_config_watch_new:
 * @host: the host to reload
 * @path: its config file
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a watch reloading @host after edits of
 *   @path, or %NULL if its directory cannot be watched
 */
JmpConfigWatch *
jmp_config_watch_new (JmpHost      *host,
                      const gchar  *path,
                      GError      **error)
{
  g_autoptr(JmpConfigWatch) self = g_object_new (JMP_TYPE_CONFIG_WATCH, NULL);
  g_autofree gchar *absolute = g_canonicalize_filename (path, NULL);
  char real[PATH_MAX];

  self->host = g_object_ref (host);

  if (!jmp_config_watch_add (self, absolute, error))
    return NULL;
  /* where a symlink points, as it points now */
  if (realpath (absolute, real) != NULL && g_strcmp0 (real, absolute) != 0 &&
      !jmp_config_watch_add (self, real, error))
    return NULL;
  return g_steal_pointer (&self);
}
