/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Starting drivers without blocking: jmp_driver_start_async() and the
 * synchronous jmp_driver_start() on classes with only start, only
 * start_async, or a failing one of each; and jmp_config_build_async(),
 * which must start a tree in the order, with the errors and the undo of
 * jmp_config_build(), and stop what it started when cancelled. And the
 * same for stopping: jmp_driver_stop_async() and jmp_driver_stop() on
 * classes with only stop or only stop_async, and
 * jmp_config_stop_unused_async(), children before parents.
 */
#include "jmp-test-common.h"

/* What the drivers did, in order, for the tests to check. */
static GString *start_log;
static GString *stop_log;

static void
log_reset (void)
{
  g_string_truncate (start_log, 0);
  g_string_truncate (stop_log, 0);
}

static void
log_driver (GString *log, JmpDriver *driver)
{
  g_string_append_printf (log, "%s ", jmp_driver_get_name (driver));
}

static void
test_driver_stop (JmpDriver *driver)
{
  log_driver (stop_log, driver);
}

/* ---- Only a synchronous start ------------------------------------------- */

struct _TestSyncStart
{
  JmpDriver parent_instance;
  gboolean  fail;
};

JMP_DEFINE_DRIVER (TestSyncStart, test_sync_start, TEST, SYNC_START)

static gboolean
test_sync_start_start (JmpDriver *driver, GError **error)
{
  if (TEST_SYNC_START (driver)->fail)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no device here");
      return FALSE;
    }
  log_driver (start_log, driver);
  return TRUE;
}

static void
test_sync_start_class_init (JmpDriverClass *klass)
{
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestSyncStart, fail),
                              g_param_spec_boolean ("fail", NULL, "Fail to start", FALSE, 0));
  klass->start = test_sync_start_start;
  klass->stop = test_driver_stop;
}

/* ---- Only an asynchronous start: it answers after a while --------------- */

struct _TestAsyncStart
{
  JmpDriver parent_instance;
  gboolean  fail;
  guint     delay_ms;
};

JMP_DEFINE_DRIVER (TestAsyncStart, test_async_start, TEST, ASYNC_START)

/* Each source holds the task; the first to fire returns it and destroys
 * the other. */
typedef struct {
  GSource *timeout;
  GSource *cancelled;
} TestAsyncStartWait;

static void
test_async_start_wait_free (TestAsyncStartWait *wait)
{
  g_source_unref (wait->timeout);
  g_clear_pointer (&wait->cancelled, g_source_unref);
  g_free (wait);
}

