/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-driver-field-private.h"
#include "jmp-driver-method.h"

/*
 * Properties kept in a field of the instance struct, read and written by
 * the SDK: a driver's config keys and state without get_property and
 * set_property of its own. The field starts at the property's default and
 * notify is emitted only when a value changes.
 */

static GQuark
jmp_driver_field_quark (void)
{
  return g_quark_from_static_string ("jmp-driver-field-offset");
}

/* offset + 1, so that 0 says "not a field" */
static gsize
jmp_driver_field_offset (GParamSpec *pspec)
{
  return GPOINTER_TO_SIZE (g_param_spec_get_qdata (pspec, jmp_driver_field_quark ()));
}

static gpointer
jmp_driver_field_ptr (GObject *object, GParamSpec *pspec)
{
  return G_STRUCT_MEMBER_P (object, jmp_driver_field_offset (pspec) - 1);
}

static gboolean
jmp_driver_field_type_supported (GType type)
{
  if (type == G_TYPE_STRV || G_TYPE_IS_ENUM (type) || G_TYPE_IS_FLAGS (type))
    return TRUE;
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN: case G_TYPE_INT: case G_TYPE_UINT: case G_TYPE_INT64:
    case G_TYPE_UINT64: case G_TYPE_DOUBLE: case G_TYPE_STRING:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
jmp_driver_field_read (GObject *object, GParamSpec *pspec, GValue *value)
{
  gpointer field = jmp_driver_field_ptr (object, pspec);
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

  if (G_TYPE_IS_ENUM (type))
    g_value_set_enum (value, *(gint *) field);
  else if (G_TYPE_IS_FLAGS (type))
    g_value_set_flags (value, *(guint *) field);
  else if (type == G_TYPE_STRV)
    g_value_set_boxed (value, *(GStrv *) field);
  else
    switch (G_TYPE_FUNDAMENTAL (type))
      {
      case G_TYPE_BOOLEAN: g_value_set_boolean (value, *(gboolean *) field); break;
      case G_TYPE_INT: g_value_set_int (value, *(gint *) field); break;
      case G_TYPE_UINT: g_value_set_uint (value, *(guint *) field); break;
      case G_TYPE_INT64: g_value_set_int64 (value, *(gint64 *) field); break;
      case G_TYPE_UINT64: g_value_set_uint64 (value, *(guint64 *) field); break;
      case G_TYPE_DOUBLE: g_value_set_double (value, *(gdouble *) field); break;
      case G_TYPE_STRING: g_value_set_string (value, *(gchar **) field); break;
      default: g_assert_not_reached ();
      }
}

/* Returns whether the field changed. */
static gboolean
jmp_driver_field_write (GObject *object, GParamSpec *pspec, const GValue *value)
{
  g_auto(GValue) old = G_VALUE_INIT;
  gpointer field = jmp_driver_field_ptr (object, pspec);
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

  if (type == G_TYPE_STRV)
    {
      GStrv before = *(GStrv *) field;
      GStrv after = g_value_get_boxed (value);

      /* boxed values compare by pointer: compare the strings */
      if (before == after || (before != NULL && after != NULL &&
                              g_strv_equal ((const gchar * const *) before,
                                            (const gchar * const *) after)))
        return FALSE;
    }
  else
    {
      g_value_init (&old, type);
      jmp_driver_field_read (object, pspec, &old);
      if (g_param_values_cmp (pspec, &old, value) == 0)
        return FALSE;
    }

  if (G_TYPE_IS_ENUM (type))
    *(gint *) field = g_value_get_enum (value);
  else if (G_TYPE_IS_FLAGS (type))
    *(guint *) field = g_value_get_flags (value);
  else if (type == G_TYPE_STRV)
    {
      g_strfreev (*(GStrv *) field);
      *(GStrv *) field = g_value_dup_boxed (value);
    }
  else
    switch (G_TYPE_FUNDAMENTAL (type))
      {
      case G_TYPE_BOOLEAN: *(gboolean *) field = g_value_get_boolean (value); break;
      case G_TYPE_INT: *(gint *) field = g_value_get_int (value); break;
      case G_TYPE_UINT: *(guint *) field = g_value_get_uint (value); break;
      case G_TYPE_INT64: *(gint64 *) field = g_value_get_int64 (value); break;
      case G_TYPE_UINT64: *(guint64 *) field = g_value_get_uint64 (value); break;
      case G_TYPE_DOUBLE: *(gdouble *) field = g_value_get_double (value); break;
      case G_TYPE_STRING:
        g_free (*(gchar **) field);
        *(gchar **) field = g_value_dup_string (value);
        break;
      default: g_assert_not_reached ();
      }
  return TRUE;
}

static void
jmp_driver_field_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (jmp_driver_field_offset (pspec) == 0)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
      return;
    }
  jmp_driver_field_read (object, pspec, value);
}

