/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-driver.h"
#include "jmp-driver-field-private.h"

/**
 * JmpDriver:
 *
 * Base class of every driver.
 *
 * A driver is built from one entry of an exporter config: its config keys
 * are its properties, its children are added with jmp_driver_add_child(),
 * and jmp_driver_start() runs once the whole entry is set. The host exports
 * it on D-Bus with one interface per capability it implements.
 */

typedef struct {
  gchar     *key;
  JmpDriver *driver;  /* owned, or NULL for a ref */
  GWeakRef   target;  /* a ref: the tree owns the target, not its alias */
} JmpDriverChild;

typedef struct {
  gchar      *name;
  gchar      *uuid;
  gchar      *description;
  gchar      *type_name;
  GHashTable *labels;
  GHashTable *methods_description;
  JmpDriver  *parent;  /* not owned: a parent outlives its children */
  GPtrArray  *children;
  gboolean    started;
  gboolean    starting;  /* a start_async is under way */
  gboolean    stopping;  /* a stop_async is under way */
} JmpDriverPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (JmpDriver, jmp_driver, G_TYPE_OBJECT)

#define GET_PRIVATE(o) ((JmpDriverPrivate *) jmp_driver_get_instance_private (o))

enum {
  PROP_0,
  PROP_NAME,
  PROP_UUID,
  PROP_DESCRIPTION,
  PROP_LABELS,
  PROP_METHODS_DESCRIPTION,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
jmp_driver_child_free (JmpDriverChild *child)
{
  g_free (child->key);
  g_clear_object (&child->driver);
  g_weak_ref_clear (&child->target);
  g_free (child);
}

static GHashTable *
jmp_string_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
jmp_string_table_merge (GHashTable *dest, GHashTable *src)
{
  GHashTableIter iter;
  gpointer key, value;

  if (src == NULL)
    return;
  g_hash_table_iter_init (&iter, src);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (dest, g_strdup (key), g_strdup (value));
}

static void
jmp_driver_dispose (GObject *object)
{
  JmpDriver *self = JMP_DRIVER (object);
  JmpDriverPrivate *priv = GET_PRIVATE (self);

  /* a safety net: the tree's owner stops drivers in order before this */
  if (priv->started)
    jmp_driver_stop (self);
  g_ptr_array_set_size (priv->children, 0);

  G_OBJECT_CLASS (jmp_driver_parent_class)->dispose (object);
}

/* Fields start at their defaults before the config sets what it names
 * (g_object_new() sets those after constructed). */
static void
jmp_driver_constructed (GObject *object)
{
  G_OBJECT_CLASS (jmp_driver_parent_class)->constructed (object);
  jmp_driver_fields_init (JMP_DRIVER (object));
}

static void
jmp_driver_finalize (GObject *object)
{
  JmpDriverPrivate *priv = GET_PRIVATE (JMP_DRIVER (object));

  jmp_driver_fields_clear (JMP_DRIVER (object));

  g_free (priv->name);
  g_free (priv->uuid);
  g_free (priv->description);
  g_free (priv->type_name);
  g_hash_table_unref (priv->labels);
  g_hash_table_unref (priv->methods_description);
  g_ptr_array_unref (priv->children);

  G_OBJECT_CLASS (jmp_driver_parent_class)->finalize (object);
}

static void
jmp_driver_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  JmpDriver *self = JMP_DRIVER (object);
  JmpDriverPrivate *priv = GET_PRIVATE (self);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, priv->name);
      break;
    case PROP_UUID:
      g_value_set_string (value, priv->uuid);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, priv->description);
      break;
    case PROP_LABELS:
      g_value_set_boxed (value, priv->labels);
      break;
    case PROP_METHODS_DESCRIPTION:
      g_value_take_boxed (value, jmp_driver_get_methods_description (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_driver_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  JmpDriver *self = JMP_DRIVER (object);
  JmpDriverPrivate *priv = GET_PRIVATE (self);

  switch (prop_id)
    {
    case PROP_NAME:
      jmp_driver_set_name (self, g_value_get_string (value));
      break;
    case PROP_UUID:
      g_free (priv->uuid);
      priv->uuid = g_value_dup_string (value);
      if (priv->uuid == NULL)
        priv->uuid = g_uuid_string_random ();
      break;
    case PROP_DESCRIPTION:
      jmp_driver_set_description (self, g_value_get_string (value));
      break;
    case PROP_LABELS:
      g_hash_table_remove_all (priv->labels);
      jmp_string_table_merge (priv->labels, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_driver_class_init (JmpDriverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = jmp_driver_constructed;
  object_class->dispose = jmp_driver_dispose;
  object_class->finalize = jmp_driver_finalize;
  object_class->get_property = jmp_driver_get_property;
  object_class->set_property = jmp_driver_set_property;

  /**
   * JmpDriver:name:
   *
   * The key of the driver in its parent's export or children map.
   */
  props[PROP_NAME] =
    g_param_spec_string ("name", "Name",
                         _("Key of the driver in its parent"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * JmpDriver:uuid:
   *
   * Identity of the driver, random unless the config sets it.
   */
  props[PROP_UUID] =
    g_param_spec_string ("uuid", "UUID",
                         _("Identity of the driver (random unless set)"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * JmpDriver:description:
   *
   * One line shown by `jmp list` and in the command help.
   */
  props[PROP_DESCRIPTION] =
    g_param_spec_string ("description", "Description",
                         _("Help text shown for the driver"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * JmpDriver:labels: (type GLib.HashTable(utf8,utf8))
   *
   * Free key/value labels of the driver.
   */
  props[PROP_LABELS] =
    g_param_spec_boxed ("labels", "Labels",
                        _("Key/value labels of the driver"),
                        G_TYPE_HASH_TABLE,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  /**
   * JmpDriver:methods-description: (type GLib.HashTable(utf8,utf8))
   *
   * Help text per client command.
   */
  props[PROP_METHODS_DESCRIPTION] =
    g_param_spec_boxed ("methods-description", "Methods description",
                        _("Help text per client command"),
                        G_TYPE_HASH_TABLE,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_driver_init (JmpDriver *self)
{
  JmpDriverPrivate *priv = GET_PRIVATE (self);

  priv->uuid = g_uuid_string_random ();
  priv->labels = jmp_string_table_new ();
  priv->methods_description = jmp_string_table_new ();
  priv->children = g_ptr_array_new_with_free_func ((GDestroyNotify) jmp_driver_child_free);
}

/**
 * jmp_driver_get_name:
 * @self: a #JmpDriver
 *
 * Gets the driver's name, #JmpDriver:name.
 *
 * Returns: (nullable): the key of the driver in its parent
 */
const gchar *
jmp_driver_get_name (JmpDriver *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER (self), NULL);
  return GET_PRIVATE (self)->name;
}

/**
 * jmp_driver_set_name:
 * @self: a #JmpDriver
 * @name: (nullable): the key of the driver in its parent
 *
 * Sets the driver's name, #JmpDriver:name.
 */
void
jmp_driver_set_name (JmpDriver *self, const gchar *name)
{
  JmpDriverPrivate *priv;

  g_return_if_fail (JMP_IS_DRIVER (self));
  priv = GET_PRIVATE (self);
  if (g_strcmp0 (priv->name, name) == 0)
    return;
  g_free (priv->name);
  priv->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME]);
}

/**
 * jmp_driver_get_uuid:
 * @self: a #JmpDriver
 *
 * Gets the driver's identity, #JmpDriver:uuid.
 *
 * Returns: the identity of the driver
 */
const gchar *
jmp_driver_get_uuid (JmpDriver *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER (self), NULL);
  return GET_PRIVATE (self)->uuid;
}

/**
 * jmp_driver_get_description:
 * @self: a #JmpDriver
 *
 * Gets the driver's help text, #JmpDriver:description.
 *
 * Returns: (nullable): the help text of the driver
 */
const gchar *
jmp_driver_get_description (JmpDriver *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER (self), NULL);
  return GET_PRIVATE (self)->description;
}

/**
 * jmp_driver_set_description:
 * @self: a #JmpDriver
 * @description: (nullable): help text
 *
 * Sets the driver's help text, #JmpDriver:description.
 */
void
jmp_driver_set_description (JmpDriver *self, const gchar *description)
{
  JmpDriverPrivate *priv;

  g_return_if_fail (JMP_IS_DRIVER (self));
  priv = GET_PRIVATE (self);
  if (g_strcmp0 (priv->description, description) == 0)
    return;
  g_free (priv->description);
  priv->description = g_strdup (description);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DESCRIPTION]);
}

/**
 * jmp_driver_get_labels:
 * @self: a #JmpDriver
 *
 * Gets the driver's labels, #JmpDriver:labels.
 *
 * Returns: (transfer none) (element-type utf8 utf8): the labels
 */
GHashTable *
jmp_driver_get_labels (JmpDriver *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER (self), NULL);
  return GET_PRIVATE (self)->labels;
}

/**
 * jmp_driver_set_label:
 * @self: a #JmpDriver
 * @key: label key, e.g. "jumpstarter.dev/dbusnetwork/kind"
 * @value: (nullable): its value, %NULL to remove it
 *
 * Sets or removes one label of the driver.
 */
void
jmp_driver_set_label (JmpDriver *self, const gchar *key, const gchar *value)
{
  JmpDriverPrivate *priv;

  g_return_if_fail (JMP_IS_DRIVER (self));
  g_return_if_fail (key != NULL);
  priv = GET_PRIVATE (self);
  if (value == NULL)
    g_hash_table_remove (priv->labels, key);
  else
    g_hash_table_insert (priv->labels, g_strdup (key), g_strdup (value));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LABELS]);
}

/**
 * jmp_driver_get_methods_description:
 * @self: a #JmpDriver
 *
 * The driver class's own help per command, overridden by what the config
 * sets with jmp_driver_set_method_description().
 *
 * Returns: (transfer full) (element-type utf8 utf8): help text per command
 */
GHashTable *
jmp_driver_get_methods_description (JmpDriver *self)
{
  JmpDriverClass *klass;
  GHashTable *result = jmp_string_table_new ();

  g_return_val_if_fail (JMP_IS_DRIVER (self), result);
  klass = JMP_DRIVER_GET_CLASS (self);
  if (klass->get_methods_description != NULL)
    {
      g_autoptr(GHashTable) own = klass->get_methods_description (self);
      jmp_string_table_merge (result, own);
    }
  jmp_string_table_merge (result, GET_PRIVATE (self)->methods_description);
  return result;
}

/**
 * jmp_driver_set_method_description:
 * @self: a #JmpDriver
 * @method: a client command, e.g. "connect"
 * @text: (nullable): its help text, %NULL to remove it
 *
 * Sets or removes the help text of one client command, which clients
 * read from `Driver1.MethodsDescription`.
 */
void
jmp_driver_set_method_description (JmpDriver   *self,
                                   const gchar *method,
                                   const gchar *text)
{
  JmpDriverPrivate *priv;

  g_return_if_fail (JMP_IS_DRIVER (self));
  g_return_if_fail (method != NULL);
  priv = GET_PRIVATE (self);
  if (text == NULL)
    g_hash_table_remove (priv->methods_description, method);
  else
    g_hash_table_insert (priv->methods_description, g_strdup (method), g_strdup (text));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_METHODS_DESCRIPTION]);
}

/**
 * jmp_driver_get_type_name:
 * @self: a #JmpDriver
 *
 * Gets the name of the driver's type, as clients see it in `Driver1.Type`.
 *
 * Returns: the registry name the driver was built under, e.g. "TcpNetwork",
 *   or its GType name if it was made by hand
 */
const gchar *
jmp_driver_get_type_name (JmpDriver *self)
{
  JmpDriverPrivate *priv;

  g_return_val_if_fail (JMP_IS_DRIVER (self), NULL);
  priv = GET_PRIVATE (self);
  return priv->type_name != NULL ? priv->type_name : G_OBJECT_TYPE_NAME (self);
}

/**
 * jmp_driver_set_type_name:
 * @self: a #JmpDriver
 * @type_name: (nullable): the registry name of its type
 *
 * Sets the name of the driver's type; the registry does it for the drivers
 * that a config builds.
 */
void
jmp_driver_set_type_name (JmpDriver *self, const gchar *type_name)
{
  JmpDriverPrivate *priv;

  g_return_if_fail (JMP_IS_DRIVER (self));
  priv = GET_PRIVATE (self);
  g_free (priv->type_name);
  priv->type_name = g_strdup (type_name);
}

/**
 * jmp_driver_get_parent:
 * @self: a #JmpDriver
 *
 * Gets the driver that holds this one as a child.
 *
 * Returns: (transfer none) (nullable): the driver that owns @self
 */
JmpDriver *
jmp_driver_get_parent (JmpDriver *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER (self), NULL);
  return GET_PRIVATE (self)->parent;
}

