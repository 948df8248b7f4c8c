/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The bus names of hosts: one per exporter, below dev.jumpstarter.Host1,
 * as MPRIS players each own one below org.mpris.MediaPlayer2.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "jmp-error.h"
#include "jmp-exporter-names.h"

/* D-Bus allows [A-Za-z0-9_-] in the elements of a well-known name and no
 * digit at their start. "-" is kept although the spec discourages it in
 * new names: exporter names are usually like "bench-7", and a systemd
 * template can then say BusName=dev.jumpstarter.Host1.%i. */
static gboolean
jmp_exporter_name_char_ok (gchar c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

/**
 * jmp_exporter_bus_name:
 * @exporter: an exporter's name, e.g. `bench-7`
 * @error: return location for a #GError
 *
 * Gives the well-known name the host serving @exporter owns on a bus:
 * `dev.jumpstarter.Host1.` followed by @exporter, escaped as D-Bus
 * requires. Letters, digits, `_` and `-` stay as they are; every other
 * byte becomes `_` and two lowercase hex digits (`bench.7` →
 * `bench_2e7`), and a name starting with a digit gets a leading `_`
 * (`7` → `_7`). The escape is not one-to-one (`bench_2e7` is its own
 * escape too): two exporters whose names escape alike cannot share a bus.
 *
 * Returns: (transfer full): the bus name, or %NULL with
 *   %JMP_ERROR_INVALID_ARGS when @exporter is empty or too long for a bus
 *   name (255 bytes in all)
 */
gchar *
jmp_exporter_bus_name (const gchar  *exporter,
                       GError      **error)
{
  g_autoptr(GString) name = NULL;

  g_return_val_if_fail (exporter != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (*exporter == '\0')
    {
      g_set_error_literal (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                           _("an exporter name is not empty"));
      return NULL;
    }

  name = g_string_new (JMP_HOST_BUS_NAME ".");
  if (g_ascii_isdigit (exporter[0]))
    g_string_append_c (name, '_');
  for (const gchar *p = exporter; *p != '\0'; p++)
    {
      if (jmp_exporter_name_char_ok (*p))
        g_string_append_c (name, *p);
      else
        g_string_append_printf (name, "_%02x", (guchar) *p);
    }

  if (!g_dbus_is_name (name->str))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("the exporter name \"%s\" is too long for a D-Bus name"), exporter);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&name), FALSE);
}

/**
 * jmp_exporter_is_bus_name:
 * @bus_name: a D-Bus name
 *
 * Tells whether @bus_name is one a host owns: `dev.jumpstarter.Host1`
 * itself or a name of one element below it.
 *
 * Returns: %TRUE for a host's name
 */
gboolean
jmp_exporter_is_bus_name (const gchar *bus_name)
{
  const gchar *rest;

  g_return_val_if_fail (bus_name != NULL, FALSE);

  if (g_str_equal (bus_name, JMP_HOST_BUS_NAME))
    return TRUE;
  if (!g_str_has_prefix (bus_name, JMP_HOST_BUS_NAME "."))
    return FALSE;
  rest = bus_name + strlen (JMP_HOST_BUS_NAME ".");
  return *rest != '\0' && strchr (rest, '.') == NULL;
}
