/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Human-readable descriptions of a registry's plugins and driver types,
 * read from the plugin descriptors and the types' GParamSpecs, for
 * `jmp inspect` and `jumpstarter-host --inspect`.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "jmp-driver.h"
#include "jmp-driver-method-private.h"
#include "jmp-error.h"
#include "jmp-registry.h"
#include "jmp-registry-private.h"

#define KEY_WIDTH 22

/* "  Label:       value": labels are translated, so pad by characters */
static void
append_field (GString     *out,
              const gchar *label,
              const gchar *value)
{
  glong len = g_utf8_strlen (label, -1);

  g_string_append_printf (out, "  %s", label);
  for (glong i = len; i < 14; i++)
    g_string_append_c (out, ' ');
  g_string_append_printf (out, " %s\n", value != NULL && *value != '\0' ? value : "-");
}

static void
append_type_line (GString     *out,
                  JmpRegistry *registry,
                  const gchar *name)
{
  g_auto(GStrv) aliases = jmp_registry_get_aliases (registry, name);

  g_string_append_printf (out, "    %s", name);
  if (aliases != NULL && aliases[0] != NULL)
    {
      g_autofree gchar *joined = g_strjoinv (", ", aliases);

      g_string_append_printf (out, " (%s)", joined);
    }
  g_string_append_c (out, '\n');
}

static gchar *
describe_all (JmpRegistry *registry)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) plugins = jmp_registry_get_plugins (registry);
  g_auto(GStrv) types = jmp_registry_list_types (registry);
  guint n_loaded = 0;
  guint n_skipped = 0;
  guint n_builtin = 0;

  for (guint i = 0; i < plugins->len; i++)
    {
      JmpPluginInfo *info = g_ptr_array_index (plugins, i);
      const gchar * const *plugin_types = jmp_plugin_info_get_types (info);
      const gchar *description;
      g_autofree gchar *filename = NULL;

      if (jmp_plugin_info_get_error (info) != NULL)
        continue;
      n_loaded++;
      filename = g_filename_display_name (jmp_plugin_info_get_filename (info));

      g_string_append_printf (out, "%s %s\n", jmp_plugin_info_get_name (info),
                              jmp_plugin_info_get_version (info) != NULL ?
                              jmp_plugin_info_get_version (info) : "");
      append_field (out, _("File:"), filename);
      description = jmp_plugin_info_get_description (info);
      /* our plugins mark theirs with N_(); another plugin's stays as written */
      append_field (out, _("Description:"),
                    description != NULL && *description != '\0' ? _(description) : NULL);
      append_field (out, _("License:"), jmp_plugin_info_get_license (info));
      g_string_append_printf (out, "  %s\n", _("Types:"));
      if (plugin_types[0] == NULL)
        g_string_append_printf (out, "    %s\n", _("(none)"));
      for (gsize j = 0; plugin_types[j] != NULL; j++)
        append_type_line (out, registry, plugin_types[j]);
      g_string_append_c (out, '\n');
    }

  for (gsize i = 0; types[i] != NULL; i++)
    {
      if (jmp_registry_get_type_plugin (registry, types[i]) != NULL)
        continue;
      if (n_builtin++ == 0)
        g_string_append_printf (out, "%s\n  %s\n", _("Built-in"), _("Types:"));
      append_type_line (out, registry, types[i]);
    }
  if (n_builtin > 0)
    g_string_append_c (out, '\n');

  for (guint i = 0; i < plugins->len; i++)
    {
      JmpPluginInfo *info = g_ptr_array_index (plugins, i);
      const GError *error = jmp_plugin_info_get_error (info);
      g_autofree gchar *filename = NULL;
      g_autofree gchar *prefix = NULL;

      if (error == NULL)
        continue;
      n_skipped++;
      filename = g_filename_display_name (jmp_plugin_info_get_filename (info));
      /* TRANSLATORS: a plugin file that could not be loaded */
      g_string_append_printf (out, _("Skipped %s"), filename);
      g_string_append_c (out, '\n');
      /* the message starts with the file name, already on the line above */
      prefix = g_strdup_printf ("%s: ", filename);
      append_field (out, _("Reason:"),
                    g_str_has_prefix (error->message, prefix) ?
                    error->message + strlen (prefix) : error->message);
      g_string_append_c (out, '\n');
    }

  /* TRANSLATORS: the totals at the end of `jmp inspect` */
  g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "Total: %u plugin", "Total: %u plugins", n_loaded),
                          n_loaded);
  g_string_append (out, ", ");
  g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%u type", "%u types", g_strv_length (types)),
                          g_strv_length (types));
  if (n_skipped > 0)
    {
      g_string_append (out, ", ");
      g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%u skipped file", "%u skipped files", n_skipped),
                              n_skipped);
    }
  g_string_append_c (out, '\n');

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Whether [min, max] is the whole range of the value type, which is not
 * worth printing. */
