/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <gmodule.h>

#include "jmp-composite.h"
#include "jmp-driver.h"
#include "jmp-error.h"
#include "jmp-plugin.h"
#include "jmp-registry.h"
#include "jmp-registry-private.h"

/**
 * JmpRegistry:
 *
 * The driver types a host knows, by name: the built-in `Composite` and the
 * types that plugins add when they are loaded.
 *
 * Plugins are shared objects found in the entries of
 * `$JUMPSTARTER_PLUGIN_PATH` (colon-separated) and then in the installed
 * plugin directory (see jmp_registry_load_default()). Each one exports
 * %JMP_PLUGIN_ENTRY_SYMBOL, defined with JMP_PLUGIN_DEFINE(), whose register
 * function adds its types with jmp_registry_add_type().
 *
 * A plugin contributes all of its types or none: if one of its names is
 * already taken, or its register function fails, nothing it added is
 * kept and the file is recorded as skipped, with the reason, in its
 * #JmpPluginInfo. The first plugin to claim a type name, or a plugin name,
 * wins; later ones are skipped with a warning. A loaded plugin is never
 * unloaded.
 */

typedef struct {
  gchar         *name;
  GType          type;
  GPtrArray     *aliases;  /* gchar* */
  JmpPluginInfo *plugin;   /* (nullable): NULL for a built-in type */
} TypeEntry;

/* The file being loaded: what its register function added so far. */
typedef struct {
  JmpPluginInfo *info;
  GPtrArray     *pending;  /* TypeEntry* */
  GError        *error;    /* the first jmp_registry_add_type() failure */
} LoadState;

struct _JmpRegistry
{
  GObject     parent_instance;

  GPtrArray  *entries;  /* TypeEntry*, owned */
  GHashTable *names;    /* type name or alias → TypeEntry* */
  GHashTable *by_type;  /* GType → TypeEntry* */
  GPtrArray  *plugins;  /* JmpPluginInfo*, in load order */
  GHashTable *files;    /* real path → JmpPluginInfo* */
  LoadState  *load;     /* (nullable): set while a register function runs */
  gboolean    loading_installed;  /* the installed directory is being read */
  gboolean    shadowed;           /* the last file was an installed copy of a
                                   * plugin already loaded from elsewhere */
};

G_DEFINE_FINAL_TYPE (JmpRegistry, jmp_registry, G_TYPE_OBJECT)

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

static void
type_entry_free (TypeEntry *entry)
{
  g_free (entry->name);
  g_ptr_array_unref (entry->aliases);
  g_clear_object (&entry->plugin);
  g_free (entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TypeEntry, type_entry_free)

static void
jmp_registry_finalize (GObject *object)
{
  JmpRegistry *self = JMP_REGISTRY (object);

  g_hash_table_unref (self->names);
  g_hash_table_unref (self->by_type);
  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->plugins);
  g_hash_table_unref (self->files);

  G_OBJECT_CLASS (jmp_registry_parent_class)->finalize (object);
}

static void
jmp_registry_class_init (JmpRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = jmp_registry_finalize;
}

static void
jmp_registry_init (JmpRegistry *self)
{
  static const gchar * const composite_aliases[] = {
    "jumpstarter_driver_composite.driver.Composite", NULL
  };
  g_autoptr(GError) error = NULL;

  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) type_entry_free);
  self->names = g_hash_table_new (g_str_hash, g_str_equal);
  self->by_type = g_hash_table_new (NULL, NULL);
  self->plugins = g_ptr_array_new_with_free_func (g_object_unref);
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  if (!jmp_registry_add_type (self, "Composite", JMP_TYPE_COMPOSITE,
                              composite_aliases, &error))
    g_critical ("Cannot register the built-in Composite driver: %s", error->message);
}

/**
 * jmp_registry_new:
 *
 * Creates a registry that knows the built-in `Composite` driver (alias
 * `jumpstarter_driver_composite.driver.Composite`) and nothing else yet.
 *
 * Returns: (transfer full): a new #JmpRegistry
 */
