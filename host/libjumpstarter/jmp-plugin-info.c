/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-error.h"
#include "jmp-plugin-info.h"
#include "jmp-registry-private.h"

/**
 * JmpPluginInfo:
 *
 * One plugin file as a #JmpRegistry saw it: the plugin's name, version,
 * description and license and the driver types and aliases it added, or,
 * when the file was skipped, the #GError saying why.
 *
 * This is what the host's `ListPlugins()` D-Bus method returns, one
 * dictionary per file (see jmp_plugin_info_to_variant()).
 */

struct _JmpPluginInfo
{
  GObject    parent_instance;

  gchar     *filename;
  gchar     *name;
  gchar     *version;
  gchar     *description;
  gchar     *license;
  GPtrArray *types;    /* NULL-terminated gchar* */
  GPtrArray *aliases;  /* NULL-terminated gchar* */
  GError    *error;
};

G_DEFINE_FINAL_TYPE (JmpPluginInfo, jmp_plugin_info, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILENAME,
  PROP_NAME,
  PROP_VERSION,
  PROP_DESCRIPTION,
  PROP_LICENSE,
  PROP_TYPES,
  PROP_ALIASES,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static GPtrArray *
strv_array_new (void)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (array, NULL);
  return array;
}

static void
strv_array_append (GPtrArray   *array,
                   const gchar *str)
{
  /* keep the trailing NULL so that ->pdata is a valid strv */
  g_ptr_array_insert (array, array->len - 1, g_strdup (str));
}

