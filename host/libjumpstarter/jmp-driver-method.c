/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-driver-method-private.h"
#include "jmp-error.h"

/**
 * JmpDriverMethod:
 *
 * A method a driver type declares in its `class_init` with
 * jmp_driver_class_add_method(): its name as clients write it (`cycle`),
 * its D-Bus interface and member (`Cycle`), its signatures, the names of
 * its arguments and results, and its help.
 *
 * The host exports the declared methods of a driver as a D-Bus interface
 * on its object; clients list them with jmp_driver_proxy_get_methods() and
 * call them with jmp_driver_proxy_call().
 */

struct _JmpDriverMethod
{
  GObject                   parent_instance;
  gchar                    *name;
  gchar                    *member;
  gchar                    *interface_name;
  gchar                    *in_signature;
  gchar                    *out_signature;
  GStrv                     in_names;
  GStrv                     out_names;
  gchar                    *help;
  JmpDriverMethodFunc       func;
  JmpDriverAsyncMethodFunc  async_func;
};

G_DEFINE_FINAL_TYPE (JmpDriverMethod, jmp_driver_method, G_TYPE_OBJECT)

/* What one class declared; kept as qdata of its GType. */
typedef struct {
  gchar     *interface_name;
  GPtrArray *methods;     /* JmpDriverMethod */
  GPtrArray *properties;  /* GParamSpec */
} JmpDriverDecl;

static GQuark
jmp_driver_decl_quark (void)
{
  return g_quark_from_static_string ("jmp-driver-decl");
}

static GQuark
jmp_driver_interfaces_quark (void)
{
  return g_quark_from_static_string ("jmp-driver-interfaces");
}

static void
jmp_driver_method_finalize (GObject *object)
{
  JmpDriverMethod *self = JMP_DRIVER_METHOD (object);

  g_free (self->name);
  g_free (self->member);
  g_free (self->interface_name);
  g_free (self->in_signature);
  g_free (self->out_signature);
  g_strfreev (self->in_names);
  g_strfreev (self->out_names);
  g_free (self->help);
  G_OBJECT_CLASS (jmp_driver_method_parent_class)->finalize (object);
}

static void
jmp_driver_method_class_init (JmpDriverMethodClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jmp_driver_method_finalize;
}

static void
jmp_driver_method_init (JmpDriverMethod *self)
{
}

/* "cycle" → "Cycle", "get-state" and "get_state" → "GetState": D-Bus names
 * are CamelCase, clients write what the driver declared. */
gchar *
jmp_driver_dbus_name (const gchar *name)
{
  GString *out = g_string_new (NULL);
  gboolean upper = TRUE;

  for (const gchar *p = name; *p != '\0'; p++)
    {
      if (*p == '-' || *p == '_')
        {
          upper = TRUE;
          continue;
        }
      g_string_append_c (out, upper ? g_ascii_toupper (*p) : *p);
      upper = FALSE;
    }
  return g_string_free (out, FALSE);
}

/* The single complete types of a tuple signature, in order. */
static GPtrArray *
jmp_signature_split (const gchar *signature)
{
  GPtrArray *types = g_ptr_array_new_with_free_func (g_free);
  const gchar *p = signature + 1;

  while (*p != ')' && *p != '\0')
    {
      const gchar *end = NULL;

      if (!g_variant_type_string_scan (p, NULL, &end))
        break;
      g_ptr_array_add (types, g_strndup (p, end - p));
      p = end;
    }
  return types;
}

static gboolean
jmp_signature_is_tuple (const gchar *signature)
{
  return signature != NULL && g_variant_type_string_is_valid (signature) &&
         g_variant_type_is_tuple (G_VARIANT_TYPE (signature));
}

static GStrv
jmp_arg_names (const gchar * const *names, guint n_names, guint first, guint count,
               const gchar *fallback)
{
  GStrv out = g_new0 (gchar *, count + 1);

  for (guint i = 0; i < count; i++)
    {
      if (first + i < n_names)
        out[i] = g_strdup (names[first + i]);
      else if (count == 1)
        out[i] = g_strdup (fallback);
      else
        out[i] = g_strdup_printf ("%s%u", fallback, i);
    }
  return out;
}