static gboolean
is_full_range (GParamSpec *pspec)
{
  if (G_IS_PARAM_SPEC_INT (pspec))
    return G_PARAM_SPEC_INT (pspec)->minimum == G_MININT &&
           G_PARAM_SPEC_INT (pspec)->maximum == G_MAXINT;
  if (G_IS_PARAM_SPEC_UINT (pspec))
    return G_PARAM_SPEC_UINT (pspec)->minimum == 0 &&
           G_PARAM_SPEC_UINT (pspec)->maximum == G_MAXUINT;
  if (G_IS_PARAM_SPEC_LONG (pspec))
    return G_PARAM_SPEC_LONG (pspec)->minimum == G_MINLONG &&
           G_PARAM_SPEC_LONG (pspec)->maximum == G_MAXLONG;
  if (G_IS_PARAM_SPEC_ULONG (pspec))
    return G_PARAM_SPEC_ULONG (pspec)->minimum == 0 &&
           G_PARAM_SPEC_ULONG (pspec)->maximum == G_MAXULONG;
  if (G_IS_PARAM_SPEC_INT64 (pspec))
    return G_PARAM_SPEC_INT64 (pspec)->minimum == G_MININT64 &&
           G_PARAM_SPEC_INT64 (pspec)->maximum == G_MAXINT64;
  if (G_IS_PARAM_SPEC_UINT64 (pspec))
    return G_PARAM_SPEC_UINT64 (pspec)->minimum == 0 &&
           G_PARAM_SPEC_UINT64 (pspec)->maximum == G_MAXUINT64;
  if (G_IS_PARAM_SPEC_DOUBLE (pspec))
    return G_PARAM_SPEC_DOUBLE (pspec)->minimum <= -G_MAXDOUBLE &&
           G_PARAM_SPEC_DOUBLE (pspec)->maximum >= G_MAXDOUBLE;
  if (G_IS_PARAM_SPEC_FLOAT (pspec))
    return G_PARAM_SPEC_FLOAT (pspec)->minimum <= -G_MAXFLOAT &&
           G_PARAM_SPEC_FLOAT (pspec)->maximum >= G_MAXFLOAT;
  return TRUE;
}

static gchar *
format_range (GParamSpec *pspec)
{
  g_autofree gchar *min = NULL;
  g_autofree gchar *max = NULL;

  if (is_full_range (pspec))
    return NULL;

#define BOUNDS(fmt, spec) \
  G_STMT_START { \
    min = g_strdup_printf ("%" fmt, spec (pspec)->minimum); \
    max = g_strdup_printf ("%" fmt, spec (pspec)->maximum); \
  } G_STMT_END
  if (G_IS_PARAM_SPEC_INT (pspec))
    BOUNDS ("d", G_PARAM_SPEC_INT);
  else if (G_IS_PARAM_SPEC_UINT (pspec))
    BOUNDS ("u", G_PARAM_SPEC_UINT);
  else if (G_IS_PARAM_SPEC_LONG (pspec))
    BOUNDS ("ld", G_PARAM_SPEC_LONG);
  else if (G_IS_PARAM_SPEC_ULONG (pspec))
    BOUNDS ("lu", G_PARAM_SPEC_ULONG);
  else if (G_IS_PARAM_SPEC_INT64 (pspec))
    BOUNDS (G_GINT64_FORMAT, G_PARAM_SPEC_INT64);
  else if (G_IS_PARAM_SPEC_UINT64 (pspec))
    BOUNDS (G_GUINT64_FORMAT, G_PARAM_SPEC_UINT64);
  else if (G_IS_PARAM_SPEC_DOUBLE (pspec))
    BOUNDS ("g", G_PARAM_SPEC_DOUBLE);
  else if (G_IS_PARAM_SPEC_FLOAT (pspec))
    BOUNDS ("g", G_PARAM_SPEC_FLOAT);
  else
    return NULL;
#undef BOUNDS

  /* TRANSLATORS: a range of numbers, "1 – 65535" */
  return g_strdup_printf (_("%s – %s"), min, max);
}

