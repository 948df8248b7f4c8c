/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Stops the drivers a reload did not keep, children before parents.
 *
 * The async way stops them side by side: a driver begins its stop once
 * none of its own children (refs aside) is still stopping, so a parent
 * never loses what a child still uses. A driver with only a synchronous
 * stop is stopped at once when its turn comes; one with stop_async is
 * waited for without blocking.
 */

#include "config.h"

#include "jmp-config.h"

static gboolean
jmp_config_collect (JmpDriver   *driver,
                    const gchar *path,
                    gpointer     user_data)
{
  g_hash_table_add (user_data, driver);
  return TRUE;
}

typedef struct {
  GHashTable *keep;
  GPtrArray  *stop;
} JmpConfigUnused;

static gboolean
jmp_config_collect_unused (JmpDriver   *driver,
                           const gchar *path,
                           gpointer     user_data)
{
  JmpConfigUnused *unused = user_data;

  if (!g_hash_table_contains (unused->keep, driver) && jmp_driver_is_started (driver))
    g_ptr_array_add (unused->stop, g_object_ref (driver));
  return TRUE;
}

/* The started drivers of @previous that @current does not hold, children
 * first. */
static GPtrArray *
jmp_config_list_unused (JmpDriver *previous, JmpDriver *current)
{
  g_autoptr(GHashTable) keep = g_hash_table_new (NULL, NULL);
  GPtrArray *stop = g_ptr_array_new_with_free_func (g_object_unref);
  JmpConfigUnused unused = { keep, stop };

  if (current != NULL)
    jmp_driver_foreach (current, jmp_config_collect, keep);
  jmp_driver_foreach (previous, jmp_config_collect_unused, &unused);
  /* the walk lists parents first */
  for (guint i = 0; i < stop->len / 2; i++)
    {
      gpointer tmp = stop->pdata[i];

      stop->pdata[i] = stop->pdata[stop->len - 1 - i];
      stop->pdata[stop->len - 1 - i] = tmp;
    }
  return stop;
}

/**
 * jmp_config_stop_unused:
 * @previous: the root of the tree that was running
 * @current: (nullable): the root of the tree that replaces it
 *
 * After a reload, stops every driver of @previous that jmp_config_build()
 * did not keep in @current, children before parents. Call it once
 * @current is in use; then drop @previous.
 */
void
jmp_config_stop_unused (JmpDriver *previous,
                        JmpDriver *current)
{
  g_autoptr(GPtrArray) stop = NULL;

  g_return_if_fail (JMP_IS_DRIVER (previous));
  g_return_if_fail (current == NULL || JMP_IS_DRIVER (current));

  stop = jmp_config_list_unused (previous, current);
  for (guint i = 0; i < stop->len; i++)
    jmp_driver_stop (g_ptr_array_index (stop, i));
}

typedef struct {
  GPtrArray  *waiting;    /* children first, their stop not begun */
  GHashTable *unstopped;  /* the waiting ones and those stopping */
} JmpConfigStop;

static void
jmp_config_stop_free (JmpConfigStop *s)
{
  g_ptr_array_unref (s->waiting);
  g_hash_table_unref (s->unstopped);
  g_free (s);
}

static gboolean
jmp_config_stop_has_unstopped_child (JmpConfigStop *s, JmpDriver *driver)
{
  g_auto(GStrv) keys = jmp_driver_get_child_keys (driver);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(JmpDriver) child = NULL;

      if (jmp_driver_is_ref (driver, keys[i]))
        continue;
      child = jmp_driver_get_child (driver, keys[i]);
      if (child != NULL && g_hash_table_contains (s->unstopped, child))
        return TRUE;
    }
  return FALSE;
}

static void jmp_config_stop_next (GTask *task);

static void
jmp_config_stopped_cb (GObject      *source,
                       GAsyncResult *res,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpConfigStop *s = g_task_get_task_data (task);

  jmp_driver_stop_finish (JMP_DRIVER (source), res);
  g_hash_table_remove (s->unstopped, source);
  jmp_config_stop_next (task);
}

/* Begins the stop of every driver whose children are all stopped; ends
 * the task once none is left. */
static void
jmp_config_stop_next (GTask *task)
{
  JmpConfigStop *s = g_task_get_task_data (task);

  /* children come first, so a sync stop frees its parent in this pass */
  for (guint i = 0; i < s->waiting->len;)
    {
      JmpDriver *driver = g_ptr_array_index (s->waiting, i);

      if (jmp_config_stop_has_unstopped_child (s, driver))
        {
          i++;
          continue;
        }
      g_object_ref (driver);
      g_ptr_array_remove_index (s->waiting, i);
      if (JMP_DRIVER_GET_CLASS (driver)->stop_async != NULL)
        jmp_driver_stop_async (driver, g_task_get_cancellable (task),
                               jmp_config_stopped_cb, g_object_ref (task));
      else
        {
          jmp_driver_stop (driver);
          g_hash_table_remove (s->unstopped, driver);
        }
      g_object_unref (driver);
    }
  if (g_hash_table_size (s->unstopped) == 0)
    g_task_return_boolean (task, TRUE);
}

/**
 * jmp_config_stop_unused_async:
 * @previous: the root of the tree that was running
 * @current: (nullable): the root of the tree that replaces it
 * @cancellable: (nullable): a #GCancellable, to make the stops hurry
 * @callback: (scope async): called once every driver is stopped
 * @user_data: data for @callback
 *
 * jmp_config_stop_unused() without blocking: a driver with
 * #JmpDriverClass.stop_async is waited for from the caller's
 * thread-default main context, children before parents still, others
 * are stopped at once when their turn comes. Every driver counts as
 * stopped (jmp_driver_is_started() is %FALSE) from the moment its stop
 * begins. Cancelling @cancellable makes the stops under way hurry (see
 * jmp_driver_stop_async()); they all end all the same.
 */
void
jmp_config_stop_unused_async (JmpDriver           *previous,
                              JmpDriver           *current,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  JmpConfigStop *s;

  g_return_if_fail (JMP_IS_DRIVER (previous));
  g_return_if_fail (current == NULL || JMP_IS_DRIVER (current));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (previous, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_config_stop_unused_async);
  /* the stops end, cancelled or not */
  g_task_set_check_cancellable (task, FALSE);
  s = g_new0 (JmpConfigStop, 1);
  s->waiting = jmp_config_list_unused (previous, current);
  s->unstopped = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < s->waiting->len; i++)
    g_hash_table_add (s->unstopped, g_ptr_array_index (s->waiting, i));
  g_task_set_task_data (task, s, (GDestroyNotify) jmp_config_stop_free);
  jmp_config_stop_next (task);
}

/**
 * jmp_config_stop_unused_finish:
 * @previous: the root passed to jmp_config_stop_unused_async()
 * @result: the #GAsyncResult passed to the callback
 *
 * Finishes jmp_config_stop_unused_async(): every driver it stopped has
 * released what it held.
 */
void
jmp_config_stop_unused_finish (JmpDriver    *previous,
                               GAsyncResult *result)
{
  g_return_if_fail (g_task_is_valid (result, previous));
  g_return_if_fail (g_task_get_source_tag (G_TASK (result)) == jmp_config_stop_unused_async);
  g_task_propagate_boolean (G_TASK (result), NULL);
}