JmpDriverMethod *
jmp_driver_method_new_full (const gchar         *name,
                            const gchar         *interface_name,
                            const gchar         *in_signature,
                            const gchar         *out_signature,
                            const gchar * const *in_names,
                            const gchar * const *out_names,
                            const gchar         *help)
{
  JmpDriverMethod *self = g_object_new (JMP_TYPE_DRIVER_METHOD, NULL);
  g_autoptr(GPtrArray) ins = jmp_signature_split (in_signature);
  g_autoptr(GPtrArray) outs = jmp_signature_split (out_signature);
  guint n_in = in_names != NULL ? g_strv_length ((GStrv) in_names) : 0;
  guint n_out = out_names != NULL ? g_strv_length ((GStrv) out_names) : 0;

  self->name = g_strdup (name);
  self->member = jmp_driver_dbus_name (name);
  self->interface_name = g_strdup (interface_name);
  self->in_signature = g_strdup (in_signature);
  self->out_signature = g_strdup (out_signature);
  self->in_names = jmp_arg_names (in_names, n_in, 0, ins->len, "arg");
  self->out_names = jmp_arg_names (out_names, n_out, 0, outs->len, "result");
  self->help = g_strdup (help != NULL ? help : "");
  return self;
}

/* "(d)" stays, "d" and "" become "(d)" and "()": both spellings are natural. */
static gchar *
jmp_signature_normalize (const gchar *signature)
{
  if (signature == NULL || *signature == '\0')
    return g_strdup ("()");
  if (signature[0] == '(' && jmp_signature_is_tuple (signature))
    return g_strdup (signature);
  return g_strdup_printf ("(%s)", signature);
}

static JmpDriverDecl *
jmp_driver_decl_get (JmpDriverClass *klass)
{
  GType type = G_TYPE_FROM_CLASS (klass);
  JmpDriverDecl *decl = g_type_get_qdata (type, jmp_driver_decl_quark ());

  if (decl == NULL)
    {
      /* a type lives as long as the process: so does what it declared */
      decl = g_new0 (JmpDriverDecl, 1);
      decl->methods = g_ptr_array_new_with_free_func (g_object_unref);
      decl->properties = g_ptr_array_new ();
      g_type_set_qdata (type, jmp_driver_decl_quark (), decl);
    }
  return decl;
}

/**
 * jmp_driver_class_set_interface_name:
 * @klass: a driver class, in its `class_init`
 * @interface_name: a D-Bus interface name, e.g. "com.example.PowerSwitch1"
 *
 * Names the D-Bus interface that carries the methods and state @klass
 * declares. Without it the name is `dev.jumpstarter.driver.` and the
 * GType's name, e.g. `dev.jumpstarter.driver.VendorPowerSwitch`.
 */
void
jmp_driver_class_set_interface_name (JmpDriverClass *klass, const gchar *interface_name)
{
  JmpDriverDecl *decl;

  g_return_if_fail (JMP_IS_DRIVER_CLASS (klass));
  g_return_if_fail (g_dbus_is_interface_name (interface_name));

  decl = jmp_driver_decl_get (klass);
  g_free (decl->interface_name);
  decl->interface_name = g_strdup (interface_name);
}

static const gchar *
jmp_driver_decl_interface_name (JmpDriverClass *klass, JmpDriverDecl *decl)
{
  if (decl->interface_name == NULL)
    decl->interface_name = g_strconcat ("dev.jumpstarter.driver.",
                                        G_OBJECT_CLASS_NAME (klass), NULL);
  return decl->interface_name;
}

