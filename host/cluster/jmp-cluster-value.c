/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "jmp-cluster-value.h"

/*
 * Jumpstarter's clients send arguments as JSON-like values: numbers are
 * doubles, lists, structs with string keys, null. A declared method's
 * signature says what each must become; a value that does not fit is an
 * INVALID_ARGS error naming the argument's place. Results go the other
 * way: `()` is null, one result is itself, several are a list; bytes are
 * a base64 string, as Jumpstarter encodes them.
 */

#define JMP_CLUSTER_VALUE_MAX_DEPTH 64

static const gchar *
jmp_cluster_value_kind (const Google__Protobuf__Value *value)
{
  switch (value->kind_case)
    {
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE: return "null";
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE: return "a number";
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE: return "a string";
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE: return "a boolean";
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE: return "a struct";
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE: return "a list";
    default: return "no value";
    }
}

static GVariant *jmp_cluster_value_convert (const Google__Protobuf__Value *value,
                                            const GVariantType *type,
                                            const gchar *place, guint depth,
                                            GError **error);

static gboolean
jmp_cluster_value_mismatch (const Google__Protobuf__Value *value, const GVariantType *type,
                            const gchar *place, GError **error)
{
  g_autofree gchar *sig = g_variant_type_dup_string (type);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("%s: %s does not fit type %s"), place, jmp_cluster_value_kind (value), sig);
  return FALSE;
}

/* A number for an integer type: whole and in range, or an error. */
static gboolean
jmp_cluster_value_integer (const Google__Protobuf__Value *value, gdouble min, gdouble max,
                           const GVariantType *type, const gchar *place,
                           gdouble *out, GError **error)
{
  gdouble d;

  if (value->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE)
    return jmp_cluster_value_mismatch (value, type, place, error);
  d = value->number_value;
  if (!isfinite (d) || d != floor (d) || d < min || d > max)
    {
      g_autofree gchar *sig = g_variant_type_dup_string (type);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s: %g is not an integer of type %s"), place, d, sig);
      return FALSE;
    }
  *out = d;
  return TRUE;
}

