/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-driver.h"

G_BEGIN_DECLS

void jmp_driver_fields_init  (JmpDriver *self);
void jmp_driver_fields_clear (JmpDriver *self);

G_END_DECLS
