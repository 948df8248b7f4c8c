/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A shared object without the plugin entry symbol.
 */
#include <gmodule.h>

G_MODULE_EXPORT int jmp_test_noentry_answer (void);

int
jmp_test_noentry_answer (void)
{
  return 42;
}