static GVariant *
jmp_cluster_value_guess (const Google__Protobuf__Value *value, const gchar *place,
                         guint depth, GError **error)
{
  switch (value->kind_case)
    {
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
      return g_variant_new_double (value->number_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
      return jmp_cluster_value_convert (value, G_VARIANT_TYPE_STRING, place, depth, error);
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
      return g_variant_new_boolean (value->bool_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
      return jmp_cluster_value_convert (value, G_VARIANT_TYPE_VARDICT, place, depth, error);
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE:
      return jmp_cluster_value_convert (value, G_VARIANT_TYPE ("av"), place, depth, error);
    default:
      /* null inside a variant: the empty maybe, D-Bus's nothing */
      return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
    }
}

static GVariant *
jmp_cluster_value_convert (const Google__Protobuf__Value *value,
                           const GVariantType            *type,
                           const gchar                   *place,
                           guint                          depth,
                           GError                       **error)
{
  gdouble d;

  if (depth > JMP_CLUSTER_VALUE_MAX_DEPTH)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s: nested too deeply"), place);
      return NULL;
    }

  if (g_variant_type_is_maybe (type))
    {
      const GVariantType *element = g_variant_type_element (type);
      GVariant *child;

      if (value->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE)
        return g_variant_new_maybe (element, NULL);
      child = jmp_cluster_value_convert (value, element, place, depth + 1, error);
      return child != NULL ? g_variant_new_maybe (NULL, child) : NULL;
    }
  if (g_variant_type_equal (type, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *child = jmp_cluster_value_guess (value, place, depth + 1, error);

      return child != NULL ? g_variant_new_variant (child) : NULL;
    }

  switch (g_variant_type_peek_string (type)[0])
    {
    case 'b':
      if (value->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE)
        break;
      return g_variant_new_boolean (value->bool_value);
    case 'd':
      if (value->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE)
        break;
      return g_variant_new_double (value->number_value);
    case 'y':
      if (!jmp_cluster_value_integer (value, 0, G_MAXUINT8, type, place, &d, error))
        return NULL;
      return g_variant_new_byte ((guint8) d);
    case 'n':
      if (!jmp_cluster_value_integer (value, G_MININT16, G_MAXINT16, type, place, &d, error))
        return NULL;
      return g_variant_new_int16 ((gint16) d);
    case 'q':
      if (!jmp_cluster_value_integer (value, 0, G_MAXUINT16, type, place, &d, error))
        return NULL;
      return g_variant_new_uint16 ((guint16) d);
    case 'i':
      if (!jmp_cluster_value_integer (value, G_MININT32, G_MAXINT32, type, place, &d, error))
        return NULL;
      return g_variant_new_int32 ((gint32) d);
    case 'u':
      if (!jmp_cluster_value_integer (value, 0, G_MAXUINT32, type, place, &d, error))
        return NULL;
      return g_variant_new_uint32 ((guint32) d);
    /* doubles hold integers exactly up to 2^53 */
    case 'x':
      if (!jmp_cluster_value_integer (value, -9007199254740992.0, 9007199254740992.0,
                                      type, place, &d, error))
        return NULL;
      return g_variant_new_int64 ((gint64) d);
    case 't':
      if (!jmp_cluster_value_integer (value, 0, 9007199254740992.0, type, place, &d, error))
        return NULL;
      return g_variant_new_uint64 ((guint64) d);
    case 's':
    case 'o':
    case 'g':
      if (value->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE)
        break;
      if (!g_utf8_validate (value->string_value, -1, NULL) ||
          (g_variant_type_equal (type, G_VARIANT_TYPE_OBJECT_PATH) &&
           !g_variant_is_object_path (value->string_value)) ||
          (g_variant_type_equal (type, G_VARIANT_TYPE_SIGNATURE) &&
           !g_variant_is_signature (value->string_value)))
        {
          g_autofree gchar *sig = g_variant_type_dup_string (type);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("%s: the string is not a valid %s"), place, sig);
          return NULL;
        }
      if (g_variant_type_equal (type, G_VARIANT_TYPE_OBJECT_PATH))
        return g_variant_new_object_path (value->string_value);
      if (g_variant_type_equal (type, G_VARIANT_TYPE_SIGNATURE))
        return g_variant_new_signature (value->string_value);
      return g_variant_new_string (value->string_value);
    case 'a':
      {
        const GVariantType *element = g_variant_type_element (type);
        g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (type);

        if (g_variant_type_equal (type, G_VARIANT_TYPE_BYTESTRING) &&
            value->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE)
          {
            gsize len = 0;
            guchar *data = g_base64_decode (value->string_value, &len);

            return g_variant_new_from_data (type, data, len, TRUE, g_free, data);
          }
        if (g_variant_type_is_dict_entry (element))
          {
            const GVariantType *key_type = g_variant_type_key (element);
            Google__Protobuf__Struct *s = value->struct_value;

            if (value->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE ||
                !g_variant_type_equal (key_type, G_VARIANT_TYPE_STRING))
              break;
            for (gsize i = 0; i < s->n_fields; i++)
              {
                g_autofree gchar *child_place = g_strdup_printf ("%s.%s", place, s->fields[i]->key);
                GVariant *child;

                if (s->fields[i]->value == NULL || !g_utf8_validate (s->fields[i]->key, -1, NULL))
                  {
                    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                 _("%s: not a value"), child_place);
                    return NULL;
                  }
                child = jmp_cluster_value_convert (s->fields[i]->value,
                                                   g_variant_type_value (element),
                                                   child_place, depth + 1, error);
                if (child == NULL)
                  return NULL;
                g_variant_builder_add_value (&builder,
                                             g_variant_new_dict_entry (g_variant_new_string (s->fields[i]->key),
                                                                       child));
              }
            return g_variant_builder_end (&builder);
          }
        if (value->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE)
          break;
        for (gsize i = 0; i < value->list_value->n_values; i++)
          {
            g_autofree gchar *child_place = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]", place, i);
            GVariant *child = jmp_cluster_value_convert (value->list_value->values[i], element,
                                                         child_place, depth + 1, error);

            if (child == NULL)
              return NULL;
            g_variant_builder_add_value (&builder, child);
          }
        return g_variant_builder_end (&builder);
      }
    case '(':
      {
        g_autoptr(GPtrArray) children = NULL;
        const GVariantType *item;
        gsize n = g_variant_type_n_items (type), i = 0;

        if (value->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE)
          break;
        if (value->list_value->n_values != n)
          {
            g_autofree gchar *sig = g_variant_type_dup_string (type);

            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         _("%s: a list of %zu does not fit type %s"),
                         place, (size_t) value->list_value->n_values, sig);
            return NULL;
          }
        children = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
        for (item = g_variant_type_first (type); item != NULL; item = g_variant_type_next (item), i++)
          {
            g_autofree gchar *child_place = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]", place, i);
            GVariant *child = jmp_cluster_value_convert (value->list_value->values[i], item,
                                                         child_place, depth + 1, error);

            if (child == NULL)
              return NULL;
            g_ptr_array_add (children, g_variant_ref_sink (child));
          }
        return g_variant_new_tuple ((GVariant **) children->pdata, children->len);
      }
    default:
      break;
    }
  jmp_cluster_value_mismatch (value, type, place, error);
  return NULL;
}

