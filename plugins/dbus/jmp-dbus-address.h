/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

/*
 * A D-Bus bus address as a client reads it: `;`-separated entries of
 * `transport:key=value,…`, tried in order. Only the transports a socket can
 * be handed over for are kept: unix:path=, unix:abstract= and tcp:.
 */

typedef enum {
  JMP_DBUS_ENTRY_UNIX_PATH,
  JMP_DBUS_ENTRY_UNIX_ABSTRACT,
  JMP_DBUS_ENTRY_TCP,
} JmpDbusEntryKind;

typedef struct {
  JmpDbusEntryKind          kind;
  gchar                    *text;          /* the entry as written, for messages */
  gchar                    *path;          /* unix: the path or abstract name, unescaped */
  gchar                    *host;          /* tcp: unescaped */
  guint16                   port;          /* tcp */
  GResolverNameLookupFlags  lookup_flags;  /* tcp: family=ipv4|ipv6 */
} JmpDbusEntry;

/* Returns: (element-type JmpDbusEntry): the entries, in order */
GPtrArray *jmp_dbus_address_parse          (const gchar          *address,
                                            GError              **error);

void       jmp_dbus_address_connect_async  (GPtrArray            *entries,
                                            const gchar          *kind,
                                            gdouble               timeout,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GSocket   *jmp_dbus_address_connect_finish (GAsyncResult         *result,
                                            GError              **error);

G_END_DECLS
