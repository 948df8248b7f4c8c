/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Exporter configs: YAML and JSON loading, the shape of export entries,
 * config values checked against a driver's properties, refs, start and
 * rollback, reuse of unchanged drivers on a rebuild, and the error
 * messages a lab engineer sees for every kind of broken file.
 *
 * The drivers are of a test type defined here, JmpTestDriver, with one
 * property of each kind a config can set, and counters of start and stop.
 */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "jmp-test-common.h"

/* ---- A driver type with one property of each kind ---------------------- */

typedef enum {
  JMP_TEST_MODE_FAST,
  JMP_TEST_MODE_SLOW,
  JMP_TEST_MODE_VERY_SLOW,
} JmpTestMode;

typedef enum {
  JMP_TEST_FEATURE_NONE = 0,
  JMP_TEST_FEATURE_READ = 1 << 0,
  JMP_TEST_FEATURE_WRITE = 1 << 1,
} JmpTestFeature;

static GType
jmp_test_mode_get_type (void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { JMP_TEST_MODE_FAST, "JMP_TEST_MODE_FAST", "fast" },
    { JMP_TEST_MODE_SLOW, "JMP_TEST_MODE_SLOW", "slow" },
    { JMP_TEST_MODE_VERY_SLOW, "JMP_TEST_MODE_VERY_SLOW", "very-slow" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type_id))
    g_once_init_leave (&type_id, g_enum_register_static ("JmpTestMode", values));
  return type_id;
}

static GType
jmp_test_feature_get_type (void)
{
  static gsize type_id = 0;
  static const GFlagsValue values[] = {
    { JMP_TEST_FEATURE_READ, "JMP_TEST_FEATURE_READ", "read" },
    { JMP_TEST_FEATURE_WRITE, "JMP_TEST_FEATURE_WRITE", "write" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type_id))
    g_once_init_leave (&type_id, g_flags_register_static ("JmpTestFeature", values));
  return type_id;
}

#define JMP_TYPE_TEST_DRIVER (jmp_test_driver_get_type ())
G_DECLARE_DERIVABLE_TYPE (JmpTestDriver, jmp_test_driver, JMP, TEST_DRIVER, JmpDriver)

struct _JmpTestDriverClass
{
  JmpDriverClass parent_class;
};

typedef struct {
  gint         port;
  gchar       *host;
  gboolean     enable_address;
  JmpTestMode  mode;
  guint        features;
  GStrv        tags;
  GHashTable  *env;
  JsonNode    *args;
  JsonObject  *extra;
  GVariant    *options;
  gdouble      ratio;
  guint64      count;
  gint8        level;
  gboolean     fail_start;
} JmpTestDriverPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (JmpTestDriver, jmp_test_driver, JMP_TYPE_DRIVER)

enum {
  PROP_0,
  PROP_PORT,
  PROP_HOST,
  PROP_ENABLE_ADDRESS,
  PROP_MODE,
  PROP_FEATURES,
  PROP_TAGS,
  PROP_ENV,
  PROP_ARGS,
  PROP_EXTRA,
  PROP_OPTIONS,
  PROP_RATIO,
  PROP_COUNT,
  PROP_LEVEL,
  PROP_FAIL_START,
  PROP_STATE,
  N_PROPS
};

/* What the drivers did, across all of them, for the tests to check. */
static guint n_started;
static guint n_stopped;
static GString *start_log;

static gboolean
jmp_test_driver_start (JmpDriver *driver, GError **error)
{
  JmpTestDriverPrivate *priv = jmp_test_driver_get_instance_private (JMP_TEST_DRIVER (driver));

  if (priv->fail_start)
    {
      g_set_error_literal (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                           "the device is not plugged in");
      return FALSE;
    }
  n_started++;
  g_string_append_printf (start_log, "%s ", jmp_driver_get_name (driver));
  return TRUE;
}

static void
jmp_test_driver_stop (JmpDriver *driver)
{
  n_stopped++;
}

