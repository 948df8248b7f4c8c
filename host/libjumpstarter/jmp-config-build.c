/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Makes the driver tree of an exporter config.
 *
 * The build runs in stages so that nothing observable happens until the
 * whole config is known to be good, and so that a failure leaves the
 * running tree (the `previous` one, on a reload) exactly as it was:
 *
 *  1. create: each entry's type is looked up, its config keys are checked
 *     against the type's properties and the driver is made; or, on a
 *     reload, the running driver at the same path is taken as it is.
 *  2. refs: every `ref:` is resolved to the driver it names.
 *  3. start: drivers are started children first. A driver that is not a
 *     Composite gets its children attached before it starts. A driver
 *     reused from `previous` is neither attached nor started here.
 *  4. assemble: the Composites between the root and the other drivers
 *     (reused ones included) get their children, in file order, and start;
 *     a Composite has no start of its own, so this cannot fail.
 *
 * Stages 1 and 2 run at once; they also list the steps of stages 3 and 4
 * (attach, then start), in order, which jmp_config_build() runs in turn.
 * jmp_config_build_async() runs them in the same order, but waits for a
 * driver with a start_async of its own without blocking. Stage 4 is run
 * at once in both: it cannot fail, and once it began a reused driver has
 * its new parent, so it must not be interrupted.
 *
 * A reused driver is still owned by its parent in `previous` until stage 4
 * adds it to its new parent, so a build that fails leaves it untouched.
 * For the same reason only drivers whose parent is a Composite (or the
 * root) are reused: a driver with a type of its own starts with its
 * children in place, so they are always made anew with it.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "jmp-composite.h"
#include "jmp-config.h"
#include "jmp-config-private.h"
#include "jmp-error.h"

/* The entry a driver was made from, kept on the driver for reloads. */
static GQuark
jmp_config_entry_qdata_quark (void)
{
  return g_quark_from_static_string ("jmp-config-entry");
}

/* One step of stages 3 and 4: attach the children of @entry, start. */
typedef struct {
  JmpConfigEntry *entry;
  JmpDriver      *driver;    /* owned by JmpConfigBuild.drivers */
} JmpConfigStep;

typedef struct {
  JmpConfig      *config;
  JmpRegistry    *registry;
  JmpDriver      *previous;  /* nullable */
  JmpConfigEntry *export;
  GHashTable     *drivers;   /* JmpConfigEntry → JmpDriver (a ref), refs excluded */
  GHashTable     *targets;   /* JmpConfigEntry of a ref → JmpDriver (no ref) */
  GHashTable     *reused;    /* JmpDriver set: taken from the previous tree */
  GPtrArray      *started;   /* JmpDriver (a ref) this build started, in order */
  GArray         *steps;     /* JmpConfigStep: stage 3, then stage 4 */
  guint           n_stage3;
  guint           next;      /* the next step to run */
  JmpDriver      *root;
} JmpConfigBuild;

static void
jmp_config_build_free (JmpConfigBuild *b)
{
  g_clear_object (&b->config);
  g_clear_object (&b->registry);
  g_clear_object (&b->previous);
  g_clear_pointer (&b->drivers, g_hash_table_unref);
  g_clear_pointer (&b->targets, g_hash_table_unref);
  g_clear_pointer (&b->reused, g_hash_table_unref);
  g_clear_pointer (&b->started, g_ptr_array_unref);
  g_clear_pointer (&b->steps, g_array_unref);
  g_clear_object (&b->root);
  g_free (b);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpConfigBuild, jmp_config_build_free)

static const gchar *
jmp_config_build_composite_name (JmpConfigBuild *b)
{
  const gchar *name = jmp_registry_get_type_name (b->registry, JMP_TYPE_COMPOSITE);

  return name != NULL ? name : "Composite";
}

