/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define JMP_AUTHORITY_DEFAULT_GROUP "jumpstarter"

#define JMP_TYPE_AUTHORITY (jmp_authority_get_type ())
G_DECLARE_FINAL_TYPE (JmpAuthority, jmp_authority, JMP, AUTHORITY, GObject)

JmpAuthority *jmp_authority_new             (const gchar   *group,
                                             gboolean       group_required,
                                             GError       **error);
gboolean      jmp_authority_check_host_user (gboolean       allow_root,
                                             GError       **error);
gboolean      jmp_authority_is_read_only    (const gchar   *interface_name,
                                             const gchar   *method_name);
gboolean      jmp_authority_allows          (JmpAuthority  *self,
                                             guint32        uid,
                                             const guint32 *gids,
                                             gsize          n_gids);
void          jmp_authority_watch           (JmpAuthority  *self,
                                             gpointer       skeleton);

G_END_DECLS