/**
 * jmp_cluster_value_to_variant:
 *
 * Returns: (transfer floating) (nullable): @value as @type
 */
GVariant *
jmp_cluster_value_to_variant (const Google__Protobuf__Value  *value,
                              const GVariantType             *type,
                              GError                        **error)
{
  return jmp_cluster_value_convert (value, type, "value", 0, error);
}

/**
 * jmp_cluster_args_to_variant:
 * @signature: the method's in signature, a tuple type
 *
 * Returns: (transfer floating) (nullable): the arguments as that tuple
 */
GVariant *
jmp_cluster_args_to_variant (Google__Protobuf__Value **args,
                             gsize                     n_args,
                             const gchar              *signature,
                             GError                  **error)
{
  const GVariantType *type = G_VARIANT_TYPE (signature);
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  const GVariantType *item;
  gsize i = 0;

  if (g_variant_type_n_items (type) != n_args)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("takes %zu arguments %s, not %zu"),
                   (size_t) g_variant_type_n_items (type), signature, (size_t) n_args);
      return NULL;
    }
  for (item = g_variant_type_first (type); item != NULL; item = g_variant_type_next (item), i++)
    {
      g_autofree gchar *place = g_strdup_printf ("argument %" G_GSIZE_FORMAT, i + 1);
      GVariant *child;

      if (args[i] == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("%s: missing"), place);
          return NULL;
        }
      child = jmp_cluster_value_convert (args[i], item, place, 0, error);
      if (child == NULL)
        return NULL;
      g_ptr_array_add (children, g_variant_ref_sink (child));
    }
  return g_variant_new_tuple ((GVariant **) children->pdata, children->len);
}

static Google__Protobuf__Value *
jmp_cluster_value_alloc (JmpPbArena *arena)
{
  Google__Protobuf__Value *value = jmp_pb_arena_alloc (arena, sizeof *value);

  google__protobuf__value__init (value);
  value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
  return value;
}

static Google__Protobuf__Value *
jmp_cluster_value_list (JmpPbArena *arena, GVariant *container)
{
  Google__Protobuf__Value *value = jmp_cluster_value_alloc (arena);
  Google__Protobuf__ListValue *list = jmp_pb_arena_alloc (arena, sizeof *list);
  gsize n = g_variant_n_children (container);

  google__protobuf__list_value__init (list);
  list->n_values = n;
  list->values = jmp_pb_arena_alloc (arena, MAX (n, 1) * sizeof (gpointer));
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (container, i);

      list->values[i] = jmp_cluster_value_new (arena, child);
    }
  value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
  value->list_value = list;
  return value;
}

/**
 * jmp_cluster_value_new:
 *
 * Returns: (transfer none): @variant as a Value, owned by @arena
 */