static gchar *
format_flags (GFlagsClass *klass,
              guint        value)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    {
      GFlagsValue *v = &klass->values[i];

      if (v->value == 0)
        {
          if (value == 0)
            return g_strdup (v->value_nick);
          continue;
        }
      if ((value & v->value) == v->value)
        {
          if (out->len > 0)
            g_string_append (out, " | ");
          g_string_append (out, v->value_nick);
          value &= ~v->value;
        }
    }
  if (out->len == 0)
    return g_strdup ("0");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The default as a config file would spell it; NULL when it says nothing */
static gchar *
format_default (GParamSpec *pspec)
{
  const GValue *value = g_param_spec_get_default_value (pspec);
  GType type = G_VALUE_TYPE (value);

  if (type == G_TYPE_BOOLEAN)
    return g_strdup (g_value_get_boolean (value) ? "true" : "false");
  if (type == G_TYPE_INT)
    return g_strdup_printf ("%d", g_value_get_int (value));
  if (type == G_TYPE_UINT)
    return g_strdup_printf ("%u", g_value_get_uint (value));
  if (type == G_TYPE_LONG)
    return g_strdup_printf ("%ld", g_value_get_long (value));
  if (type == G_TYPE_ULONG)
    return g_strdup_printf ("%lu", g_value_get_ulong (value));
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, g_value_get_int64 (value));
  if (type == G_TYPE_UINT64)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, g_value_get_uint64 (value));
  if (type == G_TYPE_DOUBLE)
    return g_strdup_printf ("%g", g_value_get_double (value));
  if (type == G_TYPE_FLOAT)
    return g_strdup_printf ("%g", (gdouble) g_value_get_float (value));
  if (type == G_TYPE_STRING)
    return g_value_get_string (value) != NULL ?
      g_strdup_printf ("\"%s\"", g_value_get_string (value)) : NULL;
  if (G_TYPE_IS_ENUM (type))
    {
      GEnumValue *v = g_enum_get_value (G_PARAM_SPEC_ENUM (pspec)->enum_class,
                                        g_value_get_enum (value));

      return v != NULL ? g_strdup (v->value_nick)
                       : g_strdup_printf ("%d", g_value_get_enum (value));
    }
  if (G_TYPE_IS_FLAGS (type))
    return format_flags (G_PARAM_SPEC_FLAGS (pspec)->flags_class,
                         g_value_get_flags (value));
  return NULL;
}

static const gchar *
value_kind (GParamSpec *pspec)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
      return _("Boolean");
    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_LONG:
    case G_TYPE_ULONG:
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
      return _("Integer");
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
      return _("Number");
    case G_TYPE_STRING:
      return _("String");
    case G_TYPE_ENUM:
      return _("Enum");
    case G_TYPE_FLAGS:
      return _("Flags");
    default:
      break;
    }
  if (type == G_TYPE_STRV)
    return _("List of strings");
  if (type == G_TYPE_HASH_TABLE)
    return _("Map of strings");
  if (g_type_is_a (type, G_TYPE_OBJECT))
    return _("Object");
  return g_type_name (type);
}

