/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-host.h"
#include "jmp-stream-budget-private.h"

/*
 * The host's state: the registry, the config it was built from, and the
 * running driver tree. Exports (one per D-Bus connection) follow the tree
 * through the ::tree-changed signal.
 */

#define JMP_HOST_BUILTIN_CONFIG "resource:///dev/jumpstarter/host/demo.yaml"

struct _JmpHost
{
  GObject      parent_instance;
  JmpRegistry *registry;
  gchar       *config_path;  /* NULL: the built-in demo config */
  gchar       *alias;        /* the exporter's name, NULL for --config */
  JmpConfig   *config;
  JmpDriver   *root;
  GPtrArray   *reloading;    /* GTasks the running read and build will answer */
  GPtrArray   *reload_next;  /* GTasks asked for since it started */
  guint        stream_limit; /* pumped streams per peer */
  GCancellable *building;    /* while a new tree starts, the old one serving */
  gint64       busy;         /* µs of the main loop the reload took so far */
  guint        unused_stops; /* removed drivers still stopping, per reload */
  gboolean     stopping;     /* shut down: no more reloads */
};

G_DEFINE_FINAL_TYPE (JmpHost, jmp_host, G_TYPE_OBJECT)

enum {
  SIGNAL_TREE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static JmpConfig *
jmp_host_read_config (const gchar *path, GCancellable *cancellable, GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize len = 0;
  const gchar *data;

  if (path != NULL)
    return jmp_config_new_from_file (path, error);

  bytes = g_resources_lookup_data ("/dev/jumpstarter/host/demo.yaml",
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  return jmp_config_new_from_data (data, len, JMP_HOST_BUILTIN_CONFIG, error);
}

static void jmp_host_reload_start (JmpHost *self);

/* The drivers the last reload removed are stopped: the next reload may
 * start drivers that need what they held. */
static void
jmp_host_unused_stopped_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpHost) self = user_data;

  jmp_config_stop_unused_finish (JMP_DRIVER (source), res);
  self->unused_stops--;
  if (self->unused_stops == 0 && !self->stopping &&
      self->reloading == NULL && self->reload_next->len > 0)
    jmp_host_reload_start (self);
}

/* The new tree is started: serve it instead of the old one. The drivers
 * it does not keep are stopped without blocking the main loop (a process
 * may take seconds to exit); they count as stopped at once. */
static void
jmp_host_switch (JmpHost *self, JmpConfig *config, JmpDriver *root)
{
  if (self->root != NULL)
    {
      self->unused_stops++;
      jmp_config_stop_unused_async (self->root, root, NULL, jmp_host_unused_stopped_cb,
                                    g_object_ref (self));
    }
  g_set_object (&self->config, config);
  g_set_object (&self->root, root);
  g_signal_emit (self, signals[SIGNAL_TREE_CHANGED], 0);
}

static gboolean
jmp_host_apply (JmpHost *self, JmpConfig *config, GError **error)
{
  g_autoptr(JmpDriver) root = NULL;

  root = jmp_config_build (config, self->registry, self->root, error);
  if (root == NULL)
    return FALSE;
  jmp_host_switch (self, config, root);
  return TRUE;
}

/**
 * jmp_host_load:
 * @self: a #JmpHost
 * @error: return location for a #GError
 *
 * Reads the config and builds the tree, at start-up, before the main loop
 * serves anybody: a broken config is a start-up failure.
 *
 * Returns: %TRUE on success
 */
gboolean
jmp_host_load (JmpHost *self, GError **error)
{
  g_autoptr(JmpConfig) config = jmp_host_read_config (self->config_path, NULL, error);

  if (config == NULL)
    return FALSE;
  return jmp_host_apply (self, config, error);
}

static void
jmp_host_read_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  GError *error = NULL;
  JmpConfig *config = jmp_host_read_config (task_data, cancellable, &error);

  if (config == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, config, g_object_unref);
}

static void
jmp_host_answer (GPtrArray *tasks, const GError *error)
{
  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static GError *
jmp_host_new_stopping_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("the host is stopping"));
}

