/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * jmp DRIVER METHOD [ARG…]: any method a driver's type declared, with its
 * arguments parsed by its signature and its results printed for people
 * (or --json for programs); jmp DRIVER watch: its state as it changes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "jmp-cli.h"

static gboolean
jmp_cmd_call_parse_boolean (const gchar *text, gboolean *out)
{
  const gchar *yes[] = { "true", "yes", "on", "1", NULL };
  const gchar *no[] = { "false", "no", "off", "0", NULL };
  g_autofree gchar *lower = g_ascii_strdown (text, -1);

  if (g_strv_contains (yes, lower))
    return (*out = TRUE), TRUE;
  if (g_strv_contains (no, lower))
    return (*out = FALSE), TRUE;
  return FALSE;
}

/* A command-line word as a value of @type: strings as they are, numbers
 * and booleans as people write them, arrays of those as a,b,c, anything
 * else in GVariant text format. */
static GVariant *
jmp_cmd_call_parse_value (const GVariantType *type, const gchar *text, GError **error)
{
  const gchar *t = g_variant_type_peek_string (type);
  gint64 i64;
  guint64 u64;
  gboolean b;

  switch (t[0])
    {
    case 's':
      return g_variant_new_string (text);
    case 'o':
      if (g_variant_is_object_path (text))
        return g_variant_new_object_path (text);
      break;
    case 'b':
      if (jmp_cmd_call_parse_boolean (text, &b))
        return g_variant_new_boolean (b);
      break;
    case 'y':
      if (g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT8, &u64, NULL))
        return g_variant_new_byte (u64);
      break;
    case 'n':
      if (g_ascii_string_to_signed (text, 10, G_MININT16, G_MAXINT16, &i64, NULL))
        return g_variant_new_int16 (i64);
      break;
    case 'q':
      if (g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT16, &u64, NULL))
        return g_variant_new_uint16 (u64);
      break;
    case 'i':
      if (g_ascii_string_to_signed (text, 10, G_MININT32, G_MAXINT32, &i64, NULL))
        return g_variant_new_int32 (i64);
      break;
    case 'u':
      if (g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &u64, NULL))
        return g_variant_new_uint32 (u64);
      break;
    case 'x':
      if (g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &i64, NULL))
        return g_variant_new_int64 (i64);
      break;
    case 't':
      if (g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &u64, NULL))
        return g_variant_new_uint64 (u64);
      break;
    case 'd':
      {
        gchar *end = NULL;
        gdouble d;

        errno = 0;
        d = g_ascii_strtod (text, &end);
        if (*text != '\0' && *end == '\0' && errno == 0)
          return g_variant_new_double (d);
        break;
      }
    case 'a':
      if (g_variant_type_is_basic (g_variant_type_element (type)) &&
          text[0] != '[' && text[0] != '@')
        {
          g_auto(GStrv) items = *text != '\0' ? g_strsplit (text, ",", -1) : g_new0 (gchar *, 1);
          GVariantBuilder builder;

          g_variant_builder_init (&builder, type);
          for (guint i = 0; items[i] != NULL; i++)
            {
              GVariant *item = jmp_cmd_call_parse_value (g_variant_type_element (type),
                                                         items[i], error);

              if (item == NULL)
                {
                  g_variant_builder_clear (&builder);
                  return NULL;
                }
              g_variant_builder_add_value (&builder, item);
            }
          return g_variant_builder_end (&builder);
        }
      G_GNUC_FALLTHROUGH;
    default:
      {
        g_autoptr(GError) parse_error = NULL;
        GVariant *value = g_variant_parse (type, text, NULL, NULL, &parse_error);

        if (value != NULL)
          return value;
      }
    }
  g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
               _("“%s” is not a value of type %s"), text, t);
  return NULL;
}

