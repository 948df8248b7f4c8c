/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-cluster-report.h"
#include "jmp-driver-method-private.h"

/**
 * jmp_cluster_client_class:
 *
 * The Python class a stock Jumpstarter client builds for a driver: it
 * refuses a driver whose class it cannot import, so this names the one
 * that speaks what the driver serves. A config may name another with the
 * driver's `jumpstarter.dev/client` label.
 */
const gchar *
jmp_cluster_client_class (JmpDriver *driver)
{
  const gchar *label = g_hash_table_lookup (jmp_driver_get_labels (driver),
                                            JMP_CLUSTER_LABEL_CLIENT);

  if (label != NULL)
    return label;
  if (G_TYPE_CHECK_INSTANCE_TYPE (driver, JMP_TYPE_COMPOSITE))
    return "jumpstarter_driver_composite.client.CompositeClient";
  if (g_strcmp0 (jmp_driver_get_type_name (driver), "DbusNetwork") == 0)
    return "jumpstarter_driver_network.client.DbusNetworkClient";
  /* before Network: a video driver is also a stream to its server */
  if (JMP_IS_VIDEO (driver))
    return "jumpstarter_driver_ustreamer.client.UStreamerClient";
  if (JMP_IS_NETWORK (driver))
    return "jumpstarter_driver_network.client.NetworkClient";
  /* declared methods: the generic client's call("method", …) */
  return "jumpstarter.client.DriverClient";
}

/* The help of each declared method, under the name clients call, and
 * what the config says over it. */
static GHashTable *
jmp_cluster_methods_description (JmpDriver *driver)
{
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) methods = jmp_driver_type_get_methods (G_OBJECT_TYPE (driver));
  g_autoptr(GHashTable) described = jmp_driver_get_methods_description (driver);
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; methods != NULL && i < methods->len; i++)
    {
      JmpDriverMethod *method = g_ptr_array_index (methods, i);
      const gchar *help = jmp_driver_method_get_help (method);

      if (help != NULL && *help != '\0')
        g_hash_table_insert (out, g_strdup (jmp_driver_method_get_name (method)), g_strdup (help));
    }
  g_hash_table_iter_init (&iter, described);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (out, g_strdup (key), g_strdup (value));
  return out;
}

typedef struct {
  JmpPbArena *arena;
  GPtrArray  *reports;
} JmpClusterReportWalk;

static gboolean
jmp_cluster_report_one (JmpDriver   *driver,
                        const gchar *path,
                        gpointer     user_data)
{
  JmpClusterReportWalk *walk = user_data;
  Jumpstarter__V1__DriverInstanceReport *report =
    jmp_pb_new (walk->arena, Jumpstarter__V1__DriverInstanceReport,
                JUMPSTARTER__V1__DRIVER_INSTANCE_REPORT__INIT);
  g_autoptr(GHashTable) labels = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) methods = jmp_cluster_methods_description (driver);
  JmpDriver *parent = jmp_driver_get_parent (driver);
  const gchar *description = jmp_driver_get_description (driver);
  GHashTableIter iter;
  gpointer key, value;

  report->uuid = jmp_pb_arena_strdup (walk->arena, jmp_driver_get_uuid (driver));
  if (parent != NULL)
    {
      report->_parent_uuid_case = JUMPSTARTER__V1__DRIVER_INSTANCE_REPORT___PARENT_UUID_PARENT_UUID;
      report->parent_uuid = jmp_pb_arena_strdup (walk->arena, jmp_driver_get_uuid (parent));
    }

  g_hash_table_iter_init (&iter, jmp_driver_get_labels (driver));
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (labels, key, value);
  g_hash_table_insert (labels, JMP_CLUSTER_LABEL_CLIENT,
                       (gpointer) jmp_cluster_client_class (driver));
  /* the root has no name, as in Jumpstarter: the exporter's name is the
   * label of the registration itself */
  if (parent != NULL)
    g_hash_table_insert (labels, JMP_CLUSTER_LABEL_NAME,
                         (gpointer) jmp_driver_get_name (driver));
  report->labels = (Jumpstarter__V1__DriverInstanceReport__LabelsEntry **)
    jmp_pb_string_map (walk->arena,
                       &jumpstarter__v1__driver_instance_report__labels_entry__descriptor,
                       labels, &report->n_labels);

  if (description != NULL && *description != '\0')
    {
      report->_description_case = JUMPSTARTER__V1__DRIVER_INSTANCE_REPORT___DESCRIPTION_DESCRIPTION;
      report->description = jmp_pb_arena_strdup (walk->arena, description);
    }
  report->methods_description = (Jumpstarter__V1__DriverInstanceReport__MethodsDescriptionEntry **)
    jmp_pb_string_map (walk->arena,
                       &jumpstarter__v1__driver_instance_report__methods_description_entry__descriptor,
                       methods, &report->n_methods_description);

  g_ptr_array_add (walk->reports, report);
  return TRUE;
}

/**
 * jmp_cluster_reports_new:
 * @root: the root of the driver tree
 *
 * One report per driver, the root first and every parent before its
 * children, as a client rebuilds the tree in that order.
 *
 * Returns: (transfer none): the reports, owned by @arena
 */
Jumpstarter__V1__DriverInstanceReport **
jmp_cluster_reports_new (JmpPbArena *arena,
                         JmpDriver  *root,
                         size_t     *n_out)
{
  JmpClusterReportWalk walk = { arena, g_ptr_array_new () };

  jmp_driver_foreach (root, jmp_cluster_report_one, &walk);
  *n_out = walk.reports->len;
  return jmp_pb_arena_take (arena, g_ptr_array_free (walk.reports, FALSE));
}