/* The reload is over, the new tree serving or the old one still: answer
 * those who asked for it, and start the next one. */
static void
jmp_host_reload_done (JmpHost *self, const GError *error)
{
  g_autoptr(GPtrArray) answered = g_steal_pointer (&self->reloading);

  jmp_host_answer (answered, error);
  /* the main loop's share of a reload, which bench/scale.py reads */
  g_debug ("reload: the new tree took %.1f ms of the main loop", self->busy / 1000.0);
  if (self->stopping)
    {
      g_autoptr(GError) stopping = jmp_host_new_stopping_error ();

      jmp_host_answer (self->reload_next, stopping);
      g_ptr_array_set_size (self->reload_next, 0);
    }
  else if (self->reload_next->len > 0)
    jmp_host_reload_start (self);
}

static void
jmp_host_built_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpHost) self = user_data;
  g_autoptr(JmpDriver) root = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  root = jmp_config_build_finish (JMP_CONFIG (source), res, &error);
  g_clear_object (&self->building);
  if (root != NULL)
    jmp_host_switch (self, JMP_CONFIG (source), root);
  self->busy += g_get_monotonic_time () - start;
  jmp_host_reload_done (self, error);
}

/* The old tree is served until the new one is started. */
static void
jmp_host_read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpHost *self = JMP_HOST (source);
  g_autoptr(JmpConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  self->busy = 0;
  config = g_task_propagate_pointer (G_TASK (res), &error);
  if (config == NULL || self->stopping)
    {
      if (error == NULL)
        error = jmp_host_new_stopping_error ();
      jmp_host_reload_done (self, error);
      return;
    }
  self->building = g_cancellable_new ();
  jmp_config_build_async (config, self->registry, self->root, self->building,
                          jmp_host_built_cb, g_object_ref (self));
  self->busy = g_get_monotonic_time () - start;
}

/* One read at a time, applied in the order asked: a read that started
 * before the file's last change never lands after one that started after
 * it. Those who ask meanwhile share the next read. It waits for the
 * drivers the last reload removed to be stopped: the same config re-added
 * must not start while its old driver still holds the device or port. */
static void
jmp_host_reload_start (JmpHost *self)
{
  g_autoptr(GTask) read = NULL;

  if (self->unused_stops > 0)
    return;
  read = g_task_new (self, NULL, jmp_host_read_cb, NULL);
  self->reloading = g_steal_pointer (&self->reload_next);
  self->reload_next = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (read, g_strdup (self->config_path), g_free);
  g_task_run_in_thread (read, jmp_host_read_thread);
}

/**
 * jmp_host_reload_async:
 * @self: a #JmpHost
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the new tree runs, or the old one still does
 * @user_data: data for @callback
 *
 * Re-reads the config (in a worker thread: the file may be on a slow
 * disk) and builds the new tree on the main loop without blocking it
 * while drivers start (jmp_config_build_async()): the old tree is served
 * until the new one is started, then replaced. Unchanged drivers stay as
 * they are; a broken file or a driver that fails to start leaves the
 * running tree as it was.
 */
void
jmp_host_reload_async (JmpHost             *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, jmp_host_reload_async);
  if (self->stopping)
    {
      g_task_return_error (task, jmp_host_new_stopping_error ());
      g_object_unref (task);
      return;
    }
  g_ptr_array_add (self->reload_next, task);
  if (self->reloading == NULL)
    jmp_host_reload_start (self);
}