static gboolean
test_async_start_done_cb (gpointer user_data)
{
  GTask *task = user_data;
  TestAsyncStartWait *wait = g_task_get_task_data (task);
  JmpDriver *driver = g_task_get_source_object (task);

  if (wait->cancelled != NULL)
    g_source_destroy (wait->cancelled);
  if (TEST_ASYNC_START (driver)->fail)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the device did not answer");
  else
    {
      log_driver (start_log, driver);
      g_task_return_boolean (task, TRUE);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
test_async_start_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  TestAsyncStartWait *wait = g_task_get_task_data (task);

  g_source_destroy (wait->timeout);
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

static void
test_async_start_start_async (JmpDriver           *driver,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (driver, cancellable, callback, user_data);
  TestAsyncStartWait *wait = g_new0 (TestAsyncStartWait, 1);

  g_task_set_task_data (task, wait, (GDestroyNotify) test_async_start_wait_free);
  g_task_set_check_cancellable (task, FALSE);
  wait->timeout = g_timeout_source_new (TEST_ASYNC_START (driver)->delay_ms);
  g_source_set_callback (wait->timeout, test_async_start_done_cb, task, g_object_unref);
  g_source_attach (wait->timeout, g_main_context_get_thread_default ());
  if (cancellable != NULL)
    {
      wait->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (wait->cancelled, G_SOURCE_FUNC (test_async_start_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (wait->cancelled, g_main_context_get_thread_default ());
    }
}

static gboolean
test_async_start_start_finish (JmpDriver *driver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
test_async_start_class_init (JmpDriverClass *klass)
{
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestAsyncStart, fail),
                              g_param_spec_boolean ("fail", NULL, "Fail to start", FALSE, 0));
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestAsyncStart, delay_ms),
                              g_param_spec_uint ("delay-ms", NULL, "Time to start", 0, 60000, 50, 0));
  klass->start_async = test_async_start_start_async;
  klass->start_finish = test_async_start_start_finish;
  klass->stop = test_driver_stop;
}

/* ---- Only an asynchronous stop: it ends after a while ------------------- */

struct _TestAsyncStop
{
  JmpDriver parent_instance;
  gboolean  fail;
  guint     delay_ms;
};

JMP_DEFINE_DRIVER (TestAsyncStop, test_async_stop, TEST, ASYNC_STOP)

static gboolean
test_async_stop_start (JmpDriver *driver, GError **error)
{
  log_driver (start_log, driver);
  return TRUE;
}

static gboolean
test_async_stop_done_cb (gpointer user_data)
{
  GTask *task = user_data;

  log_driver (stop_log, g_task_get_source_object (task));
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

/* Ends after delay_ms, or as soon as @cancellable asks it to hurry. */
static void
test_async_stop_stop_async (JmpDriver           *driver,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (driver, cancellable, callback, user_data);
  GSource *source = g_timeout_source_new (TEST_ASYNC_STOP (driver)->delay_ms);

  if (cancellable != NULL)
    {
      GSource *cancelled = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (source, cancelled);
      g_source_unref (cancelled);
    }
  g_source_set_callback (source, test_async_stop_done_cb, task, g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
test_async_stop_stop_finish (JmpDriver *driver, GAsyncResult *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}

static void
test_async_stop_class_init (JmpDriverClass *klass)
{
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestAsyncStop, fail),
                              g_param_spec_boolean ("fail", NULL, "Never set", FALSE, 0));
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestAsyncStop, delay_ms),
                              g_param_spec_uint ("delay-ms", NULL, "Time to stop", 0, 600000, 50, 0));
  klass->start = test_async_stop_start;
  klass->stop_async = test_async_stop_stop_async;
  klass->stop_finish = test_async_stop_stop_finish;
}

/* ---- Helpers ------------------------------------------------------------ */

static JmpDriver *
new_driver (GType type, const gchar *name, gboolean fail)
{
  JmpDriver *driver = g_object_new (type, "fail", fail, NULL);

  jmp_driver_set_name (driver, name);
  return driver;
}

/* Waits for a start under way and finishes it. */
static gboolean
wait_start (JmpDriver *driver, JmpTestAsync *wait, GError **error)
{
  gboolean ok;

  jmp_test_wait_flag (&wait->done, 10000);
  ok = jmp_driver_start_finish (driver, wait->result, error);
  g_clear_object (&wait->result);
  return ok;
}

