/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <grpc/status.h>

#include "jmp-cluster-call.h"
#include "jmp-driver-method-private.h"
#include "jmp-cluster-value.h"

/*
 * A DriverCall is a declared method of the driver (by the name clients
 * write, `cycle`), else one of the methods a stock Jumpstarter client of
 * the built-in capabilities calls: `address` of a network driver,
 * `state` and `snapshot` of a video driver. The result is a tuple, as a
 * declared method returns it.
 */

typedef struct {
  JmpDriver *found;
  const gchar *uuid;
} JmpClusterFind;

static gboolean
jmp_cluster_find_cb (JmpDriver *driver, const gchar *path, gpointer user_data)
{
  JmpClusterFind *find = user_data;

  if (g_strcmp0 (jmp_driver_get_uuid (driver), find->uuid) != 0)
    return TRUE;
  find->found = driver;
  return FALSE;
}

/**
 * jmp_cluster_find_driver:
 *
 * Returns: (transfer none) (nullable): the driver of the tree with @uuid
 */
JmpDriver *
jmp_cluster_find_driver (JmpDriver   *root,
                         const gchar *uuid)
{
  JmpClusterFind find = { NULL, uuid };

  if (root != NULL && uuid != NULL)
    jmp_driver_foreach (root, jmp_cluster_find_cb, &find);
  return find.found;
}

static void
jmp_cluster_declared_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpDriverMethod *method = g_task_get_task_data (task);
  g_autoptr(GUnixFDList) fds = NULL;
  GError *error = NULL;
  GVariant *result = jmp_driver_method_invoke_finish (method, res, &fds, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) g_variant_unref);
}

static void
jmp_cluster_address_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gchar *address = jmp_network_get_address_finish (JMP_NETWORK (source), res, &error);

  if (address == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_variant_ref_sink (g_variant_new ("(s)", address)),
                           (GDestroyNotify) g_variant_unref);
  g_free (address);
}

static void
jmp_cluster_state_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(GVariant) state = jmp_video_get_state_finish (JMP_VIDEO (source), res, &error);

  if (state == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_variant_ref_sink (g_variant_new_tuple (&state, 1)),
                           (GDestroyNotify) g_variant_unref);
}

static void
jmp_cluster_snapshot_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(GBytes) jpeg = jmp_video_snapshot_finish (JMP_VIDEO (source), res, &error);
  GVariant *bytes;

  if (jpeg == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* "ay" becomes a base64 string, as Jumpstarter returns the frame */
  bytes = g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, jpeg, TRUE);
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_new_tuple (&bytes, 1)),
                         (GDestroyNotify) g_variant_unref);
}

static JmpDriverMethod *
jmp_cluster_lookup_method (JmpDriver *driver, const gchar *name)
{
  g_autoptr(GPtrArray) methods = jmp_driver_type_get_methods (G_OBJECT_TYPE (driver));

  for (guint i = 0; methods != NULL && i < methods->len; i++)
    {
      JmpDriverMethod *method = g_ptr_array_index (methods, i);

      if (g_strcmp0 (jmp_driver_method_get_name (method), name) == 0)
        return g_object_ref (method);
    }
  return NULL;
}

static gboolean
jmp_cluster_no_args (GTask *task, const gchar *method, gsize n_args)
{
  if (n_args == 0)
    return TRUE;
  g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                           _("%s takes no arguments"), method);
  return FALSE;
}

/**
 * jmp_cluster_driver_call_async:
 *
 * Calls @method on @driver with Jumpstarter's arguments.
 */
