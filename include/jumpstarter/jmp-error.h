/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * JMP_ERROR:
 *
 * Error domain of libjumpstarter. On D-Bus its codes travel as
 * `dev.jumpstarter.Error.*` and come back as this domain in the client.
 */
#define JMP_ERROR (jmp_error_quark ())

/**
 * JmpError:
 * @JMP_ERROR_FAILED: anything not covered below
 * @JMP_ERROR_NOT_FOUND: no such driver, plugin, file or method
 * @JMP_ERROR_INVALID_ARGS: a config value or call argument is wrong
 * @JMP_ERROR_CONNECTION_REFUSED: the target refused the connection
 * @JMP_ERROR_UNREACHABLE: no route to the target's host or network
 * @JMP_ERROR_ADDRESS_DISABLED: the driver's enable_address is false
 * @JMP_ERROR_UNAVAILABLE: a resource (kernel feature, backend) is missing
 * @JMP_ERROR_TIMED_OUT: the target did not answer in time
 * @JMP_ERROR_HOST_NOT_FOUND: the target's host name does not resolve
 * @JMP_ERROR_NOT_SUPPORTED: the driver has no such capability
 *
 * Error codes of %JMP_ERROR.
 */
typedef enum {
  JMP_ERROR_FAILED,
  JMP_ERROR_NOT_FOUND,
  JMP_ERROR_INVALID_ARGS,
  JMP_ERROR_CONNECTION_REFUSED,
  JMP_ERROR_UNREACHABLE,
  JMP_ERROR_ADDRESS_DISABLED,
  JMP_ERROR_UNAVAILABLE,
  JMP_ERROR_TIMED_OUT,
  JMP_ERROR_HOST_NOT_FOUND,
  JMP_ERROR_NOT_SUPPORTED,
} JmpError;

GQuark jmp_error_quark (void);

void jmp_error_convert (GError **error);

G_END_DECLS