JmpRegistry *
jmp_registry_new (void)
{
  return g_object_new (JMP_TYPE_REGISTRY, NULL);
}

/* A name is used in config files (`type: …`) and on D-Bus: printable,
 * non-empty UTF-8 without blanks. */
static gboolean
check_name (const gchar  *name,
            const gchar  *what,
            GError      **error)
{
  if (name == NULL || *name == '\0')
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s is empty"), what);
      return FALSE;
    }
  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s is not valid UTF-8"), what);
      return FALSE;
    }
  for (const gchar *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s \"%s\" contains a blank or control character"),
                       what, name);
          return FALSE;
        }
    }
  return TRUE;
}

static gchar *
describe_owner (TypeEntry *entry)
{
  if (entry->plugin == NULL)
    return g_strdup (_("libjumpstarter (built-in)"));
  return g_filename_display_name (jmp_plugin_info_get_filename (entry->plugin));
}

/* Returns the committed or pending entry that holds @name. */
static TypeEntry *
find_name (JmpRegistry *self,
           const gchar *name)
{
  TypeEntry *entry = g_hash_table_lookup (self->names, name);

  if (entry != NULL || self->load == NULL)
    return entry;

  for (guint i = 0; i < self->load->pending->len; i++)
    {
      TypeEntry *pending = g_ptr_array_index (self->load->pending, i);

      if (g_strcmp0 (pending->name, name) == 0)
        return pending;
      for (guint j = 0; j < pending->aliases->len; j++)
        if (g_strcmp0 (g_ptr_array_index (pending->aliases, j), name) == 0)
          return pending;
    }
  return NULL;
}

static TypeEntry *
find_type (JmpRegistry *self,
           GType        type)
{
  TypeEntry *entry = g_hash_table_lookup (self->by_type, GSIZE_TO_POINTER (type));

  if (entry != NULL || self->load == NULL)
    return entry;

  for (guint i = 0; i < self->load->pending->len; i++)
    {
      TypeEntry *pending = g_ptr_array_index (self->load->pending, i);

      if (pending->type == type)
        return pending;
    }
  return NULL;
}

static gboolean
check_free (JmpRegistry  *self,
            const gchar  *name,
            gboolean      is_alias,
            GError      **error)
{
  TypeEntry *taker = find_name (self, name);
  g_autofree gchar *owner = NULL;

  if (taker == NULL)
    return TRUE;

  owner = describe_owner (taker);
  if (is_alias)
    g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                 _("alias \"%s\" is already registered by %s"), name, owner);
  else
    g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                 _("type name \"%s\" is already registered by %s"), name, owner);
  return FALSE;
}

static void
commit_entry (JmpRegistry *self,
              TypeEntry   *entry)
{
  g_hash_table_insert (self->names, entry->name, entry);
  for (guint i = 0; i < entry->aliases->len; i++)
    g_hash_table_insert (self->names, g_ptr_array_index (entry->aliases, i), entry);
  g_hash_table_insert (self->by_type, GSIZE_TO_POINTER (entry->type), entry);

  if (entry->plugin != NULL)
    {
      jmp_plugin_info_add_type (entry->plugin, entry->name);
      for (guint i = 0; i < entry->aliases->len; i++)
        jmp_plugin_info_add_alias (entry->plugin, g_ptr_array_index (entry->aliases, i));
    }
  g_ptr_array_add (self->entries, entry);
}