static JmpDriverChild *
jmp_driver_find_child (JmpDriver *self, const gchar *key)
{
  GPtrArray *children = GET_PRIVATE (self)->children;

  for (guint i = 0; i < children->len; i++)
    {
      JmpDriverChild *child = g_ptr_array_index (children, i);
      if (g_strcmp0 (child->key, key) == 0)
        return child;
    }
  return NULL;
}

/**
 * jmp_driver_add_child:
 * @self: a #JmpDriver
 * @key: the child's key, unique among the children of @self
 * @child: (transfer none): a driver without a parent
 *
 * Makes @self the owner of @child. Children keep the order they are added
 * in, which is the order of the config file.
 */
void
jmp_driver_add_child (JmpDriver *self, const gchar *key, JmpDriver *child)
{
  JmpDriverChild *entry;

  g_return_if_fail (JMP_IS_DRIVER (self));
  g_return_if_fail (JMP_IS_DRIVER (child));
  g_return_if_fail (key != NULL);
  g_return_if_fail (jmp_driver_find_child (self, key) == NULL);

  entry = g_new0 (JmpDriverChild, 1);
  entry->key = g_strdup (key);
  entry->driver = g_object_ref (child);
  g_weak_ref_init (&entry->target, NULL);
  g_ptr_array_add (GET_PRIVATE (self)->children, entry);
  GET_PRIVATE (child)->parent = self;
}