static void
jmp_driver_class_add (JmpDriverClass           *klass,
                      const gchar              *name,
                      const gchar              *in_signature,
                      const gchar              *out_signature,
                      const gchar              *arg_names,
                      JmpDriverMethodFunc       func,
                      JmpDriverAsyncMethodFunc  async_func,
                      const gchar              *help)
{
  g_autofree gchar *in_sig = jmp_signature_normalize (in_signature);
  g_autofree gchar *out_sig = jmp_signature_normalize (out_signature);
  g_autofree gchar *member = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(GPtrArray) ins = NULL;
  g_autoptr(GPtrArray) valid = g_ptr_array_new ();
  JmpDriverMethod *method;
  JmpDriverDecl *decl;
  guint n_in;

  g_return_if_fail (JMP_IS_DRIVER_CLASS (klass));
  g_return_if_fail (name != NULL);
  member = jmp_driver_dbus_name (name);
  if (!g_dbus_is_member_name (member) || !jmp_signature_is_tuple (in_sig) ||
      !jmp_signature_is_tuple (out_sig))
    {
      g_critical ("%s: method %s %s -> %s is not a valid D-Bus method",
                  G_OBJECT_CLASS_NAME (klass), name, in_sig, out_sig);
      return;
    }

  /* "delay" or "delay, on": the arguments' names, then the results' */
  names = g_strsplit_set (arg_names != NULL ? arg_names : "", ", ", -1);
  for (guint i = 0; names[i] != NULL; i++)
    if (*names[i] != '\0')
      g_ptr_array_add (valid, names[i]);
  ins = jmp_signature_split (in_sig);
  n_in = MIN (ins->len, valid->len);
  g_ptr_array_add (valid, NULL);

  decl = jmp_driver_decl_get (klass);
  {
    g_autofree gchar **in_names = g_memdup2 (valid->pdata, sizeof (gchar *) * (n_in + 1));

    in_names[n_in] = NULL;
    method = jmp_driver_method_new_full (name, decl->interface_name,
                                         in_sig, out_sig,
                                         (const gchar * const *) in_names,
                                         (const gchar * const *) valid->pdata + n_in,
                                         help);
  }
  method->func = func;
  method->async_func = async_func;
  g_ptr_array_add (decl->methods, method);
}

/**
 * jmp_driver_class_add_method:
 * @klass: a driver class, in its `class_init`
 * @name: the method as clients write it, e.g. "cycle" (`Cycle` on D-Bus)
 * @in_signature: (nullable): its arguments, e.g. "(d)"; %NULL for none
 * @out_signature: (nullable): its results, e.g. "(b)"; %NULL for none
 * @arg_names: (nullable): names of the arguments and then of the results,
 *   separated by commas or spaces, e.g. "delay"; missing ones are `argN`
 *   and `result`
 * @func: (scope forever): the handler
 * @help: one line for `jmp DRIVER --help` and `jmp inspect`
 *
 * Declares a method the host exports on the driver's D-Bus interface (see
 * jmp_driver_class_set_interface_name()), which `jmp DRIVER NAME`, the
 * library's jmp_driver_proxy_call() and any D-Bus tool can call. An error
 * @func returns reaches the caller through jmp_error_convert().
 */
void
jmp_driver_class_add_method (JmpDriverClass      *klass,
                             const gchar         *name,
                             const gchar         *in_signature,
                             const gchar         *out_signature,
                             const gchar         *arg_names,
                             JmpDriverMethodFunc  func,
                             const gchar         *help)
{
  g_return_if_fail (func != NULL);
  jmp_driver_class_add (klass, name, in_signature, out_signature, arg_names, func, NULL, help);
}

/**
 * jmp_driver_class_add_method_async:
 * @klass: a driver class, in its `class_init`
 * @name: the method as clients write it
 * @in_signature: (nullable): its arguments; %NULL for none
 * @out_signature: (nullable): its results; %NULL for none
 * @arg_names: (nullable): names of the arguments and then of the results
 * @func: (scope forever): the handler, which finishes the #GTask it is given
 * @help: one line of help
 *
 * As jmp_driver_class_add_method(), for a method that answers later. A
 * method whose results hold a file descriptor (`h`, a stream handed over
 * as `Network1.Connect()` does) must be asynchronous: the handler adds the
 * fd with jmp_driver_method_append_fd().
 */