static void
jmp_driver_field_set_property (GObject *object, guint id, const GValue *value,
                               GParamSpec *pspec)
{
  if (jmp_driver_field_offset (pspec) == 0)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
      return;
    }
  if (jmp_driver_field_write (object, pspec, value))
    g_object_notify_by_pspec (object, pspec);
}

/**
 * jmp_driver_class_add_field:
 * @klass: a driver class, in its `class_init`
 * @offset: where the value lives in the instance struct, from G_STRUCT_OFFSET()
 * @pspec: (transfer full): the property; a boolean, number, enum, flags,
 *   string (a `gchar *` the SDK frees) or string array (a #GStrv)
 *
 * Installs a property kept in a field of the instance: a config key, or
 * state with %JMP_PARAM_STATE, with no get_property or set_property to
 * write. The field starts at the property's default, setting it emits
 * notify only when the value changes, and @pspec is readable and writable
 * unless its flags say otherwise. A class that adds fields leaves
 * get_property and set_property to the SDK.
 */
void
jmp_driver_class_add_field (JmpDriverClass *klass, gsize offset, GParamSpec *pspec)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  guint id;

  g_return_if_fail (JMP_IS_DRIVER_CLASS (klass));
  g_return_if_fail (G_IS_PARAM_SPEC (pspec));
  g_param_spec_ref_sink (pspec);
  if (!jmp_driver_field_type_supported (G_PARAM_SPEC_VALUE_TYPE (pspec)) ||
      /* GObject does not inherit get_property: NULL until the class sets one */
      (object_class->get_property != NULL &&
       object_class->get_property != jmp_driver_field_get_property))
    {
      g_critical ("%s: property %s cannot be a field (its type, or the class has its own "
                  "get_property)", G_OBJECT_CLASS_NAME (klass), pspec->name);
      g_param_spec_unref (pspec);
      return;
    }
  if ((pspec->flags & G_PARAM_READWRITE) == 0)
    pspec->flags |= G_PARAM_READWRITE;
  pspec->flags |= G_PARAM_EXPLICIT_NOTIFY;
  g_param_spec_set_qdata (pspec, jmp_driver_field_quark (), GSIZE_TO_POINTER (offset + 1));

  object_class->get_property = jmp_driver_field_get_property;
  object_class->set_property = jmp_driver_field_set_property;
  /* ids only need to be unique within the class */
  id = GPOINTER_TO_UINT (g_type_get_qdata (G_TYPE_FROM_CLASS (klass), jmp_driver_field_quark ())) + 1;
  g_type_set_qdata (G_TYPE_FROM_CLASS (klass), jmp_driver_field_quark (), GUINT_TO_POINTER (id));
  g_object_class_install_property (object_class, id, pspec);
  g_param_spec_unref (pspec);
}

static void
jmp_driver_fields_foreach (JmpDriver *self, gboolean init)
{
  g_autofree GParamSpec **pspecs = NULL;
  guint n = 0;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (self), &n);
  for (guint i = 0; i < n; i++)
    {
      GParamSpec *pspec = pspecs[i];
      GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

      if (jmp_driver_field_offset (pspec) == 0)
        continue;
      if (init)
        {
          g_auto(GValue) value = G_VALUE_INIT;

          g_value_init (&value, type);
          g_param_value_set_default (pspec, &value);
          jmp_driver_field_write (G_OBJECT (self), pspec, &value);
        }
      else if (type == G_TYPE_STRV)
        g_clear_pointer ((GStrv *) jmp_driver_field_ptr (G_OBJECT (self), pspec), g_strfreev);
      else if (G_TYPE_FUNDAMENTAL (type) == G_TYPE_STRING)
        g_clear_pointer ((gchar **) jmp_driver_field_ptr (G_OBJECT (self), pspec), g_free);
    }
}

/* From JmpDriver's instance init: each field at its default. */
void
jmp_driver_fields_init (JmpDriver *self)
{
  jmp_driver_fields_foreach (self, TRUE);
}

/* From JmpDriver's finalize: the strings the SDK allocated. */
void
jmp_driver_fields_clear (JmpDriver *self)
{
  jmp_driver_fields_foreach (self, FALSE);
}
