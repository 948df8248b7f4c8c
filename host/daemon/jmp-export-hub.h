/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-export.h"

G_BEGIN_DECLS

#define JMP_TYPE_EXPORT_HUB (jmp_export_hub_get_type ())
G_DECLARE_FINAL_TYPE (JmpExportHub, jmp_export_hub, JMP, EXPORT_HUB, GObject)

#define JMP_TYPE_EXPORT_VIEW (jmp_export_view_get_type ())
G_DECLARE_FINAL_TYPE (JmpExportView, jmp_export_view, JMP, EXPORT_VIEW, GObject)

JmpExportHub  *jmp_export_hub_new      (JmpHost          *host,
                                        GError          **error);
JmpExportView *jmp_export_hub_add_peer (JmpExportHub     *self,
                                        GDBusConnection  *connection,
                                        GError          **error);

G_END_DECLS