static GVariant *
jmp_cmd_call_parse_args (JmpDriverMethod *method, gchar **words, guint n_words,
                         GError **error)
{
  const GVariantType *tuple = G_VARIANT_TYPE (jmp_driver_method_get_in_signature (method));
  const gchar * const *names = jmp_driver_method_get_in_names (method);
  guint n_args = g_variant_type_n_items (tuple);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  const GVariantType *type = g_variant_type_first (tuple);
  g_autofree gchar *usage = jmp_driver_method_get_usage (method);

  if (n_words != n_args)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   g_dngettext (GETTEXT_PACKAGE, "%s takes %u argument (%s), got %u",
                                "%s takes %u arguments (%s), got %u", n_args),
                   jmp_driver_method_get_name (method), n_args, usage, n_words);
      return NULL;
    }
  for (guint i = 0; i < n_args; i++, type = g_variant_type_next (type))
    {
      GVariant *value = jmp_cmd_call_parse_value (type, words[i], error);

      if (value == NULL)
        {
          g_prefix_error (error, "%s: ", names[i]);
          return NULL;
        }
      g_ptr_array_add (values, g_variant_ref_sink (value));
    }
  return g_variant_new_tuple ((GVariant **) values->pdata, values->len);
}

/* Strings as they are, the rest as GVariant text without type annotations. */
static gchar *
jmp_cmd_call_format (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH))
    return g_variant_dup_string (value, NULL);
  return g_variant_print (value, FALSE);
}

static gchar *
jmp_cmd_call_to_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

static void
jmp_cmd_call_print (JmpDriverMethod *method, GVariant *results, gboolean json)
{
  const gchar * const *names = jmp_driver_method_get_out_names (method);
  gsize n = g_variant_n_children (results);

  if (json)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autofree gchar *text = NULL;

      for (gsize i = 0; i < n; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (results, i);

          json_object_set_member (object, names[i], json_gvariant_serialize (child));
        }
      json_node_set_object (root, object);
      text = jmp_cmd_call_to_json (root);
      g_print ("%s\n", text);
      return;
    }
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (results, i);
      g_autofree gchar *text = jmp_cmd_call_format (child);

      if (n == 1)
        g_print ("%s\n", text);
      else
        g_print ("%s: %s\n", names[i], text);
    }
}

static void
jmp_cmd_call_print_help (JmpDriverContext *ctx, JmpDriverMethod *method)
{
  g_autofree gchar *usage = jmp_driver_method_get_usage (method);
  const gchar * const *in_names = jmp_driver_method_get_in_names (method);
  const gchar * const *out_names = jmp_driver_method_get_out_names (method);
  g_autofree gchar *in_list = g_strjoinv (", ", (GStrv) in_names);
  g_autofree gchar *out_list = g_strjoinv (", ", (GStrv) out_names);

  g_print (_("Usage:\n  jmp %s %s [--json]\n\n"), jmp_driver_proxy_get_path (ctx->driver), usage);
  if (*jmp_driver_method_get_help (method) != '\0')
    g_print ("%s\n\n", jmp_driver_method_get_help (method));
  g_print (_("Arguments: %s %s\n"), jmp_driver_method_get_in_signature (method),
           *in_list != '\0' ? in_list : _("(none)"));
  g_print (_("Results:   %s %s\n"), jmp_driver_method_get_out_signature (method),
           *out_list != '\0' ? out_list : _("(none)"));
  g_print (_("D-Bus:     %s.%s\n"), jmp_driver_method_get_interface_name (method),
           jmp_driver_method_get_member (method));
}

/* A method that hands over one stream: connect stdio to it, as `connect`. */
static gint
jmp_cmd_call_relay (GVariant *results, GUnixFDList *fds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  gint32 handle;
  gint fd;

  g_variant_get (results, "(h)", &handle);
  fd = g_unix_fd_list_get (fds, handle, &error);
  if (fd < 0)
    return jmp_cli_fail (error);
  socket = g_socket_new_from_fd (fd, &error);
  if (socket == NULL)
    {
      close (fd);
      return jmp_cli_fail (error);
    }
  if (!jmp_cli_relay_stdio (socket, &error))
    return jmp_cli_fail (error);
  return JMP_CLI_EXIT_OK;
}