static gint
jmp_config_build_compare_strings (gconstpointer a,
                                  gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* The keys a type takes in `config:`, as a config writes them. */
static GStrv
jmp_config_build_list_keys (GType type)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (type);
  g_autofree GParamSpec **pspecs = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  guint n = 0;

  pspecs = g_object_class_list_properties (G_OBJECT_CLASS (klass), &n);
  for (guint i = 0; i < n; i++)
    {
      if ((pspecs[i]->flags & G_PARAM_WRITABLE) == 0 || g_str_equal (pspecs[i]->name, "name"))
        continue;
      g_ptr_array_add (keys, g_strdelimit (g_strdup (pspecs[i]->name), "-", '_'));
    }
  g_ptr_array_sort (keys, jmp_config_build_compare_strings);
  g_ptr_array_add (keys, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
}

static GType
jmp_config_build_lookup (JmpConfigBuild  *b,
                         JmpConfigEntry  *entry,
                         const gchar    **type_name,
                         GError         **error)
{
  const gchar *written = jmp_config_entry_get_type_name (entry);
  g_auto(GStrv) known = NULL;
  g_autofree gchar *list = NULL;
  g_autofree gchar *hint = NULL;
  GType type;

  if (written == NULL)
    {
      *type_name = jmp_config_build_composite_name (b);
      return JMP_TYPE_COMPOSITE;
    }

  type = jmp_registry_lookup (b->registry, written);
  if (type != G_TYPE_INVALID)
    {
      if (!g_type_is_a (type, JMP_TYPE_DRIVER) || G_TYPE_IS_ABSTRACT (type))
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s.type: \"%s\" is not a driver type that can be made"),
                       jmp_config_entry_get_place (entry), written);
          return G_TYPE_INVALID;
        }
      *type_name = jmp_registry_get_type_name (b->registry, type);
      if (*type_name == NULL)
        *type_name = written;
      return type;
    }

  known = jmp_registry_list_types (b->registry);
  list = g_strjoinv (", ", known);
  hint = jmp_config_suggest (written, (const gchar * const *) known);
  if (hint[0] != '\0')
    g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                 _("%s.type: unknown driver type \"%s\"%s (known: %s)"),
                 jmp_config_entry_get_place (entry), written, hint, list);
  else
    g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                 _("%s.type: unknown driver type \"%s\" (known: %s); is the plugin that provides it installed?"),
                 jmp_config_entry_get_place (entry), written, list);
  return G_TYPE_INVALID;
}

static JmpDriver *
jmp_config_build_new_driver (JmpConfigBuild  *b,
                             JmpConfigEntry  *entry,
                             GType            type,
                             const gchar     *type_name,
                             const gchar     *keep_uuid,
                             GError         **error)
{
  JsonObject *config = jmp_config_entry_get_config (entry);
  g_autoptr(GTypeClass) klass = g_type_class_ref (type);
  g_autoptr(GList) members = json_object_get_members (config);
  guint n_members = g_list_length (members);
  g_autofree const gchar **names = g_new0 (const gchar *, n_members + 1);
  g_autofree const gchar **written = g_new0 (const gchar *, n_members + 1);
  GValue *values = g_new0 (GValue, n_members + 1);
  JmpDriver *driver = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint n = 0;
  gboolean ok = TRUE;

  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      const gchar *member = l->data;
      g_autofree gchar *prop = g_strdelimit (g_strdup (member), "_", '-');
      g_autofree gchar *place = g_strdup_printf ("%s.config.%s",
                                                 jmp_config_entry_get_place (entry), member);
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), prop);

      if (pspec == NULL)
        {
          g_auto(GStrv) keys = jmp_config_build_list_keys (type);
          g_autofree gchar *list = g_strjoinv (", ", keys);
          g_autofree gchar *hint = jmp_config_suggest (member, (const gchar * const *) keys);

          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s: unknown key for %s%s (known keys: %s)"),
                       place, type_name, hint, list);
          ok = FALSE;
          break;
        }
      if (g_str_equal (pspec->name, "name"))
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s: a driver's name is its key under export or children; it cannot be set in config"),
                       place);
          ok = FALSE;
          break;
        }
      if ((pspec->flags & G_PARAM_WRITABLE) == 0)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s: this key of %s is read-only"), place, type_name);
          ok = FALSE;
          break;
        }
      for (guint i = 0; i < n; i++)
        {
          if (g_str_equal (names[i], pspec->name))
            {
              g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                           _("%s: the key is set twice, as \"%s\" and \"%s\""),
                           place, written[i], member);
              ok = FALSE;
              break;
            }
        }
      if (!ok)
        break;
      if (!jmp_config_value_from_node (json_object_get_member (config, member), pspec,
                                       place, type_name, &values[n], error))
        {
          ok = FALSE;
          break;
        }
      names[n] = pspec->name;
      written[n] = member;
      n++;
    }

  /* a rebuilt Composite keeps its identity, so that its D-Bus object and
   * its children's ParentUuid do not change on a reload */
  if (ok && keep_uuid != NULL && !g_strv_contains ((const gchar * const *) names, "uuid"))
    {
      names[n] = "uuid";
      g_value_init (&values[n], G_TYPE_STRING);
      g_value_set_string (&values[n], keep_uuid);
      n++;
    }
  if (ok)
    driver = JMP_DRIVER (g_object_new_with_properties (type, n, names, values));
  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);
  g_free (values);
  if (driver == NULL)
    return NULL;

  jmp_driver_set_name (driver, jmp_config_entry_get_key (entry));
  jmp_driver_set_type_name (driver, type_name);
  if (jmp_config_entry_get_description (entry) != NULL)
    jmp_driver_set_description (driver, jmp_config_entry_get_description (entry));
  g_hash_table_iter_init (&iter, jmp_config_entry_get_methods_description (entry));
  while (g_hash_table_iter_next (&iter, &key, &value))
    jmp_driver_set_method_description (driver, key, value);
  g_object_set_qdata_full (G_OBJECT (driver), jmp_config_entry_qdata_quark (),
                           g_object_ref (entry), g_object_unref);
  return driver;
}

