/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A plugin that adds a type of its own, then claims the name GoodDriver,
 * which the good plugin took first: it must be rejected as a whole, its
 * own type included.
 */
#include <jumpstarter/jumpstarter.h>

#define JMP_TEST_TYPE_DUPE_EXTRA (jmp_test_dupe_extra_get_type ())
G_DECLARE_FINAL_TYPE (JmpTestDupeExtra, jmp_test_dupe_extra, JMP_TEST, DUPE_EXTRA, JmpDriver)

struct _JmpTestDupeExtra
{
  JmpDriver parent_instance;
};

G_DEFINE_FINAL_TYPE (JmpTestDupeExtra, jmp_test_dupe_extra, JMP_TYPE_DRIVER)

static void
jmp_test_dupe_extra_class_init (JmpTestDupeExtraClass *klass)
{
}

static void
jmp_test_dupe_extra_init (JmpTestDupeExtra *self)
{
}

#define JMP_TEST_TYPE_DUPE_DRIVER (jmp_test_dupe_driver_get_type ())
G_DECLARE_FINAL_TYPE (JmpTestDupeDriver, jmp_test_dupe_driver, JMP_TEST, DUPE_DRIVER, JmpDriver)

struct _JmpTestDupeDriver
{
  JmpDriver parent_instance;
};

G_DEFINE_FINAL_TYPE (JmpTestDupeDriver, jmp_test_dupe_driver, JMP_TYPE_DRIVER)

static void
jmp_test_dupe_driver_class_init (JmpTestDupeDriverClass *klass)
{
}

static void
jmp_test_dupe_driver_init (JmpTestDupeDriver *self)
{
}

static gboolean
dupe_register (JmpRegistry  *registry,
               GError      **error)
{
  static const gchar * const extra_aliases[] = { "vendor.dupe.DupeExtra", NULL };

  if (!jmp_registry_add_type (registry, "DupeExtra", JMP_TEST_TYPE_DUPE_EXTRA,
                              extra_aliases, error))
    return FALSE;
  return jmp_registry_add_type (registry, "GoodDriver", JMP_TEST_TYPE_DUPE_DRIVER,
                                NULL, error);
}

JMP_PLUGIN_DEFINE ("dupe", "0.1", "A plugin that claims a taken name", dupe_register)
