/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _JmpRelay JmpRelay;

/**
 * JmpRelayDoneFunc:
 * @relay: the relay
 * @error: (nullable): why it ended early, %NULL after EOF both ways
 * @user_data: data given to jmp_relay_start()
 *
 * Called once when both sockets are closed.
 */
typedef void (*JmpRelayDoneFunc) (JmpRelay     *relay,
                                  const GError *error,
                                  gpointer      user_data);

JmpRelay *jmp_relay_start          (GSocket          *a,
                                    GSocket          *b,
                                    JmpRelayDoneFunc  done,
                                    gpointer          user_data,
                                    GError          **error);
void      jmp_relay_close          (JmpRelay         *relay);
guint64   jmp_relay_get_bytes_a_to_b (JmpRelay       *relay);
guint64   jmp_relay_get_bytes_b_to_a (JmpRelay       *relay);

G_END_DECLS