static gboolean
jmp_config_build_same_composite (JmpConfigEntry *entry, JmpDriver *previous)
{
  JmpConfigEntry *was;

  if (previous == NULL || !JMP_IS_COMPOSITE (previous))
    return FALSE;
  was = g_object_get_qdata (G_OBJECT (previous), jmp_config_entry_qdata_quark ());
  return was != NULL && jmp_config_entry_equal (was, entry);
}

/* The running driver at the same path is kept if nothing it was made from
 * changed. Composites are cheap and always new; a driver with children is
 * made anew so that it starts with its new children. */
static gboolean
jmp_config_build_can_reuse (JmpConfigEntry *entry,
                            GType           type,
                            JmpDriver      *previous)
{
  JmpConfigEntry *was;
  g_auto(GStrv) keys = NULL;

  if (previous == NULL || type == JMP_TYPE_COMPOSITE || G_OBJECT_TYPE (previous) != type)
    return FALSE;
  if (!jmp_driver_is_started (previous))
    return FALSE;
  if (jmp_config_entry_get_children (entry)->len > 0)
    return FALSE;
  keys = jmp_driver_get_child_keys (previous);
  if (keys != NULL && keys[0] != NULL)
    return FALSE;
  was = g_object_get_qdata (G_OBJECT (previous), jmp_config_entry_qdata_quark ());
  return was != NULL && jmp_config_entry_equal (was, entry);
}

static gboolean
jmp_config_build_create (JmpConfigBuild  *b,
                         JmpConfigEntry  *parent,
                         JmpDriver       *previous_parent,
                         gboolean         may_reuse,
                         GError         **error)
{
  GPtrArray *children = jmp_config_entry_get_children (parent);

  for (guint i = 0; i < children->len; i++)
    {
      JmpConfigEntry *entry = g_ptr_array_index (children, i);
      const gchar *key = jmp_config_entry_get_key (entry);
      g_autoptr(JmpDriver) previous = NULL;
      const gchar *type_name = NULL;
      JmpDriver *driver;
      GType type;

      if (jmp_config_entry_get_ref (entry) != NULL)
        continue;

      type = jmp_config_build_lookup (b, entry, &type_name, error);
      if (type == G_TYPE_INVALID)
        return FALSE;

      if (previous_parent != NULL && !jmp_driver_is_ref (previous_parent, key))
        previous = jmp_driver_get_child (previous_parent, key);

      if (may_reuse && jmp_config_build_can_reuse (entry, type, previous))
        {
          g_debug ("%s: %s is unchanged; keeping the running driver",
                   jmp_config_get_origin (b->config), jmp_config_entry_get_place (entry));
          g_hash_table_add (b->reused, previous);
          g_hash_table_insert (b->drivers, entry, g_object_ref (previous));
          continue;
        }

      driver = jmp_config_build_new_driver (b, entry, type, type_name,
                                            may_reuse && type == JMP_TYPE_COMPOSITE &&
                                            jmp_config_build_same_composite (entry, previous) ?
                                              jmp_driver_get_uuid (previous) : NULL,
                                            error);
      if (driver == NULL)
        return FALSE;
      g_hash_table_insert (b->drivers, entry, driver);

      /* Reuse stops below the first driver that is not a Composite. */
      if (!jmp_config_build_create (b, entry, previous,
                                    may_reuse && type == JMP_TYPE_COMPOSITE, error))
        return FALSE;
    }
  return TRUE;
}

