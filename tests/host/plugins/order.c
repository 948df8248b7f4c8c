/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built twice, as order-a/order.so and order-b/order.so: both claim the
 * type name OrderDriver with GTypes of their own, to show that the first
 * directory of the plugin path wins.
 */
#include <jumpstarter/jumpstarter.h>

#if defined(ORDER_A)
# define ORDER_GTYPE_NAME "JmpTestOrderADriver"
# define ORDER_PLUGIN_NAME "order-a"
#elif defined(ORDER_B)
# define ORDER_GTYPE_NAME "JmpTestOrderBDriver"
# define ORDER_PLUGIN_NAME "order-b"
#else
# error "define ORDER_A or ORDER_B"
#endif

typedef struct {
  JmpDriver parent_instance;
} OrderDriver;

typedef struct {
  JmpDriverClass parent_class;
} OrderDriverClass;

static GType
order_driver_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      GType type = g_type_register_static_simple (JMP_TYPE_DRIVER,
                                                  g_intern_static_string (ORDER_GTYPE_NAME),
                                                  sizeof (OrderDriverClass), NULL,
                                                  sizeof (OrderDriver), NULL, 0);

      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

static gboolean
order_register (JmpRegistry  *registry,
                GError      **error)
{
  return jmp_registry_add_type (registry, "OrderDriver", order_driver_get_type (),
                                NULL, error);
}

JMP_PLUGIN_DEFINE (ORDER_PLUGIN_NAME, "1.0", "One of two plugins claiming OrderDriver",
                   order_register)
