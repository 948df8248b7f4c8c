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
 * @args: the arguments, a tuple of the method's in signature
 * @error: return location for a #GError
 *
 * A method that answers at once. The result, a tuple of the method's out
 * signature (`g_variant_new ("()")` for none), may be floating.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL with @error set
 */
typedef GVariant *(*JmpDriverMethodFunc) (JmpDriver  *self,
                                          GVariant   *args,
                                          GError    **error);

/**
 * JmpDriverAsyncMethodFunc:
 * @self: the driver
 * @args: the arguments, a tuple of the method's in signature
 * @task: (transfer full): finish it with jmp_driver_method_return() or
 *   g_task_return_error(); its cancellable is cancelled when the driver stops
 *
 * A method that answers later: a timer, a device, a child process.
 */
typedef void (*JmpDriverAsyncMethodFunc) (JmpDriver *self,
                                          GVariant  *args,
                                          GTask     *task);

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