gint
jmp_cmd_call (JmpDriverContext *ctx, JmpDriverMethod *method, gint argc, gchar **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) words = g_ptr_array_new ();
  g_autoptr(GVariant) args = NULL;
  g_autoptr(GVariant) results = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  gboolean json = FALSE;
  gboolean positional = FALSE;

  /* by hand, not GOption: "-3" is an argument of a method taking an int */
  for (gint i = 1; i < argc; i++)
    {
      if (!positional && g_strcmp0 (argv[i], "--") == 0)
        positional = TRUE;
      else if (!positional && g_strcmp0 (argv[i], "--json") == 0)
        json = TRUE;
      else if (!positional && (g_strcmp0 (argv[i], "--help") == 0 ||
                               g_strcmp0 (argv[i], "-h") == 0))
        {
          jmp_cmd_call_print_help (ctx, method);
          return JMP_CLI_EXIT_OK;
        }
      else
        g_ptr_array_add (words, argv[i]);
    }

  args = jmp_cmd_call_parse_args (method, (gchar **) words->pdata, words->len, &error);
  if (args == NULL)
    return jmp_cli_usage_error ("%s", error->message);
  results = jmp_driver_proxy_call_with_unix_fd_list_sync (ctx->driver,
                                                          jmp_driver_method_get_name (method),
                                                          g_steal_pointer (&args), &fds,
                                                          NULL, &error);
  if (results == NULL)
    return jmp_cli_fail (error);
  if (fds != NULL && g_variant_is_of_type (results, G_VARIANT_TYPE ("(h)")) && !json)
    return jmp_cmd_call_relay (results, fds);
  jmp_cmd_call_print (method, results, json);
  return JMP_CLI_EXIT_OK;
}

/* ---- watch ----------------------------------------------------------------- */

typedef struct {
  GMainLoop      *loop;
  JmpDriverProxy *driver;
  gboolean        json;
  gint            status;
} JmpWatch;

/* State is what a driver's type declared, or a plugin added: the
 * interfaces the library has no typed proxy for. The built-in ones
 * (Driver1, Network1, Video1) only say what the driver is. */
static gboolean
jmp_cmd_watch_is_state (GDBusInterface *iface)
{
  return G_OBJECT_TYPE (iface) == G_TYPE_DBUS_PROXY;
}

static void
jmp_cmd_watch_print (JmpWatch *watch, const gchar *iface, const gchar *name, GVariant *value)
{
  if (watch->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree gchar *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "interface");
      json_builder_add_string_value (builder, iface);
      json_builder_set_member_name (builder, "property");
      json_builder_add_string_value (builder, name);
      json_builder_set_member_name (builder, "value");
      json_builder_add_value (builder, value != NULL ? json_gvariant_serialize (value)
                                                     : json_node_new (JSON_NODE_NULL));
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      text = jmp_cmd_call_to_json (root);
      g_print ("%s\n", text);
    }
  else
    {
      g_autofree gchar *text = value != NULL ? jmp_cmd_call_format (value) : g_strdup ("?");

      g_print ("%s: %s\n", name, text);
    }
  /* one line per change, as it happens, also into a pipe */
  fflush (stdout);
}

static void
jmp_cmd_watch_changed_cb (GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
                          gpointer user_data)
{
  JmpWatch *watch = user_data;
  const gchar *iface = g_dbus_proxy_get_interface_name (proxy);
  GVariantIter iter;
  const gchar *name;
  GVariant *value;

  g_variant_iter_init (&iter, changed);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    {
      jmp_cmd_watch_print (watch, iface, name, value);
      g_variant_unref (value);
    }
  for (guint i = 0; invalidated != NULL && invalidated[i] != NULL; i++)
    jmp_cmd_watch_print (watch, iface, invalidated[i], NULL);
}

static gboolean
jmp_cmd_watch_signal_cb (gpointer user_data)
{
  JmpWatch *watch = user_data;

  g_main_loop_quit (watch->loop);
  return G_SOURCE_CONTINUE;
}

