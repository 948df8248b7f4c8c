/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * jmp inspect [TYPE]: loads the plugins here, as the host would, and
 * describes them; no host needs to run.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-cli.h"

gint
jmp_cmd_inspect (const JmpCliOptions *options, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpRegistry) registry = NULL;
  g_auto(GStrv) plugin_dirs = NULL;
  g_autofree gchar *text = NULL;
  gint status = JMP_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &plugin_dirs,
      N_("Load the plugins in DIR first (may be repeated)"), N_("DIR") },
    G_OPTION_ENTRY_NULL
  };

  context = jmp_cli_option_context_new ("inspect", _("[TYPE]"),
                                        _("List the plugins and driver types, or describe the "
                                          "config keys of one driver type."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 2)
    return jmp_cli_usage_error (_("inspect takes one driver type at most, got \"%s\" and \"%s\""),
                                argv[1], argv[2]);

  registry = jmp_registry_new ();
  for (guint i = 0; plugin_dirs != NULL && plugin_dirs[i] != NULL; i++)
    jmp_registry_load_dir (registry, plugin_dirs[i]);
  jmp_registry_load_default (registry);

  text = jmp_registry_describe (registry, argc > 1 ? argv[1] : NULL, &error);
  if (text == NULL)
    return jmp_cli_fail (error);

  g_print ("%s", text);
  if (*text != '\0' && !g_str_has_suffix (text, "\n"))
    g_print ("\n");
  return JMP_CLI_EXIT_OK;
}