static void
jmp_config_build_set_cycle_error (GPtrArray       *chain,
                                  JmpConfigEntry  *again,
                                  GError         **error)
{
  g_autoptr(GString) cycle = g_string_new (NULL);

  for (guint i = 0; i < chain->len; i++)
    g_string_append_printf (cycle, "%s → ",
                            jmp_config_entry_get_place (g_ptr_array_index (chain, i)));
  g_string_append (cycle, jmp_config_entry_get_place (again));
  g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
               _("%s: the refs form a cycle: %s"),
               jmp_config_entry_get_place (g_ptr_array_index (chain, 0)), cycle->str);
}

/* Follows the ref at the end of @chain to the entry it finally names,
 * through the refs met on the way; @chain is the refs being followed. */
static JmpConfigEntry *
jmp_config_build_resolve (JmpConfigBuild  *b,
                          GPtrArray       *chain,
                          GError         **error)
{
  JmpConfigEntry *ref = g_ptr_array_index (chain, chain->len - 1);
  const gchar *path = jmp_config_entry_get_ref (ref);
  g_auto(GStrv) segments = g_strsplit (path, ".", -1);
  g_autoptr(GString) walked = g_string_new (NULL);
  JmpConfigEntry *current = b->export;

  for (guint i = 0; segments[i] != NULL; i++)
    {
      JmpConfigEntry *next;

      if (segments[i][0] == '\0')
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s.ref: \"%s\" is not a path of names separated by \".\""),
                       jmp_config_entry_get_place (ref), path);
          return NULL;
        }
      next = jmp_config_entry_get_child (current, segments[i]);
      if (next == NULL)
        {
          if (walked->len == 0)
            g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                         _("%s.ref: no driver \"%s\": export has no \"%s\""),
                         jmp_config_entry_get_place (ref), path, segments[i]);
          else
            g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                         _("%s.ref: no driver \"%s\": \"%s\" has no child \"%s\""),
                         jmp_config_entry_get_place (ref), path, walked->str, segments[i]);
          return NULL;
        }
      if (walked->len > 0)
        g_string_append_c (walked, '.');
      g_string_append (walked, segments[i]);

      if (jmp_config_entry_get_ref (next) != NULL)
        {
          if (g_ptr_array_find (chain, next, NULL))
            {
              jmp_config_build_set_cycle_error (chain, next, error);
              return NULL;
            }
          g_ptr_array_add (chain, next);
          next = jmp_config_build_resolve (b, chain, error);
          g_ptr_array_remove_index (chain, chain->len - 1);
          if (next == NULL)
            return NULL;
        }
      current = next;
    }
  return current;
}

static gboolean
jmp_config_build_resolve_refs (JmpConfigBuild  *b,
                               JmpConfigEntry  *parent,
                               GError         **error)
{
  GPtrArray *children = jmp_config_entry_get_children (parent);

  for (guint i = 0; i < children->len; i++)
    {
      JmpConfigEntry *entry = g_ptr_array_index (children, i);

      if (jmp_config_entry_get_ref (entry) != NULL)
        {
          g_autoptr(GPtrArray) chain = g_ptr_array_new ();
          g_autofree gchar *prefix = NULL;
          JmpConfigEntry *target;

          g_ptr_array_add (chain, entry);
          target = jmp_config_build_resolve (b, chain, error);
          if (target == NULL)
            return FALSE;

          /* A ref inside the driver it names would make the tree contain
           * itself. */
          prefix = g_strconcat (jmp_config_entry_get_place (target), ".", NULL);
          if (g_str_has_prefix (jmp_config_entry_get_place (entry), prefix))
            {
              g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                           _("%s: the refs form a cycle: \"%s\" names %s, which contains this ref"),
                           jmp_config_entry_get_place (entry), jmp_config_entry_get_ref (entry),
                           jmp_config_entry_get_place (target));
              return FALSE;
            }
          g_hash_table_insert (b->targets, entry, g_hash_table_lookup (b->drivers, target));
        }
      else if (!jmp_config_build_resolve_refs (b, entry, error))
        return FALSE;
    }
  return TRUE;
}

