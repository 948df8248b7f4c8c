/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-composite.h"

/**
 * JmpComposite:
 *
 * A driver that only groups other drivers.
 *
 * What an export entry with `children` and no `type` becomes, and the root
 * of every tree.
 */

struct _JmpComposite
{
  JmpDriver parent_instance;
};

G_DEFINE_FINAL_TYPE (JmpComposite, jmp_composite, JMP_TYPE_DRIVER)

static void
jmp_composite_class_init (JmpCompositeClass *klass)
{
}

static void
jmp_composite_init (JmpComposite *self)
{
}

/**
 * jmp_composite_new:
 *
 * Creates a driver that only holds children.
 *
 * Returns: (transfer full): a new, empty composite driver
 */
JmpDriver *
jmp_composite_new (void)
{
  return g_object_new (JMP_TYPE_COMPOSITE, NULL);
}
