/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a driver class declares, in process: fields, state, methods and the
 * D-Bus interfaces built from them.
 */
#include <jumpstarter/jumpstarter.h>

#include "jmp-driver-method-private.h"

typedef enum { TEST_MODE_FAST, TEST_MODE_SLOW } TestMode;

static GType
test_mode_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { TEST_MODE_FAST, "Fast", "fast" },
        { TEST_MODE_SLOW, "Slow", "slow" },
        { 0, NULL, NULL },
      };
      g_once_init_leave (&type_id, g_enum_register_static ("TestDeclMode", values));
    }
  return type_id;
}

struct _TestDecl
{
  JmpDriver  parent_instance;
  guint      port;
  gchar     *host;
  GStrv      tags;
  gboolean   on;
  gint       mode;
  gdouble    level;
};

JMP_DEFINE_DRIVER (TestDecl, test_decl, TEST, DECL)

static GVariant *
test_decl_nothing (JmpDriver *self, const gchar *method, GVariant *args, GError **error)
{
  return NULL;
}

static void
test_decl_class_init (JmpDriverClass *klass)
{
  jmp_driver_class_add_method (klass, "get-level", NULL, "(d)", "level", test_decl_nothing,
                               "Read the level");
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestDecl, port),
                              g_param_spec_uint ("port", NULL, "A port", 1, 65535, 22, 0));
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestDecl, host),
                              g_param_spec_string ("host", NULL, "A host", "localhost", 0));
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestDecl, tags),
                              g_param_spec_boxed ("tags", NULL, "Tags", G_TYPE_STRV, 0));
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestDecl, on),
                              g_param_spec_boolean ("on", NULL, "On", TRUE, JMP_PARAM_STATE));
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestDecl, mode),
                              g_param_spec_enum ("mode", NULL, "Mode", test_mode_get_type (),
                                                 TEST_MODE_SLOW, JMP_PARAM_STATE));
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (TestDecl, level),
                              g_param_spec_double ("level", NULL, "Level", 0, 1, 0.5, 0));
  jmp_driver_class_export_property (klass, "level");
  /* named after a method was declared: the method follows */
  jmp_driver_class_set_interface_name (klass, "dev.jumpstarter.test.Decl1");
}

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_fields (void)
{
  g_autoptr(TestDecl) decl = g_object_new (test_decl_get_type (), NULL);
  const gchar *tags[] = { "a", "b", NULL };
  g_autofree gchar *host = NULL;
  guint notified = 0;

  /* every field at its default, without an init of the driver's */
  g_assert_cmpuint (decl->port, ==, 22);
  g_assert_cmpstr (decl->host, ==, "localhost");
  g_assert_null (decl->tags);
  g_assert_true (decl->on);
  g_assert_cmpint (decl->mode, ==, TEST_MODE_SLOW);
  g_assert_cmpfloat (decl->level, ==, 0.5);

  g_signal_connect (decl, "notify", G_CALLBACK (count_notify), &notified);
  g_object_set (decl, "port", 2222, "host", "board", "tags", tags, NULL);
  g_assert_cmpuint (decl->port, ==, 2222);
  g_assert_cmpstr (decl->host, ==, "board");
  g_assert_cmpstrv (decl->tags, tags);
  g_assert_cmpuint (notified, ==, 3);
  /* the same values again: no notify */
  g_object_set (decl, "port", 2222, "host", "board", "tags", tags, NULL);
  g_assert_cmpuint (notified, ==, 3);
  g_object_get (decl, "host", &host, NULL);
  g_assert_cmpstr (host, ==, "board");
}

static void
test_interfaces (void)
{
  g_autoptr(TestDecl) decl = g_object_new (test_decl_get_type (), NULL);
  GPtrArray *ifaces = jmp_driver_type_get_interfaces (test_decl_get_type ());
  JmpDriverInterface *iface;
  GDBusMethodInfo *method;
  g_autoptr(GVariant) mode = NULL;

  g_assert_cmpuint (ifaces->len, ==, 1);
  iface = g_ptr_array_index (ifaces, 0);
  g_assert_cmpstr (iface->name, ==, "dev.jumpstarter.test.Decl1");
  g_assert_cmpstr (jmp_driver_method_get_interface_name (iface->methods->pdata[0]), ==,
                   "dev.jumpstarter.test.Decl1");

  method = g_dbus_interface_info_lookup_method (iface->info, "GetLevel");
  g_assert_nonnull (method);
  g_assert_cmpstr (method->out_args[0]->name, ==, "level");
  g_assert_cmpstr (method->out_args[0]->signature, ==, "d");
  g_assert_cmpstr (g_dbus_annotation_info_lookup (method->annotations,
                                                  JMP_DRIVER_METHOD_HELP_ANNOTATION), ==,
                   "Read the level");

  /* JMP_PARAM_STATE and jmp_driver_class_export_property() alike */
  g_assert_nonnull (g_dbus_interface_info_lookup_property (iface->info, "On"));
  g_assert_nonnull (g_dbus_interface_info_lookup_property (iface->info, "Level"));
  g_assert_cmpstr (g_dbus_interface_info_lookup_property (iface->info, "Mode")->signature, ==, "s");
  g_assert_null (g_dbus_interface_info_lookup_property (iface->info, "Port"));

  mode = jmp_driver_property_get_variant (G_OBJECT (decl),
                                          g_object_class_find_property (G_OBJECT_GET_CLASS (decl),
                                                                        "mode"));
  g_assert_cmpstr (g_variant_get_string (mode, NULL), ==, "slow");
}

/* A plugin's mistakes in class_init are criticals naming the class. */
static void
test_bad_declarations (void)
{
  if (g_test_subprocess ())
    {
      JmpDriverClass *klass = g_type_class_ref (test_decl_get_type ());

      if (g_strcmp0 (g_getenv ("TEST_DECL_CASE"), "signature") == 0)
        jmp_driver_class_add_method (klass, "bad", "(q", NULL, NULL, test_decl_nothing, "");
      else
        jmp_driver_class_export_property (klass, "nope");
      return;
    }

  g_setenv ("TEST_DECL_CASE", "signature", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*TestDecl: method bad*not a valid D-Bus method*");

  g_setenv ("TEST_DECL_CASE", "property", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*TestDecl: no readable property \"nope\"*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/driver-decl/fields", test_fields);
  g_test_add_func ("/driver-decl/interfaces", test_interfaces);
  g_test_add_func ("/driver-decl/bad-declarations", test_bad_declarations);

  return g_test_run ();
}
