/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * jmp exporters: the hosts running on the bus, one per exporter, and the
 * peer-to-peer one of $JUMPSTARTER_HOST.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <glib/gi18n.h>

#include "jmp-cli.h"

static gchar *
jmp_cmd_exporters_where (JmpHostInfo *host)
{
  if (jmp_host_info_get_address (host) != NULL)
    return g_strdup_printf ("$%s", JMP_HOST_ENV);
  if (jmp_host_info_is_default (host))
    return g_strdup_printf (_("%s (default)"), jmp_host_info_get_bus_name (host));
  return g_strdup (jmp_host_info_get_bus_name (host));
}

static void
jmp_cmd_exporters_print_table (GPtrArray *hosts)
{
  const gchar *headers[] = { _("EXPORTER"), _("DRIVERS"), _("DESCRIPTION"), _("HOST") };
  enum { N_COLUMNS = G_N_ELEMENTS (headers) };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 0; i < hosts->len; i++)
    {
      JmpHostInfo *host = g_ptr_array_index (hosts, i);
      gchar **row = g_new0 (gchar *, N_COLUMNS + 1);

      row[0] = g_strdup (jmp_host_info_get_exporter (host) ?: "?");
      row[1] = g_strdup_printf ("%d", jmp_host_info_get_n_drivers (host));
      row[2] = jmp_cli_first_line (jmp_host_info_get_description (host));
      row[3] = jmp_cmd_exporters_where (host);
      g_ptr_array_add (rows, row);
    }

  jmp_cli_print_table (headers, rows, N_COLUMNS);
}

static void
jmp_cmd_exporters_add_string (JsonBuilder *builder, const gchar *member, const gchar *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
jmp_cmd_exporters_print_json (GPtrArray *hosts)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < hosts->len; i++)
    {
      JmpHostInfo *host = g_ptr_array_index (hosts, i);

      json_builder_begin_object (builder);
      jmp_cmd_exporters_add_string (builder, "exporter", jmp_host_info_get_exporter (host));
      jmp_cmd_exporters_add_string (builder, "name", jmp_host_info_get_name (host));
      jmp_cmd_exporters_add_string (builder, "description", jmp_host_info_get_description (host));
      json_builder_set_member_name (builder, "drivers");
      json_builder_add_int_value (builder, jmp_host_info_get_n_drivers (host));
      jmp_cmd_exporters_add_string (builder, "bus_name", jmp_host_info_get_bus_name (host));
      jmp_cmd_exporters_add_string (builder, "address", jmp_host_info_get_address (host));
      json_builder_set_member_name (builder, "default");
      json_builder_add_boolean_value (builder, jmp_host_info_is_default (host));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  jmp_cli_print_json (builder);
}

gint
jmp_cmd_exporters (const JmpCliOptions *options, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hosts = NULL;
  gboolean json = FALSE;
  gint status = JMP_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    G_OPTION_ENTRY_NULL
  };

  context = jmp_cli_option_context_new ("exporters", NULL,
                                        _("List the hosts running on the bus, one per exporter, "
                                          "and the one of $JUMPSTARTER_HOST."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return jmp_cli_usage_error (_("exporters takes no arguments, got \"%s\""), argv[1]);

  hosts = jmp_client_list_hosts_sync (options->bus_type, NULL, &error);
  if (hosts == NULL)
    return jmp_cli_fail (error);
  if (json)
    jmp_cmd_exporters_print_json (hosts);
  else
    jmp_cmd_exporters_print_table (hosts);
  return JMP_CLI_EXIT_OK;
}
