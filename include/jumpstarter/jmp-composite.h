/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include "jmp-driver.h"

G_BEGIN_DECLS

#define JMP_TYPE_COMPOSITE (jmp_composite_get_type ())
G_DECLARE_FINAL_TYPE (JmpComposite, jmp_composite, JMP, COMPOSITE, JmpDriver)

JmpDriver *jmp_composite_new (void);

G_END_DECLS