void
jmp_driver_class_add_method_async (JmpDriverClass           *klass,
                                   const gchar              *name,
                                   const gchar              *in_signature,
                                   const gchar              *out_signature,
                                   const gchar              *arg_names,
                                   JmpDriverAsyncMethodFunc  func,
                                   const gchar              *help)
{
  g_return_if_fail (func != NULL);
  jmp_driver_class_add (klass, name, in_signature, out_signature, arg_names, NULL, func, help);
}

/* The D-Bus type a property is exported as; NULL for one D-Bus cannot carry. */
const gchar *
jmp_driver_property_signature (GParamSpec *pspec)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

  if (G_TYPE_IS_ENUM (type))
    return "s";  /* the nick, as configs spell it */
  if (G_TYPE_IS_FLAGS (type))
    return "u";
  if (type == G_TYPE_STRV)
    return "as";
  if (type == G_TYPE_VARIANT)
    return "v";
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN: return "b";
    case G_TYPE_UCHAR: return "y";
    case G_TYPE_INT: return "i";
    case G_TYPE_UINT: return "u";
    case G_TYPE_INT64: return "x";
    case G_TYPE_UINT64: return "t";
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE: return "d";
    case G_TYPE_STRING: return "s";
    default: return NULL;
    }
}

/* A property's value, typed as jmp_driver_property_signature() says. */
GVariant *
jmp_driver_property_get_variant (GObject *object, GParamSpec *pspec)
{
  g_auto(GValue) value = G_VALUE_INIT;
  const gchar *signature = jmp_driver_property_signature (pspec);
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  GVariant *out;

  g_value_init (&value, type);
  g_object_get_property (object, pspec->name, &value);
  if (G_TYPE_IS_ENUM (type))
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (type);
      GEnumValue *v = g_enum_get_value (klass, g_value_get_enum (&value));

      out = g_variant_new_string (v != NULL ? v->value_nick : "");
    }
  else if (G_TYPE_IS_FLAGS (type))
    out = g_variant_new_uint32 (g_value_get_flags (&value));
  else if (type == G_TYPE_VARIANT)
    out = g_variant_new_variant (g_value_get_variant (&value) ?: g_variant_new ("()"));
  else if (G_TYPE_FUNDAMENTAL (type) == G_TYPE_FLOAT)
    out = g_variant_new_double (g_value_get_float (&value));
  else if (G_TYPE_FUNDAMENTAL (type) == G_TYPE_STRING && g_value_get_string (&value) == NULL)
    out = g_variant_new_string ("");
  else if (type == G_TYPE_STRV && g_value_get_boxed (&value) == NULL)
    out = g_variant_new_strv (NULL, 0);
  else
    out = g_dbus_gvalue_to_gvariant (&value, G_VARIANT_TYPE (signature));
  /* g_dbus_gvalue_to_gvariant() gives a full reference, the others a floating one */
  return g_variant_take_ref (out);
}

/**
 * jmp_driver_class_export_property:
 * @klass: a driver class, in its `class_init`, after installing the property
 * @property_name: one of its properties, e.g. "on"
 *
 * Exports the property as state: a read-only D-Bus property (`On`) on the
 * driver's interface, whose `PropertiesChanged` follows the property's
 * `notify`, so clients watch it without polling (`jmp DRIVER watch`).
 * Booleans, numbers, strings, string arrays, enums (their nick), flags and
 * #GVariant can be exported.
 */
void
jmp_driver_class_export_property (JmpDriverClass *klass, const gchar *property_name)
{
  GParamSpec *pspec;

  g_return_if_fail (JMP_IS_DRIVER_CLASS (klass));
  pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), property_name);
  if (pspec == NULL || (pspec->flags & G_PARAM_READABLE) == 0 ||
      jmp_driver_property_signature (pspec) == NULL)
    {
      g_critical ("%s: no readable property \"%s\" of a type D-Bus can carry",
                  G_OBJECT_CLASS_NAME (klass), property_name);
      return;
    }
  g_ptr_array_add (jmp_driver_decl_get (klass)->properties, pspec);
}