/* Adds the children and refs of @entry to @driver, in file order. */
static void
jmp_config_build_attach (JmpConfigBuild *b,
                         JmpConfigEntry *entry,
                         JmpDriver      *driver)
{
  GPtrArray *children = jmp_config_entry_get_children (entry);

  for (guint i = 0; i < children->len; i++)
    {
      JmpConfigEntry *child = g_ptr_array_index (children, i);
      const gchar *key = jmp_config_entry_get_key (child);

      if (jmp_config_entry_get_ref (child) != NULL)
        jmp_driver_add_ref (driver, key, g_hash_table_lookup (b->targets, child));
      else
        jmp_driver_add_child (driver, key, g_hash_table_lookup (b->drivers, child));
    }
}

/* The error of a driver that failed to start, with its place. */
static void
jmp_config_build_set_start_error (JmpConfigStep  *step,
                                  GError         *cause,
                                  GError        **error)
{
  g_autoptr(GError) local_error = cause;

  jmp_error_convert (&local_error);
  g_set_error (error,
               local_error != NULL ? local_error->domain : JMP_ERROR,
               local_error != NULL ? local_error->code : JMP_ERROR_FAILED,
               _("%s: failed to start %s: %s"),
               jmp_config_entry_get_place (step->entry), jmp_driver_get_type_name (step->driver),
               local_error != NULL ? local_error->message : _("unknown error"));
}

static gboolean
jmp_config_build_run_step (JmpConfigBuild  *b,
                           JmpConfigStep   *step,
                           GError         **error)
{
  GError *local_error = NULL;

  jmp_config_build_attach (b, step->entry, step->driver);
  if (!jmp_driver_start (step->driver, &local_error))
    {
      jmp_config_build_set_start_error (step, local_error, error);
      return FALSE;
    }
  g_ptr_array_add (b->started, g_object_ref (step->driver));
  return TRUE;
}

static void
jmp_config_build_add_step (JmpConfigBuild *b,
                           JmpConfigEntry *entry,
                           JmpDriver      *driver)
{
  JmpConfigStep step = { entry, driver };

  g_array_append_val (b->steps, step);
}

/* Stage 3: children first. @top is TRUE while only Composites lie between
 * @entry and the root; such Composites are left for stage 4. */
static void
jmp_config_build_plan_start (JmpConfigBuild *b,
                             JmpConfigEntry *entry,
                             gboolean        top)
{
  JmpDriver *driver = g_hash_table_lookup (b->drivers, entry);
  GPtrArray *children = jmp_config_entry_get_children (entry);
  gboolean top_composite;

  if (g_hash_table_contains (b->reused, driver))
    return;

  top_composite = top && JMP_IS_COMPOSITE (driver);
  for (guint i = 0; i < children->len; i++)
    {
      JmpConfigEntry *child = g_ptr_array_index (children, i);

      if (jmp_config_entry_get_ref (child) == NULL)
        jmp_config_build_plan_start (b, child, top_composite);
    }
  if (!top_composite)
    jmp_config_build_add_step (b, entry, driver);
}

/* Stage 4: the Composites left by stage 3 (none of them started yet),
 * children first. */
static void
jmp_config_build_plan_assemble (JmpConfigBuild *b,
                                JmpConfigEntry *entry,
                                JmpDriver      *driver)
{
  GPtrArray *children = jmp_config_entry_get_children (entry);

  if (!JMP_IS_COMPOSITE (driver) || jmp_driver_is_started (driver))
    return;
  for (guint i = 0; i < children->len; i++)
    {
      JmpConfigEntry *child = g_ptr_array_index (children, i);

      if (jmp_config_entry_get_ref (child) == NULL)
        jmp_config_build_plan_assemble (b, child, g_hash_table_lookup (b->drivers, child));
    }
  jmp_config_build_add_step (b, entry, driver);
}