static void
append_key (GString    *out,
            GParamSpec *pspec)
{
  g_autofree gchar *key = g_strdelimit (g_strdup (g_param_spec_get_name (pspec)), "-", '_');
  g_autofree gchar *range = format_range (pspec);
  g_autofree gchar *def = format_default (pspec);
  const gchar *blurb = g_param_spec_get_blurb (pspec);
  glong len = g_utf8_strlen (key, -1);

  g_string_append_printf (out, "  %s", key);
  if (len >= KEY_WIDTH)
    g_string_append_printf (out, "\n  %*s", KEY_WIDTH, "");
  else
    g_string_append_printf (out, "%*s", (int) (KEY_WIDTH - len), "");

  g_string_append_printf (out, " %s.", value_kind (pspec));
  if (g_type_is_a (G_PARAM_SPEC_VALUE_TYPE (pspec), G_TYPE_OBJECT))
    g_string_append_printf (out, " %s.", g_type_name (G_PARAM_SPEC_VALUE_TYPE (pspec)));
  if (range != NULL)
    {
      g_string_append_c (out, ' ');
      g_string_append_printf (out, _("Range: %s."), range);
    }
  if (def != NULL)
    {
      g_string_append_c (out, ' ');
      g_string_append_printf (out, _("Default: %s"), def);
    }
  g_string_append_c (out, '\n');

  if (blurb != NULL && *blurb != '\0' && g_strcmp0 (blurb, g_param_spec_get_nick (pspec)) != 0)
    g_string_append_printf (out, "  %*s %s\n", KEY_WIDTH, "", blurb);

  /* every accepted value, as gst-inspect-1.0 lists them */
  if (G_IS_PARAM_SPEC_ENUM (pspec))
    {
      GEnumClass *klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;

      for (guint i = 0; i < klass->n_values; i++)
        g_string_append_printf (out, "  %*s   %-16s %s\n", KEY_WIDTH, "",
                                klass->values[i].value_nick, klass->values[i].value_name);
    }
  else if (G_IS_PARAM_SPEC_FLAGS (pspec))
    {
      GFlagsClass *klass = G_PARAM_SPEC_FLAGS (pspec)->flags_class;

      for (guint i = 0; i < klass->n_values; i++)
        g_string_append_printf (out, "  %*s   %-16s %s\n", KEY_WIDTH, "",
                                klass->values[i].value_nick, klass->values[i].value_name);
    }
}

/* The most derived type's keys first, then its parents'; by name within. */
static gint
compare_pspecs (gconstpointer a,
                gconstpointer b)
{
  GParamSpec *pa = *(GParamSpec * const *) a;
  GParamSpec *pb = *(GParamSpec * const *) b;
  guint da = g_type_depth (pa->owner_type);
  guint db = g_type_depth (pb->owner_type);

  if (da != db)
    return da > db ? -1 : 1;
  return g_strcmp0 (g_param_spec_get_name (pa), g_param_spec_get_name (pb));
}

/* The methods and state the type declared, per D-Bus interface, as
 * `jmp DRIVER --help` lists them. */
static void
append_declared (GString *out, GType type)
{
  GPtrArray *ifaces = jmp_driver_type_get_interfaces (type);

  for (guint i = 0; i < ifaces->len; i++)
    {
      JmpDriverInterface *iface = g_ptr_array_index (ifaces, i);

      g_string_append_printf (out, "\n%s %s\n", _("D-Bus interface:"), iface->name);
      if (iface->methods->len > 0)
        g_string_append_printf (out, "  %s\n", _("Methods:"));
      for (guint j = 0; j < iface->methods->len; j++)
        {
          JmpDriverMethod *method = g_ptr_array_index (iface->methods, j);
          g_autofree gchar *usage = jmp_driver_method_get_usage (method);
          g_autofree gchar *sig = g_strdup_printf ("%s → %s",
                                                   jmp_driver_method_get_in_signature (method),
                                                   jmp_driver_method_get_out_signature (method));

          g_string_append_printf (out, "    %-18s %-14s %s\n", usage, sig,
                                  jmp_driver_method_get_help (method));
        }
      if (iface->properties->len > 0)
        g_string_append_printf (out, "  %s\n", _("State:"));
      for (guint j = 0; j < iface->properties->len; j++)
        {
          GParamSpec *pspec = g_ptr_array_index (iface->properties, j);
          g_autofree gchar *name = g_strdup_printf ("%s (%s)", pspec->name,
                                                    jmp_driver_property_signature (pspec));

          g_string_append_printf (out, "    %-18s %s\n", name, g_param_spec_get_blurb (pspec) ?: "");
        }
    }
}