/**
 * jmp_driver_method_return:
 * @task: the task an async method was given
 * @result: (transfer floating) (nullable): a tuple of the method's out
 *   signature; %NULL for `()`
 *
 * Finishes an asynchronous method with its result.
 */
void
jmp_driver_method_return (GTask *task, GVariant *result)
{
  g_return_if_fail (G_IS_TASK (task));
  if (result == NULL)
    result = g_variant_new ("()");
  g_task_return_pointer (task, g_variant_ref_sink (result), (GDestroyNotify) g_variant_unref);
}

/**
 * jmp_driver_method_append_fd:
 * @task: the task an async method was given
 * @fd: a file descriptor, which stays the caller's (a duplicate is sent)
 * @error: return location for a #GError
 *
 * Hands @fd to the caller with the reply, in blocking mode as `connect()`
 * gives it. Put the index it returns in the result as a handle:
 * `g_variant_new ("(h)", index)`.
 *
 * Returns: the handle index, or -1 with @error set
 */
gint
jmp_driver_method_append_fd (GTask *task, gint fd, GError **error)
{
  GUnixFDList *fds;

  g_return_val_if_fail (G_IS_TASK (task), -1);
  fds = g_task_get_task_data (task);
  if (fds == NULL)
    {
      fds = g_unix_fd_list_new ();
      g_task_set_task_data (task, fds, g_object_unref);
    }
  return g_unix_fd_list_append (fds, fd, error);
}

gboolean
jmp_driver_method_returns_fds (JmpDriverMethod *self)
{
  return strchr (self->out_signature, 'h') != NULL;
}

void
jmp_driver_method_invoke (JmpDriverMethod     *self,
                          JmpDriver           *driver,
                          GVariant            *args,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (driver, cancellable, callback, user_data);
  g_autoptr(GVariant) result = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_driver_method_invoke);
  g_task_set_name (task, self->name);
  if (self->async_func != NULL)
    {
      self->async_func (driver, self->name, args, task);
      return;
    }
  result = self->func (driver, self->name, args, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  jmp_driver_method_return (task, g_steal_pointer (&result));
}

GVariant *
jmp_driver_method_invoke_finish (JmpDriverMethod  *self,
                                 GAsyncResult     *result,
                                 GUnixFDList     **out_fd_list,
                                 GError          **error)
{
  GTask *task = G_TASK (result);
  g_autoptr(GVariant) value = g_task_propagate_pointer (task, error);

  if (value == NULL)
    return NULL;
  /* a plugin's bug, but its caller gets an error, not a broken reply */
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE (self->out_signature)))
    {
      g_critical ("%s: method %s returned %s, not %s",
                  G_OBJECT_TYPE_NAME (g_task_get_source_object (task)), self->name,
                  g_variant_get_type_string (value), self->out_signature);
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("the driver returned a malformed result for %s"), self->name);
      return NULL;
    }
  if (out_fd_list != NULL)
    *out_fd_list = g_task_get_task_data (task) != NULL ?
      g_object_ref (g_task_get_task_data (task)) : NULL;
  return g_steal_pointer (&value);
}

static void
jmp_xml_attr (GString *xml, const gchar *name, const gchar *value)
{
  g_autofree gchar *escaped = g_markup_escape_text (value, -1);

  g_string_append_printf (xml, " %s=\"%s\"", name, escaped);
}

static void
jmp_xml_args (GString *xml, JmpDriverMethod *method, gboolean in)
{
  g_autoptr(GPtrArray) types = jmp_signature_split (in ? method->in_signature
                                                       : method->out_signature);
  GStrv names = in ? method->in_names : method->out_names;

  for (guint i = 0; i < types->len; i++)
    {
      g_string_append (xml, "<arg");
      jmp_xml_attr (xml, "name", names[i]);
      jmp_xml_attr (xml, "type", g_ptr_array_index (types, i));
      jmp_xml_attr (xml, "direction", in ? "in" : "out");
      g_string_append (xml, "/>");
    }
}

