/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

#include "jmp-cluster-pb.h"

G_BEGIN_DECLS

#define JMP_CLUSTER_LABEL_NAME   "jumpstarter.dev/name"
#define JMP_CLUSTER_LABEL_CLIENT "jumpstarter.dev/client"

const gchar                    *jmp_cluster_client_class (JmpDriver  *driver);
Jumpstarter__V1__DriverInstanceReport **
                                jmp_cluster_reports_new  (JmpPbArena *arena,
                                                          JmpDriver  *root,
                                                          size_t     *n_out);

G_END_DECLS