/**
 * jmp_driver_add_ref:
 * @self: a #JmpDriver
 * @key: the alias's key, unique among the children of @self
 * @target: (transfer none): a driver of the same tree
 *
 * Adds @target under a second name (a config `ref:`). The alias does not
 * own @target and is not walked by jmp_driver_foreach().
 */
void
jmp_driver_add_ref (JmpDriver *self, const gchar *key, JmpDriver *target)
{
  JmpDriverChild *entry;

  g_return_if_fail (JMP_IS_DRIVER (self));
  g_return_if_fail (JMP_IS_DRIVER (target));
  g_return_if_fail (key != NULL);
  g_return_if_fail (jmp_driver_find_child (self, key) == NULL);

  entry = g_new0 (JmpDriverChild, 1);
  entry->key = g_strdup (key);
  g_weak_ref_init (&entry->target, target);
  g_ptr_array_add (GET_PRIVATE (self)->children, entry);
}

/**
 * jmp_driver_get_child_keys:
 * @self: a #JmpDriver
 *
 * Lists the keys of the driver's children and refs.
 *
 * Returns: (transfer full): the keys of the children and refs, in order
 */
GStrv
jmp_driver_get_child_keys (JmpDriver *self)
{
  GPtrArray *children;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (JMP_IS_DRIVER (self), NULL);
  children = GET_PRIVATE (self)->children;
  for (guint i = 0; i < children->len; i++)
    g_strv_builder_add (builder, ((JmpDriverChild *) g_ptr_array_index (children, i))->key);
  return g_strv_builder_end (builder);
}

