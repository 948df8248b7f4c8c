/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-export.h"

G_BEGIN_DECLS

#define JMP_TYPE_EXPORT_HUB (jmp_export_hub_get_type ())
G_DECLARE_FINAL_TYPE (JmpExportHub, jmp_export_hub, JMP, EXPORT_HUB, GObject)

/* jmp-export-view.h */
typedef struct _JmpExportView JmpExportView;

JmpExportHub  *jmp_export_hub_new                 (JmpHost          *host,
                                                   GError          **error);
JmpExportView *jmp_export_hub_add_peer            (JmpExportHub     *self,
                                                   GDBusConnection  *connection,
                                                   GError          **error);

/* for JmpExportView */
JmpExport     *jmp_export_hub_get_export          (JmpExportHub     *self);
gboolean       jmp_export_hub_is_parent           (JmpExportHub     *self,
                                                   const gchar      *path);
GVariant      *jmp_export_hub_get_managed_objects (JmpExportHub     *self);
void           jmp_export_hub_remove_peer         (JmpExportHub     *self,
                                                   JmpExportView    *view,
                                                   GDBusConnection  *connection);

G_END_DECLS
