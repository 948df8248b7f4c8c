/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "jmp-error.h"
#include "jmp-config-entry.h"
#include "jmp-config-private.h"

/**
 * JmpConfigEntry:
 *
 * One node of an exporter config's `export:` mapping, as written in the
 * file and checked for shape, before any driver exists:
 *
 * - a driver: `type` and its `config` keys, maybe `children`;
 * - a Composite: no `type` (nor `ref`), grouping its `children`;
 * - a ref: only `ref`, the dotted path of another entry from the root
 *   (`group.a`), which then appears under a second name.
 *
 * Every entry knows its place in the file, e.g. `export.group.children.a`,
 * which error messages use. The root entry, returned by
 * jmp_config_get_export(), stands for the `export:` mapping itself: its key
 * is "" and its place `export`.
 */

struct _JmpConfigEntry
{
  GObject     parent_instance;

  gchar      *key;
  gchar      *place;
  gchar      *type_name;
  gchar      *ref;
  gchar      *description;
  GHashTable *methods_description;  /* never NULL */
  JsonObject *config;               /* never NULL */
  GPtrArray  *children;             /* of JmpConfigEntry, never NULL */
  gboolean    is_root;
};

G_DEFINE_FINAL_TYPE (JmpConfigEntry, jmp_config_entry, G_TYPE_OBJECT)

/* Entries nest through `children:`; deeper than this is not a lab bench. */
#define JMP_CONFIG_ENTRY_MAX_DEPTH 32

static void
jmp_config_entry_finalize (GObject *object)
{
  JmpConfigEntry *self = JMP_CONFIG_ENTRY (object);

  g_free (self->key);
  g_free (self->place);
  g_free (self->type_name);
  g_free (self->ref);
  g_free (self->description);
  g_hash_table_unref (self->methods_description);
  json_object_unref (self->config);
  g_ptr_array_unref (self->children);

  G_OBJECT_CLASS (jmp_config_entry_parent_class)->finalize (object);
}

static void
jmp_config_entry_class_init (JmpConfigEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = jmp_config_entry_finalize;
}

static void
jmp_config_entry_init (JmpConfigEntry *self)
{
  self->methods_description = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->config = json_object_new ();
  self->children = g_ptr_array_new_with_free_func (g_object_unref);
}

static gboolean
jmp_config_entry_expect (JsonNode     *node,
                         const gchar  *place,
                         const gchar  *key,
                         GError      **error)
{
  g_autofree gchar *got = jmp_config_describe_node (node);
  const gchar *hint = "";

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) != G_TYPE_STRING)
    hint = _(" (put the value in quotes to make it a string)");
  g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
               _("%s.%s: expected a string, got %s%s"), place, key, got, hint);
  return FALSE;
}

static gboolean
jmp_config_entry_get_string (JsonNode     *node,
                             const gchar  *place,
                             const gchar  *key,
                             gchar       **out,
                             GError      **error)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return jmp_config_entry_expect (node, place, key, error);
  if (json_node_get_string (node)[0] == '\0')
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s.%s: cannot be empty"), place, key);
      return FALSE;
    }
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
jmp_config_entry_parse_methods (JmpConfigEntry  *self,
                                JsonNode        *node,
                                GError         **error)
{
  JsonObject *object;
  g_autoptr(GList) members = NULL;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autofree gchar *got = jmp_config_describe_node (node);
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s.methods_description: expected a mapping of command names to help texts, got %s"),
                   self->place, got);
      return FALSE;
    }

  object = json_node_get_object (node);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *text = json_object_get_member (object, l->data);
      g_autofree gchar *place = g_strdup_printf ("%s.methods_description", self->place);

      if (!JSON_NODE_HOLDS_VALUE (text) || json_node_get_value_type (text) != G_TYPE_STRING)
        return jmp_config_entry_expect (text, place, l->data, error);
      g_hash_table_insert (self->methods_description, g_strdup (l->data),
                           g_strdup (json_node_get_string (text)));
    }
  return TRUE;
}