/* Stages 1 and 2, and the list of steps of stages 3 and 4. */
static JmpConfigBuild *
jmp_config_build_prepare (JmpConfig    *self,
                          JmpRegistry  *registry,
                          JmpDriver    *previous,
                          GError      **error)
{
  g_autoptr(JmpConfigBuild) b = g_new0 (JmpConfigBuild, 1);
  GPtrArray *children;

  b->config = g_object_ref (self);
  b->registry = g_object_ref (registry);
  b->previous = previous != NULL ? g_object_ref (previous) : NULL;
  b->export = jmp_config_get_export (self);
  b->drivers = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  b->targets = g_hash_table_new (NULL, NULL);
  b->reused = g_hash_table_new (NULL, NULL);
  b->started = g_ptr_array_new_with_free_func (g_object_unref);
  b->steps = g_array_new (FALSE, FALSE, sizeof (JmpConfigStep));

  b->root = jmp_composite_new ();
  jmp_driver_set_name (b->root, jmp_config_get_name (self));
  jmp_driver_set_type_name (b->root, jmp_config_build_composite_name (b));
  jmp_driver_set_description (b->root, jmp_config_get_description (self));
  g_hash_table_insert (b->drivers, b->export, g_object_ref (b->root));

  if (!jmp_config_build_create (b, b->export, previous, TRUE, error) ||
      !jmp_config_build_resolve_refs (b, b->export, error))
    {
      g_prefix_error (error, "%s: ", jmp_config_get_origin (self));
      return NULL;
    }

  children = jmp_config_entry_get_children (b->export);
  for (guint i = 0; i < children->len; i++)
    {
      JmpConfigEntry *child = g_ptr_array_index (children, i);

      if (jmp_config_entry_get_ref (child) == NULL)
        jmp_config_build_plan_start (b, child, TRUE);
    }
  b->n_stage3 = b->steps->len;
  jmp_config_build_plan_assemble (b, b->export, b->root);
  return g_steal_pointer (&b);
}

/* Undo in start order: children stop before their parents. */
static void
jmp_config_build_undo (JmpConfigBuild  *b,
                       GError         **error)
{
  for (guint i = 0; i < b->started->len; i++)
    jmp_driver_stop (g_ptr_array_index (b->started, i));
  g_prefix_error (error, "%s: ", jmp_config_get_origin (b->config));
}

/* Stage 4, which cannot fail, and the new tree. */
static JmpDriver *
jmp_config_build_complete (JmpConfigBuild  *b,
                           GError         **error)
{
  GHashTableIter iter;
  gpointer key, value;

  for (; b->next < b->steps->len; b->next++)
    {
      if (!jmp_config_build_run_step (b, &g_array_index (b->steps, JmpConfigStep, b->next),
                                      error))
        {
          jmp_config_build_undo (b, error);
          return NULL;
        }
    }

  /* A kept driver now stands for the new entry, which holds the new
   * config's values; the old config can go. */
  g_hash_table_iter_init (&iter, b->drivers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (g_hash_table_contains (b->reused, value))
        g_object_set_qdata_full (G_OBJECT (value), jmp_config_entry_qdata_quark (),
                                 g_object_ref (key), g_object_unref);
    }
  return g_steal_pointer (&b->root);
}

/**
 * jmp_config_build:
 * @self: a config
 * @registry: the driver types to build from
 * @previous: (nullable): the root of the tree running now, on a reload
 * @error: return location for a #GError
 *
 * Makes and starts the driver tree of @self: a Composite root named after
 * the exporter, with one driver per `export:` entry, in file order.
 *
 * Each entry's `config:` keys are the properties of its type (`enable_address`
 * sets `enable-address`), checked against their #GParamSpec. `ref:` entries
 * add the driver at a dotted path from the root (`group.a`) under a second
 * name. Drivers start children first, each with jmp_driver_start(); see
 * jmp_config_build_async() for a build that does not block.
 *
 * With @previous, a driver whose entry is at the same path and unchanged
 * (see jmp_config_entry_equal()) is kept as it is: same object, not
 * restarted. Only drivers that are not Composites, have no children and sit
 * in a Composite are kept. The drivers of @previous that are not in the new
 * tree are the caller's to stop, once it switched to the new tree, with
 * jmp_config_stop_unused().
 *
 * On failure, the drivers this call started are stopped again (children
 * first, as they started), @previous is left as it was, and @error says
 * what and where, after the origin of the config:
 * `FILE: export.net.config.port: 70000 is out of range 1–65535`.
 * An unknown type or a ref to a missing driver is %JMP_ERROR_NOT_FOUND,
 * a bad entry or value %JMP_ERROR_INVALID_ARGS, and a driver that fails
 * to start keeps its own error code: `FILE: export.net: failed to start
 * TcpNetwork: …`.
 *
 * Returns: (transfer full): the started root of the new tree, or %NULL
 */
