/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A well-formed test plugin: one network driver with a few config keys of
 * different kinds, for the registry and `inspect` tests.
 */
#include <jumpstarter/jumpstarter.h>

typedef enum {
  JMP_TEST_GOOD_MODE_FAST,
  JMP_TEST_GOOD_MODE_SLOW,
} JmpTestGoodMode;

static GType
jmp_test_good_mode_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { JMP_TEST_GOOD_MODE_FAST, "Go fast", "fast" },
        { JMP_TEST_GOOD_MODE_SLOW, "Go slow", "slow" },
        { 0, NULL, NULL },
      };
      GType type = g_enum_register_static ("JmpTestGoodMode", values);

      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

#define JMP_TEST_TYPE_GOOD_DRIVER (jmp_test_good_driver_get_type ())
G_DECLARE_FINAL_TYPE (JmpTestGoodDriver, jmp_test_good_driver, JMP_TEST, GOOD_DRIVER, JmpDriver)

struct _JmpTestGoodDriver
{
  JmpDriver        parent_instance;

  gchar           *host;
  gint             port;
  JmpTestGoodMode  mode;
  gboolean         enable_address;
};

static void jmp_test_good_driver_network_init (JmpNetworkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JmpTestGoodDriver, jmp_test_good_driver, JMP_TYPE_DRIVER,
                               G_IMPLEMENT_INTERFACE (JMP_TYPE_NETWORK,
                                                      jmp_test_good_driver_network_init))

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_MODE,
  PROP_ENABLE_ADDRESS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
good_connect_async (JmpNetwork          *network,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_task_report_new_error (network, callback, user_data, good_connect_async,
                           JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                           "the test driver connects nowhere");
}

static GSocket *
good_connect_finish (JmpNetwork    *network,
                     GAsyncResult  *result,
                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_test_good_driver_network_init (JmpNetworkInterface *iface)
{
  iface->connect_async = good_connect_async;
  iface->connect_finish = good_connect_finish;
}

static void
jmp_test_good_driver_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  JmpTestGoodDriver *self = JMP_TEST_GOOD_DRIVER (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_int (value, self->port);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_ENABLE_ADDRESS:
      g_value_set_boolean (value, self->enable_address);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_test_good_driver_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  JmpTestGoodDriver *self = JMP_TEST_GOOD_DRIVER (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_free (self->host);
      self->host = g_value_dup_string (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_int (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_ENABLE_ADDRESS:
      self->enable_address = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_test_good_driver_finalize (GObject *object)
{
  JmpTestGoodDriver *self = JMP_TEST_GOOD_DRIVER (object);

  g_free (self->host);
  G_OBJECT_CLASS (jmp_test_good_driver_parent_class)->finalize (object);
}

static void
jmp_test_good_driver_class_init (JmpTestGoodDriverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = jmp_test_good_driver_get_property;
  object_class->set_property = jmp_test_good_driver_set_property;
  object_class->finalize = jmp_test_good_driver_finalize;

  props[PROP_HOST] =
    g_param_spec_string ("host", NULL, "Host name or address of the target",
                         "localhost",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_PORT] =
    g_param_spec_int ("port", NULL, "TCP port of the target",
                      1, 65535, 8080,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, "How fast to go",
                       jmp_test_good_mode_get_type (), JMP_TEST_GOOD_MODE_SLOW,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_ENABLE_ADDRESS] =
    g_param_spec_boolean ("enable-address", NULL, "Whether clients may ask for the address",
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_test_good_driver_init (JmpTestGoodDriver *self)
{
  self->host = g_strdup ("localhost");
  self->port = 8080;
  self->mode = JMP_TEST_GOOD_MODE_SLOW;
  self->enable_address = TRUE;
}

static gboolean
good_register (JmpRegistry  *registry,
               GError      **error)
{
  static const gchar * const aliases[] = { "vendor.good.GoodDriver", NULL };

  return jmp_registry_add_type (registry, "GoodDriver", JMP_TEST_TYPE_GOOD_DRIVER,
                                aliases, error);
}

JMP_PLUGIN_DEFINE ("good", "1.2.3", "A plugin that loads", good_register)