static gboolean
add_type (JmpRegistry         *self,
          const gchar         *name,
          GType                type,
          const gchar * const *aliases,
          GError             **error)
{
  g_autoptr(TypeEntry) entry = NULL;
  TypeEntry *taker;

  if (!check_name (name, _("Type name"), error))
    return FALSE;

  if (type == G_TYPE_INVALID || !g_type_is_a (type, JMP_TYPE_DRIVER))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("type \"%s\": %s is not a JmpDriver"),
                   name, type == G_TYPE_INVALID ? "G_TYPE_INVALID" : g_type_name (type));
      return FALSE;
    }
  if (!G_TYPE_IS_INSTANTIATABLE (type) || G_TYPE_IS_ABSTRACT (type))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("type \"%s\": %s is abstract"), name, g_type_name (type));
      return FALSE;
    }

  if (!check_free (self, name, FALSE, error))
    return FALSE;

  taker = find_type (self, type);
  if (taker != NULL)
    {
      g_autofree gchar *owner = describe_owner (taker);

      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("type \"%s\": %s is already registered as \"%s\" by %s"),
                   name, g_type_name (type), taker->name, owner);
      return FALSE;
    }

  entry = g_new0 (TypeEntry, 1);
  entry->name = g_strdup (name);
  entry->type = type;
  entry->aliases = g_ptr_array_new_with_free_func (g_free);
  if (self->load != NULL)
    entry->plugin = g_object_ref (self->load->info);

  for (gsize i = 0; aliases != NULL && aliases[i] != NULL; i++)
    {
      const gchar *alias = aliases[i];
      gboolean seen = g_strcmp0 (alias, name) == 0;

      for (guint j = 0; !seen && j < entry->aliases->len; j++)
        seen = g_strcmp0 (alias, g_ptr_array_index (entry->aliases, j)) == 0;
      if (seen)
        continue;

      if (!check_name (alias, _("Alias"), error) ||
          !check_free (self, alias, TRUE, error))
        return FALSE;
      g_ptr_array_add (entry->aliases, g_strdup (alias));
    }

  if (self->load != NULL)
    g_ptr_array_add (self->load->pending, g_steal_pointer (&entry));
  else
    commit_entry (self, g_steal_pointer (&entry));
  return TRUE;
}

/**
 * jmp_registry_add_type:
 * @self: a #JmpRegistry
 * @name: the short name configs use in `type:`, e.g. "TcpNetwork"
 * @type: a #JmpDriver subtype that is not abstract
 * @aliases: (nullable) (array zero-terminated=1): other names for it, e.g.
 *   Jumpstarter's class path `jumpstarter_driver_network.driver.TcpNetwork`
 * @error: return location for a #GError
 *
 * Adds a driver type. Type names and aliases share one namespace: a name
 * that is taken, by a type or an alias, is refused with an error naming the
 * plugin file that took it.
 *
 * Called from a plugin's register function, the addition only takes effect
 * when the whole plugin is accepted; a failure here rejects the plugin.
 *
 * Returns: %TRUE if @type was added (or is pending in the plugin being
 *   loaded)
 */