static gboolean
start_async_and_wait (JmpDriver *driver, GCancellable *cancellable, GError **error)
{
  JmpTestAsync wait = { 0 };

  jmp_driver_start_async (driver, cancellable, jmp_test_async_cb, &wait);
  return wait_start (driver, &wait, error);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* ---- The SDK ------------------------------------------------------------ */

static void
test_sync_class (void)
{
  g_autoptr(JmpDriver) driver = new_driver (test_sync_start_get_type (), "s", FALSE);
  g_autoptr(GError) error = NULL;
  JmpTestAsync wait = { 0 };

  log_reset ();
  jmp_driver_start_async (driver, NULL, jmp_test_async_cb, &wait);
  /* the start ran at once; its result comes through the task */
  g_assert_cmpstr (start_log->str, ==, "s ");
  g_assert_true (jmp_driver_is_started (driver));
  g_assert_true (wait_start (driver, &wait, &error));
  g_assert_no_error (error);

  /* started already: nothing to do */
  g_assert_true (start_async_and_wait (driver, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (start_log->str, ==, "s ");

  jmp_driver_stop (driver);
  g_assert_cmpstr (stop_log->str, ==, "s ");
}

static void
test_async_class (void)
{
  g_autoptr(JmpDriver) driver = new_driver (test_async_start_get_type (), "a", FALSE);
  g_autoptr(GError) error = NULL;
  JmpTestAsync wait = { 0 };

  log_reset ();
  jmp_driver_start_async (driver, NULL, jmp_test_async_cb, &wait);
  g_assert_false (jmp_driver_is_started (driver));
  /* one start at a time */
  g_assert_false (jmp_driver_start (driver, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);

  g_assert_true (wait_start (driver, &wait, &error));
  g_assert_no_error (error);
  g_assert_true (jmp_driver_is_started (driver));
  g_assert_cmpstr (start_log->str, ==, "a ");

  jmp_driver_stop (driver);
  g_assert_false (jmp_driver_is_started (driver));
  g_assert_cmpstr (stop_log->str, ==, "a ");
}

/* jmp_driver_start() on a class with only start_async: it finishes on a
 * private context, dispatching nothing of the caller's. */
static void
test_async_class_sync (void)
{
  g_autoptr(JmpDriver) driver = new_driver (test_async_start_get_type (), "a", FALSE);
  g_autoptr(GError) error = NULL;
  gboolean idle_ran = FALSE;
  guint id;

  log_reset ();
  id = g_idle_add (flag_cb, &idle_ran);
  g_assert_true (jmp_driver_start (driver, &error));
  g_assert_no_error (error);
  g_assert_true (jmp_driver_is_started (driver));
  g_assert_cmpstr (start_log->str, ==, "a ");
  g_assert_false (idle_ran);
  g_source_remove (id);
  jmp_driver_stop (driver);
}

static void
test_failing (void)
{
  GType types[] = { test_sync_start_get_type (), test_async_start_get_type () };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(JmpDriver) driver = new_driver (types[i], "f", TRUE);
      g_autoptr(GError) error = NULL;

      log_reset ();
      g_assert_false (start_async_and_wait (driver, NULL, &error));
      g_assert_nonnull (error);
      g_assert_false (jmp_driver_is_started (driver));
      g_clear_error (&error);
      g_assert_false (jmp_driver_start (driver, &error));
      g_assert_nonnull (error);
      g_assert_false (jmp_driver_is_started (driver));
      jmp_driver_stop (driver);
      g_assert_cmpstr (start_log->str, ==, "");
      g_assert_cmpstr (stop_log->str, ==, "");
    }
}

static void
test_cancelled (void)
{
  g_autoptr(JmpDriver) slow = new_driver (test_async_start_get_type (), "a", FALSE);
  g_autoptr(JmpDriver) sync = new_driver (test_sync_start_get_type (), "s", FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  JmpTestAsync wait = { 0 };

  log_reset ();
  g_object_set (slow, "delay-ms", 60000, NULL);
  jmp_driver_start_async (slow, cancellable, jmp_test_async_cb, &wait);
  g_cancellable_cancel (cancellable);
  g_assert_false (wait_start (slow, &wait, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (jmp_driver_is_started (slow));
  g_clear_error (&error);

  g_assert_false (start_async_and_wait (sync, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (jmp_driver_is_started (sync));
  g_assert_cmpstr (start_log->str, ==, "");
}

/* ---- Stops -------------------------------------------------------------- */

static void
wait_stop (JmpDriver *driver, JmpTestAsync *wait)
{
  jmp_test_wait_flag (&wait->done, 10000);
  jmp_driver_stop_finish (driver, wait->result);
  g_clear_object (&wait->result);
  wait->done = FALSE;
}

/* A class with only stop: stopped at once, the end through the task. */
static void
test_stop_sync_class (void)
{
  g_autoptr(JmpDriver) driver = new_driver (test_sync_start_get_type (), "s", FALSE);
  g_autoptr(GError) error = NULL;
  JmpTestAsync wait = { 0 };

  log_reset ();
  g_assert_true (jmp_driver_start (driver, &error));
  jmp_driver_stop_async (driver, NULL, jmp_test_async_cb, &wait);
  g_assert_cmpstr (stop_log->str, ==, "s ");
  g_assert_false (jmp_driver_is_started (driver));
  g_assert_false (jmp_driver_is_stopping (driver));
  wait_stop (driver, &wait);

  /* stopped already: nothing to do */
  jmp_driver_stop_async (driver, NULL, jmp_test_async_cb, &wait);
  wait_stop (driver, &wait);
  g_assert_cmpstr (stop_log->str, ==, "s ");
}

/* A class with only stop_async: stopped from the moment the stop begins,
 * a second stop does nothing, no start until it is over; the cancellable
 * makes it hurry. */
static void
test_stop_async_class (void)
{
  g_autoptr(JmpDriver) driver = new_driver (test_async_stop_get_type (), "a", FALSE);
  g_autoptr(GCancellable) hurry = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  JmpTestAsync first = { 0 };
  JmpTestAsync second = { 0 };

  log_reset ();
  g_object_set (driver, "delay-ms", 600000, NULL);
  g_assert_true (jmp_driver_start (driver, &error));
  jmp_driver_stop_async (driver, hurry, jmp_test_async_cb, &first);
  g_assert_false (jmp_driver_is_started (driver));
  g_assert_true (jmp_driver_is_stopping (driver));

  jmp_driver_stop_async (driver, NULL, jmp_test_async_cb, &second);
  wait_stop (driver, &second);
  jmp_driver_stop (driver);
  g_assert_false (first.done);
  g_assert_cmpstr (stop_log->str, ==, "");

  g_assert_false (jmp_driver_start (driver, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_assert_cmpstr (error->message, ==, "driver a is still stopping");
  g_clear_error (&error);

  g_cancellable_cancel (hurry);
  wait_stop (driver, &first);
  g_assert_cmpstr (stop_log->str, ==, "a ");
  g_assert_false (jmp_driver_is_stopping (driver));
  g_assert_true (jmp_driver_start (driver, &error));
  g_assert_no_error (error);
  g_object_set (driver, "delay-ms", 0, NULL);
  jmp_driver_stop (driver);
  g_assert_cmpstr (stop_log->str, ==, "a a ");
}

/* jmp_driver_stop() on a class with only stop_async: it finishes on a
 * private context, dispatching nothing of the caller's. */
static void
test_stop_async_class_sync (void)
{
  g_autoptr(JmpDriver) driver = new_driver (test_async_stop_get_type (), "a", FALSE);
  g_autoptr(GError) error = NULL;
  gboolean idle_ran = FALSE;
  guint id;

  log_reset ();
  g_assert_true (jmp_driver_start (driver, &error));
  id = g_idle_add (flag_cb, &idle_ran);
  jmp_driver_stop (driver);
  g_assert_cmpstr (stop_log->str, ==, "a ");
  g_assert_false (jmp_driver_is_started (driver));
  g_assert_false (jmp_driver_is_stopping (driver));
  g_assert_false (idle_ran);
  g_source_remove (id);
}

/* ---- The tree ----------------------------------------------------------- */

static JmpRegistry *
test_registry (void)
{
  g_autoptr(JmpRegistry) registry = jmp_registry_new ();
  g_autoptr(GError) error = NULL;

  jmp_registry_add_type (registry, "SyncStart", test_sync_start_get_type (), NULL, &error);
  g_assert_no_error (error);
  jmp_registry_add_type (registry, "AsyncStart", test_async_start_get_type (), NULL, &error);
  g_assert_no_error (error);
  jmp_registry_add_type (registry, "AsyncStop", test_async_stop_get_type (), NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&registry);
}

static JmpConfig *
load (const gchar *yaml)
{
  g_autoptr(GError) error = NULL;
  JmpConfig *config = jmp_config_new_from_data (yaml, -1, "tree.yaml", &error);

  g_assert_no_error (error);
  return config;
}

static JmpDriver *
build_async (JmpConfig *config, JmpRegistry *registry, JmpDriver *previous,
             GCancellable *cancellable, GError **error)
{
  JmpTestAsync wait = { 0 };
  JmpDriver *root;

  jmp_config_build_async (config, registry, previous, cancellable, jmp_test_async_cb, &wait);
  jmp_test_wait_flag (&wait.done, 10000);
  root = jmp_config_build_finish (config, wait.result, error);
  g_object_unref (wait.result);
  return root;
}

static void
stop_tree (JmpDriver *root)
{
  jmp_config_stop_unused (root, NULL);
}

static const gchar tree_yaml[] =
  "export:\n"
  "  first: {type: SyncStart}\n"
  "  group:\n"
  "    children:\n"
  "      slow: {type: AsyncStart}\n"
  "      parent:\n"
  "        type: SyncStart\n"
  "        children: {inner: {type: AsyncStart}, alias: {ref: first}}\n"
  "  last: {type: AsyncStart}\n";

/* Children first, in file order: the same as the synchronous build. */
static void
test_build_order (void)
{
  g_autoptr(JmpRegistry) registry = test_registry ();
  g_autoptr(JmpConfig) config = load (tree_yaml);
  g_autoptr(JmpDriver) sync_root = NULL;
  g_autoptr(JmpDriver) async_root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *sync_order = NULL;

  log_reset ();
  sync_root = jmp_config_build (config, registry, NULL, &error);
  g_assert_no_error (error);
  sync_order = g_strdup (start_log->str);
  g_assert_cmpstr (sync_order, ==, "first slow inner parent last ");
  stop_tree (sync_root);

  log_reset ();
  async_root = build_async (config, registry, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (start_log->str, ==, sync_order);
  g_assert_true (jmp_driver_is_started (async_root));
  stop_tree (async_root);
  g_assert_cmpstr (stop_log->str, ==, "last inner parent slow first ");
}

/* A driver that fails: the same error, what started is stopped again, the
 * running tree is left as it was. */
static void
test_build_failure (void)
{
  g_autoptr(JmpRegistry) registry = test_registry ();
  g_autoptr(JmpConfig) config = load (tree_yaml);
  g_autoptr(JmpConfig) broken = NULL;
  g_autoptr(JmpDriver) running = NULL;
  g_autoptr(JmpDriver) kept = NULL;
  g_autoptr(GError) sync_error = NULL;
  g_autoptr(GError) async_error = NULL;

  running = jmp_config_build (config, registry, NULL, &sync_error);
  g_assert_no_error (sync_error);
  kept = jmp_driver_get_child (running, "first");

  broken = load ("export:\n"
                 "  first: {type: SyncStart}\n"
                 "  new: {type: AsyncStart}\n"
                 "  group: {children: {bad: {type: AsyncStart, config: {fail: true}}}}\n");
  log_reset ();
  g_assert_null (jmp_config_build (broken, registry, running, &sync_error));
  g_assert_error (sync_error, JMP_ERROR, JMP_ERROR_TIMED_OUT);
  g_assert_cmpstr (sync_error->message, ==,
                   "tree.yaml: export.group.children.bad: failed to start AsyncStart: the device did not answer");
  g_assert_cmpstr (start_log->str, ==, "new ");
  g_assert_cmpstr (stop_log->str, ==, "new ");

  log_reset ();
  g_assert_null (build_async (broken, registry, running, NULL, &async_error));
  g_assert_error (async_error, sync_error->domain, sync_error->code);
  g_assert_cmpstr (async_error->message, ==, sync_error->message);
  g_assert_cmpstr (start_log->str, ==, "new ");
  g_assert_cmpstr (stop_log->str, ==, "new ");

  /* the kept driver is still the running tree's, and running */
  g_assert_true (jmp_driver_get_parent (kept) == running);
  g_assert_true (jmp_driver_is_started (kept));
  stop_tree (running);
}

/* Cancelled while a driver starts: what started stops, nothing leaks
 * (checked under the sanitizers), the running tree is untouched. */
static void
test_build_cancelled (void)
{
  g_autoptr(JmpRegistry) registry = test_registry ();
  g_autoptr(JmpConfig) config = load ("export:\n"
                                      "  first: {type: SyncStart}\n"
                                      "  slow: {type: AsyncStart, config: {delay_ms: 60000}}\n"
                                      "  never: {type: SyncStart}\n");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  JmpTestAsync wait = { 0 };

  log_reset ();
  jmp_config_build_async (config, registry, NULL, cancellable, jmp_test_async_cb, &wait);
  g_timeout_add (100, cancel_cb, cancellable);
  jmp_test_wait_flag (&wait.done, 10000);
  g_assert_null (jmp_config_build_finish (config, wait.result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&wait.result);
  g_assert_cmpstr (start_log->str, ==, "first ");
  g_assert_cmpstr (stop_log->str, ==, "first ");
}

/* Children before parents: a driver with only stop stops at once when
 * its children are stopped, a parent waits for its stop_async children
 * (started until its own stop begins). */
static void
test_stop_unused_async (void)
{
  g_autoptr(JmpRegistry) registry = test_registry ();
  g_autoptr(JmpConfig) config = load ("export:\n"
                                      "  first: {type: SyncStart}\n"
                                      "  group:\n"
                                      "    children:\n"
                                      "      slow: {type: AsyncStop}\n"
                                      "      parent:\n"
                                      "        type: SyncStart\n"
                                      "        children: {inner: {type: AsyncStop}, alias: {ref: first}}\n"
                                      "  last: {type: SyncStart}\n");
  g_autoptr(JmpDriver) root = NULL;
  g_autoptr(JmpDriver) group = NULL;
  g_autoptr(JmpDriver) parent = NULL;
  g_autoptr(GError) error = NULL;
  JmpTestAsync wait = { 0 };
  const gchar *inner;

  root = jmp_config_build (config, registry, NULL, &error);
  g_assert_no_error (error);
  group = jmp_driver_get_child (root, "group");
  parent = jmp_driver_get_child (group, "parent");

  log_reset ();
  jmp_config_stop_unused_async (root, NULL, NULL, jmp_test_async_cb, &wait);
  /* the ref to first does not hold it back */
  g_assert_cmpstr (stop_log->str, ==, "last first ");
  g_assert_true (jmp_driver_is_started (parent));
  jmp_test_wait_flag (&wait.done, 10000);
  g_assert_false (jmp_driver_is_started (parent));
  g_assert_false (jmp_driver_is_started (root));
  jmp_config_stop_unused_finish (root, wait.result);
  g_clear_object (&wait.result);

  inner = strstr (stop_log->str, "inner ");
  g_assert_nonnull (inner);
  g_assert_nonnull (strstr (inner, "parent "));
  g_assert_nonnull (strstr (stop_log->str, "slow "));
  g_assert_cmpuint (strlen (stop_log->str), ==, strlen ("last first inner parent slow "));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  start_log = g_string_new (NULL);
  stop_log = g_string_new (NULL);

  g_test_add_func ("/driver-start/sync-class", test_sync_class);
  g_test_add_func ("/driver-start/async-class", test_async_class);
  g_test_add_func ("/driver-start/async-class-sync", test_async_class_sync);
  g_test_add_func ("/driver-start/failing", test_failing);
  g_test_add_func ("/driver-start/cancelled", test_cancelled);
  g_test_add_func ("/driver-start/build-order", test_build_order);
  g_test_add_func ("/driver-start/build-failure", test_build_failure);
  g_test_add_func ("/driver-start/build-cancelled", test_build_cancelled);
  g_test_add_func ("/driver-stop/sync-class", test_stop_sync_class);
  g_test_add_func ("/driver-stop/async-class", test_stop_async_class);
  g_test_add_func ("/driver-stop/async-class-sync", test_stop_async_class_sync);
  g_test_add_func ("/driver-stop/unused-async", test_stop_unused_async);

  return g_test_run ();
}
