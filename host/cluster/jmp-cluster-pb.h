/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "jmp-cluster-proto.h"

G_BEGIN_DECLS

/* protobuf-c messages to and from GBytes, and an arena for the pieces of
 * a message built by hand (strings, map entries, sub-messages). */

GBytes   *jmp_pb_pack    (const ProtobufCMessage           *message);
gpointer  jmp_pb_unpack  (const ProtobufCMessageDescriptor *descriptor,
                          GBytes                           *bytes);
void      jmp_pb_free    (gpointer                          message);

typedef GPtrArray JmpPbArena;

JmpPbArena *jmp_pb_arena_new   (void);
gpointer    jmp_pb_arena_alloc (JmpPbArena  *arena,
                                gsize        size);
gchar      *jmp_pb_arena_strdup (JmpPbArena *arena,
                                 const gchar *str);
gpointer    jmp_pb_arena_take  (JmpPbArena  *arena,
                                gpointer     mem);

typedef struct {
  ProtobufCMessage base;
  char            *key;
  char            *value;
} JmpPbStringEntry;

gpointer   *jmp_pb_string_map  (JmpPbArena                      *arena,
                                const ProtobufCMessageDescriptor *entry_descriptor,
                                GHashTable                      *map,
                                size_t                          *n_out);

#define jmp_pb_new(arena, Type, INIT) \
  ({ Type *_m = jmp_pb_arena_alloc ((arena), sizeof (Type)); Type _i = INIT; *_m = _i; _m; })

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpPbArena, g_ptr_array_unref)

G_END_DECLS
