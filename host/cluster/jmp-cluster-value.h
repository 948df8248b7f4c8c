/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "jmp-cluster-pb.h"

G_BEGIN_DECLS

/* google.protobuf.Value ↔ GVariant, guided by a D-Bus signature. */

GVariant                *jmp_cluster_value_to_variant (const Google__Protobuf__Value *value,
                                                       const GVariantType            *type,
                                                       GError                       **error);
GVariant                *jmp_cluster_args_to_variant  (Google__Protobuf__Value      **args,
                                                       gsize                          n_args,
                                                       const gchar                   *signature,
                                                       GError                       **error);
Google__Protobuf__Value *jmp_cluster_value_new        (JmpPbArena                    *arena,
                                                       GVariant                      *variant);
Google__Protobuf__Value *jmp_cluster_result_new       (JmpPbArena                    *arena,
                                                       GVariant                      *tuple);

G_END_DECLS