gboolean
jmp_registry_add_type (JmpRegistry         *self,
                       const gchar         *name,
                       GType                type,
                       const gchar * const *aliases,
                       GError             **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (JMP_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (add_type (self, name, type, aliases, &local_error))
    return TRUE;

  /* Remember the first failure: the plugin is rejected even if its
   * register function ignores the error and returns TRUE. */
  if (self->load != NULL && self->load->error == NULL)
    self->load->error = g_error_copy (local_error);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/**
 * jmp_registry_lookup:
 * @self: a #JmpRegistry
 * @name: a type name or an alias
 *
 * Looks up a driver type by its name or an alias.
 *
 * Returns: the driver type registered under @name, or %G_TYPE_INVALID
 */
GType
jmp_registry_lookup (JmpRegistry *self,
                     const gchar *name)
{
  TypeEntry *entry;

  g_return_val_if_fail (JMP_IS_REGISTRY (self), G_TYPE_INVALID);

  if (name == NULL)
    return G_TYPE_INVALID;
  entry = g_hash_table_lookup (self->names, name);
  return entry != NULL ? entry->type : G_TYPE_INVALID;
}

/**
 * jmp_registry_get_type_name:
 * @self: a #JmpRegistry
 * @type: a driver type
 *
 * Gets the name a driver type is registered under.
 *
 * Returns: (nullable): the primary name @type is registered under, or %NULL
 */
const gchar *
jmp_registry_get_type_name (JmpRegistry *self,
                            GType        type)
{
  TypeEntry *entry;

  g_return_val_if_fail (JMP_IS_REGISTRY (self), NULL);

  entry = g_hash_table_lookup (self->by_type, GSIZE_TO_POINTER (type));
  return entry != NULL ? entry->name : NULL;
}

/**
 * jmp_registry_list_types:
 * @self: a #JmpRegistry
 *
 * Lists the registered driver types.
 *
 * Returns: (transfer full): the primary names of all registered types,
 *   sorted
 */
GStrv
jmp_registry_list_types (JmpRegistry *self)
{
  GPtrArray *names;

  g_return_val_if_fail (JMP_IS_REGISTRY (self), NULL);

  names = g_ptr_array_new_full (self->entries->len + 1, NULL);
  for (guint i = 0; i < self->entries->len; i++)
    {
      TypeEntry *entry = g_ptr_array_index (self->entries, i);

      g_ptr_array_add (names, g_strdup (entry->name));
    }
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

/**
 * jmp_registry_get_aliases:
 * @self: a #JmpRegistry
 * @name: a type name or an alias
 *
 * Lists the aliases of a driver type.
 *
 * Returns: (transfer full) (nullable): the aliases of the type @name
 *   resolves to (empty if it has none), or %NULL if @name is not known
 */
GStrv
jmp_registry_get_aliases (JmpRegistry *self,
                          const gchar *name)
{
  TypeEntry *entry;
  GStrv aliases;

  g_return_val_if_fail (JMP_IS_REGISTRY (self), NULL);

  if (name == NULL)
    return NULL;
  entry = g_hash_table_lookup (self->names, name);
  if (entry == NULL)
    return NULL;

  aliases = g_new0 (gchar *, entry->aliases->len + 1);
  for (guint i = 0; i < entry->aliases->len; i++)
    aliases[i] = g_strdup (g_ptr_array_index (entry->aliases, i));
  return aliases;
}

JmpPluginInfo *
jmp_registry_get_type_plugin (JmpRegistry *self,
                              const gchar *name)
{
  TypeEntry *entry;

  g_return_val_if_fail (JMP_IS_REGISTRY (self), NULL);

  entry = name != NULL ? g_hash_table_lookup (self->names, name) : NULL;
  return entry != NULL ? entry->plugin : NULL;
}

/* Plugin descriptors come from untrusted files: keep their strings valid. */
static gchar *
plugin_string (const gchar *str)
{
  if (str == NULL)
    return NULL;
  return g_utf8_make_valid (str, -1);
}

static gboolean
looks_like_elf (const gchar *path)
{
  static const guchar magic[4] = { 0x7f, 'E', 'L', 'F' };
  guchar buf[4] = { 0, };
  FILE *f = fopen (path, "rb");
  gsize n;

  if (f == NULL)
    return FALSE;
  n = fread (buf, 1, sizeof buf, f);
  fclose (f);
  return n == sizeof buf && memcmp (buf, magic, sizeof magic) == 0;
}

/* dlerror() often starts with the path, which our message already names. */
static const gchar *
strip_path (const gchar *message,
            const gchar *path)
{
  gsize len = strlen (path);

  if (g_str_has_prefix (message, path) && g_str_has_prefix (message + len, ": "))
    return message + len + 2;
  return message;
}

/* Opens @realpath and runs the plugin's register function; every
 * failure is returned without the file name, which the caller adds. */
static gboolean
load_module (JmpRegistry    *self,
             JmpPluginInfo  *info,
             const gchar    *realpath,
             GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *str = NULL;
  JmpPluginDescribeFunc describe = NULL;
  const JmpPluginDesc *desc;
  GModule *module;
  LoadState load = { info, NULL, NULL };
  gboolean ok;

  module = g_module_open_full (realpath, G_MODULE_BIND_LOCAL | G_MODULE_BIND_LAZY,
                               &local_error);
  if (module == NULL)
    {
      const gchar *reason = strip_path (local_error->message, realpath);

      if (looks_like_elf (realpath))
        g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                     _("cannot be loaded: %s"), reason);
      else
        g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                     _("not a shared object: %s"), reason);
      return FALSE;
    }

  if (!g_module_symbol (module, JMP_PLUGIN_ENTRY_SYMBOL, (gpointer *) &describe) ||
      describe == NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                   _("no %s symbol: not a jumpstarter plugin"),
                   JMP_PLUGIN_ENTRY_SYMBOL);
      g_module_close (module);
      return FALSE;
    }

  desc = describe ();
  if (desc == NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s returned no plugin descriptor"), JMP_PLUGIN_ENTRY_SYMBOL);
      g_module_close (module);
      return FALSE;
    }
  /* Nothing but abi_version may be read from a descriptor of another
   * version: its layout may differ. */
  if (desc->abi_version != JMP_PLUGIN_ABI_VERSION)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                   _("built for plugin ABI %u, this host has %u"),
                   (guint) desc->abi_version, (guint) JMP_PLUGIN_ABI_VERSION);
      g_module_close (module);
      return FALSE;
    }

  str = plugin_string (desc->name);
  jmp_plugin_info_set_name (info, str);
  g_clear_pointer (&str, g_free);
  str = plugin_string (desc->version);
  jmp_plugin_info_set_version (info, str);
  g_clear_pointer (&str, g_free);
  str = plugin_string (desc->description);
  jmp_plugin_info_set_description (info, str);
  g_clear_pointer (&str, g_free);
  str = plugin_string (desc->license);
  jmp_plugin_info_set_license (info, str);
  g_clear_pointer (&str, g_free);

  if (desc->name == NULL || *desc->name == '\0')
    {
      g_set_error_literal (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                           _("the plugin descriptor has no name"));
      g_module_close (module);
      return FALSE;
    }
  if (desc->register_func == NULL)
    {
      g_set_error_literal (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                           _("the plugin descriptor has no register function"));
      g_module_close (module);
      return FALSE;
    }

  /* The same plugin twice (a build in $JUMPSTARTER_PLUGIN_PATH and the
   * installed copy) would register its GTypes again, which GLib refuses
   * with criticals: skip it before its register function runs. */
  for (guint i = 0; i < self->plugins->len; i++)
    {
      JmpPluginInfo *other = g_ptr_array_index (self->plugins, i);

      if (other != info &&
          jmp_plugin_info_get_error (other) == NULL &&
          g_strcmp0 (jmp_plugin_info_get_name (other), jmp_plugin_info_get_name (info)) == 0)
        {
          g_autofree gchar *other_name =
            g_filename_display_name (jmp_plugin_info_get_filename (other));

          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("plugin \"%s\" is already loaded from %s"),
                       jmp_plugin_info_get_name (info), other_name);
          /* a build named in $JUMPSTARTER_PLUGIN_PATH or --plugin-dir
           * overriding the installed plugin is what those are for */
          self->shadowed = self->loading_installed;
          g_module_close (module);
          return FALSE;
        }
    }

  load.pending = g_ptr_array_new_with_free_func ((GDestroyNotify) type_entry_free);
  self->load = &load;
  ok = desc->register_func (self, &local_error);
  self->load = NULL;

  /* The register function may have registered GTypes whose class and
   * instance functions live in the module, whether the plugin is accepted
   * or not: GLib keeps those pointers forever, so the code must stay. */
  g_module_make_resident (module);
  g_module_close (module);

  if (load.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&load.error));
      ok = FALSE;
    }
  else if (!ok)
    {
      if (local_error == NULL)
        g_set_error_literal (error, JMP_ERROR, JMP_ERROR_FAILED,
                             _("the plugin's register function failed without saying why"));
      else
        g_set_error (error, JMP_ERROR,
                     local_error->domain == JMP_ERROR ? local_error->code : JMP_ERROR_FAILED,
                     _("the plugin's register function failed: %s"),
                     local_error->message);
    }
  else
    {
      if (local_error != NULL)
        g_debug ("Plugin %s returned TRUE but set an error, ignored: %s",
                 realpath, local_error->message);
      for (guint i = 0; i < load.pending->len; i++)
        commit_entry (self, g_ptr_array_index (load.pending, i));
      /* the entries now belong to the registry */
      g_ptr_array_set_free_func (load.pending, NULL);
    }

  g_ptr_array_unref (load.pending);
  return ok;
}

