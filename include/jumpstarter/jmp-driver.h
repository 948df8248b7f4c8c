/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define JMP_TYPE_DRIVER (jmp_driver_get_type ())
G_DECLARE_DERIVABLE_TYPE (JmpDriver, jmp_driver, JMP, DRIVER, GObject)

/**
 * JmpDriverClass:
 * @parent_class: the parent class
 * @start: called once after every config key is set and the children are
 *   started; may fail, which fails the whole tree with the error
 * @stop: release what @start or @start_async took (processes, listeners);
 *   called once
 * @get_methods_description: (nullable): help text per client command, merged
 *   under the config's methods_description
 * @export: add interfaces of a plugin's own to the object that represents the
 *   driver on D-Bus, with g_dbus_object_skeleton_add_interface(): any
 *   #GDBusInterfaceSkeleton, generated or hand-written; called for every
 *   connection the host serves. Methods and state declared with
 *   jmp_driver_class_add_method() and %JMP_PARAM_STATE need none of it.
 * @start_async: (nullable): instead of @start, for a start that waits for
 *   something (a process to serve, a device to answer): starts @self
 *   without blocking and calls back in the caller's thread-default main
 *   context. It honours the cancellable: a cancelled start releases what
 *   it took and fails with %G_IO_ERROR_CANCELLED
 * @start_finish: (nullable): finishes @start_async
 * @stop_async: (nullable): instead of @stop, for a stop that waits for
 *   something (a process to exit, a device to let go): stops @self
 *   without blocking and calls back in the caller's thread-default main
 *   context once all is released. Cancelling the cancellable asks it to
 *   hurry (kill instead of waiting): the stop still ends and releases
 *   everything
 * @stop_finish: (nullable): finishes @stop_async
 *
 * The base class of every driver. A driver's config keys are its
 * GObject properties: `enable_address` in a config sets `enable-address`.
 * Its methods and state are declared in `class_init`
 * (jmp_driver_class_add_method(), jmp_driver_class_add_field()).
 */
struct _JmpDriverClass
{
  GObjectClass parent_class;

  gboolean     (*start)                   (JmpDriver           *self,
                                           GError             **error);
  void         (*stop)                    (JmpDriver           *self);
  GHashTable  *(*get_methods_description) (JmpDriver           *self);
  void         (*export)                  (JmpDriver           *self,
                                           GDBusObjectSkeleton *object);
  void         (*start_async)             (JmpDriver           *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
  gboolean     (*start_finish)            (JmpDriver           *self,
                                           GAsyncResult        *result,
                                           GError             **error);
  void         (*stop_async)              (JmpDriver           *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
  void         (*stop_finish)             (JmpDriver           *self,
                                           GAsyncResult        *result);

  /*< private >*/
  gpointer padding[8];
};

const gchar *jmp_driver_get_name                (JmpDriver    *self);
void         jmp_driver_set_name                (JmpDriver    *self,
                                                 const gchar  *name);
const gchar *jmp_driver_get_uuid                (JmpDriver    *self);
const gchar *jmp_driver_get_description         (JmpDriver    *self);
void         jmp_driver_set_description         (JmpDriver    *self,
                                                 const gchar  *description);
GHashTable  *jmp_driver_get_labels              (JmpDriver    *self);
void         jmp_driver_set_label               (JmpDriver    *self,
                                                 const gchar  *key,
                                                 const gchar  *value);
GHashTable  *jmp_driver_get_methods_description (JmpDriver    *self);
void         jmp_driver_set_method_description  (JmpDriver    *self,
                                                 const gchar  *method,
                                                 const gchar  *text);
const gchar *jmp_driver_get_type_name           (JmpDriver    *self);
void         jmp_driver_set_type_name           (JmpDriver    *self,
                                                 const gchar  *type_name);

JmpDriver   *jmp_driver_get_parent              (JmpDriver    *self);
void         jmp_driver_add_child               (JmpDriver    *self,
                                                 const gchar  *key,
                                                 JmpDriver    *child);
GStrv        jmp_driver_get_child_keys          (JmpDriver    *self);
JmpDriver   *jmp_driver_get_child               (JmpDriver    *self,
                                                 const gchar  *key);
void         jmp_driver_add_ref                 (JmpDriver    *self,
                                                 const gchar  *key,
                                                 JmpDriver    *target);
gboolean     jmp_driver_is_ref                  (JmpDriver    *self,
                                                 const gchar  *key);

gboolean     jmp_driver_start                   (JmpDriver    *self,
                                                 GError      **error);
void         jmp_driver_start_async             (JmpDriver           *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean     jmp_driver_start_finish            (JmpDriver           *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
void         jmp_driver_stop                    (JmpDriver    *self);
void         jmp_driver_stop_async              (JmpDriver           *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void         jmp_driver_stop_finish             (JmpDriver           *self,
                                                 GAsyncResult        *result);
gboolean     jmp_driver_is_stopping             (JmpDriver    *self);
gboolean     jmp_driver_is_started              (JmpDriver    *self);
void         jmp_driver_export                  (JmpDriver           *self,
                                                 GDBusObjectSkeleton *object);

/**
 * JmpDriverForeachFunc:
 * @driver: a driver of the tree
 * @path: its dotted path from the root, "" for the root
 * @user_data: data passed to jmp_driver_foreach()
 *
 * Called once per driver: refs (aliases) are not walked again.
 *
 * Returns: %FALSE to stop the walk
 */
typedef gboolean (*JmpDriverForeachFunc) (JmpDriver   *driver,
                                          const gchar *path,
                                          gpointer     user_data);

gboolean     jmp_driver_foreach                 (JmpDriver            *self,
                                                 JmpDriverForeachFunc  func,
                                                 gpointer              user_data);

/**
 * JMP_DEFINE_DRIVER:
 * @ModuleObjName: the type's name in CamelCase, e.g. `VendorPowerSwitch`
 * @module_obj_name: in lower case, e.g. `vendor_power_switch`
 * @MODULE: the prefix in upper case, e.g. `VENDOR`
 * @OBJ_NAME: the rest in upper case, e.g. `POWER_SWITCH`
 *
 * Declares and defines a final driver type whose class adds nothing to
 * #JmpDriverClass, after its instance struct `struct _ModuleObjName`, as
 * G_DECLARE_FINAL_TYPE() and G_DEFINE_FINAL_TYPE() together would, with
 * an empty instance init (fields added with jmp_driver_class_add_field()
 * start at their defaults). The plugin writes
 * `module_obj_name_class_init (JmpDriverClass *klass)`; the instance cast
 * is `MODULE_OBJ_NAME (ptr)`.
 */
#define JMP_DEFINE_DRIVER(ModuleObjName, module_obj_name, MODULE, OBJ_NAME)                 \
  typedef struct _##ModuleObjName ModuleObjName;                                           \
  typedef JmpDriverClass ModuleObjName##Class;                                             \
  GType module_obj_name##_get_type (void);                                                 \
  G_DEFINE_AUTOPTR_CLEANUP_FUNC (ModuleObjName, g_object_unref)                            \
  G_GNUC_UNUSED static inline ModuleObjName *                                              \
  MODULE##_##OBJ_NAME (gpointer ptr)                                                       \
  {                                                                                        \
    return G_TYPE_CHECK_INSTANCE_CAST (ptr, module_obj_name##_get_type (), ModuleObjName); \
  }                                                                                        \
  G_DEFINE_FINAL_TYPE (ModuleObjName, module_obj_name, JMP_TYPE_DRIVER)                    \
  static void module_obj_name##_init (ModuleObjName *self) { }

G_END_DECLS
