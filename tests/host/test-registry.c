/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The plugin registry: loading the fixture plugins of tests/host/plugins
 * (one good, the others broken in one way each), lookups, the
 * all-or-nothing rule for a plugin's types, the plugin path order, and the
 * `inspect` text.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jumpstarter/jumpstarter.h>
#include <glib/gstdio.h>

#ifndef FIXTURE_DIR
#error "FIXTURE_DIR must be defined by the build"
#endif

/* Warnings are fatal in tests; while capturing, they are collected here
 * instead so that a test can count them. */
static gboolean capturing;
static GPtrArray *captured;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (capturing && (log_level & G_LOG_LEVEL_WARNING) != 0)
    {
      for (gsize i = 0; i < n_fields; i++)
        {
          if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
            {
              if (fields[i].length < 0)
                g_ptr_array_add (captured, g_strdup (fields[i].value));
              else
                g_ptr_array_add (captured, g_strndup (fields[i].value, fields[i].length));
              return G_LOG_WRITER_HANDLED;
            }
        }
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
capture_start (void)
{
  g_clear_pointer (&captured, g_ptr_array_unref);
  captured = g_ptr_array_new_with_free_func (g_free);
  capturing = TRUE;
}

/* Returns the warnings logged since capture_start(). */
static GPtrArray *
capture_stop (void)
{
  capturing = FALSE;
  return g_steal_pointer (&captured);
}

static guint
count_mentions (GPtrArray   *messages,
                const gchar *needle)
{
  guint n = 0;

  for (guint i = 0; i < messages->len; i++)
    if (strstr (g_ptr_array_index (messages, i), needle) != NULL)
      n++;
  return n;
}

static gchar *
fixture (const gchar *name)
{
  return g_build_filename (FIXTURE_DIR, name, NULL);
}

static JmpPluginInfo *
find_plugin (JmpRegistry *registry,
             const gchar *basename)
{
  g_autoptr(GPtrArray) plugins = jmp_registry_get_plugins (registry);

  for (guint i = 0; i < plugins->len; i++)
    {
      JmpPluginInfo *info = g_ptr_array_index (plugins, i);
      g_autofree gchar *base = g_path_get_basename (jmp_plugin_info_get_filename (info));

      if (g_strcmp0 (base, basename) == 0)
        return info;
    }
  return NULL;
}

/* A registry with the whole fixture directory loaded; asserts the expected
 * one warning per broken file. */
static JmpRegistry *
load_fixtures (void)
{
  static const gchar * const broken[] = {
    "badabi.so", "failreg.so", "garbage.so", "noentry.so", "noname.so", "zz-dupe.so", NULL
  };
  JmpRegistry *registry = jmp_registry_new ();
  g_autoptr(GPtrArray) warnings = NULL;

  capture_start ();
  jmp_registry_load_dir (registry, FIXTURE_DIR);
  warnings = capture_stop ();

  for (guint i = 0; i < warnings->len; i++)
    g_test_message ("warning: %s", (const gchar *) g_ptr_array_index (warnings, i));
  g_assert_cmpuint (warnings->len, ==, g_strv_length ((gchar **) broken));
  for (gsize i = 0; broken[i] != NULL; i++)
    {
      g_autofree gchar *path = fixture (broken[i]);

      g_assert_cmpuint (count_mentions (warnings, path), ==, 1);
    }
  g_assert_cmpuint (count_mentions (warnings, "good.so:"), ==, 0);

  return registry;
}

/* Drivers defined by the test program itself */

#define JMP_TEST_TYPE_LOCAL_DRIVER (jmp_test_local_driver_get_type ())
G_DECLARE_FINAL_TYPE (JmpTestLocalDriver, jmp_test_local_driver, JMP_TEST, LOCAL_DRIVER, JmpDriver)

struct _JmpTestLocalDriver
{
  JmpDriver parent_instance;
};

G_DEFINE_FINAL_TYPE (JmpTestLocalDriver, jmp_test_local_driver, JMP_TYPE_DRIVER)

static void
jmp_test_local_driver_class_init (JmpTestLocalDriverClass *klass)
{
}

static void
jmp_test_local_driver_init (JmpTestLocalDriver *self)
{
}

#define JMP_TEST_TYPE_ABSTRACT_DRIVER (jmp_test_abstract_driver_get_type ())
G_DECLARE_DERIVABLE_TYPE (JmpTestAbstractDriver, jmp_test_abstract_driver, JMP_TEST, ABSTRACT_DRIVER, JmpDriver)

struct _JmpTestAbstractDriverClass
{
  JmpDriverClass parent_class;
};

G_DEFINE_ABSTRACT_TYPE (JmpTestAbstractDriver, jmp_test_abstract_driver, JMP_TYPE_DRIVER)

static void
jmp_test_abstract_driver_class_init (JmpTestAbstractDriverClass *klass)
{
}

static void
jmp_test_abstract_driver_init (JmpTestAbstractDriver *self)
{
}

static void
test_builtin (void)
{
  g_autoptr(JmpRegistry) registry = jmp_registry_new ();
  g_autoptr(GPtrArray) plugins = jmp_registry_get_plugins (registry);
  g_auto(GStrv) types = jmp_registry_list_types (registry);
  g_auto(GStrv) aliases = jmp_registry_get_aliases (registry, "Composite");
  const gchar * const expected_types[] = { "Composite", NULL };
  const gchar * const expected_aliases[] = { "jumpstarter_driver_composite.driver.Composite", NULL };

  g_assert_cmpuint (plugins->len, ==, 0);
  g_assert_cmpstrv (types, expected_types);
  g_assert_cmpstrv (aliases, expected_aliases);
  g_assert_true (jmp_registry_lookup (registry, "Composite") == JMP_TYPE_COMPOSITE);
  g_assert_true (jmp_registry_lookup (registry, "jumpstarter_driver_composite.driver.Composite") == JMP_TYPE_COMPOSITE);
  g_assert_cmpstr (jmp_registry_get_type_name (registry, JMP_TYPE_COMPOSITE), ==, "Composite");
  g_assert_true (jmp_registry_lookup (registry, "composite") == G_TYPE_INVALID);
  g_assert_true (jmp_registry_lookup (registry, "") == G_TYPE_INVALID);
  g_assert_null (jmp_registry_get_aliases (registry, "Nothing"));
  g_assert_null (jmp_registry_get_type_name (registry, JMP_TYPE_DRIVER));
}

static void
test_add_type (void)
{
  g_autoptr(JmpRegistry) registry = jmp_registry_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) types = NULL;
  g_auto(GStrv) aliases = NULL;
  const gchar * const local_aliases[] = { "tests.Local", "LocalDriver", "tests.Local", NULL };
  const gchar * const taken_alias[] = { "jumpstarter_driver_composite.driver.Composite", NULL };
  const gchar * const blank_alias[] = { "tests.a b", NULL };
  const gchar * const expected_types[] = { "Composite", "LocalDriver", NULL };
  const gchar * const expected_aliases[] = { "tests.Local", NULL };

  /* not a driver */
  g_assert_false (jmp_registry_add_type (registry, "Object", G_TYPE_OBJECT, NULL, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "GObject is not a JmpDriver"));
  g_clear_error (&error);

  /* abstract */
  g_assert_false (jmp_registry_add_type (registry, "Abstract", JMP_TEST_TYPE_ABSTRACT_DRIVER,
                                         NULL, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "abstract"));
  g_clear_error (&error);

  /* bad names */
  g_assert_false (jmp_registry_add_type (registry, "", JMP_TEST_TYPE_LOCAL_DRIVER, NULL, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_false (jmp_registry_add_type (registry, "Local Driver", JMP_TEST_TYPE_LOCAL_DRIVER,
                                         NULL, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_false (jmp_registry_add_type (registry, "LocalDriver", JMP_TEST_TYPE_LOCAL_DRIVER,
                                         blank_alias, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  /* names taken by the built-in type, as a name or as an alias */
  g_assert_false (jmp_registry_add_type (registry, "Composite", JMP_TEST_TYPE_LOCAL_DRIVER,
                                         NULL, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "type name \"Composite\" is already registered by"));
  g_assert_nonnull (strstr (error->message, "built-in"));
  g_clear_error (&error);
  g_assert_false (jmp_registry_add_type (registry, "jumpstarter_driver_composite.driver.Composite",
                                         JMP_TEST_TYPE_LOCAL_DRIVER, NULL, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_false (jmp_registry_add_type (registry, "LocalDriver", JMP_TEST_TYPE_LOCAL_DRIVER,
                                         taken_alias, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "alias \"jumpstarter_driver_composite.driver.Composite\""));
  g_clear_error (&error);

  /* none of the refused calls left anything behind */
  g_assert_true (jmp_registry_lookup (registry, "LocalDriver") == G_TYPE_INVALID);
  g_assert_null (jmp_registry_get_type_name (registry, JMP_TEST_TYPE_LOCAL_DRIVER));

  /* an alias equal to the name, or repeated, is counted once */
  g_assert_true (jmp_registry_add_type (registry, "LocalDriver", JMP_TEST_TYPE_LOCAL_DRIVER,
                                        local_aliases, &error));
  g_assert_no_error (error);
  g_assert_true (jmp_registry_lookup (registry, "LocalDriver") == JMP_TEST_TYPE_LOCAL_DRIVER);
  g_assert_true (jmp_registry_lookup (registry, "tests.Local") == JMP_TEST_TYPE_LOCAL_DRIVER);
  g_assert_cmpstr (jmp_registry_get_type_name (registry, JMP_TEST_TYPE_LOCAL_DRIVER), ==,
                   "LocalDriver");
  types = jmp_registry_list_types (registry);
  g_assert_cmpstrv (types, expected_types);
  aliases = jmp_registry_get_aliases (registry, "tests.Local");
  g_assert_cmpstrv (aliases, expected_aliases);

  /* the same GType under a second name */
  g_assert_false (jmp_registry_add_type (registry, "LocalAgain", JMP_TEST_TYPE_LOCAL_DRIVER,
                                         NULL, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "already registered as \"LocalDriver\""));
  g_clear_error (&error);
}

static void
assert_skipped (JmpRegistry *registry,
                const gchar *basename,
                gint         code,
                const gchar *reason)
{
  JmpPluginInfo *info = find_plugin (registry, basename);
  g_autofree gchar *path = fixture (basename);
  const GError *error;

  g_assert_nonnull (info);
  error = jmp_plugin_info_get_error (info);
  g_assert_nonnull (error);
  g_test_message ("%s: %s", basename, error->message);
  g_assert_error ((GError *) error, JMP_ERROR, code);
  /* the message names the file, then why */
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, reason));
  g_assert_cmpuint (g_strv_length ((gchar **) jmp_plugin_info_get_types (info)), ==, 0);
  g_assert_cmpuint (g_strv_length ((gchar **) jmp_plugin_info_get_aliases (info)), ==, 0);
}

static void
test_load_dir (void)
{
  g_autoptr(JmpRegistry) registry = load_fixtures ();
  g_autoptr(GPtrArray) plugins = jmp_registry_get_plugins (registry);
  g_autoptr(GPtrArray) warnings = NULL;
  g_auto(GStrv) types = jmp_registry_list_types (registry);
  g_autofree gchar *good_path = fixture ("good.so");
  g_autofree gchar *dupe_reason = NULL;
  const gchar * const expected_types[] = { "Composite", "GoodDriver", NULL };
  const gchar * const good_types[] = { "GoodDriver", NULL };
  const gchar * const good_aliases[] = { "vendor.good.GoodDriver", NULL };
  const gchar * const order[] = {
    "badabi.so", "failreg.so", "garbage.so", "good.so", "noentry.so", "noname.so",
    "zz-dupe.so", NULL
  };
  JmpPluginInfo *good;
  GType type;

  /* one info per file, in load (name) order; order-a/ and order-b/ are
   * not looked into */
  g_assert_cmpuint (plugins->len, ==, g_strv_length ((gchar **) order));
  for (guint i = 0; i < plugins->len; i++)
    {
      g_autofree gchar *base =
        g_path_get_basename (jmp_plugin_info_get_filename (g_ptr_array_index (plugins, i)));

      g_assert_cmpstr (base, ==, order[i]);
    }

  g_assert_cmpstrv (types, expected_types);

  good = find_plugin (registry, "good.so");
  g_assert_nonnull (good);
  g_assert_null (jmp_plugin_info_get_error (good));
  g_assert_cmpstr (jmp_plugin_info_get_filename (good), ==, good_path);
  g_assert_cmpstr (jmp_plugin_info_get_name (good), ==, "good");
  g_assert_cmpstr (jmp_plugin_info_get_version (good), ==, "1.2.3");
  g_assert_cmpstr (jmp_plugin_info_get_description (good), ==, "A plugin that loads");
  g_assert_cmpstr (jmp_plugin_info_get_license (good), ==, "LGPL-2.1-or-later");
  g_assert_cmpstrv (jmp_plugin_info_get_types (good), good_types);
  g_assert_cmpstrv (jmp_plugin_info_get_aliases (good), good_aliases);

  type = jmp_registry_lookup (registry, "GoodDriver");
  g_assert_true (type != G_TYPE_INVALID);
  g_assert_cmpstr (g_type_name (type), ==, "JmpTestGoodDriver");
  g_assert_true (jmp_registry_lookup (registry, "vendor.good.GoodDriver") == type);
  g_assert_cmpstr (jmp_registry_get_type_name (registry, type), ==, "GoodDriver");
  g_assert_true (g_type_is_a (type, JMP_TYPE_NETWORK));

  assert_skipped (registry, "badabi.so", JMP_ERROR_NOT_SUPPORTED,
                  "built for plugin ABI 99, this host has 1");
  assert_skipped (registry, "failreg.so", JMP_ERROR_UNAVAILABLE,
                  "the failreg hardware is missing");
  assert_skipped (registry, "garbage.so", JMP_ERROR_FAILED, "not a shared object: ");
  assert_skipped (registry, "noentry.so", JMP_ERROR_NOT_FOUND,
                  "no jmp_plugin_describe symbol: not a jumpstarter plugin");
  assert_skipped (registry, "noname.so", JMP_ERROR_INVALID_ARGS,
                  "the plugin descriptor has no name");
  dupe_reason = g_strdup_printf ("type name \"GoodDriver\" is already registered by %s",
                                 good_path);
  assert_skipped (registry, "zz-dupe.so", JMP_ERROR_INVALID_ARGS, dupe_reason);

  /* the plugins that were rejected left no name behind */
  g_assert_true (jmp_registry_lookup (registry, "FailregDriver") == G_TYPE_INVALID);
  g_assert_true (jmp_registry_lookup (registry, "DupeExtra") == G_TYPE_INVALID);
  g_assert_true (jmp_registry_lookup (registry, "vendor.dupe.DupeExtra") == G_TYPE_INVALID);
  g_assert_cmpstr (jmp_plugin_info_get_name (find_plugin (registry, "zz-dupe.so")), ==, "dupe");
  g_assert_null (jmp_plugin_info_get_name (find_plugin (registry, "garbage.so")));

  /* loading the directory again tries nothing again and warns no more */
  capture_start ();
  jmp_registry_load_dir (registry, FIXTURE_DIR);
  warnings = capture_stop ();
  g_assert_cmpuint (warnings->len, ==, 0);
  g_clear_pointer (&plugins, g_ptr_array_unref);
  plugins = jmp_registry_get_plugins (registry);
  g_assert_cmpuint (plugins->len, ==, g_strv_length ((gchar **) order));
}

static gboolean
is_mapped (const gchar *basename)
{
  g_autofree gchar *path = fixture (basename);
  g_autofree gchar *real = realpath (path, NULL);
  g_autofree gchar *maps = NULL;
  g_autofree gchar *needle = NULL;

  g_assert_nonnull (real);
  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  needle = g_strdup_printf (" %s\n", real);
  return strstr (maps, needle) != NULL;
}

/* A rejected plugin whose register function ran keeps its code loaded:
 * the GTypes it registered stay usable. A file whose register function
 * never ran is unloaded again. */
static void
test_rejected_types_stay_usable (void)
{
  g_autoptr(JmpRegistry) registry = load_fixtures ();
  const gchar * const gtypes[] = {
    "JmpTestFailregDriver", "JmpTestDupeExtra", "JmpTestDupeDriver", NULL
  };

  g_assert_true (is_mapped ("good.so"));
  g_assert_true (is_mapped ("failreg.so"));
  g_assert_true (is_mapped ("zz-dupe.so"));
  g_assert_false (is_mapped ("noentry.so"));
  g_assert_false (is_mapped ("badabi.so"));
  g_assert_false (is_mapped ("noname.so"));

  for (gsize i = 0; gtypes[i] != NULL; i++)
    {
      GType type = g_type_from_name (gtypes[i]);
      g_autoptr(GObject) object = NULL;

      g_assert_true (type != G_TYPE_INVALID);
      g_assert_null (jmp_registry_get_type_name (registry, type));
      object = g_object_new (type, NULL);
      g_assert_true (JMP_IS_DRIVER (object));
    }
}

static void
test_load_file_twice (void)
{
  g_autoptr(JmpRegistry) registry = jmp_registry_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(GPtrArray) plugins = NULL;
  g_autofree gchar *good = fixture ("good.so");
  g_autofree gchar *good_dotted = g_build_filename (FIXTURE_DIR, ".", "good.so", NULL);
  g_autofree gchar *garbage = fixture ("garbage.so");
  g_autofree gchar *missing = fixture ("missing.so");
  g_autofree gchar *tmpdir = g_dir_make_tmp ("jmp-registry-XXXXXX", NULL);
  g_autofree gchar *link = g_build_filename (tmpdir, "good-link.so", NULL);

  g_assert_true (jmp_registry_load_file (registry, good, &error));
  g_assert_no_error (error);
  g_assert_true (jmp_registry_load_file (registry, good, &error));
  g_assert_no_error (error);
  /* the same file under another path */
  g_assert_true (jmp_registry_load_file (registry, good_dotted, &error));
  g_assert_no_error (error);
  g_assert_cmpint (symlink (good, link), ==, 0);
  g_assert_true (jmp_registry_load_file (registry, link, &error));
  g_assert_no_error (error);
  g_assert_true (jmp_registry_load_file (registry, good, NULL));

  g_assert_false (jmp_registry_load_file (registry, garbage, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_FAILED);
  g_assert_false (jmp_registry_load_file (registry, garbage, &error2));
  g_assert_error (error2, JMP_ERROR, JMP_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, error2->message);
  g_clear_error (&error);
  g_clear_error (&error2);
  g_assert_false (jmp_registry_load_file (registry, garbage, NULL));

  g_assert_false (jmp_registry_load_file (registry, missing, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  plugins = jmp_registry_get_plugins (registry);
  g_assert_cmpuint (plugins->len, ==, 2);
  g_assert_cmpstr (jmp_plugin_info_get_filename (g_ptr_array_index (plugins, 0)), ==, good);
  g_assert_cmpstr (jmp_plugin_info_get_filename (g_ptr_array_index (plugins, 1)), ==, garbage);
  g_assert_true (jmp_registry_lookup (registry, "GoodDriver") != G_TYPE_INVALID);

  /* a directory holding only a link to a file loaded before adds nothing */
  capture_start ();
  jmp_registry_load_dir (registry, tmpdir);
  g_ptr_array_unref (capture_stop ());
  g_clear_pointer (&plugins, g_ptr_array_unref);
  plugins = jmp_registry_get_plugins (registry);
  g_assert_cmpuint (plugins->len, ==, 2);

  g_assert_cmpint (unlink (link), ==, 0);
  g_assert_cmpint (rmdir (tmpdir), ==, 0);
}

/* A copy of a loaded plugin (another file, so another module) is skipped
 * before it can register its GTypes a second time. */
static void
test_same_plugin_twice (void)
{
  g_autoptr(JmpRegistry) registry = jmp_registry_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GPtrArray) plugins = NULL;
  g_autofree gchar *good = fixture ("good.so");
  g_autofree gchar *contents = NULL;
  g_autofree gchar *tmpdir = g_dir_make_tmp ("jmp-registry-XXXXXX", NULL);
  g_autofree gchar *copy = g_build_filename (tmpdir, "good-copy.so", NULL);
  gsize len;

  g_assert_true (g_file_get_contents (good, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (copy, contents, len, NULL));

  g_assert_true (jmp_registry_load_file (registry, good, &error));
  g_assert_no_error (error);

  /* any warning, from GLib's type system too, would be caught here */
  capture_start ();
  jmp_registry_load_dir (registry, tmpdir);
  warnings = capture_stop ();
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_cmpuint (count_mentions (warnings, copy), ==, 1);

  g_assert_false (jmp_registry_load_file (registry, copy, &error));
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "plugin \"good\" is already loaded from"));
  g_assert_nonnull (strstr (error->message, good));

  plugins = jmp_registry_get_plugins (registry);
  g_assert_cmpuint (plugins->len, ==, 2);
  g_assert_cmpstr (g_type_name (jmp_registry_lookup (registry, "GoodDriver")), ==,
                   "JmpTestGoodDriver");

  g_assert_cmpint (unlink (copy), ==, 0);
  g_assert_cmpint (rmdir (tmpdir), ==, 0);
}

static void
test_plugin_path_order (void)
{
  g_autofree gchar *saved = g_strdup (g_getenv ("JUMPSTARTER_PLUGIN_PATH"));
  g_autofree gchar *dir_a = fixture ("order-a");
  g_autofree gchar *dir_b = fixture ("order-b");
  g_autofree gchar *file_a = g_build_filename (dir_a, "order.so", NULL);
  g_autofree gchar *file_b = g_build_filename (dir_b, "order.so", NULL);
  g_autofree gchar *missing = fixture ("no-such-dir");
  struct {
    const gchar *first;
    const gchar *second;
    const gchar *winner_gtype;
    const gchar *loser_file;
  } cases[] = {
    { dir_a, dir_b, "JmpTestOrderADriver", file_b },
    { dir_b, dir_a, "JmpTestOrderBDriver", file_a },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JmpRegistry) registry = jmp_registry_new ();
      g_autoptr(GPtrArray) warnings = NULL;
      g_autofree gchar *path = NULL;
      JmpPluginInfo *loser;
      GType type;

      /* empty entries and a missing directory are ignored quietly */
      path = g_strjoin (":", "", cases[i].first, "", missing, cases[i].second, "", NULL);
      g_setenv ("JUMPSTARTER_PLUGIN_PATH", path, TRUE);
      capture_start ();
      jmp_registry_load_default (registry);
      warnings = capture_stop ();

      type = jmp_registry_lookup (registry, "OrderDriver");
      g_assert_cmpstr (g_type_name (type), ==, cases[i].winner_gtype);

      /* exactly one warning about the fixtures: the second one */
      g_assert_cmpuint (count_mentions (warnings, FIXTURE_DIR), ==, 1);
      g_assert_cmpuint (count_mentions (warnings, cases[i].loser_file), ==, 1);
      g_assert_cmpuint (count_mentions (warnings, missing), ==, 0);

      loser = NULL;
      {
        g_autoptr(GPtrArray) plugins = jmp_registry_get_plugins (registry);

        for (guint j = 0; j < plugins->len; j++)
          if (g_strcmp0 (jmp_plugin_info_get_filename (g_ptr_array_index (plugins, j)),
                         cases[i].loser_file) == 0)
            loser = g_ptr_array_index (plugins, j);
      }
      g_assert_nonnull (loser);
      g_assert_error ((GError *) jmp_plugin_info_get_error (loser),
                      JMP_ERROR, JMP_ERROR_INVALID_ARGS);
    }

  if (saved != NULL)
    g_setenv ("JUMPSTARTER_PLUGIN_PATH", saved, TRUE);
  else
    g_unsetenv ("JUMPSTARTER_PLUGIN_PATH");
}

/* $JUMPSTARTER_PLUGIN_SYSTEM_PATH stands for the installed directory: a
 * plugin there that a directory of $JUMPSTARTER_PLUGIN_PATH already
 * provides is skipped without a warning (the override is intended), and
 * an empty value means no installed plugin at all. */
static void
test_plugin_system_path (void)
{
  g_autofree gchar *saved = g_strdup (g_getenv ("JUMPSTARTER_PLUGIN_PATH"));
  g_autofree gchar *saved_system = g_strdup (g_getenv ("JUMPSTARTER_PLUGIN_SYSTEM_PATH"));
  g_autofree gchar *dir_b = fixture ("order-b");
  g_autofree gchar *file_b = g_build_filename (dir_b, "order.so", NULL);

  {
    g_autoptr(JmpRegistry) registry = jmp_registry_new ();
    g_autoptr(GPtrArray) warnings = NULL;
    g_autoptr(GPtrArray) plugins = NULL;
    g_autofree gchar *good = fixture ("good.so");
    g_autofree gchar *contents = NULL;
    g_autofree gchar *system_dir = g_dir_make_tmp ("jmp-registry-XXXXXX", NULL);
    g_autofree gchar *installed = g_build_filename (system_dir, "good.so", NULL);
    gboolean skipped = FALSE;
    gsize len;

    /* the same plugin, "installed", and built in $JUMPSTARTER_PLUGIN_PATH */
    g_assert_true (g_file_get_contents (good, &contents, &len, NULL));
    g_assert_true (g_file_set_contents (installed, contents, len, NULL));
    g_setenv ("JUMPSTARTER_PLUGIN_PATH", FIXTURE_DIR, TRUE);
    g_setenv ("JUMPSTARTER_PLUGIN_SYSTEM_PATH", system_dir, TRUE);
    capture_start ();
    jmp_registry_load_default (registry);
    warnings = capture_stop ();
    g_assert_cmpuint (count_mentions (warnings, installed), ==, 0);
    g_assert_true (jmp_registry_lookup (registry, "GoodDriver") != G_TYPE_INVALID);
    plugins = jmp_registry_get_plugins (registry);
    for (guint i = 0; i < plugins->len; i++)
      if (g_strcmp0 (jmp_plugin_info_get_filename (g_ptr_array_index (plugins, i)), installed) == 0)
        {
          g_assert_error ((GError *) jmp_plugin_info_get_error (g_ptr_array_index (plugins, i)),
                          JMP_ERROR, JMP_ERROR_INVALID_ARGS);
          skipped = TRUE;
        }
    g_assert_true (skipped);
    g_unlink (installed);
    g_rmdir (system_dir);
  }

  {
    g_autoptr(JmpRegistry) registry = jmp_registry_new ();
    g_autoptr(GPtrArray) plugins = NULL;

    g_setenv ("JUMPSTARTER_PLUGIN_PATH", dir_b, TRUE);
    g_setenv ("JUMPSTARTER_PLUGIN_SYSTEM_PATH", "", TRUE);
    jmp_registry_load_default (registry);
    plugins = jmp_registry_get_plugins (registry);
    g_assert_cmpuint (plugins->len, ==, 1);
    g_assert_cmpstr (jmp_plugin_info_get_filename (g_ptr_array_index (plugins, 0)), ==, file_b);
  }

  if (saved != NULL)
    g_setenv ("JUMPSTARTER_PLUGIN_PATH", saved, TRUE);
  else
    g_unsetenv ("JUMPSTARTER_PLUGIN_PATH");
  if (saved_system != NULL)
    g_setenv ("JUMPSTARTER_PLUGIN_SYSTEM_PATH", saved_system, TRUE);
  else
    g_unsetenv ("JUMPSTARTER_PLUGIN_SYSTEM_PATH");
}

static void
assert_contains (const gchar *text,
                 const gchar *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("\"%s\" not found in:\n%s", needle, text);
}

static void
test_describe_all (void)
{
  g_autoptr(JmpRegistry) registry = load_fixtures ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = jmp_registry_describe (registry, NULL, &error);
  g_autofree gchar *good = fixture ("good.so");
  g_autofree gchar *garbage = fixture ("garbage.so");

  g_assert_no_error (error);
  g_assert_nonnull (text);
  g_test_message ("%s", text);

  assert_contains (text, "good 1.2.3\n");
  assert_contains (text, good);
  assert_contains (text, "A plugin that loads");
  assert_contains (text, "LGPL-2.1-or-later");
  assert_contains (text, "    GoodDriver (vendor.good.GoodDriver)\n");
  assert_contains (text, "    Composite (jumpstarter_driver_composite.driver.Composite)\n");
  assert_contains (text, garbage);
  assert_contains (text, "not a shared object");
  assert_contains (text, "built for plugin ABI 99, this host has 1");
  assert_contains (text, "Total: 1 plugin, 2 types, 6 skipped files\n");
  /* a rejected plugin's types are not listed */
  g_assert_null (strstr (text, "DupeExtra"));
}

/* The line of @key in the "Config keys:" section, up to the next key. */
static gchar *
config_key_block (const gchar *text,
                  const gchar *key)
{
  g_autofree gchar *start = g_strdup_printf ("\n  %s ", key);
  const gchar *section = strstr (text, "Config keys:\n");
  const gchar *p;
  const gchar *end;

  g_assert_nonnull (section);
  p = strstr (section, start);
  if (p == NULL)
    return NULL;
  p++;
  /* the block ends at the next line that starts a key (two spaces and a
   * non-space) */
  end = p + 1;
  while ((end = strchr (end, '\n')) != NULL)
    {
      if (g_str_has_prefix (end, "\n  ") && end[3] != ' ')
        break;
      end++;
    }
  return end != NULL ? g_strndup (p, end - p) : g_strdup (p);
}

static void
test_describe_type (void)
{
  g_autoptr(JmpRegistry) registry = load_fixtures ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *by_name = NULL;
  g_autofree gchar *good = fixture ("good.so");
  g_autofree gchar *port = NULL;
  g_autofree gchar *mode = NULL;
  g_autofree gchar *host = NULL;
  g_autofree gchar *enable_address = NULL;
  g_autofree gchar *composite = NULL;

  /* by alias and by name alike */
  text = jmp_registry_describe (registry, "vendor.good.GoodDriver", &error);
  g_assert_no_error (error);
  by_name = jmp_registry_describe (registry, "GoodDriver", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, by_name);
  g_test_message ("%s", text);

  assert_contains (text, "GoodDriver\n");
  assert_contains (text, "JmpTestGoodDriver\n");
  assert_contains (text, "vendor.good.GoodDriver\n");
  assert_contains (text, good);
  assert_contains (text, "JmpNetwork");
  assert_contains (text, "JmpDriver");

  port = config_key_block (text, "port");
  g_assert_nonnull (port);
  assert_contains (port, "Integer");
  assert_contains (port, "1 – 65535");
  assert_contains (port, "Default: 8080");
  assert_contains (port, "TCP port of the target");

  mode = config_key_block (text, "mode");
  g_assert_nonnull (mode);
  assert_contains (mode, "Enum");
  assert_contains (mode, "Default: slow");
  assert_contains (mode, "fast");
  assert_contains (mode, "Go fast");

  host = config_key_block (text, "host");
  g_assert_nonnull (host);
  assert_contains (host, "Default: \"localhost\"");

  /* the config spelling, not the property name */
  enable_address = config_key_block (text, "enable_address");
  g_assert_nonnull (enable_address);
  assert_contains (enable_address, "Boolean");
  assert_contains (enable_address, "Default: true");
  g_assert_null (strstr (text, "enable-address"));

  /* the driver's name comes from the export key, not from its config */
  g_assert_null (config_key_block (text, "name"));

  composite = jmp_registry_describe (registry, "Composite", &error);
  g_assert_no_error (error);
  assert_contains (composite, "built-in");
}

static void
test_describe_unknown (void)
{
  g_autoptr(JmpRegistry) registry = load_fixtures ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;

  text = jmp_registry_describe (registry, "Foo", &error);
  g_assert_null (text);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "no driver type \"Foo\"; known types: Composite, GoodDriver");
  g_clear_error (&error);

  /* a rejected plugin's type is unknown too */
  text = jmp_registry_describe (registry, "DupeExtra", &error);
  g_assert_null (text);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND);
}

static void
test_to_variant (void)
{
  g_autoptr(JmpRegistry) registry = load_fixtures ();
  g_autoptr(GVariant) good = NULL;
  g_autoptr(GVariant) garbage = NULL;
  g_autoptr(GVariant) plugins = NULL;
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GPtrArray) infos = jmp_registry_get_plugins (registry);
  g_autofree gchar *good_path = fixture ("good.so");
  g_autofree gchar *garbage_path = fixture ("garbage.so");
  g_autofree const gchar **types = NULL;
  g_autofree const gchar **aliases = NULL;
  const gchar *str;
  const gchar *error;
  const gchar * const string_keys[] = { "filename", "name", "version", "description", "license", NULL };

  good = g_variant_ref_sink (jmp_plugin_info_to_variant (find_plugin (registry, "good.so")));
  g_assert_true (g_variant_is_of_type (good, G_VARIANT_TYPE ("a{sv}")));
  g_assert_cmpuint (g_variant_n_children (good), ==, 7);
  for (gsize i = 0; string_keys[i] != NULL; i++)
    g_assert_true (g_variant_lookup (good, string_keys[i], "&s", &str));
  g_assert_true (g_variant_lookup (good, "filename", "&s", &str));
  g_assert_cmpstr (str, ==, good_path);
  g_assert_true (g_variant_lookup (good, "name", "&s", &str));
  g_assert_cmpstr (str, ==, "good");
  g_assert_true (g_variant_lookup (good, "version", "&s", &str));
  g_assert_cmpstr (str, ==, "1.2.3");
  g_assert_true (g_variant_lookup (good, "types", "^a&s", &types));
  g_assert_cmpuint (g_strv_length ((gchar **) types), ==, 1);
  g_assert_cmpstr (types[0], ==, "GoodDriver");
  g_assert_true (g_variant_lookup (good, "aliases", "^a&s", &aliases));
  g_assert_cmpuint (g_strv_length ((gchar **) aliases), ==, 1);
  g_assert_cmpstr (aliases[0], ==, "vendor.good.GoodDriver");
  g_assert_false (g_variant_lookup (good, "error", "&s", &error));

  garbage = g_variant_ref_sink (jmp_plugin_info_to_variant (find_plugin (registry, "garbage.so")));
  g_assert_cmpuint (g_variant_n_children (garbage), ==, 8);
  g_assert_true (g_variant_lookup (garbage, "filename", "&s", &str));
  g_assert_cmpstr (str, ==, garbage_path);
  g_assert_true (g_variant_lookup (garbage, "name", "&s", &str));
  g_assert_cmpstr (str, ==, "");
  g_assert_true (g_variant_lookup (garbage, "error", "&s", &error));
  g_assert_true (g_str_has_prefix (error, garbage_path));
  g_assert_nonnull (strstr (error, "not a shared object"));

  /* what ListPlugins() returns */
  for (guint i = 0; i < infos->len; i++)
    g_variant_builder_add_value (builder, jmp_plugin_info_to_variant (g_ptr_array_index (infos, i)));
  plugins = g_variant_ref_sink (g_variant_builder_end (builder));
  g_assert_cmpuint (g_variant_n_children (plugins), ==, infos->len);
}

/* The real network plugin from the build tree, found through
 * $JUMPSTARTER_PLUGIN_PATH as the test set-up gives it. */
static void
test_network_plugin (void)
{
  g_autoptr(JmpRegistry) registry = jmp_registry_new ();
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GPtrArray) plugins = NULL;
  const gchar *path = g_getenv ("JUMPSTARTER_PLUGIN_PATH");
  g_auto(GStrv) dirs = NULL;
  GType echo;
  gboolean found = FALSE;

  g_assert_nonnull (path);
  dirs = g_strsplit (path, ":", -1);

  /* an installed copy of the plugins may come later in the search and be
   * skipped with warnings; those are not what this test looks at */
  capture_start ();
  jmp_registry_load_default (registry);
  warnings = capture_stop ();
  for (guint i = 0; i < warnings->len; i++)
    for (gsize j = 0; dirs[j] != NULL; j++)
      if (*dirs[j] != '\0' && strstr (g_ptr_array_index (warnings, i), dirs[j]) != NULL)
        g_error ("unexpected warning: %s", (const gchar *) g_ptr_array_index (warnings, i));

  echo = jmp_registry_lookup (registry, "EchoNetwork");
  g_assert_true (echo != G_TYPE_INVALID);
  g_assert_true (jmp_registry_lookup (registry, "jumpstarter_driver_network.driver.EchoNetwork") == echo);
  g_assert_true (g_type_is_a (echo, JMP_TYPE_DRIVER));
  g_assert_true (g_type_is_a (echo, JMP_TYPE_NETWORK));

  plugins = jmp_registry_get_plugins (registry);
  for (guint i = 0; i < plugins->len; i++)
    {
      JmpPluginInfo *info = g_ptr_array_index (plugins, i);
      const gchar * const *types = jmp_plugin_info_get_types (info);

      if (types != NULL && g_strv_contains (types, "EchoNetwork"))
        {
          g_assert_null (jmp_plugin_info_get_error (info));
          found = TRUE;
        }
    }
  g_assert_true (found);
}

/* A description read back from another process: a round trip keeps every
 * field, and keys of the wrong type or missing are taken as empty. */
static void
test_from_variant (void)
{
  g_autoptr(JmpRegistry) registry = load_fixtures ();
  JmpPluginInfo *good = find_plugin (registry, "good.so");
  JmpPluginInfo *garbage = find_plugin (registry, "garbage.so");
  g_autoptr(GVariant) good_variant = g_variant_ref_sink (jmp_plugin_info_to_variant (good));
  g_autoptr(GVariant) garbage_variant = g_variant_ref_sink (jmp_plugin_info_to_variant (garbage));
  g_autoptr(JmpPluginInfo) copy = jmp_plugin_info_new_from_variant (good_variant);
  g_autoptr(JmpPluginInfo) skipped = jmp_plugin_info_new_from_variant (garbage_variant);
  g_autoptr(JmpPluginInfo) odd = NULL;
  g_autoptr(GVariant) odd_variant = NULL;
  GVariantDict dict;

  g_assert_cmpstr (jmp_plugin_info_get_filename (copy), ==, jmp_plugin_info_get_filename (good));
  g_assert_cmpstr (jmp_plugin_info_get_name (copy), ==, "good");
  g_assert_cmpstr (jmp_plugin_info_get_version (copy), ==, "1.2.3");
  g_assert_cmpstr (jmp_plugin_info_get_license (copy), ==, jmp_plugin_info_get_license (good));
  g_assert_cmpstrv (jmp_plugin_info_get_types (copy), jmp_plugin_info_get_types (good));
  g_assert_cmpstrv (jmp_plugin_info_get_aliases (copy), jmp_plugin_info_get_aliases (good));
  g_assert_null (jmp_plugin_info_get_error (copy));

  g_assert_nonnull (jmp_plugin_info_get_error (skipped));
  g_assert_cmpstr (jmp_plugin_info_get_error (skipped)->message, ==,
                   jmp_plugin_info_get_error (garbage)->message);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "name", "u", 7);
  g_variant_dict_insert (&dict, "types", "s", "not a list");
  g_variant_dict_insert (&dict, "error", "i", 1);
  odd_variant = g_variant_ref_sink (g_variant_dict_end (&dict));
  odd = jmp_plugin_info_new_from_variant (odd_variant);
  g_assert_cmpstr (jmp_plugin_info_get_filename (odd), ==, "");
  g_assert_null (jmp_plugin_info_get_name (odd));
  g_assert_cmpuint (g_strv_length ((gchar **) jmp_plugin_info_get_types (odd)), ==, 0);
  g_assert_null (jmp_plugin_info_get_error (odd));
}

int
main (int argc, char **argv)
{
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/registry/builtin", test_builtin);
  g_test_add_func ("/registry/add-type", test_add_type);
  g_test_add_func ("/registry/load-dir", test_load_dir);
  g_test_add_func ("/registry/rejected-types-stay-usable", test_rejected_types_stay_usable);
  g_test_add_func ("/registry/load-file-twice", test_load_file_twice);
  g_test_add_func ("/registry/same-plugin-twice", test_same_plugin_twice);
  g_test_add_func ("/registry/plugin-path-order", test_plugin_path_order);
  g_test_add_func ("/registry/plugin-system-path", test_plugin_system_path);
  g_test_add_func ("/registry/describe-all", test_describe_all);
  g_test_add_func ("/registry/describe-type", test_describe_type);
  g_test_add_func ("/registry/describe-unknown", test_describe_unknown);
  g_test_add_func ("/registry/to-variant", test_to_variant);
  g_test_add_func ("/registry/from-variant", test_from_variant);
  g_test_add_func ("/registry/network-plugin", test_network_plugin);

  return g_test_run ();
}