void
jmp_cluster_driver_call_async (JmpDriver                *driver,
                               const gchar              *method,
                               Google__Protobuf__Value **args,
                               gsize                     n_args,
                               GCancellable             *cancellable,
                               GAsyncReadyCallback       callback,
                               gpointer                  user_data)
{
  g_autoptr(GTask) task = g_task_new (driver, cancellable, callback, user_data);
  g_autoptr(JmpDriverMethod) declared = jmp_cluster_lookup_method (driver, method);

  g_task_set_source_tag (task, jmp_cluster_driver_call_async);
  if (declared != NULL)
    {
      GError *error = NULL;
      GVariant *tuple;

      if (jmp_driver_method_returns_fds (declared))
        {
          g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                                   _("%s returns a file descriptor, which cannot leave the host"),
                                   method);
          return;
        }
      tuple = jmp_cluster_args_to_variant (args, n_args,
                                           jmp_driver_method_get_in_signature (declared), &error);
      if (tuple == NULL)
        {
          g_prefix_error (&error, "%s: ", method);
          g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_INVALID_ARGS, "%s", error->message);
          g_error_free (error);
          return;
        }
      g_task_set_task_data (task, g_object_ref (declared), g_object_unref);
      jmp_driver_method_invoke (declared, driver, g_variant_ref_sink (tuple), cancellable,
                                jmp_cluster_declared_cb, g_object_ref (task));
      g_variant_unref (tuple);
      return;
    }
  if (JMP_IS_NETWORK (driver) && g_strcmp0 (method, "address") == 0)
    {
      if (jmp_cluster_no_args (task, method, n_args))
        jmp_network_get_address_async (JMP_NETWORK (driver), cancellable,
                                       jmp_cluster_address_cb, g_object_ref (task));
      return;
    }
  if (JMP_IS_VIDEO (driver) && g_strcmp0 (method, "state") == 0)
    {
      if (jmp_cluster_no_args (task, method, n_args))
        jmp_video_get_state_async (JMP_VIDEO (driver), cancellable,
                                   jmp_cluster_state_cb, g_object_ref (task));
      return;
    }
  if (JMP_IS_VIDEO (driver) && g_strcmp0 (method, "snapshot") == 0)
    {
      if (jmp_cluster_no_args (task, method, n_args))
        jmp_video_snapshot_async (JMP_VIDEO (driver), cancellable,
                                  jmp_cluster_snapshot_cb, g_object_ref (task));
      return;
    }
  g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                           _("%s has no method %s"), jmp_driver_get_name (driver), method);
}

/**
 * jmp_cluster_driver_call_finish:
 *
 * Returns: (transfer full) (nullable): the result tuple
 */
GVariant *
jmp_cluster_driver_call_finish (GAsyncResult  *result,
                                GError       **error)
{
  GVariant *ret = g_task_propagate_pointer (G_TASK (result), error);

  if (ret == NULL && error != NULL)
    jmp_error_convert (error);
  return ret;
}

/**
 * jmp_cluster_status_from_error:
 *
 * The gRPC status a Jumpstarter client expects for an error of ours.
 */
gint
jmp_cluster_status_from_error (GError *error)
{
  if (error->domain != JMP_ERROR)
    return GRPC_STATUS_UNKNOWN;
  switch (error->code)
    {
    case JMP_ERROR_NOT_FOUND:
      return GRPC_STATUS_NOT_FOUND;
    case JMP_ERROR_INVALID_ARGS:
      return GRPC_STATUS_INVALID_ARGUMENT;
    case JMP_ERROR_TIMED_OUT:
      return GRPC_STATUS_DEADLINE_EXCEEDED;
    case JMP_ERROR_CONNECTION_REFUSED:
    case JMP_ERROR_UNREACHABLE:
    case JMP_ERROR_HOST_NOT_FOUND:
    case JMP_ERROR_UNAVAILABLE:
      return GRPC_STATUS_UNAVAILABLE;
    case JMP_ERROR_NOT_SUPPORTED:
      return GRPC_STATUS_UNIMPLEMENTED;
    case JMP_ERROR_ADDRESS_DISABLED:
      return GRPC_STATUS_FAILED_PRECONDITION;
    default:
      return GRPC_STATUS_UNKNOWN;
    }
}
