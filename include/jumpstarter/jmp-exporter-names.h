/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * JMP_HOST_BUS_NAME:
 *
 * The well-known name of the default exporter's host on a bus, the one
 * D-Bus activation starts. Every host serving an exporter by name also
 * owns a name of its own below it, see jmp_exporter_bus_name().
 */
#define JMP_HOST_BUS_NAME "dev.jumpstarter.Host1"

/**
 * JMP_DEFAULT_EXPORTER:
 *
 * The exporter a host serves when it is given neither a config file nor
 * an exporter name, if its config exists.
 */
#define JMP_DEFAULT_EXPORTER "default"

gchar    *jmp_exporter_bus_name       (const gchar  *exporter,
                                       GError      **error);
gboolean  jmp_exporter_is_bus_name    (const gchar  *bus_name);

G_END_DECLS
