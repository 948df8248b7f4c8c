/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>

#include "jmp-config-entry.h"
#include "jmp-driver.h"
#include "jmp-registry.h"

G_BEGIN_DECLS

#define JMP_TYPE_CONFIG (jmp_config_get_type ())
G_DECLARE_FINAL_TYPE (JmpConfig, jmp_config, JMP, CONFIG, GObject)

JmpConfig      *jmp_config_new_from_file    (const gchar  *filename,
                                             GError      **error);
JmpConfig      *jmp_config_new_from_data    (const gchar  *data,
                                             gssize        length,
                                             const gchar  *origin,
                                             GError      **error);

const gchar    *jmp_config_get_origin       (JmpConfig    *self);
const gchar    *jmp_config_get_name         (JmpConfig    *self);
const gchar    *jmp_config_get_description  (JmpConfig    *self);
const gchar    *jmp_config_get_motd         (JmpConfig    *self);
GHashTable     *jmp_config_get_labels       (JmpConfig    *self);
JmpConfigEntry *jmp_config_get_export       (JmpConfig    *self);

/* Errors of jmp_config_build(): %JMP_ERROR_NOT_FOUND for an unknown driver
 * type or a ref to a missing driver, %JMP_ERROR_INVALID_ARGS for a bad
 * value or ref, and the driver's own code when it fails to start. */
JmpDriver      *jmp_config_build            (JmpConfig    *self,
                                             JmpRegistry  *registry,
                                             JmpDriver    *previous,
                                             GError      **error);
void            jmp_config_build_async      (JmpConfig           *self,
                                             JmpRegistry         *registry,
                                             JmpDriver           *previous,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
JmpDriver      *jmp_config_build_finish     (JmpConfig           *self,
                                             GAsyncResult        *result,
                                             GError             **error);
void            jmp_config_stop_unused      (JmpDriver    *previous,
                                             JmpDriver    *current);
void            jmp_config_stop_unused_async  (JmpDriver           *previous,
                                               JmpDriver           *current,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
void            jmp_config_stop_unused_finish (JmpDriver           *previous,
                                               GAsyncResult        *result);

gchar          *jmp_config_find_exporter    (const gchar  *alias,
                                             GError      **error);

G_END_DECLS
