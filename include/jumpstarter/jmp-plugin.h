/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include "jmp-registry.h"

G_BEGIN_DECLS

/**
 * JMP_PLUGIN_ABI_VERSION:
 *
 * Version of #JmpPluginDesc and of the driver SDK's binary interface. The
 * host skips a plugin built for another version.
 */
#define JMP_PLUGIN_ABI_VERSION 1

/**
 * JMP_PLUGIN_ENTRY_SYMBOL:
 *
 * Name of the one symbol a plugin exports.
 */
#define JMP_PLUGIN_ENTRY_SYMBOL "jmp_plugin_describe"

/**
 * JmpPluginRegisterFunc:
 * @registry: the registry to add driver types and aliases to
 * @error: return location for a #GError
 *
 * Adds the plugin's driver types with jmp_registry_add_type().
 *
 * Returns: %TRUE on success
 */
typedef gboolean (*JmpPluginRegisterFunc) (JmpRegistry  *registry,
                                           GError      **error);

/**
 * JmpPluginDesc:
 * @abi_version: %JMP_PLUGIN_ABI_VERSION of the SDK the plugin was built with
 * @name: short name of the plugin, e.g. "network"
 * @version: the plugin's version
 * @description: one line on what it provides
 * @license: SPDX license identifier
 * @register_func: adds the plugin's types to the registry
 *
 * What a plugin's entry symbol returns.
 */
typedef struct {
  guint32                abi_version;
  const gchar           *name;
  const gchar           *version;
  const gchar           *description;
  const gchar           *license;
  JmpPluginRegisterFunc  register_func;

  /*< private >*/
  gpointer               padding[8];
} JmpPluginDesc;

/**
 * JmpPluginDescribeFunc:
 *
 * The type of a plugin's entry symbol, %JMP_PLUGIN_ENTRY_SYMBOL, which
 * JMP_PLUGIN_DEFINE() writes.
 *
 * Returns: the plugin's descriptor, static
 */
typedef const JmpPluginDesc *(*JmpPluginDescribeFunc) (void);

/**
 * JMP_PLUGIN_LICENSE:
 *
 * The SPDX license identifier JMP_PLUGIN_DEFINE() gives the plugin unless
 * it defines this macro before including the SDK.
 */
#ifndef JMP_PLUGIN_LICENSE
#define JMP_PLUGIN_LICENSE "LGPL-2.1-or-later"
#endif

/**
 * JMP_PLUGIN_DEFINE:
 * @name: short name of the plugin (a string)
 * @version: its version (a string)
 * @description: one line on what it provides (a string)
 * @register_func: a #JmpPluginRegisterFunc
 *
 * Defines the plugin's entry symbol. The license is %JMP_PLUGIN_LICENSE,
 * which a plugin may define before including the SDK.
 */
#define JMP_PLUGIN_DEFINE(name, version, description, register_func)          \
  G_MODULE_EXPORT const JmpPluginDesc *jmp_plugin_describe (void);           \
  G_MODULE_EXPORT const JmpPluginDesc *                                      \
  jmp_plugin_describe (void)                                                 \
  {                                                                          \
    static const JmpPluginDesc desc = {                                      \
      JMP_PLUGIN_ABI_VERSION, name, version, description,                    \
      JMP_PLUGIN_LICENSE, register_func, { NULL, }                           \
    };                                                                       \
    return &desc;                                                            \
  }

/**
 * JMP_PLUGIN_DEFINE_TYPE:
 * @name: short name of the plugin (a string)
 * @version: its version (a string)
 * @description: one line on what it provides (a string)
 * @type_name: the name configs use for the type, e.g. "PowerSwitch"
 * @gtype: the driver's #GType, e.g. `vendor_power_switch_get_type ()`
 *
 * Defines the entry symbol of a plugin with one driver type and no
 * aliases. A plugin with more types, or with aliases, uses
 * JMP_PLUGIN_DEFINE() and jmp_registry_add_type().
 */
#define JMP_PLUGIN_DEFINE_TYPE(name, version, description, type_name, gtype)  \
  static gboolean                                                             \
  jmp_plugin_register_type (JmpRegistry *registry, GError **error)            \
  {                                                                           \
    return jmp_registry_add_type (registry, type_name, gtype, NULL, error);   \
  }                                                                           \
  JMP_PLUGIN_DEFINE (name, version, description, jmp_plugin_register_type)

G_END_DECLS