static JmpConfigEntry *jmp_config_entry_new_from_node (const gchar  *key,
                                                       const gchar  *place,
                                                       JsonNode     *node,
                                                       guint         depth,
                                                       GError      **error);

/* Parses the members of `children:` (or of `export:` for the root) in the
 * order of the file, which is the order drivers are built and listed in. */
static gboolean
jmp_config_entry_parse_children (JmpConfigEntry  *self,
                                 JsonObject      *object,
                                 const gchar     *prefix,
                                 guint            depth,
                                 GError         **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const gchar *key = l->data;
      g_autofree gchar *place = g_strdup_printf ("%s.%s", prefix, key);
      JmpConfigEntry *child;

      /* Refs address drivers by dotted paths, so a name with a dot in it
       * could never be the target of one. */
      if (key[0] == '\0' || strchr (key, '.') != NULL)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s: \"%s\" is not a valid driver name: it must not be empty or contain \".\""),
                       prefix, key);
          return FALSE;
        }
      child = jmp_config_entry_new_from_node (key, place, json_object_get_member (object, key),
                                              depth + 1, error);
      if (child == NULL)
        return FALSE;
      g_ptr_array_add (self->children, child);
    }
  return TRUE;
}

static JmpConfigEntry *
jmp_config_entry_new_from_node (const gchar  *key,
                                const gchar  *place,
                                JsonNode     *node,
                                guint         depth,
                                GError      **error)
{
  g_autoptr(JmpConfigEntry) self = NULL;
  JsonObject *object;
  JsonNode *children = NULL;
  g_autoptr(GList) members = NULL;
  gboolean has_config = FALSE;
  gboolean has_description = FALSE;
  gboolean has_methods = FALSE;

  self = g_object_new (JMP_TYPE_CONFIG_ENTRY, NULL);
  self->key = g_strdup (key);
  self->place = g_strdup (place);

  if (depth > JMP_CONFIG_ENTRY_MAX_DEPTH)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: children are nested more than %u levels deep"),
                   place, (guint) JMP_CONFIG_ENTRY_MAX_DEPTH);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autofree gchar *got = jmp_config_describe_node (node);
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: expected a mapping with \"type\" and \"config\", \"children\" or \"ref\", got %s"),
                   place, got);
      return NULL;
    }

  object = json_node_get_object (node);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const gchar *name = l->data;
      JsonNode *member = json_object_get_member (object, name);

      if (g_str_equal (name, "type"))
        {
          if (!jmp_config_entry_get_string (member, place, name, &self->type_name, error))
            return NULL;
        }
      else if (g_str_equal (name, "ref"))
        {
          if (!jmp_config_entry_get_string (member, place, name, &self->ref, error))
            return NULL;
        }
      else if (g_str_equal (name, "description"))
        {
          /* `description:` with nothing after it is YAML's null. */
          if (JSON_NODE_HOLDS_NULL (member))
            continue;
          if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
            {
              jmp_config_entry_expect (member, place, name, error);
              return NULL;
            }
          self->description = g_strdup (json_node_get_string (member));
          has_description = TRUE;
        }
      else if (g_str_equal (name, "config"))
        {
          if (JSON_NODE_HOLDS_NULL (member))
            continue;
          if (!JSON_NODE_HOLDS_OBJECT (member))
            {
              g_autofree gchar *got = jmp_config_describe_node (member);
              g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                           _("%s.config: expected a mapping of the driver's keys, got %s"),
                           place, got);
              return NULL;
            }
          json_object_unref (self->config);
          self->config = json_object_ref (json_node_get_object (member));
          has_config = json_object_get_size (self->config) > 0;
        }
      else if (g_str_equal (name, "methods_description"))
        {
          if (!jmp_config_entry_parse_methods (self, member, error))
            return NULL;
          has_methods = g_hash_table_size (self->methods_description) > 0;
        }
      else if (g_str_equal (name, "children"))
        {
          if (JSON_NODE_HOLDS_NULL (member))
            continue;
          if (!JSON_NODE_HOLDS_OBJECT (member))
            {
              g_autofree gchar *got = jmp_config_describe_node (member);
              g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                           _("%s.children: expected a mapping of names to drivers, got %s"),
                           place, got);
              return NULL;
            }
          children = member;
        }
      else
        {
          static const gchar *known[] = {
            "type", "config", "description", "methods_description", "children", "ref", NULL
          };
          g_autofree gchar *hint = jmp_config_suggest (name, known);

          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s: unknown key \"%s\"%s (known keys: type, config, description, methods_description, children, ref)"),
                       place, name, hint);
          return NULL;
        }
    }

  if (self->ref != NULL)
    {
      const gchar *other = NULL;

      if (self->type_name != NULL)
        other = "type";
      else if (has_config)
        other = "config";
      else if (children != NULL)
        other = "children";
      else if (has_description)
        other = "description";
      else if (has_methods)
        other = "methods_description";
      if (other != NULL)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s: \"ref\" and \"%s\" cannot be used together: a ref only names another driver, \"%s\""),
                       place, other, self->ref);
          return NULL;
        }
      return g_steal_pointer (&self);
    }

  if (self->type_name == NULL && has_config)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: \"config\" needs a \"type\"; an entry without a type is a Composite, which has no config"),
                   place);
      return NULL;
    }

  if (children != NULL)
    {
      g_autofree gchar *prefix = g_strdup_printf ("%s.children", place);

      if (!jmp_config_entry_parse_children (self, json_node_get_object (children),
                                            prefix, depth, error))
        return NULL;
    }
  return g_steal_pointer (&self);
}