/* Introspection XML is the one format that says all of it (names, help as
 * an annotation); GDBus builds the interface info from it. */
static GDBusInterfaceInfo *
jmp_driver_interface_build_info (JmpDriverInterface *iface)
{
  g_autoptr(GString) xml = g_string_new ("<node><interface");
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GError) error = NULL;

  jmp_xml_attr (xml, "name", iface->name);
  g_string_append (xml, ">");
  for (guint i = 0; i < iface->methods->len; i++)
    {
      JmpDriverMethod *method = g_ptr_array_index (iface->methods, i);

      g_string_append (xml, "<method");
      jmp_xml_attr (xml, "name", method->member);
      g_string_append (xml, ">");
      jmp_xml_args (xml, method, TRUE);
      jmp_xml_args (xml, method, FALSE);
      if (*method->help != '\0')
        {
          g_string_append (xml, "<annotation");
          jmp_xml_attr (xml, "name", JMP_DRIVER_METHOD_HELP_ANNOTATION);
          jmp_xml_attr (xml, "value", method->help);
          g_string_append (xml, "/>");
        }
      g_string_append (xml, "</method>");
    }
  for (guint i = 0; i < iface->properties->len; i++)
    {
      GParamSpec *pspec = g_ptr_array_index (iface->properties, i);
      g_autofree gchar *name = jmp_driver_dbus_name (pspec->name);

      g_string_append (xml, "<property");
      jmp_xml_attr (xml, "name", name);
      jmp_xml_attr (xml, "type", jmp_driver_property_signature (pspec));
      jmp_xml_attr (xml, "access", "read");
      g_string_append (xml, "/>");
    }
  g_string_append (xml, "</interface></node>");

  node = g_dbus_node_info_new_for_xml (xml->str, &error);
  if (node == NULL)
    g_error ("declared interface %s: %s", iface->name, error->message);
  g_dbus_interface_info_cache_build (node->interfaces[0]);
  return g_dbus_interface_info_ref (node->interfaces[0]);
}

static JmpDriverInterface *
jmp_driver_interfaces_find (GPtrArray *ifaces, const gchar *name)
{
  for (guint i = 0; i < ifaces->len; i++)
    {
      JmpDriverInterface *iface = g_ptr_array_index (ifaces, i);

      if (g_strcmp0 (iface->name, name) == 0)
        return iface;
    }
  return NULL;
}

/* The D-Bus interfaces of what @type and its ancestors declared, built once
 * and kept with the type. */
