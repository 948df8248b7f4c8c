/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-export-hub.h"

G_BEGIN_DECLS

#define JMP_TYPE_EXPORT_VIEW (jmp_export_view_get_type ())
G_DECLARE_FINAL_TYPE (JmpExportView, jmp_export_view, JMP, EXPORT_VIEW, GObject)

JmpExportView *jmp_export_view_new            (JmpExportHub     *hub,
                                               GDBusConnection  *connection,
                                               GError          **error);
void           jmp_export_view_add_subtree    (JmpExportView    *view,
                                               const gchar      *parent);
void           jmp_export_view_remove_subtree (JmpExportView    *view,
                                               const gchar      *parent);

G_END_DECLS