gboolean
jmp_host_reload_finish (JmpHost *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * jmp_host_shutdown:
 * @self: a #JmpHost
 *
 * Stops every driver, children before parents, and drops the tree. A
 * reload under way is cancelled first (the main context runs until it
 * stopped what it started), and none starts after. The drivers earlier
 * reloads removed and that are still stopping are waited for the same
 * way: their stops are bounded (UStreamer kills its child 5 s after
 * SIGTERM), and nothing of theirs outlives the host.
 */
void
jmp_host_shutdown (JmpHost *self)
{
  g_autoptr(GError) stopping = jmp_host_new_stopping_error ();

  self->stopping = TRUE;
  if (self->building != NULL)
    g_cancellable_cancel (self->building);
  while (self->reloading != NULL || self->unused_stops > 0)
    g_main_context_iteration (NULL, TRUE);
  /* asked for while the removed drivers stopped */
  jmp_host_answer (self->reload_next, stopping);
  g_ptr_array_set_size (self->reload_next, 0);
  if (self->root == NULL)
    return;
  jmp_config_stop_unused (self->root, NULL);
  g_clear_object (&self->root);
  g_signal_emit (self, signals[SIGNAL_TREE_CHANGED], 0);
}

JmpRegistry *
jmp_host_get_registry (JmpHost *self)
{
  return self->registry;
}

/**
 * jmp_host_set_alias:
 * @self: a #JmpHost
 * @alias: (nullable): the exporter's name the host was started as
 *
 * Names the exporter the host serves (`--exporter NAME`, or `default`),
 * which clients find it by; %NULL for a config given by its path.
 */
void
jmp_host_set_alias (JmpHost *self, const gchar *alias)
{
  g_free (self->alias);
  self->alias = g_strdup (alias);
}

const gchar *
jmp_host_get_alias (JmpHost *self)
{
  return self->alias;
}

/**
 * jmp_host_set_stream_limit:
 * @self: a #JmpHost
 * @limit: pumped streams one peer may hold open, at least 1
 *
 * For the connections served from now on (set it before serving).
 */
void
jmp_host_set_stream_limit (JmpHost *self, guint limit)
{
  g_return_if_fail (limit > 0);
  self->stream_limit = limit;
}

guint
jmp_host_get_stream_limit (JmpHost *self)
{
  return self->stream_limit;
}

/**
 * jmp_host_serve_streams:
 * @self: a #JmpHost
 * @connection: a connection the host serves
 * @peer_to_peer: %TRUE for one `--listen` peer, %FALSE for a bus, whose
 *   senders each get their own budget
 *
 * Gives the callers on @connection a budget of pumped streams, which
 * drivers draw on with jmp_stream_lease_acquire().
 */
void
jmp_host_serve_streams (JmpHost *self, GDBusConnection *connection, gboolean peer_to_peer)
{
  g_autoptr(JmpStreamBudget) budget = jmp_stream_budget_new (self->stream_limit);

  jmp_stream_budget_install (budget, connection, peer_to_peer);
}

const gchar *
jmp_host_get_config_path (JmpHost *self)
{
  return self->config_path;
}

JmpConfig *
jmp_host_get_config (JmpHost *self)
{
  return self->config;
}

/**
 * jmp_host_get_root:
 * @self: a #JmpHost
 *
 * Returns: (transfer none) (nullable): the root of the running tree
 */
JmpDriver *
jmp_host_get_root (JmpHost *self)
{
  return self->root;
}

static void
jmp_host_finalize (GObject *object)
{
  JmpHost *self = JMP_HOST (object);

  jmp_host_shutdown (self);
  g_clear_object (&self->config);
  g_clear_object (&self->registry);
  g_free (self->config_path);
  g_free (self->alias);
  g_clear_pointer (&self->reloading, g_ptr_array_unref);
  g_ptr_array_unref (self->reload_next);
  G_OBJECT_CLASS (jmp_host_parent_class)->finalize (object);
}

static void
jmp_host_class_init (JmpHostClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = jmp_host_finalize;

  /**
   * JmpHost::tree-changed:
   *
   * The running tree was replaced (after a load or reload) or dropped.
   */
  signals[SIGNAL_TREE_CHANGED] =
    g_signal_new ("tree-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
jmp_host_init (JmpHost *self)
{
  self->reload_next = g_ptr_array_new_with_free_func (g_object_unref);
  self->stream_limit = JMP_STREAM_BUDGET_DEFAULT;
}

JmpHost *
jmp_host_new (JmpRegistry *registry, const gchar *config_path)
{
  JmpHost *self = g_object_new (JMP_TYPE_HOST, NULL);

  self->registry = g_object_ref (registry);
  self->config_path = g_strdup (config_path);
  return self;
}
