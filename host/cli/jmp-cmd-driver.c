/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * jmp DRIVER COMMAND: looks the driver up and runs one of the commands its
 * capabilities offer, or one of the methods its type declared. A new
 * command is one entry in driver_commands[].
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-cli.h"

typedef struct {
  const gchar *name;
  const gchar *interface;     /* the capability the driver needs */
  const gchar *summary;       /* unless the driver's MethodsDescription says better */
  gint       (*run) (JmpDriverContext *ctx, gint argc, gchar **argv);
  gboolean   (*offered) (JmpDriverProxy *driver);  /* NULL: whenever it has the interface */
} JmpDriverCommand;

#define NETWORK1 "dev.jumpstarter.Network1"
#define VIDEO1   "dev.jumpstarter.Video1"

/* A UDP forward only makes sense where each write is one datagram. */
static gboolean
jmp_cmd_driver_is_datagram (JmpDriverProxy *driver)
{
  JmpNetworkProxy *network = jmp_driver_proxy_get_network (driver);

  return network != NULL && jmp_network_proxy_get_socket_type (network) == G_SOCKET_TYPE_DATAGRAM;
}

/* Address() only where the driver has an address (not EchoNetwork). */
static gboolean
jmp_cmd_driver_has_address (JmpDriverProxy *driver)
{
  JmpNetworkProxy *network = jmp_driver_proxy_get_network (driver);

  return network != NULL && jmp_network_proxy_has_address (network);
}

/* In the order help lists them. */
static const JmpDriverCommand driver_commands[] = {
  { "connect", NETWORK1, N_("Connect stdin and stdout to a stream to the target, as nc does"),
    jmp_cmd_network_connect },
  { "address", NETWORK1, N_("Print the target's address: host:port, or --host or --port alone"),
    jmp_cmd_network_address, jmp_cmd_driver_has_address },
  { "forward-tcp", NETWORK1, N_("Forward a local TCP port to the target, a new stream per connection"),
    jmp_cmd_network_forward_tcp },
  { "forward-unix", NETWORK1, N_("Forward a local Unix socket to the target, a new stream per connection"),
    jmp_cmd_network_forward_unix },
  { "forward-udp", NETWORK1, N_("Forward a local UDP port to a datagram target; replies go back to each sender"),
    jmp_cmd_network_forward_udp, jmp_cmd_driver_is_datagram },
  { "run", "dev.jumpstarter.DBusNetwork1", N_("Run a command that sees the exporter's bus as its own"),
    jmp_cmd_dbus_run },
  { "state", VIDEO1, N_("Print the video source's state: online, resolution, FPS, encoder, clients"),
    jmp_cmd_video_state },
  { "snapshot", VIDEO1, N_("Save one frame as a JPEG file (-o FILE, default snapshot.jpg; - for stdout)"),
    jmp_cmd_video_snapshot },
  { "stream", VIDEO1, N_("Serve the live video on a local web page, one upstream for every viewer"),
    jmp_cmd_video_stream },
  { "watch", NULL, N_("Print the driver's state, then every change as it happens"),
    jmp_cmd_watch, jmp_cmd_watch_offered },
};

static gboolean
jmp_cmd_driver_supports (JmpDriverProxy *driver, const JmpDriverCommand *command)
{
  if (command->interface != NULL && !jmp_driver_proxy_has_interface (driver, command->interface))
    return FALSE;
  return command->offered == NULL || command->offered (driver);
}

static const gchar *
jmp_cmd_driver_summary (JmpDriverProxy *driver, const JmpDriverCommand *command)
{
  GHashTable *methods = jmp_driver_proxy_get_methods_description (driver);
  const gchar *text = g_hash_table_lookup (methods, command->name);

  return text != NULL && *text != '\0' ? text : _(command->summary);
}

static gchar *
jmp_cmd_driver_command_names (JmpDriverProxy *driver)
{
  GString *names = g_string_new (NULL);

  g_autoptr(GPtrArray) methods = jmp_driver_proxy_get_methods (driver);

  for (guint i = 0; i < methods->len; i++)
    g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "",
                            jmp_driver_method_get_name (g_ptr_array_index (methods, i)));
  for (gsize i = 0; i < G_N_ELEMENTS (driver_commands); i++)
    {
      if (!jmp_cmd_driver_supports (driver, &driver_commands[i]))
        continue;
      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, driver_commands[i].name);
    }
  return g_string_free (names, FALSE);
}