/**
 * jmp_config_entry_new_root:
 * @export: (nullable): the `export:` mapping of a config
 * @description: (nullable): the config's top-level description
 * @error: return location for a #GError
 *
 * Checks the shape of every entry of @export and builds the tree of them.
 * Errors are %JMP_ERROR_INVALID_ARGS, with messages that start with the
 * entry's place (the caller adds the file name).
 *
 * Returns: (transfer full): the root entry, a Composite, or %NULL
 */
JmpConfigEntry *
jmp_config_entry_new_root (JsonObject   *export,
                           const gchar  *description,
                           GError      **error)
{
  g_autoptr(JmpConfigEntry) self = g_object_new (JMP_TYPE_CONFIG_ENTRY, NULL);

  self->key = g_strdup ("");
  self->place = g_strdup ("export");
  self->description = g_strdup (description);
  self->is_root = TRUE;
  if (export != NULL &&
      !jmp_config_entry_parse_children (self, export, "export", 0, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * jmp_config_entry_get_child:
 * @self: an entry
 * @key: a child's name
 *
 * Returns: (transfer none) (nullable): the child entry named @key
 */
JmpConfigEntry *
jmp_config_entry_get_child (JmpConfigEntry *self,
                            const gchar    *key)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  for (guint i = 0; i < self->children->len; i++)
    {
      JmpConfigEntry *child = g_ptr_array_index (self->children, i);

      if (g_str_equal (child->key, key))
        return child;
    }
  return NULL;
}

/**
 * jmp_config_entry_is_composite:
 * @self: an entry
 *
 * Returns: %TRUE if @self has neither a type nor a ref
 */
gboolean
jmp_config_entry_is_composite (JmpConfigEntry *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), FALSE);

  return self->type_name == NULL && self->ref == NULL;
}

/**
 * jmp_config_entry_is_root:
 * @self: an entry
 *
 * Returns: %TRUE if @self stands for the `export:` mapping
 */
gboolean
jmp_config_entry_is_root (JmpConfigEntry *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), FALSE);

  return self->is_root;
}

/**
 * jmp_config_entry_get_key:
 * @self: an entry
 *
 * Gets the entry's name.
 *
 * Returns: the entry's name in its parent, e.g. `net`; "" for the root
 */
const gchar *
jmp_config_entry_get_key (JmpConfigEntry *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), NULL);

  return self->key;
}

