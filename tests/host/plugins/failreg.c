/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A plugin whose register function adds a type, then fails: the type must
 * not be kept, yet the GType it registered must stay usable (the module is
 * kept loaded).
 */
#include <jumpstarter/jumpstarter.h>

#define JMP_TEST_TYPE_FAILREG_DRIVER (jmp_test_failreg_driver_get_type ())
G_DECLARE_FINAL_TYPE (JmpTestFailregDriver, jmp_test_failreg_driver, JMP_TEST, FAILREG_DRIVER, JmpDriver)

struct _JmpTestFailregDriver
{
  JmpDriver parent_instance;
};

G_DEFINE_FINAL_TYPE (JmpTestFailregDriver, jmp_test_failreg_driver, JMP_TYPE_DRIVER)

static void
jmp_test_failreg_driver_class_init (JmpTestFailregDriverClass *klass)
{
}

static void
jmp_test_failreg_driver_init (JmpTestFailregDriver *self)
{
}

static gboolean
failreg_register (JmpRegistry  *registry,
                  GError      **error)
{
  if (!jmp_registry_add_type (registry, "FailregDriver", JMP_TEST_TYPE_FAILREG_DRIVER,
                              NULL, error))
    return FALSE;

  g_set_error_literal (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                       "the failreg hardware is missing");
  return FALSE;
}

JMP_PLUGIN_DEFINE ("failreg", "0.1", "A plugin whose registration fails", failreg_register)