JmpDriver *
jmp_config_build (JmpConfig    *self,
                  JmpRegistry  *registry,
                  JmpDriver    *previous,
                  GError      **error)
{
  g_autoptr(JmpConfigBuild) b = NULL;

  g_return_val_if_fail (JMP_IS_CONFIG (self), NULL);
  g_return_val_if_fail (JMP_IS_REGISTRY (registry), NULL);
  g_return_val_if_fail (previous == NULL || JMP_IS_DRIVER (previous), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  b = jmp_config_build_prepare (self, registry, previous, error);
  if (b == NULL)
    return NULL;
  return jmp_config_build_complete (b, error);
}

static void jmp_config_build_next (GTask *task);

static void
jmp_config_build_started_cb (GObject      *source,
                             GAsyncResult *res,
                             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpConfigBuild *b = g_task_get_task_data (task);
  JmpConfigStep *step = &g_array_index (b->steps, JmpConfigStep, b->next);
  GError *local_error = NULL;
  GError *error = NULL;

  if (!jmp_driver_start_finish (JMP_DRIVER (source), res, &local_error))
    {
      if (!g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
        jmp_config_build_set_start_error (step, g_steal_pointer (&local_error), &error);
      g_clear_error (&local_error);
      jmp_config_build_undo (b, &error);
      g_task_return_error (task, error);
      return;
    }
  g_ptr_array_add (b->started, g_object_ref (step->driver));
  b->next++;
  jmp_config_build_next (g_steal_pointer (&task));
}

/* Starts the next driver of stage 3 that has a start of its own to wait
 * for, the ones before it at once; or ends with stage 4. */
static void
jmp_config_build_next (GTask *task)
{
  JmpConfigBuild *b = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;
  JmpDriver *root;

  for (; b->next < b->n_stage3; b->next++)
    {
      JmpConfigStep *step = &g_array_index (b->steps, JmpConfigStep, b->next);

      if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
          (JMP_DRIVER_GET_CLASS (step->driver)->start_async == NULL &&
           !jmp_config_build_run_step (b, step, &error)))
        {
          jmp_config_build_undo (b, &error);
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      if (JMP_DRIVER_GET_CLASS (step->driver)->start_async != NULL)
        {
          jmp_config_build_attach (b, step->entry, step->driver);
          jmp_driver_start_async (step->driver, cancellable, jmp_config_build_started_cb, task);
          return;
        }
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      jmp_config_build_undo (b, &error);
      root = NULL;
    }
  else
    root = jmp_config_build_complete (b, &error);
  if (root == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, root, g_object_unref);
  g_object_unref (task);
}

/**
 * jmp_config_build_async:
 * @self: a config
 * @registry: the driver types to build from
 * @previous: (nullable): the root of the tree running now, on a reload
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the new tree is started, or
 *   failed to
 * @user_data: data for @callback
 *
 * Builds the tree of @self as jmp_config_build() does, with the same
 * order, errors and undo, but a driver whose class has
 * #JmpDriverClass.start_async (a start that waits for a process or a
 * device) is started with jmp_driver_start_async(), and the caller's
 * main context runs meanwhile; the others start at once, as in
 * jmp_config_build(). The entries are checked, and the drivers made,
 * before this returns.
 *
 * @previous must stay as it is until @callback runs: the caller keeps
 * serving it, and switches (and stops what the new tree does not keep,
 * with jmp_config_stop_unused()) only once the build succeeded.
 *
 * Cancelling @cancellable stops what this build started and fails it with
 * %G_IO_ERROR_CANCELLED.
 */
void
jmp_config_build_async (JmpConfig           *self,
                        JmpRegistry         *registry,
                        JmpDriver           *previous,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  JmpConfigBuild *b;
  GError *error = NULL;

  g_return_if_fail (JMP_IS_CONFIG (self));
  g_return_if_fail (JMP_IS_REGISTRY (registry));
  g_return_if_fail (previous == NULL || JMP_IS_DRIVER (previous));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_config_build_async);
  /* a tree that is built is the caller's to use or stop */
  g_task_set_check_cancellable (task, FALSE);
  b = jmp_config_build_prepare (self, registry, previous, &error);
  if (b == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, b, (GDestroyNotify) jmp_config_build_free);
  jmp_config_build_next (g_steal_pointer (&task));
}

/**
 * jmp_config_build_finish:
 * @self: a config
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_config_build_async().
 *
 * Returns: (transfer full): the started root of the new tree, or %NULL
 */
JmpDriver *
jmp_config_build_finish (JmpConfig     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == jmp_config_build_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