/**
 * jmp_config_entry_get_place:
 * @self: an entry
 *
 * Gets the entry's place in the file.
 *
 * Returns: where the entry is in the file, e.g. `export.net` or
 *   `export.group.children.a`, as error messages name it
 */
const gchar *
jmp_config_entry_get_place (JmpConfigEntry *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), NULL);

  return self->place;
}

/**
 * jmp_config_entry_get_type_name:
 * @self: an entry
 *
 * Gets the entry's `type`.
 *
 * Returns: (nullable): the driver type as written, a registry name such as
 *   `TcpNetwork` or an alias such as
 *   `jumpstarter_driver_network.driver.TcpNetwork`; %NULL for a Composite
 *   without an explicit type and for a ref
 */
const gchar *
jmp_config_entry_get_type_name (JmpConfigEntry *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), NULL);

  return self->type_name;
}

/**
 * jmp_config_entry_get_ref:
 * @self: an entry
 *
 * Gets the target of a `ref:` entry.
 *
 * Returns: (nullable): the dotted path from the root of the driver this
 *   entry is another name for, e.g. `group.a`; %NULL if it is no ref
 */
const gchar *
jmp_config_entry_get_ref (JmpConfigEntry *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), NULL);

  return self->ref;
}

/**
 * jmp_config_entry_get_description:
 * @self: an entry
 *
 * Gets the entry's `description`.
 *
 * Returns: (nullable): the entry's description; for the root, the config's
 */
const gchar *
jmp_config_entry_get_description (JmpConfigEntry *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), NULL);

  return self->description;
}

/**
 * jmp_config_entry_get_methods_description:
 * @self: an entry
 *
 * Gets the entry's `methods_description`.
 *
 * Returns: (transfer none) (element-type utf8 utf8): help text per client
 *   command, from `methods_description:`; empty if there is none
 */
GHashTable *
jmp_config_entry_get_methods_description (JmpConfigEntry *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), NULL);

  return self->methods_description;
}

/**
 * jmp_config_entry_get_config:
 * @self: an entry
 *
 * Gets the entry's driver config keys.
 *
 * Returns: (transfer none): the `config:` mapping, not yet checked against
 *   the driver type; empty if there is none
 */
JsonObject *
jmp_config_entry_get_config (JmpConfigEntry *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), NULL);

  return self->config;
}

/**
 * jmp_config_entry_get_children:
 * @self: an entry
 *
 * Gets the entries under `children:`.
 *
 * Returns: (transfer none) (element-type JmpConfigEntry): the child
 *   entries, in the order of the file
 */
GPtrArray *
jmp_config_entry_get_children (JmpConfigEntry *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), NULL);

  return self->children;
}

static gboolean
jmp_config_entry_strings_equal (GHashTable *a,
                                GHashTable *b)
{
  GHashTableIter iter;
  gpointer key, value;

  if (g_hash_table_size (a) != g_hash_table_size (b))
    return FALSE;
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const gchar *other = g_hash_table_lookup (b, key);

      if (other == NULL || !g_str_equal (value, other))
        return FALSE;
    }
  return TRUE;
}

/**
 * jmp_config_entry_equal:
 * @self: an entry
 * @other: another entry
 *
 * Compares what a driver is made from: type, ref, config, description and
 * methods_description, not the children (which are entries of their own).
 * A reload keeps a running driver whose entry is equal to the new one.
 *
 * Returns: %TRUE if a driver built from @self would be the same as one
 *   built from @other
 */
gboolean
jmp_config_entry_equal (JmpConfigEntry *self,
                        JmpConfigEntry *other)
{
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (self), FALSE);
  g_return_val_if_fail (JMP_IS_CONFIG_ENTRY (other), FALSE);

  if (self == other)
    return TRUE;
  return g_strcmp0 (self->type_name, other->type_name) == 0 &&
         g_strcmp0 (self->ref, other->ref) == 0 &&
         g_strcmp0 (self->description, other->description) == 0 &&
         json_object_equal (self->config, other->config) &&
         jmp_config_entry_strings_equal (self->methods_description, other->methods_description);
}
