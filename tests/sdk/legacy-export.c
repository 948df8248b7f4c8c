/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A plugin that adds its own interfaces the old way, in the export hook: a
 * hand-written GDBusInterfaceSkeleton and a gdbus-codegen one
 * (com.example.Codegen1.xml). Hosts before the SDK's declared methods read
 * past the end of the first one's plain GDBusInterfaceInfo, and warned
 * about the second, on every connection; both must run clean under fatal
 * criticals.
 */
#include <jumpstarter/jumpstarter.h>

#include "vendor-codegen.h"

#define VENDOR_TYPE_LEGACY_SKELETON (vendor_legacy_skeleton_get_type ())
G_DECLARE_FINAL_TYPE (VendorLegacySkeleton, vendor_legacy_skeleton, VENDOR, LEGACY_SKELETON,
                      GDBusInterfaceSkeleton)

struct _VendorLegacySkeleton
{
  GDBusInterfaceSkeleton parent_instance;
};

G_DEFINE_FINAL_TYPE (VendorLegacySkeleton, vendor_legacy_skeleton, G_TYPE_DBUS_INTERFACE_SKELETON)

static const gchar legacy_xml[] =
  "<node><interface name='com.example.Legacy1'>"
  "<method name='Ping'><arg name='text' type='s' direction='in'/>"
  "<arg name='reply' type='s' direction='out'/></method>"
  "</interface></node>";

static GDBusInterfaceInfo *
legacy_info (void)
{
  static GDBusNodeInfo *node;

  if (node == NULL)
    node = g_dbus_node_info_new_for_xml (legacy_xml, NULL);
  return node->interfaces[0];
}

static void
legacy_method_call (GDBusConnection *connection, const gchar *sender, const gchar *path,
                    const gchar *iface, const gchar *method, GVariant *params,
                    GDBusMethodInvocation *invocation, gpointer user_data)
{
  const gchar *text;

  g_variant_get (params, "(&s)", &text);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", text));
}

static const GDBusInterfaceVTable legacy_vtable = { legacy_method_call, NULL, NULL, { 0 } };

static GDBusInterfaceInfo *
legacy_get_info (GDBusInterfaceSkeleton *skeleton)
{
  return legacy_info ();
}

static GDBusInterfaceVTable *
legacy_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  return (GDBusInterfaceVTable *) &legacy_vtable;
}

static GVariant *
legacy_get_properties (GDBusInterfaceSkeleton *skeleton)
{
  return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0);
}

static void
legacy_flush (GDBusInterfaceSkeleton *skeleton)
{
}

static void
vendor_legacy_skeleton_class_init (VendorLegacySkeletonClass *klass)
{
  GDBusInterfaceSkeletonClass *skeleton_class = G_DBUS_INTERFACE_SKELETON_CLASS (klass);

  skeleton_class->get_info = legacy_get_info;
  skeleton_class->get_vtable = legacy_get_vtable;
  skeleton_class->get_properties = legacy_get_properties;
  skeleton_class->flush = legacy_flush;
}

static void
vendor_legacy_skeleton_init (VendorLegacySkeleton *self)
{
}

#define VENDOR_TYPE_LEGACY (vendor_legacy_get_type ())
G_DECLARE_FINAL_TYPE (VendorLegacy, vendor_legacy, VENDOR, LEGACY, JmpDriver)

struct _VendorLegacy
{
  JmpDriver parent_instance;
};

G_DEFINE_FINAL_TYPE (VendorLegacy, vendor_legacy, JMP_TYPE_DRIVER)

static void
vendor_legacy_export (JmpDriver *driver, GDBusObjectSkeleton *object)
{
  g_autoptr(VendorLegacySkeleton) skeleton = g_object_new (VENDOR_TYPE_LEGACY_SKELETON, NULL);
  VendorCodegen1 *generated = vendor_codegen1_skeleton_new ();

  g_dbus_object_skeleton_add_interface (object, G_DBUS_INTERFACE_SKELETON (skeleton));
  vendor_codegen1_set_outlets (generated, 8);
  g_dbus_object_skeleton_add_interface (object, G_DBUS_INTERFACE_SKELETON (generated));
  g_object_unref (generated);
}

static void
vendor_legacy_class_init (VendorLegacyClass *klass)
{
  JMP_DRIVER_CLASS (klass)->export = vendor_legacy_export;
}

static void
vendor_legacy_init (VendorLegacy *self)
{
}

static gboolean
register_types (JmpRegistry *registry, GError **error)
{
  return jmp_registry_add_type (registry, "Legacy", VENDOR_TYPE_LEGACY, NULL, error);
}

/* written against the SDK as it was before declared methods, on purpose */
JMP_PLUGIN_DEFINE ("legacy", "1.0", "An interface added by hand", register_types)