GPtrArray *
jmp_driver_type_get_interfaces (GType type)
{
  static GMutex lock;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();
  GPtrArray *ifaces = g_type_get_qdata (type, jmp_driver_interfaces_quark ());

  if (ifaces != NULL)
    return ifaces;

  for (GType t = type; t != G_TYPE_INVALID && t != JMP_TYPE_DRIVER; t = g_type_parent (t))
    g_ptr_array_insert (chain, 0, GSIZE_TO_POINTER (t));

  ifaces = g_ptr_array_new ();
  for (guint i = 0; i < chain->len; i++)
    {
      GType t = GPOINTER_TO_SIZE (chain->pdata[i]);
      g_autoptr(GTypeClass) klass = g_type_class_ref (t);
      g_autofree GParamSpec **pspecs = NULL;
      guint n_pspecs = 0;
      JmpDriverDecl *decl;
      JmpDriverInterface *iface;

      /* properties flagged JMP_PARAM_STATE are state as if exported */
      pspecs = g_object_class_list_properties (G_OBJECT_CLASS (klass), &n_pspecs);
      for (guint j = 0; j < n_pspecs; j++)
        if (pspecs[j]->owner_type == t && (pspecs[j]->flags & JMP_PARAM_STATE) != 0)
          {
            decl = jmp_driver_decl_get ((JmpDriverClass *) klass);
            if (!g_ptr_array_find (decl->properties, pspecs[j], NULL))
              jmp_driver_class_export_property ((JmpDriverClass *) klass, pspecs[j]->name);
          }

      decl = g_type_get_qdata (t, jmp_driver_decl_quark ());
      if (decl == NULL || (decl->methods->len == 0 && decl->properties->len == 0))
        continue;
      jmp_driver_decl_interface_name ((JmpDriverClass *) klass, decl);
      /* the class may have named its interface after declaring methods */
      for (guint j = 0; j < decl->methods->len; j++)
        {
          JmpDriverMethod *method = g_ptr_array_index (decl->methods, j);

          g_free (method->interface_name);
          method->interface_name = g_strdup (decl->interface_name);
        }
      iface = jmp_driver_interfaces_find (ifaces, decl->interface_name);
      if (iface == NULL)
        {
          iface = g_new0 (JmpDriverInterface, 1);
          iface->name = g_strdup (decl->interface_name);
          iface->methods = g_ptr_array_new_with_free_func (g_object_unref);
          iface->properties = g_ptr_array_new ();
          g_ptr_array_add (ifaces, iface);
        }
      for (guint j = 0; j < decl->methods->len; j++)
        g_ptr_array_add (iface->methods, g_object_ref (decl->methods->pdata[j]));
      g_ptr_array_extend (iface->properties, decl->properties, NULL, NULL);
    }
  for (guint i = 0; i < ifaces->len; i++)
    {
      JmpDriverInterface *iface = g_ptr_array_index (ifaces, i);

      iface->info = jmp_driver_interface_build_info (iface);
    }
  g_type_set_qdata (type, jmp_driver_interfaces_quark (), ifaces);
  return ifaces;
}

/* Every method @type declared or inherited, ancestors' first. */
GPtrArray *
jmp_driver_type_get_methods (GType type)
{
  GPtrArray *ifaces = jmp_driver_type_get_interfaces (type);
  GPtrArray *methods = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < ifaces->len; i++)
    {
      JmpDriverInterface *iface = g_ptr_array_index (ifaces, i);

      for (guint j = 0; j < iface->methods->len; j++)
        g_ptr_array_add (methods, g_object_ref (iface->methods->pdata[j]));
    }
  return methods;
}

JmpDriverMethod *
jmp_driver_interface_lookup (JmpDriverInterface *iface, const gchar *member)
{
  for (guint i = 0; i < iface->methods->len; i++)
    {
      JmpDriverMethod *method = g_ptr_array_index (iface->methods, i);

      if (g_strcmp0 (method->member, member) == 0)
        return method;
    }
  return NULL;
}

/* Driver1.Methods: a(sssssasass), one entry per method: name, interface,
 * member, in and out signature, in and out names, help. */
GVariant *
jmp_driver_methods_to_variant (GPtrArray *methods)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sssssasass)"));
  for (guint i = 0; methods != NULL && i < methods->len; i++)
    {
      JmpDriverMethod *m = g_ptr_array_index (methods, i);

      g_variant_builder_add (&builder, "(sssss^as^ass)", m->name, m->interface_name, m->member,
                             m->in_signature, m->out_signature, m->in_names, m->out_names,
                             m->help);
    }
  return g_variant_builder_end (&builder);
}

GPtrArray *
jmp_driver_methods_from_variant (GVariant *value)
{
  GPtrArray *methods = g_ptr_array_new_with_free_func (g_object_unref);
  const gchar *name, *iface, *member, *in_sig, *out_sig, *help;
  g_autofree const gchar **in_names = NULL;
  g_autofree const gchar **out_names = NULL;
  GVariantIter iter;

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE ("a(sssssasass)")))
    return methods;
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "(&s&s&s&s&s^a&s^a&s&s)", &name, &iface, &member,
                              &in_sig, &out_sig, &in_names, &out_names, &help))
    {
      JmpDriverMethod *method;

      /* from a peer: only what a call can be built from */
      if (jmp_signature_is_tuple (in_sig) && jmp_signature_is_tuple (out_sig) &&
          g_dbus_is_interface_name (iface) && g_dbus_is_member_name (member))
        {
          method = jmp_driver_method_new_full (name, iface, in_sig, out_sig,
                                               in_names, out_names, help);
          g_free (method->member);
          method->member = g_strdup (member);
          g_ptr_array_add (methods, method);
        }
      g_clear_pointer (&in_names, g_free);
      g_clear_pointer (&out_names, g_free);
    }
  return methods;
}

