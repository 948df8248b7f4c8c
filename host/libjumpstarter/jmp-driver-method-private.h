/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gunixfdlist.h>

#include "jmp-driver-method.h"

G_BEGIN_DECLS

/* The annotation that carries a declared method's help in introspection. */
#define JMP_DRIVER_METHOD_HELP_ANNOTATION "dev.jumpstarter.Help"

/* One D-Bus interface of a driver type: what its classes declared under
 * one name, ancestors first. Built once per type; types are never freed. */
typedef struct {
  gchar              *name;
  GPtrArray          *methods;     /* JmpDriverMethod */
  GPtrArray          *properties;  /* GParamSpec, exported as state */
  GDBusInterfaceInfo *info;
} JmpDriverInterface;

JmpDriverMethod *jmp_driver_method_new_full       (const gchar         *name,
                                                   const gchar         *interface_name,
                                                   const gchar         *in_signature,
                                                   const gchar         *out_signature,
                                                   const gchar * const *in_names,
                                                   const gchar * const *out_names,
                                                   const gchar         *help);
GPtrArray       *jmp_driver_type_get_interfaces   (GType                type);
GPtrArray       *jmp_driver_type_get_methods      (GType                type);
JmpDriverMethod *jmp_driver_interface_lookup      (JmpDriverInterface  *iface,
                                                   const gchar         *member);
gchar           *jmp_driver_dbus_name             (const gchar         *name);
gboolean         jmp_driver_method_returns_fds    (JmpDriverMethod     *self);

void             jmp_driver_method_invoke         (JmpDriverMethod     *self,
                                                   JmpDriver           *driver,
                                                   GVariant            *args,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GVariant        *jmp_driver_method_invoke_finish  (JmpDriverMethod     *self,
                                                   GAsyncResult        *result,
                                                   GUnixFDList        **out_fd_list,
                                                   GError             **error);

const gchar     *jmp_driver_property_signature    (GParamSpec          *pspec);
GVariant        *jmp_driver_property_get_variant  (GObject             *object,
                                                   GParamSpec          *pspec);

GVariant        *jmp_driver_methods_to_variant    (GPtrArray           *methods);
GPtrArray       *jmp_driver_methods_from_variant  (GVariant            *value);

G_END_DECLS
