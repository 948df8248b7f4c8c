/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * jmp list: the drivers of the host, as a table or as JSON, from one
 * ListDrivers() call: no proxy per driver.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <glib/gi18n.h>

#include "jmp-cli.h"

/* The label the host adds to every driver: its key, which PATH shows. */
#define NAME_LABEL "jumpstarter.dev/name"

/* "k=v,k2=v2", sorted by key. */
static gchar *
jmp_cmd_list_format_labels (GHashTable *labels)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (labels), (GCompareFunc) g_strcmp0);
  GString *text = g_string_new (NULL);

  for (GList *l = keys; l != NULL; l = l->next)
    {
      if (g_strcmp0 (l->data, NAME_LABEL) == 0)
        continue;
      if (text->len > 0)
        g_string_append_c (text, ',');
      g_string_append_printf (text, "%s=%s", (const gchar *) l->data,
                              (const gchar *) g_hash_table_lookup (labels, l->data));
    }
  return g_string_free (text, FALSE);
}

static void
jmp_cmd_list_print_table (GPtrArray *drivers)
{
  const gchar *headers[] = { _("PATH"), _("TYPE"), _("DESCRIPTION"), _("LABELS") };
  enum { N_COLUMNS = G_N_ELEMENTS (headers) };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (guint i = 0; i < drivers->len; i++)
    {
      JmpDriverInfo *driver = g_ptr_array_index (drivers, i);
      gchar **row = g_new0 (gchar *, N_COLUMNS + 1);

      row[0] = g_strdup (jmp_driver_info_get_path (driver));
      row[1] = g_strdup (jmp_driver_info_get_type_name (driver));
      row[2] = jmp_cli_first_line (jmp_driver_info_get_description (driver));
      row[3] = jmp_cmd_list_format_labels (jmp_driver_info_get_labels (driver));
      g_ptr_array_add (rows, row);
    }

  jmp_cli_print_table (headers, rows, N_COLUMNS);
}

static void
jmp_cmd_list_add_table (JsonBuilder *builder, const gchar *member, GHashTable *table)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (table), (GCompareFunc) g_strcmp0);

  json_builder_set_member_name (builder, member);
  json_builder_begin_object (builder);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      json_builder_set_member_name (builder, l->data);
      json_builder_add_string_value (builder, g_hash_table_lookup (table, l->data));
    }
  json_builder_end_object (builder);
}

static void
jmp_cmd_list_print_json (JmpClient *client, GPtrArray *drivers)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const gchar *exporter = jmp_client_get_exporter_name (client);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "exporter");
  json_builder_add_string_value (builder, exporter != NULL ? exporter : "");
  json_builder_set_member_name (builder, "drivers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < drivers->len; i++)
    {
      JmpDriverInfo *driver = g_ptr_array_index (drivers, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, jmp_driver_info_get_path (driver));
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, jmp_driver_info_get_name (driver));
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, jmp_driver_info_get_type_name (driver));
      json_builder_set_member_name (builder, "uuid");
      json_builder_add_string_value (builder, jmp_driver_info_get_uuid (driver));
      json_builder_set_member_name (builder, "parent_uuid");
      json_builder_add_string_value (builder, jmp_driver_info_get_parent_uuid (driver));
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, jmp_driver_info_get_description (driver));
      jmp_cmd_list_add_table (builder, "labels", jmp_driver_info_get_labels (driver));
      jmp_cmd_list_add_table (builder, "methods_description",
                              jmp_driver_info_get_methods_description (driver));
      json_builder_set_member_name (builder, "object_path");
      json_builder_add_string_value (builder, jmp_driver_info_get_object_path (driver));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  jmp_cli_print_json (builder);
}

gint
jmp_cmd_list (const JmpCliOptions *options, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpClient) client = NULL;
  g_autoptr(GPtrArray) drivers = NULL;
  gboolean json = FALSE;
  gint status = JMP_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    G_OPTION_ENTRY_NULL
  };

  context = jmp_cli_option_context_new ("list", NULL, _("List the drivers of the host."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return jmp_cli_usage_error (_("list takes no arguments, got \"%s\""), argv[1]);

  client = jmp_cli_connect (options, JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS, &error);
  if (client == NULL)
    return jmp_cli_fail (error);

  drivers = jmp_client_list_drivers_sync (client, NULL, &error);
  if (drivers == NULL)
    return jmp_cli_fail (error);
  if (json)
    jmp_cmd_list_print_json (client, drivers);
  else
    jmp_cmd_list_print_table (drivers);
  return JMP_CLI_EXIT_OK;
}