Google__Protobuf__Value *
jmp_cluster_value_new (JmpPbArena *arena,
                       GVariant   *variant)
{
  Google__Protobuf__Value *value = jmp_cluster_value_alloc (arena);
  const GVariantType *type = g_variant_get_type (variant);

  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (variant);

      return jmp_cluster_value_new (arena, inner);
    }
  if (g_variant_type_is_maybe (type))
    {
      g_autoptr(GVariant) inner = g_variant_get_maybe (variant);

      return inner != NULL ? jmp_cluster_value_new (arena, inner) : value;
    }
  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize len;
      gconstpointer data = g_variant_get_fixed_array (variant, &len, 1);

      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
      value->string_value = jmp_pb_arena_take (arena, g_base64_encode (data, len));
      return value;
    }
  if (g_variant_type_is_array (type) &&
      g_variant_type_is_dict_entry (g_variant_type_element (type)))
    {
      Google__Protobuf__Struct *s = jmp_pb_arena_alloc (arena, sizeof *s);
      gsize n = g_variant_n_children (variant);

      google__protobuf__struct__init (s);
      s->n_fields = n;
      s->fields = jmp_pb_arena_alloc (arena, MAX (n, 1) * sizeof (gpointer));
      for (gsize i = 0; i < n; i++)
        {
          g_autoptr(GVariant) entry = g_variant_get_child_value (variant, i);
          g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
          g_autoptr(GVariant) child = g_variant_get_child_value (entry, 1);
          Google__Protobuf__Struct__FieldsEntry *field = jmp_pb_arena_alloc (arena, sizeof *field);

          google__protobuf__struct__fields_entry__init (field);
          field->key = g_variant_is_of_type (key, G_VARIANT_TYPE_STRING)
            ? jmp_pb_arena_strdup (arena, g_variant_get_string (key, NULL))
            : jmp_pb_arena_take (arena, g_variant_print (key, FALSE));
          field->value = jmp_cluster_value_new (arena, child);
          s->fields[i] = field;
        }
      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
      value->struct_value = s;
      return value;
    }
  if (g_variant_type_is_array (type) || g_variant_type_is_tuple (type))
    return jmp_cluster_value_list (arena, variant);

  switch (g_variant_classify (variant))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
      value->bool_value = g_variant_get_boolean (variant);
      break;
    case G_VARIANT_CLASS_BYTE:
      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
      value->number_value = g_variant_get_byte (variant);
      break;
    case G_VARIANT_CLASS_INT16:
      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
      value->number_value = g_variant_get_int16 (variant);
      break;
    case G_VARIANT_CLASS_UINT16:
      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
      value->number_value = g_variant_get_uint16 (variant);
      break;
    case G_VARIANT_CLASS_INT32:
      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
      value->number_value = g_variant_get_int32 (variant);
      break;
    case G_VARIANT_CLASS_UINT32:
      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
      value->number_value = g_variant_get_uint32 (variant);
      break;
    case G_VARIANT_CLASS_INT64:
      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
      value->number_value = (gdouble) g_variant_get_int64 (variant);
      break;
    case G_VARIANT_CLASS_UINT64:
      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
      value->number_value = (gdouble) g_variant_get_uint64 (variant);
      break;
    case G_VARIANT_CLASS_DOUBLE:
      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
      value->number_value = g_variant_get_double (variant);
      break;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      value->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
      value->string_value = jmp_pb_arena_strdup (arena, g_variant_get_string (variant, NULL));
      break;
    default:
      /* handles have no meaning outside the host */
      break;
    }
  return value;
}

/**
 * jmp_cluster_result_new:
 * @tuple: (nullable): a method's result tuple
 *
 * Returns: (transfer none): null for `()`, the value for one result, a
 *   list for several
 */
Google__Protobuf__Value *
jmp_cluster_result_new (JmpPbArena *arena,
                        GVariant   *tuple)
{
  if (tuple == NULL || g_variant_n_children (tuple) == 0)
    return jmp_cluster_value_alloc (arena);
  if (g_variant_n_children (tuple) == 1)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (tuple, 0);

      return jmp_cluster_value_new (arena, child);
    }
  return jmp_cluster_value_list (arena, tuple);
}