static void
jmp_test_driver_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  JmpTestDriverPrivate *priv = jmp_test_driver_get_instance_private (JMP_TEST_DRIVER (object));

  switch (prop_id)
    {
    case PROP_PORT: g_value_set_int (value, priv->port); break;
    case PROP_HOST: g_value_set_string (value, priv->host); break;
    case PROP_ENABLE_ADDRESS: g_value_set_boolean (value, priv->enable_address); break;
    case PROP_MODE: g_value_set_enum (value, priv->mode); break;
    case PROP_FEATURES: g_value_set_flags (value, priv->features); break;
    case PROP_TAGS: g_value_set_boxed (value, priv->tags); break;
    case PROP_ENV: g_value_set_boxed (value, priv->env); break;
    case PROP_ARGS: g_value_set_boxed (value, priv->args); break;
    case PROP_EXTRA: g_value_set_boxed (value, priv->extra); break;
    case PROP_OPTIONS: g_value_set_variant (value, priv->options); break;
    case PROP_RATIO: g_value_set_double (value, priv->ratio); break;
    case PROP_COUNT: g_value_set_uint64 (value, priv->count); break;
    case PROP_LEVEL: g_value_set_schar (value, priv->level); break;
    case PROP_FAIL_START: g_value_set_boolean (value, priv->fail_start); break;
    case PROP_STATE: g_value_set_string (value, "idle"); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_test_driver_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  JmpTestDriverPrivate *priv = jmp_test_driver_get_instance_private (JMP_TEST_DRIVER (object));

  switch (prop_id)
    {
    case PROP_PORT: priv->port = g_value_get_int (value); break;
    case PROP_HOST: g_free (priv->host); priv->host = g_value_dup_string (value); break;
    case PROP_ENABLE_ADDRESS: priv->enable_address = g_value_get_boolean (value); break;
    case PROP_MODE: priv->mode = g_value_get_enum (value); break;
    case PROP_FEATURES: priv->features = g_value_get_flags (value); break;
    case PROP_TAGS: g_strfreev (priv->tags); priv->tags = g_value_dup_boxed (value); break;
    case PROP_ENV:
      g_clear_pointer (&priv->env, g_hash_table_unref);
      priv->env = g_value_dup_boxed (value);
      break;
    case PROP_ARGS:
      g_clear_pointer (&priv->args, json_node_unref);
      priv->args = g_value_dup_boxed (value);
      break;
    case PROP_EXTRA:
      g_clear_pointer (&priv->extra, json_object_unref);
      priv->extra = g_value_dup_boxed (value);
      break;
    case PROP_OPTIONS:
      g_clear_pointer (&priv->options, g_variant_unref);
      priv->options = g_value_dup_variant (value);
      break;
    case PROP_RATIO: priv->ratio = g_value_get_double (value); break;
    case PROP_COUNT: priv->count = g_value_get_uint64 (value); break;
    case PROP_LEVEL: priv->level = g_value_get_schar (value); break;
    case PROP_FAIL_START: priv->fail_start = g_value_get_boolean (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_test_driver_finalize (GObject *object)
{
  JmpTestDriverPrivate *priv = jmp_test_driver_get_instance_private (JMP_TEST_DRIVER (object));

  g_free (priv->host);
  g_strfreev (priv->tags);
  g_clear_pointer (&priv->env, g_hash_table_unref);
  g_clear_pointer (&priv->args, json_node_unref);
  g_clear_pointer (&priv->extra, json_object_unref);
  g_clear_pointer (&priv->options, g_variant_unref);
  G_OBJECT_CLASS (jmp_test_driver_parent_class)->finalize (object);
}

static void
jmp_test_driver_class_init (JmpTestDriverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  JmpDriverClass *driver_class = JMP_DRIVER_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  GParamSpec *props[N_PROPS] = { NULL, };

  object_class->get_property = jmp_test_driver_get_property;
  object_class->set_property = jmp_test_driver_set_property;
  object_class->finalize = jmp_test_driver_finalize;
  driver_class->start = jmp_test_driver_start;
  driver_class->stop = jmp_test_driver_stop;

  props[PROP_PORT] = g_param_spec_int ("port", NULL, NULL, 1, 65535, 22, rw);
  props[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, rw);
  props[PROP_ENABLE_ADDRESS] = g_param_spec_boolean ("enable-address", NULL, NULL, TRUE,
                                                     rw | G_PARAM_CONSTRUCT);
  props[PROP_MODE] = g_param_spec_enum ("mode", NULL, NULL, jmp_test_mode_get_type (),
                                        JMP_TEST_MODE_FAST, rw);
  props[PROP_FEATURES] = g_param_spec_flags ("features", NULL, NULL, jmp_test_feature_get_type (),
                                             0, rw);
  props[PROP_TAGS] = g_param_spec_boxed ("tags", NULL, NULL, G_TYPE_STRV, rw);
  props[PROP_ENV] = g_param_spec_boxed ("env", NULL, NULL, G_TYPE_HASH_TABLE, rw);
  props[PROP_ARGS] = g_param_spec_boxed ("args", NULL, NULL, JSON_TYPE_NODE, rw);
  props[PROP_EXTRA] = g_param_spec_boxed ("extra", NULL, NULL, JSON_TYPE_OBJECT, rw);
  props[PROP_OPTIONS] = g_param_spec_variant ("options", NULL, NULL, G_VARIANT_TYPE_VARDICT,
                                              NULL, rw);
  props[PROP_RATIO] = g_param_spec_double ("ratio", NULL, NULL, 0.0, 1.0, 0.5, rw);
  props[PROP_COUNT] = g_param_spec_uint64 ("count", NULL, NULL, 0, G_MAXUINT64, 0, rw);
  props[PROP_LEVEL] = g_param_spec_char ("level", NULL, NULL, -5, 5, 0, rw);
  props[PROP_FAIL_START] = g_param_spec_boolean ("fail-start", NULL, NULL, FALSE, rw);
  props[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_test_driver_init (JmpTestDriver *self)
{
  JmpTestDriverPrivate *priv = jmp_test_driver_get_instance_private (self);

  priv->port = 22;
  priv->ratio = 0.5;
}

static JmpTestDriverPrivate *
test_priv (JmpDriver *driver)
{
  g_assert_true (JMP_IS_TEST_DRIVER (driver));
  return jmp_test_driver_get_instance_private (JMP_TEST_DRIVER (driver));
}

/* A second type, so that a type change is a change. */
#define JMP_TYPE_OTHER_DRIVER (jmp_other_driver_get_type ())
G_DECLARE_FINAL_TYPE (JmpOtherDriver, jmp_other_driver, JMP, OTHER_DRIVER, JmpTestDriver)

struct _JmpOtherDriver
{
  JmpTestDriver parent_instance;
};

G_DEFINE_TYPE (JmpOtherDriver, jmp_other_driver, JMP_TYPE_TEST_DRIVER)

static void
jmp_other_driver_class_init (JmpOtherDriverClass *klass)
{
}

static void
jmp_other_driver_init (JmpOtherDriver *self)
{
}

/* ---- Helpers ------------------------------------------------------------ */

static JmpRegistry *
test_registry (void)
{
  g_autoptr(JmpRegistry) registry = jmp_registry_new ();
  g_autoptr(GError) error = NULL;
  const gchar *aliases[] = { "tests.driver.TestDriver", NULL };

  jmp_registry_add_type (registry, "TestDriver", JMP_TYPE_TEST_DRIVER, aliases, &error);
  g_assert_no_error (error);
  jmp_registry_add_type (registry, "OtherDriver", JMP_TYPE_OTHER_DRIVER, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&registry);
}

static void
reset_counters (void)
{
  n_started = 0;
  n_stopped = 0;
  if (start_log == NULL)
    start_log = g_string_new (NULL);
  g_string_truncate (start_log, 0);
}

static JmpConfig *
load (const gchar *text, const gchar *origin)
{
  g_autoptr(GError) error = NULL;
  JmpConfig *config = jmp_config_new_from_data (text, -1, origin, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static JmpDriver *
build (const gchar *text, JmpDriver *previous)
{
  g_autoptr(JmpConfig) config = load (text, "bench.yaml");
  g_autoptr(JmpRegistry) registry = test_registry ();
  g_autoptr(GError) error = NULL;
  JmpDriver *root = jmp_config_build (config, registry, previous, &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  return root;
}

/* Loading @text from @origin fails with @code and a message containing each
 * of the nul-terminated list of strings. */
static void
assert_load_fails (const gchar *text,
                   const gchar *origin,
                   gint         code,
                   ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpConfig) config = jmp_config_new_from_data (text, -1, origin, &error);
  const gchar *needle;
  va_list args;

  g_assert_null (config);
  g_assert_error (error, JMP_ERROR, code);
  g_test_message ("%s", error->message);
  va_start (args, code);
  while ((needle = va_arg (args, const gchar *)) != NULL)
    {
      if (strstr (error->message, needle) == NULL)
        g_error ("\"%s\" is not in the message \"%s\"", needle, error->message);
    }
  va_end (args);
}

/* @text loads; building it fails with @code and the given substrings. */
static void
assert_build_fails (const gchar *text,
                    gint         code,
                    ...)
{
  g_autoptr(JmpConfig) config = load (text, "bench.yaml");
  g_autoptr(JmpRegistry) registry = test_registry ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpDriver) root = jmp_config_build (config, registry, NULL, &error);
  const gchar *needle;
  va_list args;

  g_assert_null (root);
  g_assert_error (error, JMP_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "bench.yaml: export."));
  va_start (args, code);
  while ((needle = va_arg (args, const gchar *)) != NULL)
    {
      if (strstr (error->message, needle) == NULL)
        g_error ("\"%s\" is not in the message \"%s\"", needle, error->message);
    }
  va_end (args);
}

/* The driver at a dotted path, refs followed; borrowed from the tree. */
static JmpDriver *
child_at (JmpDriver *root, const gchar *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JmpDriver *current = root;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      JmpDriver *next = jmp_driver_get_child (current, parts[i]);

      if (next == NULL)
        return NULL;
      /* The tree keeps its own reference. */
      g_object_unref (next);
      current = next;
    }
  return current;
}

static void
stop_tree (JmpDriver *root)
{
  jmp_config_stop_unused (root, NULL);
}

static gboolean
describe_driver (JmpDriver *driver, const gchar *path, gpointer user_data)
{
  GString *out = user_data;
  g_auto(GStrv) keys = jmp_driver_get_child_keys (driver);

  g_string_append_printf (out, "[%s] %s %s desc=%s started=%d children=", path,
                          jmp_driver_get_name (driver), jmp_driver_get_type_name (driver),
                          jmp_driver_get_description (driver),
                          jmp_driver_is_started (driver));
  for (guint i = 0; keys[i] != NULL; i++)
    g_string_append_printf (out, "%s%s,", keys[i], jmp_driver_is_ref (driver, keys[i]) ? "(ref)" : "");
  if (JMP_IS_TEST_DRIVER (driver))
    {
      JmpTestDriverPrivate *priv = test_priv (driver);
      g_autofree gchar *tags = priv->tags ? g_strjoinv ("|", priv->tags) : g_strdup ("-");

      g_string_append_printf (out, " port=%d host=%s addr=%d mode=%d tags=%s", priv->port,
                              priv->host, priv->enable_address, priv->mode, tags);
    }
  g_string_append_c (out, '\n');
  return TRUE;
}

static gchar *
describe_tree (JmpDriver *root)
{
  GString *out = g_string_new (NULL);

  jmp_driver_foreach (root, describe_driver, out);
  return g_string_free (out, FALSE);
}

/* ---- Loading ------------------------------------------------------------ */

static const gchar *bench_yaml =
  "apiVersion: jumpstarter.dev/v1alpha1\n"
  "kind: ExporterConfig\n"
  "metadata:\n"
  "  namespace: lab\n"
  "  name: bench-3\n"
  "  labels: {board: rpi4, rack: \"7\"}\n"
  "description: Bench 3\n"
  "motd: Power the board off when done\n"
  "export:\n"
  "  ssh:\n"
  "    type: TestDriver\n"
  "    description: The board's ssh\n"
  "    methods_description: {connect: Open a stream to port 22}\n"
  "    config: {host: 192.168.1.2, port: 22, enable_address: false, mode: slow, tags: [a, b]}\n"
  "  harness:\n"
  "    description: The harness\n"
  "    children:\n"
  "      power:\n"
  "        type: tests.driver.TestDriver\n"
  "        config: {port: 2000}\n"
  "      serial: {type: TestDriver, config: {host: serial.local}}\n"
  "  console: {ref: harness.serial}\n";

static const gchar *bench_json =
  "{\"apiVersion\": \"jumpstarter.dev/v1alpha1\", \"kind\": \"ExporterConfig\",\n"
  " \"metadata\": {\"namespace\": \"lab\", \"name\": \"bench-3\",\n"
  "              \"labels\": {\"board\": \"rpi4\", \"rack\": \"7\"}},\n"
  " \"description\": \"Bench 3\", \"motd\": \"Power the board off when done\",\n"
  " \"export\": {\n"
  "   \"ssh\": {\"type\": \"TestDriver\", \"description\": \"The board's ssh\",\n"
  "           \"methods_description\": {\"connect\": \"Open a stream to port 22\"},\n"
  "           \"config\": {\"host\": \"192.168.1.2\", \"port\": 22, \"enable_address\": false,\n"
  "                      \"mode\": \"slow\", \"tags\": [\"a\", \"b\"]}},\n"
  "   \"harness\": {\"description\": \"The harness\", \"children\": {\n"
  "     \"power\": {\"type\": \"tests.driver.TestDriver\", \"config\": {\"port\": 2000}},\n"
  "     \"serial\": {\"type\": \"TestDriver\", \"config\": {\"host\": \"serial.local\"}}}},\n"
  "   \"console\": {\"ref\": \"harness.serial\"}}}\n";

static void
test_load_fields (void)
{
  g_autoptr(JmpConfig) config = load (bench_yaml, "bench.yaml");
  JmpConfigEntry *export = jmp_config_get_export (config);
  GPtrArray *children = jmp_config_entry_get_children (export);
  JmpConfigEntry *ssh, *harness, *console, *power;
  GHashTable *labels = jmp_config_get_labels (config);

  g_assert_cmpstr (jmp_config_get_origin (config), ==, "bench.yaml");
  g_assert_cmpstr (jmp_config_get_name (config), ==, "bench-3");
  g_assert_cmpstr (jmp_config_get_description (config), ==, "Bench 3");
  g_assert_cmpstr (jmp_config_get_motd (config), ==, "Power the board off when done");
  g_assert_cmpuint (g_hash_table_size (labels), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (labels, "board"), ==, "rpi4");
  g_assert_cmpstr (g_hash_table_lookup (labels, "rack"), ==, "7");

  g_assert_cmpstr (jmp_config_entry_get_place (export), ==, "export");
  g_assert_cmpstr (jmp_config_entry_get_key (export), ==, "");
  g_assert_cmpstr (jmp_config_entry_get_description (export), ==, "Bench 3");
  g_assert_cmpuint (children->len, ==, 3);

  /* File order is kept. */
  ssh = g_ptr_array_index (children, 0);
  harness = g_ptr_array_index (children, 1);
  console = g_ptr_array_index (children, 2);
  g_assert_cmpstr (jmp_config_entry_get_key (ssh), ==, "ssh");
  g_assert_cmpstr (jmp_config_entry_get_key (harness), ==, "harness");
  g_assert_cmpstr (jmp_config_entry_get_key (console), ==, "console");

  g_assert_cmpstr (jmp_config_entry_get_place (ssh), ==, "export.ssh");
  g_assert_cmpstr (jmp_config_entry_get_type_name (ssh), ==, "TestDriver");
  g_assert_null (jmp_config_entry_get_ref (ssh));
  g_assert_cmpstr (jmp_config_entry_get_description (ssh), ==, "The board's ssh");
  g_assert_cmpstr (g_hash_table_lookup (jmp_config_entry_get_methods_description (ssh), "connect"),
                   ==, "Open a stream to port 22");
  g_assert_cmpint (json_object_get_int_member (jmp_config_entry_get_config (ssh), "port"), ==, 22);

  g_assert_null (jmp_config_entry_get_type_name (harness));
  g_assert_cmpuint (jmp_config_entry_get_children (harness)->len, ==, 2);
  power = g_ptr_array_index (jmp_config_entry_get_children (harness), 0);
  g_assert_cmpstr (jmp_config_entry_get_place (power), ==, "export.harness.children.power");
  g_assert_cmpstr (jmp_config_entry_get_type_name (power), ==, "tests.driver.TestDriver");

  g_assert_cmpstr (jmp_config_entry_get_ref (console), ==, "harness.serial");
  g_assert_null (jmp_config_entry_get_type_name (console));
  g_assert_cmpuint (json_object_get_size (jmp_config_entry_get_config (console)), ==, 0);
}

static void
test_yaml_json_same (void)
{
  g_autoptr(JmpConfig) from_yaml = load (bench_yaml, "bench.yaml");
  g_autoptr(JmpConfig) from_json = load (bench_json, "bench.json");
  g_autoptr(JmpConfig) from_json_noext = load (bench_json, "bench");
  GPtrArray *a = jmp_config_entry_get_children (jmp_config_get_export (from_yaml));
  GPtrArray *b = jmp_config_entry_get_children (jmp_config_get_export (from_json));
  g_autoptr(JmpDriver) tree_yaml = NULL;
  g_autoptr(JmpDriver) tree_json = NULL;
  g_autofree gchar *desc_yaml = NULL;
  g_autofree gchar *desc_json = NULL;

  reset_counters ();
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      g_assert_cmpstr (jmp_config_entry_get_place (g_ptr_array_index (a, i)), ==,
                       jmp_config_entry_get_place (g_ptr_array_index (b, i)));
      g_assert_true (jmp_config_entry_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)));
    }
  g_assert_cmpstr (jmp_config_get_name (from_json_noext), ==, "bench-3");
  g_assert_true (g_hash_table_size (jmp_config_get_labels (from_json)) == 2);

  tree_yaml = build (bench_yaml, NULL);
  {
    g_autoptr(JmpRegistry) registry = test_registry ();
    g_autoptr(GError) error = NULL;

    tree_json = jmp_config_build (from_json, registry, NULL, &error);
    g_assert_no_error (error);
  }
  desc_yaml = describe_tree (tree_yaml);
  desc_json = describe_tree (tree_json);
  g_test_message ("%s", desc_yaml);
  g_assert_cmpstr (desc_yaml, ==, desc_json);
  g_assert_nonnull (strstr (desc_yaml, "[ssh] ssh TestDriver desc=The board's ssh started=1 children="
                                       " port=22 host=192.168.1.2 addr=0 mode=1 tags=a|b"));
  g_assert_nonnull (strstr (desc_yaml, "[harness] harness Composite desc=The harness started=1 "
                                       "children=power,serial,"));
  g_assert_nonnull (strstr (desc_yaml, "[] bench-3 Composite desc=Bench 3 started=1 "
                                       "children=ssh,harness,console(ref),"));
  stop_tree (tree_yaml);
  stop_tree (tree_json);
  g_assert_cmpuint (n_started, ==, n_stopped);
}

static void
test_examples (void)
{
  const gchar *dir_name = g_getenv ("JMP_TEST_EXAMPLES");
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *name;
  guint loaded = 0;

  g_assert_nonnull (dir_name);
  dir = g_dir_open (dir_name, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = NULL;
      g_autoptr(JmpConfig) config = NULL;
      GPtrArray *entries;

      if (!g_str_has_suffix (name, ".yaml") && !g_str_has_suffix (name, ".json"))
        continue;
      path = g_build_filename (dir_name, name, NULL);
      config = jmp_config_new_from_file (path, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (jmp_config_get_origin (config), ==, path);
      g_assert_nonnull (jmp_config_get_name (config));
      entries = jmp_config_entry_get_children (jmp_config_get_export (config));
      g_assert_cmpuint (entries->len, >, 0);
      for (guint i = 0; i < entries->len; i++)
        {
          JmpConfigEntry *entry = g_ptr_array_index (entries, i);

          /* Every entry is a driver, a Composite or a ref. */
          g_assert_true (jmp_config_entry_get_type_name (entry) != NULL ||
                         jmp_config_entry_get_ref (entry) != NULL ||
                         jmp_config_entry_get_children (entry)->len > 0);
        }

      if (g_str_equal (name, "echo.yaml"))
        {
          JmpConfigEntry *loopback = g_ptr_array_index (entries, 1);

          g_assert_cmpstr (jmp_config_get_name (config), ==, "demo");
          g_assert_nonnull (strstr (jmp_config_get_motd (config), "Welcome"));
          g_assert_cmpuint (entries->len, ==, 3);
          g_assert_cmpstr (jmp_config_entry_get_key (loopback), ==, "loopback");
          g_assert_cmpuint (jmp_config_entry_get_children (loopback)->len, ==, 1);
          g_assert_cmpstr (jmp_config_entry_get_ref (g_ptr_array_index (entries, 2)), ==,
                           "loopback.echo");
        }
      else if (g_str_equal (name, "lab-bench.yaml"))
        {
          g_assert_cmpstr (jmp_config_get_name (config), ==, "bench-3");
          g_assert_nonnull (jmp_config_get_motd (config));
        }
      else if (g_str_equal (name, "bench.json"))
        {
          g_assert_cmpstr (jmp_config_get_name (config), ==, "bench-json");
        }
      loaded++;
    }
  g_assert_cmpuint (loaded, >=, 3);
}

/* The examples build with the real plugins of the build tree, refs and
 * Jumpstarter's class-path type names included. */
static void
test_examples_build (void)
{
  const gchar *dir_name = g_getenv ("JMP_TEST_EXAMPLES");
  const gchar *plugin_path = g_getenv ("JUMPSTARTER_PLUGIN_PATH");
  g_autoptr(JmpRegistry) registry = jmp_registry_new ();
  g_auto(GStrv) plugin_dirs = NULL;
  const gchar *names[] = { "echo.yaml", "lab-bench.yaml", "bench.json", "network.yaml" };

  g_assert_nonnull (dir_name);
  g_assert_nonnull (plugin_path);
  plugin_dirs = g_strsplit (plugin_path, ":", -1);
  for (guint i = 0; plugin_dirs[i] != NULL; i++)
    if (plugin_dirs[i][0] != '\0')
      jmp_registry_load_dir (registry, plugin_dirs[i]);
  g_assert_true (jmp_registry_lookup (registry, "EchoNetwork") != G_TYPE_INVALID);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree gchar *path = g_build_filename (dir_name, names[i], NULL);
      g_autoptr(JmpConfig) config = NULL;
      g_autoptr(JmpDriver) root = NULL;
      g_autoptr(GError) error = NULL;

      config = jmp_config_new_from_file (path, &error);
      g_assert_no_error (error);
      root = jmp_config_build (config, registry, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (jmp_driver_is_started (root));
      g_assert_cmpstr (jmp_driver_get_name (root), ==, jmp_config_get_name (config));

      if (g_str_equal (names[i], "echo.yaml"))
        {
          JmpDriver *echo = child_at (root, "loopback.echo");

          g_assert_nonnull (echo);
          g_assert_cmpstr (jmp_driver_get_type_name (echo), ==, "EchoNetwork");
          g_assert_true (jmp_driver_is_ref (root, "again"));
          g_assert_true (child_at (root, "again") == echo);
        }
      stop_tree (root);
      g_assert_false (jmp_driver_is_started (root));
    }
}

static void
test_ignored_keys (void)
{
  g_autoptr(JmpConfig) config = load (
    "apiVersion: jumpstarter.dev/v1alpha1\n"
    "kind: ExporterConfig\n"
    "metadata: {namespace: default, name: demo, annotations: {a: b}}\n"
    "endpoint: grpc.example:443\n"
    "token: \"secret\"\n"
    "tls: {ca: \"\", insecure: false}\n"
    "grpcOptions: {grpc.keepalive_time_ms: 20000}\n"
    "grpcConfig: {x: 1}\n"
    "hooks:\n"
    "  beforeLease: {script: \"j power on\", exec: null, timeout: 120, onFailure: warn}\n"
    "failureDetection: {maxRapidFailures: 5, rapidFailureWindow: 60}\n"
    "exitOnLeaseEnd: false\n"
    "someFutureKey: [1, 2, 3]\n"
    "export:\n"
    "  net: {type: TestDriver}\n", "demo.yaml");

  g_assert_cmpstr (jmp_config_get_name (config), ==, "demo");
  g_assert_cmpuint (jmp_config_entry_get_children (jmp_config_get_export (config))->len, ==, 1);
  g_assert_cmpuint (g_hash_table_size (jmp_config_get_labels (config)), ==, 0);
}

static void
test_minimal (void)
{
  g_autoptr(JmpConfig) no_export = load ("metadata: {name: x}\n", "x.yaml");
  g_autoptr(JmpConfig) null_export = load ("export:\n", "/etc/jumpstarter/exporters/bench-9.yaml");
  g_autoptr(JmpConfig) data = load ("export: {}", NULL);
  g_autoptr(JmpDriver) root = NULL;

  g_assert_cmpuint (jmp_config_entry_get_children (jmp_config_get_export (no_export))->len, ==, 0);
  /* Without metadata.name the exporter is named after its file. */
  g_assert_cmpstr (jmp_config_get_name (null_export), ==, "bench-9");
  g_assert_cmpstr (jmp_config_get_origin (data), ==, "<data>");
  g_assert_nonnull (jmp_config_get_name (data));
  g_assert_null (jmp_config_get_motd (data));
  g_assert_null (jmp_config_get_description (data));

  root = build ("export:\n", NULL);
  g_assert_true (JMP_IS_COMPOSITE (root));
  g_assert_true (jmp_driver_is_started (root));
  g_assert_cmpstr (jmp_driver_get_name (root), ==, "bench");
  stop_tree (root);
}

static void
test_yaml_typing (void)
{
  g_autoptr(JmpConfig) config = load (
    "base: &base {a: 1, b: two}\n"
    "export:\n"
    "  x:\n"
    "    type: TestDriver\n"
    "    config:\n"
    "      t1: yes\n"
    "      t2: Off\n"
    "      t3: TRUE\n"
    "      n1: ~\n"
    "      n2:\n"
    "      n3: null\n"
    "      i1: 0x1F\n"
    "      i2: 0o17\n"
    "      i3: 0644\n"
    "      i4: -42\n"
    "      i5: 1_000\n"
    "      i6: 0\n"
    "      d1: 1.5\n"
    "      d2: 1e3\n"
    "      d3: -.inf\n"
    "      s1: \"22\"\n"
    "      s2: '1.5'\n"
    "      s3: !!str 22\n"
    "      s4: 1.2.3\n"
    "      s5: 08\n"
    "      s6: |\n"
    "        two\n"
    "        lines\n"
    "      s7: yes please\n"
    "      f1: !!float 3\n"
    "      big: 99999999999999999999\n"
    "      copy: *base\n"
    "      merged:\n"
    "        <<: *base\n"
    "        b: three\n"
    "        c: 4\n",
    "typing.yaml");
  JmpConfigEntry *x = g_ptr_array_index (jmp_config_entry_get_children (jmp_config_get_export (config)), 0);
  JsonObject *c = jmp_config_entry_get_config (x);
  JsonObject *copy, *merged;
  g_autoptr(GList) merged_keys = NULL;

  g_assert_true (json_object_get_boolean_member (c, "t1"));
  g_assert_false (json_object_get_boolean_member (c, "t2"));
  g_assert_true (json_object_get_boolean_member (c, "t3"));
  g_assert_true (json_object_get_null_member (c, "n1"));
  g_assert_true (json_object_get_null_member (c, "n2"));
  g_assert_true (json_object_get_null_member (c, "n3"));
  g_assert_cmpint (json_object_get_int_member (c, "i1"), ==, 31);
  g_assert_cmpint (json_object_get_int_member (c, "i2"), ==, 15);
  g_assert_cmpint (json_object_get_int_member (c, "i3"), ==, 420);
  g_assert_cmpint (json_object_get_int_member (c, "i4"), ==, -42);
  g_assert_cmpint (json_object_get_int_member (c, "i5"), ==, 1000);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (c, "i6")), ==, G_TYPE_INT64);
  g_assert_cmpfloat (json_object_get_double_member (c, "d1"), ==, 1.5);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (c, "d2")), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_object_get_double_member (c, "d2"), ==, 1000.0);
  g_assert_cmpfloat (json_object_get_double_member (c, "d3"), <, -1e308);
  g_assert_cmpstr (json_object_get_string_member (c, "s1"), ==, "22");
  g_assert_cmpstr (json_object_get_string_member (c, "s2"), ==, "1.5");
  g_assert_cmpstr (json_object_get_string_member (c, "s3"), ==, "22");
  g_assert_cmpstr (json_object_get_string_member (c, "s4"), ==, "1.2.3");
  g_assert_cmpstr (json_object_get_string_member (c, "s5"), ==, "08");
  g_assert_cmpstr (json_object_get_string_member (c, "s6"), ==, "two\nlines\n");
  g_assert_cmpstr (json_object_get_string_member (c, "s7"), ==, "yes please");
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (c, "f1")), ==, G_TYPE_DOUBLE);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (c, "big")), ==, G_TYPE_DOUBLE);

  copy = json_object_get_object_member (c, "copy");
  g_assert_cmpint (json_object_get_int_member (copy, "a"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (copy, "b"), ==, "two");
  merged = json_object_get_object_member (c, "merged");
  g_assert_cmpuint (json_object_get_size (merged), ==, 3);
  g_assert_cmpint (json_object_get_int_member (merged, "a"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (merged, "b"), ==, "three");
  g_assert_cmpint (json_object_get_int_member (merged, "c"), ==, 4);
}

static void
test_format_detection (void)
{
  g_autoptr(JmpConfig) json_in_yaml_file = load ("\n  {\"export\": {\"a\": {\"type\": \"TestDriver\"}}}", "x.yaml");
  g_autoptr(JmpConfig) yaml_flow = load ("{metadata: {name: flow}, export: {a: {type: TestDriver}}}", "x");
  g_autoptr(JmpConfig) bom_json = load ("\xef\xbb\xbf{\"metadata\": {\"name\": \"bom\"}}", "x.json");
  g_autoptr(JmpConfig) bom_yaml = load ("\xef\xbb\xbfmetadata: {name: bom}\n", "x.yaml");

  g_assert_cmpuint (jmp_config_entry_get_children (jmp_config_get_export (json_in_yaml_file))->len, ==, 1);
  g_assert_cmpstr (jmp_config_get_name (yaml_flow), ==, "flow");
  g_assert_cmpstr (jmp_config_get_name (bom_json), ==, "bom");
  g_assert_cmpstr (jmp_config_get_name (bom_yaml), ==, "bom");

  /* A .json file is JSON, even when YAML could read it. */
  assert_load_fails ("{metadata: {name: flow}}", "x.json", JMP_ERROR_INVALID_ARGS, "x.json:1:", NULL);
  assert_load_fails ("export: {}\n", "x.json", JMP_ERROR_INVALID_ARGS, "x.json:1:", NULL);
}

static void
test_from_file (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *path = jmp_test_write_file (dir, "bench.yaml", bench_yaml);
  g_autofree gchar *missing = g_build_filename (dir, "nope.yaml", NULL);
  g_autofree gchar *big = g_malloc (5 * 1024 * 1024 + 1);
  g_autofree gchar *big_path = NULL;
  g_autofree gchar *fifo = NULL;
  g_autoptr(JmpConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  config = jmp_config_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (jmp_config_get_origin (config), ==, path);
  g_assert_cmpstr (jmp_config_get_name (config), ==, "bench-3");

  g_assert_null (jmp_config_new_from_file (missing, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_null (jmp_config_new_from_file (dir, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "directory"));
  g_clear_error (&error);

  /* A FIFO nobody writes to would block open() forever; a device is no
   * config either. Both are refused at once. */
  fifo = g_build_filename (dir, "fifo.yaml", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_null (jmp_config_new_from_file (fifo, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);
  g_unlink (fifo);
  g_assert_null (jmp_config_new_from_file ("/dev/null", &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);

  /* A huge file is refused before it is parsed. */
  memset (big, '#', 5 * 1024 * 1024);
  big[5 * 1024 * 1024] = '\0';
  big_path = jmp_test_write_file (dir, "big.yaml", big);
  g_assert_null (jmp_config_new_from_file (big_path, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "larger than"));
  g_clear_error (&error);

  jmp_test_rmdir (dir);
}

static void
test_find_exporter (void)
{
  g_autofree gchar *dir = g_build_filename (g_get_user_config_dir (), "jumpstarter", "exporters", NULL);
  g_autofree gchar *expected = g_build_filename (dir, "bench-7.yaml", NULL);
  g_autofree gchar *found = NULL;
  g_autoptr(GError) error = NULL;

  found = jmp_config_find_exporter ("bench-7", &error);
  g_assert_null (found);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "\"bench-7\""));
  g_assert_nonnull (strstr (error->message, expected));
  g_assert_nonnull (strstr (error->message, "/etc/jumpstarter/exporters/bench-7.yaml"));
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_free (jmp_test_write_file (dir, "bench-7.yaml", bench_yaml));
  found = jmp_config_find_exporter ("bench-7", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, expected);

  g_assert_null (jmp_config_find_exporter ("../bench-7", &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_null (jmp_config_find_exporter ("", &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_clear_error (&error);
}

/* ---- Broken files ------------------------------------------------------- */

static void
test_bad_syntax (void)
{
  /* Malformed YAML: the message has the line and column. */
  assert_load_fails ("export:\n  a: {type: TestDriver\n  b: x\n", "bad.yaml",
                     JMP_ERROR_INVALID_ARGS, "bad.yaml:3:", NULL);
  assert_load_fails ("export:\n  a:\n    type: TestDriver\n   config: {}\n", "bad.yaml",
                     JMP_ERROR_INVALID_ARGS, "bad.yaml:4:", NULL);
  assert_load_fails ("export:\n  a: \"unterminated\n", "bad.yaml",
                     JMP_ERROR_INVALID_ARGS, "bad.yaml:", NULL);
  /* Malformed JSON, too. */
  assert_load_fails ("{\"export\": {\n  \"a\": {\"type\": \"TestDriver\",}\n}}\n", "bad.json",
                     JMP_ERROR_INVALID_ARGS, "bad.json:2:", NULL);
  assert_load_fails ("{\"export\": {", "bad.json", JMP_ERROR_INVALID_ARGS, "bad.json:1:", NULL);
  assert_load_fails ("[1, 2", "bad", JMP_ERROR_INVALID_ARGS, "bad:1:", NULL);
  /* Empty files. */
  assert_load_fails ("", "empty.yaml", JMP_ERROR_INVALID_ARGS, "empty.yaml: ", "empty", NULL);
  assert_load_fails ("  \n\n\t\n", "empty.yaml", JMP_ERROR_INVALID_ARGS, "empty", NULL);
  assert_load_fails ("# only a comment\n", "empty.yaml", JMP_ERROR_INVALID_ARGS, "empty", NULL);
  assert_load_fails ("---\n...\n", "empty.yaml", JMP_ERROR_INVALID_ARGS, "empty", NULL);
  assert_load_fails ("", "empty.json", JMP_ERROR_INVALID_ARGS, "empty", NULL);
  /* Two documents. */
  assert_load_fails ("export: {}\n---\nexport: {}\n", "two.yaml", JMP_ERROR_INVALID_ARGS,
                     "two.yaml:2:", "second document", NULL);
  /* Not text. */
  assert_load_fails ("export: {}\n\xff\xfe\n", "bin.yaml", JMP_ERROR_INVALID_ARGS, "bin.yaml:", NULL);
  assert_load_fails ("{\"export\": {\"\xff\": 1}}", "bin.json", JMP_ERROR_INVALID_ARGS, "UTF-8", NULL);
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (jmp_config_new_from_data ("export: {}\n\0x", 13, "nul.yaml", &error));
    g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
    g_assert_nonnull (strstr (error->message, "NUL"));
  }
  /* Unsupported YAML features give an error, not a guess. */
  assert_load_fails ("export: !python/object {}\n", "tag.yaml", JMP_ERROR_INVALID_ARGS,
                     "tag.yaml:1:", "unsupported tag", NULL);
  assert_load_fails ("export: {? [a, b] : c}\n", "key.yaml", JMP_ERROR_INVALID_ARGS,
                     "key.yaml:1:", "a key must be a plain value", NULL);
  assert_load_fails ("a: *nope\n", "alias.yaml", JMP_ERROR_INVALID_ARGS,
                     "alias.yaml:1:4:", "unknown anchor \"nope\"", NULL);
  /* An alias to the node it is in cannot exist yet: no cycles. */
  assert_load_fails ("a: &a [1, *a]\n", "alias.yaml", JMP_ERROR_INVALID_ARGS, "unknown anchor", NULL);
}

static void
test_bad_structure (void)
{
  assert_load_fails ("- a\n- b\n", "list.yaml", JMP_ERROR_INVALID_ARGS,
                     "list.yaml: expected a mapping", "got a list", NULL);
  assert_load_fails ("just text\n", "scalar.yaml", JMP_ERROR_INVALID_ARGS,
                     "scalar.yaml: expected a mapping", "got string \"just text\"", NULL);
  assert_load_fails ("[1]", "list.json", JMP_ERROR_INVALID_ARGS, "list.json: expected a mapping", NULL);
  assert_load_fails ("export: [a, b]\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "x.yaml: export: expected a mapping of names to drivers, got a list", NULL);
  assert_load_fails ("export: 3\n", "x.yaml", JMP_ERROR_INVALID_ARGS, "export: expected a mapping", NULL);
  assert_load_fails ("export:\n  net: TcpNetwork\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "x.yaml: export.net: expected a mapping", "got string \"TcpNetwork\"", NULL);
  assert_load_fails ("export:\n  net:\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "export.net: expected a mapping", "got null", NULL);
  assert_load_fails ("apiVersion: jumpstarter.dev/v2\nexport: {}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "x.yaml: apiVersion: expected \"jumpstarter.dev/v1alpha1\", got string \"jumpstarter.dev/v2\"",
                     NULL);
  assert_load_fails ("kind: ClientConfig\nexport: {}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "x.yaml: kind: expected \"ExporterConfig\"", NULL);
  assert_load_fails ("metadata: [x]\n", "x.yaml", JMP_ERROR_INVALID_ARGS, "x.yaml: metadata: expected a mapping", NULL);
  assert_load_fails ("metadata: {name: 3}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "metadata.name: expected a string, got 3", "quotes", NULL);
  assert_load_fails ("metadata: {labels: {rev: 3}}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "metadata.labels.rev: expected a string, got 3", NULL);
  assert_load_fails ("motd: [a]\n", "x.yaml", JMP_ERROR_INVALID_ARGS, "x.yaml: motd: expected a string, got a list", NULL);
  /* Entries. */
  assert_load_fails ("export:\n  net: {type: TestDriver, cofnig: {port: 1}}\n", "x.yaml",
                     JMP_ERROR_INVALID_ARGS, "x.yaml: export.net: unknown key \"cofnig\"; did you mean \"config\"? "
                     "(known keys: type, config", NULL);
  assert_load_fails ("export:\n  g:\n    children:\n      a: {type: TestDriver, labels: {}}\n", "x.yaml",
                     JMP_ERROR_INVALID_ARGS, "x.yaml: export.g.children.a: unknown key \"labels\"", NULL);
  assert_load_fails ("export:\n  net: {type: 3}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "export.net.type: expected a string, got 3", NULL);
  assert_load_fails ("export:\n  net: {type: \"\"}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "export.net.type: cannot be empty", NULL);
  assert_load_fails ("export:\n  net: {type: TestDriver, description: yes}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "export.net.description: expected a string, got true (put the value in quotes", NULL);
  assert_load_fails ("export:\n  net: {type: TestDriver, config: [1]}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "export.net.config: expected a mapping", NULL);
  assert_load_fails ("export:\n  net: {type: TestDriver, methods_description: {connect: 1}}\n", "x.yaml",
                     JMP_ERROR_INVALID_ARGS, "export.net.methods_description.connect: expected a string, got 1", NULL);
  assert_load_fails ("export:\n  g: {children: [a]}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "export.g.children: expected a mapping", NULL);
  assert_load_fails ("export:\n  g: {config: {port: 1}}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "export.g: \"config\" needs a \"type\"", NULL);
  assert_load_fails ("export:\n  a.b: {type: TestDriver}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "x.yaml: export: \"a.b\" is not a valid driver name", NULL);
  /* Refs. */
  assert_load_fails ("export:\n  a: {type: TestDriver}\n  b: {type: TestDriver, ref: a}\n", "x.yaml",
                     JMP_ERROR_INVALID_ARGS, "x.yaml: export.b: \"ref\" and \"type\" cannot be used together", NULL);
  assert_load_fails ("export:\n  a: {type: TestDriver}\n  b: {ref: a, config: {port: 1}}\n", "x.yaml",
                     JMP_ERROR_INVALID_ARGS, "export.b: \"ref\" and \"config\" cannot be used together", NULL);
  assert_load_fails ("export:\n  a: {type: TestDriver}\n  b: {ref: a, children: {c: {type: TestDriver}}}\n",
                     "x.yaml", JMP_ERROR_INVALID_ARGS, "export.b: \"ref\" and \"children\" cannot be used together", NULL);
  assert_load_fails ("export:\n  b: {ref: 3}\n", "x.yaml", JMP_ERROR_INVALID_ARGS,
                     "export.b.ref: expected a string, got 3", NULL);
}

static void
test_duplicate_keys (void)
{
  assert_load_fails ("export:\n  net:\n    type: TestDriver\n    config:\n      port: 1\n      port: 2\n",
                     "dup.yaml", JMP_ERROR_INVALID_ARGS, "dup.yaml:6:7: duplicate key \"port\"", NULL);
  assert_load_fails ("export:\n  a: {type: TestDriver}\n  a: {type: TestDriver}\n",
                     "dup.yaml", JMP_ERROR_INVALID_ARGS, "dup.yaml:3:3: duplicate key \"a\"", NULL);
  assert_load_fails ("{\"export\": {\"a\": {\"type\": \"TestDriver\"},\n\"a\": {}}}",
                     "dup.json", JMP_ERROR_INVALID_ARGS, "dup.json:2:", "duplicate key \"a\"", NULL);
  /* json-glib 1.6 would keep the first of two documents and drop the rest */
  assert_load_fails ("{\"export\": {\"a\": {\"type\": \"TestDriver\"}}}\n"
                     "{\"export\": {\"b\": {\"type\": \"TestDriver\"}}}\n",
                     "two.json", JMP_ERROR_INVALID_ARGS,
                     "two.json:2: more text after the end of the document", NULL);
  assert_load_fails ("{\"export\": {}} x", "tail.json", JMP_ERROR_INVALID_ARGS,
                     "tail.json:1: more text after the end of the document", NULL);
  assert_load_fails ("1 {\"export\": {}}", "scalar.json", JMP_ERROR_INVALID_ARGS,
                     "scalar.json:1: more text after the end of the document", NULL);
  assert_load_fails ("\"a\"{\"export\": {}}", "string.json", JMP_ERROR_INVALID_ARGS,
                     "string.json:1: more text after the end of the document", NULL);
  g_object_unref (load ("{\"export\": {\"a\": {\"type\": \"TestDriver\"}}}\n \n", "ok.json"));
  /* A merged key may be overridden: that is what `<<` is for. */
  g_object_unref (load ("base: &b {port: 1}\nexport:\n  a:\n    type: TestDriver\n"
                        "    config:\n      <<: *b\n      port: 2\n", "merge.yaml"));
}

static void
test_alias_bomb (void)
{
  g_autoptr(GString) bomb = g_string_new ("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
  g_autoptr(GString) deep = g_string_new (NULL);

  /* Ten levels of ten aliases each: 10^10 nodes if expanded. */
  for (guint i = 1; i <= 10; i++)
    {
      g_string_append_printf (bomb, "a%u: &a%u [", i, i);
      for (guint j = 0; j < 10; j++)
        g_string_append_printf (bomb, "%s*a%u", j > 0 ? ", " : "", i - 1);
      g_string_append (bomb, "]\n");
    }
  assert_load_fails (bomb->str, "bomb.yaml", JMP_ERROR_INVALID_ARGS,
                     "bomb.yaml:", "aliases are expanded", NULL);

  /* Few nodes, many bytes: a 1 MiB string aliased 20 times. */
  g_string_assign (bomb, "big: &big ");
  for (guint i = 0; i < 1024 * 1024; i++)
    g_string_append_c (bomb, 'x');
  g_string_append (bomb, "\nexport: {}\ncopies: [");
  for (guint i = 0; i < 20; i++)
    g_string_append (bomb, "*big, ");
  g_string_append (bomb, "*big]\n");
  assert_load_fails (bomb->str, "wide.yaml", JMP_ERROR_INVALID_ARGS,
                     "wide.yaml:", "larger than 16 MiB once its aliases are expanded", NULL);

  /* So is a huge JSON document. */
  g_string_assign (deep, "{\"export\": {}, \"x\": [");
  for (guint i = 0; i < 200000; i++)
    g_string_append (deep, "0,");
  g_string_append (deep, "0]}");
  assert_load_fails (deep->str, "huge.json", JMP_ERROR_INVALID_ARGS,
                     "huge.json:1: the document has more than 100000 values", NULL);
  g_string_truncate (deep, 0);

  /* Deep nesting is refused too, in both formats. */
  for (guint i = 0; i < 10000; i++)
    g_string_append_c (deep, '[');
  assert_load_fails (deep->str, "deep.json", JMP_ERROR_INVALID_ARGS, "deep.json:1:", "nested", NULL);
  assert_load_fails (deep->str, "deep.yaml", JMP_ERROR_INVALID_ARGS, "deep.yaml:", NULL);
  g_string_truncate (deep, 0);
  for (guint i = 0; i < 1000; i++)
    g_string_append (deep, "- ");
  g_string_append (deep, "x\n");
  assert_load_fails (deep->str, "deep.yaml", JMP_ERROR_INVALID_ARGS, "deep.yaml:1:", "nested", NULL);
}

static void
test_bad_values (void)
{
  /* Unknown type: NOT_FOUND, with the known ones. */
  assert_build_fails ("export:\n  net: {type: Foo}\n", JMP_ERROR_NOT_FOUND,
                      "bench.yaml: export.net.type: unknown driver type \"Foo\" (known: Composite, OtherDriver, TestDriver)",
                      NULL);
  assert_build_fails ("export:\n  g:\n    children:\n      x: {type: jumpstarter_driver_network.driver.TcpNetwork}\n",
                      JMP_ERROR_NOT_FOUND, "export.g.children.x.type: unknown driver type", NULL);
  /* Typos get a suggestion. */
  assert_build_fails ("export:\n  net: {type: TestDrvier}\n", JMP_ERROR_NOT_FOUND,
                      "export.net.type: unknown driver type \"TestDrvier\"; did you mean \"TestDriver\"?", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {prot: 22}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.prot: unknown key for TestDriver; did you mean \"port\"? (known keys: ", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {enable_adress: true}}\n", JMP_ERROR_INVALID_ARGS,
                      "did you mean \"enable_address\"?", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {mode: slwo}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.mode: unknown value \"slwo\"; did you mean \"slow\"? (expected one of: ", NULL);
  /* Unknown and unsettable keys. */
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {colour: red}}\n", JMP_ERROR_INVALID_ARGS,
                      "bench.yaml: export.net.config.colour: unknown key for TestDriver (known keys: args, count, ",
                      "enable_address", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {state: on}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.state: this key of TestDriver is read-only", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {name: x}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.name: a driver's name is its key", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {enable_address: true, enable-address: false}}\n",
                      JMP_ERROR_INVALID_ARGS, "export.net.config.enable-address: the key is set twice, "
                      "as \"enable_address\" and \"enable-address\"", NULL);
  /* Integers. */
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {port: 70000}}\n", JMP_ERROR_INVALID_ARGS,
                      "bench.yaml: export.net.config.port: 70000 is out of range 1–65535", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {port: 0}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.port: 0 is out of range 1–65535", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {port: -1}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.port: -1 is out of range 1–65535", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {port: abc}}\n", JMP_ERROR_INVALID_ARGS,
                      "bench.yaml: export.net.config.port: expected an integer, got string \"abc\"", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {port: \"22\"}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.port: expected an integer, got string \"22\"", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {port: 22.5}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.port: expected an integer, got 22.5", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {port: }}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.port: expected an integer, got null", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {port: [22]}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.port: expected an integer, got a list", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {count: -3}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.count: -3 is out of range 0–18446744073709551615", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {level: 9}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.level: 9 is out of range -5–5", NULL);
  /* Other types. */
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {host: 10.0}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.host: expected a string, got 10 (put the value in quotes", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {enable_address: maybe}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.enable_address: expected true or false, got string \"maybe\"", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {ratio: 1.5}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.ratio: 1.5 is out of range 0–1", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {ratio: .nan}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.ratio: expected a number, got .nan", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {mode: medium}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.mode: unknown value \"medium\" (expected one of: fast, slow, very-slow)", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {mode: 1}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.mode: expected one of: fast, slow, very-slow, got 1", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {features: [read, exec]}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.features[1]: unknown value \"exec\" (expected one of: read, write)", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {tags: [a, 3]}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.tags[1]: expected a string, got 3", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {tags: a}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.tags: expected a list of strings, got string \"a\"", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {env: {PORT: 8080}}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.env.PORT: expected a string, got 8080", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {env: [a]}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.env: expected a mapping of strings, got a list", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {extra: 3}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.extra: expected a mapping, got 3", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {options: [1]}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.options: expected a value of type a{sv}", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {labels: {a: 1}}}\n", JMP_ERROR_INVALID_ARGS,
                      "export.net.config.labels.a: expected a string, got 1", NULL);
  /* Long strings are cut in messages; quotes are escaped. */
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {port: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"'}}\n",
                      JMP_ERROR_INVALID_ARGS, "got string \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…\"", NULL);
  assert_build_fails ("export:\n  net: {type: TestDriver, config: {port: 'a\"b'}}\n",
                      JMP_ERROR_INVALID_ARGS, "got string \"a\\\"b\"", NULL);
}

static void
test_values (void)
{
  g_autoptr(JmpDriver) root = NULL;
  JmpDriver *net;
  JmpTestDriverPrivate *priv;
  gboolean b = FALSE;

  reset_counters ();
  root = build ("export:\n"
                "  net:\n"
                "    type: TestDriver\n"
                "    config:\n"
                "      port: 8022.0\n"
                "      host: dut.lab\n"
                "      enable_address: off\n"
                "      mode: very_slow\n"
                "      features: [read, write]\n"
                "      tags: [x, y, z]\n"
                "      env: {A: \"1\", B: two}\n"
                "      args: {device: /dev/video0, resolution: [640, 480]}\n"
                "      extra: {k: v}\n"
                "      options: {speed: 3, name: fast}\n"
                "      ratio: 1\n"
                "      count: 12345678901\n"
                "      level: -5\n"
                "      uuid: 1b7c5f3a-4c1f-4d6b-9d0e-0f8d2c9b1a11\n"
                "      labels: {rack: \"7\"}\n"
                "      description: from config\n"
                "  other:\n"
                "    type: TestDriver\n"
                "    description: from the entry\n"
                "    config: {description: overridden, mode: JMP_TEST_MODE_SLOW, features: write}\n",
                NULL);
  net = child_at (root, "net");
  priv = test_priv (net);
  g_assert_cmpint (priv->port, ==, 8022);
  g_assert_cmpstr (priv->host, ==, "dut.lab");
  g_assert_false (priv->enable_address);
  g_assert_cmpint (priv->mode, ==, JMP_TEST_MODE_VERY_SLOW);
  g_assert_cmpuint (priv->features, ==, JMP_TEST_FEATURE_READ | JMP_TEST_FEATURE_WRITE);
  g_assert_cmpuint (g_strv_length (priv->tags), ==, 3);
  g_assert_cmpstr (priv->tags[2], ==, "z");
  g_assert_cmpstr (g_hash_table_lookup (priv->env, "A"), ==, "1");
  g_assert_cmpstr (g_hash_table_lookup (priv->env, "B"), ==, "two");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (priv->args));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (priv->args), "device"), ==, "/dev/video0");
  g_assert_cmpstr (json_object_get_string_member (priv->extra, "k"), ==, "v");
  g_assert_true (g_variant_is_of_type (priv->options, G_VARIANT_TYPE_VARDICT));
  g_assert_true (g_variant_lookup (priv->options, "name", "&s", NULL));
  g_assert_cmpfloat (priv->ratio, ==, 1.0);
  g_assert_cmpuint (priv->count, ==, G_GUINT64_CONSTANT (12345678901));
  g_assert_cmpint (priv->level, ==, -5);
  g_assert_cmpstr (jmp_driver_get_uuid (net), ==, "1b7c5f3a-4c1f-4d6b-9d0e-0f8d2c9b1a11");
  g_assert_cmpstr (g_hash_table_lookup (jmp_driver_get_labels (net), "rack"), ==, "7");
  g_assert_cmpstr (jmp_driver_get_description (net), ==, "from config");
  g_assert_cmpstr (jmp_driver_get_name (net), ==, "net");
  g_assert_cmpstr (jmp_driver_get_type_name (net), ==, "TestDriver");

  /* The driver's args are its own copy, not the config's. */
  json_object_set_string_member (json_node_get_object (priv->args), "device", "changed");

  net = child_at (root, "other");
  priv = test_priv (net);
  g_assert_cmpint (priv->mode, ==, JMP_TEST_MODE_SLOW);
  g_assert_cmpuint (priv->features, ==, JMP_TEST_FEATURE_WRITE);
  g_assert_cmpstr (jmp_driver_get_description (net), ==, "from the entry");
  g_object_get (net, "enable-address", &b, NULL);
  g_assert_true (b);   /* the default */
  g_assert_cmpint (priv->port, ==, 22);

  stop_tree (root);
  g_assert_cmpuint (n_started, ==, 2);
  g_assert_cmpuint (n_stopped, ==, 2);
}

/* ---- Trees -------------------------------------------------------------- */

static void
test_composite (void)
{
  g_autoptr(JmpDriver) root = NULL;
  g_autoptr(GHashTable) methods = NULL;
  JmpDriver *harness, *power, *deep;

  reset_counters ();
  root = build ("metadata: {name: bench}\n"
                "description: the bench\n"
                "export:\n"
                "  harness:\n"
                "    description: The harness\n"
                "    children:\n"
                "      power: {type: TestDriver, methods_description: {on: Power on, off: Power off}}\n"
                "      nested:\n"
                "        type: Composite\n"
                "        children:\n"
                "          deep: {type: TestDriver, config: {port: 3}}\n"
                "      empty: {}\n"
                "  last: {type: TestDriver}\n", NULL);

  g_assert_true (JMP_IS_COMPOSITE (root));
  g_assert_cmpstr (jmp_driver_get_name (root), ==, "bench");
  g_assert_cmpstr (jmp_driver_get_description (root), ==, "the bench");
  g_assert_cmpstr (jmp_driver_get_type_name (root), ==, "Composite");
  g_assert_null (jmp_driver_get_parent (root));

  harness = child_at (root, "harness");
  g_assert_true (JMP_IS_COMPOSITE (harness));
  g_assert_cmpstr (jmp_driver_get_type_name (harness), ==, "Composite");
  g_assert_cmpstr (jmp_driver_get_description (harness), ==, "The harness");
  g_assert_true (jmp_driver_get_parent (harness) == root);

  power = child_at (root, "harness.power");
  g_assert_true (jmp_driver_get_parent (power) == harness);
  methods = jmp_driver_get_methods_description (power);
  g_assert_cmpstr (g_hash_table_lookup (methods, "on"), ==, "Power on");
  g_assert_cmpstr (g_hash_table_lookup (methods, "off"), ==, "Power off");

  deep = child_at (root, "harness.nested.deep");
  g_assert_nonnull (deep);
  g_assert_cmpint (test_priv (deep)->port, ==, 3);
  g_assert_true (JMP_IS_COMPOSITE (child_at (root, "harness.nested")));
  g_assert_true (JMP_IS_COMPOSITE (child_at (root, "harness.empty")));

  /* Everything started, children before parents, in file order. */
  g_assert_cmpstr (start_log->str, ==, "power deep last ");
  g_assert_true (jmp_driver_is_started (root));
  g_assert_true (jmp_driver_is_started (harness));
  g_assert_true (jmp_driver_is_started (child_at (root, "harness.empty")));

  stop_tree (root);
  g_assert_cmpuint (n_stopped, ==, 3);
  g_assert_false (jmp_driver_is_started (root));
}

static void
test_refs (void)
{
  g_autoptr(JmpDriver) root = NULL;
  JmpDriver *target;

  reset_counters ();
  root = build ("export:\n"
                "  alias: {ref: group.a}\n"
                "  group:\n"
                "    children:\n"
                "      a: {type: TestDriver}\n"
                "      back: {ref: net}\n"
                "  net: {type: TestDriver}\n"
                "  alias2: {ref: alias}\n"
                "  through: {ref: alias3.x}\n"
                "  alias3: {ref: other}\n"
                "  other: {children: {x: {type: TestDriver}}}\n", NULL);

  target = child_at (root, "group.a");
  g_assert_true (jmp_driver_is_ref (root, "alias"));
  g_assert_false (jmp_driver_is_ref (root, "group"));
  g_assert_true (child_at (root, "alias") == target);
  g_assert_true (child_at (root, "alias2") == target);
  g_assert_true (jmp_driver_is_ref (child_at (root, "group"), "back"));
  g_assert_true (child_at (root, "group.back") == child_at (root, "net"));
  g_assert_true (child_at (root, "through") == child_at (root, "other.x"));
  /* A ref does not change the owner of its target. */
  g_assert_true (jmp_driver_get_parent (target) == child_at (root, "group"));
  /* Started once, whatever the number of names. */
  g_assert_cmpuint (n_started, ==, 3);
  {
    g_auto(GStrv) keys = jmp_driver_get_child_keys (root);
    g_autofree gchar *joined = g_strjoinv (",", keys);
    g_assert_cmpstr (joined, ==, "alias,group,net,alias2,through,alias3,other");
  }
  stop_tree (root);
  g_assert_cmpuint (n_stopped, ==, 3);
}

static void
test_bad_refs (void)
{
  assert_build_fails ("export:\n  alias: {ref: nope}\n", JMP_ERROR_NOT_FOUND,
                      "bench.yaml: export.alias.ref: no driver \"nope\": export has no \"nope\"", NULL);
  assert_build_fails ("export:\n  group: {children: {a: {type: TestDriver}}}\n"
                      "  alias: {ref: group.zz}\n", JMP_ERROR_NOT_FOUND,
                      "export.alias.ref: no driver \"group.zz\": \"group\" has no child \"zz\"", NULL);
  assert_build_fails ("export:\n  g:\n    children:\n      alias: {ref: g..a}\n", JMP_ERROR_INVALID_ARGS,
                      "export.g.children.alias.ref: \"g..a\" is not a path", NULL);
  assert_build_fails ("export:\n  a: {ref: b}\n  b: {ref: a}\n", JMP_ERROR_INVALID_ARGS,
                      "bench.yaml: export.a: the refs form a cycle: export.a → export.b → export.a", NULL);
  assert_build_fails ("export:\n  a: {ref: a}\n", JMP_ERROR_INVALID_ARGS,
                      "export.a: the refs form a cycle", NULL);
  assert_build_fails ("export:\n  g:\n    children:\n      up: {ref: g}\n", JMP_ERROR_INVALID_ARGS,
                      "export.g.children.up: the refs form a cycle: \"g\" names export.g, which contains this ref",
                      NULL);
  assert_build_fails ("export:\n  g:\n    children:\n      h:\n        children:\n          up: {ref: x}\n"
                      "  x: {ref: g.h}\n", JMP_ERROR_INVALID_ARGS,
                      "export.g.children.h.children.up: the refs form a cycle", NULL);
}

static void
test_start_failure (void)
{
  g_autoptr(JmpConfig) config = NULL;
  g_autoptr(JmpRegistry) registry = test_registry ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpDriver) root = NULL;

  reset_counters ();
  config = load ("export:\n"
                 "  a: {type: TestDriver}\n"
                 "  g:\n"
                 "    children:\n"
                 "      b: {type: TestDriver}\n"
                 "      c: {type: TestDriver, config: {fail-start: true}}\n"
                 "  d: {type: TestDriver}\n", "fail.yaml");
  root = jmp_config_build (config, registry, NULL, &error);
  g_assert_null (root);
  /* The driver's own code is kept. */
  g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==,
                   "fail.yaml: export.g.children.c: failed to start TestDriver: the device is not plugged in");
  /* a and b had started; both were stopped again, and d never started. */
  g_assert_cmpstr (start_log->str, ==, "a b ");
  g_assert_cmpuint (n_started, ==, 2);
  g_assert_cmpuint (n_stopped, ==, 2);
}

static void
test_rebuild (void)
{
  g_autoptr(JmpDriver) tree1 = NULL;
  g_autoptr(JmpDriver) tree2 = NULL;
  g_autoptr(JmpDriver) keep_g = NULL;
  JmpDriver *a1, *b1, *c1, *x1, *y1, *t1, *p1;
  JmpDriver *a2, *b2, *x2, *y2, *t2, *p2;
  const gchar *v1 =
    "export:\n"
    "  a: {type: TestDriver, config: {port: 1}}\n"
    "  b: {type: TestDriver, config: {port: 2}}\n"
    "  c: {type: TestDriver}\n"
    "  g:\n"
    "    children:\n"
    "      x: {type: TestDriver, description: X}\n"
    "      y: {type: TestDriver, methods_description: {m: one}}\n"
    "  t: {type: TestDriver}\n"
    "  p:\n"
    "    type: TestDriver\n"
    "    children:\n"
    "      q: {type: TestDriver}\n"
    "  r: {ref: g.x}\n";
  const gchar *v2 =
    "export:\n"
    "  d: {type: TestDriver}\n"
    "  g:\n"
    "    description: now with a description\n"
    "    children:\n"
    "      x: {type: TestDriver, description: X}\n"
    "      y: {type: TestDriver, methods_description: {m: two}}\n"
    "  a: {type: TestDriver, config: {port: 1}}\n"
    "  b: {type: TestDriver, config: {port: 3}}\n"
    "  t: {type: OtherDriver}\n"
    "  p:\n"
    "    type: TestDriver\n"
    "    children:\n"
    "      q: {type: TestDriver}\n"
    "  r: {ref: a}\n";

  reset_counters ();
  tree1 = build (v1, NULL);
  a1 = child_at (tree1, "a");
  b1 = child_at (tree1, "b");
  c1 = child_at (tree1, "c");
  x1 = child_at (tree1, "g.x");
  y1 = child_at (tree1, "g.y");
  t1 = child_at (tree1, "t");
  p1 = child_at (tree1, "p");
  keep_g = g_object_ref (child_at (tree1, "g"));
  g_assert_cmpuint (n_started, ==, 8);

  reset_counters ();
  tree2 = build (v2, tree1);
  a2 = child_at (tree2, "a");
  b2 = child_at (tree2, "b");
  x2 = child_at (tree2, "g.x");
  y2 = child_at (tree2, "g.y");
  t2 = child_at (tree2, "t");
  p2 = child_at (tree2, "p");

  /* Unchanged: the same object, moved to its new place, not restarted;
   * and that although a's position and g's description changed. */
  g_assert_true (a2 == a1);
  g_assert_true (x2 == x1);
  g_assert_true (jmp_driver_get_parent (a2) == tree2);
  g_assert_true (jmp_driver_get_parent (x2) == child_at (tree2, "g"));
  /* Changed config, methods_description or type: new objects. */
  g_assert_true (b2 != b1);
  g_assert_cmpint (test_priv (b2)->port, ==, 3);
  g_assert_true (y2 != y1);
  g_assert_true (t2 != t1);
  g_assert_true (JMP_IS_OTHER_DRIVER (t2));
  /* A driver with children is always made anew, with them. */
  g_assert_true (p2 != p1);
  /* Composites are always new; refs follow the new tree. */
  g_assert_true (child_at (tree2, "g") != keep_g);
  g_assert_true (child_at (tree2, "r") == a2);
  g_assert_cmpstr (start_log->str, ==, "d y b t q p ");

  /* The new build stopped nothing of the old tree... */
  g_assert_cmpuint (n_stopped, ==, 0);
  g_assert_true (jmp_driver_is_started (b1));
  g_assert_true (jmp_driver_is_started (c1));
  /* ...that is the caller's job, and it leaves the kept drivers alone. */
  jmp_config_stop_unused (tree1, tree2);
  g_assert_cmpuint (n_stopped, ==, 6);   /* b c y t p q */
  g_assert_false (jmp_driver_is_started (b1));
  g_assert_false (jmp_driver_is_started (c1));
  g_assert_true (jmp_driver_is_started (a1));
  g_assert_true (jmp_driver_is_started (x1));
  g_assert_false (jmp_driver_is_started (tree1));
  g_assert_true (jmp_driver_is_started (tree2));

  /* Dropping the old tree leaves the kept drivers running in the new one. */
  g_clear_object (&keep_g);
  g_clear_object (&tree1);
  g_assert_true (jmp_driver_is_started (a2));
  g_assert_true (jmp_driver_get_parent (a2) == tree2);

  reset_counters ();
  stop_tree (tree2);
  g_assert_cmpuint (n_stopped, ==, 8);   /* d x y a b t q p */
}

static void
test_rebuild_failure (void)
{
  g_autoptr(JmpDriver) tree1 = NULL;
  g_autoptr(JmpConfig) config = NULL;
  g_autoptr(JmpRegistry) registry = test_registry ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpDriver) tree2 = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;
  JmpDriver *a1, *x1;

  reset_counters ();
  tree1 = build ("export:\n"
                 "  a: {type: TestDriver}\n"
                 "  g: {children: {x: {type: TestDriver}}}\n", NULL);
  a1 = child_at (tree1, "a");
  x1 = child_at (tree1, "g.x");
  before = describe_tree (tree1);

  /* Kept drivers a and g.x, a new one that starts, one that fails. */
  reset_counters ();
  config = load ("export:\n"
                 "  g: {children: {x: {type: TestDriver}, n: {type: TestDriver}}}\n"
                 "  a: {type: TestDriver}\n"
                 "  z: {type: TestDriver, config: {fail_start: true}}\n", "reload.yaml");
  tree2 = jmp_config_build (config, registry, tree1, &error);
  g_assert_null (tree2);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_assert_true (g_str_has_prefix (error->message, "reload.yaml: export.z: failed to start TestDriver"));
  g_assert_cmpstr (start_log->str, ==, "n ");
  g_assert_cmpuint (n_stopped, ==, 1);

  /* The running tree is as it was: same drivers, same owners, running. */
  after = describe_tree (tree1);
  g_assert_cmpstr (before, ==, after);
  g_assert_true (child_at (tree1, "a") == a1);
  g_assert_true (jmp_driver_get_parent (a1) == tree1);
  g_assert_true (jmp_driver_get_parent (x1) == child_at (tree1, "g"));
  g_assert_true (jmp_driver_is_started (a1));
  g_assert_true (jmp_driver_is_started (x1));

  /* A bad value fails before anything starts. */
  g_clear_error (&error);
  g_clear_object (&config);
  reset_counters ();
  config = load ("export:\n  a: {type: TestDriver}\n  y: {type: TestDriver, config: {port: 70000}}\n",
                 "reload.yaml");
  g_assert_null (jmp_config_build (config, registry, tree1, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_cmpuint (n_started, ==, 0);
  g_assert_cmpuint (n_stopped, ==, 0);
  g_assert_true (jmp_driver_get_parent (a1) == tree1);

  stop_tree (tree1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/config/load/fields", test_load_fields);
  g_test_add_func ("/config/load/yaml-json-same", test_yaml_json_same);
  g_test_add_func ("/config/load/examples", test_examples);
  g_test_add_func ("/config/load/ignored-keys", test_ignored_keys);
  g_test_add_func ("/config/build/examples", test_examples_build);
  g_test_add_func ("/config/load/minimal", test_minimal);
  g_test_add_func ("/config/load/yaml-typing", test_yaml_typing);
  g_test_add_func ("/config/load/format-detection", test_format_detection);
  g_test_add_func ("/config/load/from-file", test_from_file);
  g_test_add_func ("/config/load/find-exporter", test_find_exporter);
  g_test_add_func ("/config/errors/syntax", test_bad_syntax);
  g_test_add_func ("/config/errors/structure", test_bad_structure);
  g_test_add_func ("/config/errors/duplicate-keys", test_duplicate_keys);
  g_test_add_func ("/config/errors/alias-bomb", test_alias_bomb);
  g_test_add_func ("/config/errors/values", test_bad_values);
  g_test_add_func ("/config/errors/refs", test_bad_refs);
  g_test_add_func ("/config/build/values", test_values);
  g_test_add_func ("/config/build/composite", test_composite);
  g_test_add_func ("/config/build/refs", test_refs);
  g_test_add_func ("/config/build/start-failure", test_start_failure);
  g_test_add_func ("/config/build/rebuild", test_rebuild);
  g_test_add_func ("/config/build/rebuild-failure", test_rebuild_failure);

  return g_test_run ();
}