static gchar *
describe_type (JmpRegistry  *registry,
               const gchar  *type_name,
               GError      **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) hierarchy = g_string_new (NULL);
  g_autoptr(GPtrArray) ancestors = g_ptr_array_new ();
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GPtrArray) caps = g_ptr_array_new ();
  g_autoptr(GTypeClass) klass = NULL;
  g_autofree GType *ifaces = NULL;
  g_autofree GParamSpec **pspecs = NULL;
  g_auto(GStrv) aliases = NULL;
  g_autofree gchar *alias_list = NULL;
  g_autofree gchar *plugin_line = NULL;
  JmpPluginInfo *plugin;
  const gchar *name;
  GType type;
  guint n_ifaces = 0;
  guint n_pspecs = 0;

  type = jmp_registry_lookup (registry, type_name);
  if (type == G_TYPE_INVALID)
    {
      g_auto(GStrv) known = jmp_registry_list_types (registry);
      g_autofree gchar *joined = g_strjoinv (", ", known);

      g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                   _("no driver type \"%s\"; known types: %s"), type_name, joined);
      return NULL;
    }

  name = jmp_registry_get_type_name (registry, type);
  aliases = jmp_registry_get_aliases (registry, name);
  alias_list = g_strjoinv (", ", aliases);
  plugin = jmp_registry_get_type_plugin (registry, name);
  if (plugin != NULL)
    {
      g_autofree gchar *filename = g_filename_display_name (jmp_plugin_info_get_filename (plugin));

      plugin_line = g_strdup_printf ("%s %s (%s)", jmp_plugin_info_get_name (plugin),
                                     jmp_plugin_info_get_version (plugin) != NULL ?
                                     jmp_plugin_info_get_version (plugin) : "",
                                     filename);
    }
  else
    {
      plugin_line = g_strdup (_("built-in"));
    }

  ifaces = g_type_interfaces (type, &n_ifaces);
  for (guint i = 0; i < n_ifaces; i++)
    {
      /* capabilities are the SDK's interfaces, not GInitable and the like */
      if (g_str_has_prefix (g_type_name (ifaces[i]), "Jmp"))
        g_ptr_array_add (caps, (gpointer) g_type_name (ifaces[i]));
    }
  g_ptr_array_add (caps, NULL);

  for (GType t = type; t != G_TYPE_INVALID; t = g_type_parent (t))
    g_ptr_array_insert (ancestors, 0, (gpointer) g_type_name (t));
  for (guint i = 0; i < ancestors->len; i++)
    {
      if (i > 0)
        g_string_append (hierarchy, " → ");
      g_string_append (hierarchy, g_ptr_array_index (ancestors, i));
    }

  append_field (out, _("Driver type:"), name);
  append_field (out, _("GType:"), g_type_name (type));
  append_field (out, _("Aliases:"), alias_list);
  append_field (out, _("Plugin:"), plugin_line);
  if (caps->len > 1)
    {
      g_autofree gchar *cap_list = g_strjoinv (", ", (gchar **) caps->pdata);

      append_field (out, _("Capabilities:"), cap_list);
    }
  else
    {
      append_field (out, _("Capabilities:"), _("(none)"));
    }
  append_field (out, _("Hierarchy:"), hierarchy->str);

  klass = g_type_class_ref (type);
  pspecs = g_object_class_list_properties (G_OBJECT_CLASS (klass), &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];

      if ((pspec->flags & G_PARAM_WRITABLE) == 0 ||
          (pspec->flags & G_PARAM_DEPRECATED) != 0 ||
          pspec->owner_type == G_TYPE_OBJECT)
        continue;
      /* a driver's name comes from its key under `export:` */
      if (g_strcmp0 (g_param_spec_get_name (pspec), "name") == 0)
        continue;
      g_ptr_array_add (keys, pspec);
    }
  g_ptr_array_sort (keys, compare_pspecs);

  g_string_append_printf (out, "\n%s\n", _("Config keys:"));
  if (keys->len == 0)
    g_string_append_printf (out, "  %s\n", _("(none)"));
  for (guint i = 0; i < keys->len; i++)
    append_key (out, g_ptr_array_index (keys, i));

  append_declared (out, type);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * jmp_registry_describe:
 * @self: a #JmpRegistry
 * @type_name: (nullable): a type name or alias, or %NULL for everything
 * @error: return location for a #GError
 *
 * Describes the registry for people, as `gst-inspect-1.0` does.
 *
 * Without @type_name: every loaded plugin with its version, file,
 * description, license and types (with their aliases), the built-in types,
 * and every skipped file with the reason.
 *
 * With @type_name: the type's names, GType, plugin, capability interfaces
 * and its config keys as they are spelled in a config file
 * (`enable_address`), with their value type, range, default, accepted
 * values and description, read from its GParamSpecs.
 *
 * Returns: (transfer full): the text, or %NULL with %JMP_ERROR_NOT_FOUND if
 *   @type_name is not known
 */
gchar *
jmp_registry_describe (JmpRegistry  *self,
                       const gchar  *type_name,
                       GError      **error)
{
  g_return_val_if_fail (JMP_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (type_name == NULL)
    return describe_all (self);
  return describe_type (self, type_name, error);
}
