/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <jumpstarter/jumpstarter.h>

#include "jmp-host-source.h"

/**
 * jmp_host_source_resolve:
 * @config: (nullable): --config FILE
 * @exporter: (nullable): --exporter NAME
 * @path: (out) (transfer full) (nullable): the file to serve, NULL for
 *   the built-in demo
 * @alias: (out) (transfer full) (nullable): the exporter's name, NULL
 *   for a file given by its path or the demo
 * @error: return location for a #GError
 *
 * Decides what the host serves. Given neither (D-Bus activation, the
 * systemd user unit), the user's "default" exporter if it has one and
 * only otherwise the demo, and the log says which: a user who wrote
 * default.yaml and sees the demo wants to know why.
 *
 * Returns: %TRUE, or %FALSE when the exporter named cannot be found
 */
gboolean
jmp_host_source_resolve (const gchar  *config,
                         const gchar  *exporter,
                         gchar       **path,
                         gchar       **alias,
                         GError      **error)
{
  g_autoptr(GError) local_error = NULL;

  *path = NULL;
  *alias = NULL;
  if (config != NULL)
    {
      *path = g_strdup (config);
      return TRUE;
    }
  if (exporter != NULL)
    {
      g_autofree gchar *bus_name = jmp_exporter_bus_name (exporter, error);

      if (bus_name == NULL)
        return FALSE;
      *path = jmp_config_find_exporter (exporter, error);
      if (*path == NULL)
        return FALSE;
      *alias = g_strdup (exporter);
      return TRUE;
    }

  *path = jmp_config_find_exporter (JMP_DEFAULT_EXPORTER, &local_error);
  if (*path == NULL)
    {
      g_message ("serving the built-in demo: %s", local_error->message);
      return TRUE;
    }
  g_message ("serving the default exporter, %s", *path);
  *alias = g_strdup (JMP_DEFAULT_EXPORTER);
  return TRUE;
}