/**
 * jmp_driver_get_child:
 * @self: a #JmpDriver
 * @key: a child's key
 *
 * Looks up a child of the driver, or the driver a ref names, by its key.
 *
 * Returns: (transfer full) (nullable): the child or the target of the ref
 *   named @key
 */
JmpDriver *
jmp_driver_get_child (JmpDriver *self, const gchar *key)
{
  JmpDriverChild *child;

  g_return_val_if_fail (JMP_IS_DRIVER (self), NULL);
  child = jmp_driver_find_child (self, key);
  if (child == NULL)
    return NULL;
  if (child->driver != NULL)
    return g_object_ref (child->driver);
  return g_weak_ref_get (&child->target);
}

/**
 * jmp_driver_is_ref:
 * @self: a #JmpDriver
 * @key: a child's key
 *
 * Tells whether a key of the driver names a ref rather than a child.
 *
 * Returns: %TRUE if @key names an alias added with jmp_driver_add_ref()
 */
gboolean
jmp_driver_is_ref (JmpDriver *self, const gchar *key)
{
  JmpDriverChild *child;

  g_return_val_if_fail (JMP_IS_DRIVER (self), FALSE);
  child = jmp_driver_find_child (self, key);
  return child != NULL && child->driver == NULL;
}

/* A class with only start_async, started synchronously: the start runs
 * on a private main context, so that nothing else of the caller's context
 * is dispatched meanwhile (the standard sync-wrapper pattern). */
