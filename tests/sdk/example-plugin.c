/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A third-party plugin as the README describes it, built by tests/sdk
 * against the installed SDK alone (pkg-config jumpstarter-1.0).
 */
#include <jumpstarter/jumpstarter.h>

#define VENDOR_TYPE_POWER_SWITCH (vendor_power_switch_get_type ())
G_DECLARE_FINAL_TYPE (VendorPowerSwitch, vendor_power_switch, VENDOR, POWER_SWITCH, JmpDriver)

struct _VendorPowerSwitch
{
  JmpDriver parent_instance;
  guint     outlet;
};

G_DEFINE_FINAL_TYPE (VendorPowerSwitch, vendor_power_switch, JMP_TYPE_DRIVER)

enum { PROP_0, PROP_OUTLET };

static void
vendor_power_switch_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  g_value_set_uint (value, VENDOR_POWER_SWITCH (object)->outlet);
}

static void
vendor_power_switch_set_property (GObject *object, guint id, const GValue *value,
                                  GParamSpec *pspec)
{
  VENDOR_POWER_SWITCH (object)->outlet = g_value_get_uint (value);
}

static void
vendor_power_switch_class_init (VendorPowerSwitchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = vendor_power_switch_get_property;
  object_class->set_property = vendor_power_switch_set_property;
  g_object_class_install_property (object_class, PROP_OUTLET,
    g_param_spec_uint ("outlet", "Outlet", "Outlet number on the switch", 1, 8, 1,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
vendor_power_switch_init (VendorPowerSwitch *self)
{
  self->outlet = 1;
}

static gboolean
register_types (JmpRegistry *registry, GError **error)
{
  const gchar *aliases[] = { "vendor_driver.driver.PowerSwitch", NULL };

  return jmp_registry_add_type (registry, "PowerSwitch", VENDOR_TYPE_POWER_SWITCH,
                                aliases, error);
}

JMP_PLUGIN_DEFINE ("power", "1.0", "Mains power switches", register_types)