static void
jmp_cmd_driver_print_help (JmpDriverProxy *driver)
{
  const gchar *path = jmp_driver_proxy_get_path (driver);
  const gchar *description = jmp_driver_proxy_get_description (driver);
  g_autoptr(GPtrArray) methods = jmp_driver_proxy_get_methods (driver);
  gboolean any = FALSE;

  g_print (_("Usage:\n  jmp %s COMMAND [OPTION…]\n\n"), path);
  g_print ("%s (%s)", path, jmp_driver_proxy_get_type_name (driver));
  if (*description != '\0')
    g_print (": %s", description);
  g_print ("\n\n%s\n", _("Commands:"));

  /* the type's own methods first: they are what it is for */
  for (guint i = 0; i < methods->len; i++)
    {
      JmpDriverMethod *method = g_ptr_array_index (methods, i);
      g_autofree gchar *usage = jmp_driver_method_get_usage (method);

      g_print ("  %-14s %s\n", usage, jmp_driver_method_get_help (method));
      any = TRUE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (driver_commands); i++)
    {
      const JmpDriverCommand *command = &driver_commands[i];

      if (!jmp_cmd_driver_supports (driver, command))
        continue;
      g_print ("  %-14s %s\n", command->name, jmp_cmd_driver_summary (driver, command));
      any = TRUE;
    }
  if (!any)
    g_print ("  %s\n", _("(none)"));
  g_print ("\n");
  g_print (_("“jmp %s COMMAND --help” shows the options of a command.\n"), path);
}

gint
jmp_cmd_driver (const JmpCliOptions *options, gint argc, gchar **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpClient) client = NULL;
  g_autoptr(JmpDriverProxy) driver = NULL;
  g_autoptr(JmpDriverMethod) method = NULL;
  g_autofree gchar *names = NULL;
  JmpDriverContext ctx = { .options = options };
  const gchar *name = argv[0];
  const gchar *command_name = argc > 1 ? argv[1] : NULL;

  if (name[0] == '-')
    return jmp_cli_usage_error (_("unknown option \"%s\""), name);

  /* the one driver, not the tree: the same cost with 1,000 drivers as with 2 */
  client = jmp_cli_connect (options, JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS, &error);
  if (client == NULL)
    return jmp_cli_fail (error);
  driver = jmp_client_lookup_driver_sync (client, name, NULL, &error);
  if (driver == NULL)
    return jmp_cli_fail (error);

  if (command_name == NULL ||
      g_strcmp0 (command_name, "--help") == 0 ||
      g_strcmp0 (command_name, "-h") == 0 ||
      g_strcmp0 (command_name, "help") == 0)
    {
      jmp_cmd_driver_print_help (driver);
      return JMP_CLI_EXIT_OK;
    }

  ctx.client = client;
  ctx.driver = driver;
  method = jmp_driver_proxy_lookup_method (driver, command_name);
  if (method != NULL)
    return jmp_cmd_call (&ctx, method, argc - 1, argv + 1);
  for (gsize i = 0; i < G_N_ELEMENTS (driver_commands); i++)
    {
      const JmpDriverCommand *command = &driver_commands[i];

      if (g_strcmp0 (command->name, command_name) == 0 &&
          jmp_cmd_driver_supports (driver, command))
        return command->run (&ctx, argc - 1, argv + 1);
    }

  names = jmp_cmd_driver_command_names (driver);
  if (command_name[0] == '-')
    return jmp_cli_usage_error (_("unknown option \"%s\" for driver \"%s\"; its commands: %s"),
                                command_name, jmp_driver_proxy_get_path (driver),
                                *names != '\0' ? names : _("none"));
  if (*names == '\0')
    return jmp_cli_usage_error (_("driver \"%s\" (%s) has no command \"%s\"; it has no commands"),
                                jmp_driver_proxy_get_path (driver),
                                jmp_driver_proxy_get_type_name (driver), command_name);
  return jmp_cli_usage_error (_("driver \"%s\" (%s) has no command \"%s\"; its commands: %s"),
                              jmp_driver_proxy_get_path (driver),
                              jmp_driver_proxy_get_type_name (driver), command_name, names);
}