static void
jmp_cmd_watch_closed_cb (GDBusConnection *connection, gboolean remote_peer_vanished,
                         GError *error, gpointer user_data)
{
  JmpWatch *watch = user_data;

  jmp_cli_error (_("the host went away"));
  watch->status = JMP_CLI_EXIT_FAILURE;
  g_main_loop_quit (watch->loop);
}

static void
jmp_cmd_watch_removed_cb (JmpClient *client, JmpDriverProxy *driver, gpointer user_data)
{
  JmpWatch *watch = user_data;

  if (g_strcmp0 (jmp_driver_proxy_get_object_path (driver),
                 jmp_driver_proxy_get_object_path (watch->driver)) != 0)
    return;
  jmp_cli_error (_("the driver %s was removed"), jmp_driver_proxy_get_path (driver));
  watch->status = JMP_CLI_EXIT_FAILURE;
  g_main_loop_quit (watch->loop);
}

/* Whether the driver has state to watch: properties beyond Driver1's. */
gboolean
jmp_cmd_watch_offered (JmpDriverProxy *driver)
{
  g_autolist(GDBusInterface) ifaces = g_dbus_object_get_interfaces (jmp_driver_proxy_get_object (driver));

  for (GList *l = ifaces; l != NULL; l = l->next)
    {
      g_auto(GStrv) names = NULL;

      if (!jmp_cmd_watch_is_state (l->data))
        continue;
      names = g_dbus_proxy_get_cached_property_names (l->data);
      if (names != NULL && names[0] != NULL)
        return TRUE;
    }
  return FALSE;
}

gint
jmp_cmd_watch (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autolist(GDBusInterface) ifaces = NULL;
  g_autofree gchar *name = NULL;
  JmpWatch watch = { loop, ctx->driver, FALSE, JMP_CLI_EXIT_OK };
  GDBusConnection *connection = jmp_client_get_connection (ctx->client);
  gint status = JMP_CLI_EXIT_OK;
  guint sources[2];
  gulong closed_id, removed_id;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &watch.json,
      N_("One JSON object per change: interface, property, value"), NULL },
    G_OPTION_ENTRY_NULL
  };

  name = g_strdup_printf ("%s watch", jmp_driver_proxy_get_path (ctx->driver));
  context = jmp_cli_option_context_new (name, NULL,
                                        _("Print the driver's state, then every change as it "
                                          "happens, until interrupted."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return jmp_cli_usage_error (_("watch takes no arguments, got \"%s\""), argv[1]);

  ifaces = g_dbus_object_get_interfaces (jmp_driver_proxy_get_object (ctx->driver));
  for (GList *l = ifaces; l != NULL; l = l->next)
    {
      g_auto(GStrv) names = NULL;

      if (!jmp_cmd_watch_is_state (l->data))
        continue;
      names = g_dbus_proxy_get_cached_property_names (l->data);
      for (guint i = 0; names != NULL && names[i] != NULL; i++)
        {
          g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (l->data, names[i]);

          jmp_cmd_watch_print (&watch, g_dbus_proxy_get_interface_name (l->data),
                               names[i], value);
        }
      g_signal_connect (l->data, "g-properties-changed",
                        G_CALLBACK (jmp_cmd_watch_changed_cb), &watch);
    }

  sources[0] = g_unix_signal_add (SIGINT, jmp_cmd_watch_signal_cb, &watch);
  sources[1] = g_unix_signal_add (SIGTERM, jmp_cmd_watch_signal_cb, &watch);
  closed_id = g_signal_connect (connection, "closed",
                                G_CALLBACK (jmp_cmd_watch_closed_cb), &watch);
  removed_id = g_signal_connect (ctx->client, "driver-removed",
                                 G_CALLBACK (jmp_cmd_watch_removed_cb), &watch);
  g_main_loop_run (loop);

  for (GList *l = ifaces; l != NULL; l = l->next)
    g_signal_handlers_disconnect_by_data (l->data, &watch);
  g_signal_handler_disconnect (connection, closed_id);
  g_signal_handler_disconnect (ctx->client, removed_id);
  g_source_remove (sources[0]);
  g_source_remove (sources[1]);
  return watch.status;
}