/**
 * jmp_driver_method_get_name:
 * @self: a #JmpDriverMethod
 *
 * Gets the name clients call the method by.
 *
 * Returns: the name clients use, e.g. "cycle"
 */
const gchar *
jmp_driver_method_get_name (JmpDriverMethod *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_METHOD (self), NULL);
  return self->name;
}

/**
 * jmp_driver_method_get_member:
 * @self: a #JmpDriverMethod
 *
 * Gets the method's name on D-Bus.
 *
 * Returns: the D-Bus method name, e.g. "Cycle"
 */
const gchar *
jmp_driver_method_get_member (JmpDriverMethod *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_METHOD (self), NULL);
  return self->member;
}

/**
 * jmp_driver_method_get_interface_name:
 * @self: a #JmpDriverMethod
 *
 * Gets the D-Bus interface that carries the method.
 *
 * Returns: the D-Bus interface it is on
 */
const gchar *
jmp_driver_method_get_interface_name (JmpDriverMethod *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_METHOD (self), NULL);
  return self->interface_name;
}

/**
 * jmp_driver_method_get_in_signature:
 * @self: a #JmpDriverMethod
 *
 * Gets the D-Bus type of the method's arguments.
 *
 * Returns: the tuple type of its arguments, e.g. "(d)"
 */
const gchar *
jmp_driver_method_get_in_signature (JmpDriverMethod *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_METHOD (self), NULL);
  return self->in_signature;
}

/**
 * jmp_driver_method_get_out_signature:
 * @self: a #JmpDriverMethod
 *
 * Gets the D-Bus type of the method's results.
 *
 * Returns: the tuple type of its results, e.g. "(b)"
 */
const gchar *
jmp_driver_method_get_out_signature (JmpDriverMethod *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_METHOD (self), NULL);
  return self->out_signature;
}

/**
 * jmp_driver_method_get_in_names:
 * @self: a #JmpDriverMethod
 *
 * Gets the names of the method's arguments.
 *
 * Returns: (transfer none) (array zero-terminated=1): one name per argument
 */
const gchar * const *
jmp_driver_method_get_in_names (JmpDriverMethod *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_METHOD (self), NULL);
  return (const gchar * const *) self->in_names;
}

/**
 * jmp_driver_method_get_out_names:
 * @self: a #JmpDriverMethod
 *
 * Gets the names of the method's results.
 *
 * Returns: (transfer none) (array zero-terminated=1): one name per result
 */
const gchar * const *
jmp_driver_method_get_out_names (JmpDriverMethod *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_METHOD (self), NULL);
  return (const gchar * const *) self->out_names;
}

/**
 * jmp_driver_method_get_help:
 * @self: a #JmpDriverMethod
 *
 * Gets the method's help text.
 *
 * Returns: its help, "" if it has none
 */
const gchar *
jmp_driver_method_get_help (JmpDriverMethod *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_METHOD (self), NULL);
  return self->help;
}

/**
 * jmp_driver_method_get_usage:
 * @self: a #JmpDriverMethod
 *
 * Formats the method with its arguments, for a usage line.
 *
 * Returns: (transfer full): the method as a command line writes it, e.g.
 *   "cycle DELAY"
 */
gchar *
jmp_driver_method_get_usage (JmpDriverMethod *self)
{
  GString *usage;

  g_return_val_if_fail (JMP_IS_DRIVER_METHOD (self), NULL);
  usage = g_string_new (self->name);
  for (guint i = 0; self->in_names[i] != NULL; i++)
    {
      g_autofree gchar *upper = g_ascii_strup (self->in_names[i], -1);

      g_string_append_printf (usage, " %s", upper);
    }
  return g_string_free (usage, FALSE);
}
