/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-cluster-pb.h"

GBytes *
jmp_pb_pack (const ProtobufCMessage *message)
{
  gsize len = protobuf_c_message_get_packed_size (message);
  guint8 *data = g_malloc (MAX (len, 1));

  protobuf_c_message_pack (message, data);
  return g_bytes_new_take (data, len);
}

/* Returns: (nullable): the message, or %NULL for bytes that are not one */
gpointer
jmp_pb_unpack (const ProtobufCMessageDescriptor *descriptor,
               GBytes                           *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return protobuf_c_message_unpack (descriptor, NULL, len, data);
}

void
jmp_pb_free (gpointer message)
{
  if (message != NULL)
    protobuf_c_message_free_unpacked (message, NULL);
}

JmpPbArena *
jmp_pb_arena_new (void)
{
  return g_ptr_array_new_with_free_func (g_free);
}

gpointer
jmp_pb_arena_alloc (JmpPbArena *arena,
                    gsize       size)
{
  return jmp_pb_arena_take (arena, g_malloc0 (size));
}

gchar *
jmp_pb_arena_strdup (JmpPbArena  *arena,
                     const gchar *str)
{
  return jmp_pb_arena_take (arena, g_strdup (str ?: ""));
}

gpointer
jmp_pb_arena_take (JmpPbArena *arena,
                   gpointer    mem)
{
  g_ptr_array_add (arena, mem);
  return mem;
}

static gint
jmp_pb_compare_keys (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* A map<string, string> field from a hash table, keys sorted so that the
 * encoding does not depend on hashing. Every such entry message of
 * protobuf-c has the layout of JmpPbStringEntry. */
gpointer *
jmp_pb_string_map (JmpPbArena                      *arena,
                   const ProtobufCMessageDescriptor *entry_descriptor,
                   GHashTable                      *map,
                   size_t                          *n_out)
{
  g_autofree gpointer *keys = NULL;
  guint n = 0;
  gpointer *entries;

  if (map == NULL || g_hash_table_size (map) == 0)
    {
      *n_out = 0;
      return NULL;
    }
  keys = g_hash_table_get_keys_as_array (map, &n);
  g_qsort_with_data (keys, n, sizeof (gpointer), jmp_pb_compare_keys, NULL);
  entries = jmp_pb_arena_alloc (arena, n * sizeof (gpointer));
  for (guint i = 0; i < n; i++)
    {
      JmpPbStringEntry *entry = jmp_pb_arena_alloc (arena, sizeof (JmpPbStringEntry));

      protobuf_c_message_init (entry_descriptor, entry);
      entry->key = jmp_pb_arena_strdup (arena, keys[i]);
      entry->value = jmp_pb_arena_strdup (arena, g_hash_table_lookup (map, keys[i]));
      entries[i] = entry;
    }
  *n_out = n;
  return entries;
}
