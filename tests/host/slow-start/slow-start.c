/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A plugin with a driver that has only start_async, built against the
 * public headers alone, as a third party's would be: SlowStart comes up
 * delay_ms after its start (a device that takes its time), or fails to
 * with fail: true; a cancelled start ends at once. It has only
 * stop_async too: it lets go stop_delay_ms after its stop.
 */
#include <jumpstarter/jumpstarter.h>

struct _TestSlowStart
{
  JmpDriver parent_instance;
  guint     delay_ms;
  guint     stop_delay_ms;
  gboolean  fail;
};

JMP_DEFINE_DRIVER (TestSlowStart, test_slow_start, TEST, SLOW_START)

/* Runs when the delay is over, or earlier when the start is cancelled. */
static gboolean
slow_start_ready_cb (gpointer user_data)
{
  GTask *task = user_data;

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;
  if (TEST_SLOW_START (g_task_get_source_object (task))->fail)
    g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_UNAVAILABLE, "the device did not come up");
  else
    g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

/* Runs @func with @task after @delay_ms, or as soon as @cancellable is
 * cancelled, on the caller's context: the host's main loop, or the
 * private one of jmp_driver_start() and jmp_driver_stop(). */
static void
slow_start_after (GTask *task, guint delay_ms, GCancellable *cancellable, GSourceFunc func)
{
  GSource *source = g_timeout_source_new (delay_ms);

  if (cancellable != NULL)
    {
      GSource *cancelled = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (source, cancelled);
      g_source_unref (cancelled);
    }
  g_source_set_callback (source, func, task, g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
slow_start_start_async (JmpDriver           *driver,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  slow_start_after (g_task_new (driver, cancellable, callback, user_data),
                    TEST_SLOW_START (driver)->delay_ms, cancellable, slow_start_ready_cb);
}

static gboolean
slow_start_start_finish (JmpDriver *driver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
slow_start_released_cb (gpointer user_data)
{
  g_task_return_boolean (user_data, TRUE);
  return G_SOURCE_REMOVE;
}

/* Always ends; a cancelled (hurried) stop ends at once. */
static void
slow_start_stop_async (JmpDriver           *driver,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  slow_start_after (g_task_new (driver, cancellable, callback, user_data),
                    TEST_SLOW_START (driver)->stop_delay_ms, cancellable, slow_start_released_cb);
}

static void
slow_start_stop_finish (JmpDriver *driver, GAsyncResult *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}

static void
test_slow_start_class_init (JmpDriverClass *klass)
{
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestSlowStart, delay_ms),
                              g_param_spec_uint ("delay-ms", NULL, "Time the device takes to come up",
                                                 0, 600000, 100, 0));
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestSlowStart, fail),
                              g_param_spec_boolean ("fail", NULL, "Never come up", FALSE, 0));
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestSlowStart, stop_delay_ms),
                              g_param_spec_uint ("stop-delay-ms", NULL, "Time the device takes to let go",
                                                 0, 600000, 0, 0));
  klass->start_async = slow_start_start_async;
  klass->start_finish = slow_start_start_finish;
  klass->stop_async = slow_start_stop_async;
  klass->stop_finish = slow_start_stop_finish;
}

JMP_PLUGIN_DEFINE_TYPE ("slow-start", "1.0", "A driver that starts without blocking", "SlowStart",
                        test_slow_start_get_type ())
