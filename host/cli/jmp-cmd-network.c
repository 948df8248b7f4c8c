/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The commands of network drivers (dev.jumpstarter.Network1).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-cli.h"

static GOptionContext *
jmp_cmd_network_context (JmpDriverContext *ctx,
                         const gchar      *command,
                         const gchar      *parameter_string,
                         const gchar      *summary)
{
  g_autofree gchar *name = g_strdup_printf ("%s %s", jmp_driver_proxy_get_path (ctx->driver), command);

  return jmp_cli_option_context_new (name, parameter_string, summary);
}

gint
jmp_cmd_network_connect (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  JmpNetworkProxy *network;
  gint status = JMP_CLI_EXIT_OK;

  context = jmp_cmd_network_context (ctx, "connect", NULL,
                                     _("Copy stdin to a new stream to the target and the stream to "
                                       "stdout. The end of stdin closes the stream for writing; "
                                       "the command ends when the target closes the stream."));
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return jmp_cli_usage_error (_("connect takes no arguments, got \"%s\""), argv[1]);

  network = jmp_driver_proxy_get_network (ctx->driver);
  socket = jmp_network_proxy_connect_socket_sync (network, NULL, &error);
  if (socket == NULL)
    return jmp_cli_fail (error);

  if (!jmp_cli_relay_stdio (socket, &error))
    return jmp_cli_fail (error);
  return JMP_CLI_EXIT_OK;
}

/* Jumpstarter's forms: the address without its scheme, as host:port (IPv6
 * in brackets), or the host alone (no brackets) or the port alone. */
static gchar *
jmp_cmd_network_format_address (const gchar  *address,
                                gboolean      want_host,
                                gboolean      want_port,
                                GError      **error)
{
  g_autoptr(GUri) uri = g_uri_parse (address, G_URI_FLAGS_NON_DNS, NULL);
  const gchar *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  gint port = uri != NULL ? g_uri_get_port (uri) : -1;

  if (want_host && want_port)
    want_host = want_port = FALSE;

  if (want_host)
    {
      if (host == NULL || *host == '\0')
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                       _("address \"%s\" has no host"), address);
          return NULL;
        }
      return g_strdup (host);
    }

  if (want_port)
    {
      if (port < 0)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                       _("address \"%s\" has no port"), address);
          return NULL;
        }
      return g_strdup_printf ("%d", port);
    }

  if (host != NULL && *host != '\0')
    {
      gboolean ipv6 = strchr (host, ':') != NULL;

      if (port < 0)
        return ipv6 ? g_strdup_printf ("[%s]", host) : g_strdup (host);
      return ipv6 ? g_strdup_printf ("[%s]:%d", host, port) : g_strdup_printf ("%s:%d", host, port);
    }

  /* No host (unix:///run/x.sock): what follows the scheme. */
  if (uri != NULL && g_uri_get_path (uri) != NULL && *g_uri_get_path (uri) != '\0')
    return g_strdup (g_uri_get_path (uri));
  {
    const gchar *rest = strstr (address, "://");
    return g_strdup (rest != NULL ? rest + 3 : address);
  }
}

gint
jmp_cmd_network_address (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *text = NULL;
  gboolean want_host = FALSE;
  gboolean want_port = FALSE;
  JmpNetworkProxy *network;
  gint status = JMP_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_NONE, &want_host, N_("Print the host alone"), NULL },
    { "port", 0, 0, G_OPTION_ARG_NONE, &want_port, N_("Print the port alone"), NULL },
    G_OPTION_ENTRY_NULL
  };

  context = jmp_cmd_network_context (ctx, "address", NULL,
                                     _("Print the address of the target without its scheme: "
                                       "host:port, or the host or the port alone."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return jmp_cli_usage_error (_("address takes no arguments, got \"%s\""), argv[1]);

  network = jmp_driver_proxy_get_network (ctx->driver);
  address = jmp_network_proxy_get_address_sync (network, NULL, &error);
  if (address == NULL)
    return jmp_cli_fail (error);

  text = jmp_cmd_network_format_address (address, want_host, want_port, &error);
  if (text == NULL)
    return jmp_cli_fail (error);
  g_print ("%s\n", text);
  return JMP_CLI_EXIT_OK;
}