/* Sets *@tried_before when the file was tried earlier: then nothing is
 * done and the first attempt's outcome is returned. */
static gboolean
load_file (JmpRegistry  *self,
           const gchar  *filename,
           gboolean     *tried_before,
           GError      **error)
{
  g_autofree gchar *display_name = g_filename_display_name (filename);
  g_autofree gchar *real = NULL;
  g_autoptr(JmpPluginInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  JmpPluginInfo *tried;

  *tried_before = FALSE;
  if (self->load != NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("%s: a plugin cannot be loaded from a plugin's register function"),
                   display_name);
      return FALSE;
    }

  real = realpath (filename, NULL);
  if (real == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, JMP_ERROR,
                   saved_errno == ENOENT ? JMP_ERROR_NOT_FOUND : JMP_ERROR_FAILED,
                   "%s: %s", display_name, g_strerror (saved_errno));
      return FALSE;
    }

  tried = g_hash_table_lookup (self->files, real);
  if (tried != NULL)
    {
      const GError *tried_error = jmp_plugin_info_get_error (tried);

      g_debug ("Plugin %s was already tried as %s", filename,
               jmp_plugin_info_get_filename (tried));
      *tried_before = TRUE;
      if (tried_error != NULL)
        {
          g_propagate_error (error, g_error_copy (tried_error));
          return FALSE;
        }
      return TRUE;
    }

  if (!g_file_test (real, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: not a regular file"), display_name);
      return FALSE;
    }

  info = jmp_plugin_info_new (filename);
  g_hash_table_insert (self->files, g_strdup (real), g_object_ref (info));
  g_ptr_array_add (self->plugins, g_object_ref (info));

  if (!load_module (self, info, real, &local_error))
    {
      g_prefix_error (&local_error, "%s: ", display_name);
      jmp_plugin_info_set_error (info, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_debug ("Loaded plugin %s %s from %s",
           jmp_plugin_info_get_name (info), jmp_plugin_info_get_version (info),
           filename);
  return TRUE;
}

/**
 * jmp_registry_load_file:
 * @self: a #JmpRegistry
 * @filename: (type filename): path of a plugin file
 * @error: return location for a #GError
 *
 * Loads one plugin and adds its driver types. The file is recorded in
 * jmp_registry_get_plugins() whether it loads or not, with the reason when
 * it does not. Loading a file that was already tried (the same file under
 * any path) does nothing and returns the first attempt's outcome.
 *
 * Returns: %TRUE if the plugin is loaded
 */
gboolean
jmp_registry_load_file (JmpRegistry  *self,
                        const gchar  *filename,
                        GError      **error)
{
  gboolean tried_before;

  g_return_val_if_fail (JMP_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (filename != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return load_file (self, filename, &tried_before, error);
}

/**
 * jmp_registry_load_dir:
 * @self: a #JmpRegistry
 * @dirname: (type filename): a plugin directory
 *
 * Loads every regular file whose name ends in `.so` in @dirname, in the
 * order of their names. A file that cannot be loaded is skipped with one
 * warning naming it and the reason; the others are still loaded. A
 * directory that does not exist is not an error.
 */
void
jmp_registry_load_dir (JmpRegistry *self,
                       const gchar *dirname)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const gchar *name;

  g_return_if_fail (JMP_IS_REGISTRY (self));
  g_return_if_fail (dirname != NULL);

  dir = g_dir_open (dirname, 0, &error);
  if (dir == NULL)
    {
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("No plugin directory %s", dirname);
      else
        g_warning (_("Cannot read plugin directory %s: %s"), dirname, error->message);
      return;
    }

  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_has_suffix (name, ".so"))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree gchar *path = g_build_filename (dirname, g_ptr_array_index (names, i), NULL);
      g_autoptr(GError) local_error = NULL;
      gboolean tried_before;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      /* a file tried before already had its warning */
      self->shadowed = FALSE;
      if (!load_file (self, path, &tried_before, &local_error) && !tried_before)
        {
          if (self->shadowed)
            g_debug ("Installed plugin skipped: %s", local_error->message);
          else
            g_warning (_("Plugin skipped: %s"), local_error->message);
        }
    }
}

/**
 * jmp_registry_load_default:
 * @self: a #JmpRegistry
 *
 * Loads the plugins of every directory in `$JUMPSTARTER_PLUGIN_PATH`
 * (colon-separated, empty entries ignored), in that order, then those of
 * the installed plugin directory (`${libdir}/jumpstarter-1.0/plugins`).
 *
 * The first plugin to claim a type name wins: a later plugin that claims
 * one of its names again is skipped as a whole, with a warning, and so is a
 * later plugin with the same plugin name. So a plugin built in a directory
 * of `$JUMPSTARTER_PLUGIN_PATH` replaces the installed copy of itself; that
 * installed copy is skipped quietly (a debug message), as it is meant to be.
 *
 * `$JUMPSTARTER_PLUGIN_SYSTEM_PATH`, when set, replaces the installed
 * directory (empty: none), as `GST_PLUGIN_SYSTEM_PATH` does for GStreamer.
 */
void
jmp_registry_load_default (JmpRegistry *self)
{
  const gchar *path;

  g_return_if_fail (JMP_IS_REGISTRY (self));

  path = g_getenv ("JUMPSTARTER_PLUGIN_PATH");
  if (path != NULL)
    {
      g_auto(GStrv) dirs = g_strsplit (path, G_SEARCHPATH_SEPARATOR_S, -1);

      for (gsize i = 0; dirs[i] != NULL; i++)
        {
          if (*dirs[i] != '\0')
            jmp_registry_load_dir (self, dirs[i]);
        }
    }
  /* as GST_PLUGIN_SYSTEM_PATH: replaces the installed directory, so that
   * a test or a relocated tree sees no plugin from the system */
  self->loading_installed = TRUE;
  path = g_getenv ("JUMPSTARTER_PLUGIN_SYSTEM_PATH");
  if (path == NULL)
    jmp_registry_load_dir (self, JMP_PLUGINDIR);
  else
    {
      g_auto(GStrv) dirs = g_strsplit (path, G_SEARCHPATH_SEPARATOR_S, -1);

      for (gsize i = 0; dirs[i] != NULL; i++)
        {
          if (*dirs[i] != '\0')
            jmp_registry_load_dir (self, dirs[i]);
        }
    }
  self->loading_installed = FALSE;
}

/**
 * jmp_registry_get_plugins:
 * @self: a #JmpRegistry
 *
 * Lists the plugin files the registry tried.
 *
 * Returns: (transfer container) (element-type JmpPluginInfo): every plugin
 *   file tried, loaded or skipped, in the order they were tried
 */
GPtrArray *
jmp_registry_get_plugins (JmpRegistry *self)
{
  GPtrArray *plugins;

  g_return_val_if_fail (JMP_IS_REGISTRY (self), NULL);

  plugins = g_ptr_array_new_full (self->plugins->len, NULL);
  for (guint i = 0; i < self->plugins->len; i++)
    g_ptr_array_add (plugins, g_ptr_array_index (self->plugins, i));
  return plugins;
}
