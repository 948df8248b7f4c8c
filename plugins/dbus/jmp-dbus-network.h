/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

#define JMP_TYPE_DBUS_NETWORK (jmp_dbus_network_get_type ())
G_DECLARE_FINAL_TYPE (JmpDbusNetwork, jmp_dbus_network, JMP, DBUS_NETWORK, JmpDriver)

/* the label Jumpstarter's DbusNetworkClient reads the kind from */
#define JMP_DBUS_NETWORK_KIND_LABEL "jumpstarter.dev/dbusnetwork/kind"

G_END_DECLS