static void
jmp_driver_sync_cb (GObject      *source,
                    GAsyncResult *res,
                    gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (res);
}

typedef void (*JmpDriverAsyncFunc) (JmpDriver           *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);

/* Runs @func on a private context until it calls back; returns its result. */
static GAsyncResult *
jmp_driver_run_on_private_context (JmpDriver *self, JmpDriverAsyncFunc func)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  GAsyncResult *result = NULL;

  g_main_context_push_thread_default (context);
  func (self, NULL, jmp_driver_sync_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return result;
}

static gboolean
jmp_driver_start_on_private_context (JmpDriver *self, GError **error)
{
  g_autoptr(GAsyncResult) result = jmp_driver_run_on_private_context (self, jmp_driver_start_async);

  return jmp_driver_start_finish (self, result, error);
}

/* Also while a stop is under way: what it releases may be in the way. */
static gboolean
jmp_driver_set_already_starting (JmpDriver *self, GError **error)
{
  if (GET_PRIVATE (self)->stopping)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                 _("driver %s is still stopping"), jmp_driver_get_name (self));
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                 _("driver %s is already starting"), jmp_driver_get_name (self));
  return FALSE;
}

/**
 * jmp_driver_start:
 * @self: a #JmpDriver
 * @error: return location for a #GError
 *
 * Starts @self alone (not its children). Starting a started driver does
 * nothing. A class with only #JmpDriverClass.start_async is started on a
 * private main context, which this call runs until the start is done.
 *
 * Returns: %TRUE on success
 */
