/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>

#include "jmp-driver.h"

G_BEGIN_DECLS

/**
 * JmpDriverMethodFunc:
 * @self: the driver
 * @method: the method's name as declared, e.g. "on": one function may serve
 *   several methods, as a GDBus method_call handler does
 * @args: the arguments, a tuple of the method's in signature
 * @error: return location for a #GError
 *
 * A method that answers at once. The result is a tuple of the method's out
 * signature and may be floating; a method without results may return
 * %NULL without setting @error, as g_dbus_method_invocation_return_value()
 * takes %NULL for `()`.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL with @error set
 */
typedef GVariant *(*JmpDriverMethodFunc) (JmpDriver    *self,
                                          const gchar  *method,
                                          GVariant     *args,
                                          GError      **error);

/**
 * JmpDriverAsyncMethodFunc:
 * @self: the driver
 * @method: the method's name as declared
 * @args: the arguments, a tuple of the method's in signature
 * @task: the call: finish it, now or later, with jmp_driver_method_return()
 *   or g_task_return_error(); take a reference to keep it past the
 *   handler. Its source object is @self; its cancellable is cancelled when
 *   the caller's connection or the driver's object goes away.
 *
 * A method that answers later: a timer, a device, a child process.
 */
typedef void (*JmpDriverAsyncMethodFunc) (JmpDriver   *self,
                                          const gchar *method,
                                          GVariant    *args,
                                          GTask       *task);

void jmp_driver_class_set_interface_name (JmpDriverClass           *klass,
                                          const gchar              *interface_name);
void jmp_driver_class_add_method         (JmpDriverClass           *klass,
                                          const gchar              *name,
                                          const gchar              *in_signature,
                                          const gchar              *out_signature,
                                          const gchar              *arg_names,
                                          JmpDriverMethodFunc       func,
                                          const gchar              *help);
void jmp_driver_class_add_method_async   (JmpDriverClass           *klass,
                                          const gchar              *name,
                                          const gchar              *in_signature,
                                          const gchar              *out_signature,
                                          const gchar              *arg_names,
                                          JmpDriverAsyncMethodFunc  func,
                                          const gchar              *help);
void jmp_driver_class_export_property    (JmpDriverClass           *klass,
                                          const gchar              *property_name);

/**
 * JMP_PARAM_STATE:
 *
 * A #GParamFlags bit for a driver's property: export it as state, as
 * jmp_driver_class_export_property() does.
 */
#define JMP_PARAM_STATE (1 << G_PARAM_USER_SHIFT)

void jmp_driver_class_add_field          (JmpDriverClass           *klass,
                                          gsize                     offset,
                                          GParamSpec               *pspec);

void jmp_driver_method_return            (GTask                    *task,
                                          GVariant                 *result);
gint jmp_driver_method_append_fd         (GTask                    *task,
                                          gint                      fd,
                                          GError                  **error);

#define JMP_TYPE_DRIVER_METHOD (jmp_driver_method_get_type ())
G_DECLARE_FINAL_TYPE (JmpDriverMethod, jmp_driver_method, JMP, DRIVER_METHOD, GObject)

const gchar         *jmp_driver_method_get_name           (JmpDriverMethod    *self);
const gchar         *jmp_driver_method_get_member         (JmpDriverMethod    *self);
const gchar         *jmp_driver_method_get_interface_name (JmpDriverMethod    *self);
const gchar         *jmp_driver_method_get_in_signature   (JmpDriverMethod    *self);
const gchar         *jmp_driver_method_get_out_signature  (JmpDriverMethod    *self);
const gchar * const *jmp_driver_method_get_in_names       (JmpDriverMethod    *self);
const gchar * const *jmp_driver_method_get_out_names      (JmpDriverMethod    *self);
const gchar         *jmp_driver_method_get_help           (JmpDriverMethod    *self);
gchar               *jmp_driver_method_get_usage          (JmpDriverMethod    *self);

G_END_DECLS