static void
jmp_plugin_info_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  JmpPluginInfo *self = JMP_PLUGIN_INFO (object);

  switch (prop_id)
    {
    case PROP_FILENAME:
      g_value_set_string (value, self->filename);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_VERSION:
      g_value_set_string (value, self->version);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_LICENSE:
      g_value_set_string (value, self->license);
      break;
    case PROP_TYPES:
      g_value_set_boxed (value, self->types->pdata);
      break;
    case PROP_ALIASES:
      g_value_set_boxed (value, self->aliases->pdata);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_plugin_info_finalize (GObject *object)
{
  JmpPluginInfo *self = JMP_PLUGIN_INFO (object);

  g_free (self->filename);
  g_free (self->name);
  g_free (self->version);
  g_free (self->description);
  g_free (self->license);
  g_ptr_array_unref (self->types);
  g_ptr_array_unref (self->aliases);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (jmp_plugin_info_parent_class)->finalize (object);
}

static void
jmp_plugin_info_class_init (JmpPluginInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = jmp_plugin_info_get_property;
  object_class->finalize = jmp_plugin_info_finalize;

  /**
   * JmpPluginInfo:filename:
   *
   * Path of the plugin file.
   */
  props[PROP_FILENAME] =
    g_param_spec_string ("filename", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * JmpPluginInfo:name:
   *
   * Short name of the plugin, %NULL when the file was skipped before its
   * descriptor could be read.
   */
  props[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * JmpPluginInfo:version:
   *
   * The plugin's version.
   */
  props[PROP_VERSION] =
    g_param_spec_string ("version", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * JmpPluginInfo:description:
   *
   * One line on what the plugin provides.
   */
  props[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * JmpPluginInfo:license:
   *
   * SPDX license identifier of the plugin.
   */
  props[PROP_LICENSE] =
    g_param_spec_string ("license", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * JmpPluginInfo:types:
   *
   * Primary names of the driver types the plugin added.
   */
  props[PROP_TYPES] =
    g_param_spec_boxed ("types", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * JmpPluginInfo:aliases:
   *
   * Aliases of those types, e.g. Jumpstarter's class paths.
   */
  props[PROP_ALIASES] =
    g_param_spec_boxed ("aliases", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * JmpPluginInfo:error:
   *
   * Why the file was skipped, %NULL when it was loaded.
   */
  props[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_plugin_info_init (JmpPluginInfo *self)
{
  self->types = strv_array_new ();
  self->aliases = strv_array_new ();
}

JmpPluginInfo *
jmp_plugin_info_new (const gchar *filename)
{
  JmpPluginInfo *self = g_object_new (JMP_TYPE_PLUGIN_INFO, NULL);

  self->filename = g_strdup (filename);
  return self;
}

static gchar *
dict_dup_string (GVariantDict *dict, const gchar *key)
{
  gchar *value = NULL;

  g_variant_dict_lookup (dict, key, "s", &value);
  return value;
}

static void
dict_foreach_string (GVariantDict  *dict,
                     const gchar   *key,
                     JmpPluginInfo *self,
                     void         (*add) (JmpPluginInfo *, const gchar *))
{
  g_autofree const gchar **strv = NULL;

  if (g_variant_dict_lookup (dict, key, "^a&s", &strv))
    for (gsize i = 0; strv[i] != NULL; i++)
      add (self, strv[i]);
}

/**
 * jmp_plugin_info_new_from_variant:
 * @info: an `a{sv}` dictionary as jmp_plugin_info_to_variant() makes it,
 *   e.g. one element of the host's `ListPlugins()` answer
 *
 * Reads a plugin's description back. Keys that are missing or of another
 * type are taken as empty: the dictionary comes from another process.
 *
 * Returns: (transfer full): a new #JmpPluginInfo
 */
JmpPluginInfo *
jmp_plugin_info_new_from_variant (GVariant *info)
{
  g_autoptr(GVariantDict) dict = NULL;
  g_autofree gchar *filename = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *version = NULL;
  g_autofree gchar *description = NULL;
  g_autofree gchar *license = NULL;
  g_autofree gchar *error = NULL;
  JmpPluginInfo *self;

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (info, G_VARIANT_TYPE_VARDICT), NULL);

  dict = g_variant_dict_new (info);
  filename = dict_dup_string (dict, "filename");
  self = jmp_plugin_info_new (filename != NULL ? filename : "");
  name = dict_dup_string (dict, "name");
  jmp_plugin_info_set_name (self, name);
  version = dict_dup_string (dict, "version");
  jmp_plugin_info_set_version (self, version);
  description = dict_dup_string (dict, "description");
  jmp_plugin_info_set_description (self, description);
  license = dict_dup_string (dict, "license");
  jmp_plugin_info_set_license (self, license);
  dict_foreach_string (dict, "types", self, jmp_plugin_info_add_type);
  dict_foreach_string (dict, "aliases", self, jmp_plugin_info_add_alias);
  error = dict_dup_string (dict, "error");
  if (error != NULL)
    {
      g_autoptr(GError) skipped = g_error_new_literal (JMP_ERROR, JMP_ERROR_FAILED, error);

      jmp_plugin_info_set_error (self, skipped);
    }
  return self;
}

static void
set_string (JmpPluginInfo  *self,
            gchar         **field,
            const gchar    *value,
            guint           prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), props[prop_id]);
}

void
jmp_plugin_info_set_name (JmpPluginInfo *self,
                          const gchar   *name)
{
  g_return_if_fail (JMP_IS_PLUGIN_INFO (self));
  set_string (self, &self->name, name, PROP_NAME);
}

void
jmp_plugin_info_set_version (JmpPluginInfo *self,
                             const gchar   *version)
{
  g_return_if_fail (JMP_IS_PLUGIN_INFO (self));
  set_string (self, &self->version, version, PROP_VERSION);
}

void
jmp_plugin_info_set_description (JmpPluginInfo *self,
                                 const gchar   *description)
{
  g_return_if_fail (JMP_IS_PLUGIN_INFO (self));
  set_string (self, &self->description, description, PROP_DESCRIPTION);
}

void
jmp_plugin_info_set_license (JmpPluginInfo *self,
                             const gchar   *license)
{
  g_return_if_fail (JMP_IS_PLUGIN_INFO (self));
  set_string (self, &self->license, license, PROP_LICENSE);
}

void
jmp_plugin_info_add_type (JmpPluginInfo *self,
                          const gchar   *name)
{
  g_return_if_fail (JMP_IS_PLUGIN_INFO (self));
  g_return_if_fail (name != NULL);
  strv_array_append (self->types, name);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TYPES]);
}

void
jmp_plugin_info_add_alias (JmpPluginInfo *self,
                           const gchar   *alias)
{
  g_return_if_fail (JMP_IS_PLUGIN_INFO (self));
  g_return_if_fail (alias != NULL);
  strv_array_append (self->aliases, alias);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ALIASES]);
}

void
jmp_plugin_info_set_error (JmpPluginInfo *self,
                           const GError  *error)
{
  g_return_if_fail (JMP_IS_PLUGIN_INFO (self));
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
}

/**
 * jmp_plugin_info_get_filename:
 * @self: a #JmpPluginInfo
 *
 * Gets the plugin's file.
 *
 * Returns: path of the plugin file
 */
const gchar *
jmp_plugin_info_get_filename (JmpPluginInfo *self)
{
  g_return_val_if_fail (JMP_IS_PLUGIN_INFO (self), NULL);
  return self->filename;
}

/**
 * jmp_plugin_info_get_name:
 * @self: a #JmpPluginInfo
 *
 * Gets the plugin's name.
 *
 * Returns: (nullable): short name of the plugin, %NULL if the file was
 *   skipped before its descriptor was read
 */
const gchar *
jmp_plugin_info_get_name (JmpPluginInfo *self)
{
  g_return_val_if_fail (JMP_IS_PLUGIN_INFO (self), NULL);
  return self->name;
}

/**
 * jmp_plugin_info_get_version:
 * @self: a #JmpPluginInfo
 *
 * Gets the plugin's version.
 *
 * Returns: (nullable): the plugin's version
 */
const gchar *
jmp_plugin_info_get_version (JmpPluginInfo *self)
{
  g_return_val_if_fail (JMP_IS_PLUGIN_INFO (self), NULL);
  return self->version;
}

/**
 * jmp_plugin_info_get_description:
 * @self: a #JmpPluginInfo
 *
 * Gets the plugin's description.
 *
 * Returns: (nullable): one line on what the plugin provides
 */
const gchar *
jmp_plugin_info_get_description (JmpPluginInfo *self)
{
  g_return_val_if_fail (JMP_IS_PLUGIN_INFO (self), NULL);
  return self->description;
}

/**
 * jmp_plugin_info_get_license:
 * @self: a #JmpPluginInfo
 *
 * Gets the plugin's license.
 *
 * Returns: (nullable): SPDX license identifier of the plugin
 */
const gchar *
jmp_plugin_info_get_license (JmpPluginInfo *self)
{
  g_return_val_if_fail (JMP_IS_PLUGIN_INFO (self), NULL);
  return self->license;
}

/**
 * jmp_plugin_info_get_types:
 * @self: a #JmpPluginInfo
 *
 * Gets the driver types the plugin added.
 *
 * Returns: (transfer none) (array zero-terminated=1): primary names of the
 *   driver types the plugin added, in the order it added them; empty when
 *   the file was skipped
 */
const gchar * const *
jmp_plugin_info_get_types (JmpPluginInfo *self)
{
  g_return_val_if_fail (JMP_IS_PLUGIN_INFO (self), NULL);
  return (const gchar * const *) self->types->pdata;
}

/**
 * jmp_plugin_info_get_aliases:
 * @self: a #JmpPluginInfo
 *
 * Gets the aliases of the plugin's driver types.
 *
 * Returns: (transfer none) (array zero-terminated=1): aliases of the
 *   plugin's types
 */
const gchar * const *
jmp_plugin_info_get_aliases (JmpPluginInfo *self)
{
  g_return_val_if_fail (JMP_IS_PLUGIN_INFO (self), NULL);
  return (const gchar * const *) self->aliases->pdata;
}

/**
 * jmp_plugin_info_get_error:
 * @self: a #JmpPluginInfo
 *
 * Gets why the plugin file was skipped.
 *
 * Returns: (nullable) (transfer none): why the file was skipped, %NULL if
 *   it was loaded
 */
const GError *
jmp_plugin_info_get_error (JmpPluginInfo *self)
{
  g_return_val_if_fail (JMP_IS_PLUGIN_INFO (self), NULL);
  return self->error;
}

/**
 * jmp_plugin_info_to_variant:
 * @self: a #JmpPluginInfo
 *
 * Describes the plugin file as an `a{sv}` dictionary with the keys
 * `filename`, `name`, `version`, `description`, `license` (strings, empty
 * when unknown), `types` and `aliases` (string arrays), and `error` (a
 * string) only when the file was skipped.
 *
 * Returns: (transfer floating): a dictionary of type `a{sv}`
 */
GVariant *
jmp_plugin_info_to_variant (JmpPluginInfo *self)
{
  GVariantDict dict;
  g_autofree gchar *display_name = NULL;

  g_return_val_if_fail (JMP_IS_PLUGIN_INFO (self), NULL);

  g_variant_dict_init (&dict, NULL);
  /* file names need not be UTF-8; D-Bus strings must be */
  display_name = g_filename_display_name (self->filename != NULL ? self->filename : "");
  g_variant_dict_insert (&dict, "filename", "s", display_name);
  g_variant_dict_insert (&dict, "name", "s",
                         self->name != NULL ? self->name : "");
  g_variant_dict_insert (&dict, "version", "s",
                         self->version != NULL ? self->version : "");
  g_variant_dict_insert (&dict, "description", "s",
                         self->description != NULL ? self->description : "");
  g_variant_dict_insert (&dict, "license", "s",
                         self->license != NULL ? self->license : "");
  g_variant_dict_insert_value (&dict, "types",
                               g_variant_new_strv ((const gchar * const *) self->types->pdata, -1));
  g_variant_dict_insert_value (&dict, "aliases",
                               g_variant_new_strv ((const gchar * const *) self->aliases->pdata, -1));
  if (self->error != NULL)
    g_variant_dict_insert (&dict, "error", "s", self->error->message);

  return g_variant_dict_end (&dict);
}