gboolean
jmp_driver_start (JmpDriver *self, GError **error)
{
  JmpDriverClass *klass;
  JmpDriverPrivate *priv;

  g_return_val_if_fail (JMP_IS_DRIVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = GET_PRIVATE (self);
  if (priv->started)
    return TRUE;
  if (priv->starting || priv->stopping)
    return jmp_driver_set_already_starting (self, error);
  klass = JMP_DRIVER_GET_CLASS (self);
  if (klass->start == NULL && klass->start_async != NULL)
    return jmp_driver_start_on_private_context (self, error);
  if (klass->start != NULL && !klass->start (self, error))
    return FALSE;
  priv->started = TRUE;
  return TRUE;
}

static void
jmp_driver_start_async_cb (GObject      *source,
                           GAsyncResult *res,
                           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpDriver *self = JMP_DRIVER (source);
  JmpDriverPrivate *priv = GET_PRIVATE (self);
  GError *error = NULL;

  priv->starting = FALSE;
  if (!JMP_DRIVER_GET_CLASS (self)->start_finish (self, res, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  priv->started = TRUE;
  g_task_return_boolean (task, TRUE);
}

/**
 * jmp_driver_start_async:
 * @self: a #JmpDriver
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when @self is started, or failed to
 * @user_data: data for @callback
 *
 * Starts @self alone (not its children) without blocking: through
 * #JmpDriverClass.start_async if the class has it, else by calling
 * #JmpDriverClass.start at once and returning its result through the task.
 * Starting a started driver does nothing.
 *
 * A driver that did start is started even if @cancellable was cancelled
 * meanwhile: jmp_driver_start_finish() returns %TRUE and the caller stops
 * it. While a start or a stop is under way, a start fails with
 * %G_IO_ERROR_PENDING.
 */
void
jmp_driver_start_async (JmpDriver           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  JmpDriverClass *klass;
  JmpDriverPrivate *priv;
  GError *error = NULL;

  g_return_if_fail (JMP_IS_DRIVER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_driver_start_async);
  /* what started is reported as started, for the caller to stop */
  g_task_set_check_cancellable (task, FALSE);

  priv = GET_PRIVATE (self);
  klass = JMP_DRIVER_GET_CLASS (self);
  if (priv->started)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (priv->starting || priv->stopping)
    {
      jmp_driver_set_already_starting (self, &error);
      g_task_return_error (task, error);
      return;
    }
  if (klass->start_async != NULL)
    {
      g_return_if_fail (klass->start_finish != NULL);
      priv->starting = TRUE;
      klass->start_async (self, cancellable, jmp_driver_start_async_cb, g_steal_pointer (&task));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  if (klass->start != NULL && !klass->start (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  priv->started = TRUE;
  g_task_return_boolean (task, TRUE);
}

/**
 * jmp_driver_start_finish:
 * @self: a #JmpDriver
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_driver_start_async().
 *
 * Returns: %TRUE if @self is started
 */
gboolean
jmp_driver_start_finish (JmpDriver     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == jmp_driver_start_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* A class with only stop_async, stopped synchronously: as for a start,
 * on a private main context. */
static void
jmp_driver_stop_on_private_context (JmpDriver *self)
{
  g_autoptr(GAsyncResult) result = jmp_driver_run_on_private_context (self, jmp_driver_stop_async);

  jmp_driver_stop_finish (self, result);
}

/**
 * jmp_driver_stop:
 * @self: a #JmpDriver
 *
 * Stops @self alone (not its children). Stopping a stopped driver, or one
 * whose stop is under way, does nothing. A class with only
 * #JmpDriverClass.stop_async is stopped on a private main context, which
 * this call runs until the stop is done.
 */
void
jmp_driver_stop (JmpDriver *self)
{
  JmpDriverClass *klass;
  JmpDriverPrivate *priv;

  g_return_if_fail (JMP_IS_DRIVER (self));
  priv = GET_PRIVATE (self);
  if (!priv->started)
    return;
  klass = JMP_DRIVER_GET_CLASS (self);
  if (klass->stop == NULL && klass->stop_async != NULL)
    {
      jmp_driver_stop_on_private_context (self);
      return;
    }
  priv->started = FALSE;
  if (klass->stop != NULL)
    klass->stop (self);
}

static void
jmp_driver_stop_async_cb (GObject      *source,
                          GAsyncResult *res,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpDriver *self = JMP_DRIVER (source);

  JMP_DRIVER_GET_CLASS (self)->stop_finish (self, res);
  GET_PRIVATE (self)->stopping = FALSE;
  g_task_return_boolean (task, TRUE);
}

/**
 * jmp_driver_stop_async:
 * @self: a #JmpDriver
 * @cancellable: (nullable): a #GCancellable, to make the stop hurry
 * @callback: (scope async): called when @self is stopped
 * @user_data: data for @callback
 *
 * Stops @self alone (not its children) without blocking: through
 * #JmpDriverClass.stop_async if the class has it, else by calling
 * #JmpDriverClass.stop at once and returning through the task.
 *
 * @self counts as stopped from the moment the stop begins:
 * jmp_driver_is_started() is %FALSE and another stop does nothing (it
 * calls back at once), while jmp_driver_is_stopping() is %TRUE until
 * @callback runs. A stop always ends and releases everything; cancelling
 * @cancellable only asks it to hurry (a process is killed instead of
 * being waited for).
 */
void
jmp_driver_stop_async (JmpDriver           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  JmpDriverClass *klass;
  JmpDriverPrivate *priv;

  g_return_if_fail (JMP_IS_DRIVER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_driver_stop_async);
  /* a stop is never undone: it reports its end, cancelled or not */
  g_task_set_check_cancellable (task, FALSE);

  priv = GET_PRIVATE (self);
  klass = JMP_DRIVER_GET_CLASS (self);
  if (!priv->started)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  priv->started = FALSE;
  if (klass->stop_async != NULL)
    {
      g_return_if_fail (klass->stop_finish != NULL);
      priv->stopping = TRUE;
      klass->stop_async (self, cancellable, jmp_driver_stop_async_cb, g_steal_pointer (&task));
      return;
    }
  if (klass->stop != NULL)
    klass->stop (self);
  g_task_return_boolean (task, TRUE);
}

/**
 * jmp_driver_stop_finish:
 * @self: a #JmpDriver
 * @result: the #GAsyncResult passed to the callback
 *
 * Finishes jmp_driver_stop_async(): @self is stopped and has released
 * what it held.
 */
void
jmp_driver_stop_finish (JmpDriver    *self,
                        GAsyncResult *result)
{
  g_return_if_fail (g_task_is_valid (result, self));
  g_return_if_fail (g_task_get_source_tag (G_TASK (result)) == jmp_driver_stop_async);
  g_task_propagate_boolean (G_TASK (result), NULL);
}

/**
 * jmp_driver_is_stopping:
 * @self: a #JmpDriver
 *
 * Tells whether a stop of @self is under way: it is not started any
 * more, but still releasing what it held.
 *
 * Returns: %TRUE between jmp_driver_stop_async() and its callback, for a
 *   class with #JmpDriverClass.stop_async
 */
gboolean
jmp_driver_is_stopping (JmpDriver *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER (self), FALSE);
  return GET_PRIVATE (self)->stopping;
}

/**
 * jmp_driver_is_started:
 * @self: a #JmpDriver
 *
 * Tells whether the driver is started.
 *
 * Returns: %TRUE between jmp_driver_start() and jmp_driver_stop()
 */
gboolean
jmp_driver_is_started (JmpDriver *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER (self), FALSE);
  return GET_PRIVATE (self)->started;
}

/**
 * jmp_driver_export:
 * @self: a #JmpDriver
 * @object: the object that represents @self in one export of the tree (the
 *   bus's, or the one every peer-to-peer client shares)
 *
 * Lets a driver add interfaces of its own next to the ones the host adds
 * for the capabilities it implements.
 */
void
jmp_driver_export (JmpDriver *self, GDBusObjectSkeleton *object)
{
  JmpDriverClass *klass;

  g_return_if_fail (JMP_IS_DRIVER (self));
  g_return_if_fail (G_IS_DBUS_OBJECT_SKELETON (object));
  klass = JMP_DRIVER_GET_CLASS (self);
  if (klass->export != NULL)
    klass->export (self, object);
}

static gboolean
jmp_driver_foreach_path (JmpDriver            *self,
                         const gchar          *path,
                         JmpDriverForeachFunc  func,
                         gpointer              user_data)
{
  GPtrArray *children = GET_PRIVATE (self)->children;

  if (!func (self, path, user_data))
    return FALSE;
  for (guint i = 0; i < children->len; i++)
    {
      JmpDriverChild *child = g_ptr_array_index (children, i);
      g_autofree gchar *child_path = NULL;

      if (child->driver == NULL)
        continue;
      child_path = *path != '\0' ? g_strdup_printf ("%s.%s", path, child->key)
                                 : g_strdup (child->key);
      if (!jmp_driver_foreach_path (child->driver, child_path, func, user_data))
        return FALSE;
    }
  return TRUE;
}

/**
 * jmp_driver_foreach:
 * @self: the root of a tree
 * @func: (scope call): called for each driver, parents before children
 * @user_data: data for @func
 *
 * Walks the tree below @self, @self included, in config order.
 *
 * Returns: %FALSE if @func stopped the walk
 */
gboolean
jmp_driver_foreach (JmpDriver            *self,
                    JmpDriverForeachFunc  func,
                    gpointer              user_data)
{
  g_return_val_if_fail (JMP_IS_DRIVER (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  return jmp_driver_foreach_path (self, "", func, user_data);
}
