/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "jmp-error.h"

static const GDBusErrorEntry jmp_error_entries[] = {
  { JMP_ERROR_FAILED, "dev.jumpstarter.Error.Failed" },
  { JMP_ERROR_NOT_FOUND, "dev.jumpstarter.Error.NotFound" },
  { JMP_ERROR_INVALID_ARGS, "dev.jumpstarter.Error.InvalidArgs" },
  { JMP_ERROR_CONNECTION_REFUSED, "dev.jumpstarter.Error.ConnectionRefused" },
  { JMP_ERROR_UNREACHABLE, "dev.jumpstarter.Error.Unreachable" },
  { JMP_ERROR_ADDRESS_DISABLED, "dev.jumpstarter.Error.AddressDisabled" },
  { JMP_ERROR_UNAVAILABLE, "dev.jumpstarter.Error.Unavailable" },
  { JMP_ERROR_TIMED_OUT, "dev.jumpstarter.Error.TimedOut" },
  { JMP_ERROR_HOST_NOT_FOUND, "dev.jumpstarter.Error.HostNotFound" },
  { JMP_ERROR_NOT_SUPPORTED, "dev.jumpstarter.Error.NotSupported" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (jmp_error_entries) == JMP_ERROR_NOT_SUPPORTED + 1);

/**
 * jmp_error_quark:
 *
 * Registers the domain with GDBus on first use, so that a `JMP_ERROR`
 * returned by the host reaches a client as the same domain and code.
 *
 * Returns: the error domain of libjumpstarter
 */
GQuark
jmp_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("jmp-error-quark", &quark,
                                      jmp_error_entries,
                                      G_N_ELEMENTS (jmp_error_entries));
  return (GQuark) quark;
}

static JmpError
jmp_error_code_from_io (gint code)
{
  switch (code)
    {
    case G_IO_ERROR_NOT_FOUND:
      return JMP_ERROR_NOT_FOUND;
    case G_IO_ERROR_INVALID_ARGUMENT:
    case G_IO_ERROR_INVALID_FILENAME:
    case G_IO_ERROR_INVALID_DATA:
    case G_IO_ERROR_FILENAME_TOO_LONG:
      return JMP_ERROR_INVALID_ARGS;
    case G_IO_ERROR_CONNECTION_REFUSED:
      return JMP_ERROR_CONNECTION_REFUSED;
    case G_IO_ERROR_HOST_UNREACHABLE:
    case G_IO_ERROR_NETWORK_UNREACHABLE:
      return JMP_ERROR_UNREACHABLE;
    case G_IO_ERROR_TIMED_OUT:
      return JMP_ERROR_TIMED_OUT;
    case G_IO_ERROR_HOST_NOT_FOUND:
      return JMP_ERROR_HOST_NOT_FOUND;
    case G_IO_ERROR_NOT_SUPPORTED:
      return JMP_ERROR_NOT_SUPPORTED;
    case G_IO_ERROR_PERMISSION_DENIED:
    case G_IO_ERROR_BROKEN_PIPE:
    case G_IO_ERROR_NOT_CONNECTED:
    case G_IO_ERROR_BUSY:
    case G_IO_ERROR_WOULD_BLOCK:
    case G_IO_ERROR_ADDRESS_IN_USE:
    case G_IO_ERROR_NO_SPACE:
    case G_IO_ERROR_TOO_MANY_OPEN_FILES:
      return JMP_ERROR_UNAVAILABLE;
    default:
      return JMP_ERROR_FAILED;
    }
}

/**
 * jmp_error_convert:
 * @error: (inout) (optional) (nullable): a #GError of any domain
 *
 * Maps GIO, GResolver and other domains onto %JMP_ERROR in place, keeping
 * the message. Every error the host returns on D-Bus passes here, so a
 * client sees one domain whatever the driver used underneath.
 */
void
jmp_error_convert (GError **error)
{
  GError *e;
  JmpError code = JMP_ERROR_FAILED;

  if (error == NULL || *error == NULL)
    return;
  e = *error;
  if (e->domain == JMP_ERROR)
    return;

  if (e->domain == G_IO_ERROR)
    code = jmp_error_code_from_io (e->code);
  else if (e->domain == G_RESOLVER_ERROR)
    code = e->code == G_RESOLVER_ERROR_NOT_FOUND ||
           e->code == G_RESOLVER_ERROR_TEMPORARY_FAILURE ?
             JMP_ERROR_HOST_NOT_FOUND : JMP_ERROR_FAILED;
  else if (e->domain == G_DBUS_ERROR)
    code = e->code == G_DBUS_ERROR_INVALID_ARGS ? JMP_ERROR_INVALID_ARGS :
           e->code == G_DBUS_ERROR_UNKNOWN_METHOD ? JMP_ERROR_NOT_SUPPORTED :
           e->code == G_DBUS_ERROR_NO_SERVER ? JMP_ERROR_UNAVAILABLE :
           e->code == G_DBUS_ERROR_SERVICE_UNKNOWN ? JMP_ERROR_UNAVAILABLE :
           JMP_ERROR_FAILED;
  else if (e->domain == G_FILE_ERROR)
    code = e->code == G_FILE_ERROR_NOENT ? JMP_ERROR_NOT_FOUND :
           e->code == G_FILE_ERROR_INVAL ? JMP_ERROR_INVALID_ARGS :
           JMP_ERROR_FAILED;

  if (e->domain == G_DBUS_ERROR)
    g_dbus_error_strip_remote_error (e);
  e->domain = JMP_ERROR;
  e->code = code;
}
