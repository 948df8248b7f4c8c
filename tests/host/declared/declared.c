/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A test plugin declaring every kind of method the SDK offers: sync with
 * arguments and results, one failing with a GIO error, async, one handing
 * over a stream (h), and state in fields. A subclass adds a method of its
 * own on an interface named after its type.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>

#include <glib-unix.h>
#include <jumpstarter/jumpstarter.h>

typedef struct
{
  JmpDriver parent_instance;
  guint     count;
  gchar    *label;
} JmpTestDeclared;

typedef JmpDriverClass JmpTestDeclaredClass;

static GType jmp_test_declared_get_type (void);
G_DEFINE_TYPE (JmpTestDeclared, jmp_test_declared, JMP_TYPE_DRIVER)

static GVariant *
declared_echo (JmpDriver *self, const gchar *method, GVariant *args, GError **error)
{
  const gchar *text;
  gint32 times;
  g_autoptr(GString) out = g_string_new (NULL);

  g_variant_get (args, "(&si)", &text, &times);
  for (gint i = 0; i < times; i++)
    g_string_append (out, text);
  return g_variant_new ("(su)", out->str, (guint) out->len);
}

static GVariant *
declared_fail (JmpDriver *self, const gchar *method, GVariant *args, GError **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "there is no %s here", "widget");
  return NULL;
}

static GVariant *
declared_bump (JmpDriver *self, const gchar *method, GVariant *args, GError **error)
{
  JmpTestDeclared *declared = (JmpTestDeclared *) self;
  g_autofree gchar *label = g_strdup_printf ("bumped %u", declared->count + 1);

  g_object_set (self, "count", declared->count + 1, "label", label, NULL);
  return NULL;
}

static gboolean
declared_later_done (gpointer task)
{
  if (!g_task_return_error_if_cancelled (task))
    jmp_driver_method_return (task, g_variant_new ("(s)", "later"));
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
declared_later (JmpDriver *self, const gchar *method, GVariant *args, GTask *task)
{
  g_timeout_add (50, declared_later_done, g_object_ref (task));
}

static void
declared_stream (JmpDriver *self, const gchar *method, GVariant *args, GTask *task)
{
  GError *error = NULL;
  gint fds[2];
  gint index;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errno), "socketpair");
      return;
    }
  /* the far end says hello and goes; the caller gets the near end */
  if (write (fds[1], "hello", 5) != 5)
    g_assert_not_reached ();
  close (fds[1]);
  index = jmp_driver_method_append_fd (task, fds[0], &error);
  close (fds[0]);
  if (index < 0)
    g_task_return_error (task, error);
  else
    jmp_driver_method_return (task, g_variant_new ("(h)", index));
}

static void
jmp_test_declared_class_init (JmpTestDeclaredClass *klass)
{
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (JmpTestDeclared, count),
                              g_param_spec_uint ("count", NULL, "Bumps so far", 0, 100, 0,
                                                 JMP_PARAM_STATE));
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (JmpTestDeclared, label),
                              g_param_spec_string ("label", NULL, "A label", "none", 0));
  jmp_driver_class_export_property (klass, "label");
  jmp_driver_class_add_method (klass, "echo", "(si)", "(su)", "text, times, joined, length",
                               declared_echo, "Repeat TEXT TIMES times");
  jmp_driver_class_add_method (klass, "fail", NULL, NULL, NULL, declared_fail, "Always fails");
  jmp_driver_class_add_method (klass, "bump", NULL, NULL, NULL, declared_bump, "Count one more");
  jmp_driver_class_add_method_async (klass, "answer-later", NULL, "s", NULL, declared_later,
                                     "Answer after a while");
  jmp_driver_class_add_method_async (klass, "stream", NULL, "h", "stream", declared_stream,
                                     "A stream that says hello");
  /* named last, after the methods: they move with it */
  jmp_driver_class_set_interface_name (klass, "dev.jumpstarter.test.Declared1");
}

static void
jmp_test_declared_init (JmpTestDeclared *self)
{
}

typedef struct
{
  JmpTestDeclared parent_instance;
} JmpTestDeclaredChild;

typedef JmpTestDeclaredClass JmpTestDeclaredChildClass;

static GType jmp_test_declared_child_get_type (void);
G_DEFINE_TYPE (JmpTestDeclaredChild, jmp_test_declared_child, jmp_test_declared_get_type ())

static GVariant *
declared_child_hello (JmpDriver *self, const gchar *method, GVariant *args, GError **error)
{
  return g_variant_new ("(s)", "hello from the child");
}

static void
jmp_test_declared_child_class_init (JmpTestDeclaredChildClass *klass)
{
  jmp_driver_class_add_method (klass, "hello", NULL, "(s)", "greeting", declared_child_hello,
                               "Say hello");
}

static void
jmp_test_declared_child_init (JmpTestDeclaredChild *self)
{
}

/* A third party's pumped stream: the driver keeps its end of the
 * socketpair (reading and dropping what comes) until the caller closes
 * its own, and holds a lease on the caller's budget meanwhile. */
struct _JmpTestDeclaredPump
{
  JmpDriver parent_instance;
};

JMP_DEFINE_DRIVER (JmpTestDeclaredPump, jmp_test_declared_pump, JMP_TEST, DECLARED_PUMP)

static gboolean
declared_pump_cb (gint fd, GIOCondition condition, gpointer lease)
{
  gchar buffer[256];

  if (read (fd, buffer, sizeof buffer) > 0)
    return G_SOURCE_CONTINUE;
  close (fd);
  g_object_unref (lease);
  return G_SOURCE_REMOVE;
}

static void
declared_pump (JmpDriver *self, const gchar *method, GVariant *args, GTask *task)
{
  GError *error = NULL;
  JmpStreamLease *lease = jmp_stream_lease_acquire (g_task_get_cancellable (task), &error);
  gint fds[2];
  gint index;

  if (lease == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0)
    {
      g_object_unref (lease);
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errno), "socketpair");
      return;
    }
  index = jmp_driver_method_append_fd (task, fds[0], &error);
  close (fds[0]);
  if (index < 0)
    {
      close (fds[1]);
      g_object_unref (lease);
      g_task_return_error (task, error);
      return;
    }
  g_unix_fd_add (fds[1], G_IO_IN | G_IO_HUP | G_IO_ERR, declared_pump_cb, lease);
  jmp_driver_method_return (task, g_variant_new ("(h)", index));
}

static void
jmp_test_declared_pump_class_init (JmpDriverClass *klass)
{
  jmp_driver_class_add_method_async (klass, "pump", NULL, "h", "stream", declared_pump,
                                     "A stream the driver keeps open until the caller closes it");
}

static gboolean
register_types (JmpRegistry *registry, GError **error)
{
  return jmp_registry_add_type (registry, "Declared", jmp_test_declared_get_type (), NULL, error) &&
         jmp_registry_add_type (registry, "DeclaredChild", jmp_test_declared_child_get_type (),
                                NULL, error) &&
         jmp_registry_add_type (registry, "DeclaredPump", jmp_test_declared_pump_get_type (),
                                NULL, error);
}

JMP_PLUGIN_DEFINE ("declared", "1.0", "Declared methods for the tests", register_types)
