/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-authority.h"
#include "jmp-host.h"

G_BEGIN_DECLS

#define JMP_HOST_OBJECT_PATH "/dev/jumpstarter/Host1"
#define JMP_HOST_DRIVER_PATH JMP_HOST_OBJECT_PATH "/driver"

#define JMP_TYPE_EXPORT (jmp_export_get_type ())
G_DECLARE_FINAL_TYPE (JmpExport, jmp_export, JMP, EXPORT, GObject)

JmpExport       *jmp_export_new            (JmpHost          *host,
                                            GDBusConnection  *connection,
                                            JmpAuthority     *authority,
                                            GError          **error);
GDBusConnection *jmp_export_get_connection (JmpExport        *self);
JmpHost         *jmp_export_get_host       (JmpExport        *self);
GDBusObjectManagerServer *jmp_export_get_manager        (JmpExport *self);
GDBusInterfaceSkeleton   *jmp_export_get_host_interface (JmpExport *self);

G_END_DECLS
