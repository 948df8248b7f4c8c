/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <jumpstarter/jumpstarter.h>

struct _VendorPowerSwitch
{
  JmpDriver parent_instance;
  guint     outlet;  /* config keys and state are fields the SDK reads and writes */
  gboolean  on;
};

JMP_DEFINE_DRIVER (VendorPowerSwitch, vendor_power_switch, VENDOR, POWER_SWITCH)

/* on, off and read; a real switch would talk to its outlet here */
static GVariant *
power (JmpDriver *self, const gchar *method, GVariant *args, GError **error)
{
  if (g_str_equal (method, "read"))
    return g_variant_new ("(b)", VENDOR_POWER_SWITCH (self)->on);
  g_object_set (self, "on", g_str_equal (method, "on"), NULL);  /* notifies watchers */
  return NULL;                                                   /* no results */
}

static void
cycle_done (gpointer task)
{
  power (g_task_get_source_object (task), "on", NULL, NULL);
  jmp_driver_method_return (task, NULL);
  g_object_unref (task);
}

static void
power_cycle (JmpDriver *self, const gchar *method, GVariant *args, GTask *task)
{
  gdouble delay;

  g_variant_get (args, "(d)", &delay);
  if (delay < 0 || delay > 60)
    g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_INVALID_ARGS, "0 to 60 s, please");
  else
    {
      power (self, "off", NULL, NULL);
      g_timeout_add_once (1000 * delay, cycle_done, g_object_ref (task));
    }
}

static void
vendor_power_switch_class_init (JmpDriverClass *klass)
{
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (VendorPowerSwitch, outlet),
                              g_param_spec_uint ("outlet", NULL, "Outlet number", 1, 8, 1, 0));
  jmp_driver_class_add_field (klass, G_STRUCT_OFFSET (VendorPowerSwitch, on),
                              g_param_spec_boolean ("on", NULL, "Powered", FALSE, JMP_PARAM_STATE));
  jmp_driver_class_set_interface_name (klass, "com.example.PowerSwitch1");
  jmp_driver_class_add_method (klass, "on", NULL, NULL, NULL, power, "Switch on");
  jmp_driver_class_add_method (klass, "off", NULL, NULL, NULL, power, "Switch off");
  jmp_driver_class_add_method (klass, "read", NULL, "b", "on", power, "Whether it is on");
  jmp_driver_class_add_method_async (klass, "cycle", "d", NULL, "delay", power_cycle,
                                     "Switch off, wait DELAY seconds (0 to 60), switch on");
}

JMP_PLUGIN_DEFINE_TYPE ("power", "1.0", "Power switches", "PowerSwitch", vendor_power_switch_get_type ())
