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

#define JMP_TYPE_HOST_INFO (jmp_host_info_get_type ())
G_DECLARE_FINAL_TYPE (JmpHostInfo, jmp_host_info, JMP, HOST_INFO, GObject)

const gchar *jmp_host_info_get_exporter    (JmpHostInfo *self);
const gchar *jmp_host_info_get_name        (JmpHostInfo *self);
const gchar *jmp_host_info_get_description (JmpHostInfo *self);
gint         jmp_host_info_get_n_drivers   (JmpHostInfo *self);
const gchar *jmp_host_info_get_bus_name    (JmpHostInfo *self);
const gchar *jmp_host_info_get_address     (JmpHostInfo *self);
gboolean     jmp_host_info_is_default      (JmpHostInfo *self);

G_END_DECLS
